import XCTest
@testable import AutopilotKit

final class QuantityTests: XCTestCase {
    func testCPUQuantitiesBecomeCores() throws {
        let cases: [(String, Double)] = [
            ("250m", 0.25), ("1", 1), ("2", 2), ("0.5", 0.5), ("1500m", 1.5), (".5", 0.5), ("5.", 5),
            ("100u", 0.0001), ("1E2", 100), ("2k", 2000), ("+1.25", 1.25), ("0", 0), ("3920m", 3.92),
            ("1e-3", 0.001), ("500000n", 0.0005),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Quantity.cores(text, field: "cpu"), expected, accuracy: 1e-12, text)
        }
    }

    func testMemoryQuantitiesBecomeBytes() throws {
        let cases: [(String, Int64)] = [
            ("512Mi", 536_870_912), ("1Gi", 1_073_741_824), ("1.5Gi", 1_610_612_736), ("2G", 2_000_000_000),
            ("268435456", 268_435_456), ("128974848", 128_974_848), ("129e6", 129_000_000), ("129M", 129_000_000),
            ("123Ki", 125_952), ("1Ti", 1_099_511_627_776), ("1Ei", 1_152_921_504_606_846_976), ("1k", 1000),
            ("14167436Ki", 14_507_454_464), ("0.5Ki", 512), ("1.5", 2), ("100m", 1), ("1e3", 1000), ("1E6", 1_000_000),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Quantity.bytes(text, field: "memory"), expected, text)
        }
    }

    func testInvalidQuantitiesNameFieldAndValue() {
        let invalid = ["", "abc", "12x", "1.2.3", "Gi", "1 Gi", "1gi", "1KiB", "--1", "1e", "1e+", "1e1.5", "m", ".", "1Mi2", "0x10", "1e3m", "1mi"]
        for text in invalid {
            XCTAssertThrowsError(try Quantity.cores(text, field: "spec.containers[0].resources.requests.cpu"), text) { error in
                let quantityError = error as? QuantityError
                XCTAssertEqual(quantityError?.value, text)
                XCTAssertEqual(quantityError?.field, "spec.containers[0].resources.requests.cpu")
                XCTAssertTrue("\(error)".contains("\"\(text)\""))
            }
        }
    }

    func testByteCountBeyondInt64IsAnError() {
        XCTAssertThrowsError(try Quantity.bytes("9Ei", field: "memory"))
        XCTAssertEqual(try Quantity.bytes("7Ei", field: "memory"), 8_070_450_532_247_928_832)
    }

    func testNumbersFromYAMLAreAccepted() throws {
        let json = try JSON.parse(#"{"cpu": 2, "memory": 1073741824, "half": 0.5}"#)
        XCTAssertEqual(try Quantity.cores(json["cpu"]!, field: "cpu"), 2)
        XCTAssertEqual(try Quantity.cores(json["half"]!, field: "cpu"), 0.5)
        XCTAssertEqual(try Quantity.bytes(json["memory"]!, field: "memory"), 1_073_741_824)
    }
}
