import CompilerIdentity
import DistProtocol

extension JobService {
  /// The compiler identity check (``Extensions/compilerIdentity``): a request naming the client's compiler
  /// (`CCID`) runs only if the compiler this daemon would run for `compiler` has the same family, version and
  /// target; otherwise the refusal names both, `client gcc 12.2.0 x86_64-linux-gnu, this host gcc 13.1.0
  /// aarch64-linux-gnu`. Nil (run) without a claim, or when this host's compiler cannot tell what it is; with
  /// the refusal, this host's identity when known (it goes after the reply, ``ReplyTrailer``).
  func identityRefusal(claimed: [UInt8], compiler: [UInt8]) -> (JobRefusal, CompilerIdentity?)? {
    guard let client = CompilerIdentity(text: String(decoding: claimed, as: UTF8.self)) else {
      let refusal = JobRefusal(
        reason:
          "malformed compiler identity \(String(decoding: claimed.prefix(200), as: UTF8.self).debugDescription)",
        level: .warning, code: .distccFailed)
      return (refusal, nil)
    }
    guard let executable = lookupCompiler(String(decoding: compiler, as: UTF8.self)),
      let ours = identities.identity(of: executable)
    else {
      logger.log(
        .info,
        "cannot identify \(String(decoding: compiler, as: UTF8.self)); not checking \(client)")
      return nil
    }
    guard !client.isCompatible(with: ours) else { return nil }
    let refusal = JobRefusal(
      reason: "client \(client), this host \(ours)", level: .warning, code: .distccFailed)
    return (refusal, ours)
  }
}
