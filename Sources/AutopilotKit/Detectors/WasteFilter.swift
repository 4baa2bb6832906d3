import Foundation

/// The detect-waste filter: forwards the stream byte for byte, learns the cluster from it, runs the
/// detectors and appends their findings.
public struct WasteFilter {
    public let diagnostics: Diagnostics
    public var config: DetectionConfig
    public var costs: CostModel
    public var detectors: [any Detector]
    /// When set, only findings of these detector names are kept (`--detectors under-provisioned-memory`
    /// runs the memory detector but keeps only its increases).
    public var keep: Set<String>?
    /// "Now" for ages; nil takes the end of the usage window, else the wall clock.
    public var now: Date?

    public init(diagnostics: Diagnostics, config: DetectionConfig = DetectionConfig(), costs: CostModel = CostModel(),
                detectors: [any Detector] = DetectorRegistry.all, now: Date? = nil) {
        self.diagnostics = diagnostics
        self.config = config
        self.costs = costs
        self.detectors = detectors
        self.now = now
    }

    /// Reads `reader` to the end, forwarding every good line; a malformed line is reported and dropped,
    /// a record missing a field the detectors need is reported, forwarded, and left out of the analysis.
    public func read(_ reader: NDJSONReader, forwardingTo writer: NDJSONWriter) throws -> ObservedCluster {
        try ObservedCluster.read(reader, forwardingTo: writer, diagnostics: diagnostics, holdingFindings: false).cluster
    }

    /// Runs the detectors; findings under `config.minSavings` are dropped unless they add cost (reliability
    /// fixes) or carry no price.
    public func findings(for cluster: ObservedCluster) -> [Finding] {
        let context = DetectionContext(cluster: cluster, config: config, costs: costs, now: now ?? cluster.dataTime)
        var warned = Set<String>()
        for (_, reason) in context.unpricedNodes where warned.insert(reason).inserted {
            diagnostics.warning("\(reason): findings on its nodes carry priceSource \"unknown\" and no dollars; add it with --prices FILE")
        }
        var findings = detectors.flatMap { $0.detect(in: context) }.filter { finding in
            if let keep, !keep.contains(finding.detector) { return false }
            guard let savings = finding.monthlySavings, savings >= .zero else { return true }
            return savings >= config.minSavings
        }
        if let bill = costs.bill { RealisableSavings.assign(&findings, bill: bill) }
        return findings
    }


    /// `12 findings (over-requested-cpu 5, …); monthly savings $1,234.56 across 10 priced findings, 2 unpriced`.
    public static func summary(_ findings: [Finding]) -> String {
        var counts: [String: Int] = [:]
        for finding in findings { counts[finding.detector, default: 0] += 1 }
        let order = DetectorRegistry.names + [OverRequestedMemory.underProvisioned]
        let byDetector = counts.keys.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
            .map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        let priced = findings.compactMap(\.monthlySavings)
        let unpriced = findings.filter { $0.priceSource == "unknown" }.count
        var text = "\(findings.count) finding\(findings.count == 1 ? "" : "s")"
        if !byDetector.isEmpty { text += " (\(byDetector))" }
        text += "; monthly savings \(priced.sum()) across \(priced.count) priced finding\(priced.count == 1 ? "" : "s")"
        if unpriced > 0 { text += ", \(unpriced) with unknown prices" }
        let billed = findings.compactMap(\.billedSavings)
        if !billed.isEmpty { text += "; realisable per the bill \(billed.map(\.monthly).sum()) across \(billed.count)" }
        return text
    }
}
