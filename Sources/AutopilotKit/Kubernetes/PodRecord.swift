/// A `pod` record: one Pod, its containers' requests and health, and the workload it belongs to.
public struct PodRecord: Sendable {
    public var cluster: String
    public var meta: ObjectMeta
    public var node: String?
    public var phase: String?
    /// The top workload (Deployment, not ReplicaSet; CronJob, not Job), filled in by owner resolution.
    public var owner: WorkloadRef
    public var team: String?
    public var containers: [Observed.Container]
    public var initContainers: [Observed.Container]
    public var nodeSelector: [String: String]
    public var tolerations: JSONValue
    /// `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`, as the API has it.
    public var requiredNodeAffinity: JSONValue
    /// Names of the PersistentVolumeClaims the pod mounts.
    public var claims: [String]
    public var qosClass: String?
    /// Pod-level `spec.resources.requests` (Kubernetes 1.32+): when set, what the scheduler counts instead
    /// of the containers' sum.
    public var podRequests: Observed.Resources?
    /// `spec.overhead` (from the RuntimeClass): counted on top of the containers.
    public var overhead: Observed.Resources?
    public var priorityClassName: String?
    public var startedAt: String?
    /// Why the pod is in its phase (`Evicted`, `Unschedulable`) and the API's message (an eviction names
    /// the resource short and the containers using it; a scheduling failure, what no node had).
    public var reason: String?
    public var message: String?
    /// When the pod came to that reason: the eviction's `DisruptionTarget` condition (Kubernetes 1.26+)
    /// or its Ready condition turning False; the failed `PodScheduled` condition. The Evicted event
    /// expires after an hour; the pod keeps this.
    public var reasonSince: String?

    /// Decodes a Pod object; the owner is its direct controller until resolved.
    public init(pod: JSON, cluster: String) throws(QuantityError) {
        self.cluster = cluster
        meta = ObjectMeta(pod["metadata"], kind: "Pod")
        let spec = pod["spec"]
        node = spec?["nodeName"]?.string
        phase = pod["status", "phase"]?.string
        let direct = meta.controller
        owner = direct.map { WorkloadRef(kind: $0.kind, name: $0.name) } ?? WorkloadRef(kind: "Pod", name: meta.name)
        containers = try Observed.Container.list(spec, key: "containers", field: "spec", labels: meta.labels)
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
        nodeSelector = spec?["nodeSelector"]?.stringMap ?? [:]
        tolerations = spec?["tolerations"]?.value ?? .array([])
        requiredNodeAffinity =
            spec?["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]?.value ?? .null
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
        startedAt = pod["status", "startTime"]?.string
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

    public var json: JSONValue {
        [
            "kind": "pod", "cluster": .string(cluster), "namespace": .string(meta.namespace), "name": .string(meta.name),
            "node": .optional(node), "phase": .optional(phase), "owner": owner.json, "team": .optional(team),
            "containers": .array(containers.map(\.podJSON)), "initContainers": .array(initContainers.map(\.podJSON)),
            "labels": .sortedMap(meta.labels), "annotations": .sortedMap(meta.annotations),
            "nodeSelector": .sortedMap(nodeSelector), "tolerations": tolerations,
            "requiredNodeAffinity": requiredNodeAffinity, "claims": .strings(claims),
            "qosClass": .optional(qosClass), "priorityClassName": .optional(priorityClassName),
            "podRequests": podRequests?.json ?? .null, "overhead": overhead?.json ?? .null,
            "createdAt": .optional(meta.creationTimestamp), "startedAt": .optional(startedAt), "deletingSince": .optional(meta.deletionTimestamp),
            "finalizers": .strings(meta.finalizers),
            "reason": .optional(reason), "message": .optional(message), "reasonSince": .optional(reasonSince),
        ]
    }
}
