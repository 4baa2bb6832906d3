import Foundation
import XCTest
@testable import AutopilotKit

/// A pod's requests as the scheduler counts them (Kubernetes' `PodRequests`): native sidecars beside the
/// app containers, each init container beside the sidecars started before it, pod-level requests, and the
/// RuntimeClass overhead. Expected values are worked out by hand below each case.
final class PodRequestsTests: XCTestCase {
    private let mi: Int64 = 1_048_576

    /// A Pod object through the pod record and back, as detect-waste reads it.
    private func requests(_ spec: String) throws -> Observed.Resources {
        let object = try JSON.parse(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},"spec":"# + spec + #","status":{"phase":"Running"}}"#)
        let record = try Observed.Pod(kubectl: object, cluster: "c").json
        return try Observed.Pod(JSON.parse(record.text)).requests
    }

    private func container(_ name: String, cpu: String, memory: String, sidecar: Bool = false) -> String {
        #"{"name":"\#(name)","image":"x",\#(sidecar ? #""restartPolicy":"Always","# : "")"resources":{"requests":{"cpu":"\#(cpu)","memory":"\#(memory)"}}}"#
    }

    func testPlainInitContainersRunAloneAndTheLargestCounts() throws {
        // max(app 100m, init 200m) = 200m; max(64Mi, 32Mi) = 64Mi.
        let spec = #"{"containers":[\#(container("app", cpu: "100m", memory: "64Mi"))],"initContainers":[\#(container("migrate", cpu: "200m", memory: "32Mi"))]}"#
        let result = try requests(spec)
        XCTAssertEqual(result.cpu ?? 0, 0.2, accuracy: 1e-9)
        XCTAssertEqual(result.memory, 64 * mi)
    }

    func testNativeSidecarsRunBesideTheAppAndTheLaterInitContainers() throws {
        // init-a alone: 200m/100Mi. sidecar-b (50m/20Mi) starts, keeps running. init-c beside it: 300m+50m, 10Mi+20Mi.
        // App phase: 100m + 50m = 150m, 64Mi + 20Mi = 84Mi. Largest: 350m; max(100Mi, 20Mi, 30Mi, 84Mi) = 100Mi.
        let spec = #"{"containers":[\#(container("app", cpu: "100m", memory: "64Mi"))],"initContainers":["#
            + [container("init-a", cpu: "200m", memory: "100Mi"), container("sidecar-b", cpu: "50m", memory: "20Mi", sidecar: true),
               container("init-c", cpu: "300m", memory: "10Mi")].joined(separator: ",") + "]}"
        let result = try requests(spec)
        XCTAssertEqual(result.cpu ?? 0, 0.35, accuracy: 1e-9)
        XCTAssertEqual(result.memory, 100 * mi)
        // Without init-a and init-c, the sidecar adds to the app: 150m, 84Mi.
        let sidecarOnly = #"{"containers":[\#(container("app", cpu: "100m", memory: "64Mi"))],"initContainers":[\#(container("proxy", cpu: "50m", memory: "20Mi", sidecar: true))]}"#
        let plain = try requests(sidecarOnly)
        XCTAssertEqual(plain.cpu ?? 0, 0.15, accuracy: 1e-9)
        XCTAssertEqual(plain.memory, 84 * mi)
    }

    func testPodLevelRequestsReplaceTheSumAndOverheadIsAdded() throws {
        // Pod-level CPU 1 replaces 100m; memory has no pod-level value: 64Mi. Overhead 250m/120Mi on top.
        let spec = #"{"containers":[\#(container("app", cpu: "100m", memory: "64Mi"))],"resources":{"requests":{"cpu":"1"}},"overhead":{"cpu":"250m","memory":"120Mi"}}"#
        let result = try requests(spec)
        XCTAssertEqual(result.cpu ?? 0, 1.25, accuracy: 1e-9)
        XCTAssertEqual(result.memory, 184 * mi)
    }
}
