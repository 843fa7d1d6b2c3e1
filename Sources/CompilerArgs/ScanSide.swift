/// Which program runs the scanner: the rules are 3.4's on both sides (client.md §4, daemon.md §5.2 step 4);
/// the sides differ only in who names an output the command leaves out.
public enum ScanSide: Sendable, Equatable {
  /// `distcc`: a command without an output writes the name gcc would choose (the input's basename with
  /// `.o`, or `.s` with `-S`), which the client appends as `-o NAME`; a command whose input basename is too
  /// short to derive it from stays local (`LocalReason.cannotDeriveOutput`).
  case client
  /// `distccd`: the daemon appends its own temporary output, so a missing output is left missing
  /// (`ScannedCommand.Output.missing`).
  case daemon
}
