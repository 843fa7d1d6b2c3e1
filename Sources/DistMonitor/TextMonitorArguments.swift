internal import Glibc  // strtod: the delay is converted as 3.4 converts it

/// `distccmon-text`'s command line, `distccmon-text [DELAY]` (`monitor.md` §1).
public struct TextMonitorArguments: Sendable, Equatable {
  /// Seconds between polls; 0 means poll once. Any other value, even negative or NaN, repeats forever.
  public var delay: Double

  /// The usage text 3.4 prints to stderr, with exit status 1, for a bad command line.
  public static let usage = """
    usage: distccmon-text [DELAY]

    Displays current compilation jobs in text form.

    If delay is specified, repeatedly updates after that many (fractional)
    seconds.  Otherwise, runs just once.

    """

  /// Parses the arguments after the program name as 3.4 does: none, or one that `strtod` consumes
  /// entirely (so `0.5`, ` 2`, `1e-3`, `0x10`, `inf` and even the empty string are accepted).
  /// Returns `nil` when 3.4 would print the usage text.
  public init?(_ arguments: [String]) {
    switch arguments.count {
    case 0:
      delay = 0
    case 1:
      var end: UnsafeMutablePointer<CChar>?
      let value = arguments[0].withCString { text in
        let value = strtod(text, &end)
        return end?.pointee == 0 ? value : nil
      }
      guard let value else { return nil }
      delay = value
    default:
      return nil
    }
  }

  /// Whether the monitor polls more than once (3.4 loops `while (delay)`, so NaN repeats too).
  public var repeats: Bool { delay != 0 }

  /// The microseconds 3.4 sleeps between polls: `usleep(delay * 1000000)`, with C's conversion of a
  /// `double` to a 32-bit `useconds_t` on x86_64 (through a 64-bit integer; out of range gives 0).
  public var sleepMicroseconds: UInt32 {
    let microseconds = delay * 1_000_000
    guard microseconds.isFinite, microseconds.magnitude < 0x1p63 else { return 0 }
    return UInt32(truncatingIfNeeded: Int64(microseconds))
  }
}
