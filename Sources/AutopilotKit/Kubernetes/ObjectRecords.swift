/// Records that need no join: each is read straight from one Kubernetes object, with the API's own
/// field names (`minReplicas`, `consolidationPolicy`, …) and the API's defaults filled in.
public enum ObjectRecords {
    /// A `hpa` record from an autoscaling/v2 (or v1) HorizontalPodAutoscaler.
    public static func hpa(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "HorizontalPodAutoscaler")
        let spec = object["spec"]
        let status = object["status"]
        var metrics = spec?["metrics"]?.value ?? .array([])
        var currentMetrics = status?["currentMetrics"]?.value ?? .array([])
        var conditions = conditions(status)
        // autoscaling/v1 has only a CPU utilization target; the API server keeps the rest of a v2 object in
        // annotations (v2beta1 shapes as JSON text). Give it all the v2 shape.
        if let percent = spec?["targetCPUUtilizationPercentage"]?.int {
            var specs: [JSONValue] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(percent)]]]]
            specs += annotated(meta, "autoscaling.alpha.kubernetes.io/metrics").map(v2MetricSpec)
            metrics = .array(specs)
            var statuses = annotated(meta, "autoscaling.alpha.kubernetes.io/current-metrics").map(v2MetricStatus)
            if statuses.isEmpty, let current = status?["currentCPUUtilizationPercentage"]?.int {
                statuses = [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int(current)]]]]
            }
            currentMetrics = .array(statuses)
            let annotatedConditions = annotated(meta, "autoscaling.alpha.kubernetes.io/conditions")
            if !annotatedConditions.isEmpty { conditions = Self.conditions(annotatedConditions) }
        }
        return [
            "kind": "hpa", "cluster": .string(cluster), "namespace": .string(meta.namespace), "name": .string(meta.name),
            "target": target(spec?["scaleTargetRef"], defaultKind: "Deployment"),
            "minReplicas": .int(spec?["minReplicas"]?.int ?? 1), "maxReplicas": .optional(spec?["maxReplicas"]?.int),
            "currentReplicas": .optional(status?["currentReplicas"]?.int),
            "desiredReplicas": .optional(status?["desiredReplicas"]?.int),
            "metrics": metrics, "currentMetrics": currentMetrics,
            "conditions": conditions, "lastScaleTime": .optional(status?["lastScaleTime"]?.string),
            "labels": .sortedMap(meta.labels), "createdAt": .optional(meta.creationTimestamp),
        ]
    }

    /// A `scaledobject` record from a KEDA ScaledObject (defaults as KEDA documents them).
    public static func scaledObject(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "ScaledObject")
        let spec = object["spec"]
        let triggers = (spec?["triggers"]?.array ?? []).map { trigger -> JSONValue in
            ["type": .optional(trigger["type"]?.string), "name": .optional(trigger["name"]?.string),
             "metadata": .sortedMap(trigger["metadata"]?.stringMap ?? [:])]
        }
        return [
            "kind": "scaledobject", "cluster": .string(cluster), "namespace": .string(meta.namespace),
            "name": .string(meta.name), "target": target(spec?["scaleTargetRef"], defaultKind: "Deployment"),
            "minReplicaCount": .int(spec?["minReplicaCount"]?.int ?? 0),
            "maxReplicaCount": .int(spec?["maxReplicaCount"]?.int ?? 100),
            "idleReplicaCount": .optional(spec?["idleReplicaCount"]?.int),
            "pollingInterval": .int(spec?["pollingInterval"]?.int ?? 30),
            "cooldownPeriod": .int(spec?["cooldownPeriod"]?.int ?? 300),
            "triggers": .array(triggers), "hpaName": .optional(object["status", "hpaName"]?.string),
            "paused": .bool(meta.annotations["autoscaling.keda.sh/paused"] == "true"),
            "conditions": conditions(object["status"]), "createdAt": .optional(meta.creationTimestamp),
        ]
    }

    /// A `nodepool` record from a Karpenter NodePool (karpenter.sh/v1 defaults).
    /// Both karpenter.sh/v1 and v1beta1: the defaults the API server fills in are filled in here (v1:
    /// `WhenEmptyOrUnderutilized`, `consolidateAfter: 0s`, `template.spec.expireAfter: 720h`; v1beta1:
    /// `WhenUnderutilized`, `disruption.expireAfter: 720h`; budgets `nodes: 10%`). v1beta1's policy is
    /// given under v1's name, as Karpenter's own conversion does; `apiVersion` says which was read.
    public static func nodePool(_ object: JSON, cluster: String) throws(QuantityError) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "NodePool")
        let spec = object["spec"]
        let disruption = spec?["disruption"]
        let limits = try Observed.Resources(quantities: spec?["limits"], field: "spec.limits", perMachine: false)
        let used = try Observed.Resources(quantities: object["status", "resources"], field: "status.resources", perMachine: false)
        let apiVersion = object["apiVersion"]?.string ?? "karpenter.sh/v1"
        let v1beta1 = apiVersion == "karpenter.sh/v1beta1"
        var policy = disruption?["consolidationPolicy"]?.string ?? "WhenEmptyOrUnderutilized"
        if policy == "WhenUnderutilized" { policy = "WhenEmptyOrUnderutilized" }
        let expireAfter = (v1beta1 ? disruption?["expireAfter"] : spec?["template", "spec", "expireAfter"])?.string ?? "720h"
        return [
            "kind": "nodepool", "cluster": .string(cluster), "name": .string(meta.name), "apiVersion": .string(apiVersion),
            "consolidationPolicy": .string(policy),
            "consolidateAfter": .string(disruption?["consolidateAfter"]?.string ?? "0s"),
            "budgets": disruption?["budgets"]?.value ?? [["nodes": "10%"]],
            "requirements": spec?["template", "spec", "requirements"]?.value ?? .array([]),
            "taints": spec?["template", "spec", "taints"]?.value ?? .array([]),
            "nodeClassRef": spec?["template", "spec", "nodeClassRef"]?.value ?? .null,
            "expireAfter": .string(expireAfter),
            "weight": .optional(spec?["weight"]?.int), "limits": limits.json, "resources": used.json,
            "createdAt": .optional(meta.creationTimestamp),
        ]
    }

    /// A `service` record.
    public static func service(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "Service")
        let spec = object["spec"]
        let ingress = (object["status", "loadBalancer", "ingress"]?.array ?? []).compactMap {
            $0["hostname"]?.string ?? $0["ip"]?.string
        }
        return [
            "kind": "service", "cluster": .string(cluster), "namespace": .string(meta.namespace),
            "name": .string(meta.name), "type": .string(spec?["type"]?.string ?? "ClusterIP"),
            "selector": .sortedMap(spec?["selector"]?.stringMap ?? [:]),
            "ports": spec?["ports"]?.value ?? .array([]), "clusterIP": .optional(spec?["clusterIP"]?.string),
            "loadBalancer": .strings(ingress), "labels": .sortedMap(meta.labels),
            "createdAt": .optional(meta.creationTimestamp),
        ]
    }

    /// A `pdb` record from a policy/v1 PodDisruptionBudget.
    public static func pdb(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "PodDisruptionBudget")
        let spec = object["spec"]
        let status = object["status"]
        return [
            "kind": "pdb", "cluster": .string(cluster), "namespace": .string(meta.namespace), "name": .string(meta.name),
            "selector": spec?["selector"]?.value ?? .null,
            "minAvailable": spec?["minAvailable"]?.value ?? .null, "maxUnavailable": spec?["maxUnavailable"]?.value ?? .null,
            "currentHealthy": .optional(status?["currentHealthy"]?.int),
            "desiredHealthy": .optional(status?["desiredHealthy"]?.int),
            "disruptionsAllowed": .optional(status?["disruptionsAllowed"]?.int),
            "expectedPods": .optional(status?["expectedPods"]?.int), "createdAt": .optional(meta.creationTimestamp),
        ]
    }

    /// An `event` record from a core/v1 Event (or events.k8s.io/v1, whose fields are named differently).
    public static func event(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "Event")
        let involved = object["involvedObject"] ?? object["regarding"]
        let first = object["firstTimestamp"]?.string ?? object["deprecatedFirstTimestamp"]?.string ?? object["eventTime"]?.string
        let last = object["lastTimestamp"]?.string ?? object["deprecatedLastTimestamp"]?.string
            ?? object["series", "lastObservedTime"]?.string ?? first
        return [
            "kind": "event", "cluster": .string(cluster), "namespace": .string(meta.namespace), "name": .string(meta.name),
            "type": .optional(object["type"]?.string), "reason": .optional(object["reason"]?.string),
            "message": .optional(object["message"]?.string ?? object["note"]?.string),
            "involvedObject": [
                "kind": .optional(involved?["kind"]?.string), "namespace": .optional(involved?["namespace"]?.string),
                "name": .optional(involved?["name"]?.string), "fieldPath": .optional(involved?["fieldPath"]?.string),
            ],
            "count": .int(object["count"]?.int ?? object["series", "count"]?.int ?? 1),
            "firstTimestamp": .optional(first), "lastTimestamp": .optional(last),
            "source": .optional(object["source", "component"]?.string ?? object["reportingComponent"]?.string
                ?? object["reportingController"]?.string),
            "host": .optional(object["source", "host"]?.string),
        ]
    }

    private static func target(_ reference: JSON?, defaultKind: String) -> JSONValue {
        ["kind": .string(reference?["kind"]?.string ?? defaultKind), "name": .optional(reference?["name"]?.string),
         "apiVersion": .optional(reference?["apiVersion"]?.string)]
    }

    /// The JSON list an annotation holds as text (empty when absent or not a list).
    private static func annotated(_ meta: ObjectMeta, _ key: String) -> [JSON] {
        guard let text = meta.annotations[key], let list = try? JSON.parse(text) else { return [] }
        return list.array
    }

    /// A v2beta1 MetricSpec (as v1 HPAs keep in `autoscaling.alpha.kubernetes.io/metrics`) in v2's shape.
    static func v2MetricSpec(_ old: JSON) -> JSONValue {
        let type = old["type"]?.string ?? ""
        func target(_ value: JSON?, utilization: JSON? = nil, average: JSON?) -> JSONValue {
            if let percent = utilization?.int { return ["type": "Utilization", "averageUtilization": .int(percent)] }
            if let average = average?.string { return ["type": "AverageValue", "averageValue": .string(average)] }
            return ["type": "Value", "value": .optional(value?.string)]
        }
        switch type {
        case "Resource":
            let resource = old["resource"]
            return ["type": "Resource", "resource": ["name": .optional(resource?["name"]?.string),
                                                     "target": target(nil, utilization: resource?["targetAverageUtilization"], average: resource?["targetAverageValue"])]]
        case "Pods":
            let pods = old["pods"]
            return ["type": "Pods", "pods": ["metric": ["name": .optional(pods?["metricName"]?.string), "selector": pods?["selector"]?.value ?? .null],
                                             "target": target(nil, average: pods?["targetAverageValue"])]]
        case "Object":
            let object = old["object"]
            return ["type": "Object", "object": ["describedObject": object?["target"]?.value ?? .null,
                                                 "metric": ["name": .optional(object?["metricName"]?.string), "selector": object?["selector"]?.value ?? .null],
                                                 "target": target(object?["targetValue"], average: object?["averageValue"])]]
        case "External":
            let external = old["external"]
            return ["type": "External", "external": ["metric": ["name": .optional(external?["metricName"]?.string),
                                                                "selector": external?["metricSelector"]?.value ?? .null],
                                                     "target": target(external?["targetValue"], average: external?["targetAverageValue"])]]
        default:
            return old.value
        }
    }

    /// A v2beta1 MetricStatus (`autoscaling.alpha.kubernetes.io/current-metrics`) in v2's shape.
    static func v2MetricStatus(_ old: JSON) -> JSONValue {
        let type = old["type"]?.string ?? ""
        func current(value: JSON? = nil, utilization: JSON? = nil, average: JSON? = nil) -> JSONValue {
            var fields: [(String, JSONValue)] = []
            if let percent = utilization?.int { fields.append(("averageUtilization", .int(percent))) }
            if let average = average?.string { fields.append(("averageValue", .string(average))) }
            if let value = value?.string { fields.append(("value", .string(value))) }
            return .object(fields.map { JSONValue.Member($0.0, $0.1) })
        }
        switch type {
        case "Resource":
            let resource = old["resource"]
            return ["type": "Resource", "resource": ["name": .optional(resource?["name"]?.string),
                                                     "current": current(utilization: resource?["currentAverageUtilization"], average: resource?["currentAverageValue"])]]
        case "Pods":
            let pods = old["pods"]
            return ["type": "Pods", "pods": ["metric": ["name": .optional(pods?["metricName"]?.string)], "current": current(average: pods?["currentAverageValue"])]]
        case "Object":
            let object = old["object"]
            return ["type": "Object", "object": ["describedObject": object?["target"]?.value ?? .null, "metric": ["name": .optional(object?["metricName"]?.string)],
                                                 "current": current(value: object?["currentValue"], average: object?["averageValue"])]]
        case "External":
            let external = old["external"]
            return ["type": "External", "external": ["metric": ["name": .optional(external?["metricName"]?.string)],
                                                     "current": current(value: external?["currentValue"], average: external?["currentAverageValue"])]]
        default:
            return old.value
        }
    }

    private static func conditions(_ status: JSON?) -> JSONValue {
        conditions(status?["conditions"]?.array ?? [])
    }

    private static func conditions(_ list: [JSON]) -> JSONValue {
        .array(
            list.map { condition in
                ["type": .optional(condition["type"]?.string), "status": .optional(condition["status"]?.string),
                 "reason": .optional(condition["reason"]?.string), "message": .optional(condition["message"]?.string),
                 "lastTransitionTime": .optional(condition["lastTransitionTime"]?.string)]
            })
    }
}
