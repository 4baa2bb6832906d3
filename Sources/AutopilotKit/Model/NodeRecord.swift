/// A `node` record: one Kubernetes Node with what pricing and packing need.
public struct NodeRecord: Sendable {
    public var cluster: String
    public var meta: ObjectMeta
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
    public var allocatable: ResourceAmounts
    public var allocatablePods: Int64?
    public var capacity: ResourceAmounts
    public var taints: JSONValue
    public var ready: Bool
    public var unschedulable: Bool
    /// The Ready condition as the kubelet last reported it: status, reason, since when.
    public var readyCondition: JSONValue = .null
    /// Pressure conditions that are True: `MemoryPressure`, `DiskPressure`, `PIDPressure`.
    public var pressures: [String] = []

    /// Decodes a Node object.
    public init(node: JSON, cluster: String) throws(QuantityError) {
        self.cluster = cluster
        meta = ObjectMeta(node["metadata"], kind: "Node")
        let labels = meta.labels
        instanceType = labels["node.kubernetes.io/instance-type"] ?? labels["beta.kubernetes.io/instance-type"]
        region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"]
        zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"]
        capacityType = Self.capacityType(labels)
        nodepool = labels["karpenter.sh/nodepool"] ?? labels["karpenter.sh/provisioner-name"]
        nodegroup = labels["eks.amazonaws.com/nodegroup"] ?? labels["alpha.eksctl.io/nodegroup-name"]
        if let provider = node["spec", "providerID"]?.string, provider.hasPrefix("aws://"),
            let last = provider.split(separator: "/").last
        {
            instanceId = String(last)
        }
        internalIP = node["status", "addresses"]?.array.first { $0["type"]?.string == "InternalIP" }?["address"]?.string
        allocatable = try ResourceAmounts(node["status", "allocatable"], field: "status.allocatable")
        allocatablePods = try node["status", "allocatable", "pods"].map { pods throws(QuantityError) in
            let count = try Quantity.bytes(pods, field: "status.allocatable.pods")
            guard RecordBounds.count.contains(count) else {
                throw QuantityError(field: "status.allocatable.pods", value: pods.string ?? pods.value.text, outOfRange: "\(count), outside 0…1000000000")
            }
            return count
        }
        capacity = try ResourceAmounts(node["status", "capacity"], field: "status.capacity")
        taints = .array(
            (node["spec", "taints"]?.array ?? []).map { taint in
                ["key": .optional(taint["key"]?.string), "value": .optional(taint["value"]?.string),
                 "effect": .optional(taint["effect"]?.string)]
            })
        let conditions = node["status", "conditions"]?.array ?? []
        ready = conditions.contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
        if let condition = conditions.first(where: { $0["type"]?.string == "Ready" }) {
            readyCondition = ["status": .optional(condition["status"]?.string), "reason": .optional(condition["reason"]?.string),
                              "since": .optional(condition["lastTransitionTime"]?.string)]
        }
        pressures = conditions.filter { ($0["type"]?.string ?? "").hasSuffix("Pressure") && $0["status"]?.string == "True" }
            .compactMap { $0["type"]?.string }.sorted()
        unschedulable = node["spec", "unschedulable"]?.bool ?? false
    }

    /// Karpenter says `spot`/`on-demand`; EKS managed node groups say `SPOT`/`ON_DEMAND`.
    static func capacityType(_ labels: [String: String]) -> String? {
        let raw = labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"]
        guard let raw else { return nil }
        return raw.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    public var json: JSONValue {
        [
            "kind": "node", "cluster": .string(cluster), "name": .string(meta.name),
            "instanceType": .optional(instanceType), "region": .optional(region), "zone": .optional(zone),
            "capacityType": .optional(capacityType), "nodepool": .optional(nodepool), "nodegroup": .optional(nodegroup),
            "instanceId": .optional(instanceId), "internalIP": .optional(internalIP),
            "allocatable": ["cpu": .optional(allocatable.cpu), "memory": .optional(allocatable.memory),
                            "pods": .optional(allocatablePods)],
            "capacity": capacity.json,
            "labels": .sortedMap(meta.labels), "taints": taints,
            "ready": .bool(ready), "unschedulable": .bool(unschedulable),
            "readyCondition": readyCondition, "pressures": .strings(pressures),
            "createdAt": .optional(meta.creationTimestamp), "deletingSince": .optional(meta.deletionTimestamp),
            "finalizers": .strings(meta.finalizers),
        ]
    }
}
