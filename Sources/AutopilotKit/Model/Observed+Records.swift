import Foundation

extension Observed {
    public struct Node: Sendable {
        public var name: String
        public var instanceType: String?
        public var region: String?
        public var zone: String?
        public var capacityType: String?
        public var nodepool: String?
        public var nodegroup: String?
        public var instanceId: String?
        public var allocatable: Resources
        public var labels: [String: String]
        public var taints: [Taint]
        public var ready: Bool
        public var unschedulable: Bool
        public var createdAt: String?

        public init(name: String, instanceType: String?, region: String?, zone: String? = nil, capacityType: String? = "on-demand",
                    nodepool: String? = nil, nodegroup: String? = nil, allocatable: Resources, labels: [String: String] = [:],
                    taints: [Taint] = [], ready: Bool = true, unschedulable: Bool = false) {
            self.name = name
            self.instanceType = instanceType
            self.region = region
            self.zone = zone
            self.capacityType = capacityType
            self.nodepool = nodepool
            self.nodegroup = nodegroup
            self.allocatable = allocatable
            self.labels = labels
            self.taints = taints
            self.ready = ready
            self.unschedulable = unschedulable
        }

        public init(_ json: JSON) throws(RecordError) {
            name = try json.required("name")
            instanceType = json["instanceType"]?.string
            region = json["region"]?.string
            zone = json["zone"]?.string
            capacityType = json["capacityType"]?.string
            nodepool = json["nodepool"]?.string
            nodegroup = json["nodegroup"]?.string
            instanceId = json["instanceId"]?.string
            allocatable = Resources(json["allocatable"])
            labels = json["labels"]?.stringMap ?? [:]
            taints = (json["taints"]?.array ?? []).compactMap { taint in
                guard let key = taint["key"]?.string, let effect = taint["effect"]?.string else { return nil }
                return Taint(key: key, value: taint["value"]?.string, effect: effect)
            }
            ready = json["ready"]?.bool ?? false
            unschedulable = json["unschedulable"]?.bool ?? false
            createdAt = json["createdAt"]?.string
        }
    }

    public struct Pod: Sendable {
        public var namespace: String
        public var name: String
        public var node: String?
        public var phase: String?
        /// The top workload; nil for a bare pod.
        public var owner: WorkloadKey?
        public var containers: [Container]
        public var initContainers: [Container]
        public var labels: [String: String]
        public var annotations: [String: String]
        public var nodeSelector: [String: String]
        public var tolerations: [Toleration]
        /// Required node affinity: any one term must match, all requirements of a term.
        public var affinityTerms: [[NodeSelectorRequirement]]
        /// Names of the PersistentVolumeClaims it mounts (in its namespace).
        public var claims: [String] = []
        public var createdAt: String?

        public init(namespace: String, name: String, node: String?, phase: String = "Running", owner: WorkloadKey?,
                    containers: [Container], labels: [String: String] = [:], annotations: [String: String] = [:],
                    nodeSelector: [String: String] = [:], tolerations: [Toleration] = [], affinityTerms: [[NodeSelectorRequirement]] = []) {
            self.namespace = namespace
            self.name = name
            self.node = node
            self.phase = phase
            self.owner = owner
            self.containers = containers
            self.initContainers = []
            self.labels = labels
            self.annotations = annotations
            self.nodeSelector = nodeSelector
            self.tolerations = tolerations
            self.affinityTerms = affinityTerms
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            node = json["node"]?.string
            phase = json["phase"]?.string
            if let kind = json["owner", "kind"]?.string, kind != "Pod", let ownerName = json["owner", "name"]?.string {
                owner = WorkloadKey(namespace: namespace, kind: kind, name: ownerName)
            }
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            initContainers = try (json["initContainers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            nodeSelector = json["nodeSelector"]?.stringMap ?? [:]
            tolerations = (json["tolerations"]?.array ?? []).map { item in
                Toleration(key: item["key"]?.string, operator: item["operator"]?.string ?? "Equal",
                           value: item["value"]?.string, effect: item["effect"]?.string)
            }
            affinityTerms = (json["requiredNodeAffinity", "nodeSelectorTerms"]?.array ?? []).map { term in
                (term["matchExpressions"]?.array ?? []).map(NodeSelectorRequirement.init)
            }
            claims = json["claims"]?.array.compactMap(\.string) ?? []
            createdAt = json["createdAt"]?.string
        }

        /// Running and Pending pods hold node capacity; Succeeded and Failed ones do not.
        public var holdsCapacity: Bool { phase == "Running" || phase == "Pending" }

        /// What the scheduler reserves: the larger of the containers' sum and the largest init container.
        public var requests: Resources {
            var cpu = containers.reduce(0.0) { $0 + ($1.requests.cpu ?? 0) }
            var memory = containers.reduce(Int64(0)) { $0 + ($1.requests.memory ?? 0) }
            for container in initContainers {
                cpu = max(cpu, container.requests.cpu ?? 0)
                memory = max(memory, container.requests.memory ?? 0)
            }
            return Resources(cpu: cpu, memory: memory)
        }

        public var isDaemonSetPod: Bool { owner?.kind == "DaemonSet" }
    }

    public struct Workload: Sendable {
        public var key: WorkloadKey
        public var desiredReplicas: Int64?
        public var readyReplicas: Int64?
        public var containers: [Container]
        public var labels: [String: String]
        public var annotations: [String: String]
        public var podLabels: [String: String]
        public var team: String

        public init(key: WorkloadKey, desiredReplicas: Int64? = nil, containers: [Container], labels: [String: String] = [:],
                    annotations: [String: String] = [:], podLabels: [String: String] = [:], team: String = "unassigned") {
            self.key = key
            self.desiredReplicas = desiredReplicas
            self.containers = containers
            self.labels = labels
            self.annotations = annotations
            self.podLabels = podLabels
            self.team = team
        }

        public init(_ json: JSON) throws(RecordError) {
            key = WorkloadKey(namespace: try json.required("namespace"), kind: try json.required("workloadKind"),
                              name: try json.required("name"))
            desiredReplicas = json["replicas", "desired"]?.int
            readyReplicas = json["replicas", "ready"]?.int
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            podLabels = json["podLabels"]?.stringMap ?? [:]
            team = json["team"]?.string ?? "unassigned"
        }

        /// A label or annotation on the workload or its pod template.
        public func marker(_ key: String) -> String? { labels[key] ?? annotations[key] ?? podLabels[key] }
    }

    public struct Volume: Sendable {
        public var name: String
        public var claimNamespace: String?
        public var claimName: String?
        public var phase: String?
        public var storageClass: String?
        public var volumeType: String?
        public var sizeBytes: Int64?
        public var iops: Int64?
        public var throughput: Int64?
        public var volumeHandle: String?
        public var zone: String?
        public var mountedBy: [String]
        public var team: String
        public var createdAt: String?

        public init(name: String, claim: (namespace: String, name: String)?, phase: String, volumeType: String?, sizeBytes: Int64?,
                    iops: Int64? = nil, throughput: Int64? = nil, volumeHandle: String? = nil, mountedBy: [String] = [],
                    createdAt: String? = nil, zone: String? = nil, storageClass: String? = nil, team: String = "unassigned") {
            self.name = name
            self.claimNamespace = claim?.namespace
            self.claimName = claim?.name
            self.phase = phase
            self.volumeType = volumeType
            self.sizeBytes = sizeBytes
            self.iops = iops
            self.throughput = throughput
            self.volumeHandle = volumeHandle
            self.mountedBy = mountedBy
            self.team = team
            self.createdAt = createdAt
            self.zone = zone
            self.storageClass = storageClass
        }

        public init(_ json: JSON) throws(RecordError) {
            name = try json.required("name")
            claimNamespace = json["claim", "namespace"]?.string
            claimName = json["claim", "name"]?.string
            phase = json["phase"]?.string
            storageClass = json["storageClass"]?.string
            volumeType = json["volumeType"]?.string
            sizeBytes = json["sizeBytes"]?.int
            iops = json["iops"]?.int
            throughput = json["throughput"]?.int
            volumeHandle = json["volumeHandle"]?.string
            zone = json["zone"]?.string
            mountedBy = json["mountedBy"]?.array.compactMap(\.string) ?? []
            team = json["team"]?.string ?? "unassigned"
            createdAt = json["createdAt"]?.string
        }
    }

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
            minReplicas = json["minReplicas"]?.int ?? 1
            maxReplicas = json["maxReplicas"]?.int
            currentReplicas = json["currentReplicas"]?.int
            metricNames = []
            for metric in json["metrics"]?.array ?? [] {
                let type = metric["type"]?.string ?? ""
                let name = metric["resource", "name"]?.string ?? metric["containerResource", "name"]?.string
                    ?? metric[type.prefix(1).lowercased() + type.dropFirst(), "metric", "name"]?.string ?? type
                metricNames.append(name)
                if type == "Resource", name == "cpu", let target = metric["resource", "target", "averageUtilization"]?.int {
                    cpuTargetUtilization = target
                }
            }
            for metric in json["currentMetrics"]?.array ?? [] where metric["resource", "name"]?.string == "cpu" {
                cpuCurrentUtilization = metric["resource", "current", "averageUtilization"]?.int
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
            minReplicaCount = json["minReplicaCount"]?.int ?? 0
            maxReplicaCount = json["maxReplicaCount"]?.int ?? 100
            idleReplicaCount = json["idleReplicaCount"]?.int
            pollingInterval = json["pollingInterval"]?.int ?? 30
            cooldownPeriod = json["cooldownPeriod"]?.int ?? 300
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
        public var matchLabels: [String: String]
        public var disruptionsAllowed: Int64?

        public init(namespace: String, name: String, matchLabels: [String: String], disruptionsAllowed: Int64?) {
            self.namespace = namespace
            self.name = name
            self.matchLabels = matchLabels
            self.disruptionsAllowed = disruptionsAllowed
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            matchLabels = json["selector", "matchLabels"]?.stringMap ?? [:]
            disruptionsAllowed = json["disruptionsAllowed"]?.int
        }

        /// An empty selector selects nothing in policy/v1 terms we can check here.
        public func selects(_ pod: Pod) -> Bool {
            pod.namespace == namespace && !matchLabels.isEmpty && matchLabels.allSatisfy { pod.labels[$0.key] == $0.value }
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
        }
    }

    /// A `usage` record: one (workload, container) over the window.
    public struct Usage: Sendable {
        public var workload: WorkloadKey
        public var container: String
        public var windowStart: String?
        public var windowEnd: String?
        public var step: String?
        public var samples: Int64
        /// Distinct pods seen in the window (pods that came and went included).
        public var pods: Int64?
        public var cpu: [String: Double]
        public var memory: [String: Double]
        public var oomKills: Int64
        public var throttledRatio: Double?

        public init(workload: WorkloadKey, container: String, samples: Int64, cpu: [String: Double], memory: [String: Double],
                    oomKills: Int64 = 0, throttledRatio: Double? = nil, window: (start: String, end: String)?, step: String? = "5m") {
            self.workload = workload
            self.container = container
            self.samples = samples
            self.cpu = cpu
            self.memory = memory
            self.oomKills = oomKills
            self.throttledRatio = throttledRatio
            self.windowStart = window?.start
            self.windowEnd = window?.end
            self.step = step
        }

        public init(_ json: JSON) throws(RecordError) {
            workload = WorkloadKey(namespace: try json.required("namespace"),
                                   kind: json["workload", "kind"]?.string ?? "Deployment",
                                   name: try json.required("workload", "name"))
            container = try json.required("container")
            windowStart = json["window", "start"]?.string
            windowEnd = json["window", "end"]?.string
            step = json["window", "step"]?.string
            guard let samples = json["samples"]?.int else { throw RecordError("missing integer field 'samples'") }
            self.samples = samples
            pods = json["pods"]?.int
            cpu = Self.figures(json["cpu"])
            memory = Self.figures(json["memory"])
            oomKills = json["oomKills"]?.int ?? 0
            throttledRatio = json["throttledRatio"]?.double
        }

        private static func figures(_ json: JSON?) -> [String: Double] {
            var result: [String: Double] = [:]
            for (key, value) in json?.members ?? [] { if let number = value.double { result[key] = number } }
            return result
        }
    }

    public struct NodeUsage: Sendable {
        public var node: String
        public var samples: Int64
        public var cpu: [String: Double]
        public var memory: [String: Double]

        public init(node: String, samples: Int64, cpu: [String: Double], memory: [String: Double]) {
            self.node = node
            self.samples = samples
            self.cpu = cpu
            self.memory = memory
        }

        public init(_ json: JSON) throws(RecordError) {
            node = try json.required("node")
            samples = json["samples"]?.int ?? 0
            var cpu: [String: Double] = [:]
            var memory: [String: Double] = [:]
            for (key, value) in json["cpu"]?.members ?? [] { if let number = value.double { cpu[key] = number } }
            for (key, value) in json["memory"]?.members ?? [] { if let number = value.double { memory[key] = number } }
            self.cpu = cpu
            self.memory = memory
        }
    }
}
