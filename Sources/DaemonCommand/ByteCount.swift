public import ArgumentParser

/// A size option's value: a positive number of bytes with an optional `K`, `M` or `G` suffix (powers of 1024).
public struct ByteCount: ExpressibleByArgument, Sendable, Equatable {
  public var bytes: Int

  public init?(argument: String) {
    let shifts: [Character: Int] = ["K": 10, "k": 10, "M": 20, "m": 20, "G": 30, "g": 30]
    let shift = argument.last.flatMap { shifts[$0] } ?? 0
    let digits = shift > 0 ? argument.dropLast() : Substring(argument)
    guard let value = Int(digits), value > 0, value <= Int.max >> shift else { return nil }
    bytes = value << shift
  }

  public static var defaultCompletionKind: CompletionKind { .default }
}
