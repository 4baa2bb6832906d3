extension Observed.Workload {
    /// The controller kinds read from the cluster.
    public static let controllerKinds: Set<String> = [
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
    ]

    /// Reads a controller object (`Deployment`, …, `CronJob`) as kubectl has it.
    public init(kubectl controller: JSON, kind: String, cluster: String) throws(QuantityError) {
        let meta = ObjectMeta(controller["metadata"], kind: kind)
        let spec = controller["spec"]
        let template = kind == "CronJob" ? spec?["jobTemplate", "spec", "template"] : spec?["template"]
        let templateField = kind == "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec"
        let podLabels = template?["metadata", "labels"]?.stringMap ?? [:]
        self.init(key: Observed.WorkloadKey(namespace: meta.namespace, kind: kind, name: meta.name),
                  containers: try Observed.Container.list(template?["spec"], key: "containers", field: templateField, labels: podLabels),
                  labels: meta.labels, annotations: meta.annotations, podLabels: podLabels)
        self.cluster = cluster
        createdAt = meta.creationTimestamp
        initContainers = try Observed.Container.list(template?["spec"], key: "initContainers", field: templateField, labels: podLabels)
        if let selector = kind == "CronJob" ? spec?["jobTemplate", "spec", "selector"] : spec?["selector"], selector.isObject {
            self.selector = Observed.LabelSelector(selector)
        }
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

    /// A workload known only through its pods (sorted by name): shape from the first pod, replicas from the count.
    init(pods: [Observed.Pod], key: Observed.WorkloadKey, cluster: String) {
        let first = pods[0]
        var labels = first.labels
        // Per-revision hashes are not the workload's labels.
        for hashLabel in ["pod-template-hash", "controller-revision-hash"] { labels[hashLabel] = nil }
        self.init(key: key, desiredReplicas: Int64(pods.count), containers: first.containers.map { container in
            var template = container
            template.restarts = 0
            template.lastTermination = nil
            template.waitingReason = nil
            return template
        }, labels: labels, podLabels: labels)
        self.cluster = cluster
        initContainers = first.initContainers
        readyReplicas = Int64(pods.filter { $0.phase == "Running" }.count)
        createdAt = first.createdAt
    }
}

extension Observed.Workload.Rollout {
    /// From a Deployment's ReplicaSets; nil when none carries a revision annotation.
    init?(replicaSets: [Observed.Workload]) {
        func number(_ set: Observed.Workload) -> Int64? { set.annotations["deployment.kubernetes.io/revision"].flatMap { Int64($0) } }
        func imagesOf(_ set: Observed.Workload) -> [String: String] {
            Dictionary(set.containers.compactMap { container in container.image.map { (container.name, $0) } }, uniquingKeysWith: { first, _ in first })
        }
        let ordered = replicaSets.compactMap { set in number(set).map { ($0, set) } }.sorted { $0.0 > $1.0 }
        guard let (number, current) = ordered.first else { return nil }
        self.init(revision: number, startedAt: current.createdAt, images: imagesOf(current))
        if ordered.count > 1 {
            previousRevision = ordered[1].0
            previousStartedAt = ordered[1].1.createdAt
            previousImages = imagesOf(ordered[1].1)
        }
    }
}
