import XCTest
@testable import AutopilotKit

final class QuantityTextTests: XCTestCase {
    func testCPUKeepsMillicoresWhenTheFileUsesThem() {
        XCTAssertEqual(QuantityText.cpu(0.345, like: "500m"), "345m")
        XCTAssertEqual(QuantityText.cpu(1.0, like: "1500m"), "1000m", "millicores stay millicores even for whole cores")
    }

    func testCPUKeepsADecimalWhenTheFileUsesOne() {
        XCTAssertEqual(QuantityText.cpu(0.25, like: "0.5"), "0.25")
    }

    func testCPUWholeCoresStayWhole() {
        XCTAssertEqual(QuantityText.cpu(1.0, like: "2"), "1")
    }

    func testCPUWithoutAnOldValueIsCoresOrMillicores() {
        XCTAssertEqual(QuantityText.cpu(1.0, like: nil), "1")
        XCTAssertEqual(QuantityText.cpu(0.05, like: nil), "50m")
    }

    func testCPURoundsUpNeverDown() {
        XCTAssertEqual(QuantityText.cpu(0.3451, like: "500m"), "346m")
    }

    func testMemoryKeepsBinaryUnits() {
        XCTAssertEqual(QuantityText.memory(385_875_968, like: "512Mi"), "368Mi")
        XCTAssertEqual(QuantityText.memory(738_197_504, like: "512Mi"), "704Mi")
    }

    func testMemoryKeepsDecimalUnitsRoundingUpToWholeM() {
        XCTAssertEqual(QuantityText.memory(1_543_503_872, like: "2G"), "1544M")
        XCTAssertEqual(QuantityText.memory(1_006_632_960, like: "2G"), "1007M")
    }

    func testMemoryWithoutAnOldValueUsesTheLargestExactBinaryUnit() {
        XCTAssertEqual(QuantityText.memory(2_147_483_648, like: nil), "2Gi")
    }

    func testMemoryKeepsPlainBytes() {
        XCTAssertEqual(QuantityText.memory(536_870_912, like: "1073741824"), "536870912")
    }

    func testMemoryRoundsUpToWholeMiNeverDown() {
        XCTAssertEqual(QuantityText.memory(1_000_000, like: "1Mi"), "1Mi", "1000000 bytes is less than 1Mi")
        XCTAssertEqual(QuantityText.memory(1_048_577, like: "1Gi"), "2Mi", "one byte over 1Mi")
    }
}
