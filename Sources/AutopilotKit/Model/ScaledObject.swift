// The `scaledobject` record: one type for both sides of the contract. collect-cluster builds it from a KEDA
// ScaledObject (Kubernetes/Objects+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    public struct ScaledObject: Equatable, Sendable {
        /// One of its triggers: the scaler type (`aws-sqs-queue`, `prometheus`, …), its name and settings.
        public struct Trigger: Equatable, Sendable {
            public var type: String?
            public var name: String?
            public var metadata: [String: String]
            public init(type: String?, name: String? = nil, metadata: [String: String] = [:]) {
                self.type = type
                self.name = name
                self.metadata = metadata
            }
            var json: JSONValue { ["type": .optional(type), "name": .optional(name), "metadata": .sortedMap(metadata)] }
        }

        public var cluster = ""
        public var namespace: String
        public var name: String
        public var scaleTarget: ScaleTarget
        public var minReplicaCount: Int64
        public var maxReplicaCount: Int64
        public var idleReplicaCount: Int64?
        public var pollingInterval: Int64
        public var cooldownPeriod: Int64
        public var triggers: [Trigger]
        public var hpaName: String?
        public var paused: Bool
        public var conditions: [Condition]
        public var createdAt: String?

        /// The workload it scales, in its namespace.
        public var target: WorkloadKey { WorkloadKey(namespace: namespace, kind: scaleTarget.kind, name: scaleTarget.name ?? "") }
        public var triggerTypes: [String] { triggers.compactMap(\.type) }

        public init(namespace: String, name: String, target: WorkloadKey, minReplicaCount: Int64 = 0, maxReplicaCount: Int64 = 100,
                    pollingInterval: Int64 = 30, cooldownPeriod: Int64 = 300, triggerTypes: [String] = [], hpaName: String? = nil,
                    conditions: [Condition] = []) {
            self.namespace = namespace
            self.name = name
            self.scaleTarget = ScaleTarget(kind: target.kind, name: target.name)
            self.minReplicaCount = minReplicaCount
            self.maxReplicaCount = maxReplicaCount
            self.pollingInterval = pollingInterval
            self.cooldownPeriod = cooldownPeriod
            self.triggers = triggerTypes.map { Trigger(type: $0) }
            self.hpaName = hpaName
            self.paused = false
            self.conditions = conditions
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            namespace = try json.required("namespace")
            name = try json.required("name")
            scaleTarget = try ScaleTarget(record: json)
            minReplicaCount = try json.integer("minReplicaCount", within: RecordBounds.count) ?? 0
            maxReplicaCount = try json.integer("maxReplicaCount", within: RecordBounds.count) ?? 100
            idleReplicaCount = try json.integer("idleReplicaCount", within: RecordBounds.count)
            pollingInterval = try json.integer("pollingInterval", within: RecordBounds.count) ?? 30
            cooldownPeriod = try json.integer("cooldownPeriod", within: RecordBounds.count) ?? 300
            triggers = (json["triggers"]?.array ?? []).map {
                Trigger(type: $0["type"]?.string, name: $0["name"]?.string, metadata: $0["metadata"]?.stringMap ?? [:])
            }
            hpaName = json["hpaName"]?.string
            paused = json["paused"]?.bool ?? false
            conditions = Condition.list(json["conditions"])
            createdAt = json["createdAt"]?.string
        }

        /// KEDA names the HPA it creates `keda-hpa-<name>` unless told otherwise.
        public var ownHPAName: String { hpaName ?? "keda-hpa-\(name)" }

        public var json: JSONValue {
            [
                "kind": "scaledobject", "cluster": .string(cluster), "namespace": .string(namespace),
                "name": .string(name), "target": scaleTarget.json,
                "minReplicaCount": .int(minReplicaCount), "maxReplicaCount": .int(maxReplicaCount),
                "idleReplicaCount": .optional(idleReplicaCount), "pollingInterval": .int(pollingInterval),
                "cooldownPeriod": .int(cooldownPeriod),
                "triggers": .array(triggers.map(\.json)), "hpaName": .optional(hpaName), "paused": .bool(paused),
                "conditions": .array(conditions.map(\.json)), "createdAt": .optional(createdAt),
            ]
        }
    }
}
