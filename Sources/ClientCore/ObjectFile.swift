internal import DistPosix
internal import SystemPackage

/// Writes what comes back from a host for the user: the object (`DOTO`), and the compiler output relayed to
/// the client's own descriptors.
///
/// `OutputFile` decides, as GNU `as` does, whether the path gets a new file (renamed into place, never left
/// truncated; 3.4 wrote in place, client.md §11) or is written through (a device such as `/dev/null`, a FIFO):
/// nothing that is not a regular file is ever replaced.
enum ObjectFile {
  /// Writes `bytes` to `path` (mode 0666 & ~umask for a new file), creating missing parent directories as
  /// 3.4 does (GCC itself fails there).
  /// - Throws: `ClientError.system` naming `path`, e.g. `write out/x.o failed: Is a directory`.
  static func write(_ bytes: [UInt8], to path: String) throws(ClientError) {
    let output = try stream(to: path)
    do throws(PosixError) {
      try output.write(bytes)
      try output.commit()
    } catch {
      throw failure(error, path: path)
    }
  }

  /// An output stream to `path` (``OutputFile/Stream``: nothing appears at `path` before it is committed),
  /// after creating missing parent directories as ``write(_:to:)`` does.
  static func stream(to path: String) throws(ClientError) -> OutputFile.Stream {
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
      try FileSystem.makeDirectories(String(path[..<slash]))
    }
    do throws(PosixError) {
      return try OutputFile.Stream(path: path)
    } catch {
      throw failure(error, path: path)
    }
  }

  /// The client error for a failure writing `path`.
  static func failure(_ error: PosixError, path: String) -> ClientError {
    .system(operation: "write", path: path, errno: (error.errno ?? .ioError).rawValue)
  }

  /// Writes `bytes` to a descriptor (relayed compiler output); errors are ignored like 3.4's.
  static func relay(_ bytes: [UInt8], to fd: Int32) {
    _ = try? FileDescriptor(rawValue: fd).writeAll(bytes, deadline: .never)
  }
}
