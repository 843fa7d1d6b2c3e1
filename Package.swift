// swift-tools-version:6.1
// swift-distcc: distcc, the distributed C/C++/Objective-C compiler, as a layered Swift package.
// Module map and import rules: Docs/architecture.md.
import PackageDescription

let strict: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "swift-distcc",
  products: [
    .library(name: "DistProtocol", targets: ["DistProtocol"]),
    .library(name: "HostSpec", targets: ["HostSpec"]),
    .library(name: "ClientCore", targets: ["ClientCore"]),
    .library(name: "ClientCoreLogging", targets: ["ClientCoreLogging"]),
    .library(name: "ServerCore", targets: ["ServerCore"]),
    .library(name: "IncludeServer", targets: ["IncludeServer"]),
    .executable(name: "distcc", targets: ["distcc"]),
    .executable(name: "distccd", targets: ["distccd"]),
    .executable(name: "distccmon-text", targets: ["distccmon-text"]),
    .executable(name: "distcc-include-server", targets: ["distcc-include-server"]),
    .executable(name: "distcc-pump", targets: ["distcc-pump"]),
    .executable(name: "distccmon-web", targets: ["distccmon-web"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // The async API's caller-supplied `Logger` (ClientCoreLogging only).
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
  ],
  targets: [
    // C libraries, through pkg-config.
    .systemLibrary(
      name: "CLZO", pkgConfig: "lzo2",
      providers: [.apt(["liblzo2-dev"])]),
    // Header types only: DistProtocol loads libzstd.so.1 with dlopen on first use (LibZstd.swift), so no
    // pkg-config (it would add -lzstd to every client link).
    .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
    // Header types only: SSHTransport loads libssh2.so.1 with dlopen on first use (LibSSH2.swift), so no
    // pkg-config (it would add -lssh2 to every client link).
    .systemLibrary(name: "CLibSSH2", providers: [.apt(["libssh2-1-dev"])]),
    // Header types only, likewise: Zeroconf loads libavahi-client.so.3 with dlopen for --zeroconf/+zeroconf.
    .systemLibrary(name: "CAvahi", providers: [.apt(["libavahi-client-dev"])]),

    // Standalone layers: no dependency above them.
    .target(
      name: "HostSpec", dependencies: [.product(name: "SystemPackage", package: "swift-system")],
      swiftSettings: strict),
    .target(name: "DistProtocol", dependencies: ["CLZO", "CZstd"], swiftSettings: strict),

    // Shared helpers below the two cores.
    .target(name: "CDistPosix"),
    .target(
      name: "DistPosix",
      dependencies: ["CDistPosix", .product(name: "SystemPackage", package: "swift-system")],
      swiftSettings: strict),
    .target(name: "CompilerArgs", swiftSettings: strict),
    // JSON text without Foundation, for the monitor's API and the daemon's /stats.json.
    .target(name: "JSONFormat", swiftSettings: strict),
    .target(name: "CompilerPolicy", dependencies: ["CompilerArgs"], swiftSettings: strict),
    .target(
      name: "DistState",
      dependencies: ["DistPosix", .product(name: "SystemPackage", package: "swift-system")],
      swiftSettings: strict),
    .target(
      name: "SSHTransport",
      dependencies: [
        "CLibSSH2", "DistPosix", .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    // What a compiler is (family, version, target, fingerprint), cached per compiler; both cores use it.
    .target(
      name: "CompilerIdentity",
      dependencies: [
        "DistPosix", "CompilerArgs", .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    // DNS-SD through Avahi: distccd --zeroconf's registration, +zeroconf's browsing helper and cache.
    .target(
      name: "Zeroconf",
      dependencies: [
        "CAvahi", "DistPosix", .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    .target(
      name: "DistMonitor",
      dependencies: [
        "DistState", "HostSpec", "DistPosix", "JSONFormat", "CompilerIdentity",
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),

    // The pump-mode include server: C/C++ directive scanning, include closures, the mirror.
    .target(
      name: "IncludeServer",
      dependencies: [
        "DistProtocol", "DistPosix", .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),

    // The two cores; they never import each other.
    .target(
      name: "ClientCore",
      dependencies: [
        "HostSpec", "DistProtocol", "DistPosix", "CompilerArgs", "DistState", "SSHTransport",
        "Zeroconf", "CompilerIdentity", .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    // The async API with a swift-log `Logger`: a module of its own, so that `distcc` does not link swift-log
    // (its conformances cost ~1% of `distcc --version`'s instructions).
    .target(
      name: "ClientCoreLogging",
      dependencies: ["ClientCore", .product(name: "Logging", package: "swift-log")],
      swiftSettings: strict),
    .target(
      name: "ServerCore",
      dependencies: [
        "DistProtocol", "DistPosix", "CompilerArgs", "CompilerPolicy", "CompilerIdentity",
        "JSONFormat",
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),

    // Thin executables.
    // A position-dependent client: the static Swift runtime's ~26,000 relative relocations are not applied
    // (and their pages not copied) at every start, which is once per compile. And no dynamic symbol table
    // of its own (swiftc links executables with -export-dynamic): nothing loads against the client, and the
    // runtime's start-up `dladdr` scans every exported symbol (~3,800, ~120k instructions per start).
    .executableTarget(
      name: "distcc", dependencies: ["ClientCore", "DistPosix", "DistProtocol"],
      swiftSettings: strict,
      linkerSettings: [
        .unsafeFlags(["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"])
      ]),
    // distccd's command line and the process around the server (detach, pid file, privileges, signals).
    .target(
      name: "DaemonCommand",
      dependencies: [
        "ServerCore", "DistPosix", "DistProtocol", "Zeroconf", "CompilerIdentity",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "distccd", dependencies: ["DaemonCommand", "DistPosix", "DistProtocol"],
      swiftSettings: strict),

    .executableTarget(
      name: "distcc-include-server", dependencies: ["IncludeServer", "DistPosix"],
      swiftSettings: strict),
    .executableTarget(
      name: "distcc-pump", dependencies: ["DistPosix"], swiftSettings: strict),
    .executableTarget(
      name: "distccmon-text", dependencies: ["DistMonitor", "DistState", "DistPosix", "DistProtocol"],
      swiftSettings: strict),
    .executableTarget(
      name: "distccmon-web",
      dependencies: ["DistMonitor", "DistState", "DistPosix", "DistProtocol"],
      swiftSettings: strict),

    // Shared by the test targets only: temporary directories, free ports, real daemons started and
    // stopped by pid.
    .target(
      name: "DistTestSupport",
      dependencies: ["DistPosix", .product(name: "SystemPackage", package: "swift-system")],
      path: "Tests/DistTestSupport", swiftSettings: strict),

    // Tests.
    .testTarget(
      name: "HostSpecTests", dependencies: ["HostSpec", "DistTestSupport"], swiftSettings: strict),
    .testTarget(
      name: "DistProtocolTests", dependencies: ["DistProtocol", "DistPosix", "DistTestSupport"],
      resources: [.copy("Fixtures")], swiftSettings: strict),
    .testTarget(
      name: "DistPosixTests", dependencies: ["DistPosix", "DistTestSupport"], swiftSettings: strict),
    .testTarget(
      name: "CompilerPolicyTests", dependencies: ["CompilerPolicy", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "CompilerArgsTests", dependencies: ["CompilerArgs"], swiftSettings: strict),
    .testTarget(
      name: "ClientCoreTests", dependencies: ["ClientCore", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "EmbeddingTests",
      dependencies: [
        "ClientCore", "ClientCoreLogging", "ServerCore", "DistPosix", "DistProtocol", "DistTestSupport",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    .testTarget(
      name: "ServerCoreTests",
      dependencies: ["ServerCore", "DistProtocol", "DistPosix", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "DistStateTests", dependencies: ["DistState", "DistTestSupport"], swiftSettings: strict),
    .testTarget(
      name: "DistMonitorTests", dependencies: ["DistMonitor", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "CompilerIdentityTests", dependencies: ["CompilerIdentity", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "SSHTransportTests", dependencies: ["SSHTransport", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "IncludeServerTests", dependencies: ["IncludeServer", "DistTestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "IntegrationTests",
      dependencies: [
        "DistProtocol", "DistPosix", "DistTestSupport",
        "distcc", "distccd", "distccmon-text", "distccmon-web", "CompilerPolicy",
        "distcc-pump", "distcc-include-server",
      ],
      swiftSettings: strict),
  ]
)
