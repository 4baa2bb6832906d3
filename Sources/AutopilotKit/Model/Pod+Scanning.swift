// The fast path of the `pod` reader: the same value as `Observed.Pod(_:)` straight from the line's bytes
// (`JSONScanner`), field for field as the jansson reader reads it: a member of the wrong type is what
// `JSON`'s accessor gives for it (nil, empty), the last of a repeated member counts, and anything the reader
// would refuse or the scanner does not read itself is `Fallback`: the caller parses the line with jansson.
// Rare sub-documents (a container's `runtime`, a required node affinity) are handed to jansson alone.
// `RecordScanningTests` checks both paths give equal values on every corpus and on hostile lines.

typealias Fallback = JSONScanner.Fallback

extension Observed.Pod {
    /// The pod on `bytes`, and the record's `cluster` member as `record["cluster"]?.string` gives it.
    static func scanning(_ bytes: UnsafeRawBufferPointer) throws(Fallback) -> (pod: Observed.Pod, cluster: String?) {
        var scanner = JSONScanner(bytes)
        var pod = Observed.Pod(namespace: "", name: "", node: nil, phase: nil, owner: nil, containers: [])
        var cluster: String?, namespace: String?, name: String?, ownerKind: String?, ownerName: String?
        var kinds = 0
        try scanner.document { s, key throws(Fallback) in
            if key == "kind" {
                kinds += 1
                guard try s.string() == "pod" else { throw Fallback() }
            } else if key == "cluster" { cluster = try s.string()
            } else if key == "namespace" { namespace = try s.string()
            } else if key == "name" { name = try s.string()
            } else if key == "node" { pod.node = try s.string()
            } else if key == "phase" { pod.phase = try s.string()
            } else if key == "owner" {
                (ownerKind, ownerName) = (nil, nil)
                guard s.atObject() else { return try s.skip() }
                try s.object { s, key throws(Fallback) in
                    if key == "kind" { ownerKind = try s.string() } else if key == "name" { ownerName = try s.string() } else { try s.skip() }
                }
            } else if key == "team" { pod.team = try s.string() ?? "unassigned"
            } else if key == "containers" { pod.containers = try s.list(Observed.Container.scanning)
            } else if key == "initContainers" { pod.initContainers = try s.list(Observed.Container.scanning)
            } else if key == "podRequests" { pod.podRequests = try s.takeNull() ? nil : Observed.Resources.scanning(&s)
            } else if key == "overhead" { pod.overhead = try s.takeNull() ? nil : Observed.Resources.scanning(&s)
            } else if key == "labels" { pod.labels = try s.stringMap()
            } else if key == "annotations" { pod.annotations = try s.stringMap()
            } else if key == "nodeSelector" { pod.nodeSelector = try s.stringMap()
            } else if key == "tolerations" { pod.tolerations = try s.list(Observed.Toleration.scanning)
            } else if key == "requiredNodeAffinity" {
                pod.affinityTerms = []
                guard s.atObject() else { return try s.skip() }
                let affinity = try JSON.part(try s.raw())
                pod.affinityTerms = (affinity["nodeSelectorTerms"]?.array ?? []).map(Observed.NodeSelectorTerm.init)
            } else if key == "claims" { pod.claims = try s.list { s throws(Fallback) in try s.string() }.compactMap { $0 }
            } else if key == "qosClass" { pod.qosClass = try s.string()
            } else if key == "priorityClassName" { pod.priorityClassName = try s.string()
            } else if key == "createdAt" { pod.createdAt = try s.string()
            } else if key == "startedAt" { pod.startedAt = try s.string()
            } else if key == "deletingSince" { pod.deletingSince = try s.string()
            } else if key == "finalizers" { pod.finalizers = try s.list { s throws(Fallback) in try s.string() }.compactMap { $0 }
            } else if key == "reason" { pod.reason = try s.string()
            } else if key == "message" { pod.message = try s.string()
            } else if key == "reasonSince" { pod.reasonSince = try s.string()
            } else if key == "lastTimestamp" { throw Fallback()  // `ObservedCluster.add` would take it as a time
            } else { try s.skip() }
        }
        guard kinds == 1, let namespace, let name else { throw Fallback() }
        pod.cluster = cluster ?? ""
        pod.namespace = namespace
        pod.name = name
        if let ownerKind, ownerKind != "Pod", let ownerName { pod.owner = Observed.WorkloadKey(namespace: namespace, kind: ownerKind, name: ownerName) }
        return (pod, cluster)
    }
}

extension Observed.Container {
    /// `init(_:)` on the scanner: a container of a pod or workload record.
    static func scanning(_ s: inout JSONScanner) throws(Fallback) -> Observed.Container {
        guard s.atObject() else { throw Fallback() }  // `required("name")` refuses anything but an object
        var container = Observed.Container(name: "")
        var name: String?
        var runtime: UnsafeRawBufferPointer?
        try s.object { s, key throws(Fallback) in
            if key == "name" { name = try s.string()
            } else if key == "image" { container.image = try s.string()
            } else if key == "requests" { container.requests = try Observed.Resources.scanning(&s)
            } else if key == "limits" { container.limits = try Observed.Resources.scanning(&s)
            } else if key == "restarts" { container.restarts = try s.count() ?? 0
            } else if key == "lastTermination" {
                container.lastTermination = nil
                guard s.atObject() else { return try s.skip() }
                var reason: String?, exitCode: Int64?, at: String?
                try s.object { s, key throws(Fallback) in
                    if key == "reason" { reason = try s.string()
                    } else if key == "exitCode" { exitCode = try s.int()
                    } else if key == "at" { at = try s.string()
                    } else { try s.skip() }
                }
                container.lastTermination = reason.map { Observed.Termination(reason: $0, exitCode: exitCode, at: at) }
            } else if key == "waiting" {
                // `waiting.reason`, or `waiting` itself as a string.
                if s.atObject() {
                    container.waitingReason = nil
                    try s.object { s, key throws(Fallback) in
                        if key == "reason" { container.waitingReason = try s.string() } else { try s.skip() }
                    }
                } else {
                    container.waitingReason = try s.string()
                }
            } else if key == "sidecar" { container.sidecar = try s.bool() ?? false
            } else if key == "runtime" {
                // Not an object: no runtime, as `RuntimeMemory(record:)` reads it.
                runtime = nil
                if s.atObject() { runtime = try s.raw() } else { try s.skip() }
            } else { try s.skip() }
        }
        guard let name else { throw Fallback() }
        container.name = name
        if let runtime {
            do { container.runtime = try RuntimeMemory(record: try JSON.part(runtime)) } catch { throw Fallback() }
        }
        return container
    }
}

extension Observed.Resources {
    /// `init(_:field:)` on the scanner: `cpu` a number of cores, `memory` whole bytes, each in range or null;
    /// a value that is not an object is no amounts.
    static func scanning(_ s: inout JSONScanner) throws(Fallback) -> Observed.Resources {
        var resources = Observed.Resources()
        guard s.atObject() else { try s.skip(); return resources }
        try s.object { s, key throws(Fallback) in
            if key == "cpu" {
                resources.cpu = nil
                if s.takeNull() { return }
                guard let cores = try s.double(), cores.isFinite, RecordBounds.cores.contains(cores) else { throw Fallback() }
                resources.cpu = cores
            } else if key == "memory" {
                resources.memory = nil
                if s.takeNull() { return }
                guard let bytes = try s.int(), RecordBounds.memoryBytes.contains(bytes) else { throw Fallback() }
                resources.memory = bytes
            } else { try s.skip() }
        }
        return resources
    }
}

extension Observed.Toleration {
    /// `init(_:)` on the scanner: each member as its accessor gives it; an element that is not an object is
    /// a toleration with nothing set.
    static func scanning(_ s: inout JSONScanner) throws(Fallback) -> Observed.Toleration {
        var toleration = Observed.Toleration(key: nil)
        guard s.atObject() else { try s.skip(); return toleration }
        try s.object { s, key throws(Fallback) in
            if key == "key" { toleration.key = try s.string()
            } else if key == "operator" { toleration.operator = try s.string()
            } else if key == "value" { toleration.value = try s.string()
            } else if key == "effect" { toleration.effect = try s.string()
            } else if key == "tolerationSeconds" { toleration.seconds = try s.int()
            } else { try s.skip() }
        }
        return toleration
    }
}

extension JSONScanner {
    /// `integer(_:within: RecordBounds.count)`: a whole number in range, nil for null; anything else is
    /// the reader's error, so jansson's.
    mutating func count() throws(Fallback) -> Int64? {
        if takeNull() { return nil }
        guard let number = try int(), RecordBounds.count.contains(number) else { throw Fallback() }
        return number
    }

    /// `JSON.number(_:_:within:)`: a number in `bounds`, nil for null; anything else is jansson's to report.
    mutating func number(within bounds: ClosedRange<Double>) throws(Fallback) -> Double? {
        if takeNull() { return nil }
        guard let number = try double(), number.isFinite, bounds.contains(number) else { throw Fallback() }
        return number
    }
}
