extension RiskScorer {
    /// The finding with `risk` added (replacing one from an earlier run), its first step applied if the
    /// policy caps the change, and the assessment.
    public func assess(_ finding: FindingRecord) -> (record: JSONValue, risk: RiskAssessment) {
        var record = finding.json.value
        var step: JSONValue = .null
        var view = finding
        if let earlier = finding.risk?.step {
            // Scored before: the recommendation is already the first step; keep the final target.
            step = earlier.value
        } else {
            switch StepLimit.apply(finding, maxReduction: policy.maxReductionPerStep) {
            case .fits:
                break
            case .stepped(let limited, let first):
                record = limited
                step = first
                // Score the change that will actually be made: the first step.
                if let first = try? FindingRecord(JSON.parse(record.text)) { view = first }
            case .cannotStep(let first):
                step = first
            }
        }
        let affected = affected(view)
        var risk = RiskAssessment(
            blastRadius: blastRadius(affected), latencyImpact: latencyImpact(view, affected),
            dependencyRisk: dependencyRisk(view, affected), sloImpact: sloImpact(view, affected),
            confidence: RiskAssessment.round2(min(1, max(0, view.confidence ?? 0))), gate: .auto, gateReasons: [],
            step: step)
        (risk.gate, risk.gateReasons) = gate(view, affected, risk)
        record.remove("risk")
        record.set("risk", to: risk.json)
        return (record, risk)
    }

    /// block, approve or auto, with the policy rules that decided it: the first kind that has a rule.
    func gate(_ finding: FindingRecord, _ affected: Affected, _ risk: RiskAssessment) -> (RiskAssessment.Gate, [String]) {
        var block: [String] = []
        if risk.overall >= policy.blockAbove { block.append("overall \(risk.overall.short) ≥ \(policy.blockAbove.short): too risky to change") }
        if affected.nodeLevel && !affected.nodes.isEmpty {
            for pod in affected.pods where DrainBlockers.isPinned(pod, cluster) {
                block.append("the drain is blocked: " + (DrainBlockers.find([pod], cluster).first ?? "\(pod.namespace)/\(pod.name) cannot move"))
            }
        }
        if let before = finding.current.minReplicas, let after = finding.recommended.minReplicas {
            // The final target counts, not only the first step.
            let target = risk.step["field"] == .string("minReplicas") ? risk.step["target"]?.intValue ?? after : after
            if before >= policy.minReplicas, min(after, target) < policy.minReplicas {
                block.append("minReplicas \(min(after, target)) is below the policy's \(policy.minReplicas)")
            }
        }
        if !block.isEmpty { return (.block, block.map { "gate block: " + $0 }) }

        var approve: [String] = []
        if policy.isProtected(finding.namespace) {
            approve.append("namespace \(finding.namespace ?? "") is protected (\(policy.protectedNamespaces.joined(separator: ", ")))")
        }
        let protectedPods = affected.nodeLevel && !affected.nodes.isEmpty ? affected.pods.filter { policy.isProtected($0.namespace) } : []
        if !protectedPods.isEmpty {
            approve.append("it moves pods of protected namespaces: " + protectedPods.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", "))
        }
        if risk.overall >= policy.autoBelow { approve.append("overall \(risk.overall.short) is not below \(policy.autoBelow.short), where `auto` stops") }
        // One factor at its top band is enough for a human, whatever the weighted sum says.
        if risk.latencyImpact.score >= 0.6 { approve.append("latency impact is high (\(risk.latencyImpact.score.short))") }
        if risk.sloImpact.details.contains(where: { $0.key == "critical" && $0.value == .bool(true) }) {
            approve.append("the workload is marked \(policy.criticalMarker)")
        }
        if risk.step["uncapped"] == .bool(true) {
            approve.append("the change is larger than \(Int((policy.maxReductionPerStep * 100).rounded()))% and cannot be split into a first step")
        }
        if !policy.autoSingleReplica, let workload = affected.workload, workload.key.kind != "DaemonSet", affected.pods.count == 1,
            restartsPods(finding) {
            approve.append("the change restarts the only replica of \(workload.key)")
        }
        if affected.nodeLevel && !affected.nodes.isEmpty && !policy.autoNodeChanges { approve.append("node removals and replacements need a human (autoNodeChanges: false)") }
        let kind = finding.kind
        if kind == .orphanVolume { approve.append("deleting a volume is irreversible") }
        // A smaller heap changes how the application collects garbage, not only what the node reserves.
        if let flag = finding.recommended["runtimeFlag", "value"]?.string {
            let runtime = RuntimeMemory.Runtime(rawValue: finding.recommended["runtimeFlag", "runtime"]?.string ?? "jvm") ?? .jvm
            approve.append("it lowers \(HeapCut.name(runtime)) (\(finding.current["runtimeFlag", "value"]?.string ?? "?") → \(flag)): "
                + "garbage collection and latency change with it")
        }
        if kind == .stuckTerminating {
            approve.append("a person must act: force-deleting or removing a finalizer skips the cleanup it waits for")
        }
        if finding.priceSource == "none" { approve.append("no single change to apply: a human decides the fix") }
        if !approve.isEmpty { return (.approve, approve.map { "gate approve: " + $0 }) }
        return (.auto, ["gate auto: low risk outside protected namespaces"])
    }

    /// Resource changes roll the pods; an HPA or ScaledObject change does not.
    private func restartsPods(_ finding: FindingRecord) -> Bool {
        finding.kind?.changesRequests ?? false
    }
}
