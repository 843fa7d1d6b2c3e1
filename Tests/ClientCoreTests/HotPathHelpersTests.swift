import DistTestSupport
import Testing

@testable import ClientCore

/// The byte-level string search that replaces `_StringProcessing` on the client's start-up path.
@Test(
  arguments: [
    ("x86_64-pc-linux-gnu", "-pc-", 6),
    ("/usr/lib/distcc", "distcc", 9),
    ("distcc", "distcc", 0),
    ("distc", "distcc", nil),
    ("gcc", "distcc", nil),
    ("ddistcc", "distcc", 1),
    ("", "", 0),
    ("é-pc-x", "-pc-", 2),
  ] as [(String, String, Int?)])
func utf8OffsetFindsTheFirstOccurrence(text: String, needle: String, offset: Int?) {
  #expect(text.utf8Offset(of: needle) == offset)
  #expect(text.containsBytes(needle) == (offset != nil))
  if !needle.isEmpty { #expect(text[...].containsBytes(needle) == text.contains(needle)) }
}

/// Whole-file reads: exact size, empty, limit, and files whose `st_size` is 0 (`/proc`).
@Test(arguments: [0, 1, 4095, 4096, 200_000])
func fileContentsAreReadWhole(size: Int) throws {
  let directory = try TestDirectory()
  let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
  _ = try directory.write("f", bytes: bytes)
  #expect(FileSystem.contents(of: directory.appending("f"), limit: Int.max) == bytes)
  #expect(FileSystem.contents(of: directory.appending("f"), limit: size) == bytes)
  if size > 0 {
    #expect(FileSystem.contents(of: directory.appending("f"), limit: size - 1) == nil)
  }
}

@Test func procFilesWithZeroSizeAreReadInChunks() throws {
  let status = try #require(FileSystem.contents(of: "/proc/self/status"))
  #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
  #expect(FileSystem.contents(of: "/proc/self/status", limit: 10) == nil)
  #expect(FileSystem.contents(of: "/nonexistent/file") == nil)
}
