import CompilerArgs
import Testing

private func job(_ command: String) throws -> CompileJob {
  try #require(ArgumentScanner.scan(command.split(separator: " ").map(String.init)).job)
}

struct CommandCase: Sendable, CustomStringConvertible {
  var command: String
  var expected: String
  var description: String { command }
}

/// client.md §5.1: -o removed, -c/-S → -E; dependency names pinned to the real output.
@Test(arguments: [
  CommandCase(command: "gcc -c hello.c", expected: "gcc -E hello.c"),
  CommandCase(
    command: "gcc -c hello.c -MD", expected: "gcc -E hello.c -MD -MF hello.d -MT hello.o"),
  CommandCase(command: "gcc -c -c hello.c -oout.o", expected: "gcc -E -E hello.c"),
  CommandCase(command: "gcc -S hello.c -O2", expected: "gcc -E hello.c -O2"),
  CommandCase(
    command: "gcc -c hello.c -o sub/x.o -MD", expected: "gcc -E hello.c -MD -MF sub/x.d -MT sub/x.o"
  ),
  CommandCase(
    command: "gcc -c hello.c -o sub/x -MMD", expected: "gcc -E hello.c -MMD -MF sub/x.d -MT sub/x"),
  CommandCase(
    command: "gcc -c hello.c -o sub/x.o -MMD -MF d.d",
    expected: "gcc -E hello.c -MMD -MF d.d -MT sub/x.o"),
  CommandCase(
    command: "gcc -c hello.c -o x.o -MD -MFd.d -MQ t", expected: "gcc -E hello.c -MD -MFd.d -MQ t"),
  CommandCase(command: "gcc -c hello.c -o x.o -MF d.d", expected: "gcc -E hello.c -MF d.d"),
])
func preprocessorCommand(_ row: CommandCase) throws {
  #expect(try job(row.command).preprocessorArguments.joined(separator: " ") == row.expected)
}

/// client.md §5.2, with the verified example.
@Test(arguments: [
  CommandCase(
    command:
      "gcc -c hello.c -I/usr/include -DFOO=1 -UBAR -L/lib -lm -isystem /usr/include -imacros /dev/null -idirafter /tmp -iprefix /x -iwithprefix y -iwithprefixbefore z -nostdinc -undef -Wl,-O1 -stdlib=libc++",
    expected: "gcc -c hello.c -o hello.o"),
  CommandCase(
    command:
      "gcc -c hello.c -o x.o -MD -MF d.d -MT t -MQ q -MMD -MG -MP -D X -I inc -include h.h -O2",
    expected: "gcc -c hello.c -o x.o -O2"),
  CommandCase(command: "g++ -c x.cc -nostdinc++ -g -o x.o -U", expected: "g++ -c x.cc -g -o x.o"),
  CommandCase(command: "gcc -c x.c -o x.o -MFd.d -MTt -isystem/a", expected: "gcc -c x.c -o x.o"),
])
func serverCommand(_ row: CommandCase) throws {
  #expect(try job(row.command).serverArguments.joined(separator: " ") == row.expected)
}
