public import ServerCore

extension ServerError {
  /// 3.4's exit code for this start-up failure (daemon.md §9).
  public var exitCode: Int32 {
    switch self {
    case .badEnvironment, .badAllowEntry, .badListenAddress: 101
    case .bindFailed: 102
    case .acceptFailed: 103
    case .temporaryDirectoryUnusable: 107
    case .noMasqueradeDirectory: 110
    case .privilegeDropFailed: 112
    case .detachFailed, .pidFileFailed: 105
    }
  }
}
