internal import Glibc

/// Sleeping without a descriptor to wait on (`nanosleep`, resumed after a signal).
public enum Sleep {
  /// Sleeps for `microseconds`.
  public static func microseconds(_ microseconds: Int) {
    var request = timespec(
      tv_sec: microseconds / 1_000_000, tv_nsec: (microseconds % 1_000_000) * 1000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && currentErrno() == .interrupted {
      request = remaining
    }
  }
}
