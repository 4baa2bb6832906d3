import Foundation
import XCTest

/// The core library's folders are layers: Vocabulary/ at the bottom uses nothing of the library, IO/ uses
/// only Vocabulary/, and the domains above use both and the domains below them. A type named in a folder
/// but declared in one it may not use is an upward (or sideways) reference: this test lists each, with
/// its file. Folders not listed (Model/, Kubernetes/, Pricing/ use each other; the filters and renderers
/// at the top) are not checked yet: docs/architecture.md, "Where the layering is not yet clean".
final class LayeringTests: XCTestCase {
    private let sources = repositoryRoot.appendingPathComponent("Sources/AutopilotKit")
    private static let base: Set<String> = ["Vocabulary", "IO"]
    /// Each folder and the folders it may use.
    private let allowed: [String: Set<String>] = [
        "Vocabulary": [], "IO": ["Vocabulary"],
        "Server": base, "Prometheus": base,
        "Detectors": base.union(["Model", "Pricing"]),
        "Risk": base.union(["Model", "Pricing"]),
        "Incidents": base.union(["Model", "Pricing", "Detectors", "Server"]),
        "Slack": base.union(["Model", "Ledger", "Patch", "Server"]),
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
            guard let may = allowed[folder] else { continue }
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
