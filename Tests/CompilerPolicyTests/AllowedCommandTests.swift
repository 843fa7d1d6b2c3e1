import CompilerPolicy
import Testing

/// Command lines real builds send. Every one must pass unchanged, with and without
/// `--enable-tcp-insecure`.
@Suite struct AllowedCommandTests {
  static let realCommands: [String] = [
    // What Debian's distcc 3.4 client sends for the interop cases (client.md §4.5, protocols 1 and 2:
    // the client strips preprocessor options and appends -o).
    "x86_64-linux-gnu-gcc -c hello.c -o hello.o",
    "x86_64-linux-gnu-gcc -c hello.c -oout2.o",
    "x86_64-linux-gnu-gcc -S hello.c -o hello.s",
    "x86_64-linux-gnu-g++ -c x.cpp -o x.o",
    "x86_64-linux-gnu-gcc -c -x c hello.c -o hello.o",
    "x86_64-linux-gnu-gcc -c hello.i -o hello.o",
    "x86_64-linux-gnu-g++ -c hello.ii -o hello.o",
    "gcc -O2 -g -Wall -c hello.c -o hello.o",
    "gcc -c hello.c -flto=auto -o hello.o",
    "gcc -c hello.c -MD -o hello.o",
    "gcc -c hello.c -MMD -MF d.d -o hello.o",
    "gcc -c hello.c -MD -MT t -MQ t2 -o hello.o",
    "gcc -c hello.c -MFdep2.d -o hello.o",
    "gcc -c hello.c -Wp,-MMD,dep4.d,-DFOO -o hello.o",
    "gcc -c hello.c -Wa,--noexecstack -o hello.o",
    "gcc -c hello.c -include config.h -o hello.o",
    "gcc -c hello.c -fPIC -o hello.o",
    "gcc -c hello.c -Wl,-O1 -lm -L/usr/lib -o hello.o",
    // Protocol 3 (pump): the unstripped command with the appended -MT (protocol.md §7).
    "x86_64-linux-gnu-gcc -c p.c -o p.o -MD -MT p.o",
    "gcc -c /home/u/proj/src/p.c -o out/p.o -I/home/u/proj/inc -isystem /opt/sys -MD -MF deps/p.d -MT custom-target",
    // Examples/calc, as its Makefile compiles each file.
    "gcc -O2 -Wall -Wextra -ffile-prefix-map=/home/u/calc=. -MD -MF build/lexer.d -c src/lexer.c -o build/lexer.o",
    // CMake (Makefile and Ninja generators).
    "/usr/bin/cc -DNDEBUG -I/src/include -O3 -std=gnu11 -fPIE -MD -MT CMakeFiles/app.dir/main.c.o -MF CMakeFiles/app.dir/main.c.o.d -o CMakeFiles/app.dir/main.c.o -c /src/main.c",
    "/usr/bin/c++ -DFOO=1 -isystem /usr/include/boost -O2 -g -DNDEBUG -std=gnu++17 -fvisibility=hidden -fvisibility-inlines-hidden -Winvalid-pch -include cmake_pch.hxx -MD -MT a.o -MF a.o.d -o a.o -c a.cpp",
    // Autotools.
    "gcc -DHAVE_CONFIG_H -I. -I.. -Wdate-time -D_FORTIFY_SOURCE=2 -g -O2 -ffile-prefix-map=/build=. -fstack-protector-strong -Wformat -Werror=format-security -MT lib.lo -MD -MP -MF .deps/lib.Tpo -c lib.c -fPIC -DPIC -o .libs/lib.o",
    // Meson.
    "cc -Isrc/libfoo.a.p -Isrc -I../src -fdiagnostics-color=always -D_FILE_OFFSET_BITS=64 -Wall -Winvalid-pch -std=c99 -O2 -g -fPIC -pthread -MD -MQ src/libfoo.a.p/foo.c.o -MF src/libfoo.a.p/foo.c.o.d -o src/libfoo.a.p/foo.c.o -c ../src/foo.c",
    // Linux kernel (Kbuild).
    "gcc -Wp,-MMD,kernel/.fork.o.d -nostdinc -I./arch/x86/include -I./include -include ./include/linux/compiler-version.h -D__KERNEL__ -fmacro-prefix-map=./= -std=gnu11 -fshort-wchar -funsigned-char -fno-common -fno-PIE -fno-strict-aliasing -mno-sse -mno-mmx -mno-sse2 -m64 -falign-jumps=1 -mno-red-zone -mcmodel=kernel -mindirect-branch=thunk-extern -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -O2 --param=allow-store-data-races=0 -fstack-protector-strong -fno-omit-frame-pointer -fno-stack-clash-protection -pg -mrecord-mcount -fno-strict-overflow -fconserve-stack -Wall -Wno-main -Wframe-larger-than=2048 -DKBUILD_MODNAME=fork -c -o kernel/fork.o kernel/fork.c",
    // Linux kernel (Kbuild) with CC=clang.
    "clang -Wp,-MMD,scripts/mod/.empty.o.d -nostdinc -I./include -D__KERNEL__ -Qunused-arguments -ftrivial-auto-var-init=zero -enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang -fmacro-prefix-map=./= -Wall -O2 -c -o scripts/mod/empty.o scripts/mod/empty.c",
    // Chromium/LLVM-style clang.
    "clang++ -MD -MF obj/a.o.d -DNDEBUG -I../.. -fno-strict-aliasing -fcolor-diagnostics -fmerge-all-constants -Xclang -fno-pch-timestamp -target x86_64-unknown-linux-gnu -mllvm -inline-threshold=0 --sysroot=../../build/linux/debian_bullseye_amd64-sysroot -std=c++20 -fno-exceptions -c ../../a.cc -o obj/a.o",
    "clang -c a.c -o a.o -fsanitize=address -fsanitize-ignorelist=ignore.txt -gdwarf-5 -gz",
    // Assembler and profile-use options that only read.
    "gcc -c a.c -Wa,-mrelax-relocations=no,--compress-debug-sections=zlib -Xassembler --64 -o a.o",
    "gcc -c a.c -fprofile-use -fprofile-correction -fprofile-sample-use=prof.afdo -o a.o",
    "gcc -c a.c -fuse-ld=lld -fopt-info-vec -fdiagnostics-format=json -o a.o",
    "gcc -c a.c -fdump-noaddr -dD -o a.o",
    "gcc -c a.c -x c++ -std=c++17 -A system=linux -U FOO -D BAR -I inc -o a.o",
  ]

  @Test(arguments: realCommands, [false, true])
  func realBuildCommandPasses(command: String, insecure: Bool) {
    #expect(check(command, insecure: insecure) == .allowed(argv(command)))
  }
}
