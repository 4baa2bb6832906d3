extension Observed.Pod {
    /// Reads a Pod object as kubectl has it. Its owner is its direct controller (a ReplicaSet, a Job, a
    /// Node for a static pod) until the snapshot resolves the top workload and the team.
    public init(kubectl pod: JSON, cluster: String) throws(QuantityError) {
        let meta = ObjectMeta(pod["metadata"], kind: "Pod")
        let spec = pod["spec"]
        self.init(namespace: meta.namespace, name: meta.name, node: spec?["nodeName"]?.string, phase: pod["status", "phase"]?.string,
                  owner: meta.controller.map { Observed.WorkloadKey(namespace: meta.namespace, kind: $0.kind, name: $0.name) },
                  containers: try Observed.Container.list(spec, key: "containers", field: "spec", labels: meta.labels),
                  labels: meta.labels, annotations: meta.annotations, nodeSelector: spec?["nodeSelector"]?.stringMap ?? [:],
                  tolerations: (spec?["tolerations"]?.array ?? []).map(Observed.Toleration.init),
                  affinityTerms: (spec?["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]?.array ?? [])
                      .map(Observed.NodeSelectorTerm.init))
        self.cluster = cluster
        initContainers = try Observed.Container.list(spec, key: "initContainers", field: "spec", labels: meta.labels)
        let statuses = (pod["status", "containerStatuses"]?.array ?? []) + (pod["status", "initContainerStatuses"]?.array ?? [])
        for status in statuses {
            let name = status["name"]?.string
            if let index = containers.firstIndex(where: { $0.name == name }) {
                containers[index].apply(status: status)
            } else if let index = initContainers.firstIndex(where: { $0.name == name }) {
                initContainers[index].apply(status: status)
            }
        }
        let podName = meta.name
        claims = (spec?["volumes"]?.array ?? []).compactMap { volume in
            if let claim = volume["persistentVolumeClaim", "claimName"]?.string { return claim }
            // A generic ephemeral volume's claim is named <pod>-<volume>.
            if volume["ephemeral"] != nil, let name = volume["name"]?.string { return "\(podName)-\(name)" }
            return nil
        }
        qosClass = pod["status", "qosClass"]?.string
        if let requests = spec?["resources", "requests"] { podRequests = try Observed.Resources(quantities: requests, field: "spec.resources.requests") }
        if let overhead = spec?["overhead"] { self.overhead = try Observed.Resources(quantities: overhead, field: "spec.overhead") }
        priorityClassName = spec?["priorityClassName"]?.string
        createdAt = meta.creationTimestamp
        startedAt = pod["status", "startTime"]?.string
        deletingSince = meta.deletionTimestamp
        finalizers = meta.finalizers
        reason = pod["status", "reason"]?.string
        message = pod["status", "message"]?.string
        let conditions = pod["status", "conditions"]?.array ?? []
        let condition = { (type: String, status: String) in
            conditions.first { $0["type"]?.string == type && $0["status"]?.string == status }
        }
        if reason == nil, let scheduled = condition("PodScheduled", "False") {
            reason = scheduled["reason"]?.string
            message = scheduled["message"]?.string
            reasonSince = scheduled["lastTransitionTime"]?.string
        } else if reason == "Evicted" {
            reasonSince = (condition("DisruptionTarget", "True") ?? condition("Ready", "False"))?["lastTransitionTime"]?.string
        }
    }
}
