import Foundation

/// Where a Helm-rendered workload's container resources live in a values file: `file` and the dotted
/// `path` of the `resources` mapping (e.g. `scheduler.resources`). From `--values-map` or an annotation.
public struct ValuesMapping: Sendable {
    /// `autopilot.io/values: "releases/data/airflow/values.yaml#scheduler.resources"`; per container:
    /// `autopilot.io/values.<container>`.
    public static let annotation = "autopilot.io/values"

    public var cluster: String?
    public var namespace: String?
    public var kind: String
    public var name: String
    public var container: String?
    public var file: String
    public var path: String

    /// The mapping a workload's annotations give for `container`, if any.
    public init?(annotations: [String: String], container: String) {
        guard let text = annotations[Self.annotation + "." + container] ?? annotations[Self.annotation],
            let hash = text.firstIndex(of: "#")
        else { return nil }
        file = String(text[..<hash])
        path = String(text[text.index(after: hash)...])
        kind = ""
        name = ""
        self.container = container
        if file.isEmpty || path.isEmpty { return nil }
    }

    init(cluster: String?, namespace: String?, kind: String, name: String, container: String?, file: String, path: String) {
        (self.cluster, self.namespace, self.kind, self.name, self.container, self.file, self.path) = (cluster, namespace, kind, name, container, file, path)
    }

    /// Reads the `--values-map` file at `path` for the checkout `repo`: its `file`s are relative to the map's
    /// folder when the map lives in the repo.
    public static func load(_ path: String, repo: String) throws -> [ValuesMapping] {
        let repoPath = URL(fileURLWithPath: repo).resolvingSymlinksInPath().path
        let mapFolder = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
        return try load(path, directoryInRepo: mapFolder.hasPrefix(repoPath + "/") ? String(mapFolder.dropFirst(repoPath.count + 1)) : "")
    }

    /// Reads a `--values-map` file: a YAML list of {cluster?, namespace, kind, name, container?, file, path}.
    /// `file` is relative to the repo root, or to the map's own folder when the map lives in the repo
    /// (`directoryInRepo`), so a map kept next to the values files keeps working in a monorepo.
    public static func load(_ path: String, directoryInRepo: String = "") throws -> [ValuesMapping] {
        let source: YAMLSource
        do { source = try YAMLSource(bytes: FileIO.readAll(path)) } catch let error as YAMLParseError {
            throw ConfigError("\(path):\(error.line):\(error.column): \(error.message)")
        }
        guard case .sequence(let list)? = source.documents.first else { throw ConfigError("\(path): expected a list of mappings") }
        return try list.items.map { item in
            func field(_ key: String) -> String? { item[key]?.scalarValue }
            guard let kind = field("kind"), let name = field("name"), let file = field("file"), let valuesPath = field("path") else {
                throw ConfigError("\(path):\(source.line(at: item.start)): each entry needs kind, name, file and path")
            }
            return ValuesMapping(cluster: field("cluster"), namespace: field("namespace"), kind: kind, name: name,
                                 container: field("container"), file: ManifestIndex.normalize(directoryInRepo, file), path: valuesPath)
        }
    }
}
