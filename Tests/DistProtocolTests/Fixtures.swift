import Foundation

/// Loads the golden captures in `Fixtures/` (recorded from Debian's distcc 3.4; see `Fixtures/README.md`).
enum Fixtures {
  static func bytes(_ name: String) throws -> [UInt8] {
    guard
      let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")
    else { throw FixtureMissing(name: name) }
    return [UInt8](try Data(contentsOf: url))
  }

  struct FixtureMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "fixture \(name) is missing" }
  }
}

extension Array where Element == UInt8 {
  /// ASCII bytes, for readable test tables.
  init(ascii text: String) { self = Array(text.utf8) }
}
