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

extension RiskScorer {
    /// The finding with `risk` added (replacing one from an earlier run), its first step applied if the
    /// policy caps the change, and the assessment.
    public func assess(_ finding: JSON) -> (record: JSONValue, risk: RiskAssessment) {
        var record = finding.value
        var step: JSONValue = .null
        var view = finding
        var stepTree: JSON?
        if let earlier = finding["risk", "step"], earlier.isObject {
            // Scored before: the recommendation is already the first step; keep the final target.
            step = earlier.value
        } else if let limited = StepLimit.apply(finding, maxReduction: policy.maxReductionPerStep) {
            record = limited.finding
            step = limited.step
            // Score the change that will actually be made: the first step.
            stepTree = try? JSON.parse(record.text)
            if let stepTree { view = stepTree }
        }
        let affected = affected(view)
        var risk = RiskAssessment(
            blastRadius: blastRadius(affected), latencyImpact: latencyImpact(view, affected),
            dependencyRisk: dependencyRisk(view, affected), sloImpact: sloImpact(view, affected),
            confidence: RiskAssessment.round2(view["confidence"]?.double ?? 0), gate: .auto, gateReasons: [], step: step)
        (risk.gate, risk.gateReasons) = gate(view, affected, risk)
        record.remove("risk")
        record.set("risk", to: risk.json)
        return (record, risk)
    }

    /// Resource changes roll the pods; an HPA or ScaledObject change does not.
    private func restartsPods(_ finding: JSON) -> Bool {
        ["over-requested-cpu", "over-requested-memory", "under-provisioned-memory"].contains(finding["detector"]?.string ?? "")
    }

    /// block, approve or auto, with the policy rules that decided it.
    func gate(_ finding: JSON, _ affected: Affected, _ risk: RiskAssessment) -> (RiskAssessment.Gate, [String]) {
        var block: [String] = []
        if risk.overall >= policy.blockAbove { block.append("overall \(risk.overall.short) ≥ \(policy.blockAbove.short): too risky to change") }
        if affected.nodeLevel && !affected.nodes.isEmpty {
            for pod in affected.pods where DrainBlockers.isPinned(pod, cluster) {
                block.append("the drain is blocked: " + (DrainBlockers.find([pod], cluster).first ?? "\(pod.namespace)/\(pod.name) cannot move"))
            }
        }
        if let before = finding["current", "minReplicas"]?.int, let after = finding["recommended", "minReplicas"]?.int {
            // The final target counts, not only the first step.
            let target = risk.step["field"] == .string("minReplicas") ? risk.step["target"]?.intValue ?? after : after
            if before >= policy.minReplicas, min(after, target) < policy.minReplicas {
                block.append("minReplicas \(min(after, target)) is below the policy's \(policy.minReplicas)")
            }
        }
        if !block.isEmpty { return (.block, block.map { "gate block: " + $0 }) }

        var approve: [String] = []
        if policy.isProtected(finding["namespace"]?.string) {
            approve.append("namespace \(finding["namespace"]!.string!) is protected (\(policy.protectedNamespaces.joined(separator: ", ")))")
        }
        let protectedPods = affected.nodeLevel && !affected.nodes.isEmpty ? affected.pods.filter { policy.isProtected($0.namespace) } : []
        if !protectedPods.isEmpty {
            approve.append("it moves pods of protected namespaces: " + protectedPods.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", "))
        }
        if risk.overall >= policy.autoBelow { approve.append("overall \(risk.overall.short) is not below \(policy.autoBelow.short), where `auto` stops") }
        if !policy.autoSingleReplica, let workload = affected.workload, workload.key.kind != "DaemonSet", affected.pods.count == 1,
            restartsPods(finding) {
            approve.append("the change restarts the only replica of \(workload.key)")
        }
        if affected.nodeLevel && !affected.nodes.isEmpty && !policy.autoNodeChanges { approve.append("node removals and replacements need a human (autoNodeChanges: false)") }
        if finding["detector"]?.string == "orphan-volume" { approve.append("deleting a volume is irreversible") }
        if finding["priceSource"]?.string == "none" { approve.append("no single change to apply: a human decides the fix") }
        if !approve.isEmpty { return (.approve, approve.map { "gate approve: " + $0 }) }
        return (.auto, ["gate auto: low risk outside protected namespaces"])
    }
}

extension JSONValue {
    /// Removes a top-level member if present.
    mutating func remove(_ key: String) {
        guard case .object(let members) = self else { return }
        self = .object(members.filter { $0.key != key })
    }
}
