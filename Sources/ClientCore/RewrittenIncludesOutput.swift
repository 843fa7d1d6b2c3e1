import DistPosix

/// The check of clang's `-frewrite-includes` output for what the daemon would not compile as a local
/// compile does (Docs/distcc.md "Directives-only preprocessing"); such a job is preprocessed again, fully.
/// (A rewrite run that wrote anything to standard error is not sent either: the daemon would repeat its
/// warnings, or miss those of the `#if`s the client evaluated.)
///
/// - `__DATE__`, `__TIME__`, `__TIMESTAMP__` would be expanded by the daemon: its clock, its temporary
///   file's time.
/// - `__BASE_FILE__` would name the daemon's standard input.
/// - `unused-macros`, `-Weverything` switched on by a pragma: a macro used only in an `#if` would be
///   reported unused by the daemon.
/// - `_Pragma("once")`: not commented out by the rewrite, so the daemon warns `#pragma once in main file`.
/// (`__COUNTER__` read in a directive the client evaluates makes the rewrite run fail instead:
/// `RewrittenIncludes.counterGuard`.)
enum RewrittenIncludesOutput {
  static let inexactWords =
    DirectivesOnlyOutput.serverDependentWords + ["unused-macros", "-Weverything", "\"once\""]

  /// Why `output` cannot be compiled exactly on the daemon, or `nil`.
  static func inexactReason(in output: UnsafeRawBufferPointer) -> String? {
    for word in inexactWords where ByteSearch.first(word, in: output) != nil {
      return "the source uses \(word)"
    }
    return nil
  }
}
