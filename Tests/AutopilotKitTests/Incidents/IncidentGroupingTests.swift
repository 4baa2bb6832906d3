import AutopilotKit
import XCTest

/// How signals become incidents: by subject and time, the cause absorbing its symptoms.
final class IncidentGroupingTests: XCTestCase {
    private let api = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "api")
    private let web = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "web")
    private let t0 = RFC3339.date("2026-11-23T10:00:00Z")!

    private func signal(_ category: IncidentCategory?, _ name: String, minutes: Double, _ subject: IncidentSubject, until: Double? = nil) -> Signal {
        Signal(source: .event, category: category, name: name, at: t0.addingTimeInterval(minutes * 60),
               until: until.map { t0.addingTimeInterval($0 * 60) }, subject: subject, detail: name)
    }

    func testAnOOMKillAbsorbsItsCrashLoopAndMemoryAlertButNotAnotherWorkloads() {
        let incidents = IncidentGrouping.incidents([
            signal(.oom, "OOMKilled", minutes: 0, .workload(api)),
            signal(.crashloop, "BackOff", minutes: 5, .workload(api)),
            signal(.memoryPressure, "ContainerMemoryNearLimit", minutes: -10, .workload(api)),
            signal(.crashloop, "BackOff", minutes: 5, .workload(web)),
        ], cluster: "c", gap: 7200)
        XCTAssertEqual(incidents.map(\.category), [.oom, .crashloop])
        XCTAssertEqual(incidents[0].signals.count, 3)
        XCTAssertEqual(incidents[0].start, t0.addingTimeInterval(-600))
        XCTAssertEqual(incidents[1].subject, .workload(web))
    }

    func testSignalsFurtherApartThanTheGapAreTwoIncidents() {
        let incidents = IncidentGrouping.incidents([
            signal(.crashloop, "BackOff", minutes: 0, .workload(api), until: 30),
            signal(.crashloop, "BackOff", minutes: 100, .workload(api)),
            signal(.crashloop, "BackOff", minutes: 300, .workload(api)),
        ], cluster: "c", gap: 7200)
        XCTAssertEqual(incidents.map(\.signals.count), [2, 1], "100 min after the first ended at 30 is within 2 h; 300 is not")
    }

    func testSupportingSignalsJoinAnIncidentOrAreDropped() {
        let node = IncidentSubject.node("ip-10-0-2-20")
        let incidents = IncidentGrouping.incidents([
            signal(.nodeNotReady, "NodeNotReady", minutes: 0, node),
            signal(nil, "TaintManagerEviction", minutes: 5, node),
            signal(.eviction, "Evicted", minutes: 6, node),
            signal(nil, "Unhealthy", minutes: 5, .workload(web)),
        ], cluster: "c", gap: 7200)
        XCTAssertEqual(incidents.count, 1)
        XCTAssertEqual(incidents[0].category, .nodeNotReady)
        XCTAssertEqual(Set(incidents[0].signals.map(\.name)), ["NodeNotReady", "TaintManagerEviction", "Evicted"])
    }

    func testAnUnexplainedAnomalyIsAnIncidentOfItsOwn() {
        let incidents = IncidentGrouping.incidents([signal(.anomaly, "cpu-anomaly", minutes: 0, .workload(api), until: 30)], cluster: "c", gap: 7200)
        XCTAssertEqual(incidents.map(\.category), [.anomaly])
        XCTAssertEqual(incidents[0].status, "observed")
        XCTAssertTrue(incidents[0].id.hasPrefix("i-"))
    }
}
