import Foundation

/// The usage window replayed against a recommendation: how often, and for how long at a stretch, the
/// container would have used more than its new request, and whether its peak would have crossed its
/// (new) memory limit. Every right-sizing finding carries one (`backtest`); the evidence pack prints it
/// and the risk score takes its latency term from it.
///
/// Counts are pod-steps (one pod over one `window.step`, the unit of `usage.samples`). CPU above the
/// request comes from the record's `cpuTail` (steps at or above thresholds about 4.4% apart): the count
/// at the highest threshold not above the request, so an upper bound unless the request is at or above
/// the window's max (then exactly zero). Memory recommendations are never below the window's max working
/// set, so no memory step was above them; a cut whose backtest says otherwise, or whose limit the peak
/// reaches, is not made.
public enum Backtest {
    /// CPU: the new request against every step of the window.
    public struct CPU: Equatable, Sendable {
        public var request: Double
        public var limit: Double?
        /// The limit before the change, when the change sets another (a raise).
        public var limitBefore: Double?
        /// How much each pod's load grows after the change: current ÷ forecast replicas when an HPA is
        /// expected to run fewer pods (1 otherwise). The window is replayed against request ÷ this.
        public var loadFactor = 1.0
        /// Pod-steps with data in the window.
        public var steps: Int64
        public var stepMinutes: Double?
        /// Pod-steps above the request (an upper bound unless `exact`); nil when the record cannot say.
        public var stepsAbove: Int64?
        /// The longest stretch of consecutive steps of one pod above the request, in steps.
        public var longestRunAbove: Int64?
        /// True when the count is exact (zero: the request is at or above the window's max).
        public var exact: Bool
        /// Pod-steps at or above the limit, when the tail reaches it (the limit is not changed).
        public var stepsAtLimit: Int64?
        /// The share of CFS periods throttled in the window, as measured (the limit, unchanged, decides it).
        public var throttledRatio: Double?

        public var shareAbove: Double? { stepsAbove.map { steps > 0 ? Double($0) / Double(steps) : 0 } }
    }

    /// Memory: the new request and limit against the window's working set.
    public struct Memory: Equatable, Sendable {
        public var request: Int64
        public var limit: Int64?
        public var maxWorkingSet: Double
        public var steps: Int64
        /// Steps above the request: zero when the request is at or above the max working set; nil otherwise
        /// (the record keeps no memory tail, and no recommendation goes there).
        public var stepsAbove: Int64?
        public var oomKills: Int64

        /// Bytes between the window's peak and the limit; nil without a limit (the node's memory bounds it).
        public var limitMargin: Double? { limit.map { Double($0) - maxWorkingSet } }
        /// The peak reached the limit: under the new values that step would have been an OOM kill.
        public var crossesLimit: Bool { limit.map { maxWorkingSet >= Double($0) } ?? false }
        /// Safe to propose as a cut: nothing above the request and the peak under the limit.
        public var allowsCut: Bool { stepsAbove == 0 && !crossesLimit }
    }

    public static func cpu(request: Double, limit: Double?, limitBefore: Double? = nil, loadFactor: Double = 1, usage: Observed.Usage) -> CPU {
        var result = CPU(request: request, limit: limit, limitBefore: limitBefore == limit ? nil : limitBefore,
                         loadFactor: loadFactor > 1 && loadFactor.isFinite ? loadFactor : 1, steps: usage.samples,
                         stepMinutes: usage.step.flatMap(Self.minutes), stepsAbove: nil, longestRunAbove: nil, exact: false,
                         stepsAtLimit: nil, throttledRatio: usage.throttledRatio)
        // A pod carrying `loadFactor` times today's load is above the request where today's is above this.
        let threshold = request / result.loadFactor
        if let max = usage.cpu["max"], threshold >= max {
            (result.stepsAbove, result.longestRunAbove, result.exact) = (0, 0, true)
        } else if let point = usage.cpuTail.last(where: { $0.cores <= threshold }) {
            (result.stepsAbove, result.longestRunAbove) = (point.steps, point.longestRun)
        }
        if let limit {
            if let max = usage.cpu["max"], limit >= max { result.stepsAtLimit = 0 } else {
                result.stepsAtLimit = usage.cpuTail.last { $0.cores <= limit }?.steps
            }
        }
        return result
    }

    public static func memory(request: Int64, limit: Int64?, usage: Observed.Usage) -> Memory? {
        guard let peak = usage.memory["max"] else { return nil }
        return Memory(request: request, limit: limit, maxWorkingSet: peak, steps: usage.samples,
                      stepsAbove: Double(request) >= peak ? 0 : nil, oomKills: usage.oomKills)
    }

    /// `5m` → 5, `1h` → 60; nil for no step or one of zero.
    static func minutes(_ step: String) -> Double? { Duration(step).flatMap { $0.seconds > 0 ? Double($0.seconds) / 60 : nil } }
}

extension Backtest.CPU {
    public var json: JSONValue {
        func minutes(_ steps: Int64?) -> JSONValue {
            guard let steps, let stepMinutes else { return .null }
            return .double(Double(steps) * stepMinutes)
        }
        return [
            "resource": "cpu", "request": .double(request), "limit": .optional(limit), "limitBefore": .optional(limitBefore),
            "loadFactor": .double((loadFactor * 10_000).rounded() / 10_000), "steps": .int(steps),
            "stepMinutes": .optional(stepMinutes), "stepsAbove": .optional(stepsAbove),
            "shareAbove": .optional(shareAbove.map { ($0 * 10_000).rounded() / 10_000 }),
            "podMinutesAbove": minutes(stepsAbove), "longestMinutesAbove": minutes(longestRunAbove),
            "bound": .string(exact ? "exact" : stepsAbove == nil ? "unknown" : "at most"),
            "stepsAtLimit": .optional(stepsAtLimit), "throttledRatio": .optional(throttledRatio),
            "throttledPodMinutes": throttledRatio.flatMap { ratio in
                stepMinutes.map { JSONValue.double((ratio * Double(steps) * $0).rounded()) } } ?? .null,
        ]
    }

    /// One line for people: `0.4% of steps (at most 24 pod-minutes, 10 in a row) above 250m`.
    public var summary: String {
        guard let stepsAbove else { return "steps above \(Units.cpu(request)): unknown (the usage record has no CPU tail)" }
        if stepsAbove == 0 { return "no step of the window above \(Units.cpu(request))" }
        let share = Double(stepsAbove) / Double(max(steps, 1)) * 100
        var text = "at most \(stepsAbove) of \(steps) pod-steps (\(share < 0.1 ? "<0.1" : String(format: "%.1f", share))%) above \(Units.cpu(request))"
        if loadFactor > 1 { text += " at \(String(format: "%.2f", loadFactor))× today's load per pod (the HPA's forecast runs fewer pods)" }
        let minutes = stepMinutes.flatMap { step in longestRunAbove.map { Double($0) * step } }
        if let minutes, minutes < 1e12 { text += ", the longest \(Int(minutes.rounded())) minutes in a row" }
        return text
    }
}

extension Backtest.Memory {
    public var json: JSONValue {
        [
            "resource": "memory", "request": .int(request), "limit": .optional(limit), "steps": .int(steps),
            "maxWorkingSet": .int(Int64(maxWorkingSet.rounded())), "stepsAbove": .optional(stepsAbove),
            "limitMargin": .optional(limitMargin.map { Int64($0.rounded()) }), "crossesLimit": .bool(crossesLimit),
            "oomKills": .int(oomKills),
        ]
    }

    public var summary: String {
        var text = stepsAbove == 0
            ? "no step of the window above \(Units.memory(request)) (peak working set \(Units.memory(bytes: maxWorkingSet)))"
            : "the peak working set \(Units.memory(bytes: maxWorkingSet)) is above \(Units.memory(request))"
        if let limit {
            text += crossesLimit ? "; the peak reaches the limit \(Units.memory(limit)): an OOM kill"
                : "; \(Units.memory(bytes: Double(limit) - maxWorkingSet)) below the limit \(Units.memory(limit))"
        }
        return text
    }
}

extension Backtest {
    /// A finding's `backtest` in sentences, for the evidence pack (empty when it has none).
    public static func lines(_ json: JSONValue?) -> [String] {
        guard let json else { return [] }
        switch json["resource"]?.stringValue {
        case "cpu":
            guard let request = json["request"]?.doubleValue, let steps = json["steps"]?.intValue else { return [] }
            // Read from a record: a step of zero minutes or a run beyond any window says nothing.
            let stepMinutes = json["stepMinutes"]?.doubleValue.flatMap { $0 > 0 && $0 < 1e6 ? $0 : nil }
            let run = json["longestMinutesAbove"]?.doubleValue.flatMap { minutes in
                stepMinutes.flatMap { step in (0...1e12).contains(minutes / step) ? Int64((minutes / step).rounded()) : nil } }
            let cpu = CPU(request: request, limit: json["limit"]?.doubleValue, limitBefore: json["limitBefore"]?.doubleValue,
                          loadFactor: json["loadFactor"]?.doubleValue ?? 1, steps: steps, stepMinutes: stepMinutes,
                          stepsAbove: json["stepsAbove"]?.intValue, longestRunAbove: run,
                          exact: json["bound"]?.stringValue == "exact", stepsAtLimit: json["stepsAtLimit"]?.intValue,
                          throttledRatio: json["throttledRatio"]?.doubleValue)
            var lines = ["CPU: " + cpu.summary + "."]
            if let limit = cpu.limit {
                var text: String
                if let before = cpu.limitBefore {
                    text = "CPU limit raised from \(Units.cpu(before)) to \(Units.cpu(limit))"
                    if let ratio = cpu.throttledRatio { text += "; throttled in \((ratio * 100).short)% of CFS periods under the old limit" }
                } else {
                    text = "CPU limit \(Units.cpu(limit)) unchanged"
                    if let atLimit = cpu.stepsAtLimit { text += ": at most \(atLimit) pod-step\(atLimit == 1 ? "" : "s") at or near it" }
                    if let ratio = cpu.throttledRatio { text += "; throttled in \((ratio * 100).short)% of CFS periods as measured" }
                    text += " (a request change does not change throttling)"
                }
                lines.append(text + ".")
            }
            return lines
        case "memory":
            guard let request = json["request"]?.intValue, let peak = json["maxWorkingSet"]?.doubleValue else { return [] }
            let memory = Memory(request: request, limit: json["limit"]?.intValue, maxWorkingSet: peak, steps: json["steps"]?.intValue ?? 0,
                                stepsAbove: json["stepsAbove"]?.intValue, oomKills: json["oomKills"]?.intValue ?? 0)
            return ["Memory: " + memory.summary + "."]
        default:
            return []
        }
    }
}
