import Foundation
import XCTest

/// collect-cluster in live mode: the real kubectl talking to a local API server that serves the
/// demo cluster's recorded responses (discovery included) on 127.0.0.1.
final class CollectClusterLiveTests: XCTestCase {
    private let demo = repositoryRoot.appendingPathComponent("fixtures/demo")
    private var scratch: URL!

    override func setUpWithError() throws {
        _ = try MissingComponent.executable("kubectl", "make deps installs it (Debian's kubernetes-client)")
        scratch = try makeScratchDirectory(self)
    }

    /// kubectl keeps a discovery cache under $HOME; each test gets its own.
    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.path
        environment["KUBECONFIG"] = nil
        return environment
    }

    private func startServer(_ arguments: [String] = [], token: String? = nil, clientToken: String? = nil) throws
        -> FakeKubeAPIServer
    {
        let server = try FakeKubeAPIServer(
            fixtures: demo, scratch: scratch, extraArguments: arguments, token: token, clientToken: clientToken)
        addTeardownBlock { server.stop() }
        return server
    }

    /// In a pod kubectl takes the service account's token from a fixed path; here a wrapper stands in for
    /// that part (it adds the local server's kubeconfig) and records what collect-cluster asked of kubectl.
    func testInAPodItUsesTheServiceAccountAndAsksForNoContext() throws {
        let server = try startServer()
        let log = scratch.appendingPathComponent("kubectl-calls.log")
        let wrapper = scratch.appendingPathComponent("kubectl-in-pod")
        let kubectl = try MissingComponent.executable("kubectl", "make deps installs it")
        try "#!/bin/sh\necho \"$*\" >> '\(log.path)'\nexec '\(kubectl)' --kubeconfig '\(server.kubeconfig.path)' \"$@\"\n"
            .write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        var environment = self.environment
        environment["KUBERNETES_SERVICE_HOST"] = "10.100.0.1"
        environment["KUBERNETES_SERVICE_PORT"] = "443"

        let named = try Tool.run("collect-cluster", ["--kubectl", wrapper.path, "--cluster", "prod-us"], environment: environment)
        XCTAssertEqual(named.status, 0, named.stderr)
        let records = try decodeRecords(named.lines)
        XCTAssertFalse(records.isEmpty)
        XCTAssertEqual(Set(records.compactMap { $0["cluster"] as? String }), ["prod-us"])
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(calls.count, 18, "one list per resource type")
        XCTAssertTrue(calls.allSatisfy { $0.hasPrefix("get ") && !$0.contains("--context") }, "\(calls)")

        let unnamed = try Tool.run("collect-cluster", ["--kubectl", wrapper.path], environment: environment)
        XCTAssertEqual(unnamed.status, 0, unnamed.stderr)
        XCTAssertEqual(Set(try decodeRecords(unnamed.lines).compactMap { $0["cluster"] as? String }), ["in-cluster"])
    }

    func testLiveCollectionMatchesOfflineReplayByteForByte() throws {
        let server = try startServer()
        let capture = scratch.appendingPathComponent("capture")
        let live = try Tool.run(
            "collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--context", "demo", "--capture", capture.path],
            environment: environment)
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertEqual(live.stderr, "")
        let offline = try Tool.run("collect-cluster", ["--from", demo.path, "--cluster", "demo"])
        XCTAssertFalse(live.stdout.isEmpty)
        XCTAssertEqual(live.stdout, offline.stdout)

        // The capture replays to the same records.
        let replay = try Tool.run("collect-cluster", ["--from", capture.path])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(replay.stdout, live.stdout)
        let captured = try FileManager.default.contentsOfDirectory(atPath: capture.appendingPathComponent("demo").path)
        XCTAssertTrue(captured.contains("pods.json") && captured.contains("nodepools.json"), "\(captured)")

        // kubectl really listed across namespaces, through the API.
        let requests = server.requests
        XCTAssertTrue(requests.contains { $0.hasPrefix("GET /api/v1/pods") }, "\(requests)")
        XCTAssertTrue(requests.contains { $0.hasPrefix("GET /apis/keda.sh/v1alpha1/scaledobjects") }, "\(requests)")
        XCTAssertTrue(requests.contains { $0.hasPrefix("GET /apis/karpenter.sh/v1/nodepools") }, "\(requests)")
    }

    func testBearerTokenOverTLS() throws {
        let server = try startServer(token: "s3cret")
        let result = try Tool.run("collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--context", "demo"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        // The same records as the offline replay of the fixtures the server serves, byte for byte.
        XCTAssertEqual(result.stdout, try Tool.run("collect-cluster", ["--from", demo.path, "--cluster", "demo"]).stdout)
    }

    func testRefusedCredentialsEndTheClusterAtOnce() throws {
        let server = try startServer(token: "s3cret", clientToken: "wrong")
        let result = try Tool.run(
            "collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--retries", "0"], environment: environment)
        XCTAssertEqual(result.status, 69)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("You must be logged in to the server"), result.stderr)
    }

    func testMissingCRDIsNotAnError() throws {
        let server = try startServer(["--omit", "scaledobjects", "--omit", "nodepools"])
        let result = try Tool.run("collect-cluster", ["--kubeconfig", server.kubeconfig.path], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let kinds = Set(try decodeRecords(result.lines).compactMap { $0["kind"] as? String })
        XCTAssertFalse(kinds.contains("scaledobject"))
        XCTAssertFalse(kinds.contains("nodepool"))
        XCTAssertTrue(kinds.contains("pod"))
    }

    func testForbiddenResourceIsReportedAndTheRestStillCollected() throws {
        let server = try startServer(["--fail", "events=403"])
        let result = try Tool.run(
            "collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--context", "demo", "--retries", "0"],
            environment: environment)
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("collect-cluster: error: cluster demo: kubectl get events failed"), result.stderr)
        XCTAssertTrue(result.stderr.contains("forbidden"), result.stderr)
        let kinds = Set(try decodeRecords(result.lines).compactMap { $0["kind"] as? String })
        XCTAssertTrue(kinds.contains("pod") && kinds.contains("node"))
        XCTAssertFalse(kinds.contains("event"))
    }

    func testServerErrorIsRetriedThenReported() throws {
        let server = try startServer(["--fail", "pods=500"])
        let result = try Tool.run(
            "collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--retries", "1"], environment: environment)
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertTrue(result.stderr.contains("kubectl get pods failed (after 2 attempts)"), result.stderr)
        let podLists = server.requests.filter { $0.hasPrefix("GET /api/v1/pods") }
        XCTAssertGreaterThanOrEqual(podLists.count, 2, "retried: \(podLists)")
    }

    func testUnreachableServerExits69WithoutTryingEveryResource() throws {
        let server = try startServer()
        server.stop()
        let result = try Tool.run(
            "collect-cluster", ["--kubeconfig", server.kubeconfig.path, "--context", "demo", "--retries", "1"],
            environment: environment)
        XCTAssertEqual(result.status, 69)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("kubectl get nodes failed (after 2 attempts)"), result.stderr)
    }

    func testMissingKubectlExits69() throws {
        let named = try Tool.run("collect-cluster", ["--kubectl", "/nonexistent/kubectl"], environment: environment)
        XCTAssertEqual(named.status, 69)
        XCTAssertTrue(named.stderr.contains("install kubectl or use --from"), named.stderr)

        var noPath = environment
        noPath["PATH"] = scratch.path
        let onPath = try Tool.run("collect-cluster", ["--context", "demo"], environment: noPath)
        XCTAssertEqual(onPath.status, 69)
        XCTAssertTrue(onPath.stderr.contains("kubectl not found on PATH"), onPath.stderr)
    }

    func testSeveralContextsEachNameTheirCluster() throws {
        let server = try startServer()
        var config = try String(contentsOf: server.kubeconfig, encoding: .utf8)
        config = config.replacingOccurrences(
            of: "current-context: demo",
            with: "- name: arn:aws:eks:us-east-1:123456789012:cluster/prod-us\n  context:\n    cluster: demo\n    user: tester\ncurrent-context: demo")
        try config.write(to: server.kubeconfig, atomically: true, encoding: .utf8)
        let result = try Tool.run(
            "collect-cluster",
            ["--kubeconfig", server.kubeconfig.path, "--context", "demo", "--context", "arn:aws:eks:us-east-1:123456789012:cluster/prod-us"],
            environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let clusters = try decodeRecords(result.lines).map { $0["cluster"] as! String }
        XCTAssertEqual(Set(clusters), ["demo", "prod-us"])
        XCTAssertEqual(clusters.filter { $0 == "demo" }.count, clusters.filter { $0 == "prod-us" }.count)
    }
}
