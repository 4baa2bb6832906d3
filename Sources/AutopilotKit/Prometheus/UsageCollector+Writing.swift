extension UsageCollector {
    /// What collect-metrics wrote, for its `--summary` line.
    public struct Tally {
        public var usage = 0
        /// Usage records with at least one sample.
        public var withSamples = 0
        public var nodeUsage = 0
        public var queries = 0

        public var summary: String {
            "\(usage) usage records (\(withSamples) with samples), \(nodeUsage) nodeusage; \(queries) queries"
        }
    }

    /// Writes the `usage` and `nodeusage` records of `inventory`, then, when the answers are being
    /// captured, the capture's index (every query asked, and the settings a replay starts from).
    public func write(_ inventory: UsageInventory, to writer: NDJSONWriter, capturing: CapturingPrometheus?) throws -> Tally {
        var tally = Tally()
        try collect(inventory) { record in
            if record["kind"] == "usage" {
                tally.usage += 1
                if record["samples"] != .int(0) { tally.withSamples += 1 }
            } else {
                tally.nodeUsage += 1
            }
            try writer.write(record)
        }
        try writer.flush()
        let queries = queries(for: inventory)
        tally.queries = queries.count
        try capturing?.writeIndex(queries, settings: settings.captureJSON)
        return tally
    }
}
