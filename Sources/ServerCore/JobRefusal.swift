import DistProtocol

/// Why a job will not run: the one line a client gets in `SERR` (with status
/// ``ExitCode/policyRefusal``), the level the daemon logs it at and 3.4's result code for the summary.
struct JobRefusal: Error, Sendable, Equatable {
  var reason: String
  var level: ServerLogger.Level
  var code: ExitCode
}
