internal import Glibc
public import SystemPackage

/// A failed system call, a deadline that passed, or an unexpected end of file.
///
/// Every case names the operation, with its object where there is one (`connect 127.0.0.1:3632`,
/// `open /tmp/x.o`), so that a message built from it tells the user what failed and where.
public enum PosixError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The system call failed with `errno`.
  case system(operation: String, errno: Errno)
  /// The operation did not complete before its deadline.
  case timedOut(operation: String)
  /// The peer closed the stream before the expected bytes arrived.
  case endOfFile(operation: String)

  /// The operation this error is about.
  public var operation: String {
    switch self {
    case .system(let operation, _), .timedOut(let operation), .endOfFile(let operation):
      return operation
    }
  }

  /// The `errno` of a failed system call, if this is one.
  public var errno: Errno? {
    if case .system(_, let errno) = self { return errno }
    return nil
  }

  public var description: String {
    switch self {
    case .system(let operation, let errno): return "\(operation): \(errno.message)"
    case .timedOut(let operation): return "\(operation): timed out"
    case .endOfFile(let operation): return "\(operation): unexpected end of file"
    }
  }
}

extension Errno {
  /// The C library's text for this error number (`strerror`), e.g. "Connection refused".
  public var message: String {
    guard let text = strerror(rawValue) else { return "error \(rawValue)" }
    return String(cString: text)
  }
}
