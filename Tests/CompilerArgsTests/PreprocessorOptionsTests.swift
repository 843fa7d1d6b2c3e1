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
