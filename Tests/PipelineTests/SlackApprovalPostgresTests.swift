import AutopilotKit
import Foundation
import XCTest

/// Every SlackApprovalTests test again, with the ledger (message ids, seen signatures, decisions) on a real
/// PostgreSQL server.
final class SlackApprovalPostgresTests: SlackApprovalTests {
    override class func tearDown() {
        PostgresServer.stopShared()
        super.tearDown()
    }

    override func newLedger(_ scratch: URL) throws -> String { try PostgresServer.shared().newDatabase() }

    // Linux's XCTest finds only the tests a class declares itself (LedgerPostgresTests checks this list).
    override func testOneMessagePerFindingThenUpdatesOfTheSameMessage() throws { try super.testOneMessagePerFindingThenUpdatesOfTheSameMessage() }
    override func testASlackOutageForwardsEveryRecordAndExits69() throws { try super.testASlackOutageForwardsEveryRecordAndExits69() }
    override func testDryRunPrintsThePayloadsAndWebhookPostsOncePerLifecycle() throws { try super.testDryRunPrintsThePayloadsAndWebhookPostsOncePerLifecycle() }
    override func testOnlyCorrectlySignedFreshRequestsAreAcceptedAndAReplayIsRefused() throws { try super.testOnlyCorrectlySignedFreshRequestsAreAcceptedAndAReplayIsRefused() }
    override func testRepliesEscapeWhatTheClickCarried() throws { try super.testRepliesEscapeWhatTheClickCarried() }
    override func testAUserNotOnTheAllowListChangesNothing() throws { try super.testAUserNotOnTheAllowListChangesNothing() }
    override func testFromFindingToApprovedPullRequest() throws { try super.testFromFindingToApprovedPullRequest() }
    override func testAnAcknowledgedDecisionIsFinishedBeforeTheServerStops() throws { try super.testAnAcknowledgedDecisionIsFinishedBeforeTheServerStops() }
    override func testTheTerminalApprovalPrintsTheSameExplanation() throws { try super.testTheTerminalApprovalPrintsTheSameExplanation() }
}
