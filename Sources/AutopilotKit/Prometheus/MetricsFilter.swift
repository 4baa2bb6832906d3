/// The collect-metrics filter: forwards the record stream byte for byte, learns the workloads, pods
/// and nodes from it, then appends the usage records.
public struct MetricsFilter {
    /// The record kinds the inventory needs; all others are forwarded without being parsed.
    static let wantedKinds: Set<Substring> = ["workload", "pod", "node"]

    public let diagnostics: Diagnostics

    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    /// Reads `reader` to the end, forwarding each good line to `writer`; a malformed line is reported
    /// and dropped (it cannot be a record).
    public func forward(_ reader: NDJSONReader, to writer: NDJSONWriter) throws -> UsageInventory {
        var inventory = UsageInventory()
        try reader.forEachLine { line in
            if let kind = line.kindPrefix, !Self.wantedKinds.contains(kind) {
                try writer.forward(line)
                return
            }
            do {
                let record = try line.parse()
                guard record.isObject else {
                    try diagnostics.error("not a JSON object; dropped", source: line.source, line: line.number)
                    return
                }
                inventory.add(record)
            } catch let error as JSONParseError {
                try diagnostics.error("\(error.message); dropped", source: line.source, line: line.number, column: error.column)
                return
            }
            try writer.forward(line)
        }
        return inventory
    }
}
