import SystemPackage

/// The process's standard descriptors, by name.
enum StandardStreams {
  static let input = FileDescriptor(rawValue: 0)
  static let output = FileDescriptor(rawValue: 1)
  static let error = FileDescriptor(rawValue: 2)
}
