// The `hpa` record: one type for both sides of the contract. collect-cluster builds it from a
// HorizontalPodAutoscaler (Kubernetes/HPA+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    /// A status condition (`type`, `status`, `reason`, `message`, since when).
    public struct Condition: Equatable, Sendable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: String?
        public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: String? = nil) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
            self.lastTransitionTime = lastTransitionTime
        }

        /// A `status.conditions` list; a condition without a type or status (which the API refuses) is left out.
        static func list(_ json: JSON?) -> [Condition] { list(json?.array ?? []) }

        static func list(_ items: [JSON]) -> [Condition] {
            items.compactMap { item in
                guard let type = item["type"]?.string, let status = item["status"]?.string else { return nil }
                return Condition(type: type, status: status, reason: item["reason"]?.string, message: item["message"]?.string,
                                 lastTransitionTime: item["lastTransitionTime"]?.string)
            }
        }

        public var json: JSONValue {
            ["type": .string(type), "status": .string(status), "reason": .optional(reason), "message": .optional(message),
             "lastTransitionTime": .optional(lastTransitionTime)]
        }
    }

    /// What an autoscaler or ScaledObject scales: `scaleTargetRef`.
    public struct ScaleTarget: Equatable, Sendable {
        public var kind: String
        /// Nil where the object names none (the API refuses that; a record written so is not read).
        public var name: String?
        public var apiVersion: String?

        init(_ reference: JSON?) {
            kind = reference?["kind"]?.string ?? "Deployment"
            name = reference?["name"]?.string
            apiVersion = reference?["apiVersion"]?.string
        }

        /// A record's `target`, which must name what it scales.
        init(record: JSON) throws(RecordError) {
            _ = try record.required("target", "name")
            self.init(record["target"])
        }
        init(kind: String, name: String) {
            self.kind = kind
            self.name = name
        }

        var json: JSONValue { ["kind": .string(kind), "name": .optional(name), "apiVersion": .optional(apiVersion)] }
    }

    public struct HPA: Equatable, Sendable {
        public var cluster = ""
        public var namespace: String
        public var name: String
        public var scaleTarget: ScaleTarget
        public var minReplicas: Int64
        public var maxReplicas: Int64?
        public var currentReplicas: Int64?
        public var desiredReplicas: Int64?
        /// autoscaling/v2 `spec.metrics` and `status.currentMetrics` as the API has them (a v1 object's in v2's shape).
        public var metrics: JSONValue = .array([])
        public var currentMetrics: JSONValue = .array([])
        public var conditions: [Condition]
        public var lastScaleTime: String?
        public var labels: [String: String]
        public var createdAt: String?

        /// The workload it scales, in its namespace.
        public var target: WorkloadKey { WorkloadKey(namespace: namespace, kind: scaleTarget.kind, name: scaleTarget.name ?? "") }

        /// An HPA scaling on `metricNames` (`cpu`, `memory`, or a pods or external metric's name), with its CPU
        /// target and current utilization in percent where it scales on CPU.
        public init(namespace: String, name: String, target: WorkloadKey, minReplicas: Int64, maxReplicas: Int64?,
                    currentReplicas: Int64?, cpuTargetUtilization: Int64?, cpuCurrentUtilization: Int64?,
                    metricNames: [String] = ["cpu"], conditions: [Condition] = [], labels: [String: String] = [:]) {
            self.namespace = namespace
            self.name = name
            self.scaleTarget = ScaleTarget(kind: target.kind, name: target.name)
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
            self.currentReplicas = currentReplicas
            metrics = .array(metricNames.map { metric -> JSONValue in
                guard metric == "cpu" || metric == "memory" else { return ["type": "External", "external": ["metric": ["name": .string(metric)]]] }
                let target: JSONValue = metric == "cpu" ? cpuTargetUtilization.map { ["type": "Utilization", "averageUtilization": .int($0)] } ?? .null : .null
                return ["type": "Resource", "resource": ["name": .string(metric), "target": target]]
            })
            currentMetrics = .array(cpuCurrentUtilization.map { [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int($0)]]]] } ?? [])
            self.conditions = conditions
            self.labels = labels
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            namespace = try json.required("namespace")
            name = try json.required("name")
            scaleTarget = try ScaleTarget(record: json)
            minReplicas = try json.integer("minReplicas", within: RecordBounds.count) ?? 1
            maxReplicas = try json.integer("maxReplicas", within: RecordBounds.count)
            currentReplicas = try json.integer("currentReplicas", within: RecordBounds.count)
            desiredReplicas = try json.integer("desiredReplicas", within: RecordBounds.count)
            metrics = json["metrics"]?.value ?? .array([])
            currentMetrics = json["currentMetrics"]?.value ?? .array([])
            // The CPU utilizations are read on use (`cpuTargetUtilization`); one that is not a whole number in
            // range refuses the record here, as it always has.
            for metric in json["metrics"]?.array ?? [] where metric["type"]?.string == "Resource" && Self.metricName(metric.value) == "cpu" {
                _ = try metric.integer("resource", "target", "averageUtilization", within: RecordBounds.count)
            }
            for metric in json["currentMetrics"]?.array ?? [] where metric["resource", "name"]?.string == "cpu" {
                _ = try metric.integer("resource", "current", "averageUtilization", within: RecordBounds.count)
            }
            conditions = Condition.list(json["conditions"])
            lastScaleTime = json["lastScaleTime"]?.string
            labels = json["labels"]?.stringMap ?? [:]
            createdAt = json["createdAt"]?.string
        }

        /// Names of the metrics it scales on (`cpu`, `memory`, or an external/pods metric's name).
        public var metricNames: [String] { (metrics.arrayValue ?? []).map(Self.metricName) }

        /// Target average utilization of CPU in percent, when the HPA scales on it.
        public var cpuTargetUtilization: Int64? {
            (metrics.arrayValue ?? []).compactMap { metric in
                metric["type"]?.stringValue == "Resource" && Self.metricName(metric) == "cpu"
                    ? Self.wholeNumber(metric["resource"]?["target"]?["averageUtilization"]) : nil
            }.last
        }

        /// Current average CPU utilization in percent, as the HPA last saw it.
        public var cpuCurrentUtilization: Int64? {
            guard let metric = (currentMetrics.arrayValue ?? []).last(where: { $0["resource"]?["name"]?.stringValue == "cpu" }) else { return nil }
            return Self.wholeNumber(metric["resource"]?["current"]?["averageUtilization"])
        }

        /// A metric's name: the resource's, or the pods, object or external metric's, else its type.
        private static func metricName(_ metric: JSONValue) -> String {
            let type = metric["type"]?.stringValue ?? ""
            return metric["resource"]?["name"]?.stringValue ?? metric["containerResource"]?["name"]?.stringValue
                ?? metric[type.prefix(1).lowercased() + type.dropFirst()]?["metric"]?["name"]?.stringValue ?? type
        }

        /// `JSON.int` on a kept value: an integer, or a real with no fractional part.
        private static func wholeNumber(_ value: JSONValue?) -> Int64? {
            switch value {
            case .int(let number)?: return number
            case .double(let number)? where number.rounded() == number && abs(number) < 9.2e18: return Int64(number)
            default: return nil
            }
        }

        public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

        public var json: JSONValue {
            [
                "kind": "hpa", "cluster": .string(cluster), "namespace": .string(namespace), "name": .string(name),
                "target": scaleTarget.json,
                "minReplicas": .int(minReplicas), "maxReplicas": .optional(maxReplicas),
                "currentReplicas": .optional(currentReplicas), "desiredReplicas": .optional(desiredReplicas),
                "metrics": metrics, "currentMetrics": currentMetrics,
                "conditions": .array(conditions.map(\.json)), "lastScaleTime": .optional(lastScaleTime),
                "labels": .sortedMap(labels), "createdAt": .optional(createdAt),
            ]
        }
    }
}
