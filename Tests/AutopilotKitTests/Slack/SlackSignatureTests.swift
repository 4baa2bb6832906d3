import AutopilotKit
import Foundation
import XCTest

/// Slack's v0 signature: only a request signed with the right secret, with the exact body, inside the
/// five-minute window, passes.
final class SlackSignatureTests: XCTestCase {
    let secret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)
    let body = Array("payload=%7B%22type%22%3A%22block_actions%22%7D".utf8)
    let signedAt = Date(timeIntervalSince1970: 1_763_640_000)

    func testSlacksPublishedExampleVerifies() {
        // The example from Slack's "Verifying requests from Slack" documentation.
        let body = Array("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c".utf8)
        let signature = SlackSignature.signature(timestamp: "1531420618", body: body, secret: secret)
        XCTAssertEqual(signature, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    }

    func testOnlyTheRightSecretTheExactBodyAndAFreshTimestampPass() {
        let timestamp = String(Int(signedAt.timeIntervalSince1970))
        let signature = SlackSignature.signature(timestamp: timestamp, body: body, secret: secret)
        func check(_ timestamp: String?, _ signature: String?, _ body: [UInt8], now: Date) -> SlackSignature.Failure? {
            if case .failure(let failure) = SlackSignature.verify(timestamp: timestamp, signature: signature, body: body, secret: secret, now: now) {
                return failure
            }
            return nil
        }
        XCTAssertNil(check(timestamp, signature, body, now: signedAt.addingTimeInterval(30)), "valid")
        let wrongSecret = SlackSignature.signature(timestamp: timestamp, body: body, secret: Array("another-secret".utf8))
        XCTAssertEqual(check(timestamp, wrongSecret, body, now: signedAt), .badSignature)
        XCTAssertEqual(check(timestamp, signature, body + Array("&x=1".utf8), now: signedAt), .badSignature, "body tampered")
        XCTAssertEqual(check(timestamp, signature, body, now: signedAt.addingTimeInterval(360)), .staleTimestamp, "6 minutes old")
        XCTAssertEqual(check(timestamp, signature, body, now: signedAt.addingTimeInterval(-360)), .staleTimestamp, "from the future")
        XCTAssertEqual(check(nil, signature, body, now: signedAt), .missingHeaders)
        XCTAssertEqual(check(timestamp, nil, body, now: signedAt), .missingHeaders)
        XCTAssertEqual(check(timestamp, "", body, now: signedAt), .missingHeaders)
        XCTAssertEqual(check("not-a-number", signature, body, now: signedAt), .staleTimestamp)
        XCTAssertEqual(check(timestamp, String(signature.dropLast()), body, now: signedAt), .badSignature, "a prefix is not a match")
        // A captured valid request replayed after the window: refused.
        XCTAssertEqual(check(timestamp, signature, body, now: signedAt.addingTimeInterval(SlackSignature.window + 1)), .staleTimestamp)
    }
}
