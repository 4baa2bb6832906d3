// Containers and their resource amounts: one type for both sides of the record contract. collect-cluster
// builds them from kubectl's objects (Kubernetes/Containers.swift) and writes them with `podJSON` or
// `templateJSON`; every later tool reads them back with `init(_:)`.
extension Observed {
    /// CPU (cores) and memory (bytes) amounts; nil where the manifest sets none, never a made-up zero.
    public struct Resources: Equatable, Sendable {
        public var cpu: Double?
        public var memory: Int64?
        public init(cpu: Double? = nil, memory: Int64? = nil) {
            self.cpu = cpu
            self.memory = memory
        }

        /// Reads a record's amounts; `field` names the object in errors: `requests`, `allocatable`. Amounts are
        /// held to what one machine could have, except `perMachine: false` (a NodePool's totals over many nodes).
        init(_ json: JSON?, field: String, perMachine: Bool = true) throws(RecordError) {
            guard let json else { return }
            cpu = try JSON.number(json["cpu"], "\(field).cpu", within: perMachine ? RecordBounds.cores : 0...Double.greatestFiniteMagnitude)
            do { memory = try json.integer("memory", within: perMachine ? RecordBounds.memoryBytes : 0...Int64.max) } catch { throw RecordError("\(field).\(error.message)") }
        }

        public var json: JSONValue { ["cpu": .optional(cpu), "memory": .optional(memory)] }
    }

    /// How a container last ended, from `status.containerStatuses[]`' `state.terminated` or `lastState.terminated`.
    public struct Termination: Equatable, Sendable {
        /// `OOMKilled`, `Error`, `Completed`, …
        public var reason: String
        public var exitCode: Int64?
        /// When it happened (RFC 3339), if known.
        public var at: String?
        public init(reason: String, exitCode: Int64? = nil, at: String? = nil) {
            self.reason = reason
            self.exitCode = exitCode
            self.at = at
        }

        public var json: JSONValue { ["reason": .string(reason), "exitCode": .optional(exitCode), "at": .optional(at)] }
    }

    /// One container of a pod or pod template, with its status where the pod has one.
    public struct Container: Equatable, Sendable {
        public var name: String
        /// The image reference as written in the spec (a tag or a digest): what a rollback restores.
        public var image: String?
        public var requests: Resources
        public var limits: Resources
        /// Restarts so far; 0 in a template.
        public var restarts: Int64
        public var lastTermination: Termination?
        /// The reason a container is waiting, e.g. `CrashLoopBackOff`.
        public var waitingReason: String?
        /// An init container with `restartPolicy: Always` (a native sidecar): long-running, like an app container.
        public var sidecar = false
        /// The memory its runtime was told to use (a JVM heap, GOMEMLIMIT, Node's old space), if any.
        public var runtime: RuntimeMemory?

        public init(name: String, image: String? = nil, requests: Resources = Resources(), limits: Resources = Resources(),
                    restarts: Int64 = 0, lastTermination: Termination? = nil, waitingReason: String? = nil) {
            self.name = name
            self.image = image
            self.requests = requests
            self.limits = limits
            self.restarts = restarts
            self.lastTermination = lastTermination
            self.waitingReason = waitingReason
        }

        /// Reads a record's container (either form); what is left out takes the template's values.
        init(_ json: JSON) throws(RecordError) {
            name = try json.required("name")
            image = json["image"]?.string
            do {
                requests = try Resources(json["requests"], field: "requests")
                limits = try Resources(json["limits"], field: "limits")
                restarts = try json.integer("restarts", within: RecordBounds.count) ?? 0
            } catch { throw RecordError("container \(name): \(error.message)") }
            if let reason = json["lastTermination", "reason"]?.string {
                lastTermination = Termination(reason: reason, exitCode: json["lastTermination", "exitCode"]?.int,
                                              at: json["lastTermination", "at"]?.string)
            }
            waitingReason = json["waiting", "reason"]?.string ?? json["waiting"]?.string
            sidecar = json["sidecar"]?.bool ?? false
            do { runtime = try RuntimeMemory(record: json["runtime"]) } catch { throw RecordError("container \(name): runtime.\(error.message)") }
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
                "restarts": .int(restarts), "lastTermination": lastTermination?.json ?? .null,
                "waiting": .optional(waitingReason), "sidecar": .bool(sidecar),
            ]
            if let runtime { json.set("runtime", to: runtime.json) }
            return json
        }
    }
}
