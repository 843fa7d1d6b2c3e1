internal import DistPosix
internal import Glibc  // inotify: the only user of it
internal import SystemPackage

/// Wakes the sampler when a client writes or removes a state file (inotify on the state directory), so
/// short phases are seen without scanning in a tight loop; falls back to plain timeouts without inotify.
struct StateWatcher: ~Copyable {
  private let descriptor: FileDescriptor?

  init(directory: String) {
    let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    if fd >= 0,
      inotify_add_watch(fd, directory, UInt32(IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_TO | IN_CREATE))
        >= 0
    {
      descriptor = FileDescriptor(rawValue: fd)
    } else {
      if fd >= 0 { _ = Glibc.close(fd) }
      descriptor = nil
    }
  }

  deinit { descriptor?.closeIgnoringErrors() }

  /// Waits for a change or until `deadline`, then drains the queued events.
  /// - Returns: whether something changed.
  func wait(until deadline: Deadline) -> Bool {
    guard let descriptor else {
      _ = try? Poll.wait([], deadline: deadline)
      return false
    }
    guard let events = try? Poll.wait([(descriptor, .readable)], deadline: deadline),
      !events[0].isEmpty
    else {
      return false
    }
    while let chunk = try? descriptor.readSome(upTo: 16 * 1024, deadline: .after(milliseconds: 0)),
      !chunk.isEmpty
    {}
    return true
  }
}
