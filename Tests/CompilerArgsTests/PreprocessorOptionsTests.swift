import CompilerArgs
import Testing

@Test(arguments: [
  ("gcc -c x.c -Wp,-MMD,dep4.d,-DFOO", "gcc -c x.c -MMD -MF dep4.d -DFOO", false),
  ("gcc -c x.c -Wp,-MD,dep.d", "gcc -c x.c -MD -MF dep.d", false),
  ("gcc -c x.c -Wp,-MD", "gcc -c x.c -MD", true),
  ("gcc -c x.c -Wp,-DA,,-DB", "gcc -c x.c -DA -DB", false),
  ("gcc -Wp,-I,inc -c x.c", "gcc -I inc -c x.c", false),
  ("gcc -c x.c", "gcc -c x.c", false),
])
func wpOptionsExpandInPlace(_ input: String, _ expected: String, _ missing: Bool) {
  let expansion = PreprocessorOptions.expand(input.split(separator: " ").map(String.init))
  #expect(expansion.arguments.joined(separator: " ") == expected)
  #expect(expansion.missingDependencyFile == missing)
}

@Test func expandedDependencyOptionStaysDistributable() throws {
  let expanded = PreprocessorOptions.expand(["gcc", "-c", "hello.c", "-Wp,-MD,d.d"]).arguments
  let job = try #require(ArgumentScanner.scan(expanded).job)
  #expect(job.serverArguments == ["gcc", "-c", "hello.c", "-o", "hello.o"])
  #expect(
    job.preprocessorArguments == ["gcc", "-E", "hello.c", "-MD", "-MF", "d.d", "-MT", "hello.o"])
}

/// Kbuild's `-Wp,-MMD,FILE` reaches cpp unchanged in a local compile, so the target is cpp's default
/// (`x.o`, not `sub/x.o`); the client leaves it so (`pinsDependencyTarget`).
@Test func wpDependencyFileKeepsCppsDefaultTarget() throws {
  let expansion = PreprocessorOptions.expand([
    "gcc", "-Wp,-MMD,sub/.x.o.d", "-c", "x.c", "-o", "sub/x.o",
  ])
  #expect(expansion.dependencyFileForPreprocessor)
  #expect(!PreprocessorOptions.expand(["gcc", "-MMD", "-c", "x.c"]).dependencyFileForPreprocessor)
  #expect(
    !PreprocessorOptions.expand(["gcc", "-Wp,-MD", "-c", "x.c"]).dependencyFileForPreprocessor)
  var job = try #require(ArgumentScanner.scan(expansion.arguments).job)
  job.pinsDependencyTarget = false
  #expect(job.preprocessorArguments == ["gcc", "-MMD", "-MF", "sub/.x.o.d", "-E", "x.c"])
}

@Test(
  arguments: [
    ("gcc -save-temps -c x.c", "-save-temps"),
    ("gcc -c x.c -save-temps=obj -o sub/x.o", "-save-temps=obj"),
    ("gcc --save-temps -c x.c", "--save-temps"),
    ("gcc -g -gsplit-dwarf -c x.c", "-gsplit-dwarf"),
    ("gcc -fstack-usage -c x.c", "-fstack-usage"),
    ("gcc -fcallgraph-info=su -c x.c", "-fcallgraph-info=su"),
    ("gcc -g -O2 -c x.c", nil),
    ("gcc -fsplit-dwarf-inlining -c x.c", nil),
  ] as [(String, String?)])
func sideFileOptionsAreFound(_ command: String, _ option: String?) throws {
  let job = try #require(ArgumentScanner.scan(command.split(separator: " ").map(String.init)).job)
  #expect(job.sideFileOption == option)
}
