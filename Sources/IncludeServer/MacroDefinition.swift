/// One `#define` (or `-D`) as the include analysis keeps it: name, parameters if function-like, body.
struct MacroDefinition: Sendable, Hashable {
  var name: String
  /// Parameter names for a function-like macro (`__VA_ARGS__` last for `...`), `nil` for object-like.
  var parameters: [String]?
  var isVariadic: Bool
  var body: [PreprocessorToken]

  /// Parses the text after `#define` (already tokenized); `nil` if it names no macro.
  init?(tokens: [PreprocessorToken]) {
    guard let first = tokens.first, first.kind == .identifier else { return nil }
    name = first.text
    var rest = tokens.dropFirst()
    isVariadic = false
    if let open = rest.first, open.text == "(", !open.spaceBefore {
      var names: [String] = []
      rest = rest.dropFirst()
      while let token = rest.first, token.text != ")" {
        if token.text == "..." {
          names.append("__VA_ARGS__")
          isVariadic = true
        } else if token.kind == .identifier {
          names.append(token.text)
        } else if token.text == "." {
          // `...` is tokenized as three dots.
          if !isVariadic {
            names.append("__VA_ARGS__")
            isVariadic = true
          }
        }
        rest = rest.dropFirst()
      }
      rest = rest.dropFirst()
      parameters = names
    } else {
      parameters = nil
    }
    body = Array(rest)
    if !body.isEmpty { body[0].spaceBefore = false }
  }

  /// A command-line definition: `-D NAME`, `-D NAME=VALUE`, `-D 'NAME(A)=BODY'`.
  init?(commandLine text: String) {
    let bytes = Array(text.utf8)
    let equals = bytes.firstIndex(of: UInt8(ascii: "="))
    var tokens = PreprocessorToken.tokenize(bytes[..<(equals ?? bytes.count)])
    if let equals {
      tokens += PreprocessorToken.tokenize(bytes[(equals + 1)...]).enumerated().map {
        var token = $0.element
        if $0.offset == 0 { token.spaceBefore = true }
        return token
      }
    } else {
      tokens.append(PreprocessorToken(text: "1", kind: .number, spaceBefore: true))
    }
    self.init(tokens: tokens)
  }
}
