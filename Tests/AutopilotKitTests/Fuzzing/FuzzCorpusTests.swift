import Foundation
import XCTest
@testable import AutopilotKit

/// Every committed fuzz input (fixtures/fuzz/TARGET/: the seeds and each crash the fuzzer found, once
/// fixed) runs through its target on every `make test`: a fixed crash stays fixed without running the fuzzer.
final class FuzzCorpusTests: XCTestCase {
    func testEveryCommittedInputPassesItsTarget() throws {
        let root = repositoryRoot.appendingPathComponent("fixtures/fuzz")
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        XCTAssertEqual(Set(folders), Set(FuzzTargets.all.map(\.name)), "one seed folder per target")
        var regressions = 0
        for target in FuzzTargets.all {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target.name).path).sorted()
            XCTAssertFalse(files.isEmpty, "\(target.name) has no seed")
            for file in files {
                target.run(Array(try Data(contentsOf: root.appendingPathComponent(target.name).appendingPathComponent(file))))
                if file.hasPrefix("regression-") { regressions += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(regressions, 7, "the crashes found so far are kept")
    }

    /// Other projects' files (fixtures/upstream-fuzz, see its SOURCES.md) through every target, and what
    /// each must yield: a real Alertmanager notification's alerts all become records, a real EKS NodeList
    /// and kubectl List scan to their items, the EKS module's examples parse as HCL, kubernetes/examples'
    /// manifests parse and take an edit, trickster's Prometheus answers are read by the scanner.
    func testOtherProjectsFilesPassEveryTargetAndReadAsTheyShould() throws {
        let root = repositoryRoot.appendingPathComponent("fixtures/upstream-fuzz")
        func files(_ target: String) throws -> [(String, [UInt8])] {
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target).path).sorted().map {
                ($0, Array(try Data(contentsOf: root.appendingPathComponent(target).appendingPathComponent($0))))
            }
        }
        for target in FuzzTargets.all {
            for (_, bytes) in (try? files(target.name)) ?? [] { target.run(bytes) }
        }
        let alerts = try files("alert-payload")
        XCTAssertEqual(alerts.count, 3)
        for (name, bytes) in alerts {
            let notification = try AlertPayload.read(bytes, defaultCluster: "x", receivedAt: nil)
            XCTAssertTrue(notification.rejected.isEmpty, "\(name): \(notification.rejected)")
            XCTAssertEqual(notification.records.count, name.contains("12_alerts") ? 12 : name.contains("2_alerts") ? 2 : notification.records.count, name)
            XCTAssertFalse(notification.records.isEmpty, name)
        }
        for (name, bytes) in try files("kube-list") {
            var items = 0
            let outcome = bytes.withUnsafeBytes { raw -> KubeListScanner.Outcome in
                var scanner = KubeListScanner(bytes: raw)
                return scanner.scan { element in
                    if (try? JSON.parse(UnsafeRawBufferPointer(rebasing: raw[element.range])))?.isObject == true { items += 1 }
                }
            }
            guard case .list = outcome else { return XCTFail("\(name): \(outcome)") }
            XCTAssertGreaterThan(items, 0, name)
        }
        for (name, bytes) in try files("hcl-edit") { XCTAssertNoThrow(try HCL.parse(bytes), name) }
        for (name, bytes) in try files("yaml-edit") { XCTAssertNoThrow(try YAMLSource(bytes: bytes), name) }
        for (name, bytes) in try files("prom-response") { XCTAssertNotNil(PromResponseScanner.series(bytes), name) }
    }

    /// The fuzzers' findings, each as the smallest case: they broke a parser, and must not again.
    func testTheFuzzersFindings() throws {
        // jansson reads `1\0,` as 1: a NUL is refused before it parses, as the forwarding check refuses it.
        XCTAssertThrowsError(try JSON.parse(#"{"kind":"node","a":1"# + "\u{0}" + #","b":2}"#))
        // A `}` where an item belongs handed out empty elements forever.
        let outcome = Array(#"{"items":[1,}]}"#.utf8).withUnsafeBytes { raw -> KubeListScanner.Outcome in
            var scanner = KubeListScanner(bytes: raw)
            return scanner.scan { _ in }
        }
        guard case .malformed(_, _, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(reason, "expected a value in \"items\"")
        // A `)` where a list item belongs looped forever.
        XCTAssertThrowsError(try HCL.parse(Array("t = \"\"\ny = [\"\")".utf8)))
        // `? key` with no colon has no place to write a value into.
        let source = try YAMLSource(bytes: Array("? key\nother: 1\n".utf8))
        XCTAssertThrowsError(try YAMLEdit.set([.key("key")], to: "42", in: source, document: 0))
        // Thousands of `[` overflowed the stack of both libyaml readers: now a positioned error.
        let deep = Array((" ! " + String(repeating: "[", count: 5000)).utf8)
        XCTAssertThrowsError(try YAMLSource(bytes: deep)) { error in
            XCTAssertEqual((error as? YAMLParseError)?.message, "collections nested more than 256 deep")
        }
        XCTAssertThrowsError(try YAMLDocuments(bytes: deep).forEachDocument { _, _ in })
        // The same in HCL and in a Prometheus answer's members the scanner skips.
        XCTAssertThrowsError(try HCL.parse(Array(("a = " + String(repeating: "[", count: 100_000)).utf8)))
        XCTAssertNil(PromResponseScanner.series(Array((#"{"status":"success","data":{"x":"# + String(repeating: "[", count: 100_000) + "}}").utf8)))
        // A timestamp with a leading zero is not JSON: the scanner leaves it to jansson, which refuses it.
        XCTAssertNil(PromResponseScanner.series(Array(#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0454109658,"1"]]}]}}"#.utf8)))
    }
}
