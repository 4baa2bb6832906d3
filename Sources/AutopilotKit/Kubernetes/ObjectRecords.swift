/// Records that need no join: each is read straight from one Kubernetes object, with the API's own
/// field names (`minReplicas`, `consolidationPolicy`, …) and the API's defaults filled in.
public enum ObjectRecords {
    /// A `hpa` record from an autoscaling/v2 (or v1) HorizontalPodAutoscaler.
    public static func hpa(_ object: JSON, cluster: String) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "HorizontalPodAutoscaler")
        let spec = object["spec"]
        let status = object["status"]
        var metrics = spec?["metrics"]?.value ?? .array([])
        // autoscaling/v1 has only a CPU utilization target; give it the v2 shape.
        if let percent = spec?["targetCPUUtilizationPercentage"]?.int {
            metrics = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(percent)]]]]
        }
        return [
            "kind": "hpa", "cluster": .string(cluster), "namespace": .string(meta.namespace), "name": .string(meta.name),
            "target": target(spec?["scaleTargetRef"], defaultKind: "Deployment"),
            "minReplicas": .int(spec?["minReplicas"]?.int ?? 1), "maxReplicas": .optional(spec?["maxReplicas"]?.int),
            "currentReplicas": .optional(status?["currentReplicas"]?.int),
            "desiredReplicas": .optional(status?["desiredReplicas"]?.int),
            "metrics": metrics, "currentMetrics": status?["currentMetrics"]?.value ?? .array([]),
            "conditions": conditions(status), "lastScaleTime": .optional(status?["lastScaleTime"]?.string),
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
    public static func nodePool(_ object: JSON, cluster: String) throws(QuantityError) -> JSONValue {
        let meta = ObjectMeta(object["metadata"], kind: "NodePool")
        let spec = object["spec"]
        let disruption = spec?["disruption"]
        let limits = try ResourceAmounts(spec?["limits"], field: "spec.limits", perMachine: false)
        let used = try ResourceAmounts(object["status", "resources"], field: "status.resources", perMachine: false)
        return [
            "kind": "nodepool", "cluster": .string(cluster), "name": .string(meta.name),
            "consolidationPolicy": .string(disruption?["consolidationPolicy"]?.string ?? "WhenEmptyOrUnderutilized"),
            "consolidateAfter": .string(disruption?["consolidateAfter"]?.string ?? "0s"),
            "budgets": disruption?["budgets"]?.value ?? [["nodes": "10%"]],
            "requirements": spec?["template", "spec", "requirements"]?.value ?? .array([]),
            "taints": spec?["template", "spec", "taints"]?.value ?? .array([]),
            "nodeClassRef": spec?["template", "spec", "nodeClassRef"]?.value ?? .null,
            "expireAfter": .optional(spec?["template", "spec", "expireAfter"]?.string),
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

    private static func conditions(_ status: JSON?) -> JSONValue {
        .array(
            (status?["conditions"]?.array ?? []).map { condition in
                ["type": .optional(condition["type"]?.string), "status": .optional(condition["status"]?.string),
                 "reason": .optional(condition["reason"]?.string), "message": .optional(condition["message"]?.string),
                 "lastTransitionTime": .optional(condition["lastTransitionTime"]?.string)]
            })
    }
}
