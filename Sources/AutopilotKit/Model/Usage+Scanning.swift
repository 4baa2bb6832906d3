// The fast path of the `usage` reader: the same value as `Observed.Usage(_:)` straight from the line's
// bytes, under the rules of Pod+Scanning.swift (a `jvmHeap` is handed to jansson alone).

extension Observed.Usage {
    /// The usage on `bytes`, and the record's `cluster` member as `record["cluster"]?.string` gives it.
    static func scanning(_ bytes: UnsafeRawBufferPointer) throws(Fallback) -> (usage: Observed.Usage, cluster: String?) {
        var scanner = JSONScanner(bytes)
        var usage = Observed.Usage(workload: Observed.WorkloadKey(namespace: "", kind: "", name: ""), container: "", samples: 0,
                                   cpu: [:], memory: [:], window: nil, step: nil)
        var cluster: String?, namespace: String?, workloadKind: String?, workloadName: String?, container: String?, samples: Int64?
        var heap: UnsafeRawBufferPointer?
        var series: (start: String?, step: String?, cpu: [Double?], memory: [Double?])?
        var kinds = 0
        let memoryBytes = Double(RecordBounds.memoryBytes.lowerBound)...Double(RecordBounds.memoryBytes.upperBound)
        try scanner.document { s, key throws(Fallback) in
            if key == "kind" {
                kinds += 1
                guard try s.string() == "usage" else { throw Fallback() }
            } else if key == "cluster" { cluster = try s.string()
            } else if key == "namespace" { namespace = try s.string()
            } else if key == "workload" {
                (workloadKind, workloadName) = (nil, nil)
                guard s.atObject() else { return try s.skip() }
                try s.object { s, key throws(Fallback) in
                    if key == "kind" { workloadKind = try s.string() } else if key == "name" { workloadName = try s.string() } else { try s.skip() }
                }
            } else if key == "container" { container = try s.string()
            } else if key == "window" {
                (usage.windowStart, usage.windowEnd, usage.step) = (nil, nil, nil)
                guard s.atObject() else { return try s.skip() }
                try s.object { s, key throws(Fallback) in
                    if key == "start" { usage.windowStart = try s.string()
                    } else if key == "end" { usage.windowEnd = try s.string()
                    } else if key == "step" { usage.step = try s.string()
                    } else { try s.skip() }
                }
            } else if key == "samples" { samples = try s.count()
            } else if key == "pods" { usage.pods = try s.count()
            } else if key == "cpu" { usage.cpu = try Self.figures(&s, within: RecordBounds.cores)
            } else if key == "memory" { usage.memory = try Self.figures(&s, within: memoryBytes)
            } else if key == "oomKills" { usage.oomKills = try s.count() ?? 0
            } else if key == "throttledRatio" { usage.throttledRatio = try s.number(within: RecordBounds.ratio)
            } else if key == "cpuTail" { usage.cpuTail = try Self.tail(&s)
            } else if key == "jvmHeap" { heap = s.takeNull() ? nil : try s.raw()
            } else if key == "series" {
                series = nil
                guard s.atObject() else { return try s.skip() }
                var found: (start: String?, step: String?, cpu: [Double?], memory: [Double?]) = (nil, nil, [], [])
                try s.object { s, key throws(Fallback) in
                    if key == "start" { found.start = try s.string()
                    } else if key == "step" { found.step = try s.string()
                    } else if key == "cpu" { found.cpu = try s.list { s throws(Fallback) in try s.number(within: RecordBounds.cores) }
                    } else if key == "memory" { found.memory = try s.list { s throws(Fallback) in try s.number(within: memoryBytes) }
                    } else { try s.skip() }
                }
                series = found
            } else if key == "createdAt" || key == "lastTimestamp" { throw Fallback()  // `ObservedCluster.add` would take it as a time
            } else { try s.skip() }
        }
        guard kinds == 1, let namespace, let workloadName, let container, let samples else { throw Fallback() }
        usage.workload = Observed.WorkloadKey(namespace: namespace, kind: workloadKind ?? "Deployment", name: workloadName)
        usage.container = container
        usage.samples = samples
        if let heap {
            // Read as `init(_:)` reads it, refusals included (they are jansson's to report).
            let json = try JSON.part(heap)
            do {
                guard let max = try json.integer("max", within: RecordBounds.memoryBytes) else { throw Fallback() }
                usage.jvmHeap = (max, try json.integer("usedMax", within: RecordBounds.memoryBytes))
            } catch { throw Fallback() }
        }
        if let series, let start = series.start, let step = series.step {
            usage.series = Series(start: start, step: step, cpu: series.cpu, memory: series.memory)
        }
        return (usage, cluster)
    }

    /// `figures(_:_:within:)`: an object's numbers in range; null members left out; not an object, none.
    private static func figures(_ s: inout JSONScanner, within bounds: ClosedRange<Double>) throws(Fallback) -> [String: Double] {
        var result: [String: Double] = [:]
        guard s.atObject() else { try s.skip(); return result }
        try s.object { s, key throws(Fallback) in result[key.text] = try s.number(within: bounds) }
        return result
    }

    /// `tail(_:)`: `[cores, steps, longestRun]` triples, sorted by cores.
    private static func tail(_ s: inout JSONScanner) throws(Fallback) -> [TailPoint] {
        let points = try s.list { s throws(Fallback) -> TailPoint in
            // Each part as both readings: cores as `JSON.number` reads it, the counts as `JSON.int` does.
            var parts: [(value: Double, whole: Int64?)?] = []
            try s.array { s throws(Fallback) in parts.append(try s.number()) }
            guard parts.count == 3, let cores = parts[0]?.value, cores.isFinite, RecordBounds.cores.contains(cores),
                let steps = parts[1]?.whole, let run = parts[2]?.whole, RecordBounds.count.contains(steps), (0...steps).contains(run)
            else { throw Fallback() }
            return TailPoint(cores: cores, steps: steps, longestRun: run)
        }
        return points.sorted { $0.cores < $1.cores }
    }
}
