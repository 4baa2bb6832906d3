/// A `volume` record: a PersistentVolume joined with its claim and the pods that mount it.
public struct VolumeRecord: Sendable {
    /// The EBS volume types Autopilot prices.
    public static let ebsTypes: Set<String> = ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"]

    public var cluster: String
    public var meta: ObjectMeta
    public var claim: (namespace: String, name: String)?
    /// The claim's own metadata, when the snapshot holds it: a claim being deleted is stuck, not orphaned.
    public var claimMeta: ObjectMeta?
    public var phase: String?
    public var storageClass: String?
    public var volumeType: String?
    public var sizeBytes: Int64?
    public var volumeHandle: String?
    public var zone: String?
    public var reclaimPolicy: String?
    public var csiDriver: String?
    public var iops: Int64?
    public var throughput: Int64?
    public var mountedBy: [String] = []
    public var team: String?

    /// Decodes a PersistentVolume; volume type and IOPS come later from its StorageClass.
    public init(volume: JSON, cluster: String) throws(QuantityError) {
        self.cluster = cluster
        meta = ObjectMeta(volume["metadata"], kind: "PersistentVolume")
        let spec = volume["spec"]
        if let claimRef = spec?["claimRef"], let name = claimRef["name"]?.string {
            claim = (claimRef["namespace"]?.string ?? "", name)
        }
        phase = volume["status", "phase"]?.string
        storageClass = spec?["storageClassName"]?.string
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
    public mutating func apply(storageClass: StorageClassInfo?) {
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

    public var json: JSONValue {
        let claimJSON: JSONValue = claim.map {
            ["namespace": .string($0.namespace), "name": .string($0.name), "deletingSince": .optional(claimMeta?.deletionTimestamp),
             "finalizers": .strings(claimMeta?.finalizers ?? [])]
        } ?? .null
        return [
            "kind": "volume", "cluster": .string(cluster), "name": .string(meta.name), "claim": claimJSON,
            "phase": .optional(phase), "storageClass": .optional(storageClass), "volumeType": .optional(volumeType),
            "sizeBytes": .optional(sizeBytes), "iops": .optional(iops), "throughput": .optional(throughput),
            "volumeHandle": .optional(volumeHandle), "csiDriver": .optional(csiDriver), "zone": .optional(zone),
            "reclaimPolicy": .optional(reclaimPolicy), "mountedBy": .strings(mountedBy), "team": .optional(team),
            "createdAt": .optional(meta.creationTimestamp), "deletingSince": .optional(meta.deletionTimestamp),
            "finalizers": .strings(meta.finalizers),
        ]
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
