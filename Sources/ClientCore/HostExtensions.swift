import DistPosix
import DistProtocol
import HostSpec
import SystemPackage

/// What each host announced beyond distcc 3.4 (`XCAP` after a reply, Docs/protocol.md "Extensions"),
/// remembered in `$DISTCC_DIR/caps/xcap_…` so that later jobs may use it: the file holds the extension bits
/// in hex; its modification time says when they were last confirmed. A host with no file (a 3.4 daemon, or
/// one not heard from within `DISTCC_EXTENSIONS_PERIOD`) gets 3.4's requests only.
struct HostExtensions: Sendable {
  /// `$DISTCC_DIR/caps`.
  var directory: String
  /// Seconds an announcement is trusted; 0 disables the whole mechanism.
  var period: Int

  init?(configuration: ClientConfiguration) {
    guard configuration.extensionsPeriod > 0, let directory = configuration.extensionsDirectory
    else {
      return nil
    }
    self.directory = directory
    period = configuration.extensionsPeriod
  }

  private func path(_ host: HostEntry) -> String { directory + "/" + host.extensionsFileName }

  /// The extensions `host` announced within the period, or `nil`.
  func announced(by host: HostEntry) -> Extensions? {
    guard host.kind != .localhost,
      let fd = try? FileDescriptor.open(path(host), .readOnly, options: [.noFollow, .closeOnExec])
    else { return nil }
    defer { fd.closeIgnoringErrors() }
    guard let status = try? FileStatus(fd), WallClock.seconds - status.modificationSeconds < period,
      let bytes = try? fd.readSome(upTo: 16, deadline: .never),
      let bits = UInt32(Self.firstLine(bytes), radix: 16)
    else { return nil }
    return Extensions(rawValue: bits)
  }

  /// The first non-empty line of `bytes`. Found by index, not `split`, whose array of slices the runtime
  /// would instantiate by mangled name at every job (about 40,000 instructions).
  static func firstLine(_ bytes: [UInt8]) -> String {
    let newline = UInt8(ascii: "\n")
    let start = bytes.firstIndex { $0 != newline } ?? bytes.endIndex
    let end = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
    return bytes.withUnsafeBufferPointer {
      String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
    }
  }

  /// Records what `host` announced after a reply; `nil` (no announcement: a 3.4 daemon) is recorded as
  /// the empty set, so that later jobs know the host answered and announced nothing (they neither ask it
  /// for extensions nor wait for a trailer it will not send) until the period ends and it is asked again.
  /// The file is rewritten only when the bits change or half the period has passed, so a stream of jobs
  /// costs one `open` each, not a write.
  func record(_ announcement: Extensions?, by host: HostEntry, previously known: Extensions?) {
    guard host.kind != .localhost else { return }
    let announcement = announcement ?? []
    if known == announcement, let status = try? FileStatus(path(host)),
      WallClock.seconds - status.modificationSeconds < period / 2
    {
      return
    }
    _ = try? Paths.makeDirectory(directory, permissions: FilePermissions(rawValue: 0o777))
    guard
      let fd = try? FileDescriptor.open(
        path(host), .writeOnly, options: [.create, .truncate, .noFollow, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    else { return }
    defer { fd.closeIgnoringErrors() }
    // DistPosix's typed write: swift-system's generic `writeAll` costs a metadata instantiation by mangled
    // name (about 110,000 instructions) in a process that has not used it before.
    _ = try? fd.writeAll(Array((String(announcement.rawValue, radix: 16) + "\n").utf8), atOffset: 0)
  }

  /// Forgets `host`'s announcement (it turned out not to honour it).
  func forget(_ host: HostEntry) {
    try? Paths.remove(path(host))
  }
}
