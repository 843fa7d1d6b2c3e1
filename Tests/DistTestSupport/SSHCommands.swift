// Small commands the SSH tests run to completion (ssh-keygen, ssh-add), shared by the SSH test targets.
import DistPosix
import Glibc

public struct CommandFailed: Error, CustomStringConvertible {
  public var description: String
  public init(description: String) { self.description = description }
}

/// Runs a command; throws unless it exits 0. Returns its standard output.
@discardableResult
public func runChecked(_ arguments: [String], environment: [String: String]? = nil) throws -> String
{
  let result = try TestProcess.run(arguments, environment: environment, timeout: 30)
  guard result.exitCode == 0 else {
    throw CommandFailed(description: "\(arguments.joined(separator: " ")): \(result)")
  }
  return result.stdout
}

/// Makes an unencrypted key pair at `path` and `path.pub` (`type` as ssh-keygen's `-t`).
public func makeKey(type: String, path: String) throws {
  var arguments = ["ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test-\(type)", "-f", path]
  if type == "rsa" { arguments += ["-b", "2048"] }
  try runChecked(arguments)
}

/// The `TYPE BASE64` part of a `.pub` file.
public func publicKey(_ path: String) throws -> String {
  let text = String(decoding: try FileContents.read(path), as: UTF8.self)
  return text.split(separator: " ").prefix(2).joined(separator: " ")
}

/// Waits until `path` exists (a daemon's socket), at most 10 s.
public func waitForPath(_ path: String) throws {
  guard Wait.until(seconds: 10, { access(path, F_OK) == 0 }) else {
    throw CommandFailed(description: "\(path) never appeared")
  }
}
