internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Opens `path` (`open(2)`), close-on-exec always, retrying on `EINTR`.
  ///
  /// The path is a `String` passed to the kernel byte for byte (swift-system's `FilePath` would normalise
  /// it, dropping a trailing `/`).
  /// - Parameters:
  ///   - permissions: the mode of a file that `.create` makes (before the umask).
  ///   - operation: names a failure; `open <path>` unless given.
  public static func open(
    _ path: String, _ mode: AccessMode, options: OpenOptions = [],
    permissions: FilePermissions? = nil, operation: @autoclosure () -> String? = nil
  ) throws(PosixError) -> FileDescriptor {
    let flags = mode.rawValue | options.rawValue | O_CLOEXEC
    let fd = try syscall(operation() ?? "open \(path)") {
      Glibc.open(path, flags, mode_t(permissions?.rawValue ?? 0))
    }
    return FileDescriptor(rawValue: fd)
  }

  /// Opens `name` relative to this directory (`openat(2)`), close-on-exec always, retrying on `EINTR`.
  ///
  /// - Parameter operation: names a failure; `open <name>` unless given.
  public func open(
    at name: String, _ mode: AccessMode, options: OpenOptions = [],
    permissions: FilePermissions? = nil, operation: @autoclosure () -> String? = nil
  ) throws(PosixError) -> FileDescriptor {
    let flags = mode.rawValue | options.rawValue | O_CLOEXEC
    let fd = try syscall(operation() ?? "open \(name)") {
      openat(rawValue, name, flags, mode_t(permissions?.rawValue ?? 0))
    }
    return FileDescriptor(rawValue: fd)
  }
}
