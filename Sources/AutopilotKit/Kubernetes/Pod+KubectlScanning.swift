// The fast path of `Observed.Pod(kubectl:cluster:)` for collect-cluster: a Pod object as kubectl writes it,
// read from its bytes (`JSONScanner`) without building its tree: most of a pod's bytes (volumes, probes,
// conditions, managed fields, indentation) are only walked past. The parts whose reading is involved are
// handed to jansson alone and read by the same code as the jansson path: each container (resources, runtime
// detection), each container status, the affinity, pod-level resources and overhead. Anything else the
// scanner does not read itself is `Fallback`: the object is parsed with jansson as before.
// `KubectlScanningTests` checks both paths give equal records on every corpus and on hostile objects.

extension Observed.Pod {
    /// The pod in `bytes` and its snapshot key, when the object is a Pod (its own `kind`, or `listKind` when
    /// it names none); nil for any other kind.
    static func scanning(kubectl bytes: UnsafeRawBufferPointer, listKind: String?, cluster: String) throws(Fallback) -> (key: String, pod: Observed.Pod)? {
        var scanner = JSONScanner(bytes)
        var kind: String?
        var kinds = 0
        var first = true
        var meta = ScannedMeta()
        var spec = ScannedSpec()
        var status = ScannedStatus()
        try scanner.document { s, key throws(Fallback) in
            // kubectl writes `kind` second, after `apiVersion`; an item of a List of anything else that does
            // not say early that it is a Pod is left to jansson, not walked twice.
            if first, listKind != "Pod", !(key == "kind"), !(key == "apiVersion") { throw Fallback() }
            first = false
            if key == "kind" {
                kinds += 1
                kind = try s.string()
                // Not a pod: the jansson path reads it (the first member, in kubectl's output).
                guard kind == "Pod" else { throw Fallback() }
            } else if key == "metadata" { meta = try ScannedMeta(&s)
            } else if key == "spec" { spec = try ScannedSpec(&s)
            } else if key == "status" { status = try ScannedStatus(&s)
            } else { try s.skip() }
        }
        guard kinds <= 1, (kind ?? listKind) == "Pod" else { return nil }
        let namespace = meta.namespace ?? "default"
        let name = meta.name ?? ""
        var pod = Observed.Pod(
            namespace: namespace, name: name, node: spec.nodeName, phase: status.phase,
            owner: meta.controller.map { Observed.WorkloadKey(namespace: namespace, kind: $0.kind, name: $0.name) },
            containers: try Self.containers(spec.containers, key: "containers", labels: meta.labels),
            labels: meta.labels, annotations: meta.annotations, nodeSelector: spec.nodeSelector, tolerations: spec.tolerations,
            affinityTerms: try spec.affinity.map { raw throws(Fallback) in
                (try JSON.part(raw)["nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]?.array ?? [])
                    .map(Observed.NodeSelectorTerm.init)
            } ?? [])
        pod.cluster = cluster
        pod.initContainers = try Self.containers(spec.initContainers, key: "initContainers", labels: meta.labels)
        for raw in status.containerStatuses + status.initContainerStatuses {
            let status = try JSON.part(raw)
            let name = status["name"]?.string
            if let index = pod.containers.firstIndex(where: { $0.name == name }) {
                pod.containers[index].apply(status: status)
            } else if let index = pod.initContainers.firstIndex(where: { $0.name == name }) {
                pod.initContainers[index].apply(status: status)
            }
        }
        pod.claims = spec.volumes.compactMap { volume in
            if let claim = volume.claimName { return claim }
            // A generic ephemeral volume's claim is named <pod>-<volume>.
            if volume.ephemeral, let volumeName = volume.name { return "\(name)-\(volumeName)" }
            return nil
        }
        pod.qosClass = status.qosClass
        if let requests = spec.resourceRequests {
            pod.podRequests = try Self.quantities(requests, field: "spec.resources.requests")
        }
        if let overhead = spec.overhead {
            pod.overhead = try Self.quantities(overhead, field: "spec.overhead")
        }
        pod.priorityClassName = spec.priorityClassName
        pod.createdAt = meta.creationTimestamp
        pod.startedAt = status.startTime
        pod.deletingSince = meta.deletionTimestamp
        pod.finalizers = meta.finalizers
        pod.reason = status.reason
        pod.message = status.message
        let condition = { (type: String, value: String) in status.conditions.first { $0.type == type && $0.status == value } }
        if pod.reason == nil, let scheduled = condition("PodScheduled", "False") {
            pod.reason = scheduled.reason
            pod.message = scheduled.message
            pod.reasonSince = scheduled.lastTransitionTime
        } else if pod.reason == "Evicted" {
            pod.reasonSince = (condition("DisruptionTarget", "True") ?? condition("Ready", "False"))?.lastTransitionTime
        }
        return (namespace.isEmpty ? name : "\(namespace)/\(name)", pod)
    }

    /// `Observed.Container.list` over the elements' bytes: each element read by jansson, as that path does.
    private static func containers(_ elements: [UnsafeRawBufferPointer], key: String, labels: [String: String]) throws(Fallback) -> [Observed.Container] {
        var result: [Observed.Container] = []
        for (index, raw) in elements.enumerated() {
            do { result.append(try Observed.Container(spec: try JSON.part(raw), field: "spec.\(key)[\(index)]", labels: labels)) } catch {
                throw Fallback()
            }
        }
        return result
    }

    /// `Observed.Resources(quantities:field:)` of a value's bytes; a quantity out of grammar or range is the
    /// jansson path's to report, with its place.
    private static func quantities(_ raw: UnsafeRawBufferPointer, field: String) throws(Fallback) -> Observed.Resources {
        let json = try janssonOrNil(raw)
        do { return try Observed.Resources(quantities: json, field: field) } catch { throw Fallback() }
    }

    /// A value present in the object, as jansson reads it; a bare `null` or scalar (which jansson does not
    /// parse alone) is read as nothing, as `JSON`'s accessors read it through the object.
    private static func janssonOrNil(_ raw: UnsafeRawBufferPointer) throws(Fallback) -> JSON? {
        var probe = JSONScanner(raw)
        guard probe.atObject() || probe.atArray() else { return nil }
        return try JSON.part(raw)
    }
}

/// `ObjectMeta(_:kind: "Pod")` on the scanner; `managedFields`, the largest part of a real object's
/// metadata, is walked past.
private struct ScannedMeta {
    var name: String?
    var namespace: String?
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    var owners: [(kind: String, name: String, controller: Bool)] = []
    var creationTimestamp: String?
    var deletionTimestamp: String?
    var finalizers: [String] = []

    init() {}

    init(_ s: inout JSONScanner) throws(Fallback) {
        guard s.atObject() else { try s.skip(); return }
        try s.object { s, key throws(Fallback) in
            if key == "name" { name = try s.string()
            } else if key == "namespace" { namespace = try s.string()
            } else if key == "labels" { labels = try s.stringMap()
            } else if key == "annotations" {
                annotations = try s.stringMap()
                // kubectl's last-applied copy of the whole object is noise in every record that carries annotations.
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
            } else if key == "ownerReferences" {
                owners = try s.list { s throws(Fallback) in
                    var owner = (kind: "", name: "", controller: false)
                    guard s.atObject() else { try s.skip(); return owner }
                    try s.object { s, key throws(Fallback) in
                        if key == "kind" { owner.kind = try s.string() ?? ""
                        } else if key == "name" { owner.name = try s.string() ?? ""
                        } else if key == "controller" { owner.controller = try s.bool() ?? false
                        } else { try s.skip() }
                    }
                    return owner
                }
            } else if key == "creationTimestamp" { creationTimestamp = try s.string()
            } else if key == "deletionTimestamp" { deletionTimestamp = try s.string()
            } else if key == "finalizers" { finalizers = try s.list { s throws(Fallback) in try s.string() }.compactMap { $0 }
            } else { try s.skip() }
        }
    }

    /// The owner reference marked `controller: true`, or the only one.
    var controller: (kind: String, name: String, controller: Bool)? {
        owners.first(where: \.controller) ?? (owners.count == 1 ? owners[0] : nil)
    }
}

/// The parts of `spec` the pod record takes; containers, affinity and resources as bytes for jansson.
private struct ScannedSpec {
    var nodeName: String?
    var containers: [UnsafeRawBufferPointer] = []
    var initContainers: [UnsafeRawBufferPointer] = []
    var nodeSelector: [String: String] = [:]
    var tolerations: [Observed.Toleration] = []
    var affinity: UnsafeRawBufferPointer?
    var volumes: [(claimName: String?, ephemeral: Bool, name: String?)] = []
    /// `resources.requests` and `overhead`, when the spec has them (of any type).
    var resourceRequests: UnsafeRawBufferPointer?
    var overhead: UnsafeRawBufferPointer?
    var priorityClassName: String?

    init() {}

    init(_ s: inout JSONScanner) throws(Fallback) {
        guard s.atObject() else { try s.skip(); return }
        try s.object { s, key throws(Fallback) in
            if key == "nodeName" { nodeName = try s.string()
            } else if key == "containers" { containers = try s.list { s throws(Fallback) in try s.raw() }
            } else if key == "initContainers" { initContainers = try s.list { s throws(Fallback) in try s.raw() }
            } else if key == "nodeSelector" { nodeSelector = try s.stringMap()
            } else if key == "tolerations" { tolerations = try s.list(Observed.Toleration.scanning)
            } else if key == "affinity" {
                affinity = nil
                if s.atObject() { affinity = try s.raw() } else { try s.skip() }
            } else if key == "volumes" {
                volumes = try s.list { s throws(Fallback) in
                    var volume: (claimName: String?, ephemeral: Bool, name: String?) = (nil, false, nil)
                    guard s.atObject() else { try s.skip(); return volume }
                    try s.object { s, key throws(Fallback) in
                        if key == "persistentVolumeClaim" {
                            volume.claimName = nil
                            guard s.atObject() else { return try s.skip() }
                            try s.object { s, key throws(Fallback) in
                                if key == "claimName" { volume.claimName = try s.string() } else { try s.skip() }
                            }
                        } else if key == "ephemeral" {
                            volume.ephemeral = true
                            try s.skip()
                        } else if key == "name" { volume.name = try s.string()
                        } else { try s.skip() }
                    }
                    return volume
                }
            } else if key == "resources" {
                resourceRequests = nil
                guard s.atObject() else { return try s.skip() }
                try s.object { s, key throws(Fallback) in
                    if key == "requests" { resourceRequests = try s.raw() } else { try s.skip() }
                }
            } else if key == "overhead" { overhead = try s.raw()
            } else if key == "priorityClassName" { priorityClassName = try s.string()
            } else { try s.skip() }
        }
    }
}

/// The parts of `status` the pod record takes; container statuses as bytes for jansson.
private struct ScannedStatus {
    var phase: String?
    var containerStatuses: [UnsafeRawBufferPointer] = []
    var initContainerStatuses: [UnsafeRawBufferPointer] = []
    var qosClass: String?
    var startTime: String?
    var reason: String?
    var message: String?
    var conditions: [(type: String?, status: String?, reason: String?, message: String?, lastTransitionTime: String?)] = []

    init() {}

    init(_ s: inout JSONScanner) throws(Fallback) {
        guard s.atObject() else { try s.skip(); return }
        try s.object { s, key throws(Fallback) in
            if key == "phase" { phase = try s.string()
            } else if key == "containerStatuses" { containerStatuses = try s.list { s throws(Fallback) in try s.raw() }
            } else if key == "initContainerStatuses" { initContainerStatuses = try s.list { s throws(Fallback) in try s.raw() }
            } else if key == "qosClass" { qosClass = try s.string()
            } else if key == "startTime" { startTime = try s.string()
            } else if key == "reason" { reason = try s.string()
            } else if key == "message" { message = try s.string()
            } else if key == "conditions" {
                conditions = try s.list { s throws(Fallback) in
                    var condition: (type: String?, status: String?, reason: String?, message: String?, lastTransitionTime: String?) = (nil, nil, nil, nil, nil)
                    guard s.atObject() else { try s.skip(); return condition }
                    try s.object { s, key throws(Fallback) in
                        if key == "type" { condition.type = try s.string()
                        } else if key == "status" { condition.status = try s.string()
                        } else if key == "reason" { condition.reason = try s.string()
                        } else if key == "message" { condition.message = try s.string()
                        } else if key == "lastTransitionTime" { condition.lastTransitionTime = try s.string()
                        } else { try s.skip() }
                    }
                    return condition
                }
            } else { try s.skip() }
        }
    }
}
