// The `node` record: one type for both sides of the contract. collect-cluster builds it from a Node
// object (Kubernetes/Node+Kubectl.swift) and writes `json`; every later tool reads it with `init(_:)`.
extension Observed {
    /// One Kubernetes Node with what pricing, packing and the incident analyzers need.
    public struct Node: Equatable, Sendable {
        public var cluster = ""
        public var name: String
        public var instanceType: String?
        public var region: String?
        public var zone: String?
        /// `on-demand` or `spot`; nil when the node carries neither Karpenter's nor EKS's label.
        public var capacityType: String?
        public var nodepool: String?
        public var nodegroup: String?
        public var instanceId: String?
        /// `status.addresses`' InternalIP: what node-exporter's `instance` label holds unless relabelled.
        public var internalIP: String?
        public var allocatable: Resources
        public var allocatablePods: Int64?
        public var capacity = Resources()
        public var labels: [String: String]
        public var taints: [Taint]
        public var ready: Bool
        public var unschedulable: Bool
        /// The Ready condition as the kubelet last reported it: status, reason, since when.
        public var readyCondition: ReadyCondition?
        /// Pressure conditions that are True: `MemoryPressure`, `DiskPressure`, `PIDPressure`.
        public var pressures: [String] = []
        public var createdAt: String?
        /// When deletion began: a node being deleted is not idle capacity to remove, it is going already.
        public var deletingSince: String?
        public var finalizers: [String] = []

        public struct ReadyCondition: Equatable, Sendable {
            public var status: String?
            public var reason: String?
            /// When the condition last changed (RFC 3339).
            public var since: String?
            public init(status: String?, reason: String? = nil, since: String?) {
                self.status = status
                self.reason = reason
                self.since = since
            }
        }

        /// An EKS Fargate node: one micro-VM per pod, billed per pod; no EC2 instance to drain or replace.
        public var isFargate: Bool { labels["eks.amazonaws.com/compute-type"] == "fargate" }

        /// Capacity the node detectors may take away or move pods to: an EC2 node not being deleted.
        public var isUsableCapacity: Bool { deletingSince == nil && !isFargate }

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
            cluster = json["cluster"]?.string ?? ""
            name = try json.required("name")
            instanceType = json["instanceType"]?.string
            region = json["region"]?.string
            zone = json["zone"]?.string
            capacityType = json["capacityType"]?.string
            nodepool = json["nodepool"]?.string
            nodegroup = json["nodegroup"]?.string
            instanceId = json["instanceId"]?.string
            internalIP = json["internalIP"]?.string
            allocatable = try Resources(json["allocatable"], field: "allocatable")
            // Kept for the record, read by no tool: taken as they are, never a reason to refuse the node.
            allocatablePods = json["allocatable", "pods"]?.int
            capacity = (try? Resources(json["capacity"], field: "capacity")) ?? Resources()
            labels = json["labels"]?.stringMap ?? [:]
            taints = (json["taints"]?.array ?? []).compactMap { taint in
                guard let key = taint["key"]?.string, let effect = taint["effect"]?.string else { return nil }
                return Taint(key: key, value: taint["value"]?.string, effect: effect)
            }
            ready = json["ready"]?.bool ?? false
            unschedulable = json["unschedulable"]?.bool ?? false
            if let condition = json["readyCondition"], condition.isObject {
                readyCondition = ReadyCondition(status: condition["status"]?.string, reason: condition["reason"]?.string,
                                                since: condition["since"]?.string)
            }
            pressures = json["pressures"]?.array.compactMap(\.string) ?? []
            createdAt = json["createdAt"]?.string
            deletingSince = json["deletingSince"]?.string
            finalizers = json["finalizers"]?.array.compactMap(\.string) ?? []
        }

        public var json: JSONValue {
            [
                "kind": "node", "cluster": .string(cluster), "name": .string(name),
                "instanceType": .optional(instanceType), "region": .optional(region), "zone": .optional(zone),
                "capacityType": .optional(capacityType), "nodepool": .optional(nodepool), "nodegroup": .optional(nodegroup),
                "instanceId": .optional(instanceId), "internalIP": .optional(internalIP),
                "allocatable": ["cpu": .optional(allocatable.cpu), "memory": .optional(allocatable.memory),
                                "pods": .optional(allocatablePods)],
                "capacity": capacity.json,
                "labels": .sortedMap(labels),
                "taints": .array(taints.map { ["key": .string($0.key), "value": .optional($0.value), "effect": .string($0.effect)] }),
                "ready": .bool(ready), "unschedulable": .bool(unschedulable),
                "readyCondition": readyCondition.map {
                    ["status": .optional($0.status), "reason": .optional($0.reason), "since": .optional($0.since)]
                } ?? .null,
                "pressures": .strings(pressures),
                "createdAt": .optional(createdAt), "deletingSince": .optional(deletingSince),
                "finalizers": .strings(finalizers),
            ]
        }
    }
}
