import Glibc

/// Where the package's built executables and Debian's distcc 3.4 binaries are.
public enum Binaries {
  /// The package's root directory (found from this file's path).
  public static let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
  }()

  /// The directory of the built products: `$SWIFT_DISTCC_BIN_DIR`, else `.build/debug`.
  public static var buildDirectory: String {
    if let custom = getenv("SWIFT_DISTCC_BIN_DIR") { return String(cString: custom) }
    return "\(packageRoot)/.build/debug"
  }

  /// Our built executable `name` (`distcc`, `distccd`, `distccmon-text`, …).
  public static func ours(_ name: String) -> String { "\(buildDirectory)/\(name)" }

  /// Debian's distcc 3.4 binary `name`, if installed (`/usr/bin/distcc`, …).
  public static func debian(_ name: String) -> String? {
    let path = "/usr/bin/\(name)"
    return access(path, X_OK) == 0 ? path : nil
  }

  /// Whether Debian's distcc 3.4 client and daemon are installed.
  public static var hasDebianDistcc: Bool { debian("distcc") != nil && debian("distccd") != nil }
}
