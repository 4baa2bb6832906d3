/// Everything read from one cluster, joined into records: owners resolved to the top workload, teams
/// assigned, volumes joined with their claims and the pods that mount them.
public final class ClusterSnapshot {
    public let cluster: String
    public var teams: TeamResolver

    private var nodes: [String: Observed.Node] = [:]
    private var pods: [String: Observed.Pod] = [:]
    /// Controllers by kind, then `namespace/name`, each with its own controller (a ReplicaSet's Deployment).
    private var controllers: [String: [String: (workload: Observed.Workload, parent: OwnerReference?)]] = [:]
    private var volumes: [String: Observed.Volume] = [:]
    private var claims: [String: ObjectMeta] = [:]
    private var storageClasses: [String: StorageClassInfo] = [:]
    private var namespaceLabels: [String: [String: String]] = [:]
    /// Records that need no join, by record kind, then `namespace/name`.
    private var plain: [String: [String: JSONValue]] = [:]

    /// The kinds built by joining objects (a pod's top owner and team, a volume's mounting pods), each with
    /// a record type of its own (`Observed.Node`, `.Pod`, `.Workload`, `.Volume`).
    public static let joinedKinds = ["node", "pod", "workload", "volume"]
    /// The kinds written object by object (`Observed.HPA`, `.ScaledObject`, `.NodePool`, `.Service`, `.PDB`, `.Event`).
    public static let plainKinds = ["hpa", "scaledobject", "nodepool", "service", "pdb", "event"]
    /// The order records come out in.
    public static let recordKinds = joinedKinds + plainKinds

    public init(cluster: String, teams: TeamResolver = TeamResolver()) {
        self.cluster = cluster
        self.teams = teams
    }

    /// Takes in one Kubernetes object. A kind Autopilot does not use is ignored; a bad quantity is
    /// reported with the object's place and the object skipped.
    public func add(_ item: KubeItem, diagnostics: Diagnostics) throws {
        try store(Self.entry(item, cluster: cluster), diagnostics: diagnostics)
    }

    /// What one object becomes, worked out from the object alone (so on any thread).
    public enum Entry: @unchecked Sendable {
        case node(String, Observed.Node)
        case pod(String, Observed.Pod)
        case controller(kind: String, String, Observed.Workload, parent: OwnerReference?)
        case volume(String, Observed.Volume)
        case claim(String, ObjectMeta)
        case storageClass(String, StorageClassInfo)
        case namespace(String, [String: String])
        case plain(kind: String, String, JSONValue)
        case ignored
        case invalid(message: String, source: String, line: Int)
    }

    public static func entry(_ item: KubeItem, cluster: String) -> Entry {
        let object = item.object
        let key = ObjectMeta(object["metadata"], kind: item.kind ?? "").qualifiedName
        do {
            switch item.kind ?? "" {
            case "Node": return .node(key, try Observed.Node(kubectl: object, cluster: cluster))
            case "Pod": return .pod(key, try Observed.Pod(kubectl: object, cluster: cluster))
            case let kind where Observed.Workload.controllerKinds.contains(kind):
                return .controller(kind: kind, key, try Observed.Workload(kubectl: object, kind: kind, cluster: cluster),
                                   parent: ObjectMeta(object["metadata"], kind: kind).controller)
            case "PersistentVolume": return .volume(key, try Observed.Volume(kubectl: object, cluster: cluster))
            case "PersistentVolumeClaim": return .claim(key, ObjectMeta(object["metadata"], kind: "PersistentVolumeClaim"))
            case "StorageClass": return .storageClass(key, StorageClassInfo(object))
            case "Namespace": return .namespace(key, ObjectMeta(object["metadata"], kind: "Namespace").labels)
            case "HorizontalPodAutoscaler": return .plain(kind: "hpa", key, Observed.HPA(kubectl: object, cluster: cluster).json)
            case "ScaledObject": return .plain(kind: "scaledobject", key, Observed.ScaledObject(kubectl: object, cluster: cluster).json)
            case "NodePool": return .plain(kind: "nodepool", key, try Observed.NodePool(kubectl: object, cluster: cluster).json)
            case "Service": return .plain(kind: "service", key, Observed.Service(kubectl: object, cluster: cluster).json)
            case "PodDisruptionBudget": return .plain(kind: "pdb", key, Observed.PDB(kubectl: object, cluster: cluster).json)
            case "Event": return .plain(kind: "event", key, Observed.Event(kubectl: object, cluster: cluster).json)
            case "": return .invalid(message: "object without a kind; skipped", source: item.source, line: item.line)
            default: return .ignored
            }
        } catch {
            return .invalid(message: "\(item.kind ?? "object") \(key): \(error); this object is skipped", source: item.source, line: item.line)
        }
    }

    /// What `entry` makes of a List item, read from its bytes when it is a Pod the fast path reads
    /// (`Observed.Pod.scanning(kubectl:)`); nil for anything else, which is parsed and given to `entry`.
    public static func scannedEntry(_ bytes: UnsafeRawBufferPointer, listKind: String?, cluster: String) -> Entry? {
        guard let scanned = try? Observed.Pod.scanning(kubectl: bytes, listKind: listKind, cluster: cluster) else { return nil }
        return .pod(scanned.key, scanned.pod)
    }

    /// Keeps what `entry` made of an object; a bad object is reported with its place.
    public func store(_ entry: Entry, diagnostics: Diagnostics) throws {
        switch entry {
        case .node(let key, let record): nodes[key] = record
        case .pod(let key, let record): pods[key] = record
        case .controller(let kind, let key, let record, let parent): controllers[kind, default: [:]][key] = (record, parent)
        case .volume(let key, let record): volumes[key] = record
        case .claim(let key, let meta): claims[key] = meta
        case .storageClass(let key, let info): storageClasses[key] = info
        case .namespace(let key, let labels): namespaceLabels[key] = labels
        case .plain(let kind, let key, let record): plain[kind, default: [:]][key] = record
        case .ignored: break
        case .invalid(let message, let source, let line): try diagnostics.error(message, source: source, line: line)
        }
    }

    /// Resolves owners and teams, then hands out every record in a fixed order: by kind as in
    /// `recordKinds`, then by namespace and name.
    public func forEachRecord(_ body: (JSONValue) throws -> Void) throws {
        let workloads = resolvedWorkloads()
        let resolvedPods = self.resolvedPods(workloads: workloads)
        for (_, node) in nodes.sorted(by: { $0.key < $1.key }) { try body(node.json) }
        for (_, pod) in resolvedPods.sorted(by: { $0.key < $1.key }) { try body(pod.json) }
        for (_, workload) in workloads.sorted(by: { $0.key < $1.key }) { try body(workload.json) }
        for (_, volume) in resolvedVolumes(pods: resolvedPods).sorted(by: { $0.key < $1.key }) { try body(volume.json) }
        for kind in Self.plainKinds {
            for (_, record) in (plain[kind] ?? [:]).sorted(by: { $0.key < $1.key }) { try body(record) }
        }
    }

    // MARK: Owner resolution

    /// The top workload of a pod: Pod → ReplicaSet → Deployment, Pod → Job → CronJob; nil for a static pod
    /// (owned by its Node), an unowned pod, or one owned by another pod: each is its own owner.
    public func topOwner(of pod: Observed.Pod) -> Observed.WorkloadKey? {
        guard var owner = pod.owner, owner.kind != "Node", owner.kind != "Pod" else { return nil }
        switch owner.kind {
        case "ReplicaSet":
            if let replicaSet = controllers["ReplicaSet"]?["\(owner.namespace)/\(owner.name)"] {
                if let parent = replicaSet.parent { owner = Observed.WorkloadKey(namespace: owner.namespace, kind: parent.kind, name: parent.name) }
            } else if let hash = pod.labels["pod-template-hash"], owner.name.hasSuffix("-\(hash)") {
                // The ReplicaSet was not captured; Deployments name theirs <deployment>-<pod-template-hash>.
                owner = Observed.WorkloadKey(namespace: owner.namespace, kind: "Deployment", name: String(owner.name.dropLast(hash.count + 1)))
            }
        case "Job":
            if let job = controllers["Job"]?["\(owner.namespace)/\(owner.name)"], let parent = job.parent {
                owner = Observed.WorkloadKey(namespace: owner.namespace, kind: parent.kind, name: parent.name)
            }
        default:
            break
        }
        return owner
    }

    /// Workloads keyed `namespace/Kind/name`: top-level controllers, plus controllers of unknown kinds
    /// seen through their pods.
    private func resolvedWorkloads() -> [String: Observed.Workload] {
        var result: [String: Observed.Workload] = [:]
        var replicaSetsOf: [String: [Observed.Workload]] = [:]
        for (_, (replicaSet, parent)) in controllers["ReplicaSet"] ?? [:] {
            if let parent, parent.kind == "Deployment" {
                replicaSetsOf["\(replicaSet.key.namespace)/Deployment/\(parent.name)", default: []].append(replicaSet)
            }
        }
        for (kind, byName) in controllers {
            for (_, (workload, parent)) in byName {
                // A ReplicaSet under a Deployment, or a Job under a CronJob, is not a workload of its own.
                if let parent, kind == "ReplicaSet" || kind == "Job", parent.kind == "Deployment" || parent.kind == "CronJob" {
                    continue
                }
                let key = Self.key(workload.key)
                result[key] = workload
                if kind == "Deployment" { result[key]!.rollout = Observed.Workload.Rollout(replicaSets: replicaSetsOf[key] ?? []) }
            }
        }
        var orphanPods: [String: [Observed.Pod]] = [:]
        for (_, pod) in pods {
            guard let owner = topOwner(of: pod) else { continue }
            let key = Self.key(owner)
            if result[key] != nil {
                result[key]!.podCount += 1
            } else {
                orphanPods[key, default: []].append(pod)
            }
        }
        for (key, group) in orphanPods {
            let sorted = group.sorted { $0.name < $1.name }
            var workload = Observed.Workload(pods: sorted, key: topOwner(of: sorted[0])!, cluster: cluster)
            workload.podCount = Int64(sorted.count)
            result[key] = workload
        }
        for key in result.keys {
            let workload = result[key]!
            result[key]!.team = teams.team(from: [
                workload.labels, workload.podLabels, namespaceLabels[workload.key.namespace] ?? [:],
            ])
        }
        return result
    }

    private static func key(_ workload: Observed.WorkloadKey) -> String { "\(workload.namespace)/\(workload.kind)/\(workload.name)" }

    private func resolvedPods(workloads: [String: Observed.Workload]) -> [String: Observed.Pod] {
        var result = pods
        for (key, pod) in pods {
            let owner = topOwner(of: pod)
            result[key]!.owner = owner
            result[key]!.team = owner.flatMap { workloads[Self.key($0)]?.team }
                ?? teams.team(from: [pod.labels, namespaceLabels[pod.namespace] ?? [:]])
        }
        return result
    }

    private func resolvedVolumes(pods: [String: Observed.Pod]) -> [String: Observed.Volume] {
        // Which pods mount each claim, by namespace/claim.
        var mounts: [String: [Observed.Pod]] = [:]
        for (_, pod) in pods {
            for claim in pod.claims { mounts["\(pod.namespace)/\(claim)", default: []].append(pod) }
        }
        var result = volumes
        for (key, volume) in volumes {
            var joined = volume
            joined.apply(storageClass: volume.storageClass.flatMap { storageClasses[$0] })
            var team: String?
            if let claimName = volume.claimName, let namespace = volume.claimNamespace {
                let claimKey = "\(namespace)/\(claimName)"
                joined.apply(claim: claims[claimKey])
                let mounting = (mounts[claimKey] ?? []).sorted { $0.name < $1.name }
                // A Released volume still names its old claim, but no pod can be using it.
                if volume.phase == "Bound" { joined.mountedBy = mounting.map(\.name) }
                team = mounting.first?.team
                    ?? teams.team(from: [claims[claimKey]?.labels ?? [:], namespaceLabels[namespace] ?? [:]])
            }
            joined.team = team ?? teams.fallback
            result[key] = joined
        }
        return result
    }
}
