import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// Milliseconds on the monotonic clock.
private func nowMilliseconds() -> Int {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
}

@Suite struct WakeWordTests {
  /// Two mappings of one file stand for two processes: the futex is keyed by the file, not the address.
  @Test func aBumpThroughAnotherMappingWakesASleeperLongBeforeItsTimeout() throws {
    let directory = try TestDirectory()
    let path = directory.appending("wake")
    let sleeper = try WakeWord(path: path)
    let waker = try WakeWord(path: path)
    let before = sleeper.generation
    let woke = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var slept = 0
    DispatchQueue.global().async {
      let start = nowMilliseconds()
      sleeper.wait(unchangedFrom: before, microseconds: 30_000_000)
      slept = nowMilliseconds() - start
      woke.signal()
    }
    let deadline = nowMilliseconds() + 10_000
    while waker.sleepers == 0 && nowMilliseconds() < deadline { usleep(1000) }
    #expect(waker.sleepers == 1, "the sleeper registered")
    waker.bump()
    woke.wait()
    #expect(slept < 10_000, "woken by the bump after \(slept) ms, not by its 30 s timeout")
    #expect(sleeper.generation == before &+ 1)
    #expect(waker.sleepers == 0)
  }

  @Test func aWaitReturnsAtOnceWhenTheGenerationHasAlreadyMoved() throws {
    let directory = try TestDirectory()
    let word = try WakeWord(path: directory.appending("wake"))
    let seen = word.generation
    word.bump()
    let start = nowMilliseconds()
    word.wait(unchangedFrom: seen, microseconds: 30_000_000)
    #expect(nowMilliseconds() - start < 10_000)
  }

  @Test func anUnchangedWordSleepsUntilTheTimeout() throws {
    let directory = try TestDirectory()
    let word = try WakeWord(path: directory.appending("wake"))
    let start = nowMilliseconds()
    word.wait(unchangedFrom: word.generation, microseconds: 60_000)
    #expect(nowMilliseconds() - start >= 55)
  }

  @Test func theFileIsCreatedOnlyWhenAskedAndMustBeARegularFileNotALink() throws {
    let directory = try TestDirectory()
    #expect(throws: PosixError.self) {
      try WakeWord(path: directory.appending("missing"), create: false)
    }
    #expect(directory.list().isEmpty)
    #expect(mkfifo(directory.appending("fifo"), 0o600) == 0)
    #expect(throws: PosixError.self) { try WakeWord(path: directory.appending("fifo")) }
    #expect(symlink(directory.appending("target"), directory.appending("link")) == 0)
    #expect(throws: PosixError.self) { try WakeWord(path: directory.appending("link")) }
    #expect(!directory.exists("target"), "a link is not followed to create its target")
    _ = try WakeWord(path: directory.appending("wake"))
    var info = stat()
    #expect(stat(directory.appending("wake"), &info) == 0 && info.st_size == 8)
    #expect(info.st_blocks > 0, "the 8 bytes are written, not a hole")
  }
}
