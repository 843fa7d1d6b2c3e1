extension Job {
  /// One of the first `limit` local slots, from the chooser, or 3.4's lock-file pool when the chooser keeps
  /// none; `nil` when no slot could be had (the job then runs without one, as in 3.4).
  func reserveLocalSlot(limit: Int, lockDirectory: String) -> HostReservation? {
    if let slot = try? compiler.chooser.reserveLocal(limit: limit) { return slot }
    return try? localChooser(lockDirectory).reserveLocal(limit: limit)
  }
}
