/// What collect-metrics needs to know from the record stream: which workloads, containers, pods and
/// nodes to ask about.
public struct UsageInventory {
    public struct Workload: Hashable, Comparable {
        public var namespace: String
        public var kind: String
        public var name: String
        package init(namespace: String, kind: String, name: String) {
            self.namespace = namespace
            self.kind = kind
            self.name = name
        }
        public static func < (lhs: Workload, rhs: Workload) -> Bool {
            (lhs.namespace, lhs.kind, lhs.name) < (rhs.namespace, rhs.kind, rhs.name)
        }
    }

    public var cluster: String?
    /// Containers of each workload, in the workload's order.
    public var workloads: [Workload: [String]] = [:]
    /// The container collect-cluster recognised as a JVM, per workload: the JVM's heap metrics (per pod)
    /// are its figures.
    public var jvmContainers: [Workload: String] = [:]
    /// Each known pod's top workload, by `namespace/pod`.
    public var podOwners: [String: Workload] = [:]
    /// Pods with no controller (`namespace/pod`): not workloads, so their usage is not reported.
    public var barePods: Set<String> = []
    /// Known pods per namespace, to size query chunks.
    public var podsPerNamespace: [String: Int] = [:]
    public var nodes: [String] = []

    public init() {}

    /// `add(_:)` for a `pod` line read from its bytes (`JSONScanner`): a pod's namespace, name and owner are
    /// all the inventory takes, the rest is walked past. `Fallback` for anything the scanner leaves to
    /// jansson; then the line is parsed and given to `add(_:)`.
    public mutating func addPod(scanning bytes: UnsafeRawBufferPointer) throws(JSONScanner.Fallback) {
        var scanner = JSONScanner(bytes)
        var kinds = 0
        var recordCluster: String?, namespace: String?, name: String?, ownerKind: String?, ownerName: String?
        try scanner.document { s, key throws(JSONScanner.Fallback) in
            if key == "kind" {
                kinds += 1
                guard try s.string() == "pod" else { throw JSONScanner.Fallback() }
            } else if key == "cluster" { recordCluster = try s.string()
            } else if key == "namespace" { namespace = try s.string()
            } else if key == "name" { name = try s.string()
            } else if key == "owner" {
                (ownerKind, ownerName) = (nil, nil)
                guard s.atObject() else { return try s.skip() }
                try s.object { s, key throws(JSONScanner.Fallback) in
                    if key == "kind" { ownerKind = try s.string() } else if key == "name" { ownerName = try s.string() } else { try s.skip() }
                }
            } else { try s.skip() }
        }
        guard kinds == 1 else { throw JSONScanner.Fallback() }
        if cluster == nil { cluster = recordCluster }
        addPod(namespace: namespace ?? "", name: name ?? "", ownerKind: ownerKind, ownerName: ownerName)
    }

    private mutating func addPod(namespace: String, name: String, ownerKind: String?, ownerName: String?) {
        podsPerNamespace[namespace, default: 0] += 1
        if let ownerKind, ownerKind != "Pod" {
            podOwners["\(namespace)/\(name)"] = Workload(namespace: namespace, kind: ownerKind, name: ownerName ?? "")
        } else {
            barePods.insert("\(namespace)/\(name)")
        }
    }

    /// Takes what it needs from a `workload`, `pod` or `node` record; other kinds are ignored.
    public mutating func add(_ record: JSON) {
        guard let kind = record["kind"]?.string else { return }
        if cluster == nil { cluster = record["cluster"]?.string }
        let namespace = record["namespace"]?.string ?? ""
        switch kind {
        case "workload":
            let workload = Workload(
                namespace: namespace, kind: record["workloadKind"]?.string ?? "", name: record["name"]?.string ?? "")
            let containers = record["containers"]?.array ?? []
            workloads[workload] = containers.compactMap { $0["name"]?.string }
            if let jvm = containers.first(where: { $0["runtime", "runtime"]?.string == "jvm" }), let name = jvm["name"]?.string {
                jvmContainers[workload] = name
            }
        case "pod":
            addPod(namespace: namespace, name: record["name"]?.string ?? "", ownerKind: record["owner", "kind"]?.string,
                   ownerName: record["owner", "name"]?.string)
        case "node":
            if let name = record["name"]?.string { nodes.append(name) }
        default:
            break
        }
    }

    /// Namespaces grouped so each group holds at most `limit` known pods (a bigger namespace is a
    /// group of its own), in name order.
    public func namespaceChunks(limit: Int) -> [[String]] {
        var namespaces = Set(podsPerNamespace.keys)
        for workload in workloads.keys { namespaces.insert(workload.namespace) }
        var chunks: [[String]] = []
        var current: [String] = []
        var size = 0
        for namespace in namespaces.sorted() {
            let pods = podsPerNamespace[namespace] ?? 0
            if !current.isEmpty && size + pods > limit {
                chunks.append(current)
                current = []
                size = 0
            }
            current.append(namespace)
            size += pods
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
