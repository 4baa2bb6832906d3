import Foundation

/// The score-risk filter: forwards every record, learns the cluster, and writes each `finding` back with
/// a `risk` object (and, when the change is larger than the policy allows at once, its first step).
public struct RiskFilter {
    public let diagnostics: Diagnostics
    public var policy: RiskPolicy
    /// "Now" for the event window when a finding has none; nil takes the latest time in the data.
    public var now: Date?

    public init(diagnostics: Diagnostics, policy: RiskPolicy = RiskPolicy(), now: Date? = nil) {
        self.diagnostics = diagnostics
        self.policy = policy
        self.now = now
    }

    /// Findings are held until the end (a finding may come before records it refers to when streams are
    /// concatenated), then written in their input order; everything else is forwarded as it comes.
    public func run(_ reader: NDJSONReader, to writer: NDJSONWriter) throws -> [RiskAssessment] {
        var cluster = ObservedCluster()
        // A finding's line bytes live in the reader's buffer only while it is delivered: keep the parsed tree
        // (and the line's number and raw text, for a finding that cannot be scored).
        var findings: [(record: JSON, source: String, line: Int, text: [UInt8])] = []
        var wanted = ObservedCluster.kinds
        wanted.insert("finding")
        try RecordForwarding.run(reader, to: writer, wanted: wanted, diagnostics: diagnostics) { record, line in
            if record["kind"]?.string == "finding" {
                findings.append((record, line.source, line.number, Array(line.bytes)))
                return false
            }
            do { try cluster.add(record) } catch let error as RecordError {
                try diagnostics.error("\(record["kind"]?.string ?? "record"): \(error.message); forwarded, not used",
                                      source: line.source, line: line.number)
            }
            return true
        }
        let scorer = RiskScorer(cluster: cluster, policy: policy, now: now ?? WasteFilter.defaultNow(cluster))
        var assessments: [RiskAssessment] = []
        for (finding, source, line, text) in findings {
            guard finding["target", "kind"]?.string != nil, finding["detector"]?.string != nil else {
                try diagnostics.error("finding without detector or target; forwarded without risk", source: source, line: line)
                try writer.write(raw: text)
                continue
            }
            let (record, risk) = scorer.assess(finding)
            assessments.append(risk)
            try writer.write(record)
        }
        return assessments
    }
}
