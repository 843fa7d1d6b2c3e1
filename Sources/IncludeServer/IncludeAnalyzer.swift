/// Works out, for one compile, every file the preprocessor may open that the servers do not have: the
/// translation unit, its headers, the symlinks and directories on the way to them.
///
/// Every `#if` branch is followed; a computed include is expanded with every definition its macros have
/// anywhere in the closure (and `-D`), repeated until the closure stops growing; `#include_next` continues
/// after the directory the includer was found in. Files under the compiler's default directories stay on
/// the servers but are scanned too, so a header of the project that a system header reaches (a `-I`
/// directory before the system ones) is not missed.
public final class IncludeAnalyzer: Sendable {
  let cache = FileCache()
  let defaults = CompilerDefaults()

  /// Why a translation unit was not analysed (the client then preprocesses locally).
  public struct GaveUp: Error, Sendable, CustomStringConvertible {
    public var description: String
  }

  public init() {}

  /// The closure of the compile `arguments` run in `workingDirectory` (absolute).
  public func closure(workingDirectory: String, arguments: [String]) throws(GaveUp)
    -> IncludeClosure
  {
    let command: CompileCommandLine
    do { command = try CompileCommandLine(arguments) } catch {
      throw GaveUp(description: error.description)
    }
    var defaultDirectories: [String] = []
    if !command.noStandardIncludes {
      do {
        defaultDirectories = try defaults.directories(
          for: CompilerDefaults.Key(
            compiler: command.compiler, language: command.language, options: command.searchOptions))
      } catch {
        throw GaveUp(description: error.description)
      }
    }
    let search = SearchList(
      command: command, workingDirectory: workingDirectory, defaults: defaultDirectories)
    var base: [String: Set<MacroDefinition>] = [:]
    for text in command.definitions {
      if let definition = MacroDefinition(commandLine: text) {
        base[definition.name, default: []].insert(definition)
      }
    }
    var previous: Set<String> = []
    var inherited = base
    for _ in 0..<6 {
      var walk = ClosureWalk(
        search: search, session: LookupSession(cache: cache), base: inherited,
        commandLineDefinitions: base)
      try walk.run(command: command)
      if !walk.expandedMacros || walk.visitedPaths == previous {
        if let unresolved = walk.unresolved.first { throw GaveUp(description: unresolved) }
        return walk.result()
      }
      previous = walk.visitedPaths
      inherited = walk.allDefinitions()
    }
    throw GaveUp(description: "computed includes did not settle")
  }

  /// Cache figures: files parsed, parses saved, directories listed.
  public var statistics: (parsed: Int, reused: Int, listed: Int) {
    let counters = cache.counters.withLock { $0 }
    return (counters.parsed, counters.parseHits, counters.listed)
  }
}

/// The directories a compile searches, absolute, in gcc's order.
struct SearchList: Sendable {
  struct Directory: Sendable {
    var path: String
    /// A compiler default directory: the server uses its own, unrewritten.
    var isDefault: Bool
  }

  /// `-iquote`, `-I`, `-isystem`, defaults, `-idirafter`.
  var chain: [Directory] = []
  /// Where `<...>` searches start (after the `-iquote` directories).
  var angledStart: Int
  /// The compiler's default directories, normalized.
  var defaults: [String]
  var workingDirectory: String

  init(command: CompileCommandLine, workingDirectory: String, defaults: [String]) {
    self.workingDirectory = workingDirectory
    self.defaults = defaults
    func absolute(_ path: String) -> String { PathText.join(workingDirectory, path) }
    for directory in command.quoteDirectories {
      chain.append(Directory(path: absolute(directory), isDefault: false))
    }
    angledStart = chain.count
    // gcc drops a -I/-isystem/-idirafter directory that is also a default one (the default keeps its place).
    let user = (command.includeDirectories + command.systemDirectories).map(absolute).filter {
      !defaults.contains(PathText.normalized($0))
    }
    for directory in user { chain.append(Directory(path: directory, isDefault: false)) }
    for directory in defaults { chain.append(Directory(path: directory, isDefault: true)) }
    for directory in command.afterDirectories.map(absolute)
    where !defaults.contains(PathText.normalized(directory)) {
      chain.append(Directory(path: directory, isDefault: false))
    }
  }

  /// The outermost default directory holding physical path `path`, if any.
  func systemRoot(of path: String) -> String? {
    defaults.filter { PathText.isWithin(path, $0) }.min { $0.count < $1.count }
  }
}

/// One pass over a translation unit's includes with a fixed set of inherited macro definitions.
struct ClosureWalk {
  /// A file as the preprocessor opens it.
  struct Node: Hashable {
    var path: String
    /// Index in the search chain it was found at; `nil` for the includer's directory or the command line.
    var foundAt: Int?
    /// The server opens it under its job root (not through an unrewritten default directory).
    var rewritten: Bool
  }

  let search: SearchList
  var session: LookupSession
  let base: [String: Set<MacroDefinition>]
  let commandLineDefinitions: [String: Set<MacroDefinition>]

  private var queue: [Node] = []
  private var queued: Set<Node> = []
  private(set) var visitedPaths: Set<String> = []
  private var visitedDirectives: [SourceDirectives] = []
  private var entries: [IncludeClosure.Entry] = []
  private var entrySet: Set<IncludeClosure.Entry> = []
  private var systemFiles = 0
  private(set) var expandedMacros = false
  /// Computed includes of project files that named no header in this pass.
  private(set) var unresolved: [String] = []
  private var table: [String: [MacroDefinition]] = [:]
  /// Chain lookups of this pass (the same `<QtCore/qglobal.h>` is included from hundreds of headers).
  private struct ChainKey: Hashable {
    var name: String
    var start: Int
  }
  private var chainResults: [ChainKey: Node?] = [:]
  private var tableFiles = -1

  init(
    search: SearchList, session: LookupSession, base: [String: Set<MacroDefinition>],
    commandLineDefinitions: [String: Set<MacroDefinition>]
  ) {
    self.search = search
    self.session = session
    self.base = base
    self.commandLineDefinitions = commandLineDefinitions
  }

  mutating func run(command: CompileCommandLine) throws(IncludeAnalyzer.GaveUp) {
    for name in command.forcedIncludes {
      let local = PathText.join(search.workingDirectory, name)
      if session.regularFile(local) != nil {
        enqueue(Node(path: local, foundAt: nil, rewritten: true))
      } else if let found = searchChain(name, from: 0) {
        enqueue(found)
      }
    }
    let source = PathText.join(search.workingDirectory, command.source)
    guard session.regularFile(source) != nil else {
      throw IncludeAnalyzer.GaveUp(description: "\(command.source): no such file")
    }
    enqueue(Node(path: source, foundAt: nil, rewritten: true))
    var next = 0
    while next < queue.count {
      let node = queue[next]
      next += 1
      try visit(node)
    }
  }

  func result() -> IncludeClosure { IncludeClosure(entries: entries, systemFileCount: systemFiles) }

  /// Every definition of every file visited, with the command line's.
  func allDefinitions() -> [String: Set<MacroDefinition>] {
    var all = commandLineDefinitions
    for directives in visitedDirectives {
      for definition in directives.definitions {
        all[definition.name, default: []].insert(definition)
      }
    }
    return all
  }

  private mutating func enqueue(_ node: Node) {
    if queued.insert(node).inserted { queue.append(node) }
  }

  private mutating func add(_ entry: IncludeClosure.Entry) {
    if entrySet.insert(entry).inserted { entries.append(entry) }
  }

  private mutating func visit(_ node: Node) throws(IncludeAnalyzer.GaveUp) {
    guard let status = session.status(node.path) else { return }
    var isSystem = !node.rewritten
    if node.rewritten {
      guard let (physical, steps) = materialize(node.path) else { return }
      let root = search.systemRoot(of: physical)
      isSystem = root != nil
      for step in steps { add(step) }
      if let root { add(.systemDirectory(root)) } else { add(.file(physical)) }
    }
    if isSystem { systemFiles += 1 }
    let firstVisit = visitedPaths.insert(node.path).inserted
    guard let directives = session.cache.directives(node.path, status: status) else { return }
    if firstVisit { visitedDirectives.append(directives) }
    for include in directives.includes {
      switch include.form {
      case .quoted, .angled:
        if let found = resolve(include.form, isNext: include.isNext, includer: node) {
          enqueue(found)
        }
      case .computed(let tokens):
        expandedMacros = true
        guard let forms = expand(tokens) else {
          if !isSystem { unresolved.append("cannot expand a computed include in \(node.path)") }
          continue
        }
        for form in forms {
          if case .computed = form {
            // Perhaps defined in a file found later: the next pass has every definition.
            if !isSystem { unresolved.append("a computed include in \(node.path) names no header") }
            continue
          }
          if let found = resolve(form, isNext: include.isNext, includer: node) { enqueue(found) }
        }
      }
    }
  }

  /// The header names a computed include can stand for.
  private mutating func expand(_ tokens: [PreprocessorToken]) -> [SourceDirectives.Include.Form]? {
    if tableFiles != visitedDirectives.count {
      var merged = base
      for directives in visitedDirectives {
        for definition in directives.definitions {
          merged[definition.name, default: []].insert(definition)
        }
      }
      table = merged.mapValues { Array($0) }
      tableFiles = visitedDirectives.count
    }
    var expander = MacroExpander(definitions: table)
    guard let expansions = expander.expand(tokens) else { return nil }
    var forms: [SourceDirectives.Include.Form] = []
    for expansion in expansions {
      guard let form = SourceDirectives.form(of: expansion) else { continue }
      if !forms.contains(form) { forms.append(form) }
    }
    return forms
  }

  /// Where the preprocessor finds `form` included from `includer`.
  private mutating func resolve(
    _ form: SourceDirectives.Include.Form, isNext: Bool, includer: Node
  ) -> Node? {
    let name: String
    var quoted = false
    switch form {
    case .quoted(let text):
      name = text
      quoted = true
    case .angled(let text): name = text
    case .computed: return nil
    }
    if name.isEmpty { return nil }
    if name.hasPrefix("/") {
      // Opened as is on the server, outside its job root.
      return nil
    }
    if isNext, let index = includer.foundAt {
      return searchChain(name, from: index + 1)
    }
    if quoted {
      let local = PathText.join(PathText.directory(of: includer.path), name)
      if session.regularFile(local) != nil {
        return Node(path: local, foundAt: nil, rewritten: includer.rewritten)
      }
      return searchChain(name, from: 0)
    }
    return searchChain(name, from: search.angledStart)
  }

  private mutating func searchChain(_ name: String, from start: Int) -> Node? {
    let key = ChainKey(name: name, start: start)
    if let known = chainResults[key] { return known }
    let found = searchChainUncached(name, from: start)
    chainResults[key] = found
    return found
  }

  private mutating func searchChainUncached(_ name: String, from start: Int) -> Node? {
    var index = start
    while index < search.chain.count {
      let directory = search.chain[index]
      let path = PathText.join(directory.path, name)
      if session.regularFile(path) != nil {
        return Node(path: path, foundAt: index, rewritten: !directory.isDefault)
      }
      index += 1
    }
    return nil
  }

  /// The physical path of `path` and what the server needs to follow it the same way: each symlink on
  /// the way (as a link), each directory a `..` climbs out of. `nil` if the path does not resolve.
  private mutating func materialize(_ path: String) -> (String, [IncludeClosure.Entry])? {
    var steps: [IncludeClosure.Entry] = []
    var components = path.split(separator: "/").map(String.init).reversed() as [String]
    var current = ""
    var hops = 0
    while let component = components.popLast() {
      if component == "." || component.isEmpty { continue }
      if component == ".." {
        if !current.isEmpty {
          if search.systemRoot(of: current) == nil { steps.append(.directory(current)) }
          current = PathText.directory(of: current)
          if current == "/" { current = "" }
        }
        continue
      }
      let next = current + "/" + component
      guard let status = session.entry(next) else { return nil }
      guard status.kind == .symbolicLink else {
        current = next
        continue
      }
      hops += 1
      guard hops <= 40, let target = session.linkTarget(next), !target.isEmpty else { return nil }
      if search.systemRoot(of: next) == nil { steps.append(.link(next, target: target)) }
      if target.hasPrefix("/") { current = "" }
      components += target.split(separator: "/").map(String.init).reversed()
    }
    return (current.isEmpty ? "/" : current, steps)
  }
}
