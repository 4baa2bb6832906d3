import Foundation

/// Which folders of the infra repo each cluster deploys from. In order of precedence: what the user mapped
/// (`--cluster-path CLUSTER=DIR`, or a `--cluster-paths` file), then what the repo's own deployment objects
/// say: Argo CD `Application`s and `ApplicationSet`s (list generators) by their destination, and Flux
/// `Kustomization`s by the cluster folder they live in (`clusters/<name>/`, as `flux bootstrap` lays it out).
/// A folder named after the cluster on a file's path is the last resort.
public struct ClusterPaths {
    /// One folder (or file) a cluster deploys, and who said so.
    public struct Claim: Sendable, Equatable {
        /// Empty when the object does not say: then it is the cluster a folder of `definedIn` is named after
        /// (one Argo CD or Flux per cluster, each reading its own `…/<cluster>/` folder).
        public var cluster: String
        /// Repo-relative; "" is the whole repo.
        public var path: String
        /// `--cluster-path`, or the object that says so: `argocd/apps.yaml: Application guestbook`.
        public var origin: String
        /// Helm values files the deploying object names (Argo CD `helm.valueFiles`), repo-relative.
        public var valueFiles: [String] = []
        /// The folders of the file holding the deploying object.
        public var definedIn: [String] = []
        public var mapped: Bool { origin == Self.userOrigin }

        /// Whether the claim is `cluster`'s: by name, every cluster, or the folder the object sits in.
        func isFor(_ cluster: String) -> Bool {
            self.cluster == cluster || self.cluster == ClusterPaths.everyCluster || (self.cluster.isEmpty && definedIn.contains(cluster))
        }
        static let userOrigin = "--cluster-path"
    }

    /// How a path of the repo is tied to a cluster.
    public enum Tie: Equatable {
        /// The user mapped it, or an Argo CD / Flux object deploys it to this cluster.
        case claimed(Claim)
        /// A folder on the path is named after the cluster.
        case namedFolder
        /// Something deploys it to another cluster only.
        case otherCluster(Claim)
        case unknown

        public var isThisCluster: Bool {
            switch self {
            case .claimed, .namedFolder: true
            case .otherCluster, .unknown: false
            }
        }

        public var isOtherCluster: Bool {
            if case .otherCluster = self { return true }
            return false
        }
    }

    public private(set) var claims: [Claim] = []

    /// `mapped`: cluster → folders the user gave. The repo's Argo CD and Flux objects are read from `manifests`.
    public init(mapped: [String: [String]] = [:], manifests: ManifestIndex? = nil) {
        for (cluster, paths) in mapped.sorted(by: { $0.key < $1.key }) {
            for path in paths { claims.append(Claim(cluster: cluster, path: Self.clean(path), origin: Claim.userOrigin)) }
        }
        guard let manifests else { return }
        for document in manifests.documents {
            guard let root = manifests.sources[document.path]?.documents[document.index] else { continue }
            let apiVersion = root["apiVersion"]?.scalarValue ?? ""
            let origin = "\(document.path): \(document.kind) \(document.name)"
            switch document.kind {
            case "Application" where apiVersion.hasPrefix("argoproj.io/"):
                claims += Self.argoClaims(root["spec"], file: document.path, origin: origin, substituting: [:])
            case "ApplicationSet" where apiVersion.hasPrefix("argoproj.io/"):
                for (values, everyCluster) in Self.generated(root["spec"]?["generators"]) {
                    var found = Self.argoClaims(root["spec"]?["template"]?["spec"], file: document.path, origin: origin, substituting: values,
                                                everyCluster: everyCluster)
                    for index in found.indices where everyCluster { found[index].cluster = Self.everyCluster }
                    claims += found
                }
            case "Kustomization" where apiVersion.hasPrefix("kustomize.toolkit.fluxcd.io/"):
                // Flux runs in the cluster it reconciles: the object's own folder names the cluster,
                // unless it points at another one through a kubeconfig.
                guard root["spec"]?["kubeConfig"] == nil, let path = root["spec"]?["path"]?.scalarValue else { continue }
                claims.append(Claim(cluster: Self.clusterFolder(of: document.path) ?? "", path: Self.clean(path), origin: origin,
                                    definedIn: Self.folders(of: document.path)))
            default:
                continue
            }
        }
    }

    /// Stands for every cluster Argo CD manages: an ApplicationSet `clusters` generator without a selector.
    public static let everyCluster = "*"

    /// The parameter sets an ApplicationSet's generators make, as far as the repo tells: a `list`
    /// generator's elements, and a `clusters` generator without a selector (every cluster, with its
    /// `values` as `values.<key>`); `merge` and `matrix` generators are read for the ones they hold.
    /// Generators that ask a cluster or a git server (git, SCM, pull request, a selector) give nothing.
    static func generated(_ generators: YAMLNode?, depth: Int = 0) -> [(values: [String: String], everyCluster: Bool)] {
        guard depth < 4, case .sequence(let list)? = generators else { return [] }
        var sets: [(values: [String: String], everyCluster: Bool)] = []
        func scalars(_ node: YAMLNode?, prefix: String = "") -> [String: String] {
            guard case .mapping(let fields)? = node else { return [:] }
            var values: [String: String] = [:]
            for pair in fields.pairs { if let value = pair.value.scalarValue { values[prefix + pair.key.value] = value } }
            return values
        }
        for generator in list.items {
            if case .sequence(let elements)? = generator["list"]?["elements"] {
                sets += elements.items.map { (scalars($0), false) }
            }
            if let clusters = generator["clusters"], clusters["selector"] == nil {
                sets.append((scalars(clusters["values"], prefix: "values."), true))
            }
            for combining in ["merge", "matrix"] { sets += generated(generator[combining]?["generators"], depth: depth + 1) }
        }
        return sets
    }

    /// The claims of an Argo CD Application's spec: each source's path (and values files) for its destination.
    private static func argoClaims(_ spec: YAMLNode?, file: String, origin: String, substituting values: [String: String],
                                   everyCluster: Bool = false) -> [Claim] {
        guard let spec else { return [] }
        func text(_ node: YAMLNode?) -> String? {
            guard var text = node?.scalarValue else { return nil }
            for (key, value) in values {
                for placeholder in ["{{\(key)}}", "{{.\(key)}}", "{{ \(key) }}", "{{ .\(key) }}"] {
                    text = text.replacingOccurrences(of: placeholder, with: value)
                }
            }
            return text.contains("{{") ? nil : text
        }
        let destination = spec["destination"]
        // The in-cluster server says nothing of which cluster that is: then the object's folder may.
        let cluster = everyCluster ? Self.everyCluster : text(destination?["name"]).map(ClusterCollector.clusterName(forContext:))
            ?? text(destination?["server"]).flatMap(clusterOfServer) ?? clusterFolder(of: file) ?? ""
        var sources: [YAMLNode] = []
        if let source = spec["source"] { sources.append(source) }
        if case .sequence(let list)? = spec["sources"] { sources += list.items }
        return sources.compactMap { source in
            guard let path = text(source["path"]) else { return nil }
            var claim = Claim(cluster: cluster, path: clean(path), origin: origin, definedIn: folders(of: file))
            if case .sequence(let files)? = source["helm"]?["valueFiles"] {
                claim.valueFiles = files.items.compactMap { text($0) }.map { ManifestIndex.normalize(claim.path, $0) }
            }
            return claim
        }
    }

    /// The in-cluster server says nothing of which cluster that is; an EKS cluster ARN
    /// (`arn:aws:eks:…:cluster/prod`, as Argo CD may name clusters) does, as a kubectl context does.
    static func clusterOfServer(_ server: String) -> String? {
        server.hasPrefix("arn:aws") ? ClusterCollector.clusterName(forContext: server) : nil
    }

    /// `clusters/<name>/…`: the folder after `clusters`, Flux's and many Argo CD repos' convention.
    static func clusterFolder(of path: String) -> String? {
        let parts = path.split(separator: "/").dropLast().map(String.init)
        guard let index = parts.firstIndex(of: "clusters"), index + 1 < parts.count else { return nil }
        return parts[index + 1]
    }

    static func folders(of path: String) -> [String] {
        path.split(separator: "/").dropLast().map(String.init)
    }

    /// `./apps/prod/` → `apps/prod`; `.` and `/` → "" (the whole repo).
    static func clean(_ path: String) -> String {
        ManifestIndex.normalize("", path)
    }

    /// Whether `claim` covers `path` (the folder itself or anything below it).
    static func covers(_ claim: Claim, _ path: String) -> Bool {
        claim.path.isEmpty || path == claim.path || path.hasPrefix(claim.path + "/")
    }

    /// How `path` (a file or an overlay folder) is tied to `cluster`. The user's mapping wins; a claim of
    /// this cluster wins over another cluster's.
    public func tie(_ path: String, to cluster: String) -> Tie {
        let covering = claims.filter { Self.covers($0, path) }
        let userMapped = covering.filter(\.mapped)
        let relevant = userMapped.isEmpty ? covering : userMapped
        // The most specific claim: `apps/prod` over `apps`.
        if let own = relevant.filter({ $0.isFor(cluster) }).max(by: { $0.path.count < $1.path.count }) {
            return .claimed(own)
        }
        // A claim whose cluster is only a folder's name does not say the path is another cluster's.
        if let other = relevant.filter({ !$0.cluster.isEmpty }).max(by: { $0.path.count < $1.path.count }) { return .otherCluster(other) }
        if !cluster.isEmpty && path.split(separator: "/").contains(where: { $0 == cluster }) { return .namedFolder }
        return .unknown
    }

    /// The clusters claims name for `path`: several means one edit there changes them all.
    public func clusters(deploying path: String) -> [String] {
        Array(Set(claims.filter { Self.covers($0, path) && !$0.cluster.isEmpty }.map(\.cluster))).sorted()
    }

    /// Reads a `--cluster-paths` file: a YAML mapping of cluster name to a folder or a list of folders.
    public static func load(_ path: String) throws -> [String: [String]] {
        let source: YAMLSource
        do { source = try YAMLSource(bytes: FileIO.readAll(path)) } catch let error as YAMLParseError {
            throw ConfigError("\(path):\(error.line):\(error.column): \(error.message)")
        }
        guard case .mapping(let mapping)? = source.documents.first else { throw ConfigError("\(path): expected a mapping of cluster to folders") }
        var result: [String: [String]] = [:]
        for pair in mapping.pairs {
            switch pair.value {
            case .sequence(let list): result[pair.key.value, default: []] += list.items.compactMap(\.scalarValue)
            default:
                guard let folder = pair.value.scalarValue else {
                    throw ConfigError("\(path):\(source.line(at: pair.value.start)): \(pair.key.value): expected a folder or a list of folders")
                }
                result[pair.key.value, default: []].append(folder)
            }
        }
        return result
    }
}
