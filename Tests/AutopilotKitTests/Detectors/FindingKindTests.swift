import XCTest
@testable import AutopilotKit

/// FindingKind is the list of every finding's `detector` name: the registry's detectors and the raises
/// detect-incidents and the memory detector write, nothing more and nothing less.
final class FindingKindTests: XCTestCase {
    func testEveryWrittenNameIsAKindAndEveryKindIsWritten() {
        let written = Set(DetectorRegistry.names + [OverRequestedMemory.underProvisioned, ProvisioningFindings.underProvisionedCPU])
        XCTAssertEqual(Set(FindingKind.allCases.map(\.rawValue)), written)
    }

    func testKindsDownstreamCodeBranchesOn() {
        XCTAssertEqual(Set(FindingKind.allCases.filter(\.changesRequests)),
                       [.overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU])
        XCTAssertEqual(Set(FindingKind.allCases.filter(\.removesResources)), [.idleNode, .nodeConsolidation, .orphanVolume, .stuckTerminating])
        XCTAssertNil(FindingKind(rawValue: "something-new"))
    }
}
