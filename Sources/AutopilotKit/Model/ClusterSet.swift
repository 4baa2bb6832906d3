import Foundation

/// Several clusters' records in one stream (per-cluster pipelines merged with `cat`), for the filters
/// that report across clusters: the ledger and render-report. Findings, changes, ledger and cost
/// history records are kept as they came, in stream order; findings read and checked (`FindingRecord`).
public struct ClusterSet {
    public var clusters: [String: ObservedCluster] = [:]
    public var findings: [FindingRecord] = []
    public var changes: [JSON] = []
    public var ledger: [JSON] = []
    public var costHistory: [JSON] = []
    public var incidents: [JSON] = []
    /// Incidents as the ledger keeps them (`ledgerincident`: status, detection, resolution, linked findings).
    public var ledgerIncidents: [JSON] = []
    /// Allocations reconciled to the customer's bill (`ledger record --billing`), one per cluster and run.
    public var billReconciliations: [JSON] = []

    public init() {}

    /// The records of one cluster alone (a per-cluster report or page).
    public func only(cluster name: String) -> ClusterSet {
        func mine(_ records: [JSON]) -> [JSON] { records.filter { $0["cluster"]?.string == name } }
        var set = ClusterSet()
        set.clusters = clusters.filter { $0.key == name }
        set.findings = findings.filter { $0.cluster == name }
        set.changes = mine(changes)
        set.ledger = mine(ledger)
        set.costHistory = mine(costHistory)
        set.incidents = mine(incidents)
        set.ledgerIncidents = mine(ledgerIncidents)
        set.billReconciliations = mine(billReconciliations)
        return set
    }

    /// When the run looked: the end of collect-metrics' window (the collection time), else the latest
    /// time any record mentions (an event, a pod's creation).
    public var latestTime: Date? {
        let windowEnds = clusters.values.flatMap { $0.usage.values.flatMap { $0.values.compactMap { $0.windowEnd.flatMap(RFC3339.date) } } }
        return windowEnds.max() ?? clusters.values.compactMap(\.latestTime).max()
    }

    /// Reads the stream, forwarding every record unchanged (a record that cannot be used is reported
    /// and still forwarded).
    public static func read(_ reader: NDJSONReader, forwardingTo writer: NDJSONWriter?, diagnostics: Diagnostics) throws -> ClusterSet {
        var set = ClusterSet()
        var wanted = ObservedCluster.kinds
        wanted.formUnion(["finding", "change", "ledger", "costhistory", "incident", "ledgerincident", "billreconciliation"])
        let scan = { (line: InputLine) -> Bool? in
            guard let scanned = try? ObservedCluster.scan(line) else { return nil }
            set.clusters[scanned.cluster ?? "", default: ObservedCluster()].add(scanned)
            return true
        }
        try RecordForwarding.run(reader, to: writer, wanted: wanted, diagnostics: diagnostics, scan: scan) { record, line in
            let kind = record["kind"]?.string
            switch kind {
            case "finding":
                if let finding = try FindingRecord.read(record, at: line, diagnostics: diagnostics) { set.findings.append(finding) }
            case "change": set.changes.append(record)
            case "ledger": set.ledger.append(record)
            case "costhistory": set.costHistory.append(record)
            case "incident": set.incidents.append(record)
            case "ledgerincident": set.ledgerIncidents.append(record)
            case "billreconciliation": set.billReconciliations.append(record)
            default:
                let name = record["cluster"]?.string ?? ""
                do { try set.clusters[name, default: ObservedCluster()].add(record) } catch let error as RecordError {
                    try diagnostics.error("\(kind ?? "record"): \(error.message); forwarded, not used",
                                          source: line.source, line: line.number)
                }
            }
            return true
        }
        return set
    }
}
