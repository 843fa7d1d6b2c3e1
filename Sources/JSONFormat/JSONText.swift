/// Builds compact JSON text without Foundation: what the web monitor's API and the daemon's `/stats.json`
/// need, with one string escaper for both.
public enum JSONText {
  /// A JSON string literal for `value`: quotes and backslashes escaped, `\n` `\r` `\t` as such, other
  /// control characters as `\u00XX`, and `<` as `\u003c` so that the text is safe inside an HTML
  /// `<script>` element.
  public static func quoted(_ value: String) -> String {
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
  public static func object(_ members: KeyValuePairs<String, String?>) -> String {
    "{" + members.map { quoted($0.key) + ":" + ($0.value ?? "null") }.joined(separator: ",") + "}"
  }

  /// `[a,b,…]` from already-encoded values.
  public static func array(_ elements: [String]) -> String {
    "[" + elements.joined(separator: ",") + "]"
  }

  /// An integer.
  public static func number(_ value: some BinaryInteger) -> String { String(value) }

  /// A finite number, or `null`.
  public static func number(_ value: Double) -> String {
    value.isFinite ? String(value) : "null"
  }
}
