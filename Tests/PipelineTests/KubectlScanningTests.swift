import Foundation
import XCTest
@testable import AutopilotKit

/// collect-cluster's fast path for Pod objects (`ClusterSnapshot.scannedEntry`, a byte scanner) against the
/// jansson path it stands in for: on every Pod of the demo, staging, the chaos captures, the upstream objects
/// and a generated cluster they give equal records, and on hostile objects the fast path either agrees or
/// steps aside; it never reads an object the jansson path refuses or reads differently.
final class KubectlScanningTests: XCTestCase {
    /// Every List item's bytes and its List's item kind, as collect-cluster's reader hands them out.
    private final class Items: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var all: [(bytes: [UInt8], listKind: String?)] = []
        func add(_ bytes: UnsafeRawBufferPointer, _ listKind: String?) {
            lock.lock()
            all.append((Array(bytes), listKind))
            lock.unlock()
        }
    }

    private func items(in directory: String) throws -> [(bytes: [UInt8], listKind: String?)] {
        let items = Items()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            try KubeInput.read(path: "\(directory)/\(file)", diagnostics: Diagnostics(tool: "test"), prepare: { _ in () },
                               scan: { bytes, listKind in items.add(bytes, listKind); return nil }) { _ in }
        }
        return items.all
    }

    /// Where the fast path reads an item, the jansson path reads it to the same entry. True when it read it.
    private func agree(_ bytes: [UInt8], listKind: String?, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let fast = bytes.withUnsafeBytes { ClusterSnapshot.scannedEntry($0, listKind: listKind, cluster: "c") }
        guard case .pod(let fastKey, let fastPod)? = fast else { return false }
        guard let object = try? bytes.withUnsafeBytes({ try JSON.parse($0) }), object.isObject,
            case .pod(let key, let pod) = ClusterSnapshot.entry(KubeItem(object: object, source: "test", line: 1, listKind: listKind), cluster: "c")
        else {
            XCTFail("\(what): the fast path read an object the jansson path refuses: \(String(decoding: bytes.prefix(300), as: UTF8.self))",
                    file: file, line: line)
            return true
        }
        XCTAssertEqual(fastKey, key, what, file: file, line: line)
        XCTAssertEqual(fastPod, pod, "\(what): read differently", file: file, line: line)
        return true
    }

    func testEveryPodOfEveryCorpusReadsTheSameBothWays() throws {
        let synthetic = try makeScratchDirectory(self).appendingPathComponent("synth").path
        let synth = try Tool.run("synth-cluster", ["--nodes", "20", "--workloads", "60", "--pods", "300", "--days", "1", "--out", synthetic])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        var directories = ["fixtures/demo", "fixtures/staging", synthetic]
        for scenario in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("fixtures/chaos").path)
        where !scenario.contains(".") {
            directories.append("fixtures/chaos/\(scenario)/chaos-lab")
        }
        var pods = 0, scanned = 0
        for directory in directories {
            let path = directory.hasPrefix("/") ? directory : repositoryRoot.appendingPathComponent(directory).path
            for item in try items(in: path) {
                guard let object = try? item.bytes.withUnsafeBytes({ try JSON.parse($0) }),
                    (object["kind"]?.string ?? item.listKind) == "Pod" else { continue }
                pods += 1
                if agree(item.bytes, listKind: item.listKind, "\(directory)") { scanned += 1 }
            }
        }
        XCTAssertGreaterThan(pods, 300)
        XCTAssertGreaterThan(Double(scanned), 0.9 * Double(pods), "\(scanned) of \(pods) pods took the fast path")
    }

    /// The upstream objects' Pods (real kubectl output, escapes and all): read the same, or left to jansson.
    func testUpstreamPodsReadTheSameOrAreLeftToJansson() throws {
        let root = repositoryRoot.appendingPathComponent("fixtures/upstream-objects")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return XCTFail("no upstream objects") }
        var directories = Set<String>()
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".json") { directories.insert((relative as NSString).deletingLastPathComponent) }
        }
        var pods = 0
        for relative in directories.sorted() {
            for item in (try? items(in: root.appendingPathComponent(relative).path)) ?? [] {
                guard let object = try? item.bytes.withUnsafeBytes({ try JSON.parse($0) }), (object["kind"]?.string ?? item.listKind) == "Pod" else { continue }
                pods += 1
                _ = agree(item.bytes, listKind: item.listKind, relative)
            }
        }
        XCTAssertGreaterThan(pods, 5)
    }

    /// Pods cut short and with bytes changed into what breaks JSON or changes types: where the fast path
    /// still reads one, the jansson path agrees.
    func testHostileVariantsOfRealPodsNeverReadDifferently() throws {
        let pods = try items(in: repositoryRoot.appendingPathComponent("fixtures/demo").path).filter { item in
            (try? item.bytes.withUnsafeBytes({ try JSON.parse($0) }))?["kind"]?.string == "Pod"
        }.prefix(6)
        XCTAssertEqual(pods.count, 6)
        let replacements: [[UInt8]] = [[0x22], [0x5C], [0x7D], [0x5D], [0x78], [0x30], [0x2D], [0xC3], [0x00], [0x2C], [0x6E]]
        var variants = 0
        for pod in pods {
            let bytes = pod.bytes
            for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 40)) {
                variants += 1
                _ = agree(Array(bytes[..<cut]), listKind: pod.listKind, "cut at \(cut)")
            }
            for position in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 150)) {
                for replacement in replacements {
                    var changed = bytes
                    changed.replaceSubrange(position...position, with: replacement)
                    variants += 1
                    _ = agree(changed, listKind: pod.listKind, "byte \(position) → \(replacement)")
                }
            }
        }
        XCTAssertGreaterThan(variants, 5_000)
    }
}
