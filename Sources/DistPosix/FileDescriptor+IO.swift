internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Reads what is available, at most `buffer.count` bytes, waiting no later than `deadline`.
  ///
  /// Deadlines hold for any descriptor on reads; on writes they need a non-blocking descriptor
  /// (`setNonBlocking(true)`; the sockets of `Socket` are non-blocking already).
  /// - Returns: the number of bytes read; 0 at end of file.
  public func readSome(
    into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline,
    operation: @autoclosure () -> String = "read"
  ) throws(PosixError) -> Int {
    try transfer(waitingFor: .readable, deadline: deadline, operation: operation()) {
      Glibc.read(rawValue, buffer.baseAddress, buffer.count)
    }
  }

  /// One `read` or `write` (`call`) under `deadline`: the one place where both wait for the descriptor and
  /// retry `EINTR` and `EAGAIN`.
  ///
  /// With a deadline it polls for `event` before every call; without one (a blocking descriptor, or a
  /// non-blocking one that may wait forever) it polls only after `EAGAIN`.
  /// - Returns: what `call` returned (a byte count, 0 at end of file).
  @inline(__always)
  private func transfer(
    waitingFor event: PollEvents, deadline: Deadline, operation: @autoclosure () -> String,
    _ call: () -> Int
  ) throws(PosixError) -> Int {
    while true {
      if deadline != .never {
        _ = try Poll.wait(for: event, on: self, deadline: deadline, operation: operation())
      }
      let count = call()
      if count >= 0 { return count }
      let code = currentErrno()
      if code == .interrupted || code == .wouldBlock {
        if code == .wouldBlock && deadline == .never {
          _ = try Poll.wait(for: event, on: self, deadline: deadline, operation: operation())
        }
        continue
      }
      throw PosixError.system(operation: operation(), errno: code)
    }
  }

  /// Reads at most `maxCount` bytes; an empty array means end of file.
  public func readSome(
    upTo maxCount: Int, deadline: Deadline, operation: @autoclosure () -> String = "read"
  ) throws(PosixError) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: maxCount)
    let count = try readSome(into: &result, from: 0, deadline: deadline, operation: operation())
    result.removeSubrange(count...)
    return result
  }

  /// Reads what is available into `array[start...]`.
  /// - Returns: the number of bytes read; 0 at end of file.
  private func readSome(
    into array: inout [UInt8], from start: Int, deadline: Deadline,
    operation: @autoclosure () -> String
  ) throws(PosixError) -> Int {
    var outcome = Result<Int, PosixError>.success(0)
    array.withUnsafeMutableBytes { buffer in
      outcome = Result { () throws(PosixError) in
        try readSome(
          into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]), deadline: deadline,
          operation: operation())
      }
    }
    return try outcome.get()
  }

  /// Reads exactly `buffer.count` bytes.
  ///
  /// - Throws: `PosixError.endOfFile` if the stream ends first.
  public func readExactly(
    into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline,
    operation: @autoclosure () -> String = "read"
  ) throws(PosixError) {
    try transferAll(buffer, .readable, deadline, operation()) { Glibc.read($0, $1, $2) }
  }

  /// Repeats `call` (`read` or `write` of this descriptor, the rest of `buffer`, its length) under `deadline`
  /// until all of `buffer` has moved: the one loop behind ``readExactly(into:deadline:operation:)`` and
  /// ``writeAll(_:deadline:operation:)``.
  ///
  /// - Throws: `PosixError.endOfFile` if a call moves nothing (the stream ended; `write` never returns 0
  ///   for a non-empty buffer).
  @inline(__always)
  private func transferAll(
    _ buffer: UnsafeMutableRawBufferPointer, _ event: PollEvents, _ deadline: Deadline,
    _ operation: @autoclosure () -> String, _ call: (Int32, UnsafeMutableRawPointer, Int) -> Int
  ) throws(PosixError) {
    guard let base = buffer.baseAddress else { return }
    var offset = 0
    while offset < buffer.count {
      let moved = try transfer(
        waitingFor: event, deadline: deadline, operation: operation()
      ) { call(rawValue, base + offset, buffer.count - offset) }
      if moved == 0 { throw PosixError.endOfFile(operation: operation()) }
      offset += moved
    }
  }

  /// Reads until end of file.
  ///
  /// The buffer grows geometrically and only when full, so a stream that arrives in small pieces (a pipe,
  /// a `/proc` file) costs one copy per doubling, not one per read.
  /// - Parameter limit: the most bytes accepted; more is an error (`EFBIG`), never a larger allocation.
  public func readToEnd(
    limit: Int, deadline: Deadline, operation: @autoclosure () -> String = "read"
  ) throws(PosixError) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: Swift.min(64 * 1024, limit + 1))
    var used = 0
    while true {
      if used == result.count {
        let growth = Swift.min(result.count, limit + 1 - used)
        result.append(contentsOf: repeatElement(0, count: growth))
      }
      let count = try readSome(
        into: &result, from: used, deadline: deadline, operation: operation())
      if count == 0 {
        result.removeSubrange(used...)
        return result
      }
      used += count
      if used > limit {
        throw PosixError.system(operation: operation(), errno: .fileTooLarge)
      }
    }
  }

  /// Writes every byte of `bytes`, waiting no later than `deadline`.
  public func writeAll(
    _ bytes: UnsafeRawBufferPointer, deadline: Deadline,
    operation: @autoclosure () -> String = "write"
  ) throws(PosixError) {
    // `write` only reads through the pointer; the mutable view is what the shared loop takes.
    try transferAll(
      UnsafeMutableRawBufferPointer(mutating: bytes), .writable, deadline, operation()
    ) {
      Glibc.write($0, $1, $2)
    }
  }

  /// Writes every byte of `bytes` at `offset` in the file (`pwrite`: the file position stays where it was).
  ///
  /// Typed and not generic, unlike swift-system's `writeAll(toAbsoluteOffset:_:)`, whose `Result<Int, Errno>`
  /// is instantiated at run time: the client's first state-file write paid ~140k instructions for it.
  public func writeAll(
    _ bytes: [UInt8], atOffset offset: Int64, operation: @autoclosure () -> String = "pwrite"
  ) throws(PosixError) {
    var outcome = Result<Void, PosixError>.success(())
    bytes.withUnsafeBytes { buffer in
      outcome = Result { () throws(PosixError) in
        let whole = UnsafeMutableRawBufferPointer(mutating: buffer)
        try transferAll(whole, .writable, .never, operation()) {
          (fd: Int32, pointer: UnsafeMutableRawPointer, remaining: Int) -> Int in
          Glibc.pwrite(fd, pointer, remaining, off_t(offset) + off_t(whole.count - remaining))
        }
      }
    }
    try outcome.get()
  }

  /// Writes every byte of `bytes`, waiting no later than `deadline`.
  public func writeAll(
    _ bytes: some Collection<UInt8>, deadline: Deadline,
    operation: @autoclosure () -> String = "write"
  ) throws(PosixError) {
    var outcome = Result<Void, PosixError>.success(())
    let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
      outcome = Result { () throws(PosixError) in
        try writeAll(UnsafeRawBufferPointer(buffer), deadline: deadline, operation: operation())
      }
    }
    if done == nil {
      Array(bytes).withUnsafeBytes { buffer in
        outcome = Result { () throws(PosixError) in
          try writeAll(buffer, deadline: deadline, operation: operation())
        }
      }
    }
    try outcome.get()
  }

  /// Turns `O_NONBLOCK` on or off.
  public func setNonBlocking(_ enabled: Bool) throws(PosixError) {
    let flags = try syscall("fcntl F_GETFL") { fcntl(rawValue, F_GETFL) }
    let wanted = enabled ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
    if wanted != flags {
      _ = try syscall("fcntl F_SETFL") { fcntl(rawValue, F_SETFL, wanted) }
    }
  }

  /// Turns `FD_CLOEXEC` on or off.
  public func setCloseOnExec(_ enabled: Bool) throws(PosixError) {
    let flags = try syscall("fcntl F_GETFD") { fcntl(rawValue, F_GETFD) }
    let wanted = enabled ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
    if wanted != flags {
      _ = try syscall("fcntl F_SETFD") { fcntl(rawValue, F_SETFD, wanted) }
    }
  }

  /// Closes the descriptor, ignoring errors (for clean-up paths where the first error is what matters).
  public func closeIgnoringErrors() {
    _ = Glibc.close(rawValue)
  }
}
