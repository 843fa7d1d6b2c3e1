import DistProtocol

extension Request {
  /// The content of the uploaded `FILE` a response-file path names: relative paths are taken from
  /// `CDIR`; `.` and `..` are resolved lexically (only the upload is consulted, never the disk).
  func uploadedFile(_ path: [UInt8]) -> [UInt8]? {
    let slash = UInt8(ascii: "/")
    let base = path.first == slash ? [] : (workingDirectory ?? [])
    var components: [ArraySlice<UInt8>] = []
    for component in (base + [slash] + path).split(separator: slash) {
      if component.elementsEqual(".".utf8) { continue }
      if component.elementsEqual("..".utf8) {
        _ = components.popLast()
        continue
      }
      components.append(component)
    }
    let wanted = components.flatMap { [slash] + $0 }
    for file in files where file.name == wanted {
      if case .file(let content) = file.content { return content }
    }
    return nil
  }
}
