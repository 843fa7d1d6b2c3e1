/// The phase of a compile as written in a state file (`enum dcc_phase` in 3.4's `state.h`).
///
/// The 3.4 client writes only `connect` through `receive` (`client.md` §12.3); `startup`, `blocked` and
/// `done` exist in the format and monitors know them.
public enum Phase: UInt32, Sendable, CaseIterable, Comparable {
  case startup = 0
  case blocked = 1
  case connect = 2
  case preprocess = 3
  case send = 4
  case compile = 5
  case receive = 6
  case done = 7

  /// Reads a phase number the way 3.4's monitor does: any value above 7, including what C would see as a
  /// negative `enum`, is shown as `compile` (`mon.c`, `dcc_mon_read_state`).
  public init(monitorValue value: UInt32) {
    self = Phase(rawValue: value) ?? .compile
  }

  /// The name 3.4's monitors print (`dcc_get_phase_name`), e.g. `Preprocess`.
  public var name: String {
    switch self {
    case .startup: "Startup"
    case .blocked: "Blocked"
    case .connect: "Connect"
    case .preprocess: "Preprocess"
    case .send: "Send"
    case .compile: "Compile"
    case .receive: "Receive"
    case .done: "Done"
    }
  }

  public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
}
