import Foundation

// Usage as collect-metrics writes it: percentiles, never samples.
extension Observed {
    /// A `usage` record: one (workload, container) over the window.
    public struct Usage: Sendable {
        public var workload: WorkloadKey
        public var container: String
        public var windowStart: String?
        public var windowEnd: String?
        public var step: String?
        public var samples: Int64
        /// Distinct pods seen in the window (pods that came and went included).
        public var pods: Int64?
        public var cpu: [String: Double]
        public var memory: [String: Double]
        public var oomKills: Int64
        public var throttledRatio: Double?
        /// The downsampled series for evidence graphs; nil when collect-metrics had none.
        public var series: Series?

        /// Points every `step` from `start`; nil where Prometheus had no sample.
        public struct Series: Sendable {
            public var start: String
            public var step: String
            public var cpu: [Double?]
            public var memory: [Double?]
            public init(start: String, step: String, cpu: [Double?], memory: [Double?]) {
                self.start = start
                self.step = step
                self.cpu = cpu
                self.memory = memory
            }
        }

        public init(workload: WorkloadKey, container: String, samples: Int64, cpu: [String: Double], memory: [String: Double],
                    oomKills: Int64 = 0, throttledRatio: Double? = nil, window: (start: String, end: String)?, step: String? = "5m") {
            self.workload = workload
            self.container = container
            self.samples = samples
            self.cpu = cpu
            self.memory = memory
            self.oomKills = oomKills
            self.throttledRatio = throttledRatio
            self.windowStart = window?.start
            self.windowEnd = window?.end
            self.step = step
        }

        public init(_ json: JSON) throws(RecordError) {
            workload = WorkloadKey(namespace: try json.required("namespace"),
                                   kind: json["workload", "kind"]?.string ?? "Deployment",
                                   name: try json.required("workload", "name"))
            container = try json.required("container")
            windowStart = json["window", "start"]?.string
            windowEnd = json["window", "end"]?.string
            step = json["window", "step"]?.string
            guard let samples = json["samples"]?.int else { throw RecordError("missing integer field 'samples'") }
            self.samples = samples
            pods = json["pods"]?.int
            cpu = Self.figures(json["cpu"])
            memory = Self.figures(json["memory"])
            oomKills = json["oomKills"]?.int ?? 0
            throttledRatio = json["throttledRatio"]?.double
            if let series = json["series"], let start = series["start"]?.string, let step = series["step"]?.string {
                self.series = Series(start: start, step: step, cpu: series["cpu"]?.array.map(\.double) ?? [],
                                     memory: series["memory"]?.array.map(\.double) ?? [])
            }
        }

        private static func figures(_ json: JSON?) -> [String: Double] {
            var result: [String: Double] = [:]
            for (key, value) in json?.members ?? [] { if let number = value.double { result[key] = number } }
            return result
        }
    }

    public struct NodeUsage: Sendable {
        public var node: String
        public var samples: Int64
        public var cpu: [String: Double]
        public var memory: [String: Double]

        public init(node: String, samples: Int64, cpu: [String: Double], memory: [String: Double]) {
            self.node = node
            self.samples = samples
            self.cpu = cpu
            self.memory = memory
        }

        public init(_ json: JSON) throws(RecordError) {
            node = try json.required("node")
            samples = json["samples"]?.int ?? 0
            var cpu: [String: Double] = [:]
            var memory: [String: Double] = [:]
            for (key, value) in json["cpu"]?.members ?? [] { if let number = value.double { cpu[key] = number } }
            for (key, value) in json["memory"]?.members ?? [] { if let number = value.double { memory[key] = number } }
            self.cpu = cpu
            self.memory = memory
        }
    }
}
