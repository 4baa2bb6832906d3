import Foundation

// Usage as collect-metrics writes it: percentiles, never samples.
extension Observed {
    /// A `usage` record: one (workload, container) over the window.
    public struct Usage: Equatable, Sendable {
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
        /// CPU steps at or above thresholds from the p95 up, ascending (empty from an older collect-metrics):
        /// what the backtest replays a new request against.
        public var cpuTail: [TailPoint] = []
        /// The JVM's heap maximum and its highest use in the window, as the JVM reported them
        /// (`jvm_memory_max_bytes` / `jvm_memory_used_bytes`); nil unless a JVM container's metrics had them.
        public var jvmHeap: (max: Int64, usedMax: Int64?)?

        /// `[cores, steps, longestRun]`: `steps` pod-steps of the window were at or above `cores`, at most
        /// `longestRun` of them in a row in one pod.
        public struct TailPoint: Equatable, Sendable {
            public var cores: Double
            public var steps: Int64
            public var longestRun: Int64
            public init(cores: Double, steps: Int64, longestRun: Int64) {
                self.cores = cores
                self.steps = steps
                self.longestRun = longestRun
            }
        }

        /// Points every `step` from `start`; nil where Prometheus had no sample.
        public struct Series: Equatable, Sendable {
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
            guard let samples = try json.integer("samples", within: RecordBounds.count) else { throw RecordError("missing integer field 'samples'") }
            self.samples = samples
            pods = try json.integer("pods", within: RecordBounds.count)
            cpu = try Self.figures(json["cpu"], "cpu", within: RecordBounds.cores)
            memory = try Self.figures(json["memory"], "memory", within: Double(RecordBounds.memoryBytes.lowerBound)...Double(RecordBounds.memoryBytes.upperBound))
            oomKills = try json.integer("oomKills", within: RecordBounds.count) ?? 0
            throttledRatio = try json.number("throttledRatio", within: RecordBounds.ratio)
            cpuTail = try Self.tail(json["cpuTail"])
            if let heap = json["jvmHeap"], !heap.isNull {
                do throws(RecordError) {
                    guard let max = try heap.integer("max", within: RecordBounds.memoryBytes) else { throw RecordError("missing integer field 'max'") }
                    jvmHeap = (max, try heap.integer("usedMax", within: RecordBounds.memoryBytes))
                } catch { throw RecordError("jvmHeap.\(error.message)") }
            }
            if let series = json["series"], let start = series["start"]?.string, let step = series["step"]?.string {
                self.series = Series(start: start, step: step, cpu: try Self.points(series["cpu"], "series.cpu", within: RecordBounds.cores),
                                     memory: try Self.points(series["memory"], "series.memory",
                                                             within: Double(RecordBounds.memoryBytes.lowerBound)...Double(RecordBounds.memoryBytes.upperBound)))
            }
        }

        public static func == (lhs: Usage, rhs: Usage) -> Bool {
            lhs.workload == rhs.workload && lhs.container == rhs.container && lhs.windowStart == rhs.windowStart
                && lhs.windowEnd == rhs.windowEnd && lhs.step == rhs.step && lhs.samples == rhs.samples && lhs.pods == rhs.pods
                && lhs.cpu == rhs.cpu && lhs.memory == rhs.memory && lhs.oomKills == rhs.oomKills && lhs.throttledRatio == rhs.throttledRatio
                && lhs.series == rhs.series && lhs.cpuTail == rhs.cpuTail
                && lhs.jvmHeap?.max == rhs.jvmHeap?.max && lhs.jvmHeap?.usedMax == rhs.jvmHeap?.usedMax
        }

        /// `{"p95": 0.42, …}`: every figure a number in `bounds` (or null).
        static func figures(_ json: JSON?, _ field: String, within bounds: ClosedRange<Double>) throws(RecordError) -> [String: Double] {
            var result: [String: Double] = [:]
            for (key, value) in json?.members ?? [] {
                if let number = try JSON.number(value, "\(field).\(key)", within: bounds) { result[key] = number }
            }
            return result
        }

        private static func tail(_ json: JSON?) throws(RecordError) -> [TailPoint] {
            var result: [TailPoint] = []
            for (index, item) in (json?.array ?? []).enumerated() {
                let parts = item.array
                guard parts.count == 3, let cores = try JSON.number(parts[0], "cpuTail[\(index)][0]", within: RecordBounds.cores),
                    let steps = parts[1].int, let run = parts[2].int, RecordBounds.count.contains(steps), (0...steps).contains(run)
                else { throw RecordError("cpuTail[\(index)] is not [cores, steps, longestRun] with 0 ≤ longestRun ≤ steps") }
                result.append(TailPoint(cores: cores, steps: steps, longestRun: run))
            }
            return result.sorted { $0.cores < $1.cores }
        }

        private static func points(_ json: JSON?, _ field: String, within bounds: ClosedRange<Double>) throws(RecordError) -> [Double?] {
            var result: [Double?] = []
            for (index, value) in (json?.array ?? []).enumerated() { result.append(try JSON.number(value, "\(field)[\(index)]", within: bounds)) }
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
            samples = try json.integer("samples", within: RecordBounds.count) ?? 0
            cpu = try Usage.figures(json["cpu"], "cpu", within: RecordBounds.cores)
            memory = try Usage.figures(json["memory"], "memory",
                                       within: Double(RecordBounds.memoryBytes.lowerBound)...Double(RecordBounds.memoryBytes.upperBound))
        }
    }
}
