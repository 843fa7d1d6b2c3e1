import Glibc
import Testing

@testable import ServerCore

@Suite struct MemoryBudgetTests {
  @Test func leasesShareOneLimitAndGiveBackOnEnd() {
    let budget = MemoryBudget(limit: 100)
    let a = budget.lease()
    let b = budget.lease()
    #expect(a.reserve(60))
    #expect(!b.reserve(41))
    #expect(b.used == 0 && budget.used == 60)
    #expect(b.reserve(40))
    #expect(budget.used == 100)
    #expect(!a.reserve(1))
    a.end()
    #expect(budget.used == 40 && a.used == 0)
    #expect(b.reserve(60))
    b.end()
    b.end()  // idempotent
    #expect(budget.used == 0)
  }

  @Test func droppedLeaseReturnsItsBytes() {
    let budget = MemoryBudget(limit: 10)
    do {
      let lease = budget.lease()
      #expect(lease.reserve(10))
      #expect(budget.used == 10)
    }
    #expect(budget.used == 0)
  }

  @Test func concurrentReservationsNeverExceedTheLimit() async {
    let budget = MemoryBudget(limit: 1000)
    let granted = await withTaskGroup(of: Int.self) { group in
      for _ in 0..<8 {
        group.addTask {
          let lease = budget.lease()
          var count = 0
          for _ in 0..<500 where lease.reserve(7) {
            count += 7
            #expect(budget.used <= 1000)
          }
          let held = lease.used
          #expect(held == count)
          lease.end()
          return count
        }
      }
      return await group.reduce(0, +)
    }
    #expect(granted >= 994)  // everything fitted was handed out at some point
    #expect(budget.used == 0)
  }

  @Test func defaultIsAQuarterOfMemoryAtMostTwoGiB() {
    let memory = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
    #expect(ServerConfiguration.defaultMaxRequestMemory == min(memory / 4, 2 << 30))
  }

  @Test func configurationLimitsCarryTheBodyCapAndBudget() {
    var configuration = ServerConfiguration()
    #expect(configuration.maxBodySize == 256 << 20)
    configuration.maxBodySize = 1 << 20
    let lease = MemoryBudget(limit: 5).lease()
    let limits = configuration.decodingLimits(budget: lease)
    #expect(limits.maxDecompressedLength == 1 << 20 && limits.maxBodyLength == 1 << 20)
    #expect(limits.budget === lease)
  }
}
