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

    func testACutStillVerifiesOnTheRequestAlone() throws {
        let result = try check("over-requested-cpu", current: #"{"cpu":2,"cpuLimit":null}"#, recommended: #"{"cpu":0.5,"cpuLimit":null}"#,
                               cost: (80, 20), live: Fixtures.container(cpu: 0.5), usage: Fixtures.usage(key, cpu: ["p95": 0.3]))
        XCTAssertEqual(result.state, .verified)
        XCTAssertEqual(result.reason, "cpu request is 500m (was 2)")
        XCTAssertEqual(result.realized, Money(dollars: 60))
    }
}
