internal import CZstd
internal import Glibc  // dlopen/dlsym: libzstd is loaded on first use, not linked

/// libzstd's entry points, loaded with `dlopen` the first time a zstd body is made or read (a `,zstd` host
/// known to be ours, or a daemon that announces zstd), so that a client that never speaks zstd does not load
/// and relocate libzstd at every start (the dynamic loader's start-up went from about 135k to 356k cycles
/// with libzstd linked). The types are those of `<zstd.h>`; `CZstd` supplies its types and constants only
/// and is not linked.
struct LibZstd: @unchecked Sendable {
  /// The shared object loaded: libzstd1's soname.
  static let soname = "libzstd.so.1"

  let createCCtx: @convention(c) () -> OpaquePointer?
  let freeCCtx: @convention(c) (OpaquePointer?) -> Int
  let cctxSetParameter: @convention(c) (OpaquePointer?, ZSTD_cParameter, Int32) -> Int
  let compressBound: @convention(c) (Int) -> Int
  let compress2:
    @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
  let isError: @convention(c) (Int) -> UInt32
  let getErrorName: @convention(c) (Int) -> UnsafePointer<CChar>?
  let findFrameCompressedSize: @convention(c) (UnsafeRawPointer?, Int) -> Int
  let getFrameContentSize: @convention(c) (UnsafeRawPointer?, Int) -> UInt64
  let createDCtx: @convention(c) () -> OpaquePointer?
  let freeDCtx: @convention(c) (OpaquePointer?) -> Int
  let dctxSetParameter: @convention(c) (OpaquePointer?, ZSTD_dParameter, Int32) -> Int
  let decompressStream:
    @convention(c) (
      OpaquePointer?, UnsafeMutablePointer<ZSTD_outBuffer>?, UnsafeMutablePointer<ZSTD_inBuffer>?
    ) -> Int
  let decompress: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int

  /// The library, loaded once per process; `nil` when libzstd is not installed (zstd is then neither
  /// asked for nor announced).
  static let shared: LibZstd? = load()

  private static func load() -> LibZstd? {
    guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else { return nil }
    func symbol<T>(_ name: String, as type: T.Type) -> T? {
      dlsym(handle, name).map { unsafeBitCast($0, to: type) }
    }
    guard
      let createCCtx = symbol("ZSTD_createCCtx", as: (@convention(c) () -> OpaquePointer?).self),
      let freeCCtx = symbol("ZSTD_freeCCtx", as: (@convention(c) (OpaquePointer?) -> Int).self),
      let cctxSetParameter = symbol(
        "ZSTD_CCtx_setParameter",
        as: (@convention(c) (OpaquePointer?, ZSTD_cParameter, Int32) -> Int).self),
      let compressBound = symbol("ZSTD_compressBound", as: (@convention(c) (Int) -> Int).self),
      let compress2 = symbol(
        "ZSTD_compress2",
        as: (@convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int)
          -> Int)
          .self),
      let isError = symbol("ZSTD_isError", as: (@convention(c) (Int) -> UInt32).self),
      let getErrorName = symbol(
        "ZSTD_getErrorName", as: (@convention(c) (Int) -> UnsafePointer<CChar>?).self),
      let findFrameCompressedSize = symbol(
        "ZSTD_findFrameCompressedSize", as: (@convention(c) (UnsafeRawPointer?, Int) -> Int).self),
      let getFrameContentSize = symbol(
        "ZSTD_getFrameContentSize", as: (@convention(c) (UnsafeRawPointer?, Int) -> UInt64).self),
      let createDCtx = symbol("ZSTD_createDCtx", as: (@convention(c) () -> OpaquePointer?).self),
      let freeDCtx = symbol("ZSTD_freeDCtx", as: (@convention(c) (OpaquePointer?) -> Int).self),
      let dctxSetParameter = symbol(
        "ZSTD_DCtx_setParameter",
        as: (@convention(c) (OpaquePointer?, ZSTD_dParameter, Int32) -> Int).self),
      let decompressStream = symbol(
        "ZSTD_decompressStream",
        as: (@convention(c) (
          OpaquePointer?, UnsafeMutablePointer<ZSTD_outBuffer>?,
          UnsafeMutablePointer<ZSTD_inBuffer>?
        ) -> Int).self),
      let decompress = symbol(
        "ZSTD_decompress",
        as: (@convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int).self)
    else {
      dlclose(handle)
      return nil
    }
    return LibZstd(
      createCCtx: createCCtx, freeCCtx: freeCCtx, cctxSetParameter: cctxSetParameter,
      compressBound: compressBound, compress2: compress2, isError: isError,
      getErrorName: getErrorName,
      findFrameCompressedSize: findFrameCompressedSize, getFrameContentSize: getFrameContentSize,
      createDCtx: createDCtx, freeDCtx: freeDCtx, dctxSetParameter: dctxSetParameter,
      decompressStream: decompressStream, decompress: decompress)
  }
}
