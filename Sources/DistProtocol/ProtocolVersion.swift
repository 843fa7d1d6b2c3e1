/// A distcc protocol version, chosen by the client from the host options (`protocol.md` §3).
///
/// - `v1`: plain bodies, client-side preprocessing (no host option).
/// - `v2`: LZO1X bodies (`,lzo`).
/// - `v3`: LZO1X bodies and server-side preprocessing, "pump mode" (`,cpp,lzo`).
public enum ProtocolVersion: UInt32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case v1 = 1
  case v2 = 2
  case v3 = 3

  /// Whether bulk bodies (`DOTI`, `SERR`, `SOUT`, `DOTO`, `DOTD`, `FILE`) are LZO1X streams.
  public var compressesBodies: Bool { self != .v1 }

  /// Whether the server preprocesses (protocol 3: `CDIR`, `NFIL`, `NAME`, `FILE`/`LINK`, `DOTD`).
  public var serverPreprocesses: Bool { self == .v3 }

  /// Interprets a `DIST` value the way distccd 3.4 does: 0 is treated as version 1, values above 3 are
  /// refused (`nil`).
  public init?(distValue value: UInt32) {
    if value == 0 {
      self = .v1
    } else if let version = ProtocolVersion(rawValue: value) {
      self = version
    } else {
      return nil
    }
  }

  public var description: String { "protocol \(rawValue)" }
}
