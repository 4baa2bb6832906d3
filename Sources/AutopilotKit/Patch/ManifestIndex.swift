import Foundation

/// The Kubernetes manifests of an infra repo, indexed by what each document defines, with the kustomize
/// structure around them (which namespace a kustomization gives its resources, which files are patches
/// of which overlay). Helm chart templates are skipped: they are Go templates, not YAML.
public struct ManifestIndex {
    public enum Role: Equatable, Sendable {
        case resource
        /// A strategic-merge patch listed by the kustomization in this directory (an overlay).
        case patch(overlay: String)
        /// A strategic-merge patch written inline in the overlay's kustomization (`patches: - patch: |`):
        /// it can be read, not edited in place. Its `path` names the kustomization and the entry.
        case inlinePatch(overlay: String)
    }

    /// A JSON 6902 patch (`patchesJson6902`, or a `patches` entry whose content is a list of operations):
    /// operations on JSON pointers such as `/spec/template/spec/containers/0/resources/limits/memory`.
    public struct OperationsPatch {
        /// The overlay (kustomization directory) that applies it.
        public var overlay: String
        /// Where it is written: its file, or the kustomization and the entry.
        public var origin: String
        /// The target's kind and name; nil matches any (a label selector, or no target).
        public var kind: String?
        public var name: String?
        /// Each operation's `path`, split at `/` (`["spec", "template", …]`).
        public var paths: [[String]]
    }

    public struct Document {
        public var path: String
        public var index: Int
        public var kind: String
        public var name: String
        /// metadata.namespace, else the namespace of the kustomization that includes the file; nil: unknown.
        public var namespace: String?
        public var role: Role
    }

    public struct Kustomization {
        public var directory: String
        public var namespace: String?
        /// Resource entries resolved against `directory` (files or directories, repo-relative).
        public var resources: [String]
        public var patches: [String]
    }

    /// A file that could not be parsed, and why.
    public struct Failure {
        public var path: String
        public var error: YAMLParseError
    }

    public private(set) var documents: [Document] = []
    public private(set) var operationsPatches: [OperationsPatch] = []
    public private(set) var kustomizations: [Kustomization] = []
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
                failures.append(Failure(path: path, error: error))
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
        let patchFiles = Dictionary(kustomizations.flatMap { k in k.patches.map { ($0, k.directory) } }, uniquingKeysWith: { a, _ in a })
        var operationFiles: Set<String> = []
        for (entry, kustomizationPath, label) in patchEntries {
            readPatchEntry(entry, kustomization: kustomizationPath, label: label, operationFiles: &operationFiles)
        }
        for (path, source) in sources.sorted(by: { $0.key < $1.key }) where !Self.isKustomization(path) && !operationFiles.contains(path) {
            for (index, root) in source.documents.enumerated() {
                guard let kind = root["kind"]?.scalarValue, let name = root["metadata"]?["name"]?.scalarValue else { continue }
                let role: Role = patchFiles[path].map { .patch(overlay: $0) } ?? .resource
                let namespace = root["metadata"]?["namespace"]?.scalarValue ?? kustomizationNamespace(of: path)
                documents.append(Document(path: path, index: index, kind: kind, name: name, namespace: namespace, role: role))
            }
        }
    }

    /// A `patches` / `patchesJson6902` entry the file scan does not see: an inline patch (a strategic
    /// merge, indexed as an `.inlinePatch` document, or operations), or a file of operations.
    private mutating func readPatchEntry(_ entry: YAMLNode, kustomization: String, label: String, operationFiles: inout Set<String>) {
        let overlay = (kustomization as NSString).deletingLastPathComponent
        let target = entry["target"]
        var content: YAMLNode?
        var origin = label
        if let inline = entry["patch"]?.scalarValue {
            guard let parsed = try? YAMLSource(bytes: Array(inline.utf8)) else { return }
            if case .mapping? = parsed.documents.first {
                sources[label] = parsed
                for (index, root) in parsed.documents.enumerated() {
                    guard let kind = target?["kind"]?.scalarValue ?? root["kind"]?.scalarValue,
                        let name = target?["name"]?.scalarValue ?? root["metadata"]?["name"]?.scalarValue
                    else { continue }
                    let namespace = target?["namespace"]?.scalarValue ?? root["metadata"]?["namespace"]?.scalarValue ?? kustomizationNamespace(of: kustomization)
                    documents.append(Document(path: label, index: index, kind: kind, name: name, namespace: namespace, role: .inlinePatch(overlay: overlay)))
                }
                return
            }
            content = parsed.documents.first
        } else if let file = entry["path"]?.scalarValue {
            let path = Self.normalize(overlay, file)
            guard case .sequence? = sources[path]?.documents.first else { return }  // a strategic merge file: indexed by the file scan
            operationFiles.insert(path)
            content = sources[path]?.documents.first
            origin = path
        }
        guard case .sequence(let operations)? = content else { return }
        let paths = operations.items.compactMap { $0["path"]?.scalarValue }.map { $0.split(separator: "/").map(String.init) }
        operationsPatches.append(OperationsPatch(overlay: overlay, origin: origin, kind: target?["kind"]?.scalarValue,
                                                 name: target?["name"]?.scalarValue, paths: paths))
    }

    /// Documents defining `kind` `name` in `namespace` (or with no namespace of their own).
    public func documents(kind: String, name: String, namespace: String?) -> [Document] {
        documents.filter { $0.kind == kind && $0.name == name && ($0.namespace == nil || namespace == nil || $0.namespace == namespace) }
    }

    /// The overlays (kustomizations no other includes) that build a file: more than one means an edit of
    /// the file changes several clusters or environments.
    public func overlays(including path: String) -> [String] {
        var including: Set<String> = []
        var frontier = [path]
        while let current = frontier.popLast() {
            for kustomization in kustomizations where !including.contains(kustomization.directory) {
                if kustomization.resources.contains(where: { current == $0 || current.hasPrefix($0 + "/") }) {
                    including.insert(kustomization.directory)
                    frontier.append(kustomization.directory)
                }
            }
        }
        let leaves = including.filter { directory in
            !kustomizations.contains { $0.resources.contains(where: { directory == $0 || directory.hasPrefix($0 + "/") }) }
        }
        return leaves.sorted()
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
        return Kustomization(
            directory: directory, namespace: root["namespace"]?.scalarValue,
            resources: strings(root["resources"]).map { normalize(directory, $0) }, patches: patches.map { normalize(directory, $0) })
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
