import Foundation
import XCTest

/// collect-cluster over captured input, run as a subprocess.
final class CollectClusterOfflineTests: XCTestCase {
    private let demo = repositoryRoot.appendingPathComponent("fixtures/demo").path

    func testDemoFixtureGivesEveryRecordKindQuietlyAndRepeatably() throws {
        let first = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stderr, "", "quiet on success")
        let records = try decodeRecords(first.lines)
        let kinds = Set(records.compactMap { $0["kind"] as? String })
        XCTAssertEqual(kinds, ["node", "pod", "workload", "volume", "hpa", "scaledobject", "nodepool", "service", "pdb", "event"])
        for (line, record) in zip(first.lines, records) {
            XCTAssertTrue(line.hasPrefix("{\"kind\":"), "kind comes first: \(line.prefix(60))")
            XCTAssertEqual(record["cluster"] as? String, "demo")
        }
        let second = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"])
        XCTAssertEqual(first.stdout, second.stdout, "same input, same bytes")
    }

    func testEveryDemoWorkloadHasTeamRequestsAndResolvedOwners() throws {
        let result = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"])
        let records = try decodeRecords(result.lines)
        let workloads = records.filter { $0["kind"] as? String == "workload" }
        XCTAssertGreaterThanOrEqual(workloads.count, 40)
        let workloadKeys = Set(workloads.map { "\($0["namespace"]!)/\($0["workloadKind"]!)/\($0["name"]!)" })
        for workload in workloads {
            XCTAssertNotNil(workload["team"] as? String, "team set: \(workload["name"]!)")
            for container in workload["containers"] as! [[String: Any]] {
                let requests = container["requests"] as! [String: Any]
                // Cores are numbers, bytes are integers, an absent request is null (never 0).
                if let cpu = requests["cpu"], !(cpu is NSNull) { XCTAssertTrue(cpu is Double || cpu is Int) }
                if let memory = requests["memory"], !(memory is NSNull) { XCTAssertTrue(memory is Int, "\(memory)") }
            }
        }
        // Every pod's owner is a top workload that exists (or the pod itself).
        for pod in records.filter({ $0["kind"] as? String == "pod" }) {
            let owner = pod["owner"] as! [String: String]
            if owner["kind"] == "Pod" { continue }
            XCTAssertTrue(workloadKeys.contains("\(pod["namespace"]!)/\(owner["kind"]!)/\(owner["name"]!)"), "\(pod["name"]!) → \(owner)")
            XCTAssertNotEqual(owner["kind"], "ReplicaSet", "every demo ReplicaSet belongs to a Deployment")
        }
    }

    func testDemoWorkloadsCarryTheirRequestsInCoresAndBytes() throws {
        let result = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"])
        let workloads = try decodeRecords(result.lines).filter { $0["kind"] as? String == "workload" }
        func workload(_ namespace: String, _ name: String) -> [String: Any] {
            workloads.first { $0["namespace"] as? String == namespace && $0["name"] as? String == name } ?? [:]
        }
        func requests(_ record: [String: Any]) -> [String: Any] {
            ((record["containers"] as? [[String: Any]])?.first?["requests"] as? [String: Any]) ?? [:]
        }
        // "1500m" / "1.5Gi"; team from app.kubernetes.io/part-of.
        let searchAPI = workload("search", "search-api")
        XCTAssertEqual(requests(searchAPI)["cpu"] as? Double, 1.5)
        XCTAssertEqual(requests(searchAPI)["memory"] as? Int, 1_610_612_736)
        XCTAssertEqual(searchAPI["team"] as? String, "search-platform")
        // "2G" is decimal: 2,000,000,000 bytes; team from the monitoring namespace's label.
        XCTAssertEqual(requests(workload("monitoring", "grafana"))["memory"] as? Int, 2_000_000_000)
        XCTAssertEqual(workload("monitoring", "grafana")["team"] as? String, "platform")
        // Limits only (500m / 512Mi): requests default to the limits.
        XCTAssertEqual(requests(workload("checkout", "checkout-web"))["cpu"] as? Double, 0.5)
        XCTAssertEqual(requests(workload("checkout", "checkout-web"))["memory"] as? Int, 536_870_912)
        // No resources at all: null, never a made-up zero; no team label anywhere: unassigned.
        XCTAssertTrue(requests(workload("platform-tools", "atlantis"))["cpu"] is NSNull)
        XCTAssertEqual(workload("platform-tools", "atlantis")["team"] as? String, "unassigned")
        // The CronJob is the workload of its Job's pod; the standalone Job is its own.
        XCTAssertEqual(workload("data", "nightly-report")["workloadKind"] as? String, "CronJob")
        XCTAssertEqual(workload("data", "nightly-report")["pods"] as? Int, 1)
        XCTAssertEqual(workload("data", "backfill-orders-2026-11")["workloadKind"] as? String, "Job")
        XCTAssertEqual(workloads.count, 43)
    }

    func testDemoVolumesAreJoinedToClaimsAndPods() throws {
        let result = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"])
        let volumes = try decodeRecords(result.lines).filter { $0["kind"] as? String == "volume" }
        XCTAssertEqual(volumes.count, 11)
        let released = volumes.filter { $0["phase"] as? String == "Released" }
        XCTAssertEqual(Set(released.compactMap { $0["volumeType"] as? String }), ["gp2", "gp3"])
        XCTAssertTrue(released.allSatisfy { ($0["mountedBy"] as? [String])?.isEmpty == true })
        let scratch = volumes.first { ($0["claim"] as? [String: Any])?["name"] as? String == "old-etl-scratch" }
        XCTAssertEqual(scratch?["sizeBytes"] as? Int, 1_099_511_627_776)
        XCTAssertEqual(scratch?["mountedBy"] as? [String], [])
        XCTAssertEqual(scratch?["team"] as? String, "data-eng")
        let kafka = volumes.first { ($0["claim"] as? [String: Any])?["name"] as? String == "data-kafka-1" }
        XCTAssertEqual(kafka?["mountedBy"] as? [String], ["kafka-1"])
        let inTree = volumes.first { $0["csiDriver"] as? String == "kubernetes.io/aws-ebs" }
        XCTAssertEqual(inTree?["zone"] as? String, "us-east-1b")
        XCTAssertTrue((inTree?["volumeHandle"] as? String)?.hasPrefix("vol-0") ?? false)
    }

    func testCorruptLineInTheMiddleIsReportedAndTheRestFlows() throws {
        let scratch = try makeScratchDirectory(self)
        let input = scratch.appendingPathComponent("objects.ndjson")
        let lines = [
            #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}"#,
            #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"2","memory":"4Gi"}}}"#,
            #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n2"},"status":{"allocatable":{"cpu":"2",}}}"#,
            #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n3"},"status":{"allocatable":{"cpu":"4","memory":"8Gi"}}}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", input.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("collect-cluster: \(input.path):3:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("error:"))
        let names = try decodeRecords(result.lines).map { $0["name"] as? String }
        XCTAssertEqual(names, ["n1", "n3"])

        let strict = try Tool.run("collect-cluster", ["--from", input.path, "--strict"])
        XCTAssertEqual(strict.status, 65)
        XCTAssertEqual(strict.lines.count, 0, "--strict stops before writing anything")
    }

    func testTruncatedFinalLineIsReported() throws {
        let scratch = try makeScratchDirectory(self)
        let input = scratch.appendingPathComponent("objects.jsonl")
        let text = #"{"kind":"Node","metadata":{"name":"n1"}}"# + "\n" + #"{"kind":"Node","metadata":{"na"#
        try text.write(to: input, atomically: true, encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", input.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("collect-cluster: \(input.path):2:"), result.stderr)
        XCTAssertEqual(try decodeRecords(result.lines).map { $0["name"] as? String }, ["n1"])
    }

    /// A real manifest applied without `-n` (kubernetes/examples' guestbook frontend) has no namespace of its
    /// own: the API server puts it in `default`, and so does collect-cluster; cluster-scoped nodes stay without.
    func testAManifestWithoutANamespaceIsInDefault() throws {
        let objects = repositoryRoot.appendingPathComponent("fixtures/upstream-objects")
        let result = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "guestbook"], stdin:
            try String(contentsOf: objects.appendingPathComponent("kubernetes-examples/web/guestbook/frontend-deployment.yaml"), encoding: .utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let workload = try XCTUnwrap(try decodeRecords(result.lines).first { $0["kind"] as? String == "workload" })
        XCTAssertEqual(workload["namespace"] as? String, "default")
        XCTAssertEqual(workload["name"] as? String, "frontend")
        let nodes = try Tool.run("collect-cluster", ["--from", objects.appendingPathComponent("honeycombio-honeycomb-kubernetes-agent/testdata/nodes.json").path,
                                                      "--cluster", "duckboat"])
        XCTAssertEqual(try decodeRecords(nodes.lines).filter { $0["kind"] as? String == "node" }.map { $0["namespace"] == nil }, [true, true])
    }

    /// Empty input writes nothing and succeeds, but says so: it is what a failed kubectl upstream leaves.
    func testEmptyInputGivesNothingAndSaysSo() throws {
        let scratch = try makeScratchDirectory(self)
        let empty = scratch.appendingPathComponent("empty.json")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        for (arguments, source) in [(["--from", "-", "--cluster", "x"], "<stdin>"), (["--from", empty.path], empty.path), (["--from", scratch.path], empty.path)] {
            let result = try Tool.run("collect-cluster", arguments, stdin: "")
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(result.stderr, "collect-cluster: \(source): warning: no objects read: the input is empty (did the kubectl writing it fail?)\n")
        }
    }

    func testCorruptFileAmongCapturedFilesIsNamedAndTheOthersStillCount() throws {
        let scratch = try makeScratchDirectory(self)
        let copy = scratch.appendingPathComponent("demo")
        try FileManager.default.copyItem(atPath: demo, toPath: copy.path)
        // Cut pods.json in the middle of an item, as a crashed capture would leave it.
        let podsURL = copy.appendingPathComponent("pods.json")
        let pods = try Data(contentsOf: podsURL)
        try pods.prefix(pods.count / 2).write(to: podsURL)
        // And break a line of services.json so jansson rejects one item.
        let servicesURL = copy.appendingPathComponent("services.json")
        var services = try String(contentsOf: servicesURL, encoding: .utf8)
        let brokenAt = services.range(of: "\"spec\": {")!
        services.replaceSubrange(brokenAt, with: "\"spec\" {")
        try services.write(to: servicesURL, atomically: true, encoding: .utf8)
        let brokenLine = services[..<brokenAt.lowerBound].filter { $0 == "\n" }.count + 1

        let result = try Tool.run("collect-cluster", ["--from", copy.path, "--cluster", "demo"])
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.errorLines.count, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("collect-cluster: \(copy.path)/pods.json:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated"), result.stderr)
        XCTAssertTrue(result.stderr.contains("collect-cluster: \(copy.path)/services.json:\(brokenLine):"), result.stderr)

        let full = try decodeRecords(try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"]).lines)
        let partial = try decodeRecords(result.lines)
        func count(_ records: [[String: Any]], _ kind: String) -> Int { records.filter { $0["kind"] as? String == kind }.count }
        XCTAssertEqual(count(partial, "node"), count(full, "node"))
        XCTAssertEqual(count(partial, "event"), count(full, "event"))
        XCTAssertEqual(count(partial, "service"), count(full, "service") - 1)
        XCTAssertGreaterThan(count(partial, "pod"), 0, "pods before the cut still come out")
        XCTAssertLessThan(count(partial, "pod"), count(full, "pod"))
    }

    func testMultiDocumentYAMLDump() throws {
        let scratch = try makeScratchDirectory(self)
        let input = scratch.appendingPathComponent("dump.yaml")
        try """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              labels: {team: payments}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api, namespace: shop}
            spec:
              replicas: 2
              template:
                metadata: {labels: {app: api}}
                spec:
                  containers:
                  - name: api
                    image: shop/api:1.4
                    resources:
                      requests: {cpu: 1500m, memory: 1.5Gi}
                      limits: {cpu: 2, memory: 2G}
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: api, namespace: shop}
              spec:
                selector: {app: api}
                ports: [{port: 80, targetPort: 8080}]
            """.write(to: input, atomically: true, encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", input.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.lines, [
            #"{"kind":"workload","cluster":"dump","namespace":"shop","name":"api","workloadKind":"Deployment","replicas":{"desired":2,"ready":0},"containers":[{"name":"api","image":"shop/api:1.4","requests":{"cpu":1.5,"memory":1610612736},"limits":{"cpu":2.0,"memory":2000000000},"sidecar":false}],"initContainers":[],"labels":{},"annotations":{},"podLabels":{"app":"api"},"selector":null,"team":"payments","schedule":null,"suspended":null,"pods":0,"rollout":null,"createdAt":null}"#,
            #"{"kind":"service","cluster":"dump","namespace":"shop","name":"api","type":"ClusterIP","selector":{"app":"api"},"ports":[{"port":80,"targetPort":8080}],"clusterIP":null,"loadBalancer":[],"labels":{},"createdAt":null}"#,
        ])
    }

    func testYAMLSyntaxErrorNamesLineAndColumn() throws {
        let scratch = try makeScratchDirectory(self)
        let input = scratch.appendingPathComponent("bad.yml")
        try "kind: Namespace\nmetadata: {name: a}\n---\nkind: Node\nmetadata:\n  name: n1\n   labels: x\n".write(to: input, atomically: true, encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", input.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("collect-cluster: \(input.path):7:"), result.stderr)
    }

    func testStandardInputTakesKubectlOutput() throws {
        let nodes = try String(contentsOfFile: "\(demo)/nodes.json", encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "demo"], stdin: nodes)
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected = try Tool.run("collect-cluster", ["--from", "\(demo)/nodes.json", "--cluster", "demo"])
        XCTAssertEqual(result.stdout, expected.stdout)
        XCTAssertFalse(result.stdout.isEmpty)
    }

    func testUsageErrorsExit64() throws {
        XCTAssertEqual(try Tool.run("collect-cluster", ["--from", "-"]).status, 64)
        XCTAssertEqual(try Tool.run("collect-cluster", ["--no-such-flag"]).status, 64)
        XCTAssertEqual(try Tool.run("collect-cluster", ["--from", demo, "--context", "x"]).status, 64)
    }

    func testMissingInputFileIsAnIOError() throws {
        let result = try Tool.run("collect-cluster", ["--from", "/nonexistent/pods.json"])
        XCTAssertEqual(result.status, 74)
        XCTAssertTrue(result.stderr.contains("/nonexistent/pods.json"), result.stderr)
    }

    func testFullDiskIsAnIOError() throws {
        let result = try Tool.run("collect-cluster", ["--from", demo, "--cluster", "demo"], stdoutPath: "/dev/full")
        XCTAssertEqual(result.status, 74, result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot write"), result.stderr)
    }

    func testHelpExplainsInputOutputAndExample() throws {
        let result = try Tool.run("collect-cluster", ["--help"])
        XCTAssertEqual(result.status, 0)
        for phrase in ["Input:", "Output:", "Examples:", "--from", "--context", "--capture", "Exit status"] {
            XCTAssertTrue(result.stdout.contains(phrase), phrase)
        }
    }
}
