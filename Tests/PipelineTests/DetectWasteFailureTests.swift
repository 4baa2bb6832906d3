import Foundation
import XCTest

/// detect-waste on bad input, bad settings and unknown prices: a clear line on stderr, the good records
/// still flow, the exit status tells.
final class DetectWasteFailureTests: XCTestCase {
    /// One node of a priced type, one over-requested workload on it, its usage.
    static let stream = """
        {"kind":"node","cluster":"t","name":"n1","instanceType":"m5.xlarge","region":"us-east-1","zone":"us-east-1a","capacityType":"on-demand","nodepool":null,"nodegroup":"general","allocatable":{"cpu":3.92,"memory":15139786752},"labels":{},"taints":[],"ready":true,"unschedulable":false}
        {"kind":"pod","cluster":"t","namespace":"shop","name":"api-1","node":"n1","phase":"Running","owner":{"kind":"Deployment","name":"api"},"containers":[{"name":"api","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null},"restarts":0,"lastTermination":null,"waiting":null}],"initContainers":[],"labels":{"app":"api"},"annotations":{},"nodeSelector":{},"tolerations":[],"requiredNodeAffinity":null,"claims":[]}
        {"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","replicas":{"desired":1,"ready":1},"containers":[{"name":"api","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null}}],"labels":{},"annotations":{},"podLabels":{"app":"api"},"team":"shop"}
        {"kind":"usage","cluster":"t","namespace":"shop","workload":{"kind":"Deployment","name":"api"},"container":"api","window":{"start":"2026-11-06T12:00:00Z","end":"2026-11-20T12:00:00Z","step":"5m"},"samples":4032,"pods":1,"cpu":{"p50":0.1,"p90":0.15,"p95":0.2,"p99":0.25,"max":0.3},"memory":{"p50":400000000,"p95":450000000,"p99":460000000,"max":470000000},"oomKills":0,"throttledRatio":null,"series":null}

        """

    func testMalformedLineIsReportedWithItsLineAndTheRestFlows() throws {
        let lines = Self.stream.split(separator: "\n").map(String.init)
        let input = ([lines[0], #"{"kind":"pod","name": oops}"#] + lines[1...]).joined(separator: "\n") + "\n"
        let result = try Tool.run("detect-waste", ["--quiet"], stdin: input)
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("detect-waste: <stdin>:2:"), result.stderr)
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        // The four good records are forwarded, and the finding on them still comes out.
        XCTAssertEqual(result.lines.filter { !$0.hasPrefix(#"{"kind":"finding""#) }, lines)
        XCTAssertEqual(result.lines.filter { $0.contains(#""detector":"over-requested-cpu""#) }.count, 1)
    }

    func testRecordMissingAFieldIsForwardedAndReported() throws {
        let input = Self.stream + #"{"kind":"usage","cluster":"t","namespace":"shop","container":"x","samples":5}"# + "\n"
        let result = try Tool.run("detect-waste", ["--quiet"], stdin: input)
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.errorLines, ["detect-waste: <stdin>:5: error: usage: missing string field 'workload.name'; forwarded, not analysed"])
        XCTAssertTrue(result.stdout.hasPrefix(input), "nothing is lost")
    }

    func testStrictStopsAtTheFirstBadLine() throws {
        let result = try Tool.run("detect-waste", ["--strict"], stdin: "not json\n" + Self.stream)
        XCTAssertEqual(result.status, 65)
        XCTAssertFalse(result.stdout.contains(#""kind":"finding""#))
    }

    func testUnknownInstanceTypeWarnsAndPricesNothing() throws {
        let input = Self.stream.replacingOccurrences(of: #""instanceType":"m5.xlarge""#, with: #""instanceType":"x9.mega""#)
        let result = try Tool.run("detect-waste", ["--summary"], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.errorLines.first,
                       #"detect-waste: warning: instance type x9.mega in us-east-1 is not in the price table: findings on its nodes carry priceSource "unknown" and no dollars; add it with --prices FILE"#)
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        XCTAssertEqual(findings.count, 2)
        for finding in findings {
            XCTAssertEqual(finding["priceSource"] as? String, "unknown")
            XCTAssertTrue(finding["monthlySavings"] is NSNull)
            XCTAssertTrue(finding["monthlyCost"] is NSNull)
        }
        XCTAssertTrue(result.errorLines.last!.hasSuffix("monthly savings $0.00 across 0 priced findings, 2 with unknown prices"), result.stderr)
    }

    func testPriceFileAddsTheMissingType() throws {
        let scratch = try makeScratchDirectory(self)
        let prices = scratch.appendingPathComponent("prices.csv")
        try "region,instanceType,vcpu,memoryGiB,onDemandHourly\nus-east-1,x9.mega,4,16,1.0\n".write(to: prices, atomically: true, encoding: .utf8)
        let input = Self.stream.replacingOccurrences(of: #""instanceType":"m5.xlarge""#, with: #""instanceType":"x9.mega""#)
        let result = try Tool.run("detect-waste", ["--quiet", "--prices", prices.path], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        XCTAssertEqual(findings.map { $0["priceSource"] as? String }, ["on-demand", "on-demand"])
    }

    func testBadSettingsAreUsageErrors() throws {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try "cpu:\n  margn: 0.2\n".write(to: config, atomically: true, encoding: .utf8)
        var result = try Tool.run("detect-waste", ["--config", config.path], stdin: Self.stream)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("unknown setting 'cpu.margn'"), result.stderr)
        XCTAssertEqual(result.stdout, "", "a usage error reads no input")

        let prices = scratch.appendingPathComponent("prices.csv")
        try "region,instanceType,onDemandHourly\nus-east-1,m5.xlarge,cheap\n".write(to: prices, atomically: true, encoding: .utf8)
        result = try Tool.run("detect-waste", ["--prices", prices.path], stdin: Self.stream)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("prices.csv:2: onDemandHourly 'cheap' is not a price"), result.stderr)

        result = try Tool.run("detect-waste", ["--detectors", "idle-node,cost-magic"], stdin: Self.stream)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("unknown detector 'cost-magic'"), result.stderr)
    }

    func testDetectorSelectionMinSavingsAndConfig() throws {
        var result = try Tool.run("detect-waste", ["--quiet", "--detectors", "over-requested-memory"], stdin: Self.stream)
        XCTAssertEqual(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) }.count, 1)
        XCTAssertTrue(result.lines.last!.contains(#""detector":"over-requested-memory""#))

        // The CPU finding saves about $53/month on an m5.xlarge; the memory one about $11.
        result = try Tool.run("detect-waste", ["--quiet", "--min-savings", "20"], stdin: Self.stream)
        let kept = result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) }
        XCTAssertEqual(kept.count, 1)
        XCTAssertTrue(kept[0].contains(#""detector":"over-requested-cpu""#))

        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try "cpu:\n  percentile: max\n  margin: 0.5\n".write(to: config, atomically: true, encoding: .utf8)
        result = try Tool.run("detect-waste", ["--quiet", "--config", config.path, "--detectors", "over-requested-cpu"], stdin: Self.stream)
        let finding = try XCTUnwrap(try decodeRecords(result.lines).last)
        XCTAssertEqual((finding["recommended"] as! [String: Any])["cpu"] as? Double, 0.45, "max 0.3 × 1.5")
    }
}
