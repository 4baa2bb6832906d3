import Foundation

/// What the CPU and memory right-sizing detectors share: which workloads qualify and how their basis reads.
enum Rightsizing {
    /// A workload worth right-sizing: not ignored, not a one-off Job (it is finished or will be replaced),
    /// running somewhere (else there is nothing to save now), and not crash-looping for a reason other than
    /// memory (a crashing container's usage is not its need).
    static func isCandidate(_ workload: Observed.Workload, _ context: DetectionContext) -> Bool {
        guard !context.isIgnored(workload), workload.key.kind != "Job", context.runningPods(workload.key) > 0 else { return false }
        return !context.cluster.pods(of: workload.key).contains { pod in
            pod.containers.contains { $0.waitingReason == "CrashLoopBackOff" && $0.lastTermination?.reason != "OOMKilled" }
        }
    }

    /// The HPA scaling this workload on CPU utilization, if any (an ignored HPA still scales it).
    static func cpuHPA(of workload: Observed.WorkloadKey, _ context: DetectionContext) -> Observed.HPA? {
        context.cluster.hpas(targeting: workload).first { $0.cpuTargetUtilization != nil }
    }

    /// `7d`, `14d`, `36h`: the window as people say it.
    static func windowText(_ usage: Observed.Usage) -> String {
        guard let hours = DetectionContext.windowHours(start: usage.windowStart, end: usage.windowEnd) else { return "the window" }
        return hours.truncatingRemainder(dividingBy: 24) == 0 ? "\(Int(hours / 24))d" : "\(Int(hours.rounded()))h"
    }

    /// A figure in a formula: six significant digits, enough to recompute the result by hand.
    static func figure(_ value: Double) -> String { String(format: "%.6g", value) }

    static func basis(_ usage: Observed.Usage, figures: [String: Double], extra: JSONValue) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("window", ["start": .optional(usage.windowStart), "end": .optional(usage.windowEnd), "step": .optional(usage.step)]),
            .init("samples", .int(usage.samples)),
            .init("usage", .object(figures.keys.sorted(by: percentileOrder).map { .init($0, .double(figures[$0]!)) })),
        ]
        if case .object(let more) = extra { members += more }
        return .object(members)
    }

    private static func percentileOrder(_ lhs: String, _ rhs: String) -> Bool {
        let order = ["p50", "p90", "p95", "p99", "max"]
        return (order.firstIndex(of: lhs) ?? 9, lhs) < (order.firstIndex(of: rhs) ?? 9, rhs)
    }
}
