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
        let (cluster, findings) = try ObservedCluster.read(reader, forwardingTo: writer, diagnostics: diagnostics, holdingFindings: true)
        let scorer = RiskScorer(cluster: cluster, policy: policy, now: now ?? cluster.dataTime)
        var assessments: [RiskAssessment] = []
        for held in findings {
            let (record, risk) = scorer.assess(held.finding)
            assessments.append(risk)
            try writer.write(record)
        }
        return assessments
    }
}
