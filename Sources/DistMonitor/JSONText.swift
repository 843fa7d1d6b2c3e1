/// Builds compact JSON text: just what the monitor's API needs, without Foundation.
struct JSONText {
  private(set) var text = ""

  /// A JSON string literal for `value`.
  static func quoted(_ value: String) -> String {
    var result = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case "<": result += "\\u003c"  // safe to inline in HTML
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }

  /// `{"name":value,…}` from already-encoded values; `nil` values are written as `null`.
  static func object(_ members: KeyValuePairs<String, String?>) -> String {
    "{" + members.map { quoted($0.key) + ":" + ($0.value ?? "null") }.joined(separator: ",") + "}"
  }

  /// `[a,b,…]` from already-encoded values.
  static func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }

  static func number(_ value: some BinaryInteger) -> String { String(value) }

  static func number(_ value: Double) -> String {
    value.isFinite ? String(value) : "null"
  }
}
