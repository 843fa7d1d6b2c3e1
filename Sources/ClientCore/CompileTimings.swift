import DistState

/// Where one compile's wall-clock time went, in milliseconds (a phase the job never entered is 0).
public struct CompileTimings: Sendable, Equatable {
  /// Running the local preprocessor (or waiting for it to finish while the request's head is sent).
  public var preprocess = 0
  /// Waiting for a free slot on a host or a local slot.
  public var slotWait = 0
  /// Connecting and sending the request.
  public var send = 0
  /// Waiting for the remote compiler: from the last byte sent to the first byte of the reply.
  public var compile = 0
  /// Receiving the reply and writing the object.
  public var receive = 0
  /// Compiling on this machine (a local job, a fallback or a local retry).
  public var localCompile = 0

  /// Creates timings with every phase 0.
  public init() {}

  /// The phases timed.
  enum Phase { case preprocess, slotWait, send, compile, receive, localCompile, other }

  mutating func add(_ milliseconds: Int, to phase: Phase) {
    switch phase {
    case .preprocess: preprocess += milliseconds
    case .slotWait: slotWait += milliseconds
    case .send: send += milliseconds
    case .compile: compile += milliseconds
    case .receive: receive += milliseconds
    case .localCompile: localCompile += milliseconds
    case .other: break
    }
  }
}

extension CompileTimings.Phase {
  /// The timed phase a state-file phase starts.
  init(_ phase: DistState.Phase, _ target: StateRecorder.Target) {
    switch phase {
    case .preprocess: self = .preprocess
    case .connect, .send: self = .send
    case .compile: self = target == .local ? .localCompile : .compile
    case .receive: self = .receive
    case .blocked: self = .slotWait
    case .startup, .done: self = .other
    }
  }
}
