import Foundation
import XCTest

/// Real manifests of JVM, Go and Node services (fixtures/upstream-runtime, SOURCES.md there), read by
/// collect-cluster and right-sized by detect-waste against a week of usage written here: no memory
/// recommendation goes below what the runtime is configured to take.
final class RuntimeMemoryPipelineTests: XCTestCase {
    private static let mib: Int64 = 1 << 20
    /// The minimum reduction lowered from 128Mi and 20% to 32Mi and 4%, so these small services' cuts are
    /// proposed at all.
    private static let config = "memory: {minReduction: 32Mi, minReductionRatio: 0.04}\n"

    /// collect-cluster's records of one upstream manifest, one node and one running pod of its workload,
    /// and a week's usage with the given peak working set (and OOM kills).
    private func stream(_ manifest: String, peak: Int64, oomKills: Int = 0, keepRuntime: Bool = true) throws -> String {
        let collected = try Tool.run("collect-cluster", ["--from", "fixtures/upstream-runtime/" + manifest, "--cluster", "real"])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        var lines = collected.lines
        if !keepRuntime {
            // The records as a collector that does not read runtime settings writes them.
            lines = try lines.map { line in
                guard line.hasPrefix(#"{"kind":"workload""#) else { return line }
                var record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                record["containers"] = (record["containers"] as! [[String: Any]]).map { $0.filter { $0.key != "runtime" } }
                return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        let workload = try XCTUnwrap(try decodeRecords(lines).first { $0["kind"] as? String == "workload" })
        let namespace = workload["namespace"] as! String
        let kind = workload["workloadKind"] as? String ?? (workload["workload"] as? [String: Any])?["kind"] as? String ?? "Deployment"
        let name = workload["name"] as! String
        let containers = workload["containers"] as! [[String: Any]]
        let node: [String: Any] = [
            "kind": "node", "cluster": "real", "name": "ip-10-0-1-10.ec2.internal", "instanceType": "m6i.xlarge", "region": "us-east-1",
            "zone": "us-east-1a", "capacityType": "on-demand", "allocatable": ["cpu": 3.92, "memory": 15_139_786_752, "pods": 58],
            "capacity": ["cpu": 4, "memory": 16_181_022_720], "labels": [String: String](),
        ]
        let pod: [String: Any] = [
            "kind": "pod", "cluster": "real", "namespace": namespace, "name": "\(name)-0", "node": "ip-10-0-1-10.ec2.internal",
            "phase": "Running", "owner": ["kind": kind, "name": name], "containers": containers,
        ]
        let usage: [String: Any] = [
            "kind": "usage", "cluster": "real", "namespace": namespace, "workload": ["kind": kind, "name": name],
            "container": containers[0]["name"] as! String,
            "window": ["start": "2026-11-13T12:00:00Z", "end": "2026-11-20T12:00:00Z", "step": "5m"], "samples": 2016, "pods": 1,
            "cpu": ["p50": 0.05, "p90": 0.07, "p95": 0.08, "p99": 0.09, "max": 0.1],
            "memory": ["p50": Double(peak) * 0.8, "p95": Double(peak) * 0.95, "p99": Double(peak) * 0.98, "max": Double(peak)],
            "oomKills": oomKills,
        ]
        let extra = try [node, pod, usage].map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        return (lines + extra).joined(separator: "\n") + "\n"
    }

    private func memoryFindings(_ input: String) throws -> [[String: Any]] {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        let detected = try Tool.run("detect-waste", ["--quiet", "--config", config.path], stdin: input)
        XCTAssertEqual(detected.status, 0, detected.stderr)
        let findings = try decodeRecords(detected.lines).filter {
            $0["kind"] as? String == "finding" && ($0["detector"] as! String).hasSuffix("-memory")
        }
        // Whatever the case: never below the window's peak, never below the runtime's floor.
        for finding in findings {
            let recommended = try XCTUnwrap((finding["recommended"] as? [String: Any])?["memory"] as? NSNumber).int64Value
            let basis = finding["basis"] as! [String: Any]
            let peak = try XCTUnwrap((basis["usage"] as? [String: Any])?["max"] as? NSNumber).doubleValue
            XCTAssertGreaterThanOrEqual(Double(recommended), peak)
            if let floor = (basis["runtime"] as? [String: Any])?["floor"] as? NSNumber {
                XCTAssertGreaterThanOrEqual(recommended, floor.int64Value)
            }
        }
        return findings
    }

    private func notes(_ finding: [String: Any]) -> String { (finding["notes"] as! [String]).joined(separator: " | ") }

    func testSockShopCartsIsNotCutBelowItsHeap() throws {
        // -Xmx128m in a 200Mi request, peak 90Mi: the window alone says 112Mi, below the heap.
        let withoutFlags = try memoryFindings(try stream("microservices-demo-microservices-demo/01-carts-dep.yaml", peak: 90 * Self.mib,
                                                         keepRuntime: false))
        XCTAssertEqual((withoutFlags.first?["recommended"] as? [String: Any])?["memory"] as? Int64, 112 * Self.mib,
                       "what a right-sizer blind to -Xmx proposes")
        // 128Mi + 192Mi overhead = 320Mi, above the 200Mi request: nothing to cut.
        XCTAssertTrue(try memoryFindings(try stream("microservices-demo-microservices-demo/01-carts-dep.yaml", peak: 90 * Self.mib)).isEmpty)
    }

    func testEKSWorkshopUIKeepsWhatItsMaxRAMPercentageNeedsAndSaysTheFlagMustMove() throws {
        // MaxRAMPercentage=75 of a 1.5Gi limit: 1152Mi heap + 288Mi = 1440Mi, on a 64Mi step 1472Mi.
        let findings = try memoryFindings(try stream("aws-samples-eks-workshop-v2/deployment.yaml", peak: 600 * Self.mib))
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual((finding["recommended"] as? [String: Any])?["memory"] as? Int64, 1472 * Self.mib)
        let runtime = try XCTUnwrap((finding["basis"] as? [String: Any])?["runtime"] as? [String: Any])
        XCTAssertEqual(runtime["heap"] as? Int64, 1152 * Self.mib)
        XCTAssertEqual(runtime["floor"] as? Int64, 1440 * Self.mib)
        XCTAssertTrue(notes(finding).contains("-XX:MaxRAMPercentage=75.0, 75% of the limit, env JAVA_OPTS"), notes(finding))
        XCTAssertTrue(notes(finding).contains("the heap is a share of the limit (-XX:MaxRAMPercentage=75.0): going lower needs that share "
            + "or the limit lowered with the request"), notes(finding))
    }

    func testJenkinsHeapAtTheWholeLimitIsRaisedWithItsOverheadAndFlagged() throws {
        // -Xmx$(LIMITS_MEMORY)m: the heap is 100% of the limit. OOM-killed at 1Gi: 1Gi × 1.25 = 1280Mi,
        // and the heap follows the raised limit: 1280 + 320 = 1600Mi.
        let findings = try memoryFindings(try stream("jenkinsci-kubernetes-plugin/jenkins.yml", peak: 1000 * Self.mib, oomKills: 3))
        let finding = try XCTUnwrap(findings.first { $0["detector"] as? String == "under-provisioned-memory" })
        XCTAssertEqual((finding["recommended"] as? [String: Any])?["memory"] as? Int64, 1600 * Self.mib)
        XCTAssertTrue(notes(finding).contains("-Xmx1024m, 100% of the limit, env JAVA_OPTS"), notes(finding))
        XCTAssertTrue(notes(finding).contains("more than the limit: the container can be OOM-killed before its heap is full"), notes(finding))
    }

    func testNodeOldSpaceAndGoMemoryLimitAreFloorsToo() throws {
        // Camunda's web modeler: --max-old-space-size=128 → 128 + 64 = 192Mi (the window says 100Mi).
        let node = try XCTUnwrap(try memoryFindings(try stream("camunda-camunda-platform-helm/deployment-webapp.golden.yaml", peak: 80 * Self.mib)).first)
        XCTAssertEqual((node["recommended"] as? [String: Any])?["memory"] as? Int64, 192 * Self.mib)
        XCTAssertTrue(notes(node).contains("going lower needs --max-old-space-size"), notes(node))
        // The OpenTelemetry collector: GOMEMLIMIT 152MiB in a 200M limit. The window (peak 60Mi) says
        // 112Mi (the 100Mi floor on a 16Mi step); GOMEMLIMIT on a 16Mi step is 160Mi, a 30.7Mi cut, under
        // the 32Mi minimum: no finding.
        let collector = "open-telemetry-opentelemetry-helm-charts/deployment.yaml"
        XCTAssertEqual((try memoryFindings(try stream(collector, peak: 60 * Self.mib, keepRuntime: false)).first?["recommended"]
                        as? [String: Any])?["memory"] as? Int64, 112 * Self.mib)
        XCTAssertTrue(try memoryFindings(try stream(collector, peak: 60 * Self.mib)).isEmpty)
    }
}
