import Foundation
import XCTest
@testable import AutopilotKit

/// The ledger's check that an implemented resource change is live: requests and, where the change sets
/// one, limits; raises (under-provisioned-*) as well as cuts; unsafe when usage since says still too tight.
final class VerificationTests: XCTestCase {
    let key = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "checkout")

    /// A stored finding as the ledger keeps it: the row's columns and the finding as detected (the baseline).
    func check(_ detector: String, current: String, recommended: String, cost: (current: Double, recommended: Double),
               live: Observed.Container, usage: Observed.Usage? = nil, changedAt: Date? = nil) throws -> Verification {
        let baseline = try JSON.parse("""
            {"detector":"\(detector)","current":\(current),"recommended":\(recommended),
             "monthlyCost":{"current":\(cost.current),"recommended":\(cost.recommended)}}
            """)
        let savings = Int64(((cost.current - cost.recommended) * 100).rounded())
        let row = SQLRow(values: ["detector": .text(detector), "target_kind": .text(key.kind), "target_name": .text(key.name),
                                  "namespace": .text(key.namespace), "container": .text("app"), "baseline_savings_cents": .int(savings)])
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.workload(key, containers: [live]))
        if let usage { cluster.add(usage) }
        return Verification.check(LedgerStore.StoredFinding(id: "f1", cluster: "test", status: .implemented, row: row),
                                  baseline: baseline, cluster: cluster, changedAt: changedAt)
    }

    func testACPURaiseIsVerifiedOnlyWhenRequestAndLimitAreBothLive() throws {
        let current = #"{"cpu":0.25,"cpuLimit":0.5,"replicas":3}"#
        let recommended = #"{"cpu":0.4,"cpuLimit":0.75,"replicas":3}"#
        let cost = (current: 30.0, recommended: 48.0)
        let calm = Fixtures.usage(key, cpu: ["p95": 0.3, "p99": 0.35])

        let requestOnly = try check("under-provisioned-cpu", current: current, recommended: recommended, cost: cost,
                                    live: Fixtures.container(cpu: 0.4, cpuLimit: 0.5), usage: calm)
        XCTAssertEqual(requestOnly.state, .notLive)
        XCTAssertEqual(requestOnly.reason, "cpu limit is 500m, the change sets 750m")

        let live = try check("under-provisioned-cpu", current: current, recommended: recommended, cost: cost,
                             live: Fixtures.container(cpu: 0.4, cpuLimit: 0.75), usage: calm)
        XCTAssertEqual(live.state, .verified)
        XCTAssertEqual(live.reason, "cpu request is 400m (was 250m), limit 750m (was 500m)")
        XCTAssertEqual(live.realized, Money(dollars: -18), "a raise costs: 30 × (1 − 400m ÷ 250m)")
    }

    func testACPURaiseStillThrottledIsUnsafe() throws {
        var throttled = Fixtures.usage(key, cpu: ["p95": 0.35, "p99": 0.7])
        throttled.throttledRatio = 0.4
        // Merged eight days ago: the week-long window is all after the change.
        let result = try check("under-provisioned-cpu", current: #"{"cpu":0.4,"cpuLimit":0.5}"#, recommended: #"{"cpu":0.4,"cpuLimit":0.75}"#,
                               cost: (40, 40), live: Fixtures.container(cpu: 0.4, cpuLimit: 0.75), usage: throttled,
                               changedAt: Fixtures.now.addingTimeInterval(-8 * 86_400))
        XCTAssertEqual(result.state, .unsafe)
        XCTAssertEqual(result.reason, "still throttled in 40% of CFS periods at the 750m limit")
        XCTAssertEqual(result.realized, .zero, "a limit-only raise changes no request, so no cost")
    }

    func testARaiseIsNotJudgedOnUsageFromBeforeIt() throws {
        // Merged two days ago: the window's OOM kills may be the ones that called for the raise.
        let mib = Fixtures.mib
        let result = try check("under-provisioned-memory", current: "{\"memory\":\(512 * mib),\"memoryLimit\":\(768 * mib)}",
                               recommended: "{\"memory\":\(512 * mib),\"memoryLimit\":\(1024 * mib)}", cost: (20, 20),
                               live: Fixtures.container(memory: 512 * mib, memoryLimit: 1024 * mib),
                               usage: Fixtures.usage(key, memory: ["max": Double(700 * mib)], oomKills: 3),
                               changedAt: Fixtures.now.addingTimeInterval(-2 * 86_400))
        XCTAssertEqual(result.state, .unknown, "neither safe nor unsafe yet: \(result.reason)")
        XCTAssertEqual(result.reason, "live; the usage window starts before the change (2026-11-18T12:00:00Z): the next run judges it on usage since")
    }

    func testARequestSetWhereThereWasNoneRealizesWhatDetectionPriced() throws {
        let result = try check("under-provisioned-cpu", current: #"{"cpu":0,"cpuLimit":null}"#, recommended: #"{"cpu":0.2,"cpuLimit":null}"#,
                               cost: (0, 12.5), live: Fixtures.container(cpu: 0.2), usage: Fixtures.usage(key, cpu: ["p95": 0.15]))
        XCTAssertEqual(result.state, .verified)
        XCTAssertEqual(result.realized, Money(dollars: -12.5))
        let notYet = try check("under-provisioned-cpu", current: #"{"cpu":0,"cpuLimit":null}"#, recommended: #"{"cpu":0.2,"cpuLimit":null}"#,
                               cost: (0, 12.5), live: Fixtures.container())
        XCTAssertEqual(notYet.state, .notLive)
        XCTAssertEqual(notYet.reason, "the container has no cpu request")
    }

    func testAMemoryLimitRaiseIsCheckedAndAnOOMKillSinceIsUnsafe() throws {
        let mib = Fixtures.mib
        let current = "{\"memory\":\(512 * mib),\"memoryLimit\":\(768 * mib)}"
        let recommended = "{\"memory\":\(512 * mib),\"memoryLimit\":\(1024 * mib)}"
        let old = try check("under-provisioned-memory", current: current, recommended: recommended, cost: (20, 20),
                            live: Fixtures.container(memory: 512 * mib, memoryLimit: 768 * mib))
        XCTAssertEqual(old.state, .notLive)
        XCTAssertEqual(old.reason, "memory limit is 768Mi, the change sets 1Gi")

        let killed = try check("under-provisioned-memory", current: current, recommended: recommended, cost: (20, 20),
                               live: Fixtures.container(memory: 512 * mib, memoryLimit: 1024 * mib),
                               usage: Fixtures.usage(key, memory: ["max": Double(400 * mib)], oomKills: 2))
        XCTAssertEqual(killed.state, .unsafe)
        XCTAssertEqual(killed.reason, "2 OOM kills in the window since the change")
    }

    func testAHeapCutIsVerifiedOnTheFlagTheClusterRunsAndTheHeapTheJVMReports() throws {
        // 8Gi → 2560Mi with -Xmx4g → -Xmx2048m; merged eight days ago, the week's window is all after it.
        let mib = Fixtures.mib
        let flag = { (value: String, heap: Int64) in #"{"env":"JAVA_OPTS","value":"\#(value)","initial":null,"heap":\#(heap)}"# }
        func verify(running: String?, heap: Int64, reported: (max: Int64, usedMax: Int64?)?, changedDaysAgo: Double = 8,
                    initial: RuntimeMemory.InitialHeap? = nil, oomKills: Int64 = 0) throws -> Verification {
            var live = Fixtures.container(memory: 2560 * mib)
            live.runtime = running.map {
                RuntimeMemory(runtime: .jvm, bytes: heap, setting: $0, source: "env JAVA_OPTS", initialHeap: initial, editable: true)
            }
            var usage = Fixtures.usage(key, memory: ["max": Double(1229 * mib)], oomKills: oomKills)
            usage.jvmHeap = reported
            return try check("over-requested-memory", current: "{\"memory\":\(8192 * mib),\"runtimeFlag\":\(flag("-Xmx4g", 4096 * mib))}",
                             recommended: "{\"memory\":\(2560 * mib),\"runtimeFlag\":\(flag("-Xmx2048m", 2048 * mib))}", cost: (80, 25),
                             live: live, usage: usage, changedAt: Fixtures.now.addingTimeInterval(-changedDaysAgo * 86_400))
        }
        let good = try verify(running: "-Xmx2048m", heap: 2048 * mib, reported: (2048 * mib, 1400 * mib))
        XCTAssertEqual(good.state, .verified, good.reason)
        XCTAssertEqual(good.reason, "memory request is 2.5Gi (was 8Gi), runtime flag -Xmx2048m")
        XCTAssertEqual(good.realized, Money(dollars: 55), "80 × (1 − 2560 ÷ 8192)")
        // The request went in, the flag did not: the heap no longer fits.
        let stale = try verify(running: "-Xmx4g", heap: 4096 * mib, reported: (4096 * mib, 1400 * mib))
        XCTAssertEqual(stale.state, .unsafe)
        XCTAssertTrue(stale.reason.hasPrefix("the request is live but the runtime's memory setting is -Xmx4g, not -Xmx2048m"), stale.reason)
        // A reviewer who set the heap lower still: fine.
        XCTAssertEqual(try verify(running: "-Xmx1536m", heap: 1536 * mib, reported: (1536 * mib, 1000 * mib)).state, .verified)
        // The flag is in the manifest but the JVM reports the old heap: the variable does not reach it.
        let unread = try verify(running: "-Xmx2048m", heap: 2048 * mib, reported: (4096 * mib, 1400 * mib))
        XCTAssertEqual(unread.state, .unsafe)
        XCTAssertTrue(unread.reason.hasPrefix("the JVM reports a heap max of 4Gi, above -Xmx2048m"), unread.reason)
        // An initial heap above the heap: the JVM does not start.
        let stuck = try verify(running: "-Xmx2048m", heap: 2048 * mib, reported: nil,
                               initial: .init(bytes: 4096 * mib, setting: "-Xms4g", source: "env JAVA_TOOL_OPTIONS"))
        XCTAssertEqual(stuck.state, .unsafe)
        XCTAssertEqual(stuck.reason, "the JVM's initial heap -Xms4g is above its heap -Xmx2048m: it does not start")
        // Changed two days ago: the window still holds the old heap's figures…
        let early = try verify(running: "-Xmx2048m", heap: 2048 * mib, reported: (4096 * mib, 1400 * mib), changedDaysAgo: 2)
        XCTAssertEqual(early.state, .unknown, early.reason)
        // …but an OOM kill in it is not waved through.
        let killed = try verify(running: "-Xmx2048m", heap: 2048 * mib, reported: (4096 * mib, 1400 * mib), changedDaysAgo: 2, oomKills: 1)
        XCTAssertEqual(killed.state, .unsafe)
        XCTAssertEqual(killed.reason, "1 OOM kills in the window since the change")
    }

    func testAGOMEMLIMITCutIsVerifiedOnTheSettingTheClusterRuns() throws {
        let mib = Fixtures.mib
        let flag = { (value: String, bytes: Int64) in #"{"runtime":"go","env":"GOMEMLIMIT","value":"\#(value)","initial":null,"heap":\#(bytes)}"# }
        func verify(running: Int64) throws -> Verification {
            var live = Fixtures.container(memory: 112 * mib)
            live.runtime = RuntimeMemory(runtime: .go, bytes: running, setting: "GOMEMLIMIT=\(running >> 20)MiB", source: "env GOMEMLIMIT", editable: true)
            return try check("over-requested-memory", current: "{\"memory\":\(200 * mib),\"runtimeFlag\":\(flag("152MiB", 152 * mib))}",
                             recommended: "{\"memory\":\(112 * mib),\"runtimeFlag\":\(flag("112MiB", 112 * mib))}", cost: (4, 2.24),
                             live: live, usage: Fixtures.usage(key, memory: ["max": Double(60 * mib)]),
                             changedAt: Fixtures.now.addingTimeInterval(-8 * 86_400))
        }
        XCTAssertEqual(try verify(running: 112 * mib).state, .verified)
        let stale = try verify(running: 152 * mib)
        XCTAssertEqual(stale.state, .unsafe)
        XCTAssertTrue(stale.reason.hasPrefix("the request is live but the runtime's memory setting is GOMEMLIMIT=152MiB, not 112MiB"), stale.reason)
    }

    func testACutStillVerifiesOnTheRequestAlone() throws {
        let result = try check("over-requested-cpu", current: #"{"cpu":2,"cpuLimit":null}"#, recommended: #"{"cpu":0.5,"cpuLimit":null}"#,
                               cost: (80, 20), live: Fixtures.container(cpu: 0.5), usage: Fixtures.usage(key, cpu: ["p95": 0.3]))
        XCTAssertEqual(result.state, .verified)
        XCTAssertEqual(result.reason, "cpu request is 500m (was 2)")
        XCTAssertEqual(result.realized, Money(dollars: 60))
    }
}
