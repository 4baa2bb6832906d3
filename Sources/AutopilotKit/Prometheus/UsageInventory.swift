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
            let name = record["name"]?.string ?? ""
            podsPerNamespace[namespace, default: 0] += 1
            if let owner = record["owner"], let ownerKind = owner["kind"]?.string, ownerKind != "Pod" {
                podOwners["\(namespace)/\(name)"] = Workload(namespace: namespace, kind: ownerKind, name: owner["name"]?.string ?? "")
            } else {
                barePods.insert("\(namespace)/\(name)")
            }
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
