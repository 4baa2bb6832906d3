import XCTest
@testable import AutopilotKit

final class JSONTests: XCTestCase {
    func testReadsNestedValues() throws {
        let json = try JSON.parse(#"{"a":{"b":[1,2.5,"x",true,null]},"s":"héllo"}"#)
        XCTAssertEqual(json["a", "b"]?.array.count, 5)
        XCTAssertEqual(json["a", "b"]?.array[0].int, 1)
        XCTAssertEqual(json["a", "b"]?.array[1].double, 2.5)
        XCTAssertEqual(json["a", "b"]?.array[2].string, "x")
        XCTAssertEqual(json["a", "b"]?.array[3].bool, true)
        XCTAssertTrue(json["a", "b"]?.array[4].isNull ?? false)
        XCTAssertEqual(json["s"]?.string, "héllo")
        XCTAssertNil(json["missing"])
        XCTAssertNil(json["s", "deeper"])
    }

    func testViewsOutliveTheirParentVariable() throws {
        var child: JSON?
        do {
            let document = try JSON.parse(#"{"metadata":{"name":"api"}}"#)
            child = document["metadata"]
        }
        XCTAssertEqual(child?["name"]?.string, "api")
    }

    func testParseErrorsCarryLineAndColumn() {
        XCTAssertThrowsError(try JSON.parse("{\n  \"a\": 1,\n  oops\n}")) { error in
            let parseError = error as! JSONParseError
            XCTAssertEqual(parseError.line, 3)
            XCTAssertGreaterThan(parseError.column, 0)
        }
    }

    func testSerializesInGivenOrderCompactly() {
        let value: JSONValue = ["kind": "node", "cluster": "demo", "cpu": 0.1, "n": 3, "ok": true, "none": nil, "list": [1, "a"]]
        XCTAssertEqual(value.text, #"{"kind":"node","cluster":"demo","cpu":0.1,"n":3,"ok":true,"none":null,"list":[1,"a"]}"#)
    }

    func testRoundTripsThroughValue() throws {
        let text = #"{"b":1,"a":[{"x":"y"}],"c":2.5}"#
        XCTAssertEqual(try JSON.parse(text).value.text, text)
    }

    func testNonFiniteNumbersBecomeNull() {
        XCTAssertEqual(JSONValue.array([.double(.nan), .double(.infinity)]).text, "[null,null]")
    }
}
