/// Everything needed to reach one destination: the destination as written, overlaid on `~/.ssh/config` and the
/// defaults, as OpenSSH resolves them.
struct SSHHostSettings: Sendable, Equatable {
  /// What to do with a host key no known-hosts file lists (`StrictHostKeyChecking`).
  enum UnknownHostKeyPolicy: Sendable, Equatable {
    /// Refuse it (`yes`, `ask`, the default: a compile has no terminal to ask on).
    case refuse
    /// Accept it and append it to the first user known-hosts file (`accept-new`, `no`, `off`). A changed key is
    /// still refused.
    case acceptAndRecord
  }

  /// The host as written in the host spec (`Host` patterns match this).
  var alias: String
  /// The name to connect to and to look up in known-hosts files (`HostName`, else the alias).
  var hostName: String
  var user: String
  var port: UInt16
  /// Key files to try after the agent, in order: `IdentityFile` lines, else the defaults.
  var identityFiles: [String]
  /// `IdentitiesOnly yes`: use only agent keys that match one of `identityFiles`.
  var identitiesOnly: Bool
  /// The user known-hosts files (`UserKnownHostsFile`), then the global ones.
  var userKnownHostsFiles: [String]
  var globalKnownHostsFiles: [String]
  var unknownHostKeyPolicy: UnknownHostKeyPolicy

  static let spelling = [
    "proxyjump": "ProxyJump", "proxycommand": "ProxyCommand", "include": "Include",
  ]

  /// The default key files, fastest to sign first (OpenSSH tries `id_rsa` first; the set is the same).
  static let defaultIdentityNames = ["id_ed25519", "id_ecdsa", "id_rsa"]

  init(destination: SSHDestination, options: SSHOptions, config: SSHConfig) throws(SSHError) {
    var first: [String: SSHConfig.Setting] = [:]
    var identityLines: [SSHConfig.Setting] = []
    for setting in config.settings(for: destination.host) {
      if setting.keyword == "identityfile" {
        identityLines.append(setting)
      } else if first[setting.keyword] == nil {
        first[setting.keyword] = setting
      }
    }
    func fail(_ setting: SSHConfig.Setting, _ reason: String) -> SSHError {
      .config(file: config.file, line: setting.line, reason: reason)
    }
    // What only OpenSSH's client does: the job goes through `ssh` instead of failing.
    let display = destination.description
    for keyword in ["proxyjump", "proxycommand", "include"] {
      guard let setting = first[keyword], setting.arguments[0].lowercased() != "none" else {
        continue
      }
      throw .needsOpenSSH(
        host: display,
        reason:
          "\(config.file) line \(setting.line): \(Self.spelling[keyword] ?? keyword) is not supported in process"
      )
    }
    if let line = config.conditionalMatchLine {
      throw .needsOpenSSH(
        host: display,
        reason: "\(config.file) line \(line): Match blocks are not supported in process")
    }

    alias = destination.host
    let hostNameTokens = Tokens(home: options.home, localUser: options.localUser, alias: alias)
    hostName =
      first["hostname"].map { hostNameTokens.expand($0.arguments[0], tilde: false) } ?? alias
    user = destination.user ?? first["user"]?.arguments[0] ?? options.localUser
    if let port = destination.port {
      self.port = port
    } else if let setting = first["port"] {
      guard let port = UInt16(setting.arguments[0]), port > 0 else {
        throw fail(setting, "bad Port \"\(setting.arguments[0])\"")
      }
      self.port = port
    } else {
      self.port = 22
    }

    var tokens = hostNameTokens
    tokens.hostName = hostName
    tokens.remoteUser = user
    tokens.port = port
    if identityLines.isEmpty {
      identityFiles = Self.defaultIdentityNames.map { options.home + "/.ssh/" + $0 }
    } else {
      identityFiles = identityLines.map { tokens.expand($0.arguments[0], tilde: true) }
    }
    if let setting = first["identitiesonly"] {
      switch setting.arguments[0].lowercased() {
      case "yes": identitiesOnly = true
      case "no": identitiesOnly = false
      default: throw fail(setting, "bad IdentitiesOnly \"\(setting.arguments[0])\"")
      }
    } else {
      identitiesOnly = false
    }
    userKnownHostsFiles =
      first["userknownhostsfile"].map { $0.arguments.map { tokens.expand($0, tilde: true) } }
      ?? [options.home + "/.ssh/known_hosts", options.home + "/.ssh/known_hosts2"]
    globalKnownHostsFiles =
      first["globalknownhostsfile"].map { $0.arguments.map { tokens.expand($0, tilde: true) } }
      ?? options.globalKnownHostsFiles
    if let setting = first["stricthostkeychecking"] {
      switch setting.arguments[0].lowercased() {
      case "yes", "ask": unknownHostKeyPolicy = .refuse
      case "no", "off", "accept-new": unknownHostKeyPolicy = .acceptAndRecord
      default: throw fail(setting, "bad StrictHostKeyChecking \"\(setting.arguments[0])\"")
      }
    } else {
      unknownHostKeyPolicy = .refuse
    }
  }

  /// The name known-hosts files use for this host: `host`, or `[host]:port` off port 22.
  var knownHostsName: String { port == 22 ? hostName : "[\(hostName)]:\(port)" }

  /// The command that fetches the host's keys, for messages.
  var keyscanCommand: String {
    port == 22 ? "ssh-keyscan \(hostName)" : "ssh-keyscan -p \(port) \(hostName)"
  }

  /// `user@host[:port]` as the user wrote it, for messages.
  var displayName: String {
    port == 22 ? "\(user)@\(alias)" : "\(user)@\(alias):\(port)"
  }
}

/// `ssh_config(5)` TOKENS: `%%`, `%d` home, `%h` host name, `%n` host as written, `%p` port, `%r` remote user,
/// `%u` local user; and a leading `~/` for the home directory.
struct Tokens: Sendable {
  var home: String
  var localUser: String
  var alias: String
  var hostName: String?
  var remoteUser: String?
  var port: UInt16?

  init(home: String, localUser: String, alias: String) {
    self.home = home
    self.localUser = localUser
    self.alias = alias
  }

  func expand(_ text: String, tilde: Bool) -> String {
    var result = ""
    var characters = text[...]
    if tilde, characters == "~" || characters.hasPrefix("~/") {
      result = home
      characters = characters.dropFirst()
    }
    while let character = characters.popFirst() {
      guard character == "%", let token = characters.first else {
        result.append(character)
        continue
      }
      let value: String? =
        switch token {
        case "%": "%"
        case "d": home
        case "h": hostName ?? alias
        case "n": alias
        case "p": port.map { String($0) }
        case "r": remoteUser
        case "u": localUser
        default: nil
        }
      if let value {
        result += value
        characters = characters.dropFirst()
      } else {
        result.append(character)
      }
    }
    return result
  }
}
