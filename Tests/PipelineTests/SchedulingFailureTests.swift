import AutopilotKit
import Foundation
import XCTest

/// FailedScheduling classified on the scheduler's own message catalogue: the two messages of the EKS
/// workshop pages (fixtures/upstream-objects, verbatim) and the plugins' other wordings, old and new.
final class SchedulingFailureTests: XCTestCase {
    /// The line of an EKS workshop page that holds a FailedScheduling message, from `0/` to its end.
    static func workshopMessage(_ page: String, line: Int) throws -> String {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/upstream-objects/aws-samples-eks-workshop-v2/website/docs/\(page)"),
                              encoding: .utf8)
        let row = String(text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1])
        let start: String.Index = try XCTUnwrap(row.range(of: "0/")?.lowerBound)
        return String(row[start...].split(separator: "`").first ?? "")
    }

    func testTheMessageIsReadIntoCountedReasons() throws {
        let graviton = try XCTUnwrap(SchedulerMessage(try Self.workshopMessage("fundamentals/compute/managed-node-groups/graviton/scheduling-graviton.md", line: 91)))
        XCTAssertEqual(graviton.nodes, 4)
        XCTAssertEqual(graviton.entries.map(\.count), [1, 3])
        XCTAssertEqual(graviton.entries.map(\.reason), [.untoleratedTaint, .nodeAffinity])
        XCTAssertEqual(graviton.dominant?.reason, .nodeAffinity)
        XCTAssertEqual(graviton.breakdown, "1 of 4 node(s): node(s) had untolerated taint {frontend: true}; 3 of 4 node(s): node(s) didn't match Pod's node affinity/selector")

        let cpu = try XCTUnwrap(SchedulerMessage(try Self.workshopMessage("observability/opensearch/events.md", line: 161)))
        XCTAssertEqual(cpu.entries.map(\.reason), [.insufficient("cpu")], "the preemption part is not a reason")
        XCTAssertTrue(cpu.shortOfCPU)

        let old = try XCTUnwrap(SchedulerMessage("0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 2 node(s) didn't have free ports for the requested pod ports."))
        XCTAssertEqual(old.entries.map(\.reason), [.untoleratedTaint, .hostPorts])
        XCTAssertEqual(old.entries.first?.text, "node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate")
        XCTAssertEqual(SchedulerMessage("no nodes available to schedule pods")?.noNodes, true)
        XCTAssertNil(SchedulerMessage("Back-off restarting failed container"))
    }

    /// A third feature-store-api replica of the demo that cannot be placed, for each message: detect-incidents'
    /// root cause, its confidence, and an action whose command names the pending pod, not the Deployment.
    func testEachReasonGetsItsRootCause() throws {
        let graviton = try Self.workshopMessage("fundamentals/compute/managed-node-groups/graviton/scheduling-graviton.md", line: 91)
        let cases: [(message: String, hypothesis: String, confidence: Double, action: String)] = [
            (graviton, "no-matching-node", 0.8, "fix-placement"),
            ("0/5 nodes are available: 5 Too many pods.", "pod-limit-reached", 0.9, "add-capacity"),
            ("0/16 nodes are available: 16 Insufficient pods.", "pod-limit-reached", 0.9, "add-capacity"),
            ("0/3 nodes are available: 3 node(s) had volume node affinity conflict.", "volume-zone-conflict", 0.9, "add-capacity"),
            ("0/6 nodes are available: 2 node(s) were unschedulable, 4 node(s) didn't match pod topology spread constraints.",
             "topology-spread-unsatisfiable", 0.77, "fix-placement"),
            ("0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 2 node(s) didn't have free ports for the requested pod ports.",
             "host-port-conflict", 0.77, "fix-placement"),
            ("0/4 nodes are available: 4 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
             "untolerated-taint", 0.9, "fix-placement"),
            ("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", "extended-resource-unavailable", 0.9, "add-capacity"),
            ("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
             "unbound-volume-claim", 0.6, "fix-storage"),
            ("no nodes available to schedule pods", "no-nodes", 0.6, "add-capacity"),
        ]
        for entry in cases {
            let incident = try XCTUnwrap(try Self.schedulingIncident(entry.message), entry.message)
            let cause = try XCTUnwrap(incident["rootCause"] as? [String: Any])
            XCTAssertEqual(cause["hypothesis"] as? String, entry.hypothesis, entry.message)
            XCTAssertEqual(cause["confidence"] as? Double ?? 0, entry.confidence, accuracy: 0.001, entry.message)
            let action = try XCTUnwrap((incident["actions"] as? [[String: Any]])?.first, entry.message)
            XCTAssertEqual(action["type"] as? String, entry.action, entry.message)
            if let command = action["command"] as? String, command.contains("kubectl get pod") {
                XCTAssertTrue(command.contains("'feature-store-api-xtwqshbf7w-p3ndg'"), command)
            }
        }
    }

    /// The demo's records with a third feature-store-api replica pending since 11:30 for `message`.
    static func demoWithAPendingPod(_ message: String) throws -> String {
        var lines = DetectWasteDemoTests.demoInput.split(separator: "\n").map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(#"{"kind":"pod""#) && $0.contains(#""name":"feature-store-api-xtwqshbf7w-qxstj""#) })
        var pending = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        pending["name"] = "feature-store-api-xtwqshbf7w-p3ndg"
        pending["phase"] = "Pending"
        pending["node"] = NSNull()
        pending["reason"] = "Unschedulable"
        pending["message"] = message
        pending["reasonSince"] = "2026-11-20T11:30:00Z"
        lines.insert(String(decoding: try JSONSerialization.data(withJSONObject: pending), as: UTF8.self), at: index + 1)
        return lines.joined(separator: "\n") + "\n"
    }

    static func schedulingIncident(_ message: String) throws -> [String: Any]? {
        let result = try Tool.run("detect-incidents", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: try demoWithAPendingPod(message))
        XCTAssertEqual(result.status, 0, result.stderr)
        return try decodeRecords(result.lines).first { $0["kind"] as? String == "incident" && $0["category"] as? String == "failed-scheduling"
            && ($0["target"] as? [String: Any])?["name"] as? String == "feature-store-api" }
    }
}
