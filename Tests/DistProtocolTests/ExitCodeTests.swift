import Testing

@testable import DistProtocol

/// 3.4's `exitcode.h` as client.md §14 lists it: every number with its name, and the statuses the daemon
/// sends for jobs that did not run.
@Test func exitCodesHave34sNumbersAndNames() {
  let table: [(ExitCode, Int32, String)] = [
    (.distccFailed, 100, "EXIT_DISTCC_FAILED"), (.badArguments, 101, "EXIT_BAD_ARGUMENTS"),
    (.bindFailed, 102, "EXIT_BIND_FAILED"), (.connectFailed, 103, "EXIT_CONNECT_FAILED"),
    (.compilerCrashed, 104, "EXIT_COMPILER_CRASHED"), (.outOfMemory, 105, "EXIT_OUT_OF_MEMORY"),
    (.badHostSpec, 106, "EXIT_BAD_HOSTSPEC"), (.ioError, 107, "EXIT_IO_ERROR"),
    (.truncated, 108, "EXIT_TRUNCATED"), (.protocolError, 109, "EXIT_PROTOCOL_ERROR"),
    (.compilerMissing, 110, "EXIT_COMPILER_MISSING"), (.recursion, 111, "EXIT_RECURSION"),
    (.setuidFailed, 112, "EXIT_SETUID_FAILED"), (.accessDenied, 113, "EXIT_ACCESS_DENIED"),
    (.busy, 114, "EXIT_BUSY"), (.noSuchFile, 115, "EXIT_NO_SUCH_FILE"),
    (.noHosts, 116, "EXIT_NO_HOSTS"), (.gone, 117, "EXIT_GONE"), (.timeout, 118, "EXIT_TIMEOUT"),
    (.gssapiFailed, 119, "EXIT_GSSAPI_FAILED"), (.localPreprocessor, 120, "EXIT_LOCAL_CPP"),
  ]
  for (code, number, name) in table {
    #expect(code.rawValue == number)
    #expect(code.description == name)
    #expect(ExitCode(rawValue: number) == code)
  }
  #expect((100...120).allSatisfy { ExitCode(rawValue: $0) != nil })
  // What a 3.4 client reads in STAT (daemon.md §5.3, §5.4): exec failure, job lifetime, our refusal.
  #expect(ExitCode.compilerMissing.waitStatus.rawValue == 0x6e00)
  #expect(ExitCode.timeout.waitStatus.rawValue == 0x7600)
  #expect(ExitCode.policyRefusal.waitStatus.exitCode == 150)
}
