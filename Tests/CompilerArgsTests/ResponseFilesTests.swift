import CompilerArgs
import Testing

@Test(arguments: [
  ("-c hello.c -o at.o", ["-c", "hello.c", "-o", "at.o"]),
  ("  -DX='a b'\n\t\"-DY=c d\"  ", ["-DX=a b", "-DY=c d"]),
  ("a\\ b c\\\\d 'it\\'s'", ["a b", "c\\d", "it's"]),
  ("''", [""]),
  ("", []),
])
func responseFileWordsFollowLibiberty(_ text: String, _ words: [String]) {
  #expect(
    ResponseFiles.words(in: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) } == words)
}

@Test func responseFilesExpandInPlaceAndNest() {
  let files: [String: String] = ["args.rsp": "-c hello.c @more.rsp", "more.rsp": "-o at.o"]
  let expanded = ResponseFiles.expand(["gcc", "@args.rsp", "-g", "@missing"]) {
    files[$0].map { Array($0.utf8) }
  }
  #expect(expanded == ["gcc", "-c", "hello.c", "-o", "at.o", "-g", "@missing"])
}

@Test func selfReferencingResponseFileStops() {
  let expanded = ResponseFiles.expand(["gcc", "@loop"], maximumExpansions: 5) { _ in
    Array("@loop".utf8)
  }
  #expect(expanded == ["gcc", "@loop"])
}

@Test func programNameIsNeverExpanded() {
  #expect(ResponseFiles.expand(["@prog", "x"]) { _ in [] } == ["@prog", "x"])
}
