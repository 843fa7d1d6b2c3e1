internal import DistPosix
import Synchronization
import SystemPackage

/// The compiler's own include directories (`gcc -x LANG -E -v -`), asked once per compiler, language and
/// search options and kept for the include server's life. Files under them stay on the servers.
final class CompilerDefaults: Sendable {
  struct Key: Hashable, Sendable {
    var compiler: String
    var language: String
    var options: [String]
  }

  /// Why the compiler could not tell its directories.
  struct Failure: Error, Sendable, CustomStringConvertible {
    var description: String
  }

  private let cache = Mutex<[Key: [String]]>([:])

  init() {}

  /// The `#include <...>` search list of `key.compiler` for `key.language`, in order.
  func directories(for key: Key) throws(Failure) -> [String] {
    if let known = cache.withLock({ $0[key] }) { return known }
    // One probe at a time: the queries of a starting `make -j` all want the same answer.
    return try probing.withLock { _ throws(Failure) in
      if let known = cache.withLock({ $0[key] }) { return known }
      let found = try Self.ask(key)
      cache.withLock { $0[key] = found }
      return found
    }
  }

  private let probing = Mutex<Void>(())

  private static func ask(_ key: Key) throws(Failure) -> [String] {
    let arguments = [key.compiler] + key.options + ["-x", key.language, "-E", "-v", "-"]
    do {
      let input = try Pipe.make()
      let output = try Pipe.make()
      input.write.closeIgnoringErrors()
      defer {
        input.read.closeIgnoringErrors()
        output.read.closeIgnoringErrors()
      }
      let child: ChildProcess
      do {
        child = try ChildProcess.spawn(
          SpawnRequest(
            executable: key.compiler, arguments: arguments.map { Array($0.utf8) },
            standardInput: input.read, standardOutput: output.write,
            standardError: output.write, searchPath: true))
      } catch {
        output.write.closeIgnoringErrors()
        throw error
      }
      output.write.closeIgnoringErrors()
      let text = try output.read.readToEnd(
        limit: 1 << 20, deadline: .after(seconds: 30), operation: "read \(key.compiler) -v")
      let status = try child.reap()
      guard status.exitCode == 0 else {
        throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(status)")
      }
      return parse(String(decoding: text, as: UTF8.self))
    } catch let error as PosixError {
      throw Failure(description: "\(error)")
    } catch let error as Failure {
      throw error
    } catch {
      throw Failure(description: "\(error)")
    }
  }

  /// The directories between `#include <...> search starts here:` and `End of search list.`.
  static func parse(_ text: String) -> [String] {
    var directories: [String] = []
    var inside = false
    for line in text.split(separator: "\n") {
      if line.hasPrefix("#include <...> search starts here:") {
        inside = true
      } else if line.hasPrefix("End of search list.") {
        inside = false
      } else if inside, line.hasPrefix(" ") {
        var directory = String(line.drop { $0 == " " })
        if directory.hasSuffix(" (framework directory)") {
          directory = String(directory.dropLast(" (framework directory)".count))
        }
        directories.append(PathText.normalized(directory))
      }
    }
    return directories
  }
}
