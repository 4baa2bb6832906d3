/// The policy's largest reduction per change: a 4-core request goes to at most 2 cores now, and a later
/// run continues from there. The finding's recommendation, cost and savings become the first step's;
/// the final target stays in `risk.step`.
enum StepLimit {
    enum Outcome {
        /// The change is within the limit.
        case fits
        /// The finding rewritten to its first step, and the `step` object.
        case stepped(JSONValue, step: JSONValue)
        /// Too large, and no first step exists (rounding reaches the current value, or an HPA forecast
        /// that a partial step would change): the `step` object says so; a human decides.
        case cannotStep(JSONValue)
    }

    static func apply(_ finding: FindingRecord, maxReduction: Double) -> Outcome {
        let field: String
        let current: Double
        let target: Double
        let stepValue: Double
        switch finding.kind {
        case .overRequestedCPU:
            guard let before = finding.current.cpu, let after = finding.recommended.cpu else { return .fits }
            (field, current, target) = ("cpu", before, after)
            stepValue = max(RequestRounding.cpu(before * (1 - maxReduction)), after)
        case .overRequestedMemory:
            guard let before = finding.current.memory, let after = finding.recommended.memory else { return .fits }
            (field, current, target) = ("memory", Double(before), Double(after))
            stepValue = Double(max(RequestRounding.memory(Double(before) * (1 - maxReduction)), after))
        case .misconfiguredAutoscaling:
            guard let before = finding.current.minReplicas, let after = finding.recommended.minReplicas else { return .fits }
            (field, current, target) = ("minReplicas", Double(before), Double(after))
            stepValue = max((Double(before) * (1 - maxReduction)).rounded(.up), Double(after))
        // Raises and removals are not cut in steps; an unknown kind is left as it is.
        case .underProvisionedMemory, .underProvisionedCPU, .idleNode, .orphanVolume, .nodeConsolidation, .stuckTerminating, nil:
            return .fits
        }
        guard target < current, (current - target) / current > maxReduction + 1e-9 else { return .fits }
        let number = { (value: Double) -> JSONValue in field == "cpu" ? .double(value) : .int(Int64(value)) }
        // An HPA-forecast CPU finding priced its replicas for the final request: a partial step would not match.
        let forecast = field == "cpu" && finding.basis?["hpa"].map { !$0.isNull } == true
        guard stepValue < current, !forecast else {
            return .cannotStep([
                "field": .string(field), "from": number(current), "to": number(target), "target": number(target),
                "maxReduction": .double(maxReduction), "uncapped": true,
            ])
        }
        let share = (current - stepValue) / (current - target)
        let value: JSONValue = field == "cpu" ? .double(stepValue) : .int(Int64(stepValue))
        var record = finding.json.value
        record.set("recommended", field, to: value)
        if field == "minReplicas" { record.set("recommended", "replicas", to: value) }
        var saving: Money?
        if let cost = finding.monthlyCost {
            // Cost is linear in the request (and in replicas): the first step saves its share of the whole.
            let stepSaving = Money(dollars: (cost.current - cost.recommended).dollars * share)
            record.set("monthlyCost", "recommended", to: (cost.current - stepSaving).json)
            record.set("monthlySavings", to: stepSaving.json)
            saving = stepSaving
        }
        let shown = field == "cpu" ? Units.cpu(stepValue) : field == "memory" ? Units.memory(Int64(stepValue)) : String(Int64(stepValue))
        if var summary = finding.summary {
            if let range = summary.range(of: "; saves ", options: .backwards) { summary = String(summary[..<range.lowerBound]) }
            if summary.hasSuffix(".") { summary.removeLast() }
            summary += "; first step \(shown) (at most \(Int((maxReduction * 100).rounded()))% per change)"
                + (saving.map { " saves \($0)/month." } ?? ".")
            record.set("summary", to: .string(summary))
        }
        let step: JSONValue = [
            "field": .string(field), "from": field == "cpu" ? .double(current) : .int(Int64(current)), "to": value,
            "target": field == "cpu" ? .double(target) : .int(Int64(target)), "maxReduction": .double(maxReduction),
        ]
        return .stepped(record, step: step)
    }
}
