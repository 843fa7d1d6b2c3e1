// swift-tools-version:6.1
// An example build tool that embeds swift-distcc: compiles every .c file of a directory concurrently, in one
// process, through ClientCore's async API, on remote daemons or on a Server it runs itself.
import PackageDescription

let package = Package(
  name: "EmbeddedBuild",
  dependencies: [.package(name: "swift-distcc", path: "../..")],
  targets: [
    .executableTarget(
      name: "embedded-build",
      // Named: a path dependency's identity is otherwise its directory's name, which differs between clones.
      dependencies: [
        .product(name: "ClientCore", package: "swift-distcc"),
        .product(name: "ServerCore", package: "swift-distcc"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)])
  ]
)
