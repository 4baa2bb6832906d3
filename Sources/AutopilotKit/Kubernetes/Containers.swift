// Containers and resource amounts as kubectl has them: quantities (`500m`, `1Gi`) read into the record's
// units, a container's status joined to its spec. The types are the record's (Model/Container.swift).
extension Observed.Resources {
    /// Reads `requests` or `limits`; `field` names the place for error messages. Amounts are held to what
    /// one machine could have, except `perMachine: false` (a NodePool's limits total many nodes).
    init(quantities json: JSON?, field: String, perMachine: Bool = true) throws(QuantityError) {
        self.init()
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
}

extension Observed.Container {
    /// Reads `spec.containers[index]`; `field` is its path for error messages; `labels` are the pod's.
    init(spec: JSON, field: String, labels: [String: String] = [:]) throws(QuantityError) {
        self.init(name: spec["name"]?.string ?? "", image: spec["image"]?.string,
                  requests: try Observed.Resources(quantities: spec["resources", "requests"], field: "\(field).resources.requests"),
                  limits: try Observed.Resources(quantities: spec["resources", "limits"], field: "\(field).resources.limits"))
        sidecar = spec["restartPolicy"]?.string == "Always"
        // The API server defaults a missing request to its limit; the scheduler reserves that much.
        if requests.cpu == nil { requests.cpu = limits.cpu }
        if requests.memory == nil { requests.memory = limits.memory }
        runtime = RuntimeMemory.detect(spec: spec, labels: labels, limits: limits, requests: requests)
    }

    /// Adds what `status.containerStatuses[]` says of this container.
    mutating func apply(status: JSON) {
        restarts = status["restartCount"]?.int ?? 0
        // A container that ended (a Job's, a Failed pod's) holds its termination in `state`, the latest;
        // a restarted one in `lastState`.
        if let terminated = status["state", "terminated"] ?? status["lastState", "terminated"], let reason = terminated["reason"]?.string {
            lastTermination = Observed.Termination(
                reason: reason, exitCode: terminated["exitCode"]?.int, at: terminated["finishedAt"]?.string)
        }
        waitingReason = status["state", "waiting", "reason"]?.string
    }

    /// Reads all containers of a pod spec (`containers` or `initContainers`).
    static func list(_ podSpec: JSON?, key: String, field: String, labels: [String: String] = [:]) throws(QuantityError) -> [Observed.Container] {
        var result: [Observed.Container] = []
        for (index, spec) in (podSpec?[key]?.array ?? []).enumerated() {
            result.append(try Observed.Container(spec: spec, field: "\(field).\(key)[\(index)]", labels: labels))
        }
        return result
    }
}

extension Quantity {
    /// CPU to a micro-core grid, so 0.1 + 0.2 style float noise never reaches a record.
    static func roundedCores(_ cores: Double) -> Double { (cores * 1_000_000).rounded() / 1_000_000 }
}
