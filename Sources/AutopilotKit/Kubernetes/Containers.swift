/// CPU (cores) and memory (bytes) amounts; nil where the manifest sets none, never a made-up zero.
public struct ResourceAmounts: Equatable, Sendable {
    public var cpu: Double?
    public var memory: Int64?

    public init(cpu: Double? = nil, memory: Int64? = nil) {
        self.cpu = cpu
        self.memory = memory
    }

    /// Reads `requests` or `limits`; `field` names the place for error messages. Amounts are held to what
    /// one machine could have, except `perMachine: false` (a NodePool's limits total many nodes).
    init(_ json: JSON?, field: String, perMachine: Bool = true) throws(QuantityError) {
        if let cpu = json?["cpu"] {
            let cores = try Quantity.cores(cpu, field: "\(field).cpu")
            guard cores >= 0, !perMachine || RecordBounds.cores.contains(cores) else {
                throw Self.outOfRange(cpu, "\(field).cpu", cores < 0 ? "negative" : "\(cores) cores, more than any machine has (1000000)")
            }
            self.cpu = Quantity.roundedCores(cores)
        }
        if let memory = json?["memory"] {
            let bytes = try Quantity.bytes(memory, field: "\(field).memory")
            guard bytes >= 0, !perMachine || RecordBounds.memoryBytes.contains(bytes) else {
                throw Self.outOfRange(memory, "\(field).memory", bytes < 0 ? "negative" : "\(bytes) bytes, more than any machine has (64Ti)")
            }
            self.memory = bytes
        }
    }

    private static func outOfRange(_ json: JSON, _ field: String, _ why: String) -> QuantityError {
        QuantityError(field: field, value: json.string ?? json.value.text, outOfRange: why)
    }

    public var json: JSONValue { ["cpu": .optional(cpu), "memory": .optional(memory)] }
}

/// How a container last ended, from `status.containerStatuses[]`' `state.terminated` or `lastState.terminated`.
public struct Termination: Equatable, Sendable {
    public var reason: String
    public var exitCode: Int64?
    public var at: String?

    public var json: JSONValue { ["reason": .string(reason), "exitCode": .optional(exitCode), "at": .optional(at)] }
}

/// One container of a pod or pod template, with its status where the pod has one.
public struct Container: Equatable, Sendable {
    public var name: String
    /// The image reference as written in the spec (a tag or a digest): what a rollback restores.
    public var image: String?
    public var requests: ResourceAmounts
    public var limits: ResourceAmounts
    public var restarts: Int64?
    public var lastTermination: Termination?
    /// The reason a container is waiting, e.g. `CrashLoopBackOff`.
    public var waitingReason: String?
    /// An init container with `restartPolicy: Always`: a native sidecar, running beside the app containers.
    public var sidecar = false
    /// The memory its runtime was told to use (a JVM heap, GOMEMLIMIT, Node's old space), if any.
    public var runtime: RuntimeMemory?

    /// Reads `spec.containers[index]`; `field` is its path for error messages; `labels` are the pod's.
    init(spec: JSON, field: String, labels: [String: String] = [:]) throws(QuantityError) {
        name = spec["name"]?.string ?? ""
        image = spec["image"]?.string
        sidecar = spec["restartPolicy"]?.string == "Always"
        requests = try ResourceAmounts(spec["resources", "requests"], field: "\(field).resources.requests")
        limits = try ResourceAmounts(spec["resources", "limits"], field: "\(field).resources.limits")
        // The API server defaults a missing request to its limit; the scheduler reserves that much.
        if requests.cpu == nil { requests.cpu = limits.cpu }
        if requests.memory == nil { requests.memory = limits.memory }
        runtime = RuntimeMemory.detect(spec: spec, labels: labels, limits: limits, requests: requests)
    }

    /// Adds what `status.containerStatuses[]` says of this container.
    mutating func apply(status: JSON) {
        restarts = status["restartCount"]?.int
        // A container that ended (a Job's, a Failed pod's) holds its termination in `state`, the latest;
        // a restarted one in `lastState`.
        if let terminated = status["state", "terminated"] ?? status["lastState", "terminated"], let reason = terminated["reason"]?.string {
            lastTermination = Termination(
                reason: reason, exitCode: terminated["exitCode"]?.int, at: terminated["finishedAt"]?.string)
        }
        waitingReason = status["state", "waiting", "reason"]?.string
    }

    /// The template form (workloads): no status fields.
    public var templateJSON: JSONValue {
        var json: JSONValue = ["name": .string(name), "image": .optional(image), "requests": requests.json, "limits": limits.json,
                               "sidecar": .bool(sidecar)]
        if let runtime { json.set("runtime", to: runtime.json) }
        return json
    }

    /// The pod form: with restarts and the last termination.
    public var podJSON: JSONValue {
        var json: JSONValue = [
            "name": .string(name), "image": .optional(image), "requests": requests.json, "limits": limits.json,
            "restarts": .int(restarts ?? 0), "lastTermination": lastTermination?.json ?? .null,
            "waiting": .optional(waitingReason), "sidecar": .bool(sidecar),
        ]
        if let runtime { json.set("runtime", to: runtime.json) }
        return json
    }

    /// Reads all containers of a pod spec (`containers` or `initContainers`).
    static func list(_ podSpec: JSON?, key: String, field: String, labels: [String: String] = [:]) throws(QuantityError) -> [Container] {
        var result: [Container] = []
        for (index, spec) in (podSpec?[key]?.array ?? []).enumerated() {
            result.append(try Container(spec: spec, field: "\(field).\(key)[\(index)]", labels: labels))
        }
        return result
    }
}

extension Quantity {
    /// CPU to a micro-core grid, so 0.1 + 0.2 style float noise never reaches a record.
    static func roundedCores(_ cores: Double) -> Double { (cores * 1_000_000).rounded() / 1_000_000 }
}
