extension CompileJob {
  /// The first option that makes the compiler write files beside the object that no daemon sends back
  /// (`-save-temps`' `.i` and `.s`, `-gsplit-dwarf`'s `.dwo`, `-fstack-usage`'s `.su`, `-fcallgraph-info`'s
  /// `.ci`), or `nil`. 3.4 distributes such jobs and the files are lost (client.md §4.1); our client keeps them
  /// local (`LocalReason.sideFiles`). The daemon's scanner does not use this.
  public var sideFileOption: String? {
    arguments.dropFirst().first { argument in
      Self.sideFilePrefixes.contains { argument.hasPrefix($0) }
        || Self.sideFileOptions.contains(argument)
    }
  }

  private static let sideFilePrefixes = ["-save-temps", "--save-temps", "-fcallgraph-info"]
  private static let sideFileOptions: Set<String> = ["-gsplit-dwarf", "-fstack-usage"]
}
