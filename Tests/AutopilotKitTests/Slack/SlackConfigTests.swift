@testable import AutopilotKit
import XCTest

/// Who may decide in Slack, from slack-approvals' own file or from autopilot.yaml's `slack` section: one
/// file for the weekly run and the approvals server.
final class SlackConfigTests: XCTestCase {
    private func load(_ text: String) throws -> SlackConfig {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("slack-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try SlackConfig.load(file.path)
    }

    func testTheSiteConfigsSlackSectionIsTheSameAsItsOwnFile() throws {
        let own = try load("""
            defaultChannel: "#cloud-savings"
            approvers: [U0PLATFORM]
            teams:
              checkout: {channel: C0CHECKOUT, approvers: [U01ALICE]}
            """)
        let site = try load("""
            mode: pr
            output: /var/lib/autopilot
            clusters:
              - {name: prod, inCluster: true, prometheus: {url: "http://p:9090"}}
            gitops: {repo: /srv/gitops}
            slack:
              tokenFile: /etc/autopilot/slack-token
              defaultChannel: "#cloud-savings"
              approvers: [U0PLATFORM]
              teams:
                checkout: {channel: C0CHECKOUT, approvers: [U01ALICE]}
            """)
        for config in [own, site] {
            XCTAssertEqual(config.channel(team: "checkout"), "C0CHECKOUT")
            XCTAssertEqual(config.channel(team: "search"), "#cloud-savings")
            XCTAssertTrue(config.mayDecide(user: "U01ALICE", team: "checkout"))
            XCTAssertTrue(config.mayDecide(user: "U0PLATFORM", team: "search"))
            XCTAssertFalse(config.mayDecide(user: "U01ALICE", team: "search"))
        }
    }

    func testOneApproverMayBeGivenWithoutAList() throws {
        let config = try load("approvers: U0ONE\nteams:\n  checkout: {approvers: U01ALICE}\n")
        XCTAssertTrue(config.mayDecide(user: "U0ONE", team: "search"))
        XCTAssertTrue(config.mayDecide(user: "U01ALICE", team: "checkout"))
    }

    func testASiteConfigWithoutASlackSectionLetsNobodyDecide() throws {
        let config = try load("output: out\nclusters:\n  - {name: prod, inCluster: true, prometheus: {url: \"http://p\"}}\n")
        XCTAssertNil(config.defaultChannel)
        XCTAssertFalse(config.mayDecide(user: "U0ANYONE", team: "checkout"))
    }
}
