import Foundation

/// Everything detectors and risk scoring read about one cluster, indexed by (namespace, workload) and
/// node. It holds O(objects), never samples: usage records arrive already reduced to percentiles.
public struct ObservedCluster: Sendable {
    public var name: String = ""
    public private(set) var nodes: [Observed.Node] = []
    public private(set) var pods: [Observed.Pod] = []
    public private(set) var workloads: [Observed.WorkloadKey: Observed.Workload] = [:]
    public private(set) var volumes: [Observed.Volume] = []
    public private(set) var hpas: [Observed.HPA] = []
    public private(set) var scaledObjects: [Observed.ScaledObject] = []
    public private(set) var nodePools: [String: Observed.NodePool] = [:]
    public private(set) var pdbs: [Observed.PDB] = []
    public private(set) var services: [Observed.Service] = []
    public private(set) var events: [Observed.Event] = []
    /// Usage by workload, then container.
    public private(set) var usage: [Observed.WorkloadKey: [String: Observed.Usage]] = [:]
    public private(set) var nodeUsage: [String: Observed.NodeUsage] = [:]
    /// The latest time any record mentions (a creation, an event): "now" for a stream without usage.
    public private(set) var latestTime: Date?
    /// Nodes named by a pod record that could not be read: what they hold is unknown, so no finding may
    /// call them empty, idle or free to take pods.
    public private(set) var nodesWithUnreadablePods: Set<String> = []

    private var nodeIndex: [String: Int] = [:]
    /// Where each pod, HPA, volume, ScaledObject, PDB and event is held, by identity (see `place`).
    private var positions: [String: Int] = [:]
    private var podsOnNode: [String: [Int]] = [:]
    private var podsOfWorkload: [Observed.WorkloadKey: [Int]] = [:]
    private var hpasOfWorkload: [Observed.WorkloadKey: [Int]] = [:]
    /// Events by `kind/namespace/name` of the object they are about (namespace empty for nodes).
    private var eventsAbout: [String: [Int]] = [:]
    private var pdbsInNamespace: [String: [Int]] = [:]
    private var servicesInNamespace: [String: [Int]] = [:]

    /// The record kinds this model reads; a filter forwards all others without parsing them.
    public static let kinds: Set<Substring> = [
        "node", "pod", "workload", "volume", "hpa", "scaledobject", "nodepool", "pdb", "event", "usage", "nodeusage", "service",
    ]

    public init() {}

    /// Adds one record of a kind in `kinds`; others are ignored.
    public mutating func add(_ record: JSON) throws(RecordError) {
        do { try addRecord(record) } catch {
            if record["kind"]?.string == "pod", let node = record["node"]?.string { nodesWithUnreadablePods.insert(node) }
            throw error
        }
    }

    /// A `pod` or `usage` record read by the fast path (`Observed.Pod.scanning`, `Observed.Usage.scanning`),
    /// with the record's `cluster` member.
    public enum ScannedRecord {
        case pod(Observed.Pod, cluster: String?)
        case usage(Observed.Usage, cluster: String?)

        public var cluster: String? {
            switch self {
            case .pod(_, let cluster), .usage(_, let cluster): return cluster
            }
        }
    }

    /// The record on `line` when it is a `pod` or `usage` the fast path reads; nil for other kinds.
    /// `Fallback`: parse the line with jansson and `add(_ record:)` it, which reads it or says why not.
    public static func scan(_ line: InputLine) throws(JSONScanner.Fallback) -> ScannedRecord? {
        switch line.kindPrefix {
        case "pod":
            let (pod, cluster) = try Observed.Pod.scanning(line.bytes)
            return .pod(pod, cluster: cluster)
        case "usage":
            let (usage, cluster) = try Observed.Usage.scanning(line.bytes)
            return .usage(usage, cluster: cluster)
        default:
            return nil
        }
    }

    /// What `add(_ record:)` does with the same record, parsed.
    public mutating func add(_ scanned: ScannedRecord) {
        if name.isEmpty, let cluster = scanned.cluster { name = cluster }
        switch scanned {
        case .pod(let pod, _):
            if let time = pod.createdAt.flatMap(RFC3339.date), time > (latestTime ?? .distantPast) { latestTime = time }
            add(pod)
        case .usage(let usage, _):
            add(usage)
        }
    }

    private mutating func addRecord(_ record: JSON) throws(RecordError) {
        if name.isEmpty, let cluster = record["cluster"]?.string { name = cluster }
        for key in ["createdAt", "lastTimestamp"] {
            if let time = record[key]?.string.flatMap(RFC3339.date), time > (latestTime ?? .distantPast) { latestTime = time }
        }
        switch record["kind"]?.string {
        case "node": add(try Observed.Node(record))
        case "pod": add(try Observed.Pod(record))
        case "workload": add(try Observed.Workload(record))
        case "volume": add(try Observed.Volume(record))
        case "hpa": add(try Observed.HPA(record))
        case "scaledobject": add(try Observed.ScaledObject(record))
        case "nodepool": add(try Observed.NodePool(record))
        case "pdb": add(try Observed.PDB(record))
        case "service": add(try Observed.Service(record))
        case "event": add(try Observed.Event(record))
        case "usage": add(try Observed.Usage(record))
        case "nodeusage":
            let figures = try Observed.NodeUsage(record)
            nodeUsage[figures.node] = figures
        default: break
        }
    }

    // A record for an object already held replaces it (two captures concatenated, a stream fed twice): an
    // object is counted once, and every lookup stays as long as the cluster is big, not as the stream is long.

    public mutating func add(_ node: Observed.Node) {
        if let index = nodeIndex[node.name] { return nodes[index] = node }
        nodeIndex[node.name] = nodes.count
        nodes.append(node)
    }

    public mutating func add(_ pod: Observed.Pod) {
        if let index = place("pod", pod.namespace, pod.name, next: pods.count) {
            let old = pods[index]
            if old.node != pod.node {
                if let node = old.node { podsOnNode[node]?.removeAll { $0 == index } }
                if let node = pod.node { podsOnNode[node, default: []].append(index) }
            }
            if Self.workloadKey(of: old) != Self.workloadKey(of: pod) {
                podsOfWorkload[Self.workloadKey(of: old)]?.removeAll { $0 == index }
                podsOfWorkload[Self.workloadKey(of: pod), default: []].append(index)
            }
            return pods[index] = pod
        }
        if let node = pod.node { podsOnNode[node, default: []].append(pods.count) }
        podsOfWorkload[Self.workloadKey(of: pod), default: []].append(pods.count)
        pods.append(pod)
    }

    public mutating func add(_ workload: Observed.Workload) { workloads[workload.key] = workload }

    public mutating func add(_ figures: Observed.Usage) { usage[figures.workload, default: [:]][figures.container] = figures }

    public mutating func add(_ volume: Observed.Volume) {
        if let index = place("volume", "", volume.name, next: volumes.count) { return volumes[index] = volume }
        volumes.append(volume)
    }

    public mutating func add(_ hpa: Observed.HPA) {
        if let index = place("hpa", hpa.namespace, hpa.name, next: hpas.count) {
            if hpas[index].target != hpa.target {
                hpasOfWorkload[hpas[index].target]?.removeAll { $0 == index }
                hpasOfWorkload[hpa.target, default: []].append(index)
            }
            return hpas[index] = hpa
        }
        hpasOfWorkload[hpa.target, default: []].append(hpas.count)
        hpas.append(hpa)
    }

    public mutating func add(_ scaledObject: Observed.ScaledObject) {
        if let index = place("scaledobject", scaledObject.namespace, scaledObject.name, next: scaledObjects.count) {
            return scaledObjects[index] = scaledObject
        }
        scaledObjects.append(scaledObject)
    }

    public mutating func add(_ pool: Observed.NodePool) { nodePools[pool.name] = pool }

    public mutating func add(_ pdb: Observed.PDB) {
        if let index = place("pdb", pdb.namespace, pdb.name, next: pdbs.count) { return pdbs[index] = pdb }
        pdbsInNamespace[pdb.namespace, default: []].append(pdbs.count)
        pdbs.append(pdb)
    }

    public mutating func add(_ event: Observed.Event) {
        // Events carry no name here: the same event is the same object, reason, first time, message and source.
        let identity = [event.objectKind, event.objectName, event.reason, event.firstTimestamp ?? event.lastTimestamp, event.fieldPath, event.host, event.message]
            .map { $0 ?? "" }.joined(separator: "\u{1f}")
        if let index = place("event", event.namespace ?? "", identity, next: events.count) { return events[index] = event }
        if let kind = event.objectKind, let name = event.objectName {
            eventsAbout["\(kind)/\(kind == "Node" ? "" : event.namespace ?? "")/\(name)", default: []].append(events.count)
        }
        events.append(event)
    }

    /// The index already holding the object `kind namespace/name`, or nil after noting `next` as its index.
    private mutating func place(_ kind: String, _ namespace: String, _ name: String, next: Int) -> Int? {
        let key = "\(kind)\u{1f}\(namespace)\u{1f}\(name)"
        if let index = positions[key] { return index }
        positions[key] = next
        return nil
    }

    public mutating func add(_ figures: Observed.NodeUsage) { nodeUsage[figures.node] = figures }

    // MARK: Lookups

    public func node(named name: String) -> Observed.Node? { nodeIndex[name].map { nodes[$0] } }

    /// Pods bound to a node, in input order.
    public func pods(on node: String) -> [Observed.Pod] { (podsOnNode[node] ?? []).map { pods[$0] } }

    /// Pods whose top owner is the workload, in input order.
    /// The pods of a workload; a bare pod (no owner) is its own workload, `Pod namespace/name`.
    public func pods(of workload: Observed.WorkloadKey) -> [Observed.Pod] { (podsOfWorkload[workload] ?? []).map { pods[$0] } }

    /// The workload a pod belongs to, as incidents name it: its owner, or the pod itself.
    static func workloadKey(of pod: Observed.Pod) -> Observed.WorkloadKey {
        pod.owner ?? Observed.WorkloadKey(namespace: pod.namespace, kind: "Pod", name: pod.name)
    }

    /// Workloads in (namespace, kind, name) order.
    public var sortedWorkloads: [Observed.Workload] { workloads.keys.sorted().compactMap { workloads[$0] } }

    /// HPAs scaling a workload (KEDA's own included).
    public func hpas(targeting workload: Observed.WorkloadKey) -> [Observed.HPA] { (hpasOfWorkload[workload] ?? []).map { hpas[$0] } }

    public mutating func add(_ service: Observed.Service) {
        if let index = place("service", service.namespace, service.name, next: services.count) { return services[index] = service }
        servicesInNamespace[service.namespace, default: []].append(services.count)
        services.append(service)
    }

    /// Services whose selector picks pods with these labels.
    public func services(selecting namespace: String, labels: [String: String]) -> [Observed.Service] {
        (servicesInNamespace[namespace] ?? []).map { services[$0] }.filter { $0.selects(namespace: namespace, labels: labels) }
    }

    /// PodDisruptionBudgets whose selector picks the pod.
    public func pdbs(selecting pod: Observed.Pod) -> [Observed.PDB] {
        (pdbsInNamespace[pod.namespace] ?? []).map { pdbs[$0] }.filter { $0.selects(pod) }
    }

    /// Warning events about an object, in input order.
    public func warnings(kind: String, namespace: String?, name: String) -> [Observed.Event] {
        events(about: "\(kind)/\(kind == "Node" ? "" : namespace ?? "")/\(name)").filter { $0.type == "Warning" }
    }

    /// All events about an object, by its `kind/namespace/name` key (namespace empty for nodes), in input order.
    public func events(about key: String) -> [Observed.Event] { (eventsAbout[key] ?? []).map { events[$0] } }
}

extension ObservedCluster {
    /// The moment the data describes: the end of the usage window, else the latest time a record mentions;
    /// the wall clock only for a stream that carries no time at all. "Now" for every tool not told one.
    public var dataTime: Date {
        let ends = usage.values.flatMap(\.values).compactMap { $0.windowEnd.flatMap(RFC3339.date) }
        return ends.max() ?? latestTime ?? Date()
    }
}
