/// Everything read from one cluster, joined into records: owners resolved to the top workload, teams
/// assigned, volumes joined with their claims and the pods that mount them.
public final class ClusterSnapshot {
    public let cluster: String
    public var teams: TeamResolver

    private var nodes: [String: Observed.Node] = [:]
    private var pods: [String: PodRecord] = [:]
    /// Controllers by kind, then `namespace/name`.
    private var controllers: [String: [String: WorkloadRecord]] = [:]
    private var volumes: [String: Observed.Volume] = [:]
    private var claims: [String: ObjectMeta] = [:]
    private var storageClasses: [String: StorageClassInfo] = [:]
    private var namespaceLabels: [String: [String: String]] = [:]
    /// Records that need no join, by record kind, then `namespace/name`.
    private var plain: [String: [String: JSONValue]] = [:]

    /// The kinds built by joining objects (a pod's top owner and team, a volume's mounting pods), each with
    /// a record type of its own (`NodeRecord`, `PodRecord`, `WorkloadRecord`, `VolumeRecord`).
    public static let joinedKinds = ["node", "pod", "workload", "volume"]
    /// The kinds written object by object, as `ObjectRecords` makes them.
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
        case pod(String, PodRecord)
        case controller(kind: String, String, WorkloadRecord)
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
            case "Pod": return .pod(key, try PodRecord(pod: object, cluster: cluster))
            case let kind where WorkloadRecord.controllerKinds.contains(kind):
                return .controller(kind: kind, key, try WorkloadRecord(controller: object, kind: kind, cluster: cluster))
            case "PersistentVolume": return .volume(key, try Observed.Volume(kubectl: object, cluster: cluster))
            case "PersistentVolumeClaim": return .claim(key, ObjectMeta(object["metadata"], kind: "PersistentVolumeClaim"))
            case "StorageClass": return .storageClass(key, StorageClassInfo(object))
            case "Namespace": return .namespace(key, ObjectMeta(object["metadata"], kind: "Namespace").labels)
            case "HorizontalPodAutoscaler": return .plain(kind: "hpa", key, ObjectRecords.hpa(object, cluster: cluster))
            case "ScaledObject": return .plain(kind: "scaledobject", key, ObjectRecords.scaledObject(object, cluster: cluster))
            case "NodePool": return .plain(kind: "nodepool", key, try ObjectRecords.nodePool(object, cluster: cluster))
            case "Service": return .plain(kind: "service", key, ObjectRecords.service(object, cluster: cluster))
            case "PodDisruptionBudget": return .plain(kind: "pdb", key, ObjectRecords.pdb(object, cluster: cluster))
            case "Event": return .plain(kind: "event", key, ObjectRecords.event(object, cluster: cluster))
            case "": return .invalid(message: "object without a kind; skipped", source: item.source, line: item.line)
            default: return .ignored
            }
        } catch {
            return .invalid(message: "\(item.kind ?? "object") \(key): \(error); this object is skipped", source: item.source, line: item.line)
        }
    }

    /// Keeps what `entry` made of an object; a bad object is reported with its place.
    public func store(_ entry: Entry, diagnostics: Diagnostics) throws {
        switch entry {
        case .node(let key, let record): nodes[key] = record
        case .pod(let key, let record): pods[key] = record
        case .controller(let kind, let key, let record): controllers[kind, default: [:]][key] = record
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

    /// The top workload of a pod: Pod → ReplicaSet → Deployment, Pod → Job → CronJob; a static pod
    /// (owned by its Node) or an unowned pod is its own owner.
    public func topOwner(of pod: PodRecord) -> WorkloadRef {
        let namespace = pod.meta.namespace
        var ref = pod.owner
        switch ref.kind {
        case "Node":
            return WorkloadRef(kind: "Pod", name: pod.meta.name)
        case "ReplicaSet":
            if let replicaSet = controllers["ReplicaSet"]?["\(namespace)/\(ref.name)"] {
                if let parent = replicaSet.meta.controller { ref = WorkloadRef(kind: parent.kind, name: parent.name) }
            } else if let hash = pod.meta.labels["pod-template-hash"], ref.name.hasSuffix("-\(hash)") {
                // The ReplicaSet was not captured; Deployments name theirs <deployment>-<pod-template-hash>.
                ref = WorkloadRef(kind: "Deployment", name: String(ref.name.dropLast(hash.count + 1)))
            }
        case "Job":
            if let job = controllers["Job"]?["\(namespace)/\(ref.name)"], let parent = job.meta.controller {
                ref = WorkloadRef(kind: parent.kind, name: parent.name)
            }
        default:
            break
        }
        return ref
    }

    /// Workloads keyed `namespace/Kind/name`: top-level controllers, plus controllers of unknown kinds
    /// seen through their pods.
    private func resolvedWorkloads() -> [String: WorkloadRecord] {
        var result: [String: WorkloadRecord] = [:]
        var replicaSetsOf: [String: [WorkloadRecord]] = [:]
        for (_, replicaSet) in controllers["ReplicaSet"] ?? [:] {
            if let parent = replicaSet.meta.controller, parent.kind == "Deployment" {
                replicaSetsOf["\(replicaSet.meta.namespace)/Deployment/\(parent.name)", default: []].append(replicaSet)
            }
        }
        for (kind, byName) in controllers {
            for (_, workload) in byName {
                // A ReplicaSet under a Deployment, or a Job under a CronJob, is not a workload of its own.
                if let parent = workload.meta.controller, kind == "ReplicaSet" || kind == "Job",
                    parent.kind == "Deployment" || parent.kind == "CronJob"
                {
                    continue
                }
                let key = workloadKey(workload.meta.namespace, workload.ref)
                result[key] = workload
                if kind == "Deployment" { result[key]!.rollout = WorkloadRecord.Rollout(replicaSets: replicaSetsOf[key] ?? []) }
            }
        }
        var orphanPods: [String: [PodRecord]] = [:]
        for (_, pod) in pods {
            let owner = topOwner(of: pod)
            guard owner.kind != "Pod" else { continue }
            let key = workloadKey(pod.meta.namespace, owner)
            if result[key] != nil {
                result[key]!.podCount += 1
            } else {
                orphanPods[key, default: []].append(pod)
            }
        }
        for (key, group) in orphanPods {
            let sorted = group.sorted { $0.meta.name < $1.meta.name }
            var workload = WorkloadRecord(pods: sorted, ref: topOwner(of: sorted[0]), cluster: cluster)
            workload.podCount = sorted.count
            result[key] = workload
        }
        for key in result.keys {
            let workload = result[key]!
            result[key]!.team = teams.team(from: [
                workload.meta.labels, workload.podLabels, namespaceLabels[workload.meta.namespace] ?? [:],
            ])
        }
        return result
    }

    private func workloadKey(_ namespace: String, _ ref: WorkloadRef) -> String { "\(namespace)/\(ref.kind)/\(ref.name)" }

    private func resolvedPods(workloads: [String: WorkloadRecord]) -> [String: PodRecord] {
        var result = pods
        for (key, pod) in pods {
            let owner = topOwner(of: pod)
            result[key]!.owner = owner
            result[key]!.team = workloads[workloadKey(pod.meta.namespace, owner)]?.team
                ?? teams.team(from: [pod.meta.labels, namespaceLabels[pod.meta.namespace] ?? [:]])
        }
        return result
    }

    private func resolvedVolumes(pods: [String: PodRecord]) -> [String: Observed.Volume] {
        // Which pods mount each claim, by namespace/claim.
        var mounts: [String: [PodRecord]] = [:]
        for (_, pod) in pods {
            for claim in pod.claims { mounts["\(pod.meta.namespace)/\(claim)", default: []].append(pod) }
        }
        var result = volumes
        for (key, volume) in volumes {
            var joined = volume
            joined.apply(storageClass: volume.storageClass.flatMap { storageClasses[$0] })
            var team: String?
            if let claimName = volume.claimName, let namespace = volume.claimNamespace {
                let claimKey = "\(namespace)/\(claimName)"
                joined.apply(claim: claims[claimKey])
                let mounting = (mounts[claimKey] ?? []).sorted { $0.meta.name < $1.meta.name }
                // A Released volume still names its old claim, but no pod can be using it.
                if volume.phase == "Bound" { joined.mountedBy = mounting.map(\.meta.name) }
                team = mounting.first?.team
                    ?? teams.team(from: [claims[claimKey]?.labels ?? [:], namespaceLabels[namespace] ?? [:]])
            }
            joined.team = team ?? teams.fallback
            result[key] = joined
        }
        return result
    }
}
