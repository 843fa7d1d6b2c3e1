/// The result of reading a state directory once: what 3.4's monitor would list, and what it skipped.
public struct StateScan: Sendable, Hashable {
  /// Accepted records, sorted by host (byte-wise) then slot, equal keys in directory order. Includes
  /// records in phase `done`, which `distccmon-text` does not print.
  public var records: [StateRecord]
  /// Files skipped with a warning, in directory order.
  public var warnings: [StateScanWarning]
  /// Stale files (unchanged for more than 60 seconds) that the scan deleted.
  public var removedStaleFiles: [String]
  /// Records whose client process no longer exists; skipped, their files left for the staleness rule.
  public var orphans: [StateRecord]
  /// Everything the scan did, in order: 3.4's trace lines and warnings.
  public var events: [StateScanEvent] = []
  /// Files skipped silently because they were empty or short: a client was rewriting them, so their
  /// clients still run.
  public var incompleteFiles: [String]

  /// An empty scan.
  public init(
    records: [StateRecord] = [], warnings: [StateScanWarning] = [],
    removedStaleFiles: [String] = [], orphans: [StateRecord] = [], incompleteFiles: [String] = []
  ) {
    self.records = records
    self.warnings = warnings
    self.removedStaleFiles = removedStaleFiles
    self.orphans = orphans
    self.incompleteFiles = incompleteFiles
  }

  /// Records a warning in `warnings` and `events`.
  mutating func warn(_ warning: StateScanWarning) {
    warnings.append(warning)
    events.append(.warning(warning))
  }

  /// Inserts `record` after every record that sorts before or equal to it (`dcc_mon_insert_sorted`).
  mutating func insertSorted(_ record: StateRecord) {
    let index =
      records.firstIndex { existing in
        let order = compareBytes(existing.host, record.host)
        return order > 0 || (order == 0 && existing.slot > record.slot)
      } ?? records.endIndex
    records.insert(record, at: index)
  }
}

/// `strcmp` on NUL-free byte strings.
private func compareBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
  for (left, right) in zip(lhs, rhs) where left != right {
    return left < right ? -1 : 1
  }
  return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
}
