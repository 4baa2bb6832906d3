/// The parts of Kubernetes `metadata` that Autopilot uses.
public struct ObjectMeta: Sendable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var ownerReferences: [OwnerReference]
    public var creationTimestamp: String?
    /// Set once the object is being deleted (it stays while finalizers hold it).
    public var deletionTimestamp: String?
    /// What must finish before the object can go (`kubernetes.io/pv-protection`, `karpenter.sh/termination`).
    public var finalizers: [String]

    /// `kind` says whether the object lives in a namespace: a namespaced object written without
    /// `metadata.namespace` (a manifest applied without `-n`) is in `default`, as the API server puts it.
    public init(_ metadata: JSON?, kind: String) {
        name = metadata?["name"]?.string ?? ""
        namespace = metadata?["namespace"]?.string ?? (Self.clusterScoped.contains(kind) ? "" : "default")
        uid = metadata?["uid"]?.string ?? ""
        labels = metadata?["labels"]?.stringMap ?? [:]
        // kubectl's last-applied copy of the whole object is noise in every record that carries annotations.
        var annotations = metadata?["annotations"]?.stringMap ?? [:]
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
        self.annotations = annotations
        ownerReferences = (metadata?["ownerReferences"]?.array ?? []).map(OwnerReference.init)
        creationTimestamp = metadata?["creationTimestamp"]?.string
        deletionTimestamp = metadata?["deletionTimestamp"]?.string
        finalizers = metadata?["finalizers"]?.array.compactMap(\.string) ?? []
    }

    /// The owner reference marked `controller: true`, or the only one.
    public var controller: OwnerReference? {
        ownerReferences.first(where: \.controller) ?? (ownerReferences.count == 1 ? ownerReferences[0] : nil)
    }

    /// Kinds that live outside namespaces, of those Autopilot reads (and their neighbours).
    public static let clusterScoped: Set<String> = [
        "Node", "PersistentVolume", "StorageClass", "Namespace", "NodePool", "EC2NodeClass", "NodeClaim", "PriorityClass", "RuntimeClass",
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "CSINode", "CSIDriver", "VolumeAttachment", "IngressClass",
        "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ]

    /// `namespace/name`, or just the name for cluster-scoped objects.
    public var qualifiedName: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// One entry of `metadata.ownerReferences`.
public struct OwnerReference: Sendable, Equatable {
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool

    init(_ json: JSON) {
        kind = json["kind"]?.string ?? ""
        name = json["name"]?.string ?? ""
        uid = json["uid"]?.string ?? ""
        controller = json["controller"]?.bool ?? false
    }
}
