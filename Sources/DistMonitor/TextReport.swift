public import DistState

/// `distccmon-text`'s output for one poll, byte for byte as 3.4 prints it (`mon-text.c`).
///
/// One line per record not in phase `done`, formatted as C's `"%6ld  %-10.10s  %-30.30s %24.24s[%d]\n"`
/// with pid, phase name, file, host and slot, then one empty line (also when there are no records).
/// Widths count bytes, as `printf` does.
public enum TextReport {
  /// The bytes printed for `records`, which should already be in the scan's order.
  public static func render(_ records: [StateRecord]) -> [UInt8] {
    var output: [UInt8] = []
    for record in records where record.phase != .done {
      append(Array(String(record.pid).utf8), width: 6, leftAligned: false, to: &output)
      output += Array("  ".utf8)
      append(Array(record.phase.name.utf8), width: 10, leftAligned: true, to: &output)
      output += Array("  ".utf8)
      append(Array(record.file.prefix(30)), width: 30, leftAligned: true, to: &output)
      output.append(UInt8(ascii: " "))
      append(Array(record.host.prefix(24)), width: 24, leftAligned: false, to: &output)
      output += Array("[\(record.slot)]\n".utf8)
    }
    output.append(UInt8(ascii: "\n"))
    return output
  }

  /// Pads `field` with spaces to `width` bytes (a wider field is kept whole).
  private static func append(
    _ field: [UInt8], width: Int, leftAligned: Bool, to output: inout [UInt8]
  ) {
    let padding = [UInt8](repeating: UInt8(ascii: " "), count: max(0, width - field.count))
    output += leftAligned ? field + padding : padding + field
  }
}
