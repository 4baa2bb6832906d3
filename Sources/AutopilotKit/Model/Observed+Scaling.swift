import Foundation

// Autoscalers, NodePools, disruption budgets and events.
extension Observed {
    /// A status condition (`type`, `status`, `reason`).
    public struct Condition: Sendable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
        }
        static func list(_ json: JSON?) -> [Condition] {
            (json?.array ?? []).compactMap { item in
                guard let type = item["type"]?.string, let status = item["status"]?.string else { return nil }
                return Condition(type: type, status: status, reason: item["reason"]?.string, message: item["message"]?.string)
            }
        }
    }

    public struct HPA: Sendable {
        public var namespace: String
        public var name: String
        public var target: WorkloadKey
        public var minReplicas: Int64
        public var maxReplicas: Int64?
        public var currentReplicas: Int64?
        /// Target average utilization of CPU in percent, when the HPA scales on it.
        public var cpuTargetUtilization: Int64?
        /// Current average CPU utilization in percent, as the HPA last saw it.
        public var cpuCurrentUtilization: Int64?
        /// Names of the metrics it scales on (`cpu`, `memory`, or an external/pods metric's name).
        public var metricNames: [String]
        public var conditions: [Condition]
        public var labels: [String: String]

        public init(namespace: String, name: String, target: WorkloadKey, minReplicas: Int64, maxReplicas: Int64?,
                    currentReplicas: Int64?, cpuTargetUtilization: Int64?, cpuCurrentUtilization: Int64?,
                    metricNames: [String] = ["cpu"], conditions: [Condition] = [], labels: [String: String] = [:]) {
            self.namespace = namespace
            self.name = name
            self.target = target
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
            self.currentReplicas = currentReplicas
            self.cpuTargetUtilization = cpuTargetUtilization
            self.cpuCurrentUtilization = cpuCurrentUtilization
            self.metricNames = metricNames
            self.conditions = conditions
            self.labels = labels
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            target = WorkloadKey(namespace: namespace, kind: json["target", "kind"]?.string ?? "Deployment",
                                 name: try json.required("target", "name"))
            minReplicas = try json.integer("minReplicas", within: RecordBounds.count) ?? 1
            maxReplicas = try json.integer("maxReplicas", within: RecordBounds.count)
            currentReplicas = try json.integer("currentReplicas", within: RecordBounds.count)
            metricNames = []
            for metric in json["metrics"]?.array ?? [] {
                let type = metric["type"]?.string ?? ""
                let name = metric["resource", "name"]?.string ?? metric["containerResource", "name"]?.string
                    ?? metric[type.prefix(1).lowercased() + type.dropFirst(), "metric", "name"]?.string ?? type
                metricNames.append(name)
                if type == "Resource", name == "cpu", let target = try metric.integer("resource", "target", "averageUtilization", within: RecordBounds.count) {
                    cpuTargetUtilization = target
                }
            }
            for metric in json["currentMetrics"]?.array ?? [] where metric["resource", "name"]?.string == "cpu" {
                cpuCurrentUtilization = try metric.integer("resource", "current", "averageUtilization", within: RecordBounds.count)
            }
            conditions = Condition.list(json["conditions"])
            labels = json["labels"]?.stringMap ?? [:]
        }

        public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
    }

    public struct ScaledObject: Sendable {
        public var namespace: String
        public var name: String
        public var target: WorkloadKey
        public var minReplicaCount: Int64
        public var maxReplicaCount: Int64
        public var idleReplicaCount: Int64?
        public var pollingInterval: Int64
        public var cooldownPeriod: Int64
        public var triggerTypes: [String]
        public var hpaName: String?
        public var paused: Bool
        public var conditions: [Condition]

        public init(namespace: String, name: String, target: WorkloadKey, minReplicaCount: Int64 = 0, maxReplicaCount: Int64 = 100,
                    pollingInterval: Int64 = 30, cooldownPeriod: Int64 = 300, triggerTypes: [String] = [], hpaName: String? = nil,
                    conditions: [Condition] = []) {
            self.namespace = namespace
            self.name = name
            self.target = target
            self.minReplicaCount = minReplicaCount
            self.maxReplicaCount = maxReplicaCount
            self.pollingInterval = pollingInterval
            self.cooldownPeriod = cooldownPeriod
            self.triggerTypes = triggerTypes
            self.hpaName = hpaName
            self.paused = false
            self.conditions = conditions
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            target = WorkloadKey(namespace: namespace, kind: json["target", "kind"]?.string ?? "Deployment",
                                 name: try json.required("target", "name"))
            minReplicaCount = try json.integer("minReplicaCount", within: RecordBounds.count) ?? 0
            maxReplicaCount = try json.integer("maxReplicaCount", within: RecordBounds.count) ?? 100
            idleReplicaCount = try json.integer("idleReplicaCount", within: RecordBounds.count)
            pollingInterval = try json.integer("pollingInterval", within: RecordBounds.count) ?? 30
            cooldownPeriod = try json.integer("cooldownPeriod", within: RecordBounds.count) ?? 300
            triggerTypes = (json["triggers"]?.array ?? []).compactMap { $0["type"]?.string }
            hpaName = json["hpaName"]?.string
            paused = json["paused"]?.bool ?? false
            conditions = Condition.list(json["conditions"])
        }

        /// KEDA names the HPA it creates `keda-hpa-<name>` unless told otherwise.
        public var ownHPAName: String { hpaName ?? "keda-hpa-\(name)" }
    }

    public struct NodePool: Sendable {
        public var name: String
        public var consolidationPolicy: String
        public var consolidateAfter: String?
        /// Disruption budgets' `nodes` values (`"10%"`, `"0"`, …).
        public var budgetNodes: [String]
        public var requirements: [NodeSelectorRequirement]

        public init(name: String, consolidationPolicy: String, consolidateAfter: String? = nil, budgetNodes: [String] = ["10%"],
                    requirements: [NodeSelectorRequirement] = []) {
            self.name = name
            self.consolidationPolicy = consolidationPolicy
            self.consolidateAfter = consolidateAfter
            self.budgetNodes = budgetNodes
            self.requirements = requirements
        }

        public init(_ json: JSON) throws(RecordError) {
            name = try json.required("name")
            consolidationPolicy = json["consolidationPolicy"]?.string ?? "WhenEmptyOrUnderutilized"
            consolidateAfter = json["consolidateAfter"]?.string
            budgetNodes = (json["budgets"]?.array ?? []).compactMap { $0["nodes"]?.string }
            requirements = (json["requirements"]?.array ?? []).map(NodeSelectorRequirement.init)
        }
    }

    public struct PDB: Sendable {
        public var namespace: String
        public var name: String
        /// Nil: no selector, which selects no pod. Present but empty (`{}`): every pod in the namespace.
        public var matchLabels: [String: String]?
        /// Label-selector expressions (`In`, `NotIn`, `Exists`, `DoesNotExist`), all of which must hold.
        public var matchExpressions: [NodeSelectorRequirement]
        public var disruptionsAllowed: Int64?

        public init(namespace: String, name: String, matchLabels: [String: String]?, matchExpressions: [NodeSelectorRequirement] = [],
                    disruptionsAllowed: Int64?) {
            self.namespace = namespace
            self.name = name
            self.matchLabels = matchLabels
            self.matchExpressions = matchExpressions
            self.disruptionsAllowed = disruptionsAllowed
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            if let selector = json["selector"], selector.isObject {
                matchLabels = selector["matchLabels"]?.stringMap ?? [:]
                matchExpressions = (selector["matchExpressions"]?.array ?? []).map(NodeSelectorRequirement.init)
            } else {
                matchLabels = nil
                matchExpressions = []
            }
            disruptionsAllowed = try json.integer("disruptionsAllowed", within: RecordBounds.count)
        }

        /// policy/v1: a null selector selects nothing, an empty one every pod of the namespace.
        public func selects(_ pod: Pod) -> Bool {
            guard pod.namespace == namespace, let matchLabels else { return false }
            return matchLabels.allSatisfy { pod.labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(pod.labels) }
        }
    }

    public struct Event: Sendable {
        public var namespace: String?
        public var type: String?
        public var reason: String?
        public var message: String?
        public var objectKind: String?
        public var objectName: String?
        public var lastTimestamp: String?
        public var firstTimestamp: String?
        public var count: Int64 = 1
        /// The node a kubelet event came from.
        public var host: String?
        /// `spec.containers{name}` for an event about one container of a pod.
        public var fieldPath: String?

        public init(namespace: String?, type: String, reason: String, message: String? = nil, objectKind: String, objectName: String) {
            self.namespace = namespace
            self.type = type
            self.reason = reason
            self.message = message
            self.objectKind = objectKind
            self.objectName = objectName
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = json["involvedObject", "namespace"]?.string ?? json["namespace"]?.string
            type = json["type"]?.string
            reason = json["reason"]?.string
            message = json["message"]?.string
            objectKind = json["involvedObject", "kind"]?.string
            objectName = json["involvedObject", "name"]?.string
            lastTimestamp = json["lastTimestamp"]?.string
            firstTimestamp = json["firstTimestamp"]?.string ?? lastTimestamp
            count = try json.integer("count", within: RecordBounds.count) ?? 1
            host = json["host"]?.string
            fieldPath = json["involvedObject", "fieldPath"]?.string
        }
    }
}
