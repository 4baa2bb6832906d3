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
    /// `jvmHeap`: what the JVM reported (collect-metrics' `usage.jvmHeap`), if anything.
    /// `workload`: the one named so (default: the first).
    private func stream(_ manifest: String, workload named: String? = nil, peak: Int64, oomKills: Int = 0, keepRuntime: Bool = true,
                        jvmHeap: (max: Int64, usedMax: Int64)? = nil) throws -> String {
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
        let workload = try XCTUnwrap(try decodeRecords(lines).first {
            $0["kind"] as? String == "workload" && (named == nil || $0["name"] as? String == named)
        })
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
        ].merging(jvmHeap.map { ["jvmHeap": ["max": $0.max, "usedMax": $0.usedMax]] } ?? [:]) { $1 }
        let extra = try [node, pod, usage].map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        return (lines + extra).joined(separator: "\n") + "\n"
    }

    private func memoryFindings(_ input: String, config extra: String = "") throws -> [[String: Any]] {
        try decodeRecords(try detected(input, config: extra)).filter {
            $0["kind"] as? String == "finding" && ($0["detector"] as! String).hasSuffix("-memory")
        }
    }

    /// detect-waste's output lines; `extra` config lines go after the reduced minimums. Every memory
    /// finding is checked: never below the window's peak, never below the runtime's floor.

    private func detected(_ input: String, config extra: String = "") throws -> [String] {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try (extra.isEmpty ? Self.config : Self.config.replacingOccurrences(of: "}", with: ", \(extra)}"))
            .write(to: config, atomically: true, encoding: .utf8)
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
        return detected.lines
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
        // The OpenTelemetry collector: GOMEMLIMIT 152MiB in a 200M limit, no request (the limit's 190.7Mi
        // is it). The window (peak 60Mi) says 112Mi (the 100Mi floor on a 16Mi step); GOMEMLIMIT alone, on a
        // 16Mi step, holds 160Mi, a 30.7Mi cut, under the 32Mi minimum. Written once in its own variable, it
        // goes down with the request: max(60Mi × 1.25 → 80Mi, half of 152 → 80Mi, the window's 112Mi) =
        // 112MiB, the request 112Mi.
        let collector = "open-telemetry-opentelemetry-helm-charts/deployment.yaml"
        XCTAssertEqual((try memoryFindings(try stream(collector, peak: 60 * Self.mib, keepRuntime: false)).first?["recommended"]
                        as? [String: Any])?["memory"] as? Int64, 112 * Self.mib)
        let go = try XCTUnwrap(try memoryFindings(try stream(collector, peak: 60 * Self.mib)).first)
        XCTAssertEqual((go["recommended"] as? [String: Any])?["memory"] as? Int64, 112 * Self.mib)
        XCTAssertEqual((go["recommended"] as? [String: Any])?["runtimeFlag"] as? NSDictionary,
                       ["runtime": "go", "env": "GOMEMLIMIT", "value": "112MiB", "initial": NSNull(), "heap": 112 * Self.mib] as NSDictionary)
        XCTAssertTrue(notes(go).contains("GOMEMLIMIT goes down with the request (152MiB → 112MiB in env GOMEMLIMIT of this container"), notes(go))
        XCTAssertTrue((go["summary"] as? String ?? "").contains("and its GOMEMLIMIT from 152MiB to 112MiB"), "\(go)")
    }
}

/// The OpenTelemetry demo's real kafka (`-Xmx400M -Xms400M` in KAFKA_HEAP_OPTS, a 600Mi limit and no
/// request) whose JVM reports a 400Mi heap max with at most 150Mi in use: collect-cluster | detect-waste |
/// score-risk | emit-pr lowers both heap flags with the request in one commit, or changes nothing.
extension RuntimeMemoryPipelineTests {
    private static let otelDemo = "open-telemetry-opentelemetry-demo/opentelemetry-demo.yaml"
    private static let carts = "microservices-demo-microservices-demo/01-carts-dep.yaml"

    private func repo(in scratch: URL, _ manifest: String = otelDemo, edit: (String) -> String = { $0 }) throws -> URL {
        let repo = scratch.appendingPathComponent("gitops")
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("shop"), withIntermediateDirectories: true)
        let upstream = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/upstream-runtime/" + manifest), encoding: .utf8)
        try edit(upstream).write(to: repo.appendingPathComponent("shop/manifest.yaml"), atomically: true, encoding: .utf8)
        try EmitPRFixtures.git(["init", "--quiet", "--initial-branch=main"], in: repo)
        try EmitPRFixtures.git(["add", "-A"], in: repo)
        try EmitPRFixtures.git(["commit", "--quiet", "-m", "upstream as it is"], in: repo)
        return repo
    }

    /// The scored stream for kafka: peak working set 300Mi, heap max 400Mi reported, 150Mi in use.
    private func scoredKafka() throws -> String {
        let input = try stream(Self.otelDemo, workload: "kafka", peak: 300 * Self.mib, jvmHeap: (400 * Self.mib, 150 * Self.mib))
        let scored = try Tool.run("score-risk", [], stdin: try detected(input).joined(separator: "\n") + "\n")
        XCTAssertEqual(scored.status, 0, scored.stderr)
        return scored.stdout
    }

    private func memoryFinding(_ stream: String) throws -> [String: Any]? {
        try decodeRecords(stream.split(separator: "\n").map(String.init)).first { $0["detector"] as? String == "over-requested-memory" }
    }

    func testCollectClusterFindsTheHeapFlagsEditableWithTheirInitialHeap() throws {
        let records = try decodeRecords(try stream(Self.otelDemo, workload: "kafka", peak: 300 * Self.mib).split(separator: "\n").map(String.init))
        let workload = try XCTUnwrap(records.first { $0["kind"] as? String == "workload" && $0["name"] as? String == "kafka" })
        let runtime = try XCTUnwrap((workload["containers"] as? [[String: Any]])?.first?["runtime"] as? [String: Any])
        XCTAssertEqual(runtime["setting"] as? String, "-Xmx400M")
        XCTAssertEqual(runtime["editable"] as? Bool, true)
        XCTAssertEqual(runtime["initialHeap"] as? NSDictionary,
                       ["bytes": 400 * Self.mib, "setting": "-Xms400M", "source": "env KAFKA_HEAP_OPTS"] as NSDictionary)
        // OpenSearch sets its heap in its own variable: 400Mi, not the image's default 25% of 1100Mi.
        let opensearch = try XCTUnwrap(records.first { $0["kind"] as? String == "workload" && $0["name"] as? String == "opensearch" })
        let search = try XCTUnwrap((opensearch["containers"] as? [[String: Any]])?.first { $0["name"] as? String == "opensearch" }?["runtime"]
                                   as? [String: Any])
        XCTAssertEqual(search["bytes"] as? Int64, 400 * Self.mib)
        XCTAssertEqual(search["source"] as? String, "env OPENSEARCH_JAVA_OPTS")
    }

    func testKafkaHeapAndRequestGoDownTogetherThroughThePipeline() throws {
        // Heap: 150Mi × 1.25 = 187.5Mi → 192Mi, at most halved: 200Mi → 208Mi; -Xms400M above it goes to
        // 208m too. Request: max(300Mi × 1.15 → 352Mi, 208 + 192 overhead = 400Mi) = 400Mi. Without the heap
        // cut the floor 400 + 192 = 592Mi leaves 8Mi to cut: no finding.
        let scored = try scoredKafka()
        let finding = try XCTUnwrap(try memoryFinding(scored))
        let recommended = try XCTUnwrap(finding["recommended"] as? [String: Any])
        XCTAssertEqual(recommended["memory"] as? Int64, 400 * Self.mib)
        XCTAssertEqual(recommended["memoryLimit"] as? Int64, 600 * Self.mib, "the limit is kept")
        XCTAssertEqual(recommended["runtimeFlag"] as? NSDictionary,
                       ["runtime": "jvm", "env": "KAFKA_HEAP_OPTS", "value": "-Xmx208m", "initial": "-Xms208m", "heap": 208 * Self.mib] as NSDictionary)
        let risk = try XCTUnwrap(finding["risk"] as? [String: Any])
        XCTAssertEqual(risk["gate"] as? String, "approve", "a smaller heap is for a person")
        XCTAssertTrue((risk["reasons"] as? [String] ?? []).contains { $0.contains("it lowers the JVM's heap (-Xmx400M → -Xmx208m)") }, "\(risk)")
        XCTAssertNil(try memoryFinding(try detected(try stream(Self.otelDemo, workload: "kafka", peak: 300 * Self.mib)).joined(separator: "\n")),
                     "without the JVM's figures the heap holds the request")

        let scratch = try makeScratchDirectory(self)
        let repo = try repo(in: scratch)
        let result = try EmitPRFixtures.emitPR(repo, scored)
        XCTAssertEqual(result.status, 0, result.stderr)
        let change = try XCTUnwrap(try EmitPRFixtures.changes(result).first { ($0["findingIds"] as? [String])?.contains(finding["id"] as! String) ?? false })
        XCTAssertEqual(change["state"] as? String, "local", "\(change)")
        let edits = (change["edits"] as? [[String: Any]] ?? []).map { "\($0["field"] ?? ""): \(($0["from"] as? String) ?? "absent") -> \($0["to"] ?? "")" }
        // The edit record shows the flags, not the variable's whole value.
        XCTAssertEqual(edits, ["kafka memory request: absent -> 400Mi", "kafka env KAFKA_HEAP_OPTS heap flag: -Xms400M -Xmx400M -> -Xms208m -Xmx208m"],
                       "\(change)")
        let branch = try XCTUnwrap(change["branch"] as? String)
        let diff = try EmitPRFixtures.git(["diff", "main", branch, "--unified=0"], in: repo)
        XCTAssertTrue(diff.contains("+              value: -Xmx208m -Xms208m"), diff)
        XCTAssertTrue(diff.contains("+              memory: 400Mi"), diff)
    }

    func testCartsHeapStaysWhereTheJVMsDefaultWouldReportTheSame() throws {
        // 25% of carts' 500Mi limit is 125Mi, within the range of its -Xmx128m: a heap max of 128Mi does not
        // show that JAVA_OPTS reaches the JVM, so the heap is not lowered and the floor holds the request.
        let input = try stream(Self.carts, peak: 90 * Self.mib, jvmHeap: (128 * Self.mib, 40 * Self.mib))
        XCTAssertNil(try memoryFinding(try detected(input, config: "jvmOverheadMin: 64Mi").joined(separator: "\n")))
    }

    func testWhereTheManifestDoesNotHoldTheFlagsAsTheClusterDoesNothingIsChanged() throws {
        let scored = try scoredKafka()
        let scratch = try makeScratchDirectory(self)
        let cases: [(String, (String) -> String, String)] = [
            // The repo drifted from the cluster: another heap in the manifest.
            ("drifted", { $0.replacingOccurrences(of: "-Xmx400M -Xms400M", with: "-Xmx512M -Xms400M") },
             "does not set its memory as the cluster showed (-Xmx400M alone in KAFKA_HEAP_OPTS)"),
            // KAFKA_HEAP_OPTS defined twice (the kubelet takes the last; an edit would reach the first).
            ("twice", { $0.replacingOccurrences(of: "            - name: KAFKA_LISTENERS\n",
                                                with: "            - name: KAFKA_HEAP_OPTS\n              value: -Xmx400M\n            - name: KAFKA_LISTENERS\n") },
             "does not set its memory as the cluster showed"),
            // The variable is not in the manifest (set elsewhere).
            ("elsewhere", { $0.replacingOccurrences(of: "            - name: KAFKA_HEAP_OPTS\n", with: "            - name: OTHER_OPTS\n") },
             "does not set its memory as the cluster showed"),
            // The repo sets an initial heap the cluster did not show, above the new heap.
            ("more", { $0.replacingOccurrences(of: "-Xmx400M -Xms400M", with: "-Xmx400M -Xms400M -XX:InitialHeapSize=300m") },
             "does not set its memory as the cluster showed"),
            // Env from a ConfigMap the cluster did not show.
            ("envFrom", { $0.replacingOccurrences(of: "image: 'ghcr.io/open-telemetry/demo:2.1.3-kafka'\n",
                                                  with: "image: 'ghcr.io/open-telemetry/demo:2.1.3-kafka'\n          envFrom:\n            - configMapRef:\n                name: jvm\n") },
             "does not set its memory as the cluster showed"),
        ]
        for (name, edit, reason) in cases {
            let repo = try repo(in: scratch.appendingPathComponent(name), edit: edit)
            let result = try EmitPRFixtures.emitPR(repo, scored)
            XCTAssertEqual(result.status, 0, result.stderr)
            let change = try XCTUnwrap(try EmitPRFixtures.changes(result).first, "\(name): \(result.stdout)")
            XCTAssertEqual(change["state"] as? String, "not-patchable", "\(name): \(change)")
            XCTAssertTrue((change["reason"] as? String ?? "").contains(reason), "\(name): \(change)")
            XCTAssertEqual(try EmitPRFixtures.git(["branch", "--list", "autopilot/*"], in: repo), "", "\(name): no branch for a change that could not be whole")
            XCTAssertEqual(try EmitPRFixtures.git(["status", "--porcelain"], in: repo), "", "\(name): the checkout is as it was")
        }
    }

    func testAQuotedValueIsRewrittenWithItsEscapesAndNeverEchoed() throws {
        // A double-quoted value with an escaped quote: the edit keeps the escapes, and no reason or record
        // carries the rest of the value.
        let scratch = try makeScratchDirectory(self)
        let repo = try repo(in: scratch, edit: {
            $0.replacingOccurrences(of: "value: -Xmx400M -Xms400M", with: #"value: "-Xmx400M -Xms400M -Dsecret=\"s3cr3t\"""#)
        })
        let result = try EmitPRFixtures.emitPR(repo, try scoredKafka())
        XCTAssertEqual(result.status, 0, result.stderr)
        let change = try XCTUnwrap(try EmitPRFixtures.changes(result).first)
        XCTAssertEqual(change["state"] as? String, "local", "\(change)")
        XCTAssertFalse(result.stdout.contains("s3cr3t"), "the value stays out of the records")
        let branch = try XCTUnwrap(change["branch"] as? String)
        let diff = try EmitPRFixtures.git(["diff", "main", branch, "--unified=0"], in: repo)
        XCTAssertTrue(diff.contains(#"+              value: "-Xmx208m -Xms208m -Dsecret=\"s3cr3t\"""#), diff)
    }

    func testGOMEMLIMITAndNodesOldSpaceGoDownWithTheRequestInOneCommit() throws {
        // The collector: GOMEMLIMIT "152MiB" → "112MiB" with a request of 112Mi written under its 200M limit.
        // Camunda's web modeler, peak 40Mi: old space max(50 → 64Mi, half of 128 → 64Mi, the window's) = 64;
        // the request max(112Mi, 64 + 64 overhead) = 128Mi (was 256Mi).
        let cases: [(manifest: String, peak: Int64, request: String, field: String, from: String, to: String, line: String)] = [
            ("open-telemetry-opentelemetry-helm-charts/deployment.yaml", 60, "absent -> 112Mi", "opentelemetry-collector env GOMEMLIMIT memory setting",
             "152MiB", "112MiB", #"+              value: "112MiB""#),
            ("camunda-camunda-platform-helm/deployment-webapp.golden.yaml", 40, "256Mi -> 128Mi", "web-modeler-webapp env NODE_OPTIONS memory setting",
             "--max-old-space-size=128", "--max-old-space-size=64", #"+              value: "--max-old-space-size=64""#),
        ]
        for item in cases {
            let detectedLines = try detected(try stream(item.manifest, peak: item.peak * Self.mib))
            let scored = try Tool.run("score-risk", [], stdin: detectedLines.joined(separator: "\n") + "\n")
            XCTAssertEqual(scored.status, 0, scored.stderr)
            let scratch = try makeScratchDirectory(self).appendingPathComponent(item.to)
            let repo = try repo(in: scratch, item.manifest)
            let result = try EmitPRFixtures.emitPR(repo, scored.stdout)
            XCTAssertEqual(result.status, 0, result.stderr)
            let change = try XCTUnwrap(try EmitPRFixtures.changes(result).first, result.stdout)
            XCTAssertEqual(change["state"] as? String, "local", "\(change)")
            let edits = (change["edits"] as? [[String: Any]] ?? []).map { ($0["field"] as? String ?? "", ($0["from"] as? String) ?? "absent", $0["to"] as? String ?? "") }
            // (The web modeler's CPU cut rides in the same change.)
            XCTAssertEqual(edits.filter { $0.0.hasSuffix("memory request") }.map { "\($0.1) -> \($0.2)" }, [item.request], "\(edits)")
            XCTAssertEqual(edits.filter { $0.0.hasSuffix("memory setting") }.map { "\($0.0): \($0.1) -> \($0.2)" },
                           ["\(item.field): \(item.from) -> \(item.to)"])
            let diff = try EmitPRFixtures.git(["diff", "main", try XCTUnwrap(change["branch"] as? String), "--unified=0"], in: repo)
            XCTAssertTrue(diff.contains(item.line), diff)
        }
    }

    func testAnOverlayOrASharedBaseStopsTheWholeChange() throws {
        // The base holds both lines, but the cluster's overlay sets KAFKA_HEAP_OPTS itself (it wins over the
        // base); or the base is built by two overlays (another cluster's heap was not measured here).
        let patch = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: kafka
            spec:
              template:
                spec:
                  containers:
                    - name: kafka
                      env:
                        - name: KAFKA_HEAP_OPTS
                          value: -Xmx400M -Xms400M

            """
        let layouts: [(String, [String: String], String)] = [
            ("overlay", ["shop/kustomization.yaml": "resources:\n  - manifest.yaml\n",
                         "overlays/real/kustomization.yaml": "resources:\n  - ../../shop\npatches:\n  - path: heap.yaml\n",
                         "overlays/real/heap.yaml": patch],
             "env KAFKA_HEAP_OPTS of container kafka is not set beside its memory request"),
            ("shared", ["shop/kustomization.yaml": "resources:\n  - manifest.yaml\n",
                        "overlays/real/kustomization.yaml": "resources:\n  - ../../shop\n",
                        "overlays/other/kustomization.yaml": "resources:\n  - ../../shop\n"],
             "shop/manifest.yaml is a kustomize base shared by overlays/other, overlays/real"),
        ]
        let scored = try scoredKafka()
        for (name, files, reason) in layouts {
            let scratch = try makeScratchDirectory(self).appendingPathComponent(name)
            let repo = try repo(in: scratch)
            for (path, text) in files {
                let url = repo.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            try EmitPRFixtures.git(["add", "-A"], in: repo)
            try EmitPRFixtures.git(["commit", "--quiet", "-m", name], in: repo)
            let result = try EmitPRFixtures.emitPR(repo, scored)
            XCTAssertEqual(result.status, 0, result.stderr)
            let change = try XCTUnwrap(try EmitPRFixtures.changes(result).first, result.stdout)
            XCTAssertEqual(change["state"] as? String, "not-patchable", "\(name): \(change)")
            XCTAssertTrue((change["reason"] as? String ?? "").contains(reason), "\(name): \(change)")
            XCTAssertEqual(try EmitPRFixtures.git(["branch", "--list", "autopilot/*"], in: repo), "", name)
        }
    }
}
