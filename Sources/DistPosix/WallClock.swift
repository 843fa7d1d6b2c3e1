internal import Glibc

/// The real-time clock (`CLOCK_REALTIME`), for file times and logs; deadlines use `Deadline`'s monotonic one.
public enum WallClock {
  /// Seconds since the epoch.
  public static var seconds: Int {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int(now.tv_sec)
  }

  /// Milliseconds since the epoch.
  public static var milliseconds: Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
  }

  /// Nanoseconds since the epoch, as file times (`FileStatus.changeNanoseconds`) count them.
  public static var nanoseconds: Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }
}
