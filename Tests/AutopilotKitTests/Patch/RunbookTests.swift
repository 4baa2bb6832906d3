import Foundation
import XCTest
@testable import AutopilotKit

/// Runbooks run by a person with real credentials: every name from the cluster must reach bash as data.
/// Each script is run by bash with stub `aws` and `kubectl` (they log their arguments, one per line); a
/// name that escaped its quoting would create a marker file.
final class RunbookTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("runbook-\(UUID().uuidString)")
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for tool in ["aws", "kubectl"] {
            // describe-nodegroup answers the count the scale runbook expects; create-snapshot an id.
            let stub = """
                #!/bin/sh
                printf '%s\\n' "\(tool)" "$@" "--" >> "$STUB_LOG"
                case "$*" in *describe-nodegroup*) echo 3;; *create-snapshot*) echo snap-0123456789abcdef0;; esac
                exit 0

                """
            let path = bin.appendingPathComponent(tool)
            try stub.write(to: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path.path)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Runs the script in the scratch folder; returns the stubs' log and the exit status.
    private func run(_ script: String, environment: [String: String] = [:]) throws -> (log: [String], status: Int32) {
        let file = scratch.appendingPathComponent("runbook.sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let log = scratch.appendingPathComponent("stub.log")
        try? FileManager.default.removeItem(at: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [file.path]
        process.currentDirectoryURL = scratch
        process.environment = ["PATH": scratch.appendingPathComponent("bin").path + ":/usr/bin:/bin", "STUB_LOG": log.path,
                               "HOME": scratch.path].merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), process.terminationStatus)
    }

    private func markers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).filter { $0.hasPrefix("PWNED") }
    }

    private func finding(_ fields: [String: Any]) throws -> FindingRecord {
        let data = try JSONSerialization.data(withJSONObject: fields)
        return try FindingRecord.test(String(decoding: data, as: UTF8.self))
    }

    /// Names a hostile cluster could hold: a command substitution, backticks, a quote, a newline that
    /// would end a comment, and a `}` that would end a `${…:-…}`.
    private let hostile = ["pv-$(touch PWNED1)", "x`touch PWNED2`", "a'; touch PWNED3; echo '", "gp3\ntouch PWNED4", "c}$(touch PWNED5)"]

    func testDeleteVolumePassesEveryNameAsDataAndKeepsCommentsOnOneLine() throws {
        let script = try Runbook.deleteVolume(try finding([
            "id": "f-1'$(touch PWNED6)", "cluster": hostile[4], "namespace": hostile[2], "summary": "orphan\ntouch PWNED7",
            "target": ["kind": "PersistentVolumeClaim", "name": hostile[1]],
            "current": ["volume": hostile[0], "volumeId": "vol-0fcbd3705272a07ba", "zone": "us-east-1a", "volumeType": hostile[3], "sizeBytes": 1 << 30],
            "monthlySavings": 8,
        ]))
        for line in script.split(separator: "\n") where line.hasPrefix("touch") { XCTFail("a name broke out of its line: \(line)") }
        let (log, status) = try run(script)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(markers(), [])
        // The stubs saw the names exactly as the cluster has them.
        XCTAssertTrue(log.contains(hostile[0]), "the PV name reaches kubectl as one argument")
        XCTAssertTrue(log.contains(hostile[1]))
        XCTAssertTrue(log.contains(hostile[2]))
        XCTAssertTrue(log.contains(hostile[4]), "the cluster is the kube context")
        XCTAssertTrue(log.contains("vol-0fcbd3705272a07ba"))
        XCTAssertTrue(log.contains("us-east-1"))
    }

    func testDeleteVolumeRefusesAnIdOrZoneThatIsNotAWSs() throws {
        for (volumeId, zone) in [("vol-0abc$(touch PWNED)", "us-east-1a"), ("vol-0fcbd3705272a07ba; rm -rf /", "us-east-1a"),
                                 ("vol-0FCBD3705272A07BA", "us-east-1a"), ("vol-0fcbd3705272a07ba", "us-east-1a$(id)")] {
            XCTAssertThrowsError(try Runbook.deleteVolume(try finding(["current": ["volumeId": volumeId, "zone": zone, "volume": "pv"]])),
                                 "\(volumeId) in \(zone)")
        }
        XCTAssertEqual(AWSIdentifier.region(ofZone: "us-west-2-lax-1a"), "us-west-2")
        XCTAssertEqual(AWSIdentifier.region(ofZone: "us-gov-west-1b"), "us-gov-west-1")
        XCTAssertEqual(AWSIdentifier.region(ofZone: "eu-central-1c"), "eu-central-1")
        XCTAssertNil(AWSIdentifier.region(ofZone: "us-east-1"))
        XCTAssertTrue(AWSIdentifier.isVolumeId("vol-1a2b3c4d"))
    }

    func testAVolumeWithoutAZoneAsksForTheRegion() throws {
        let script = try Runbook.deleteVolume(try finding(["current": ["volumeId": "vol-1a2b3c4d", "volume": "pv-1"]]))
        XCTAssertNotEqual(try run(script).status, 0, "no AWS_REGION: stops before any command")
        let (log, status) = try run(script, environment: ["AWS_REGION": "eu-west-1"])
        XCTAssertEqual(status, 0)
        XCTAssertTrue(log.contains("eu-west-1"))
    }

    func testDrainPassesTheNodeAndClusterAsData() throws {
        let node = Observed.Node(name: "ip-10-0-0-1$(touch PWNED1)", instanceType: "m6i.large\ntouch PWNED2", region: "us-east-1",
                                 capacityType: "spot\ntouch PWNED3", nodepool: "general\ntouch PWNED4", allocatable: Observed.Resources(cpu: 2, memory: 1 << 33))
        let script = Runbook.drainKarpenterNode(try finding(["id": "f-2", "cluster": hostile[4], "summary": "idle\ntouch PWNED5",
                                                            "recommended": ["movePods": ["a/b\ntouch PWNED6"]]]), node: node)
        let (log, status) = try run(script)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(markers(), [])
        XCTAssertTrue(log.contains("ip-10-0-0-1$(touch PWNED1)"))
        XCTAssertTrue(log.contains(hostile[4]))
    }

    func testScaleNodeGroupPassesTheGroupAndClusterAsData() throws {
        let script = Runbook.scaleNodeGroup(try finding(["id": "f-3", "cluster": hostile[1], "summary": "idle\ntouch PWNED1"]),
                                            nodegroup: "general\"$(touch PWNED2)\"", current: 3, desired: 2, minimum: 1, maximum: 5)
        let (log, status) = try run(script, environment: ["AWS_REGION": "us-east-1"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(markers(), [])
        XCTAssertTrue(log.contains("general\"$(touch PWNED2)\""))
        XCTAssertTrue(log.contains(hostile[1]))
        XCTAssertTrue(log.contains("minSize=1,desiredSize=2,maxSize=5"))
    }
}
