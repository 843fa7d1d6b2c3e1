import Synchronization

/// ``IdentityCache``'s records kept in memory, for a daemon that checks every job's compiler: probed once per
/// compiler path, probed again when one of its files changes. Safe to share between threads.
public final class IdentityMemo: Sendable {
  private let records = Mutex<[String: String]>([:])
  /// How a compiler is asked its questions.
  private let ask: CompilerProbe.Ask

  /// A memo asking compilers with `ask` (the daemon: confined, as its jobs run them).
  public init(ask: CompilerProbe.Ask = CompilerProbe.askDirectly) {
    self.ask = ask
  }

  /// The identity of the compiler at `path` (absolute); nil when it does not answer (remembered too, so
  /// that a compiler without an identity is not asked again on every job).
  public func identity(of path: String) -> CompilerIdentity? {
    if let record = records.withLock({ $0[path] }) {
      if let identity = IdentityCache.parse(record) { return identity }
      if IdentityCache.isCurrentFailure(record) { return nil }
    }
    guard let (identity, record) = IdentityCache.probe(path, ask: ask) else {
      if let failure = IdentityCache.failureRecord(path) { records.withLock { $0[path] = failure } }
      return nil
    }
    records.withLock { $0[path] = record }
    return identity
  }

  /// The compilers identified so far (as last probed), by path, in path order.
  public var identified: [(path: String, identity: CompilerIdentity)] {
    records.withLock { $0 }.compactMap { path, record in
      record.split(separator: "\n").first.flatMap { CompilerIdentity(text: String($0)) }.map {
        (path, $0)
      }
    }.sorted { $0.path < $1.path }
  }
}
