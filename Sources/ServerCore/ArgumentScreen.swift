import CompilerPolicy
import DistProtocol

/// The argument policy (Docs/security.md) applied to a request before anything is written or rewritten:
/// the client's own command line, with response files read from the request's uploaded files only.
struct ArgumentScreen: Sendable {
  let policy: ArgumentPolicy
  /// `--enable-tcp-insecure`: options missing from the table pass; refused ones never do.
  let insecure: Bool

  enum Outcome {
    /// Run this request: its arguments are the checked ones, response files expanded.
    case run(Request)
    /// Refuse with a complete reply carrying this one line (the client compiles locally).
    case refuse(String)
    /// A protocol error: log this line and close the connection.
    case malformed(String)
  }

  func screen(_ request: Request) -> Outcome {
    let decision: ArgumentDecision
    if request.version.serverPreprocesses {
      decision = policy.check(request.arguments, insecure: insecure) { path in
        ArgumentScreen.uploadedFile(path, in: request)
      }
    } else {
      decision = policy.check(request.arguments, insecure: insecure)
    }
    switch decision {
    case .allowed(let arguments):
      var checked = request
      checked.arguments = arguments
      return .run(checked)
    case .refused:
      return .refuse(decision.explanation)
    case .malformed:
      return .malformed(decision.explanation)
    }
  }

  /// The content of the uploaded `FILE` a response-file path names: relative paths are taken from
  /// `CDIR`; `.` and `..` are resolved lexically (only the upload is consulted, never the disk).
  static func uploadedFile(_ path: [UInt8], in request: Request) -> [UInt8]? {
    let slash = UInt8(ascii: "/")
    let base = path.first == slash ? [] : (request.workingDirectory ?? [])
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
    for file in request.files where file.name == wanted {
      if case .file(let content) = file.content { return content }
    }
    return nil
  }
}
