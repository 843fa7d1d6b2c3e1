import DistPosix

/// The directory holding the state files, `$DISTCC_DIR/state` (`client.md` §12.1).
public struct StateDirectory: Sendable, Hashable {
  /// The distcc directory: `$DISTCC_DIR`, or `$HOME/.distcc` when `DISTCC_DIR` is not set.
  public var distccDirectory: String
  /// Whether `distccDirectory` is created when missing: 3.4 creates `~/.distcc` but never `$DISTCC_DIR`.
  public var createsDistccDirectory: Bool

  /// The state directory itself.
  public var path: String { distccDirectory + "/state" }

  /// A state directory under an explicit distcc directory, which is not created if missing.
  public init(distccDirectory: String, createsDistccDirectory: Bool = false) {
    self.distccDirectory = distccDirectory
    self.createsDistccDirectory = createsDistccDirectory
  }

  /// Finds the directory as 3.4 does (`dcc_get_top_dir`): `DISTCC_DIR` if set (even if empty), else
  /// `$HOME/.distcc`.
  /// - Throws: `DistStateError.homeNotSet` when neither variable is set.
  public init(environment: [String: String]) throws(DistStateError) {
    if let directory = environment["DISTCC_DIR"] {
      self.init(distccDirectory: directory)
    } else if let home = environment["HOME"] {
      self.init(distccDirectory: home + "/.distcc", createsDistccDirectory: true)
    } else {
      throw .homeNotSet
    }
  }

  /// The file a client with this pid writes: `binstate_<pid>`.
  public func filePath(pid: Int32) -> String { path + "/" + StateFile.namePrefix + String(pid) }

  /// Creates the state directory (and `~/.distcc` in the default case) with mode 0777 & ~umask;
  /// an existing directory is fine.
  /// - Throws: `DistStateError.system(operation: "mkdir", …)`.
  public func create() throws(DistStateError) {
    if createsDistccDirectory { try makeDirectory(distccDirectory) }
    try makeDirectory(path)
  }
}

private func makeDirectory(_ path: String) throws(DistStateError) {
  do throws(PosixError) {
    try Paths.makeDirectory(path, permissions: .init(rawValue: 0o777))
  } catch  where error.errno != .fileExists {
    throw .system(operation: "mkdir", path: path, errno: error.errno?.rawValue ?? 0)
  } catch {}
}
