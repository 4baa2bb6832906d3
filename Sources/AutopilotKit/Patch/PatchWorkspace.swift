/// The files of a checkout as a group of edits leaves them: read from disk, changed in memory, written out
/// only when the whole group applied.
public struct PatchWorkspace {
    public let root: String
    /// Changed or new files by repo-relative path.
    public private(set) var files: [String: [UInt8]] = [:]
    public private(set) var edits: [AppliedEdit] = []
    public private(set) var notes: [String] = []

    public init(root: String) { self.root = root }

    public func read(_ path: String) throws -> [UInt8] {
        if let bytes = files[path] { return bytes }
        return try FileIO.readAll(root + "/" + path)
    }

    public mutating func write(_ path: String, _ bytes: [UInt8]) { files[path] = bytes }
    public mutating func record(_ edit: AppliedEdit) { edits.append(edit) }
    public mutating func note(_ text: String) { if !notes.contains(text) { notes.append(text) } }

    /// Paths changed, sorted.
    public var changedPaths: [String] { files.keys.sorted() }
}

/// One value changed in one file, for the PR's table and its exact rollback.
public struct AppliedEdit: Sendable {
    public var findingId: String
    public var path: String
    public var line: Int
    /// What the value is, e.g. `web CPU request` or `node group general desired_size`.
    public var field: String
    /// The text in the file before and after (nil before: the key was added; nil after: removed).
    public var from: String?
    public var to: String?
}

/// What became of one finding.
public enum PatchResult {
    case applied
    /// Not changed, and why: no code defines the target, the change is ambiguous, or it is not a code change.
    case notPatchable(String)
}
