// The records read straight from one Kubernetes object each, with the API's own field names
// (`minReplicaCount`, `consolidationPolicy`, …) and the API's defaults filled in. HPAs: HPA+Kubectl.swift.

extension Observed.ScaledObject {
    /// Reads a KEDA ScaledObject as kubectl has it (defaults as KEDA documents them).
    public init(kubectl object: JSON, cluster: String) {
        let meta = ObjectMeta(object["metadata"], kind: "ScaledObject")
        let spec = object["spec"]
        self.init(namespace: meta.namespace, name: meta.name, target: Observed.WorkloadKey(namespace: meta.namespace, kind: "Deployment", name: ""),
                  minReplicaCount: spec?["minReplicaCount"]?.int ?? 0, maxReplicaCount: spec?["maxReplicaCount"]?.int ?? 100,
                  pollingInterval: spec?["pollingInterval"]?.int ?? 30, cooldownPeriod: spec?["cooldownPeriod"]?.int ?? 300,
                  hpaName: object["status", "hpaName"]?.string, conditions: Observed.Condition.list(object["status", "conditions"]))
        self.cluster = cluster
        scaleTarget = Observed.ScaleTarget(spec?["scaleTargetRef"])
        idleReplicaCount = spec?["idleReplicaCount"]?.int
        triggers = (spec?["triggers"]?.array ?? []).map { trigger in
            Trigger(type: trigger["type"]?.string, name: trigger["name"]?.string, metadata: trigger["metadata"]?.stringMap ?? [:])
        }
        paused = meta.annotations["autoscaling.keda.sh/paused"] == "true"
        createdAt = meta.creationTimestamp
    }
}

extension Observed.NodePool {
    /// Reads a Karpenter NodePool, karpenter.sh/v1 or v1beta1: the defaults the API server fills in are
    /// filled in here (v1: `WhenEmptyOrUnderutilized`, `consolidateAfter: 0s`, `template.spec.expireAfter:
    /// 720h`; v1beta1: `WhenUnderutilized`, `disruption.expireAfter: 720h`; budgets `nodes: 10%`). v1beta1's
    /// policy is given under v1's name, as Karpenter's own conversion does; `apiVersion` says which was read.
    public init(kubectl object: JSON, cluster: String) throws(QuantityError) {
        let meta = ObjectMeta(object["metadata"], kind: "NodePool")
        let spec = object["spec"]
        let disruption = spec?["disruption"]
        let apiVersion = object["apiVersion"]?.string ?? "karpenter.sh/v1"
        var policy = disruption?["consolidationPolicy"]?.string ?? "WhenEmptyOrUnderutilized"
        if policy == "WhenUnderutilized" { policy = "WhenEmptyOrUnderutilized" }
        self.init(name: meta.name, consolidationPolicy: policy, consolidateAfter: disruption?["consolidateAfter"]?.string ?? "0s",
                  requirements: (spec?["template", "spec", "requirements"]?.array ?? []).map(Observed.NodeSelectorRequirement.init))
        self.cluster = cluster
        self.apiVersion = apiVersion
        budgets = disruption?["budgets"]?.value ?? [["nodes": "10%"]]
        taints = spec?["template", "spec", "taints"]?.value ?? .array([])
        nodeClassRef = spec?["template", "spec", "nodeClassRef"]?.value ?? .null
        let v1beta1 = apiVersion == "karpenter.sh/v1beta1"
        expireAfter = (v1beta1 ? disruption?["expireAfter"] : spec?["template", "spec", "expireAfter"])?.string ?? "720h"
        weight = spec?["weight"]?.int
        limits = try Observed.Resources(quantities: spec?["limits"], field: "spec.limits", perMachine: false)
        resources = try Observed.Resources(quantities: object["status", "resources"], field: "status.resources", perMachine: false)
        createdAt = meta.creationTimestamp
    }
}

extension Observed.Service {
    public init(kubectl object: JSON, cluster: String) {
        let meta = ObjectMeta(object["metadata"], kind: "Service")
        let spec = object["spec"]
        self.init(namespace: meta.namespace, name: meta.name, type: spec?["type"]?.string ?? "ClusterIP",
                  selector: spec?["selector"]?.stringMap ?? [:])
        self.cluster = cluster
        ports = spec?["ports"]?.value ?? .array([])
        clusterIP = spec?["clusterIP"]?.string
        loadBalancer = (object["status", "loadBalancer", "ingress"]?.array ?? []).compactMap { $0["hostname"]?.string ?? $0["ip"]?.string }
        labels = meta.labels
        createdAt = meta.creationTimestamp
    }
}

extension Observed.PDB {
    /// Reads a policy/v1 PodDisruptionBudget.
    public init(kubectl object: JSON, cluster: String) {
        let meta = ObjectMeta(object["metadata"], kind: "PodDisruptionBudget")
        let spec = object["spec"]
        let status = object["status"]
        self.init(namespace: meta.namespace, name: meta.name, matchLabels: nil, disruptionsAllowed: status?["disruptionsAllowed"]?.int)
        self.cluster = cluster
        if let selector = spec?["selector"], selector.isObject { self.selector = Observed.LabelSelector(selector) }
        minAvailable = spec?["minAvailable"]?.value ?? .null
        maxUnavailable = spec?["maxUnavailable"]?.value ?? .null
        currentHealthy = status?["currentHealthy"]?.int
        desiredHealthy = status?["desiredHealthy"]?.int
        expectedPods = status?["expectedPods"]?.int
        createdAt = meta.creationTimestamp
    }
}

extension Observed.Event {
    /// Reads a core/v1 Event, or an events.k8s.io/v1 one, whose fields are named differently.
    public init(kubectl object: JSON, cluster: String) {
        let meta = ObjectMeta(object["metadata"], kind: "Event")
        let involved = object["involvedObject"] ?? object["regarding"]
        let first = object["firstTimestamp"]?.string ?? object["deprecatedFirstTimestamp"]?.string ?? object["eventTime"]?.string
        self.init(namespace: meta.namespace, type: "", reason: "", objectKind: "", objectName: "")
        self.cluster = cluster
        name = meta.name
        type = object["type"]?.string
        reason = object["reason"]?.string
        message = object["message"]?.string ?? object["note"]?.string
        involvedObject = InvolvedObject(kind: involved?["kind"]?.string, namespace: involved?["namespace"]?.string,
                                        name: involved?["name"]?.string, fieldPath: involved?["fieldPath"]?.string)
        count = object["count"]?.int ?? object["series", "count"]?.int ?? 1
        firstTimestamp = first
        lastTimestamp = object["lastTimestamp"]?.string ?? object["deprecatedLastTimestamp"]?.string
            ?? object["series", "lastObservedTime"]?.string ?? first
        source = object["source", "component"]?.string ?? object["reportingComponent"]?.string ?? object["reportingController"]?.string
        host = object["source", "host"]?.string
    }
}
