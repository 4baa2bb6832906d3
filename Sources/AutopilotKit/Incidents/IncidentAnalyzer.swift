import Foundation

/// Finds the root cause of one category of incident and what to do about it. One analyzer a file.
public protocol IncidentAnalyzer: Sendable {
    var category: IncidentCategory { get }
    /// Fills in `rootCause` and `actions`; returns false when the signals turn out to be no incident (pods
    /// stopped by a rollout the workload's owners made).
    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool
}

public enum IncidentAnalyzers {
    public static let all: [any IncidentAnalyzer] = [
        OOMAnalyzer(), CrashLoopAnalyzer(), EvictionAnalyzer(), CPUSaturationAnalyzer(), MemoryPressureAnalyzer(),
        NodeNotReadyAnalyzer(), FailedSchedulingAnalyzer(), LatencyAnalyzer(), DisruptionAnalyzer(), AnomalyAnalyzer(),
        RolloutAnalyzer(), JobFailedAnalyzer(), CapacityAnalyzer(), StorageAnalyzer(),
    ]

    public static func analyzer(for category: IncidentCategory) -> (any IncidentAnalyzer)? { all.first { $0.category == category } }
}

/// What several analyzers ask of an incident and the cluster.
extension Incident {
    /// The container most of the signals name.
    var mainContainer: String? {
        var counts: [String: Int] = [:]
        for name in signals.compactMap(\.container) { counts[name, default: 0] += 1 }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    /// Pods named by the signals, `namespace/name`, sorted.
    var podsNamed: [String] { Set(signals.compactMap(\.pod)).sorted() }

    /// The first `count` alerts' details (their summaries), for evidence.
    func alertDetails(_ count: Int) -> [String] { Array(signals.filter { $0.source == .alert }.map(\.detail).prefix(count)) }

    /// The names of what the alerts name beside the subject, of one kind: `objects("job/")` → the Jobs
    /// (see `Signal.object`).
    func objects(_ prefix: String) -> [String] {
        signals.compactMap { signal in signal.object.flatMap { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : nil } }
    }

    func first(_ names: Set<String>) -> Signal? {
        signals.filter { names.contains($0.name) }.min { ($0.at ?? .distantFuture) < ($1.at ?? .distantFuture) }
    }
}

enum IncidentFacts {
    /// The workload's current revision, if it rolled out shortly before `time` (within the window, or
    /// up to 5 minutes after: events and alerts lag the rollout they follow).
    static func rollout(before time: Date?, of workload: Observed.WorkloadKey, _ context: IncidentContext) -> Observed.Workload.Rollout? {
        guard let time, let rollout = context.cluster.workloads[workload]?.rollout, let started = rollout.startedAt.flatMap(RFC3339.date) else { return nil }
        let lead = time.timeIntervalSince(started)
        return lead <= context.config.rolloutWindow && lead >= -300 ? rollout : nil
    }

    /// Restarts of one container over the workload's pods.
    static func restarts(_ workload: Observed.WorkloadKey, _ container: String?, _ context: IncidentContext) -> Int64 {
        context.cluster.pods(of: workload).flatMap(\.containers).filter { container == nil || $0.name == container }.reduce(0) { $0 + $1.restarts }
    }

    /// `-n 'shop' deployment/'cart'`, names quoted for the shell.
    /// Cordon and drain a node, its name quoted: the node group or NodePool replaces it.
    static func drainCommand(_ node: String) -> String {
        "kubectl cordon \(Shell.quoted(node)) && kubectl drain \(Shell.quoted(node)) --ignore-daemonsets --delete-emptydir-data --timeout=10m"
    }

    static func kubectlTarget(_ workload: Observed.WorkloadKey) -> String {
        "-n \(Shell.quoted(workload.namespace)) \(workload.kind.lowercased())/\(Shell.quoted(workload.name))"
    }

    /// `pod -n 'shop' 'web-7d9f-x2'`: an object for a kubectl command, names quoted for the shell (they come
    /// from the cluster).
    static func kubectlObject(_ kind: String, _ namespace: String, _ name: String) -> String {
        "\(kind.lowercased()) -n \(Shell.quoted(namespace)) \(Shell.quoted(name))"
    }

    /// `42%`. A ratio over nothing (a limit of 0 from the cluster) or beyond any sense is no number to
    /// print, and never a crash.
    static func percent(_ ratio: Double) -> String {
        ratio.isFinite && abs(ratio) < 1e12 ? "\(Int((ratio * 100).rounded()))%" : "n/a"
    }

    /// `45m`, `3h`, `2h30m`; beyond a century (a limit of exabytes at a byte an hour) it says so.
    static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, abs(seconds) < 100 * 365 * 86_400 else { return "more than a century" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes)m" }
        return minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes / 60)h\(minutes % 60)m"
    }

    /// The time of a usage series' point, as text.
    static func time(_ index: Int, _ series: Observed.Usage.Series) -> String {
        IncidentContext.time(of: index, in: series).map(RFC3339.string) ?? "point \(index)"
    }

    /// Bytes per hour from a per-step slope.
    static func perHour(_ slopePerStep: Double, _ series: Observed.Usage.Series) -> Double {
        slopePerStep * 3600 / Double(Duration(series.step)?.seconds ?? 3600)
    }
}
