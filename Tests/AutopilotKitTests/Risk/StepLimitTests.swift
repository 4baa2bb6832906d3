import Foundation
import XCTest
@testable import AutopilotKit

/// The policy's largest reduction per change: a larger cut becomes its first step, with the step's
/// cost, savings and summary, and the final target kept in `risk.step`.
final class StepLimitTests: XCTestCase {
    private let web = RiskFixtures.web
    private let mib = Fixtures.mib
    private let gib = Fixtures.gib

    /// apps/web with its HPA, so autoscaling findings find their workload.
    private func cluster() -> ObservedCluster {
        var cluster = RiskFixtures.cluster(pods: 3)
        cluster.add(Observed.HPA(namespace: "apps", name: "web", target: web, minReplicas: 8, maxReplicas: 20, currentReplicas: 8,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 12))
        return cluster
    }

    private func cost(_ record: JSON, file: StaticString = #filePath, line: UInt = #line) throws -> (current: Money, recommended: Money, savings: Money) {
        let current = try XCTUnwrap(record["monthlyCost", "current"]?.double, file: file, line: line)
        let recommended = try XCTUnwrap(record["monthlyCost", "recommended"]?.double, file: file, line: line)
        let savings = try XCTUnwrap(record["monthlySavings"]?.double, file: file, line: line)
        return (Money(dollars: current), Money(dollars: recommended), Money(dollars: savings))
    }

    // MARK: First steps

    func testCPUCutIsLimitedToItsFirstStep() throws {
        let finding = RiskFixtures.cpuFinding(from: 4, to: 0.3, p99: 0.25, cost: (Money(dollars: 100), Money(dollars: 10.01)))
        let (record, risk) = try RiskFixtures.assess(finding, in: cluster())
        XCTAssertEqual(record["recommended", "cpu"]?.double, 2)
        XCTAssertEqual(record["current", "cpu"]?.double, 4)
        XCTAssertEqual(record["recommended", "replicas"]?.int, 2)
        XCTAssertEqual(record["summary"]?.string, "Lower the CPU request of deployment apps/web container app from 4 to 300m "
            + "(p95 × 1.15 over 7d); first step 2 (at most 50% per change) saves $48.64/month.")

        // The step saves its share of the whole: $89.99 × (4 − 2) ÷ (4 − 0.3), to the cent.
        let money = try cost(record)
        XCTAssertEqual(money.savings, Money(dollars: 89.99 * (4 - 2) / (4 - 0.3)))
        XCTAssertEqual(money.savings, Money(cents: 4864))
        XCTAssertEqual(money.current, Money(cents: 10000), "the current cost stays")
        XCTAssertEqual(money.recommended, Money(cents: 5136))
        XCTAssertEqual(money.recommended, money.current - money.savings)

        let step: JSONValue = ["field": "cpu", "from": .double(4), "to": .double(2), "target": .double(0.3), "maxReduction": .double(0.5)]
        XCTAssertEqual(risk.step, step)
        XCTAssertEqual(record["risk", "step", "field"]?.string, "cpu")
        XCTAssertEqual(record["risk", "step", "from"]?.double, 4)
        XCTAssertEqual(record["risk", "step", "to"]?.double, 2)
        XCTAssertEqual(record["risk", "step", "target"]?.double, 0.3)
        XCTAssertEqual(record["risk", "step", "maxReduction"]?.double, 0.5)
    }

    func testMemoryCutIsLimitedToItsFirstStep() throws {
        let finding = RiskFixtures.memoryFinding(from: 4 * gib, to: 500 * mib, peak: Double(400 * mib),
                                                 cost: (Money(dollars: 41.37), Money(dollars: 5.05)))
        let (record, risk) = try RiskFixtures.assess(finding, in: cluster())
        XCTAssertEqual(record["recommended", "memory"]?.int, 2 * gib)
        XCTAssertEqual(record["summary"]?.string, "Lower the memory request of deployment apps/web container app from 4Gi to 500Mi "
            + "(max × 1.15 over 7d); first step 2Gi (at most 50% per change) saves $20.69/month.")
        // $36.32 × 2048Mi ÷ 3596Mi = $20.685.
        let money = try cost(record)
        XCTAssertEqual(money.savings, Money(cents: 2069))
        XCTAssertEqual(money.recommended, Money(cents: 2068))
        XCTAssertEqual(money.recommended, money.current - money.savings)
        XCTAssertEqual(risk.step, ["field": "memory", "from": .int(4 * gib), "to": .int(2 * gib), "target": .int(500 * mib),
                                   "maxReduction": .double(0.5)])
    }

    func testHPAMinimumCutIsLimitedToItsFirstStep() throws {
        let finding = RiskFixtures.hpaFinding(from: 8, to: 2, cost: (Money(dollars: 61.5), Money(dollars: 15.4)))
        let (record, risk) = try RiskFixtures.assess(finding, in: cluster())
        XCTAssertEqual(record["recommended", "minReplicas"]?.int, 4)
        XCTAssertEqual(record["recommended", "replicas"]?.int, 4)
        XCTAssertEqual(record["recommended", "maxReplicas"]?.int, 20)
        XCTAssertEqual(record["summary"]?.string, "Fix HPA apps/web: replicas sit at minReplicas 8 with CPU at 12% of requests against a 75% "
            + "target; lower minReplicas from 8 to 2; first step 4 (at most 50% per change) saves $30.73/month.")
        // $46.10 × (8 − 4) ÷ (8 − 2).
        let money = try cost(record)
        XCTAssertEqual(money.savings, Money(cents: 3073))
        XCTAssertEqual(money.recommended, Money(cents: 3077))
        XCTAssertEqual(risk.step, ["field": "minReplicas", "from": .int(8), "to": .int(4), "target": .int(2), "maxReduction": .double(0.5)])
        XCTAssertNotEqual(risk.gate, .block, "the first step stays above the policy's minReplicas")
    }

    func testFirstStepValues() throws {
        let cpu: [(from: Double, to: Double, step: Double)] = [(4, 0.3, 2), (3, 0.5, 1.5), (0.9, 0.1, 0.45), (2.5, 0.2, 1.25), (4, 1.9, 2)]
        for row in cpu {
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(from: row.from, to: row.to), in: cluster())
            XCTAssertEqual(record["recommended", "cpu"]?.double ?? -1, row.step, accuracy: 1e-9, "\(row)")
            XCTAssertEqual(risk.step["target"], JSONValue.double(row.to), "\(row)")
            XCTAssertTrue(record["summary"]?.string?.contains("; first step \(Units.cpu(row.step)) (at most 50% per change)") ?? false, "\(row)")
        }
        let memory: [(from: Int64, to: Int64, step: Int64)] = [
            (4 * gib, 500 * mib, 2 * gib), (3 * gib, gib, 1536 * mib),
            // 500Mi rounds up to the next 16Mi.
            (1000 * mib, 100 * mib, 512 * mib),
        ]
        for row in memory {
            let finding = RiskFixtures.memoryFinding(from: row.from, to: row.to, peak: Double(row.to) / 1.15)
            let (record, risk) = try RiskFixtures.assess(finding, in: cluster())
            XCTAssertEqual(record["recommended", "memory"]?.int, row.step, "\(row)")
            XCTAssertEqual(risk.step["to"], JSONValue.int(row.step), "\(row)")
        }
        let replicas: [(from: Int64, to: Int64, step: Int64)] = [(8, 2, 4), (5, 1, 3), (3, 1, 2), (10, 4, 5)]
        for row in replicas {
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.hpaFinding(from: row.from, to: row.to), in: cluster())
            XCTAssertEqual(record["recommended", "minReplicas"]?.int, row.step, "\(row)")
            XCTAssertEqual(risk.step["to"], JSONValue.int(row.step), "\(row)")
        }
    }

    // MARK: Within the limit

    func testAChangeWithinTheLimitIsUntouched() throws {
        let findings = [
            RiskFixtures.cpuFinding(from: 4, to: 2, cost: (Money(dollars: 100), Money(dollars: 50))),
            RiskFixtures.cpuFinding(from: 4, to: 2.5),
            RiskFixtures.memoryFinding(from: 4 * gib, to: 2 * gib, peak: Double(gib)),
            RiskFixtures.memoryFinding(from: gib, to: 3 * gib, peak: Double(2 * gib)),
            RiskFixtures.hpaFinding(from: 8, to: 4),
        ]
        for finding in findings {
            let (record, risk) = try RiskFixtures.assess(finding, in: cluster())
            XCTAssertTrue(risk.step == .null, finding.summary)
            XCTAssertEqual(record["risk", "step"]?.isNull, true, finding.summary)
            var written = record.value
            written.remove("risk")
            XCTAssertEqual(written, try RiskFixtures.json(finding).json.value, "everything but risk as it came: \(finding.summary)")
        }
    }

    // MARK: Policy

    func testACustomMaximumReduction() throws {
        var policy = RiskPolicy()
        policy.maxReductionPerStep = 0.25
        let finding = RiskFixtures.cpuFinding(from: 4, to: 0.3, cost: (Money(dollars: 100), Money(dollars: 10.01)))
        let (record, risk) = try RiskFixtures.assess(finding, in: cluster(), policy: policy)
        XCTAssertEqual(record["recommended", "cpu"]?.double, 3)
        XCTAssertTrue(record["summary"]?.string?.hasSuffix("; first step 3 (at most 25% per change) saves $24.32/month.") ?? false,
                      record["summary"]?.string ?? "no summary")
        XCTAssertEqual(risk.step["maxReduction"], JSONValue.double(0.25))
        XCTAssertEqual(risk.step["to"], JSONValue.double(3))
        XCTAssertEqual(try cost(record).savings, Money(cents: 2432))

        // 20% is within 25%.
        XCTAssertTrue(try RiskFixtures.assess(RiskFixtures.cpuFinding(from: 4, to: 3.2), in: cluster(), policy: policy).risk.step == .null)
    }

    func testTheFirstStepIsWhatGetsScored() throws {
        // The target 300m is under the p99 of 500m; the first step, 2 cores, is far above it.
        let finding = RiskFixtures.cpuFinding(from: 4, to: 0.3, p99: 0.5)
        let stepped = try RiskFixtures.assess(finding, in: cluster()).risk
        XCTAssertEqual(stepped.latencyImpact.score, 0.05, accuracy: 1e-9)

        var policy = RiskPolicy()
        policy.maxReductionPerStep = 1
        let whole = try RiskFixtures.assess(finding, in: cluster(), policy: policy).risk
        XCTAssertTrue(whole.step == .null, "a 100% limit never cuts")
        XCTAssertEqual(whole.latencyImpact.score, 0.8, accuracy: 1e-9)
    }

    func testAStepWithoutAPriceStillCutsTheRecommendation() throws {
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(from: 4, to: 0.3, cost: nil), in: cluster())
        XCTAssertEqual(record["recommended", "cpu"]?.double, 2)
        XCTAssertEqual(record["monthlyCost"]?.isNull, true)
        XCTAssertEqual(record["monthlySavings"]?.isNull, true)
        XCTAssertEqual(risk.step["target"], JSONValue.double(0.3))
    }
}
