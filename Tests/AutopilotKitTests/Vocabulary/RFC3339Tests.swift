import XCTest
@testable import AutopilotKit

final class RFC3339Tests: XCTestCase {
    func testParsesTheFormsKubernetesAndPrometheusWrite() throws {
        let cases: [(String, Double?)] = [
            ("2026-11-20T12:00:00Z", 1_795_176_000),
            ("2026-11-20t12:00:00z", 1_795_176_000),
            ("2026-11-20T12:00:00.250Z", 1_795_176_000.25),
            ("2026-11-20T14:00:00+02:00", 1_795_176_000),
            ("2026-11-20T07:30:00-04:30", 1_795_176_000),
            ("1795176000", 1_795_176_000),
            ("1795176000.5", 1_795_176_000.5),
            ("1970-01-01T00:00:00Z", 0),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("2026-11-20 12:00:00Z", nil),
            ("2026-11-20T12:00:00", nil),
            ("2026-13-20T12:00:00Z", nil),
            ("2026-11-20T12:00:00.Z", nil),
            ("2026-11-20T12:00:00+0200", nil),
            ("2026-11-20T12:00:00Zjunk", nil),
            ("", nil),
            ("yesterday", nil),
        ]
        for (text, expected) in cases {
            let parsed = RFC3339.date(text)?.timeIntervalSince1970
            if let expected {
                XCTAssertEqual(try XCTUnwrap(parsed, text), expected, accuracy: 1e-6, text)
            } else {
                XCTAssertNil(parsed, text)
            }
        }
    }

    func testRoundTrip() throws {
        let text = "2026-11-13T13:05:00Z"
        XCTAssertEqual(RFC3339.string(try XCTUnwrap(RFC3339.date(text))), text)
    }
}
