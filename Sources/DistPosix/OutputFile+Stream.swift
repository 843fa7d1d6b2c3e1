internal import Glibc
internal import SystemPackage

extension OutputFile {
  /// An output file written as its bytes arrive and accepted only by ``commit()``: the streaming form of
  /// ``OutputFile/write(_:to:)``, with the same rules for `path`.
  ///
  /// A path that gets a new file is written into its unnamed `O_TMPFILE` (a named `.NAME.distcc-PID-N` where the
  /// file system has none) from the first byte; ``commit()`` names it and renames it into place. Nothing is
  /// visible at `path` before that: ``discard()``, deinitialisation (a thrown error, a cancelled job) or the
  /// process being killed leaves the previous file, and no temporary file but a named one of a killed process.
  /// A path written in place (a device, a FIFO) cannot be taken back, so its bytes are held in memory and
  /// written by ``commit()``.
  public final class Stream {
    /// The path as given, for error messages.
    public let path: String
    private let destination: Destination
    /// The new file being written (``Destination/newFile(_:)``), closed once committed or discarded.
    private var file: FileDescriptor?
    /// The named temporary file, if the file system has no `O_TMPFILE` (or once the unnamed one is linked).
    private var temporary = ""
    /// The bytes for a path written in place.
    private var held: [UInt8] = []
    /// Bytes written (or held) so far.
    public private(set) var count = 0

    /// Decides how `path` is written and, for a new file, creates its temporary file. The parent directory
    /// must exist.
    /// - Throws: `PosixError` whose operation names `path` (`write x.o: Is a directory`).
    public init(path: String) throws(PosixError) {
      self.path = path
      do throws(PosixError) {
        destination = try OutputFile.destination(of: path)
        if case .newFile(let name) = destination {
          (file, temporary) = try Self.createTemporary(for: name)
        }
      } catch {
        throw Self.failure(path, error)
      }
    }

    deinit { discard() }

    /// Appends `bytes`.
    /// - Throws: `PosixError` naming `path`; the stream is then discarded.
    public func write(_ bytes: some Collection<UInt8>) throws(PosixError) {
      guard !bytes.isEmpty else { return }
      guard let file else {
        if case .inPlace = destination {
          held.append(contentsOf: bytes)
          count += bytes.count
          return
        }
        throw PosixError.system(operation: "write \(path)", errno: .badFileDescriptor)
      }
      do throws(PosixError) {
        try file.writeAll(bytes, deadline: .never, operation: "write \(path)")
        count += bytes.count
      } catch {
        discard()
        throw Self.failure(path, error)
      }
    }

    /// Puts the file in place (a new file renamed over `path`, or the held bytes written through it).
    /// - Throws: `PosixError` naming `path`; nothing is left behind but what was at `path` before.
    public func commit() throws(PosixError) {
      do throws(PosixError) {
        switch destination {
        case .inPlace(let name):
          let bytes = held
          held = []
          try Self.writeInPlace(bytes, to: name)
        case .newFile(let name):
          guard let file else {
            throw PosixError.system(operation: "write \(path)", errno: .badFileDescriptor)
          }
          if temporary.isEmpty {
            temporary = try OutputFile.link(file, prefix: Self.prefix(for: name))
          }
          self.file = nil
          _ = try syscall("close \(name)") { close(file.rawValue) }
          _ = try syscall("rename \(temporary) to \(name)") { rename(temporary, name) }
          temporary = ""
        }
      } catch {
        discard()
        throw Self.failure(path, error)
      }
    }

    /// Drops what was written: the temporary file is closed and removed, `path` is left as it was.
    public func discard() {
      file?.closeIgnoringErrors()
      file = nil
      if !temporary.isEmpty { unlink(temporary) }
      temporary = ""
      held = []
    }

    private static func failure(_ path: String, _ error: PosixError) -> PosixError {
      PosixError.system(operation: "write \(path)", errno: error.errno ?? .ioError)
    }

    /// `.NAME.distcc-PID-` beside `name`.
    private static func prefix(for name: String) -> String {
      let directory = OutputFile.directory(of: name)
      let base = name.lastIndex(of: "/").map { String(name[name.index(after: $0)...]) } ?? name
      return (directory == "/" ? "/" : directory + "/") + "." + base + ".distcc-\(getpid())-"
    }

    /// An unnamed `O_TMPFILE` in `name`'s directory (mode 0666 & ~umask), or a named temporary file where
    /// the file system has none.
    private static func createTemporary(for name: String) throws(PosixError)
      -> (FileDescriptor, String)
    {
      let directory = OutputFile.directory(of: name)
      let unnamed = open(directory, OutputFile.temporaryFileFlag | O_WRONLY | O_CLOEXEC, 0o666)
      if unnamed >= 0 { return (FileDescriptor(rawValue: unnamed), "") }
      let code = currentErrno()
      // EISDIR/EINVAL: kernel or file system without O_TMPFILE.
      guard [.notSupported, .isDirectory, .invalidArgument].contains(code) else {
        throw PosixError.system(operation: "create in \(directory)", errno: code)
      }
      return try OutputFile.createNamed(prefix: prefix(for: name))
    }

    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(PosixError) {
      let fd = FileDescriptor(
        rawValue: try syscall("open \(path)") { open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC) })
      do throws(PosixError) {
        try fd.writeAll(bytes, deadline: .never, operation: "write \(path)")
      } catch {
        fd.closeIgnoringErrors()
        throw error
      }
      _ = try syscall("close \(path)") { close(fd.rawValue) }
    }
  }
}
