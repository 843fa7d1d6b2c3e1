/// What a compiler is, for telling whether two machines' compilers produce the same objects: its family,
/// version and target (`gcc 12.2.0 x86_64-linux-gnu`) and a fingerprint of the driver and the compilers
/// proper it runs (`cc1`, `cc1plus`).
public struct CompilerIdentity: Sendable, Hashable, CustomStringConvertible {
  /// `gcc` or `clang`.
  public var family: String
  /// The full version, e.g. `12.2.0` (`-dumpfullversion`, else `-dumpversion`).
  public var version: String
  /// The target triple (`-dumpmachine`), e.g. `x86_64-linux-gnu`.
  public var target: String
  /// 16 hex digits: FNV-1a over the driver's and its `cc1`/`cc1plus`'s GNU build IDs (a file's whole bytes
  /// when it has none, e.g. a script).
  public var fingerprint: String

  /// For people: `gcc 12.2.0 x86_64-linux-gnu`.
  public var description: String { "\(family) \(version) \(target)" }

  /// One line, four words: `gcc 12.2.0 x86_64-linux-gnu 0123456789abcdef` (what a `CCID` packet carries
  /// and the cache stores).
  public var text: String { "\(family) \(version) \(target) \(fingerprint)" }

  /// Whether objects from `other` can stand in for ours: same family, version and target. (The fingerprint
  /// differs between builds of one version, e.g. two distributions' gcc 12.2.0, and is reported, not
  /// compared.)
  public func isCompatible(with other: CompilerIdentity) -> Bool {
    family == other.family && version == other.version && target == other.target
  }
}

// In an extension, so the struct keeps its synthesized memberwise initialiser (for the probe, in-module).
extension CompilerIdentity {
  /// Parses ``text``; nil unless it is exactly four non-empty printable words of at most 128 bytes each.
  public init?(text: String) {
    let words = text.split(separator: " ", omittingEmptySubsequences: false)
    guard words.count == 4,
      words.allSatisfy({ word in
        !word.isEmpty && word.utf8.count <= 128
          && word.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f }
      })
    else { return nil }
    self.init(
      family: String(words[0]), version: String(words[1]), target: String(words[2]),
      fingerprint: String(words[3]))
  }
}
