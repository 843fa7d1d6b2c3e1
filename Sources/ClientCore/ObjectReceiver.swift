internal import DistPosix
import DistProtocol

/// The object of a reply, written to its output path as it arrives (a plain `DOTO` body that the
/// `ResponseDecoder` streams) but accepted only once the whole reply, and its trailer, have been checked.
///
/// Streamed bytes go to an ``OutputFile/Stream``: an unnamed temporary file beside the output, renamed into
/// place by ``accept(_:)``. Anything else (a failed compile, a compiler mismatch, a lost connection, a
/// cancelled job) ends with ``discard()`` or the receiver's deinitialisation: the output path keeps what it
/// had, and no temporary file is left. A write that fails while the body arrives (a full disk, an output
/// that is a directory) is kept and reported by ``accept(_:)``, as writing the whole object would have
/// failed; the rest of the body is read and dropped.
final class ObjectReceiver {
  /// Where the object goes.
  let path: String
  private var stream: OutputFile.Stream?
  private var failure: ClientError?

  init(path: String) { self.path = path }

  /// Drops what an earlier attempt streamed (before a reply is read, and after one that failed).
  func discard() {
    stream?.discard()
    stream = nil
    failure = nil
  }

  /// Writes the next bytes of a streamed object; the first opens the output.
  func write(_ bytes: ArraySlice<UInt8>) {
    guard failure == nil else { return }
    do throws(ClientError) {
      if stream == nil { stream = try ObjectFile.stream(to: path) }
      do throws(PosixError) { try stream?.write(bytes) } catch {
        throw ObjectFile.failure(error, path: path)
      }
    } catch {
      stream = nil
      failure = error
    }
  }

  /// Puts the object of `response` in place: the streamed one, or `response.object` when it was not
  /// streamed (compressed, empty). Returns its size in bytes.
  /// - Throws: `ClientError.system` naming the path.
  func accept(_ response: Response) throws(ClientError) -> Int {
    if let failure {
      self.failure = nil
      throw failure
    }
    guard let stream else {
      try ObjectFile.write(response.object, to: path)
      return response.object.count
    }
    self.stream = nil
    do throws(PosixError) { try stream.commit() } catch {
      throw ObjectFile.failure(error, path: path)
    }
    return stream.count
  }
}
