extension Collection<UInt8> {
  /// Calls `body` with the collection's bytes in one contiguous buffer: its own storage where it has one (an
  /// array or a slice of one), else a copy. The codecs take raw buffers; this is their one bridge from
  /// collections.
  @inline(__always)
  func withContiguousBytes<Value, Failure: Error>(
    _ body: (UnsafeRawBufferPointer) throws(Failure) -> Value
  ) throws(Failure) -> Value {
    let outcome = withContiguousStorageIfAvailable { buffer in
      Result { () throws(Failure) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let outcome { return try outcome.get() }
    return try Array(self).withUnsafeBytes { buffer in
      Result { () throws(Failure) in try body(buffer) }
    }.get()
  }
}
