import Foundation
import XCTest

/// The property every emit-pr run keeps, checked after each run of every emit-pr test: a committed branch
/// is one commit on top of the base, and `git diff base..branch` is exactly its change record's edits.
/// The files changed are the record's files; each hunk holds at least one of its edits (at the line the
/// record names, with its old and new values); each edit lies in a hunk. Nothing else.
enum BranchDiff {
    struct Hunk {
        var oldStart: Int
        var oldCount: Int
        var newStart: Int
        var newCount: Int
        var removed: [String] = []
        var added: [String] = []
        var oldLines: ClosedRange<Int>? { oldCount == 0 ? nil : oldStart...(oldStart + oldCount - 1) }
        var newLines: ClosedRange<Int>? { newCount == 0 ? nil : newStart...(newStart + newCount - 1) }
    }

    struct FileDiff {
        var path: String
        var added: Bool
        var hunks: [Hunk] = []
    }

    static func assertEachBranchHoldsOnlyItsEdits(_ result: ToolResult, repo: URL, base: String,
                                                  file: StaticString = #filePath, line: UInt = #line) throws {
        for record in try EmitPRFixtures.changes(result) {
            // A merge seen in git names an earlier run's commit, on an earlier base.
            guard let commit = record["commit"] as? String, record["state"] as? String != "merged" else { continue }
            let branch = record["branch"] as? String ?? commit
            XCTAssertEqual(try EmitPRFixtures.git(["rev-parse", commit + "^"], in: repo), base, "\(branch) does not start from the base", file: file, line: line)
            let diffs = try parse(EmitPRFixtures.git(["diff", "--no-renames", "--no-ext-diff", "-U0", base, commit], in: repo))
            let edits = record["edits"] as? [[String: Any]] ?? []
            let editedFiles = Set(edits.compactMap { $0["file"] as? String })
            XCTAssertEqual(Set(diffs.map(\.path)), editedFiles, "\(branch): the files its diff changes are not the files its edits name", file: file, line: line)
            XCTAssertEqual(Set(record["files"] as? [String] ?? []), editedFiles, "\(branch): files and edits disagree", file: file, line: line)
            for diff in diffs {
                let fileEdits = edits.filter { $0["file"] as? String == diff.path }
                if diff.added {
                    // A new file (a runbook) is one edit that adds it whole.
                    XCTAssertTrue(fileEdits.contains { $0["from"] is NSNull }, "\(branch): \(diff.path) was added by no edit", file: file, line: line)
                    continue
                }
                var placed = Set<Int>()
                for hunk in diff.hunks {
                    let inHunk = fileEdits.indices.filter { index in
                        let edit = fileEdits[index]
                        guard let at = edit["line"] as? Int else { return false }
                        // A removal names its line in the file before; a change or an addition, the line after.
                        let range = edit["to"] is NSNull ? hunk.oldLines : hunk.newLines
                        return range?.contains(at) ?? false
                    }
                    XCTAssertFalse(inHunk.isEmpty, "\(branch): \(diff.path) has a change its record does not list: -\(hunk.removed) +\(hunk.added)",
                                   file: file, line: line)
                    for index in inHunk {
                        placed.insert(index)
                        let edit = fileEdits[index]
                        // A heap flag's record names the flags it changed, not the variable's whole value: the line
                        // after is the line before with exactly those flags swapped.
                        if ["heap flag", "memory setting"].contains(where: { (edit["field"] as? String ?? "").hasSuffix(" " + $0) }), let from = edit["from"] as? String, let to = edit["to"] as? String {
                            var expected = hunk.removed.joined(separator: "\n")
                            for (old, new) in zip(from.split(separator: " "), to.split(separator: " ")) {
                                expected = expected.replacingOccurrences(of: String(old), with: String(new))
                            }
                            XCTAssertEqual(hunk.added.joined(separator: "\n"), expected, "\(branch): \(diff.path):\(edit["line"] ?? "?")", file: file, line: line)
                            continue
                        }
                        func holds(_ lines: [String], _ value: String) -> Bool { lines.joined(separator: "\n").contains(value) }
                        if let to = edit["to"] as? String {
                            XCTAssertTrue(holds(hunk.added, to),
                                          "\(branch): \(diff.path):\(edit["line"] ?? "?") should read \(to): +\(hunk.added)", file: file, line: line)
                        }
                        if let from = edit["from"] as? String {
                            XCTAssertTrue(holds(hunk.removed, from.split(separator: "\n").first.map(String.init) ?? from),
                                          "\(branch): \(diff.path):\(edit["line"] ?? "?") should have read \(from): -\(hunk.removed)", file: file, line: line)
                        }
                    }
                }
                for index in fileEdits.indices where !placed.contains(index) {
                    XCTFail("\(branch): the edit \(fileEdits[index]) is not in its diff", file: file, line: line)
                }
            }
        }
    }

    /// `git diff -U0` output as files and hunks.
    static func parse(_ text: String) -> [FileDiff] {
        var files: [FileDiff] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("diff --git ") {
                files.append(FileDiff(path: "", added: false))
            } else if line.hasPrefix("--- ") && files.last?.hunks.isEmpty == true {
                if line == "--- /dev/null" { files[files.count - 1].added = true }
            } else if line.hasPrefix("+++ ") && files.last?.hunks.isEmpty == true {
                if line.hasPrefix("+++ b/") { files[files.count - 1].path = String(line.dropFirst(6)) }
            } else if line.hasPrefix("@@ ") {
                let ranges = line.split(separator: " ").dropFirst().prefix(2).map { part -> (Int, Int) in
                    let numbers = part.dropFirst().split(separator: ",").map { Int($0) ?? 0 }
                    return (numbers[0], numbers.count > 1 ? numbers[1] : 1)
                }
                files[files.count - 1].hunks.append(Hunk(oldStart: ranges[0].0, oldCount: ranges[0].1, newStart: ranges[1].0, newCount: ranges[1].1))
            } else if let hunk = files.last?.hunks.indices.last {
                if line.hasPrefix("-") { files[files.count - 1].hunks[hunk].removed.append(String(line.dropFirst())) }
                if line.hasPrefix("+") { files[files.count - 1].hunks[hunk].added.append(String(line.dropFirst())) }
            }
        }
        // A deleted file's path is on its `---` line; emit-pr never deletes files, so none is expected.
        return files
    }
}
