/// The `risk` object score-risk adds to a finding: five factors, each 0–1 with the figures behind it,
/// their weighted sum, a level and a gate, and the reasons in plain words.
public struct RiskAssessment: Sendable {
    public enum Gate: String, Sendable { case auto, approve, block }

    /// One factor: its score (0–1, two decimals), the figures it came from, and why it is not zero.
    public struct Factor: Sendable {
        public var score: Double
        public var details: [JSONValue.Member]
        public var reasons: [String]

        init(score: Double, details: [JSONValue.Member], reasons: [String]) {
            self.score = RiskAssessment.round2(min(1, max(0, score)))
            self.details = details
            self.reasons = reasons
        }

        var json: JSONValue { .object([.init("score", .double(score))] + details) }
    }

    /// The weights of the overall score; documented in docs/tools/score-risk.md, carried in every record.
    public static let weights: [(name: String, weight: Double)] = [
        ("blastRadius", 0.25), ("latencyImpact", 0.25), ("dependencyRisk", 0.2), ("sloImpact", 0.2), ("uncertainty", 0.1),
    ]

    public var blastRadius: Factor
    public var latencyImpact: Factor
    public var dependencyRisk: Factor
    public var sloImpact: Factor
    /// The finding's own confidence; the score counts its complement, uncertainty.
    public var confidence: Double
    public var gate: Gate
    /// Why the gate is what it is (policy rules that applied).
    public var gateReasons: [String]
    /// The first step when the change is larger than the policy allows at once.
    public var step: JSONValue

    /// Σ weight × factor, from the two-decimal factor scores, rounded half up to two decimals: recomputable
    /// by hand. Summed in whole ten-thousandths, so 0.145 rounds to 0.15 as on paper (not 0.14 as a
    /// binary floating-point sum would).
    public var overall: Double {
        let scores = [blastRadius.score, latencyImpact.score, dependencyRisk.score, sloImpact.score, Self.round2(1 - confidence)]
        let tenThousandths = zip(Self.weights, scores).reduce(0) { $0 + Int(($1.0.weight * 100).rounded()) * Int(($1.1 * 100).rounded()) }
        return Double((tenThousandths + 50) / 100) / 100
    }

    /// low below 0.3, medium below 0.6, high from 0.6.
    public var level: String { overall < 0.3 ? "low" : overall < 0.6 ? "medium" : "high" }

    /// Each factor that raised the score, with its share of the overall, then the gate's reasons.
    public var reasons: [String] {
        var lines: [String] = []
        let named: [(String, Double, Factor)] = [
            ("blast radius", Self.weight("blastRadius"), blastRadius), ("latency impact", Self.weight("latencyImpact"), latencyImpact),
            ("dependency risk", Self.weight("dependencyRisk"), dependencyRisk), ("SLO impact", Self.weight("sloImpact"), sloImpact),
        ]
        for (name, weight, factor) in named {
            guard factor.score > 0 else { continue }
            lines.append("\(name) \(factor.score.short) × \(weight.short) = \(Self.product(weight, factor.score)): " + factor.reasons.joined(separator: "; "))
        }
        let uncertainty = Self.round2(1 - confidence)
        if uncertainty > 0 {
            let weight = Self.weight("uncertainty")
            lines.append("uncertainty \(uncertainty.short) × \(weight.short) = \(Self.product(weight, uncertainty)): the finding's confidence is \(confidence.short)")
        }
        return lines + gateReasons
    }

    public var json: JSONValue {
        [
            "blastRadius": blastRadius.json, "latencyImpact": latencyImpact.json, "dependencyRisk": dependencyRisk.json,
            "sloImpact": sloImpact.json, "confidence": .double(confidence), "overall": .double(overall), "level": .string(level),
            "gate": .string(gate.rawValue), "weights": .object(Self.weights.map { .init($0.name, .double($0.weight)) }),
            "reasons": .strings(reasons), "step": step,
        ]
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    static func weight(_ name: String) -> Double { weights.first { $0.name == name }!.weight }

    /// A weight (two decimals) times a score (two decimals) has at most four: shown in full.
    static func product(_ weight: Double, _ score: Double) -> String {
        var text = String(format: "%.4f", weight * score)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
