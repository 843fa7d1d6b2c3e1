/// Upper bounds a decoder enforces on every length a peer claims, before it allocates anything for it.
///
/// Each header value is checked when its 12-byte header arrives; a value over its limit throws
/// ``DistProtocolError/limitExceeded(token:value:limit:offset:)`` at once. LZO bodies are decompressed into
/// a buffer that never grows past ``maxDecompressedLength`` (an LZO stream carries no uncompressed length).
/// With a ``budget``, every body's buffers are also reserved from it before they are allocated.
public struct DecodingLimits: Sendable, Equatable {
  /// Most `ARGV` packets (`ARGC` value).
  public var maxArguments: Int
  /// Longest single `ARGV` body.
  public var maxArgumentLength: Int
  /// Longest bulk body on the wire (`DOTI`, `FILE`, `SERR`, `SOUT`, `DOTO`, `DOTD`), compressed or not.
  public var maxBodyLength: Int
  /// Largest decompressed content of one LZO body.
  public var maxDecompressedLength: Int
  /// Most `NAME` entries (`NFIL` value).
  public var maxFiles: Int
  /// Longest `CDIR`, `NAME` or `LINK` body.
  public var maxNameLength: Int
  /// Most bytes one decoded message may hold in all: arguments, names and every body's decompressed
  /// content together (the per-item limits alone would allow 65,536 maximal files).
  public var maxMessageLength: Int
  /// The memory allowance every body buffer is reserved from before it is allocated (raw bytes as they
  /// arrive, decoded copies, each LZO growth step); `nil` means the limits above are the only bound.
  public var budget: (any ByteBudget)?

  /// Limits with every bound given (see ``daemonDefault`` and ``clientDefault`` for the usual ones).
  public init(
    maxArguments: Int, maxArgumentLength: Int, maxBodyLength: Int, maxDecompressedLength: Int,
    maxFiles: Int, maxNameLength: Int, maxMessageLength: Int = .max, budget: (any ByteBudget)? = nil
  ) {
    self.budget = budget
    self.maxMessageLength = maxMessageLength
    self.maxArguments = maxArguments
    self.maxArgumentLength = maxArgumentLength
    self.maxBodyLength = maxBodyLength
    self.maxDecompressedLength = maxDecompressedLength
    self.maxFiles = maxFiles
    self.maxNameLength = maxNameLength
  }

  /// What a daemon accepts from strangers: 65,536 arguments of at most 128 KiB (Linux's
  /// `MAX_ARG_STRLEN`), bodies up to 256 MiB on the wire and decompressed (the largest `.i` of an LLVM
  /// build is about 30 MB), 65,536 files, names up to 4096 bytes (`PATH_MAX`), 1 GiB per request in all.
  public static let daemonDefault = DecodingLimits(
    maxArguments: 65_536, maxArgumentLength: 131_072, maxBodyLength: 256 << 20,
    maxDecompressedLength: 256 << 20, maxFiles: 65_536, maxNameLength: 4096,
    maxMessageLength: 1 << 30)

  /// What a client accepts from a server it chose: bodies up to 1 GiB on the wire and 2 GiB decompressed
  /// (objects with debug info are large), 4 GiB per response in all; the request-side limits as for the
  /// daemon.
  public static let clientDefault = DecodingLimits(
    maxArguments: 65_536, maxArgumentLength: 131_072, maxBodyLength: 1 << 30,
    maxDecompressedLength: 2 << 30, maxFiles: 65_536, maxNameLength: 4096,
    maxMessageLength: 4 << 30)

  /// Equal when every limit is equal and both have the same budget object (or none).
  public static func == (lhs: DecodingLimits, rhs: DecodingLimits) -> Bool {
    lhs.maxArguments == rhs.maxArguments && lhs.maxArgumentLength == rhs.maxArgumentLength
      && lhs.maxBodyLength == rhs.maxBodyLength
      && lhs.maxDecompressedLength == rhs.maxDecompressedLength && lhs.maxFiles == rhs.maxFiles
      && lhs.maxNameLength == rhs.maxNameLength && lhs.maxMessageLength == rhs.maxMessageLength
      && lhs.budget === rhs.budget
  }
}
