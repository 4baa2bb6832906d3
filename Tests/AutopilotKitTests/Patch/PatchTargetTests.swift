import XCTest
@testable import AutopilotKit

/// Kustomize patch targets as emit-pr matches them against the base object.
final class PatchTargetTests: XCTestCase {
    let labels = ["app": "web", "tier": "frontend"]

    func testFieldsAreAnchoredRegularExpressionsAndNilSelectsAnything() {
        XCTAssertEqual(PatchTarget(kind: "Deployment", name: "web-.*").selects(kind: "Deployment", name: "web-canary", namespace: "shop", labels: [:]), true)
        XCTAssertEqual(PatchTarget(name: "web").selects(kind: "Deployment", name: "web-canary", namespace: nil, labels: [:]), false, "anchored")
        XCTAssertEqual(PatchTarget(kind: "StatefulSet").selects(kind: "Deployment", name: "web", namespace: nil, labels: [:]), false)
        XCTAssertEqual(PatchTarget(namespace: "prod-.*").selects(kind: "Deployment", name: "web", namespace: "shop", labels: [:]), false)
        XCTAssertEqual(PatchTarget().selects(kind: "Deployment", name: "web", namespace: "shop", labels: [:]), true)
        XCTAssertEqual(PatchTarget(name: "web[").selects(kind: "Deployment", name: "web[", namespace: nil, labels: [:]), true,
                       "not a regular expression: plain equality")
    }

    func testEqualitySelectorsAreEvaluatedAndSetBasedOnesMaySelect() {
        let select = { (selector: String) in PatchTarget(labelSelector: selector).selects(kind: "Deployment", name: "web", namespace: nil, labels: self.labels) }
        XCTAssertEqual(select("app=web,tier==frontend"), true)
        XCTAssertEqual(select("app=web,tier!=frontend"), false)
        XCTAssertEqual(select("tier"), true)
        XCTAssertEqual(select("!tier"), false)
        XCTAssertEqual(select("app=api"), false)
        XCTAssertNil(select("app in (web, api)"), "set-based: cannot tell")
    }
}
