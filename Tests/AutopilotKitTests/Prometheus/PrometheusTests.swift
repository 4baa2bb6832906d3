import Foundation
import XCTest
@testable import AutopilotKit

final class PrometheusTests: XCTestCase {
    func testDurationsParseAndPrintAsPrometheusDoes() {
        XCTAssertEqual(Duration("14d")?.seconds, 14 * 86400)
        XCTAssertEqual(Duration("1h30m")?.seconds, 5400)
        XCTAssertEqual(Duration("90s")?.description, "90s")
        XCTAssertEqual(Duration("120m")?.description, "2h")
        XCTAssertEqual(Duration("7d")?.description, "1w")
        for bad in ["", "14", "d", "5x", "-5m", "0s", "1.5h"] { XCTAssertNil(Duration(bad), bad) }
    }

    func testQueriesGoAsFormFieldsWithAStableCaptureKey() {
        let end = Date(timeIntervalSince1970: 1_700_000_000)
        let query = PromQuery.instant("up", at: end, purpose: "test")
        XCTAssertEqual(query.formFields.map { "\($0.0)=\($0.1)" }, ["query=up", "time=1700000000"])
        XCTAssertEqual(query.captureKey, PromQuery.instant("up", at: end, purpose: "other words").captureKey)
        XCTAssertNotEqual(query.captureKey, PromQuery.instant("up", at: end.addingTimeInterval(1), purpose: "test").captureKey)
        let range = PromQuery.range("up", start: end.addingTimeInterval(-3600), end: end, step: Duration(seconds: 60), purpose: "r")
        XCTAssertEqual(range.formFields.map(\.0), ["query", "start", "end", "step"])
        XCTAssertEqual(LivePrometheus.formEncode([("query", "sum by (pod) (x{a=~\"b|c\"})")]),
                       "query=sum%20by%20%28pod%29%20%28x%7Ba%3D~%22b%7Cc%22%7D%29")
        XCTAssertEqual(LivePrometheus.formEncode([("q", "café")]), "q=caf%C3%A9")
    }

    func testDecodesVectorsAndMatricesAndDropsNonNumbers() throws {
        let vector = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1700000000,"0.25"]},{"metric":{"pod":"b"},"value":[1700000000,"NaN"]}]}}"#
        let series = try PrometheusResult.decode(Array(vector.utf8))
        XCTAssertEqual(series.map(\.labels), [["pod": "a"], ["pod": "b"]])
        XCTAssertEqual(series[0].samples.map(\.value), [0.25])
        XCTAssertTrue(series[1].samples.isEmpty, "NaN is no number")
        let matrix = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"+Inf"],[3,"3e2"]]}]}}"#
        XCTAssertEqual(try PrometheusResult.decode(Array(matrix.utf8))[0].samples.map(\.value), [1, 300])
    }

    func testErrorBodiesAndGarbageAreErrors() {
        let error = #"{"status":"error","errorType":"bad_data","error":"parse error"}"#
        XCTAssertThrowsError(try PrometheusResult.decode(Array(error.utf8))) {
            XCTAssertEqual("\($0)", "Prometheus rejected the query (bad_data): parse error")
        }
        XCTAssertThrowsError(try PrometheusResult.decode(Array("<html>502 Bad Gateway</html>".utf8))) {
            XCTAssertTrue("\($0)".hasPrefix("not a Prometheus API response"))
        }
    }

    func testNameMatchersAreAnchoredAndEscaped() {
        XCTAssertEqual(PromQL.oneOf("namespace", ["a", "b.c"]), #"namespace=~"^(a|b\\.c)$""#)
    }

    func testNamespacesAreGroupedUpToThePodLimit() {
        var inventory = UsageInventory()
        for (namespace, pods) in [("a", 3), ("b", 4), ("c", 10), ("d", 1)] {
            for index in 0..<pods {
                inventory.add(try! JSON.parse(#"{"kind":"pod","namespace":"\#(namespace)","name":"p\#(index)","owner":{"kind":"Deployment","name":"x"}}"#))
            }
        }
        XCTAssertEqual(inventory.namespaceChunks(limit: 8), [["a", "b"], ["c"], ["d"]])
        XCTAssertEqual(inventory.podOwners["a/p0"]?.name, "x")
    }

    func testLongRangesAreCutIntoPiecesThatShareNoPoint() {
        var settings = UsageSettings()
        settings.end = Date(timeIntervalSince1970: 1_700_000_000)
        settings.step = Duration(seconds: 60)  // 14 days at 1m: 20,161 points, over Prometheus' 11,000
        let collector = UsageCollector(source: ReplayPrometheus(directory: "/nonexistent"),
                                       settings: settings, diagnostics: Diagnostics(tool: "test"))
        let pieces = collector.rangePieces("up", purpose: "p", series: 1)
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces.first?.start, settings.start)
        XCTAssertEqual(pieces.last?.end, settings.end)
        for (earlier, later) in zip(pieces, pieces.dropFirst()) {
            XCTAssertEqual(later.start!.timeIntervalSince(earlier.end), 60, "the next piece starts one step on")
        }
        let points = pieces.map { Int($0.end.timeIntervalSince($0.start!) / 60) + 1 }
        XCTAssertEqual(points.reduce(0, +), 14 * 1440 + 1)
        XCTAssertTrue(points.allSatisfy { $0 <= 10_000 })
        XCTAssertEqual(pieces.map(\.purpose), ["p (part 1 of 3)", "p (part 2 of 3)", "p (part 3 of 3)"])
        settings.step = Duration(seconds: 300)
        let whole = UsageCollector(source: ReplayPrometheus(directory: "/nonexistent"),
                                   settings: settings, diagnostics: Diagnostics(tool: "test"))
        XCTAssertEqual(whole.rangePieces("up", purpose: "p", series: 1).map(\.purpose), ["p"])
        // 400 pods at 5m: pieces of 375 steps keep each answer within 150,000 points.
        let chunked = whole.rangePieces("up", purpose: "p", series: 400)
        XCTAssertEqual(chunked.count, 11)
        XCTAssertEqual(chunked[1].start!.timeIntervalSince(chunked[0].start!), 375 * 300)
    }

    func testStepSummaryTakesQuantilesAsPrometheusAndHourlyPointsLookBack() throws {
        // Six 30-minute steps from t=0: the hour ending at 3600 holds 1800 and 3600; t=0 is before the grid.
        let series = PromSeries(labels: ["pod": "a"], samples: [(0, 9), (1800, 1), (3600, 3), (5400, 2), (7200, 4), (9000, 5)])
        let grid = EvidenceGrid(start: 3600, step: 3600, count: 3)
        let mean = try XCTUnwrap(StepSummary(series, quantiles: [0.5, 0.9], grid: grid, combine: .mean))
        XCTAssertEqual(mean.quantiles, [3.5, 7])  // sorted 1 2 3 4 5 9: ranks 2.5 and 4.5
        XCTAssertEqual(mean.max, 9)
        XCTAssertEqual(mean.steps, 6)
        XCTAssertEqual(mean.mean, 4)
        XCTAssertEqual(mean.series, [2, 3, 5])
        let peak = try XCTUnwrap(StepSummary(series, quantiles: [], grid: grid, combine: .max))
        XCTAssertEqual(peak.series, [3, 4, 5])
        let gap = try XCTUnwrap(StepSummary(PromSeries(labels: [:], samples: [(9000, 1)]), quantiles: [], grid: grid, combine: .mean))
        XCTAssertEqual(gap.series.map(\.isNaN), [true, true, false], "an hour without steps has no point")
        XCTAssertNil(StepSummary(PromSeries(labels: [:], samples: []), quantiles: [0.5], grid: grid, combine: .max))
    }

    func testReplayFindsWhatWasCapturedAndSaysWhenNot() throws {
        let directory = NSTemporaryDirectory() + "/replay-\(UUID().uuidString)"
        let query = PromQuery.instant("up", at: Date(timeIntervalSince1970: 1_700_000_000), purpose: "up")
        let body = Array(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.utf8)
        let capture = try CapturingPrometheus(StaticSource(body: body), directory: directory)
        XCTAssertEqual(try capture.fetch(query), body)
        try capture.writeIndex([query], settings: UsageSettings().captureJSON)
        let replay = ReplayPrometheus(directory: directory)
        XCTAssertEqual(try replay.fetch(query), body)
        XCTAssertEqual(replay.settings()?["kind"]?.string, "capture")
        XCTAssertThrowsError(try replay.fetch(.instant("down", at: Date(), purpose: "x"))) {
            XCTAssertTrue("\($0)".contains("no captured response"))
        }
    }

    private struct StaticSource: PrometheusSource {
        let body: [UInt8]
        func fetch(_ query: PromQuery) throws(PrometheusError) -> [UInt8] { body }
    }
}

/// Label values come from the cluster: a quote or backslash in one must not end or widen a selector.
final class PromQLEscapingTests: XCTestCase {
    func testHostileLabelValuesStayInsideTheirString() {
        XCTAssertEqual(PromQL.equals("namespace", #"shop"} or vector(1) or {x=""#), #"namespace="shop\"} or vector(1) or {x=\"""#)
        XCTAssertEqual(PromQL.equals("node", #"a\b"#), #"node="a\\b""#)
        XCTAssertEqual(PromQL.oneOf("pod", ["api-0", #"x".*"#]), #"pod=~"^(api-0|x\"\\.\\*)$""#)
        XCTAssertEqual(PromQL.oneOf("pod", [#"a\b"#]), #"pod=~"^(a\\\\b)$""#)
    }
}
