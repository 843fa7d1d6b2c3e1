import DistTestSupport
import Glibc
import Testing

@testable import ClientCore

@Test func gccGetsTheTriplePrefixWhenThatCompilerExists() throws {
  let directory = try TestDirectory()
  _ = try directory.write("bin/x86_64-linux-gnu-gcc-12", "#!/bin/sh\n", mode: 0o755)
  let rewriter = CompilerNameRewriter(
    searchPath: directory.appending("bin"), buildTriple: "x86_64-pc-linux-gnu")
  #expect(rewriter.gnuTriple == "x86_64-linux-gnu")
  #expect(
    rewriter.rewrite(["gcc-12", "-c", "x.c"]).command == ["x86_64-linux-gnu-gcc-12", "-c", "x.c"])
  #expect(
    rewriter.rewrite(["gcc", "-c", "x.c"]).command == ["gcc", "-c", "x.c"],
    "no x86_64-linux-gnu-gcc there")
  #expect(
    rewriter.rewrite(["/usr/bin/gcc-12", "-c"]).command[0] == "/usr/bin/gcc-12",
    "absolute names stay")
}

@Test func clangGetsATargetUnlessGiven() {
  let rewriter = CompilerNameRewriter(
    searchPath: "/nonexistent", buildTriple: "x86_64-pc-linux-gnu")
  #expect(
    rewriter.rewrite(["clang", "-c", "x.c"]).command == [
      "clang", "-c", "x.c", "-target", "x86_64-pc-linux-gnu",
    ])
  #expect(
    rewriter.rewrite(["clang++-15", "-target", "arm", "-c"]).command == [
      "clang++-15", "-target", "arm", "-c",
    ])
}

@Test func ccFollowsSymlinksToGccOrClang() throws {
  // The prefix must not mention distcc: 3.4 skips PATH elements followed by anything containing "distcc".
  let directory = try TestDirectory(prefix: "rewrite-test-")
  _ = try directory.write("bin/clang", "#!/bin/sh\n", mode: 0o755)
  _ = try directory.write("bin/tcc", "#!/bin/sh\n", mode: 0o755)
  symlink("clang", directory.appending("bin/cc"))
  symlink(directory.appending("bin/tcc"), directory.appending("bin/c++"))
  let rewriter = CompilerNameRewriter(
    searchPath: directory.appending("bin"), buildTriple: "x86_64-pc-linux-gnu")
  #expect(rewriter.resolveGenericName("cc") == "clang")
  #expect(rewriter.resolveGenericName("c++") == nil, "tcc is neither g++ nor clang++")
  // 3.4's quirk: a PATH that mentions distcc later hides earlier entries.
  let quirky = CompilerNameRewriter(
    searchPath: directory.appending("bin") + ":/usr/lib/distcc", buildTriple: "x86_64-pc-linux-gnu")
  #expect(quirky.resolveGenericName("cc") == nil)
}
