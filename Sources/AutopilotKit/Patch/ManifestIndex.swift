import Foundation

/// The Kubernetes manifests of an infra repo, indexed by what each document defines, with the kustomize
/// structure around them: which overlays build a file (through `resources`, `bases` and `components`),
/// the name and namespace each gives its objects (`namePrefix`, `nameSuffix`, `namespace`, as `kustomize
/// build` renders them), which files are patches of which overlay. Helm chart templates are skipped: they
/// are Go templates, not YAML.
public struct ManifestIndex {
    public enum Role: Equatable, Sendable {
        case resource
        /// A strategic-merge patch listed by the kustomization in this directory (an overlay).
        case patch(overlay: String)
    }

    /// A patch emit-pr can read but not edit in place: a strategic merge written inline in the overlay's
    /// kustomization (`patches: - patch: |`), or JSON 6902 operations (`patchesJson6902`, or a `patches`
    /// entry holding a list of operations) on pointers such as `/spec/template/spec/containers/0/resources`.
    public struct UneditablePatch {
        public enum Content {
            /// The inline strategic merge, parsed.
            case strategicMerge(YAMLNode)
            /// Each operation that changes something (not `test`): its `path` (and a `move`'s `from`), split at `/`.
            case operations([[String]])
        }

        /// The overlay (kustomization directory) that applies it.
        public var overlay: String
        /// Where it is written: the kustomization and the entry, or the operations' file.
        public var origin: String
        public var target: PatchTarget
        public var content: Content
    }

    public struct Document {
        public var path: String
        public var index: Int
        public var kind: String
        /// metadata.name as written.
        public var name: String
        /// metadata.namespace, else the namespace of the kustomization that includes the file; nil: unknown.
        public var namespace: String?
        public var role: Role
        /// The object as each overlay that builds it names it; one rendering `overlay: nil` when no
        /// kustomization builds the file.
        public var renderings: [Rendering] = []
        /// Of `renderings`, the ones a lookup matched (all of them outside a lookup).
        public var matched: [Rendering] = []

        /// The overlays (kustomizations no other includes) that build the object: editing the document
        /// changes every one of them.
        public var overlays: [String] { renderings.compactMap(\.overlay) }
    }

    /// An object as an overlay renders it: `kustomize build <overlay>` names it `name` in `namespace`.
    public struct Rendering: Equatable, Sendable {
        public var overlay: String?
        public var name: String
        public var namespace: String?
    }

    public struct Kustomization {
        public var directory: String
        public var namespace: String?
        public var namePrefix = ""
        public var nameSuffix = ""
        /// Resource (and `bases`) entries resolved against `directory` (files or directories, repo-relative).
        public var resources: [String]
        /// `components` entries, resolved: folders whose resources and patches this kustomization takes in.
        public var components: [String] = []
        public var patches: [String]

        /// Files and folders whose objects this kustomization builds.
        var includes: [String] { resources + components }
    }

    /// A file that could not be parsed, and why.
    public struct Failure {
        public var path: String
        public var error: YAMLParseError
        var bytes: [UInt8] = []

        /// Whether the file's text holds `name`: only then may it define what a lookup did not find.
        public func mentions(_ name: String) -> Bool {
            let needle = Array(name.utf8)
            guard !needle.isEmpty, needle.count <= bytes.count else { return false }
            return (0...(bytes.count - needle.count)).contains { start in bytes[start] == needle[0] && Array(bytes[start..<(start + needle.count)]) == needle }
        }
    }

    public private(set) var documents: [Document] = []
    public private(set) var uneditablePatches: [UneditablePatch] = []
    public private(set) var kustomizations: [Kustomization] = []
    /// Kustomizations by what they include, and by their folder: the walks up from a file look here.
    private var includers: [String: [Int]] = [:]
    private var byDirectory: [String: [Int]] = [:]
    public private(set) var failures: [Failure] = []
    public private(set) var sources: [String: YAMLSource] = [:]

    /// Reads the YAML files among `files` (repo-relative paths) under `root`.
    public init(root: String, files: [String]) {
        let charts = Set(files.filter { ($0 as NSString).lastPathComponent == "Chart.yaml" }.map { ($0 as NSString).deletingLastPathComponent })
        let yamlFiles = files.filter { path in
            (path.hasSuffix(".yaml") || path.hasSuffix(".yml"))
                && !charts.contains(where: { path.hasPrefix(($0.isEmpty ? "" : $0 + "/") + "templates/") })
        }
        for path in yamlFiles.sorted() {
            guard let bytes = try? FileIO.readAll(root + "/" + path) else { continue }
            do {
                sources[path] = try YAMLSource(bytes: bytes)
            } catch {
                failures.append(Failure(path: path, error: error, bytes: bytes))
            }
        }
        var patchEntries: [(entry: YAMLNode, kustomization: String, label: String)] = []
        for (path, source) in sources.sorted(by: { $0.key < $1.key }) where Self.isKustomization(path) {
            guard let root = source.documents.first else { continue }
            kustomizations.append(Self.kustomization(root, path: path))
            for key in ["patches", "patchesJson6902"] {
                guard case .sequence(let sequence)? = root[key] else { continue }
                for (position, entry) in sequence.items.enumerated() { patchEntries.append((entry, path, "\(path) \(key)[\(position)]")) }
            }
        }
        for (index, kustomization) in kustomizations.enumerated() {
            byDirectory[kustomization.directory, default: []].append(index)
            for included in Set(kustomization.includes) { includers[included, default: []].append(index) }
        }
        let patchFiles = Dictionary(kustomizations.flatMap { k in k.patches.map { ($0, k.directory) } }, uniquingKeysWith: { a, _ in a })
        var operationFiles: Set<String> = []
        for (entry, kustomizationPath, label) in patchEntries {
            readPatchEntry(entry, root: root, kustomization: kustomizationPath, label: label, operationFiles: &operationFiles)
        }
        // Each kustomization folder's ways up, worked out once for all the documents below it.
        var known: [String: [Chain]] = [:]
        for (path, source) in sources.sorted(by: { $0.key < $1.key }) where !Self.isKustomization(path) && !operationFiles.contains(path) {
            for (index, root) in source.documents.enumerated() {
                guard let kind = root["kind"]?.scalarValue, let name = root["metadata"]?["name"]?.scalarValue else { continue }
                let role: Role = patchFiles[path].map { .patch(overlay: $0) } ?? .resource
                let written = root["metadata"]?["namespace"]?.scalarValue
                var document = Document(path: path, index: index, kind: kind, name: name, namespace: written ?? kustomizationNamespace(of: path), role: role)
                // A patch names its object as the overlay's inputs do: the overlay's own prefix comes after.
                let chains: [Chain]
                if case .patch(let overlay) = role {
                    chains = self.chains(from: overlay, selfIncluded: true, depth: 0, known: &known)
                } else {
                    chains = self.chains(from: path, selfIncluded: false, depth: 0, known: &known)
                }
                document.renderings = chains.isEmpty
                    ? [Rendering(overlay: nil, name: name, namespace: document.namespace)]
                    : chains.map { Rendering(overlay: $0.leaf, name: $0.prefix + name + $0.suffix, namespace: $0.namespace ?? written) }
                document.matched = document.renderings
                documents.append(document)
            }
        }
    }

    /// One way up from a file to an overlay: the prefix, suffix and namespace the kustomizations on the way
    /// give its objects (an outer kustomization's prefix goes in front, its namespace wins).
    struct Chain {
        var leaf: String
        var prefix: String
        var suffix: String
        var namespace: String?
    }

    /// The ways up from `path` (a file, or a kustomization's folder) to the overlays that build it. With
    /// `selfIncluded`, `path` is a kustomization folder whose own transformers apply (a patch's overlay).
    func chains(from path: String, selfIncluded: Bool = false) -> [Chain] {
        var known: [String: [Chain]] = [:]
        return chains(from: path, selfIncluded: selfIncluded, depth: 0, known: &known)
    }

    /// `known` holds each folder's chains once worked out: layers shared by many overlays are walked once.
    private func chains(from path: String, selfIncluded: Bool, depth: Int, known: inout [String: [Chain]]) -> [Chain] {
        // Kustomize refuses cycles; a repo may still hold one. 32 levels is far beyond any real layering.
        guard depth < 32 else { return [] }
        var found: [Chain] = []
        for kustomization in ((selfIncluded ? byDirectory[path] : includers[path]) ?? []).map({ kustomizations[$0] }) {
            let outer: [Chain]
            if let cached = known[kustomization.directory] {
                outer = cached
            } else {
                outer = chains(from: kustomization.directory, selfIncluded: false, depth: depth + 1, known: &known)
                known[kustomization.directory] = outer
            }
            if outer.isEmpty {
                found.append(Chain(leaf: kustomization.directory, prefix: kustomization.namePrefix, suffix: kustomization.nameSuffix,
                                   namespace: kustomization.namespace))
            }
            // More ways up than any real repo has: the rest would only repeat overlays already named.
            for chain in outer.prefix(256) {
                found.append(Chain(leaf: chain.leaf, prefix: chain.prefix + kustomization.namePrefix, suffix: kustomization.nameSuffix + chain.suffix,
                                   namespace: chain.namespace ?? kustomization.namespace))
            }
        }
        return found
    }

    /// The overlays that build a kustomization folder (itself, when none includes it).
    public func leaves(of directory: String) -> [String] {
        let leaves = chains(from: directory, selfIncluded: true).map(\.leaf)
        return leaves.isEmpty ? [directory] : Array(Set(leaves)).sorted()
    }

    /// A `patches` / `patchesJson6902` entry the file scan does not see: an inline patch (a strategic merge
    /// or operations), or a file of operations (YAML or JSON).
    private mutating func readPatchEntry(_ entry: YAMLNode, root: String, kustomization: String, label: String,
                                         operationFiles: inout Set<String>) {
        let overlay = (kustomization as NSString).deletingLastPathComponent
        let selector = entry["target"].map(PatchTarget.init)
        var content: YAMLSource?
        var origin = label
        if let inline = entry["patch"]?.scalarValue {
            content = try? YAMLSource(bytes: Array(inline.utf8))
        } else if let file = entry["path"]?.scalarValue {
            let path = Self.normalize(overlay, file)
            content = sources[path] ?? (path.hasSuffix(".json") ? (try? FileIO.readAll(root + "/" + path)).flatMap { try? YAMLSource(bytes: $0) } : nil)
            guard case .sequence? = content?.documents.first else { return }  // a strategic merge file: indexed by the file scan
            operationFiles.insert(path)
            origin = path
        }
        guard let content else { return }
        if case .sequence(let operations)? = content.documents.first {
            var paths: [[String]] = []
            for operation in operations.items where operation["op"]?.scalarValue != "test" {
                for key in operation["op"]?.scalarValue == "move" ? ["path", "from"] : ["path"] {
                    if let pointer = operation[key]?.scalarValue { paths.append(pointer.split(separator: "/").map(String.init)) }
                }
            }
            uneditablePatches.append(UneditablePatch(overlay: overlay, origin: origin, target: selector ?? PatchTarget(), content: .operations(paths)))
            return
        }
        for document in content.documents {
            guard case .mapping = document else { continue }
            // Without a target the patch names its object itself.
            let target = selector ?? PatchTarget(kind: document["kind"]?.scalarValue, name: document["metadata"]?["name"]?.scalarValue,
                                                 namespace: document["metadata"]?["namespace"]?.scalarValue)
            uneditablePatches.append(UneditablePatch(overlay: overlay, origin: origin, target: target, content: .strategicMerge(document)))
        }
    }

    /// Documents whose object some overlay renders as `kind` `name` in `namespace` (or with no namespace
    /// known); `matched` holds the renderings that do.
    public func documents(kind: String, name: String, namespace: String?) -> [Document] {
        documents.compactMap { document in
            guard document.kind == kind else { return nil }
            var found = document
            found.matched = document.renderings.filter { $0.name == name && ($0.namespace == nil || namespace == nil || $0.namespace == namespace) }
            return found.matched.isEmpty ? nil : found
        }
    }

    /// Documents named `name` as written, whatever overlays make of it: to say why a lookup found none.
    public func documents(kind: String, writtenName name: String) -> [Document] {
        documents.filter { $0.kind == kind && $0.name == name }
    }

    private func kustomizationNamespace(of path: String) -> String? {
        var directory = (path as NSString).deletingLastPathComponent
        while true {
            if let kustomization = kustomizations.first(where: { $0.directory == directory }), let namespace = kustomization.namespace {
                return namespace
            }
            if directory.isEmpty { return nil }
            directory = (directory as NSString).deletingLastPathComponent
        }
    }

    static func isKustomization(_ path: String) -> Bool {
        let file = (path as NSString).lastPathComponent
        return file == "kustomization.yaml" || file == "kustomization.yml"
    }

    private static func kustomization(_ root: YAMLNode, path: String) -> Kustomization {
        let directory = (path as NSString).deletingLastPathComponent
        func strings(_ node: YAMLNode?) -> [String] {
            guard case .sequence(let sequence)? = node else { return [] }
            return sequence.items.compactMap { $0.scalarValue }
        }
        var patches = strings(root["patchesStrategicMerge"])
        if case .sequence(let sequence)? = root["patches"] {
            patches += sequence.items.compactMap { $0["path"]?.scalarValue }
        }
        // Remote resources (`github.com/…`, `https://…`) are not in the repo: they build nothing here.
        let local = { (entry: String) in !entry.contains("://") && !entry.hasPrefix("github.com/") }
        var kustomization = Kustomization(
            directory: directory, namespace: root["namespace"]?.scalarValue,
            resources: (strings(root["resources"]) + strings(root["bases"])).filter(local).map { normalize(directory, $0) }.filter { $0 != directory },
            patches: patches.map { normalize(directory, $0) })
        kustomization.components = strings(root["components"]).filter(local).map { normalize(directory, $0) }
        kustomization.namePrefix = root["namePrefix"]?.scalarValue ?? ""
        kustomization.nameSuffix = root["nameSuffix"]?.scalarValue ?? ""
        return kustomization
    }

    /// `a/b` + `../c/d.yaml` → `a/c/d.yaml`.
    static func normalize(_ directory: String, _ relative: String) -> String {
        var parts = directory.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }
}

/// A kustomize patch target: each field an anchored regular expression (as kustomize reads them), the
/// label selector Kubernetes' equality syntax; a nil field selects anything.
public struct PatchTarget: Sendable {
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var labelSelector: String?

    public init(kind: String? = nil, name: String? = nil, namespace: String? = nil, labelSelector: String? = nil) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.labelSelector = labelSelector
    }

    init(_ node: YAMLNode) {
        self.init(kind: node["kind"]?.scalarValue, name: node["name"]?.scalarValue, namespace: node["namespace"]?.scalarValue,
                  labelSelector: node["labelSelector"]?.scalarValue)
    }

    /// Whether the target selects the object; nil when its label selector uses syntax this does not
    /// evaluate (`in`, `notin`): it may.
    public func selects(kind: String, name: String, namespace: String?, labels: [String: String]) -> Bool? {
        guard Self.matches(self.kind, kind), Self.matches(self.name, name) else { return false }
        if let wanted = self.namespace, let namespace, !Self.matches(wanted, namespace) { return false }
        guard let labelSelector else { return true }
        for term in labelSelector.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if term.contains(" in ") || term.contains(" notin ") || term.contains("(") { return nil }
            if let range = term.range(of: "!=") {
                if labels[String(term[..<range.lowerBound])] == String(term[range.upperBound...]) { return false }
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                if labels[String(term[..<range.lowerBound])] != String(term[range.upperBound...]) { return false }
            } else if term.hasPrefix("!") {
                if labels[String(term.dropFirst())] != nil { return false }
            } else if labels[term] == nil {
                return false
            }
        }
        return true
    }

    /// An anchored regular expression match, or plain equality when the pattern is not one.
    static func matches(_ pattern: String?, _ value: String) -> Bool {
        guard let pattern else { return true }
        guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return pattern == value }
        return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}
