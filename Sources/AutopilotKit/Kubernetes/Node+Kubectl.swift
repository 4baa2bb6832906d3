extension Observed.Node {
    /// Reads a Node object as kubectl has it into the `node` record.
    public init(kubectl node: JSON, cluster: String) throws(QuantityError) {
        let meta = ObjectMeta(node["metadata"], kind: "Node")
        let labels = meta.labels
        self.init(name: meta.name,
                  instanceType: labels["node.kubernetes.io/instance-type"] ?? labels["beta.kubernetes.io/instance-type"],
                  region: labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"],
                  zone: labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"],
                  capacityType: Self.capacityType(labels),
                  nodepool: labels["karpenter.sh/nodepool"] ?? labels["karpenter.sh/provisioner-name"],
                  nodegroup: labels["eks.amazonaws.com/nodegroup"] ?? labels["alpha.eksctl.io/nodegroup-name"],
                  allocatable: try Observed.Resources(quantities: node["status", "allocatable"], field: "status.allocatable"),
                  labels: labels)
        self.cluster = cluster
        createdAt = meta.creationTimestamp
        deletingSince = meta.deletionTimestamp
        finalizers = meta.finalizers
        if let provider = node["spec", "providerID"]?.string, provider.hasPrefix("aws://"),
            let last = provider.split(separator: "/").last
        {
            instanceId = String(last)
        }
        internalIP = node["status", "addresses"]?.array.first { $0["type"]?.string == "InternalIP" }?["address"]?.string
        allocatablePods = try node["status", "allocatable", "pods"].map { pods throws(QuantityError) in
            let count = try Quantity.bytes(pods, field: "status.allocatable.pods")
            guard RecordBounds.count.contains(count) else {
                throw QuantityError(field: "status.allocatable.pods", value: pods.string ?? pods.value.text, outOfRange: "\(count), outside 0…1000000000")
            }
            return count
        }
        capacity = try Observed.Resources(quantities: node["status", "capacity"], field: "status.capacity")
        // The API refuses a taint without a key or an effect; such a one (from a hand-written file) means nothing.
        taints = (node["spec", "taints"]?.array ?? []).compactMap { taint in
            guard let key = taint["key"]?.string, let effect = taint["effect"]?.string else { return nil }
            return Observed.Taint(key: key, value: taint["value"]?.string, effect: effect)
        }
        let conditions = node["status", "conditions"]?.array ?? []
        ready = conditions.contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
        if let condition = conditions.first(where: { $0["type"]?.string == "Ready" }) {
            readyCondition = ReadyCondition(status: condition["status"]?.string, reason: condition["reason"]?.string,
                                            since: condition["lastTransitionTime"]?.string)
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
}
