import DistPosix
import SystemPackage

/// The GNU build ID of an ELF executable (`.note.gnu.build-id`, `NT_GNU_BUILD_ID`): a hash of the whole
/// binary that the linker writes into it (`ld --build-id`, on by default in Debian's toolchain). Reading it
/// costs one read of the file's first pages where hashing `cc1` would read 33 MB, and it changes whenever the
/// binary does.
enum ELFBuildID {
  /// How much of the file is read: the program headers and the note segment sit in the first page of every
  /// executable `ld` writes; a note beyond this is not looked for (the caller then hashes the file).
  static let window = 64 * 1024

  /// The build ID of the ELF file at `path`, or nil when it is not a 64- or 32-bit little-endian ELF file
  /// with one inside the first ``window`` bytes.
  static func of(_ path: String) -> [UInt8]? {
    guard let fd = try? FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) else {
      return nil
    }
    defer { fd.closeIgnoringErrors() }
    return (try? FileContents.read(fd, upTo: window)).flatMap(find(in:))
  }

  /// The build ID in `bytes` (the start of an ELF file).
  static func find(in bytes: [UInt8]) -> [UInt8]? {
    // e_ident: magic, class (1 = 32-bit, 2 = 64-bit), data (1 = little-endian).
    guard bytes.count >= 64, bytes[0..<4].elementsEqual([0x7f, 0x45, 0x4c, 0x46]), bytes[5] == 1,
      bytes[4] == 1 || bytes[4] == 2
    else { return nil }
    let wide = bytes[4] == 2
    let headers = wide ? word(bytes, 32, 8) : word(bytes, 28, 4)
    let entrySize = word(bytes, wide ? 54 : 42, 2)
    let count = word(bytes, wide ? 56 : 44, 2)
    guard let headers, let entrySize, let count, entrySize >= (wide ? 56 : 32) else { return nil }
    for index in 0..<count {
      let header = headers + index * entrySize
      guard let type = word(bytes, header, 4) else { return nil }
      guard type == 4 else { continue }  // PT_NOTE
      guard let offset = word(bytes, header + (wide ? 8 : 4), wide ? 8 : 4),
        let size = word(bytes, header + (wide ? 32 : 16), wide ? 8 : 4),
        let id = note(in: bytes, from: offset, size: size)
      else { continue }
      return id
    }
    return nil
  }

  /// The descriptor of the `GNU` note of type 3 (`NT_GNU_BUILD_ID`) in the notes at `offset`.
  private static func note(in bytes: [UInt8], from offset: Int, size: Int) -> [UInt8]? {
    var cursor = offset
    let end = offset + size
    while cursor + 12 <= end {
      guard let nameSize = word(bytes, cursor, 4), let descriptorSize = word(bytes, cursor + 4, 4),
        let type = word(bytes, cursor + 8, 4)
      else { return nil }
      let name = cursor + 12
      let descriptor = name + ((nameSize + 3) & ~3)
      let next = descriptor + ((descriptorSize + 3) & ~3)
      guard next <= end, descriptor + descriptorSize <= bytes.count else { return nil }
      if type == 3, nameSize == 4, bytes[name..<name + 4].elementsEqual(Array("GNU\0".utf8)),
        descriptorSize > 0
      {
        return Array(bytes[descriptor..<descriptor + descriptorSize])
      }
      cursor = next
    }
    return nil
  }

  /// The little-endian unsigned number of `length` bytes at `offset`, nil past the end (or too large).
  private static func word(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> Int? {
    guard offset >= 0, offset + length <= bytes.count else { return nil }
    var value: UInt64 = 0
    for index in (0..<length).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
    return value <= UInt64(Int32.max) ? Int(value) : nil
  }
}
