import Foundation
import XCTest

/// The core library's folders are layers: Vocabulary/ at the bottom uses nothing of the library, IO/ uses
/// only Vocabulary/, Model/ (the record contract) only those two, and each domain above uses the two and
/// the folders listed for it. A type named in a folder but declared in one it may not use is an upward
/// (or sideways) reference: this test lists each, with its file. Every folder must be listed, so a new
/// one is placed on purpose: docs/architecture.md, "The layers of AutopilotKit".
final class LayeringTests: XCTestCase {
    private let sources = repositoryRoot.appendingPathComponent("Sources/AutopilotKit")
    private static let base: Set<String> = ["Vocabulary", "IO"]
    private static let model = base.union(["Model"])
    /// Each folder and the folders it may use.
    private let allowed: [String: Set<String>] = [
        "Vocabulary": [], "IO": ["Vocabulary"], "Model": base,
        "Server": base, "Prometheus": base,
        "Kubernetes": model, "Pricing": model,
        "Detectors": model.union(["Pricing"]),
        "Risk": model.union(["Pricing"]),
        "Evidence": model.union(["Pricing", "Prometheus", "Detectors"]),
        "Incidents": model.union(["Pricing", "Detectors", "Server"]),
        "Patch": model.union(["Kubernetes", "Detectors"]),
        "Ledger": model.union(["Pricing", "Detectors"]),
        "Report": model.union(["Pricing", "Ledger", "Evidence"]),
        "Slack": model.union(["Ledger", "Patch", "Server"]),
        "Site": model.union(["Prometheus", "Kubernetes", "Pricing", "Detectors", "Risk", "Evidence", "Patch", "Ledger", "Slack"]),
        // The fuzz targets reach into every parser by design; nothing uses them.
        "Fuzzing": model.union(["Server", "Prometheus", "Kubernetes", "Pricing", "Detectors", "Risk", "Evidence", "Incidents",
                                "Patch", "Ledger", "Report", "Slack", "Site"]),
    ]

    /// Type names declared in each top-level folder of the library.
    private func declarations() throws -> [String: Set<String>] {
        var byFolder: [String: Set<String>] = [:]
        let pattern = try NSRegularExpression(pattern: #"(?m)^(?:public |internal |private |fileprivate |final )*(?:struct|enum|class|protocol|actor)\s+([A-Z][A-Za-z0-9]*)"#)
        for (folder, text) in try files() {
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                byFolder[folder, default: []].insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return byFolder
    }

    private func files() throws -> [(folder: String, text: String)] {
        guard let walker = FileManager.default.enumerator(atPath: sources.path) else { return [] }
        var out: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let folder = String(relative.prefix { $0 != "/" })
            out.append((folder, try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)))
        }
        return out
    }

    func testLowerFoldersUseNothingAboveThem() throws {
        let declared = try declarations()
        XCTAssertFalse(declared["Vocabulary", default: []].isEmpty)
        guard let walker = FileManager.default.enumerator(atPath: sources.path) else { return XCTFail("no sources") }
        var upward: [String] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let folder = String(relative.prefix { $0 != "/" })
            guard let may = allowed[folder] else {
                upward.append("\(relative): folder \(folder)/ is not placed in a layer (LayeringTests.allowed)")
                continue
            }
            let text = try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)
            // Identifiers outside comments and string literals are what the file uses; a member of another
            // type (`Observed.Container`, a nested type of Model/) is that type's, not a top-level name.
            let code = text.split(separator: "\n").map { line -> String in
                let noComment = line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line)
                return noComment.replacingOccurrences(of: #""[^"]*""#, with: "\"\"", options: .regularExpression)
                    .replacingOccurrences(of: #"\.[A-Z][A-Za-z0-9_]*"#, with: "", options: .regularExpression)
            }.joined(separator: "\n")
            let words = Set(code.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init))
            for (other, names) in declared where other != folder && !may.contains(other) {
                for name in names.intersection(words) where !(declared[folder]?.contains(name) ?? false) {
                    upward.append("\(relative) uses \(name) (\(other)/)")
                }
            }
        }
        XCTAssertEqual(upward.sorted(), [], "references a folder may not make")
    }
}
