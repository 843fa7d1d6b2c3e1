import ClientCore
import DistPosix
import Glibc  // the signal handler below: sigaction-level C with a static C string
import SystemPackage

/// This executable's absolute path (for masquerade links).
func executablePath() -> String {
  guard let path = try? Paths.linkTarget("/proc/self/exe"), !path.isEmpty else {
    return CommandLine.arguments.first ?? "distcc"
  }
  return path
}

func writeOutput(_ text: String) {
  _ = try? FileDescriptor.standardOutput.writeAll(text.utf8, deadline: .never)
}
func writeError(_ text: String) {
  _ = try? FileDescriptor.standardError.writeAll(text.utf8, deadline: .never)
}

#if arch(x86_64)
  let hostTriple = "x86_64-pc-linux-gnu"
#else
  let hostTriple = "aarch64-unknown-linux-gnu"
#endif

let versionText = """
  distcc 3.4 \(hostTriple)
    (protocols 1, 2 and 3) (default port 3632)
    swift-distcc client
  Copyright (C) 2002, 2003, 2004 by Martin Pool.
  Portions Copyright (C) 2007-2008 Google.
  swift-distcc: a Swift reimplementation compatible with distcc 3.4.

  distcc comes with ABSOLUTELY NO WARRANTY.  distcc is free software, and
  you may use, modify and redistribute it under the terms of the GNU
  General Public License version 2 or later.


  """

let usageText = """
  Usage:
     distcc [COMPILER] [compile options] -o OBJECT -c SOURCE
     distcc [--help|--version|--show-hosts|-j]
     distcc --make-symlinks DIRECTORY

  Options:
     COMPILER                   Defaults to "cc".
     --help                     Explain usage, and exit.
     --version                  Show version, and exit.
     --show-hosts               Show host list, and exit.
     --show-backoff             Show each host, whether it is backed off and the
                                extensions it announced, and exit.
     -j                         Show the concurrency level, as calculated from
                                the host list, and exit.
     --make-symlinks DIRECTORY  Create masquerade links in DIRECTORY for every
                                compiler found on PATH, and exit.

  Environment variables:
     See the manual page for a complete list.
     DISTCC_VERBOSE=1           Give debug messages.
     DISTCC_LOG                 Send messages to file, not stderr.
     DISTCC_SSH                 Command to run to open SSH connections.
     DISTCC_DIR                 Directory for host list and locks.

  Server specification:
  A list of servers is taken from the environment variable $DISTCC_HOSTS, or
  $DISTCC_DIR/hosts, or ~/.distcc/hosts, or /etc/distcc/hosts.
  Each host can be given in any of these forms, see the manual for details:

     localhost                  Run in place.
     HOST                       TCP connection, port 3632.
     HOST:PORT                  TCP connection, specified port.
     @HOST                      SSH connection to specified host.
     USER@HOST                  SSH connection to specified username at host.
     HOSTSPEC,lzo               Enable compression.
     --randomize                Randomize the server list before execution.

  distcc distributes compilation jobs across volunteer machines running
  distccd.  Jobs that cannot be distributed, such as linking, are run locally.
  distcc should be used with make's -jN option to execute in parallel on
  several machines.

  """

/// The state file path for the signal handler, set once before any job starts (a C string, because the
/// handler may only make async-signal-safe calls).
nonisolated(unsafe) private var stateFilePath: UnsafeMutablePointer<CChar>?

/// Like 3.4 (client.md §14): on SIGTERM, SIGINT or SIGHUP delete this process's state file, then die of the
/// same signal. Objects need no cleanup (they are renamed into place only when complete) and the preprocessor
/// ends when its pipe closes.
func removeStateFileOnSignals(distccDirectory: String?) {
  guard let distccDirectory else { return }
  stateFilePath = strdup(distccDirectory + "/state/binstate_\(getpid())")
  for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
    signal(signalNumber) { received in
      if let path = stateFilePath { unlink(path) }
      signal(received, SIG_DFL)
      raise(received)
    }
  }
}
