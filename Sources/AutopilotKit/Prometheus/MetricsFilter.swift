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
        // Pods, most of the stream, are read from their bytes; a line the scanner leaves is parsed.
        let scan = { (line: InputLine) -> Bool? in
            guard line.kindPrefix == "pod", (try? inventory.addPod(scanning: line.bytes)) != nil else { return nil }
            return true
        }
        try RecordForwarding.run(reader, to: writer, wanted: Self.wantedKinds, diagnostics: diagnostics, scan: scan) { record, _ in
            inventory.add(record)
            return true
        }
        return inventory
    }
}
