import Foundation
import XCTest
@testable import AutopilotKit

/// The fast path of the `pod` and `usage` readers (`ObservedCluster.scan`, a byte scanner) against the
/// jansson path it stands in for: on every line of real streams they give equal values, and on hostile
/// lines the fast path either gives what jansson's reader gives or steps aside (`Fallback`); it never
/// accepts a line the jansson path would refuse or read differently.
final class RecordScanningTests: XCTestCase {
    /// The demo's stream after collect-metrics, the chaos scenarios' likewise, and staging's and the
    /// upstream objects' cluster records.
    static let streams: [(name: String, text: String)] = {
        var streams = [("demo", DetectWasteDemoTests.demoInput)]
        for scenario in ["bad-rollout", "memory-leak-oom", "node-not-ready"] {
            let directory = "fixtures/chaos/\(scenario)"
            let cluster = try! Tool.run("collect-cluster", ["--from", "\(directory)/chaos-lab"])
            let metrics = try! Tool.run("collect-metrics", ["--from", "\(directory)/prometheus"], stdin: cluster.stdout)
            precondition(metrics.status == 0, metrics.stderr)
            streams.append((scenario, metrics.stdout))
        }
        for corpus in ["fixtures/staging", "fixtures/upstream-objects"] {
            streams.append((corpus, try! Tool.run("collect-cluster", ["--from", corpus, "--cluster", "c"]).stdout))
        }
        return streams
    }()

    /// What the jansson path makes of `text`: the record's value and its `cluster` member, or nil where it
    /// refuses the line (not JSON, not an object, a field the reader refuses).
    private func jansson(_ text: [UInt8]) -> (value: AnyHashableRecord, cluster: String?)? {
        guard let record = try? text.withUnsafeBytes({ try JSON.parse($0) }), record.isObject else { return nil }
        switch record["kind"]?.string {
        case "pod": return (try? Observed.Pod(record)).map { (.pod($0), record["cluster"]?.string) }
        case "usage": return (try? Observed.Usage(record)).map { (.usage($0), record["cluster"]?.string) }
        default: return nil
        }
    }

    private func fast(_ text: [UInt8]) -> (value: AnyHashableRecord, cluster: String?)? {
        text.withUnsafeBytes { bytes in
            let line = InputLine(bytes: bytes, number: 1, source: "test", terminated: true)
            switch try? ObservedCluster.scan(line) {
            case .pod(let pod, let cluster): return (.pod(pod), cluster)
            case .usage(let usage, let cluster): return (.usage(usage), cluster)
            case nil: return nil
            }
        }
    }

    /// Where the fast path reads a line, the jansson path reads it too, to the same value.
    private func checkAgreement(_ text: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard let fast = fast(text) else { return false }
        guard let slow = jansson(text) else {
            XCTFail("\(what): the fast path read a line the jansson path refuses: \(String(decoding: text, as: UTF8.self).prefix(300))",
                    file: file, line: line)
            return true
        }
        XCTAssertEqual(fast.value, slow.value, "\(what): read differently", file: file, line: line)
        XCTAssertEqual(fast.cluster, slow.cluster, "\(what): cluster", file: file, line: line)
        return true
    }

    func testEveryPodAndUsageLineReadsTheSameBothWays() throws {
        var lines = 0, scanned = 0
        for (name, text) in Self.streams {
            for line in text.split(separator: "\n") where line.hasPrefix(#"{"kind":"pod""#) || line.hasPrefix(#"{"kind":"usage""#) {
                lines += 1
                if checkAgreement(Array(line.utf8), "\(name): \(line.prefix(80))") { scanned += 1 }
            }
        }
        XCTAssertGreaterThan(lines, 200)
        // Lines with escapes or non-ASCII text are jansson's; the rest, nearly all, take the fast path.
        XCTAssertGreaterThan(Double(scanned), 0.9 * Double(lines), "\(scanned) of \(lines) lines took the fast path")
    }

    /// collect-metrics' pod fast path (`UsageInventory.addPod(scanning:)`): on every pod line of the streams
    /// and on hostile variants of them, what it takes is what the jansson path takes, or it steps aside.
    func testCollectMetricsTakesTheSameFromEveryPod() throws {
        func agree(_ text: [UInt8], _ what: String) -> Bool {
            var fast = UsageInventory()
            guard (try? text.withUnsafeBytes({ try fast.addPod(scanning: $0) })) != nil else { return false }
            var slow = UsageInventory()
            guard let record = try? text.withUnsafeBytes({ try JSON.parse($0) }), record.isObject else {
                XCTFail("\(what): the fast path took a line jansson refuses")
                return true
            }
            slow.add(record)
            XCTAssertEqual(fast.cluster, slow.cluster, what)
            XCTAssertEqual(fast.podOwners, slow.podOwners, what)
            XCTAssertEqual(fast.barePods, slow.barePods, what)
            XCTAssertEqual(fast.podsPerNamespace, slow.podsPerNamespace, what)
            return true
        }
        var pods = 0, scanned = 0
        for (name, text) in Self.streams {
            for line in text.split(separator: "\n") where line.hasPrefix(#"{"kind":"pod""#) {
                pods += 1
                let bytes = Array(line.utf8)
                if agree(bytes, name) { scanned += 1 }
                for position in stride(from: 9, to: bytes.count, by: max(1, bytes.count / 20)) {
                    for replacement: UInt8 in [0x22, 0x5C, 0x7D, 0x78, 0xC3] {
                        var changed = bytes
                        changed[position] = replacement
                        _ = agree(changed, "\(name) byte \(position)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(scanned, pods * 9 / 10)
    }

    /// Every line cut short, and bytes changed at many places, into what breaks JSON (a quote, a backslash,
    /// a brace, a letter in a number, a byte above 0x7F, a NUL): where the fast path still reads it, the
    /// jansson path agrees.
    func testHostileVariantsOfRealLinesNeverReadDifferently() throws {
        let demo = Self.streams[0].text.split(separator: "\n")
        let samples = demo.filter { $0.hasPrefix(#"{"kind":"pod""#) }.prefix(12) + demo.filter { $0.hasPrefix(#"{"kind":"usage""#) }.prefix(12)
        XCTAssertEqual(samples.count, 24)
        let replacements: [[UInt8]] = [[0x22], [0x5C], [0x7D], [0x5D], [0x78], [0x30], [0x2D], [0xC3], [0x00], [0x2C], [0x20], [0x65]]
        var variants = 0
        for sample in samples {
            let bytes = Array(sample.utf8)
            for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 40)) {
                variants += 1
                _ = checkAgreement(Array(bytes[..<cut]), "cut at \(cut)")
            }
            for position in stride(from: 9, to: bytes.count, by: max(1, bytes.count / 60)) {
                for replacement in replacements {
                    var changed = bytes
                    changed.replaceSubrange(position...position, with: replacement)
                    variants += 1
                    _ = checkAgreement(changed, "byte \(position) → \(replacement)")
                }
            }
        }
        XCTAssertGreaterThan(variants, 10_000)
    }

    /// Lines written to differ from what collect-cluster and collect-metrics write: each either reads
    /// the same both ways or steps aside, and the ones the fast path is meant to read, it reads.
    func testUnusualButValidRecords() throws {
        let pod = #"{"kind":"pod","cluster":"c","namespace":"ns","name":"p","containers":[{"name":"app","requests":{"cpu":0.5,"memory":1073741824},"restarts":2}]}"#
        let cases: [(String, read: Bool)] = [
            (pod, true),
            // Members repeated: the last counts, as in jansson.
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"x","name":"p""#), true),
            (pod.replacingOccurrences(of: #""restarts":2"#, with: #""restarts":"many","restarts":2"#), false),
            // Numbers: a whole real is an integer to JSON.int; a fraction, a string, an overflow are the reader's errors.
            (pod.replacingOccurrences(of: #""restarts":2"#, with: #""restarts":2.0"#), true),
            (pod.replacingOccurrences(of: #""restarts":2"#, with: #""restarts":2.5"#), false),
            (pod.replacingOccurrences(of: #""restarts":2"#, with: #""restarts":99999999999999999999"#), false),
            (pod.replacingOccurrences(of: #""cpu":0.5"#, with: #""cpu":5e-1"#), true),
            (pod.replacingOccurrences(of: #""cpu":0.5"#, with: #""cpu":1e400"#), false),
            (pod.replacingOccurrences(of: #""cpu":0.5"#, with: #""cpu":-0"#), true),
            (pod.replacingOccurrences(of: #""cpu":0.5"#, with: #""cpu":05"#), false),
            (pod.replacingOccurrences(of: #""cpu":0.5"#, with: #""cpu":"500m""#), false),
            // Types the accessors read as absent.
            (pod.replacingOccurrences(of: #""namespace":"ns","#, with: #""namespace":"ns","node":7,"labels":[1],"tolerations":{"a":1},"#), true),
            (pod.replacingOccurrences(of: #""namespace":"ns""#, with: #""namespace":null"#), false),
            // Escapes and UTF-8 are decoded and checked as jansson does; what jansson refuses is its to report.
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"p\u00e9\"\\\/\n\ud83d\ude00""#), true),
            (pod.replacingOccurrences(of: #""name":"p""#, with: "\"name\":\"pé😀\""), true),
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"p\u0000""#), false),
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"p\ud800""#), false),
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"p\ude00\ud800""#), false),
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""name":"p\x41""#), false),
            (pod.replacingOccurrences(of: #""name":"p""#, with: #""n\u0061me":"p""#), false),
            // A second kind, a time the cluster model takes from any record, nesting deeper than the scanner goes.
            (pod.replacingOccurrences(of: #""cluster":"c""#, with: #""cluster":"c","kind":"node""#), false),
            (pod.replacingOccurrences(of: #""cluster":"c""#, with: #""cluster":"c","lastTimestamp":"2026-01-01T00:00:00Z""#), false),
            (pod.replacingOccurrences(of: #""cluster":"c""#, with: #""cluster":"c","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)), false),
            (pod + " \r\n", true),
            (pod + "{}", false),
        ]
        for (text, read) in cases {
            XCTAssertEqual(checkAgreement(Array(text.utf8), text), read, text)
        }
        // Bytes that are not UTF-8 (an overlong form, a surrogate, a lone continuation, beyond U+10FFFF, cut short).
        let prefix = Array(#"{"kind":"pod","namespace":"ns","name":"p"#.utf8), suffix = Array(#"","containers":[]}"#.utf8)
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] {
            XCTAssertFalse(checkAgreement(prefix + bad + suffix, "\(bad)"), "\(bad)")
        }
        XCTAssertTrue(checkAgreement(prefix + [0xE2, 0x82, 0xAC] + suffix, "€"))
    }
}

/// A pod or a usage, compared as values.
enum AnyHashableRecord: Equatable {
    case pod(Observed.Pod)
    case usage(Observed.Usage)
}
