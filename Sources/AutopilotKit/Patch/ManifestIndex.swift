import Foundation

/// The Kubernetes manifests of an infra repo, indexed by what each document defines, with the kustomize
/// structure around them (which namespace a kustomization gives its resources, which files are patches
/// of which overlay). Helm chart templates are skipped: they are Go templates, not YAML.
public struct ManifestIndex {
    public enum Role: Equatable, Sendable {
        case resource
        /// A strategic-merge patch listed by the kustomization in this directory (an overlay).
        case patch(overlay: String)
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
        for (path, source) in sources.sorted(by: { $0.key < $1.key }) where Self.isKustomization(path) {
            if let root = source.documents.first { kustomizations.append(Self.kustomization(root, path: path)) }
        }
        let patchFiles = Dictionary(kustomizations.flatMap { k in k.patches.map { ($0, k.directory) } }, uniquingKeysWith: { a, _ in a })
        for (path, source) in sources.sorted(by: { $0.key < $1.key }) where !Self.isKustomization(path) {
            for (index, root) in source.documents.enumerated() {
                guard let kind = root["kind"]?.scalarValue, let name = root["metadata"]?["name"]?.scalarValue else { continue }
                let role: Role = patchFiles[path].map { .patch(overlay: $0) } ?? .resource
                let namespace = root["metadata"]?["namespace"]?.scalarValue ?? kustomizationNamespace(of: path)
                documents.append(Document(path: path, index: index, kind: kind, name: name, namespace: namespace, role: role))
            }
        }
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
