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

/// emit-pr on sock-shop's real carts manifest: a request cut that lowers the JVM's heap edits the
/// request and the -Xmx in JAVA_OPTS in one commit, or neither.
final class HeapFlagPullRequestTests: XCTestCase {
    typealias F = EmitPRFixtures
    private let mib = 1_048_576

    private func repo(in scratch: URL) throws -> URL {
        let repo = scratch.appendingPathComponent("gitops")
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("sock-shop"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("fixtures/upstream-runtime/microservices-demo-microservices-demo/01-carts-dep.yaml"),
                                         to: repo.appendingPathComponent("sock-shop/01-carts-dep.yaml"))
        try F.git(["init", "--quiet", "--initial-branch=main"], in: repo)
        try F.git(["add", "-A"], in: repo)
        try F.git(["commit", "--quiet", "-m", "upstream as it is"], in: repo)
        return repo
    }

    private func finding(heapFrom: String) -> String {
        EmitPRUpstreamTests.finding(
            "shop", "f-carts-mem", "over-requested-memory", namespace: "sock-shop", kind: "Deployment", name: "carts", container: "carts",
            current: ["memory": 200 * mib, "memoryLimit": 500 * mib, "runtimeFlag": ["env": "JAVA_OPTS", "value": heapFrom, "heap": 128 * mib]],
            recommended: ["memory": 176 * mib, "memoryLimit": 500 * mib, "runtimeFlag": ["env": "JAVA_OPTS", "value": "-Xmx64m", "heap": 64 * mib]],
            gate: "approve")
    }

    func testTheRequestAndTheHeapFlagChangeInOneCommit() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo(in: scratch)
        let result = try F.emitPR(repo, finding(heapFrom: "-Xmx128m"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let change = try XCTUnwrap(try F.changes(result).first)
        let edits = (change["edits"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? ""): \($0["from"] ?? "") -> \($0["to"] ?? "")" }
        XCTAssertEqual(edits, ["31: 200Mi -> 176Mi",
                               "24: -Xms64m -Xmx128m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom -Dspring.zipkin.enabled=false -> "
                                + "-Xms64m -Xmx64m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom -Dspring.zipkin.enabled=false"], "\(change)")
        let branch = try XCTUnwrap(change["branch"] as? String)
        let diff = try F.git(["diff", "main", branch, "--unified=0"], in: repo)
        XCTAssertTrue(diff.contains("+           value: -Xms64m -Xmx64m -XX:+UseG1GC"), diff)
        XCTAssertTrue(diff.contains("+            memory: 176Mi"), diff)
        XCTAssertEqual(diff.split(separator: "\n").filter { $0.hasPrefix("+ ") }.count, 2, "two lines changed, nothing else: \(diff)")
    }

    func testAFlagTheManifestDoesNotHoldStopsTheWholeChange() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo(in: scratch)
        let result = try F.emitPR(repo, finding(heapFrom: "-Xmx256m"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let change = try XCTUnwrap(try F.changes(result).first)
        XCTAssertEqual(change["state"] as? String, "not-patchable", "\(change)")
        XCTAssertTrue((change["reason"] as? String ?? "").contains("does not hold -Xmx256m once as written; the heap flag must change with "
            + "the request, so neither is changed"), "\(change)")
        XCTAssertEqual(try F.git(["branch", "--list", "autopilot/*"], in: repo), "", "no branch for a change that could not be whole")
    }
}

/// detect-waste | score-risk on a JVM that reports using a quarter of its -Xmx: the heap goes down with
/// the request, and a person approves it.
final class HeapCutGateTests: XCTestCase {
    func testAHeapCutIsAlwaysForAPerson() throws {
        let mib = 1_048_576
        let container: [String: Any] = ["name": "app", "image": "acme/orders:3", "requests": ["cpu": 0.5, "memory": 8192 * mib],
                                        "limits": ["cpu": NSNull(), "memory": NSNull()], "sidecar": false,
                                        "runtime": ["runtime": "jvm", "bytes": 4096 * mib, "percentOfLimit": NSNull(), "setting": "-Xmx4g",
                                                    "source": "env JAVA_OPTS"]]
        let records: [[String: Any]] = [
            ["kind": "node", "cluster": "c", "name": "n1", "instanceType": "m6i.2xlarge", "region": "us-east-1", "zone": "us-east-1a",
             "capacityType": "on-demand", "allocatable": ["cpu": 7.91, "memory": 32_126_556_160, "pods": 58], "labels": [String: String]()],
            ["kind": "workload", "cluster": "c", "namespace": "shop", "name": "orders", "workloadKind": "Deployment",
             "replicas": ["desired": 2, "ready": 2], "containers": [container]],
            ["kind": "pod", "cluster": "c", "namespace": "shop", "name": "orders-0", "node": "n1", "phase": "Running",
             "owner": ["kind": "Deployment", "name": "orders"], "containers": [container]],
            ["kind": "pod", "cluster": "c", "namespace": "shop", "name": "orders-1", "node": "n1", "phase": "Running",
             "owner": ["kind": "Deployment", "name": "orders"], "containers": [container]],
            ["kind": "usage", "cluster": "c", "namespace": "shop", "workload": ["kind": "Deployment", "name": "orders"], "container": "app",
             "window": ["start": "2026-11-13T12:00:00Z", "end": "2026-11-20T12:00:00Z", "step": "5m"], "samples": 4032, "pods": 2,
             "cpu": ["p50": 0.3, "p90": 0.4, "p95": 0.45, "p99": 0.48, "max": 0.5],
             "memory": ["p50": 1000 * mib, "p95": 1200 * mib, "p99": 1220 * mib, "max": 1229 * mib], "oomKills": 0,
             "jvmHeap": ["max": 4096 * mib, "usedMax": 1536 * mib]],
        ]
        let input = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
        let detected = try Tool.run("detect-waste", ["--quiet"], stdin: input)
        XCTAssertEqual(detected.status, 0, detected.stderr)
        let scored = try Tool.run("score-risk", [], stdin: detected.stdout)
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let finding = try XCTUnwrap(try decodeRecords(scored.lines).first { $0["detector"] as? String == "over-requested-memory" })
        // 1.5Gi × 1.25 = 1920Mi of heap + 480Mi = 2400Mi → 2432Mi; score-risk's 50% step limit makes the first step 4096Mi.
        let flag = try XCTUnwrap((finding["recommended"] as? [String: Any])?["runtimeFlag"] as? [String: Any])
        XCTAssertEqual(flag["value"] as? String, "-Xmx1920m")
        let risk = try XCTUnwrap(finding["risk"] as? [String: Any])
        XCTAssertEqual(risk["gate"] as? String, "approve")
        XCTAssertTrue((risk["reasons"] as? [String] ?? []).contains { $0.contains("it changes the JVM's heap flag (-Xmx4g → -Xmx1920m)") },
                      "\(risk["reasons"] ?? "")")
    }
}
