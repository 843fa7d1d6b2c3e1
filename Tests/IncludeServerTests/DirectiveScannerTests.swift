import Testing

@testable import IncludeServer

struct DirectiveScannerTests {
  func scan(_ text: String) -> SourceDirectives { SourceDirectives(scanning: Array(text.utf8)) }

  @Test func includesOfEveryFormAndNoneInCommentsOrStrings() {
    let directives = scan(
      """
      #include "a.h"
        #  include <b/c.h>
      %:include "digraph.h"
      #include_next <next.h>
      #import "objc.h"
      /* #include "commented.h"
      #include "still-commented.h" */
      // #include "line-comment.h"
      const char *s = "#include \\"in-string.h\\"";
      #inc\\
      lude "spliced.h"
      #include "sub\\dir.h" // a backslash in a name is a name
      #include "foo1,2.h"
      #include HEADER
      #if defined(X) && __has_include(<maybe.h>) || __has_include_next("other.h")
      #endif

      """)
    let forms = directives.includes.map(\.form)
    #expect(
      forms == [
        .quoted("a.h"), .angled("b/c.h"), .quoted("digraph.h"), .angled("next.h"),
        .quoted("objc.h"),
        .quoted("spliced.h"), .quoted("sub\\dir.h"), .quoted("foo1,2.h"),
        .computed([PreprocessorToken(text: "HEADER", kind: .identifier, spaceBefore: false)]),
        .angled("maybe.h"), .quoted("other.h"),
      ])
    #expect(
      directives.includes.map(\.isNext) == [false, false, false, true]
        + Array(repeating: false, count: 6) + [true])
    #expect(directives.hasComputedInclude)
  }

  @Test func definitionsObjectAndFunctionLike() {
    let directives = scan("#define A 1\n#define F(x, ...) x __VA_ARGS__\n#define G (y)\n#undef A\n")
    #expect(directives.definitions.map(\.name) == ["A", "F", "G"])
    #expect(directives.definitions[1].parameters == ["x", "__VA_ARGS__"])
    #expect(directives.definitions[1].isVariadic)
    #expect(directives.definitions[2].parameters == nil)
    #expect(directives.definitions[2].body.map(\.text) == ["(", "y", ")"])
  }
}

struct MacroExpanderTests {
  func expand(_ source: String, _ operand: String, defines: [String] = []) -> [SourceDirectives
    .Include.Form]?
  {
    var table: [String: [MacroDefinition]] = [:]
    for definition in SourceDirectives(scanning: Array(source.utf8)).definitions {
      table[definition.name, default: []].append(definition)
    }
    for text in defines {
      if let definition = MacroDefinition(commandLine: text) {
        table[definition.name, default: []].append(definition)
      }
    }
    var expander = MacroExpander(definitions: table)
    return expander.expand(PreprocessorToken.tokenize(Array(operand.utf8)[...]))?.compactMap {
      SourceDirectives.form(of: $0)
    }
  }

  @Test func distccComputedIncludeCases() {
    let stringize = "#define STRINGIZE(x) STRINGIZE2(x)\n#define STRINGIZE2(x) #x\n"
    #expect(
      expand(
        stringize
          + "#define MAKE_HEADER(name) STRINGIZE(name.h)\n#define HEADER MAKE_HEADER(testhdr)\n",
        "HEADER")
        == [.quoted("testhdr.h")])
    #expect(
      expand(
        stringize + "#define MAKE_HEADER(name) STRINGIZE(subdir\\name.h)\n", "MAKE_HEADER(testhdr)")
        == [.quoted("subdir\\testhdr.h")])
    // Both definitions of HEADER count (an #if chose one; the scanner does not know which).
    let both = expand(
      stringize
        + "#define HEADER MAKE_HEADER(testhdr)\n#define MAKE_HEADER(name) STRINGIZE(foobar\\\\)\n#define HEADER \"testhdr.h\"\n",
      "HEADER")
    #expect(
      Set((both ?? []).map { "\($0)" })
        == Set(
          [SourceDirectives.Include.Form.quoted("foobar\\\\"), .quoted("testhdr.h")].map { "\($0)" }
        ))
  }

  @Test func angledPastingVariadicAndCommandLine() {
    #expect(expand("#define SYS(n) <n.h>\n", "SYS(stdio)") == [.angled("stdio.h")])
    #expect(
      expand("#define CAT(a, b) a ## b\n#define Q(x) #x\n#define QQ(x) Q(x)\n", "QQ(CAT(ab, cd).h)")
        == [.quoted("abcd.h")])
    #expect(expand("#define FIRST(x, ...) #__VA_ARGS__\n", "FIRST(a, b.h)") == [.quoted("b.h")])
    #expect(expand("", "CONFIG", defines: ["CONFIG=\"conf.h\""]) == [.quoted("conf.h")])
    // Self-reference stops (hide sets) instead of looping.
    #expect(
      expand("#define LOOP LOOP\n", "LOOP") == [
        .computed([
          PreprocessorToken(text: "LOOP", kind: .identifier, spaceBefore: false, hideSet: ["LOOP"])
        ])
      ])
  }
}
