// The `volume` record: one type for both sides of the contract. collect-cluster builds it from a
// PersistentVolume, its claim, its StorageClass and the pods that mount it (Kubernetes/Volume+Kubectl.swift)
// and writes `json`; every later tool reads it with `init(_:)`.
extension Observed {
    /// A PersistentVolume joined with its claim and the pods that mount it.
    public struct Volume: Equatable, Sendable {
        public var cluster = ""
        public var name: String
        public var claimNamespace: String?
        public var claimName: String?
        /// The claim's deletion, when it is being deleted, and what holds it.
        public var claimDeletingSince: String?
        public var claimFinalizers: [String] = []
        public var phase: String?
        public var storageClass: String?
        public var volumeType: String?
        public var sizeBytes: Int64?
        public var iops: Int64?
        public var throughput: Int64?
        /// The EBS volume id.
        public var volumeHandle: String?
        public var csiDriver: String?
        public var zone: String?
        public var reclaimPolicy: String?
        /// Names of the pods that mount it (in the claim's namespace).
        public var mountedBy: [String]
        public var team: String
        public var createdAt: String?
        /// When deletion began: a volume being deleted is not an orphan to delete.
        public var deletingSince: String?
        public var finalizers: [String] = []

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
            cluster = json["cluster"]?.string ?? ""
            name = try json.required("name")
            claimNamespace = json["claim", "namespace"]?.string
            claimName = json["claim", "name"]?.string
            claimDeletingSince = json["claim", "deletingSince"]?.string
            claimFinalizers = json["claim", "finalizers"]?.array.compactMap(\.string) ?? []
            phase = json["phase"]?.string
            storageClass = json["storageClass"]?.string
            volumeType = json["volumeType"]?.string
            sizeBytes = try json.integer("sizeBytes", within: RecordBounds.storageBytes)
            iops = try json.integer("iops", within: RecordBounds.count)
            throughput = try json.integer("throughput", within: RecordBounds.count)
            volumeHandle = json["volumeHandle"]?.string
            csiDriver = json["csiDriver"]?.string
            zone = json["zone"]?.string
            reclaimPolicy = json["reclaimPolicy"]?.string
            mountedBy = json["mountedBy"]?.array.compactMap(\.string) ?? []
            team = json["team"]?.string ?? "unassigned"
            createdAt = json["createdAt"]?.string
            deletingSince = json["deletingSince"]?.string
            finalizers = json["finalizers"]?.array.compactMap(\.string) ?? []
        }

        public var json: JSONValue {
            let claim: JSONValue = claimName.map {
                ["namespace": .string(claimNamespace ?? ""), "name": .string($0), "deletingSince": .optional(claimDeletingSince),
                 "finalizers": .strings(claimFinalizers)]
            } ?? .null
            return [
                "kind": "volume", "cluster": .string(cluster), "name": .string(name), "claim": claim,
                "phase": .optional(phase), "storageClass": .optional(storageClass), "volumeType": .optional(volumeType),
                "sizeBytes": .optional(sizeBytes), "iops": .optional(iops), "throughput": .optional(throughput),
                "volumeHandle": .optional(volumeHandle), "csiDriver": .optional(csiDriver), "zone": .optional(zone),
                "reclaimPolicy": .optional(reclaimPolicy), "mountedBy": .strings(mountedBy), "team": .string(team),
                "createdAt": .optional(createdAt), "deletingSince": .optional(deletingSince),
                "finalizers": .strings(finalizers),
            ]
        }
    }
}
