/// A `workload` record: a Deployment, StatefulSet, DaemonSet, CronJob, standalone Job or ReplicaSet, or
/// a controller Autopilot does not know (an Argo Rollout, say) seen only through its pods.
public struct WorkloadRecord: Sendable {
    /// The controller kinds read from the cluster.
    public static let controllerKinds: Set<String> = [
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
    ]

    public var cluster: String
    public var meta: ObjectMeta
    public var workloadKind: String
    public var desiredReplicas: Int64?
    public var readyReplicas: Int64?
    public var containers: [Observed.Container]
    public var initContainers: [Observed.Container]
    /// Labels of the pod template: what Services and PDBs select on.
    public var podLabels: [String: String]
    public var selector: JSONValue
    public var schedule: String?
    public var suspended: Bool?
    public var team: String?
    public var podCount = 0
    /// A Deployment's current and previous revision (from its ReplicaSets), what a rollback restores.
    public var rollout: Rollout?

    /// `kubectl rollout history` in brief: a revision, when its ReplicaSet was created, its images.
    public struct Rollout: Sendable {
        public var revision: Int64
        public var startedAt: String?
        public var images: [String: String]
        public var previous: (revision: Int64, startedAt: String?, images: [String: String])?

        public var json: JSONValue {
            [
                "revision": .int(revision), "startedAt": .optional(startedAt), "images": .sortedMap(images),
                "previous": previous.map { ["revision": .int($0.revision), "startedAt": .optional($0.startedAt), "images": .sortedMap($0.images)] } ?? .null,
            ]
        }

        /// From a Deployment's ReplicaSets; nil when none carries a revision annotation.
        public init?(replicaSets: [WorkloadRecord]) {
            func number(_ set: WorkloadRecord) -> Int64? { set.meta.annotations["deployment.kubernetes.io/revision"].flatMap { Int64($0) } }
            func imagesOf(_ set: WorkloadRecord) -> [String: String] {
                Dictionary(set.containers.compactMap { container in container.image.map { (container.name, $0) } }, uniquingKeysWith: { first, _ in first })
            }
            let ordered = replicaSets.compactMap { set in number(set).map { ($0, set) } }.sorted { $0.0 > $1.0 }
            guard let (number, current) = ordered.first else { return nil }
            revision = number
            startedAt = current.meta.creationTimestamp
            images = imagesOf(current)
            if ordered.count > 1 { previous = (ordered[1].0, ordered[1].1.meta.creationTimestamp, imagesOf(ordered[1].1)) }
        }
    }

    /// Decodes a controller object (`Deployment`, …, `CronJob`).
    public init(controller: JSON, kind: String, cluster: String) throws(QuantityError) {
        self.cluster = cluster
        workloadKind = kind
        meta = ObjectMeta(controller["metadata"], kind: kind)
        let spec = controller["spec"]
        let template = kind == "CronJob" ? spec?["jobTemplate", "spec", "template"] : spec?["template"]
        let templateField = kind == "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec"
        podLabels = template?["metadata", "labels"]?.stringMap ?? [:]
        containers = try Observed.Container.list(template?["spec"], key: "containers", field: templateField, labels: podLabels)
        initContainers = try Observed.Container.list(template?["spec"], key: "initContainers", field: templateField, labels: podLabels)
        selector = (kind == "CronJob" ? spec?["jobTemplate", "spec", "selector"] : spec?["selector"])?.value ?? .null
        let status = controller["status"]
        switch kind {
        case "DaemonSet":
            desiredReplicas = status?["desiredNumberScheduled"]?.int
            readyReplicas = status?["numberReady"]?.int ?? 0
        case "Job":
            desiredReplicas = spec?["parallelism"]?.int ?? 1
            readyReplicas = status?["ready"]?.int ?? status?["active"]?.int ?? 0
        case "CronJob":
            desiredReplicas = spec?["jobTemplate", "spec", "parallelism"]?.int ?? 1
            readyReplicas = Int64(status?["active"]?.array.count ?? 0)
            schedule = spec?["schedule"]?.string
            suspended = spec?["suspend"]?.bool ?? false
        default:  // Deployment, StatefulSet, ReplicaSet: spec.replicas defaults to 1
            desiredReplicas = spec?["replicas"]?.int ?? 1
            readyReplicas = status?["readyReplicas"]?.int ?? 0
        }
    }

    /// A workload known only through its pods: shape from the first pod, replicas from the count.
    public init(pods: [PodRecord], ref: WorkloadRef, cluster: String) {
        self.cluster = cluster
        let first = pods[0]
        workloadKind = ref.kind
        meta = first.meta
        meta.name = ref.name
        meta.uid = ""
        meta.ownerReferences = []
        meta.annotations = [:]
        containers = first.containers.map { container in
            var template = container
            template.restarts = 0
            template.lastTermination = nil
            template.waitingReason = nil
            return template
        }
        initContainers = first.initContainers
        // Per-revision hashes are not the workload's labels.
        for hashLabel in ["pod-template-hash", "controller-revision-hash"] { meta.labels[hashLabel] = nil }
        podLabels = meta.labels
        selector = .null
        desiredReplicas = Int64(pods.count)
        readyReplicas = Int64(pods.filter { $0.phase == "Running" }.count)
    }

    public var ref: WorkloadRef { WorkloadRef(kind: workloadKind, name: meta.name) }

    public var json: JSONValue {
        [
            "kind": "workload", "cluster": .string(cluster), "namespace": .string(meta.namespace),
            "name": .string(meta.name), "workloadKind": .string(workloadKind),
            "replicas": ["desired": .optional(desiredReplicas), "ready": .optional(readyReplicas)],
            "containers": .array(containers.map(\.templateJSON)),
            "initContainers": .array(initContainers.map(\.templateJSON)),
            "labels": .sortedMap(meta.labels), "annotations": .sortedMap(meta.annotations),
            "podLabels": .sortedMap(podLabels), "selector": selector, "team": .optional(team),
            "schedule": .optional(schedule), "suspended": .optional(suspended), "pods": .int(Int64(podCount)),
            "rollout": rollout?.json ?? .null,
            "createdAt": .optional(meta.creationTimestamp),
        ]
    }
}
