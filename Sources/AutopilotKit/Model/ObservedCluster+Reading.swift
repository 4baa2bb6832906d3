/// A finding held back by a filter that writes findings back itself (score-risk, build-evidence).
public struct HeldFinding {
    /// The finding, read and checked (its tree outlives the reader's buffer).
    public var finding: FindingRecord
    public var source: String
    public var line: Int
    /// The line as it came, to forward unchanged when the filter cannot use it.
    public var text: [UInt8]
}

extension ObservedCluster {
    /// The reading loop of the filters that join: forwards every record as it comes, learns the cluster
    /// from the kinds it reads (a record missing a field is reported, forwarded and not used), and, with
    /// `holdingFindings`, keeps `finding` records back for the filter to write after the whole stream
    /// (a finding may come before the records it refers to when streams are concatenated). A finding that
    /// fails `FindingRecord.validate` is reported and forwarded as it came, not held. A filter that needs fewer
    /// kinds than `kinds` names them (`reading`): the others are forwarded by their kind prefix, unparsed.
    public static func read(_ reader: NDJSONReader, forwardingTo writer: NDJSONWriter, diagnostics: Diagnostics,
                            holdingFindings: Bool, reading: Set<Substring> = kinds) throws -> (cluster: ObservedCluster, findings: [HeldFinding]) {
        var cluster = ObservedCluster()
        var findings: [HeldFinding] = []
        var clusterNames = Set<String>()
        var wanted = reading
        if holdingFindings { wanted.insert("finding") }
        let scan = { (line: InputLine) -> Bool? in
            guard let scanned = try? ObservedCluster.scan(line) else { return nil }
            if let name = scanned.cluster { clusterNames.insert(name) }
            cluster.add(scanned)
            return true
        }
        try RecordForwarding.run(reader, to: writer, wanted: wanted, diagnostics: diagnostics, scan: scan) { record, line in
            if holdingFindings, record["kind"]?.string == "finding" {
                guard let finding = try FindingRecord.read(record, at: line, diagnostics: diagnostics) else { return true }
                findings.append(HeldFinding(finding: finding, source: line.source, line: line.number, text: Array(line.bytes)))
                return false
            }
            if let name = record["cluster"]?.string { clusterNames.insert(name) }
            do { try cluster.add(record) } catch let error as RecordError {
                try diagnostics.error("\(record["kind"]?.string ?? "record"): \(error.message); forwarded, not analysed",
                                      source: line.source, line: line.number)
            }
            return true
        }
        if clusterNames.count > 1 {
            // One model of one cluster: two clusters' nodes and workloads would be joined as one.
            diagnostics.warning("records of \(clusterNames.count) clusters in one stream (\(clusterNames.sorted().joined(separator: ", "))) are analysed as one cluster; run the filter once per cluster and concatenate the outputs")
        }
        return (cluster, findings)
    }
}
