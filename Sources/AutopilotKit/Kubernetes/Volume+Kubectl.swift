extension Observed.Volume {
    /// The EBS volume types Autopilot prices: a StorageClass named as one, without parameters, is that type.
    static let ebsTypes: Set<String> = ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"]

    /// Reads a PersistentVolume as kubectl has it; the snapshot joins its claim, StorageClass and pods later.
    public init(kubectl volume: JSON, cluster: String) throws(QuantityError) {
        let meta = ObjectMeta(volume["metadata"], kind: "PersistentVolume")
        let spec = volume["spec"]
        let claimRef = spec?["claimRef"]
        self.init(name: meta.name, claim: claimRef?["name"]?.string.map { (claimRef?["namespace"]?.string ?? "", $0) }, phase: "",
                  volumeType: nil, sizeBytes: nil, createdAt: meta.creationTimestamp, storageClass: spec?["storageClassName"]?.string)
        self.cluster = cluster
        phase = volume["status", "phase"]?.string
        deletingSince = meta.deletionTimestamp
        finalizers = meta.finalizers
        sizeBytes = try spec?["capacity", "storage"].map { size throws(QuantityError) in
            let bytes = try Quantity.bytes(size, field: "spec.capacity.storage")
            guard RecordBounds.storageBytes.contains(bytes) else {
                throw QuantityError(field: "spec.capacity.storage", value: size.string ?? size.value.text, outOfRange: "\(bytes) bytes, outside 0…4Ei")
            }
            return bytes
        }
        reclaimPolicy = spec?["persistentVolumeReclaimPolicy"]?.string
        if let csi = spec?["csi"] {
            csiDriver = csi["driver"]?.string
            volumeHandle = csi["volumeHandle"]?.string
        } else if let legacy = spec?["awsElasticBlockStore", "volumeID"]?.string {
            // In-tree form: aws://us-east-1b/vol-0abc (or just vol-0abc).
            let parts = legacy.split(separator: "/")
            volumeHandle = parts.last.map(String.init)
            if parts.count >= 3 { zone = String(parts[parts.count - 2]) }
            csiDriver = "kubernetes.io/aws-ebs"
        }
        for term in spec?["nodeAffinity", "required", "nodeSelectorTerms"]?.array ?? [] {
            for expression in term["matchExpressions"]?.array ?? [] {
                let key = expression["key"]?.string ?? ""
                if key.hasSuffix("/zone"), let value = expression["values"]?.array.first?.string { zone = value }
            }
        }
        zone = zone ?? meta.labels["topology.kubernetes.io/zone"] ?? meta.labels["failure-domain.beta.kubernetes.io/zone"]
    }

    /// Fills in the EBS type and provisioned performance from the StorageClass: its `type` parameter,
    /// else the provisioner's documented default (gp3 for the EBS CSI driver, gp2 for the in-tree one).
    mutating func apply(storageClass: StorageClassInfo?) {
        if let storageClass {
            volumeType = storageClass.parameters["type"]?.lowercased()
            if volumeType == nil {
                if storageClass.provisioner == "ebs.csi.aws.com" { volumeType = "gp3" }
                if storageClass.provisioner == "kubernetes.io/aws-ebs" { volumeType = "gp2" }
            }
            iops = storageClass.parameters["iops"].flatMap { Int64($0) }
            if iops == nil, let perGB = storageClass.parameters["iopsPerGB"].flatMap(Int64.init), let sizeBytes {
                iops = perGB * (sizeBytes / (1 << 30))
            }
            throughput = storageClass.parameters["throughput"].flatMap { Int64($0) }
        } else if let name = self.storageClass?.lowercased(), Self.ebsTypes.contains(name) {
            volumeType = name
        }
    }

    /// Joins the claim's own state: a claim being deleted is stuck, not orphaned.
    mutating func apply(claim: ObjectMeta?) {
        claimDeletingSince = claim?.deletionTimestamp
        claimFinalizers = claim?.finalizers ?? []
    }
}

/// The parts of a StorageClass that decide a volume's EBS type.
public struct StorageClassInfo: Sendable {
    public var provisioner: String
    public var parameters: [String: String]
    public init(_ json: JSON) {
        provisioner = json["provisioner"]?.string ?? ""
        parameters = json["parameters"]?.stringMap ?? [:]
    }
}
