/// A memory allowance shared by decoders: a decoder takes bytes from it *before* it allocates or grows a
/// buffer for a body, and fails with ``DistProtocolError/memoryBudgetExhausted(token:bytes:)`` when it
/// cannot.
///
/// The decoder only reserves; what it reserved stays reserved while the decoded message lives (its bodies
/// hold that memory), so the owner releases it when the job ends. A daemon shares one budget among all
/// connections (each through its own lease); DistProtocol defines only this hook.
public protocol ByteBudget: AnyObject, Sendable {
  /// Takes `count` bytes (`count > 0`) from the budget, or takes nothing and returns `false` if that
  /// would exceed it.
  func reserve(_ count: Int) -> Bool
}
