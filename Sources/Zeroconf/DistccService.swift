/// What a distcc daemon advertises over DNS-SD, exactly as distcc 3.4's `zeroconf-reg.c` does
/// (`Docs/zeroconf.md`): service type, instance name, TXT records and subtype.
public struct DistccService: Sendable, Hashable {
  /// The DNS-SD service type of distcc daemons.
  public static let type = "_distcc._tcp"
  /// The `distcc=` TXT value: the 3.4 protocol family this daemon speaks.
  public static let distccVersion = "3.4"

  /// The instance name: `distcc@<host name>` (Avahi's alternative, `distcc@<host> #2`, after a collision).
  public var name: String
  /// The TCP port the daemon listens on.
  public var port: UInt16
  /// Online CPUs (`cpus=`).
  public var cpus: Int
  /// The job limit (`jobs=`, the daemon's `--jobs`).
  public var jobs: Int
  /// The build's GNU host triple (`gnuhost=`).
  public var gnuHost: String
  /// The daemon's `cc` version and machine (`cc_version=`, `cc_machine=` and the subtype); nil if unknown.
  public var compiler: CompilerTarget?

  public init(
    name: String, port: UInt16, cpus: Int, jobs: Int,
    gnuHost: String = DistccService.defaultGNUHost,
    compiler: CompilerTarget?
  ) {
    self.name = name
    self.port = port
    self.cpus = cpus
    self.jobs = jobs
    self.gnuHost = gnuHost
    self.compiler = compiler
  }

  /// The instance name 3.4 uses on a host: `distcc@` and the host name.
  public static func instanceName(hostName: String) -> String { "distcc@" + hostName }

  /// The GNU triple of this build, as 3.4's `configure` records it.
  #if arch(x86_64)
    public static let defaultGNUHost = "x86_64-pc-linux-gnu"
  #elseif arch(arm64)
    public static let defaultGNUHost = "aarch64-unknown-linux-gnu"
  #else
    public static let defaultGNUHost = "unknown-linux-gnu"
  #endif

  /// The TXT records in 3.4's order: `txtvers=1`, `cpus`, `jobs`, `distcc`, `gnuhost`, then `cc_version` and
  /// `cc_machine` when the compiler answered.
  public var textRecords: [String] {
    var records = [
      "txtvers=1", "cpus=\(cpus)", "jobs=\(jobs)", "distcc=\(Self.distccVersion)",
      "gnuhost=\(gnuHost)",
    ]
    if let compiler {
      records.append("cc_version=\(compiler.version)")
      records.append("cc_machine=\(compiler.machine)")
    }
    return records
  }
}
