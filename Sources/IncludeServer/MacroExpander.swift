/// Expands the operand of a computed `#include` with every definition each macro may have (a macro
/// defined differently in two `#if` branches expands both ways), so the result is every header name the
/// directive can stand for. Prosser's hide sets stop recursion; a step and a result budget stop blow-ups.
struct MacroExpander {
  /// Every definition seen of each macro name.
  let definitions: [String: [MacroDefinition]]
  /// Work left; exhausted means "cannot tell".
  private var steps = 20_000
  /// The most alternative expansions kept.
  static let maxResults = 256

  init(definitions: [String: [MacroDefinition]]) { self.definitions = definitions }

  /// Every complete expansion of `tokens`, or `nil` if the budget ran out.
  mutating func expand(_ tokens: [PreprocessorToken]) -> [[PreprocessorToken]]? {
    var results: [[PreprocessorToken]] = []
    var seen = Set<[PreprocessorToken]>()
    // Each state: what is finished, and what is still to scan.
    var pending: [([PreprocessorToken], ArraySlice<PreprocessorToken>)] = [([], tokens[...])]
    while let (finished, rest) = pending.popLast() {
      var done = finished
      steps -= 1
      guard steps > 0, pending.count + results.count < Self.maxResults else { return nil }
      guard let token = rest.first else {
        if seen.insert(done).inserted { results.append(done) }
        continue
      }
      guard token.kind == .identifier, !token.hideSet.contains(token.text),
        let candidates = definitions[token.text], !candidates.isEmpty
      else {
        // Move the run of tokens that cannot expand in one step.
        done.append(token)
        pending.append((done, rest.dropFirst()))
        continue
      }
      var hide = token.hideSet
      hide.insert(token.text)
      var expandedAny = false
      for definition in candidates {
        guard let parameters = definition.parameters else {
          var replacement = definition.body.map { painted($0, hide) }
          if !replacement.isEmpty { replacement[0].spaceBefore = token.spaceBefore }
          pending.append((done, (replacement + rest.dropFirst())[...]))
          expandedAny = true
          continue
        }
        guard let (arguments, after) = Self.arguments(rest.dropFirst()) else { continue }
        guard
          let bodies = substitute(
            definition, parameters: parameters, arguments: arguments, hide: hide)
        else { return nil }
        for var body in bodies {
          if !body.isEmpty { body[0].spaceBefore = token.spaceBefore }
          pending.append((done, (body + after)[...]))
        }
        expandedAny = true
      }
      if !expandedAny {
        done.append(token)
        pending.append((done, rest.dropFirst()))
      }
    }
    return results
  }

  private func painted(_ token: PreprocessorToken, _ hide: Set<String>) -> PreprocessorToken {
    var token = token
    token.hideSet.formUnion(hide)
    return token
  }

  /// The arguments of a function-like macro call starting at `(`, and the tokens after its `)`; `nil`
  /// if no complete call follows.
  static func arguments(_ tokens: ArraySlice<PreprocessorToken>) -> (
    [[PreprocessorToken]], ArraySlice<PreprocessorToken>
  )? {
    guard let open = tokens.first, open.text == "(" else { return nil }
    var arguments: [[PreprocessorToken]] = [[]]
    var depth = 0
    var index = tokens.startIndex + 1
    while index < tokens.endIndex {
      let token = tokens[index]
      if token.text == "(" {
        depth += 1
      } else if token.text == ")" {
        if depth == 0 { return (arguments, tokens[(index + 1)...]) }
        depth -= 1
      } else if token.text == "," && depth == 0 {
        arguments.append([])
        index += 1
        continue
      }
      arguments[arguments.count - 1].append(token)
      index += 1
    }
    return nil
  }

  /// The replacement lists of one call: parameters replaced (`#` stringizes, `##` pastes, others get
  /// each fully expanded alternative of their argument).
  private mutating func substitute(
    _ definition: MacroDefinition, parameters: [String], arguments: [[PreprocessorToken]],
    hide: Set<String>
  ) -> [[PreprocessorToken]]? {
    var arguments = arguments
    if parameters.isEmpty && arguments == [[]] { arguments = [] }
    if definition.isVariadic, arguments.count > parameters.count {
      var variadic = arguments[parameters.count - 1]
      for extra in arguments[parameters.count...] {
        variadic.append(PreprocessorToken(text: ",", kind: .punctuator, spaceBefore: false))
        variadic += extra
      }
      arguments = Array(arguments[..<(parameters.count - 1)]) + [variadic]
    }
    while arguments.count < parameters.count { arguments.append([]) }
    var expandedCache: [Int: [[PreprocessorToken]]] = [:]
    var results: [[PreprocessorToken]] = [[]]
    var pasteNext = false
    let body = definition.body
    var index = 0
    while index < body.count {
      let token = body[index]
      var pieces: [[PreprocessorToken]]
      if token.text == "#", index + 1 < body.count,
        let parameter = parameters.firstIndex(of: body[index + 1].text)
      {
        var string = Self.stringize(arguments[parameter])
        string.spaceBefore = token.spaceBefore
        pieces = [[string]]
        index += 1
      } else if token.text == "##" {
        pasteNext = true
        index += 1
        continue
      } else if let parameter = parameters.firstIndex(of: token.text) {
        let nextIsPaste = index + 1 < body.count && body[index + 1].text == "##"
        if pasteNext || nextIsPaste {
          pieces = [arguments[parameter]]
        } else {
          if expandedCache[parameter] == nil {
            guard let expanded = expand(arguments[parameter]) else { return nil }
            expandedCache[parameter] = expanded
          }
          pieces = expandedCache[parameter] ?? []
        }
        pieces = pieces.map { piece in
          var piece = piece
          if !piece.isEmpty { piece[0].spaceBefore = token.spaceBefore }
          return piece
        }
      } else {
        pieces = [[token]]
      }
      var combined: [[PreprocessorToken]] = []
      for prefix in results {
        for piece in pieces {
          combined.append(pasteNext ? Self.paste(prefix, piece) : prefix + piece)
          guard combined.count <= Self.maxResults else { return nil }
        }
      }
      results = combined
      pasteNext = false
      index += 1
    }
    return results.map { $0.map { painted($0, hide) } }
  }

  /// `left ## right`: the last token of `left` and the first of `right` become one (re-lexed).
  static func paste(_ left: [PreprocessorToken], _ right: [PreprocessorToken])
    -> [PreprocessorToken]
  {
    guard let last = left.last, let first = right.first else { return left + right }
    var joined = PreprocessorToken.tokenize(Array((last.text + first.text).utf8)[...])
    if !joined.isEmpty { joined[0].spaceBefore = last.spaceBefore }
    return left.dropLast() + joined + right.dropFirst()
  }

  /// `#x`: the argument's spelling as a string literal (one space where white space was; `\` and `"`
  /// escaped inside string and character literals only).
  static func stringize(_ tokens: [PreprocessorToken]) -> PreprocessorToken {
    var text = "\""
    for (offset, token) in tokens.enumerated() {
      if offset > 0 && token.spaceBefore { text += " " }
      if token.kind == .stringLiteral || token.kind == .characterLiteral {
        for character in token.text {
          if character == "\\" || character == "\"" { text.append("\\") }
          text.append(character)
        }
      } else {
        text += token.text
      }
    }
    text += "\""
    return PreprocessorToken(text: text, kind: .stringLiteral, spaceBefore: false)
  }
}
