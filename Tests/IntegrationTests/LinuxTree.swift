import DistTestSupport
import Foundation
import Glibc

/// The configured Linux 6.1 tree the benchmarks build (`Benchmarks/prepare-linux.sh`: Debian's
/// `linux-source-6.1`, `defconfig`, `make prepare`), shared by every run in `BENCH_CACHE`
/// (default `/var/tmp/swift-distcc-bench`). Builds write only objects of the directories they name, and
/// hold the tree's lock (`flock` on `linux-source-6.1.lock`, which the benchmarks take too) meanwhile.
final class LinuxTree {
  let path: String
  private let lock: Int32

  /// Prepares the shared tree if it is not yet (minutes, once per machine) and locks it.
  init() throws {
    let cache = ProcessInfo.processInfo.environment["BENCH_CACHE"] ?? "/var/tmp/swift-distcc-bench"
    let prepared = try runProcess(
      ["/bin/bash", Binaries.packageRoot + "/Benchmarks/prepare-linux.sh", cache],
      environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/tmp"],
      in: Binaries.packageRoot)
    guard prepared.status == 0 else { throw HarnessError("prepare-linux.sh: \(prepared.stderr)") }
    path = cache + "/linux-source-6.1"
    lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
      throw HarnessError("lock \(path).lock: \(String(cString: strerror(errno)))")
    }
  }

  deinit { close(lock) }

  /// The objects under `directories`, by path relative to the tree.
  func objects(_ directories: [String]) throws -> [String: Data] {
    var found: [String: Data] = [:]
    for name in try files(directories) where name.hasSuffix(".o") {
      found[name] = FileManager.default.contents(atPath: "\(path)/\(name)")
    }
    return found
  }

  /// Removes what Kbuild made under `directories`: objects, archives, command and dependency files.
  func removeObjects(_ directories: [String]) throws {
    let made = [".o", ".a", ".cmd", ".d", "modules.order"]
    for name in try files(directories) where made.contains(where: { name.hasSuffix($0) }) {
      unlink("\(path)/\(name)")
    }
  }

  private func files(_ directories: [String]) throws -> [String] {
    try directories.flatMap { directory in
      try FileManager.default.subpathsOfDirectory(atPath: "\(path)/\(directory)").map {
        "\(directory)/\($0)"
      }
    }
  }
}
