/// A distcc packet token: the four ASCII characters that open every 12-byte header.
///
/// The catalogue is distcc 3.4's (`protocol.md` §2.1). The wire spelling is upper case, e.g. `ARGV`.
public enum Token: Sendable, Equatable, Hashable, CaseIterable {
  /// Protocol version requested by the client (value).
  case dist
  /// Number of `ARGV` packets that follow (value).
  case argc
  /// One command-line argument (string).
  case argv
  /// Preprocessed source, protocols 1 and 2 (bulk).
  case doti
  /// Client working directory, protocol 3 (string).
  case cdir
  /// Number of `NAME` + `FILE`/`LINK` pairs that follow, protocol 3 (value).
  case nfil
  /// Absolute client path of the next file or symlink, protocol 3 (string).
  case name
  /// Content of a file, protocol 3 (bulk, always LZO).
  case file
  /// Target of a symlink, protocol 3 (string).
  case link
  /// Protocol version of the reply (value).
  case done
  /// Compiler wait status (value).
  case stat
  /// Compiler standard error (bulk).
  case serr
  /// Compiler standard output (bulk).
  case sout
  /// Object file (bulk).
  case doto
  /// Dependency file, protocol 3 (bulk).
  case dotd
  /// One GSS-API token (value + body, `,auth` only).
  case tlen
  /// Extensions a request uses (value, ``Extensions``), right after `DIST`; ours only.
  case xreq
  /// The client's compiler identity (string), with ``Extensions/compilerIdentity``; ours only.
  case ccid
  /// Extensions a daemon supports (value), after a complete reply; ours only.
  case xcap
  /// The identity of the compiler the daemon ran (or would run) for this job (string), after `XCAP` when that
  /// announces ``Extensions/compilerIdentity``; ours only.
  case scid

  /// The four ASCII bytes of the token on the wire.
  public var bytes: [UInt8] { Array(description.utf8) }

  /// Recognises four wire bytes; `nil` for anything that is not a distcc token.
  public init?(bytes: some Collection<UInt8>) {
    guard bytes.count == 4 else { return nil }
    var packed: UInt32 = 0
    for byte in bytes { packed = packed << 8 | UInt32(byte) }
    guard let token = Token.byPackedValue[packed] else { return nil }
    self = token
  }

  /// The token as a big-endian packed 32-bit value of its ASCII bytes (`DIST` = 0x4449_5354).
  var packedValue: UInt32 {
    switch self {
    case .dist: 0x4449_5354
    case .argc: 0x4152_4743
    case .argv: 0x4152_4756
    case .doti: 0x444f_5449
    case .cdir: 0x4344_4952
    case .nfil: 0x4e46_494c
    case .name: 0x4e41_4d45
    case .file: 0x4649_4c45
    case .link: 0x4c49_4e4b
    case .done: 0x444f_4e45
    case .stat: 0x5354_4154
    case .serr: 0x5345_5252
    case .sout: 0x534f_5554
    case .doto: 0x444f_544f
    case .dotd: 0x444f_5444
    case .tlen: 0x544c_454e
    case .xreq: 0x5852_4551
    case .ccid: 0x4343_4944
    case .xcap: 0x5843_4150
    case .scid: 0x5343_4944
    }
  }

  private static let byPackedValue: [UInt32: Token] = Dictionary(
    uniqueKeysWithValues: Token.allCases.map { ($0.packedValue, $0) })
}

extension Token: CustomStringConvertible {
  /// The wire spelling, e.g. `"ARGV"`.
  public var description: String {
    switch self {
    case .dist: "DIST"
    case .argc: "ARGC"
    case .argv: "ARGV"
    case .doti: "DOTI"
    case .cdir: "CDIR"
    case .nfil: "NFIL"
    case .name: "NAME"
    case .file: "FILE"
    case .link: "LINK"
    case .done: "DONE"
    case .stat: "STAT"
    case .serr: "SERR"
    case .sout: "SOUT"
    case .doto: "DOTO"
    case .dotd: "DOTD"
    case .tlen: "TLEN"
    case .xreq: "XREQ"
    case .ccid: "CCID"
    case .xcap: "XCAP"
    case .scid: "SCID"
    }
  }
}
