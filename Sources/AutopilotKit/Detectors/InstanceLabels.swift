/// The well-known labels a node of an instance type would carry, for matching NodePool requirements.
package enum InstanceLabels {
    /// An instance type a node could be replaced by, with what matching and fitting need precomputed.
    struct Offer {
        let type: String
        let instance: PriceTable.Instance
        let labels: [String: String]
        let allocatable: (cpu: Double, memory: Int64)
    }

    /// The region's general-purpose, compute- and memory-optimised types (c, m, r families) for one operating
    /// system: what a node running ordinary pods can be replaced by. Left out: burstable t* and *-flex
    /// (credit- or baseline-limited CPU), bare metal, and the special kinds (GPU and accelerators, storage,
    /// HPC, high-memory u-*), which pods ask for by name and which cost more anyway.
    static func offers(in region: String, os: PriceTable.OperatingSystem, _ prices: PriceTable) -> [Offer] {
        prices.instances(in: region, os: os).filter { isGeneralPurpose($0.key) }.sorted { $0.key < $1.key }.map { type, instance in
            Offer(type: type, instance: instance, labels: labels(type: type, instance: instance), allocatable: estimatedAllocatable(instance))
        }
    }

    static func isGeneralPurpose(_ type: String) -> Bool {
        let family = type.prefix { $0 != "." }
        let category = family.prefix { $0.isLetter }
        return ["c", "m", "r"].contains(category) && !family.hasSuffix("-flex") && !type.hasSuffix(".metal") && !type.contains(".metal-")
    }

    static let keys: Set<String> = [
        "node.kubernetes.io/instance-type", "karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-family",
        "karpenter.k8s.aws/instance-generation", "karpenter.k8s.aws/instance-size", "kubernetes.io/arch",
        "karpenter.k8s.aws/instance-cpu",
    ]

    static func labels(type: String, instance: PriceTable.Instance) -> [String: String] {
        let family = String(type.prefix { $0 != "." })
        let size = String(type.drop { $0 != "." }.dropFirst())
        let category = String(family.prefix { $0.isLetter })
        let generation = String(family.drop { $0.isLetter }.prefix { $0.isNumber })
        let attributes = family.drop { $0.isLetter }.drop { $0.isNumber }
        return [
            "node.kubernetes.io/instance-type": type, "karpenter.k8s.aws/instance-category": category,
            "karpenter.k8s.aws/instance-family": family, "karpenter.k8s.aws/instance-generation": generation,
            "karpenter.k8s.aws/instance-size": size, "karpenter.k8s.aws/instance-cpu": String(Int(instance.vcpu)),
            "kubernetes.io/arch": attributes.contains("g") ? "arm64" : "amd64",
        ]
    }

    /// EKS's kube-reserved CPU (6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above),
    /// memory less Karpenter's 7.5% VM overhead, 11Mi × 58 pods + 255Mi kube-reserved and 100Mi eviction.
    package static func estimatedAllocatable(_ instance: PriceTable.Instance) -> (cpu: Double, memory: Int64) {
        let cores = instance.vcpu
        var reserved = 0.06 * min(cores, 1) + 0.01 * min(max(cores - 1, 0), 1) + 0.005 * min(max(cores - 2, 0), 2)
        reserved += 0.0025 * max(cores - 4, 0)
        let mib = instance.memoryGiB * 1024 * 0.925 - Double(11 * 58 + 255) - 100
        return (cores - reserved, Int64(mib * 1_048_576))
    }
}
