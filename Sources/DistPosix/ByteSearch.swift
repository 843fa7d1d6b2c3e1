internal import CDistPosix

/// Searching bytes for a byte string with glibc's `memmem` (which Swift's Glibc module does not export).
public enum ByteSearch {
  /// The offset of the first `needle` in `haystack` at or after `start`, or `nil`.
  public static func first(
    _ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int = 0
  ) -> Int? {
    guard let base = haystack.baseAddress, start < haystack.count, !needle.isEmpty,
      let hit = cdp_memmem(base + start, haystack.count - start, needle.baseAddress, needle.count)
    else { return nil }
    return base.distance(to: hit)
  }

  /// The offset of the first `needle`'s UTF-8 bytes in `haystack` at or after `start`, or `nil`.
  public static func first(
    _ needle: String, in haystack: UnsafeRawBufferPointer, from start: Int = 0
  )
    -> Int?
  {
    var needle = needle
    return needle.withUTF8 { first(UnsafeRawBufferPointer($0), in: haystack, from: start) }
  }
}
