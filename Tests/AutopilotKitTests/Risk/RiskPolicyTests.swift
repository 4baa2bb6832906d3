import Foundation
import XCTest
@testable import AutopilotKit

/// The risk policy: defaults, every YAML key, errors that name the key, and namespace globs.
final class RiskPolicyTests: XCTestCase {
    private let source = "policy.yaml"

    private func policy(_ yaml: String) throws -> RiskPolicy {
        var policy = RiskPolicy()
        try policy.apply(yaml: Array(yaml.utf8), source: source)
        return policy
    }

    /// The ConfigError `yaml` throws, or a failure.
    private func error(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            _ = try policy(yaml)
            XCTFail("expected a ConfigError for \(yaml.debugDescription)", file: file, line: line)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testDefaults() {
        let policy = RiskPolicy()
        XCTAssertEqual(policy.protectedNamespaces, ["kube-system", "*-prod"])
        XCTAssertEqual(policy.allowAutoNamespaces, [])
        XCTAssertEqual(policy.minReplicas, 2)
        XCTAssertEqual(policy.maxReductionPerStep, 0.5)
        XCTAssertEqual(policy.autoBelow, 0.3)
        XCTAssertEqual(policy.blockAbove, 0.8)
        XCTAssertFalse(policy.autoNodeChanges)
        XCTAssertFalse(policy.autoSingleReplica)
        XCTAssertEqual(policy.criticalMarker, "autopilot.io/critical")
        XCTAssertEqual(policy.sloEventReasons, ["OOMKilling", "OOMKilled", "BackOff", "Evicted", "Unhealthy", "FailedScheduling", "NodeNotReady"])
    }

    func testEveryKeyApplies() throws {
        let policy = try self.policy("""
            protectedNamespaces: [kube-system, "*-prod", payments]
            allowAutoNamespaces:
              - payments-prod
              - "sandbox-*"
            minReplicas: 3
            maxReductionPerStep: 0.25
            autoBelow: 0.2
            blockAbove: 0.7
            autoNodeChanges: true
            autoSingleReplica: true
            criticalMarker: example.com/tier-zero
            sloEventReasons: [BackOff, FailedMount]
            """)
        XCTAssertEqual(policy.protectedNamespaces, ["kube-system", "*-prod", "payments"])
        XCTAssertEqual(policy.allowAutoNamespaces, ["payments-prod", "sandbox-*"])
        XCTAssertEqual(policy.minReplicas, 3)
        XCTAssertEqual(policy.maxReductionPerStep, 0.25)
        XCTAssertEqual(policy.autoBelow, 0.2)
        XCTAssertEqual(policy.blockAbove, 0.7)
        XCTAssertTrue(policy.autoNodeChanges)
        XCTAssertTrue(policy.autoSingleReplica)
        XCTAssertEqual(policy.criticalMarker, "example.com/tier-zero")
        XCTAssertEqual(policy.sloEventReasons, ["BackOff", "FailedMount"])
    }

    func testOneKeyLeavesTheOthersAtTheirDefaults() throws {
        let policy = try self.policy("autoBelow: 0.4\n")
        XCTAssertEqual(policy.autoBelow, 0.4)
        XCTAssertEqual(policy.blockAbove, 0.8)
        XCTAssertEqual(policy.protectedNamespaces, ["kube-system", "*-prod"])
        XCTAssertEqual(policy.maxReductionPerStep, 0.5)
    }

    func testTheDocumentedExampleIsTheDefaults() throws {
        let policy = try self.policy("""
            protectedNamespaces: [kube-system, "*-prod"]
            allowAutoNamespaces: []
            minReplicas: 2
            maxReductionPerStep: 0.5
            autoBelow: 0.3
            blockAbove: 0.8
            autoNodeChanges: false
            autoSingleReplica: false
            criticalMarker: autopilot.io/critical
            sloEventReasons: [OOMKilling, OOMKilled, BackOff, Evicted, Unhealthy, FailedScheduling, NodeNotReady]
            """)
        let defaults = RiskPolicy()
        XCTAssertEqual(policy.protectedNamespaces, defaults.protectedNamespaces)
        XCTAssertEqual(policy.allowAutoNamespaces, defaults.allowAutoNamespaces)
        XCTAssertEqual(policy.minReplicas, defaults.minReplicas)
        XCTAssertEqual(policy.maxReductionPerStep, defaults.maxReductionPerStep)
        XCTAssertEqual(policy.autoBelow, defaults.autoBelow)
        XCTAssertEqual(policy.blockAbove, defaults.blockAbove)
        XCTAssertEqual(policy.autoNodeChanges, defaults.autoNodeChanges)
        XCTAssertEqual(policy.autoSingleReplica, defaults.autoSingleReplica)
        XCTAssertEqual(policy.criticalMarker, defaults.criticalMarker)
        XCTAssertEqual(policy.sloEventReasons, defaults.sloEventReasons)
    }

    func testASingleStringIsAListOfOne() throws {
        let policy = try self.policy("protectedNamespaces: kube-system\nallowAutoNamespaces: \"team-*\"\nsloEventReasons: Evicted\n")
        XCTAssertEqual(policy.protectedNamespaces, ["kube-system"])
        XCTAssertEqual(policy.allowAutoNamespaces, ["team-*"])
        XCTAssertEqual(policy.sloEventReasons, ["Evicted"])
        XCTAssertFalse(policy.isProtected("payments-prod"), "the list replaces the defaults")
    }

    func testRatiosMayBeQuoted() throws {
        XCTAssertEqual(try policy("autoBelow: \"0.4\"\n").autoBelow, 0.4)
        XCTAssertEqual(try policy("maxReductionPerStep: 1\n").maxReductionPerStep, 1)
    }

    func testAnEmptyFileKeepsTheDefaults() throws {
        XCTAssertEqual(try policy("").minReplicas, 2)
        XCTAssertEqual(try policy("# nothing to change\n").autoBelow, 0.3)
    }

    // MARK: Errors

    func testAnUnknownKeyIsNamed() {
        let message = error("autoApprove: true\n")?.message ?? ""
        XCTAssertTrue(message.contains("unknown setting 'autoApprove'"), message)
        XCTAssertTrue(message.hasPrefix(source), message)
    }

    func testAZeroReductionIsRefused() {
        let message = error("maxReductionPerStep: 0\n")?.message ?? ""
        XCTAssertTrue(message.contains("'maxReductionPerStep' must be more than 0"), message)
    }

    func testWrongTypesNameTheKey() {
        let rows: [(yaml: String, expected: String)] = [
            ("minReplicas: lots", "'minReplicas' must be a whole number of 0 or more"),
            ("minReplicas: -1", "'minReplicas' must be a whole number of 0 or more"),
            ("minReplicas: 2.5", "'minReplicas' must be a whole number of 0 or more"),
            ("maxReductionPerStep: 1.5", "'maxReductionPerStep' must be a number from 0 to 1"),
            ("maxReductionPerStep: half", "'maxReductionPerStep' must be a number from 0 to 1"),
            ("autoBelow: high", "'autoBelow' must be a number from 0 to 1"),
            ("blockAbove: 2", "'blockAbove' must be a number from 0 to 1"),
            ("autoNodeChanges: yes", "'autoNodeChanges' must be true or false"),
            ("autoSingleReplica: 1", "'autoSingleReplica' must be true or false"),
            ("criticalMarker: ''", "'criticalMarker' must be a label key"),
            ("criticalMarker: [a, b]", "'criticalMarker' must be a label key"),
            ("protectedNamespaces: {kube-system: true}", "'protectedNamespaces' must be a list of strings"),
            ("allowAutoNamespaces: [dev, 3]", "'allowAutoNamespaces' must be a list of strings"),
            ("sloEventReasons: true", "'sloEventReasons' must be a list of strings"),
        ]
        for row in rows {
            let message = error(row.yaml + "\n")?.message ?? ""
            XCTAssertTrue(message.contains(row.expected), "\(row.yaml): \(message)")
            XCTAssertTrue(message.hasPrefix(source), "\(row.yaml): \(message)")
        }
    }

    func testADocumentThatIsNotAMappingIsRefused() {
        let message = error("- kube-system\n- default\n")?.message ?? ""
        XCTAssertTrue(message.contains("expected a mapping of settings"), message)
    }

    // MARK: Namespace globs

    func testIsProtectedMatchesShellPatterns() {
        let defaults = RiskPolicy()
        let rows: [(namespace: String?, protected: Bool)] = [
            ("kube-system", true), ("payments-prod", true), ("team-a-prod", true), ("-prod", true),
            ("payments-production", false), ("prod", false), ("kube-system-2", false), ("apps", false), (nil, false),
        ]
        for row in rows {
            XCTAssertEqual(defaults.isProtected(row.namespace), row.protected, row.namespace ?? "nil")
        }

        var policy = RiskPolicy()
        policy.protectedNamespaces = ["*"]
        policy.allowAutoNamespaces = ["sandbox-*", "dev-?", "ci-[0-9]*"]
        let allowed: [(namespace: String, protected: Bool)] = [
            ("apps", true), ("sandbox-1", false), ("sandbox", true), ("dev-a", false), ("dev-ab", true), ("ci-7x", false), ("ci-x7", true),
        ]
        for row in allowed {
            XCTAssertEqual(policy.isProtected(row.namespace), row.protected, row.namespace)
        }
    }

    func testAPolicyFromYAMLDrivesTheScorer() throws {
        let policy = try self.policy("""
            protectedNamespaces: [apps]
            criticalMarker: example.com/tier-zero
            sloEventReasons: [FailedMount]
            maxReductionPerStep: 0.25
            """)
        var cluster = RiskFixtures.cluster(annotations: ["example.com/tier-zero": "true"])
        cluster.add(RiskFixtures.event("FailedMount", about: "Pod", "web-0", at: Fixtures.daysAgo(1)))
        cluster.add(RiskFixtures.event("BackOff", about: "Pod", "web-1", at: Fixtures.daysAgo(1)))
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(from: 4, to: 0.3), in: cluster, policy: policy)
        XCTAssertEqual(record["recommended", "cpu"]?.double, 3)
        XCTAssertEqual(risk.sloImpact.score, 0.8, accuracy: 1e-9)
        XCTAssertEqual(record["risk", "sloImpact", "warningEvents"]?.array.compactMap(\.string), ["FailedMount"])
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertTrue(risk.gateReasons.contains("gate approve: namespace apps is protected (apps)"), "\(risk.gateReasons)")
    }
}
