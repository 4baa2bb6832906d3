extension Observed.HPA {
    /// Reads an autoscaling/v2 (or v1) HorizontalPodAutoscaler as kubectl has it.
    public init(kubectl object: JSON, cluster: String) {
        let meta = ObjectMeta(object["metadata"], kind: "HorizontalPodAutoscaler")
        let spec = object["spec"]
        let status = object["status"]
        self.init(namespace: meta.namespace, name: meta.name, target: Observed.WorkloadKey(namespace: meta.namespace, kind: "Deployment", name: ""),
                  minReplicas: spec?["minReplicas"]?.int ?? 1, maxReplicas: spec?["maxReplicas"]?.int,
                  currentReplicas: status?["currentReplicas"]?.int, cpuTargetUtilization: nil, cpuCurrentUtilization: nil, metricNames: [],
                  conditions: Observed.Condition.list(status?["conditions"]), labels: meta.labels)
        self.cluster = cluster
        scaleTarget = Observed.ScaleTarget(spec?["scaleTargetRef"])
        desiredReplicas = status?["desiredReplicas"]?.int
        metrics = spec?["metrics"]?.value ?? .array([])
        currentMetrics = status?["currentMetrics"]?.value ?? .array([])
        lastScaleTime = status?["lastScaleTime"]?.string
        createdAt = meta.creationTimestamp
        // autoscaling/v1 has only a CPU utilization target; the API server keeps the rest of a v2 object in
        // annotations (v2beta1 shapes as JSON text). Give it all the v2 shape.
        if let percent = spec?["targetCPUUtilizationPercentage"]?.int {
            var specs: [JSONValue] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(percent)]]]]
            specs += Self.annotated(meta, "autoscaling.alpha.kubernetes.io/metrics").map(Self.v2MetricSpec)
            metrics = .array(specs)
            var statuses = Self.annotated(meta, "autoscaling.alpha.kubernetes.io/current-metrics").map(Self.v2MetricStatus)
            if statuses.isEmpty, let current = status?["currentCPUUtilizationPercentage"]?.int {
                statuses = [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int(current)]]]]
            }
            currentMetrics = .array(statuses)
            let annotatedConditions = Self.annotated(meta, "autoscaling.alpha.kubernetes.io/conditions")
            if !annotatedConditions.isEmpty { conditions = Observed.Condition.list(annotatedConditions) }
        }
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
}
