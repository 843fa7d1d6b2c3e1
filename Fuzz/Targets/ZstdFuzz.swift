// libFuzzer target: zstd bodies (`Zstd`), compiled together with DistProtocol's sources by Fuzz/run.sh.
//
// The first input byte picks what is fuzzed:
//   even: Zstd.decompress of the rest with a 1 MiB cap and a counting budget: never more output than the cap,
//         never more reserved than the cap allows (plus at most one growth step), never a crash;
//   odd:  Zstd.compress then decompress must give the rest back.

final class CountingBudget: ByteBudget, @unchecked Sendable {  // one fuzz thread
  var taken = 0
  func reserve(_ count: Int) -> Bool {
    taken += count
    return true
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  let cap = 1 << 20
  if data[0] % 2 == 0 {
    let budget = CountingBudget()
    do {
      let output = try Zstd.decompress(body, limit: cap, budget: budget)
      if output.count > cap { fatalError("zstd output \(output.count) past the cap") }
    } catch {
      _ = error.description
    }
    if budget.taken > cap {
      fatalError("zstd reserved \(budget.taken) bytes for a \(cap)-byte cap")
    }
  } else {
    let compressed = Zstd.compress(body)
    guard (try? Zstd.decompress(compressed, limit: body.count)) == body else {
      fatalError("zstd round trip changed \(body.count) bytes")
    }
  }
  return 0
}
