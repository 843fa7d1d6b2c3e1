import HostSpec

extension HostSpecError {
  /// The warning 3.4's client prints when this error leaves it without hosts, and the 3.4 function it
  /// names (scripts and test suites grep for these exact words). Errors 3.4 words in its own way keep ours.
  var clientWarning: (text: String, function: String?) {
    switch self {
    case .noHostList:
      ("no hostlist is set; can't distribute work", "dcc_get_hostlist")
    case .noHosts(.environment):
      ("$DISTCC_HOSTS contained no hosts; can't distribute work", "dcc_parse_hosts")
    case .noHosts(.file(let path)):
      ("\(path) contained no hosts; can't distribute work", "dcc_parse_hosts")
    default:
      (description, nil)
    }
  }
}
