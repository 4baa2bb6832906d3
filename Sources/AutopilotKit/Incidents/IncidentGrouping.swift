import Foundation

/// Signals become incidents in three passes:
/// 1. signals that suggest a category are bucketed by (category, subject) and cut into episodes where
///    they are more than `gap` apart;
/// 2. an incident absorbs the overlapping incidents of the same subject that are its symptoms (an OOM
///    kill's crash loop and memory alert, a NotReady node's evictions, a throttled container's latency,
///    the stuck rollout or failed Job of crashing pods, the missing replicas of pods that cannot be placed);
/// 3. supporting signals (probe failures, node conditions, anomalies) join the incident of their subject
///    they overlap; anomalies that join nothing are `anomaly` incidents of their own.
public enum IncidentGrouping {
    /// What each category takes in, strongest cause first: the order of the absorbing pass.
    static let absorbs: [(IncidentCategory, Set<IncidentCategory>)] = [
        (.nodeNotReady, [.eviction, .disruption]),
        (.oom, [.crashloop, .memoryPressure, .disruption, .anomaly, .rollout, .jobFailed]),
        (.crashloop, [.disruption, .latency, .anomaly, .rollout, .jobFailed]),
        (.cpuSaturation, [.latency, .anomaly, .disruption]),
        (.eviction, [.disruption]),
        (.memoryPressure, [.anomaly]),
        (.latency, [.anomaly, .disruption]),
        (.failedScheduling, [.rollout, .capacity]),
        (.disruption, [.anomaly]),
    ]

    public static func incidents(_ signals: [Signal], cluster: String, gap: TimeInterval) -> [Incident] {
        var buckets: [String: [Signal]] = [:]
        var supporting: [Signal] = []
        for signal in signals {
            guard let category = signal.category else {
                supporting.append(signal)
                continue
            }
            buckets["\(category.rawValue)\u{1f}\(signal.subject.key)", default: []].append(signal)
        }
        var incidents: [Incident] = []
        for key in buckets.keys.sorted() {
            let bucket = buckets[key]!
            let category = bucket[0].category!
            for episode in episodes(bucket, gap: gap) {
                incidents.append(Incident(cluster: cluster, category: category, subject: bucket[0].subject, signals: episode))
            }
        }
        absorb(&incidents, gap: gap)
        // Anomalies left alone stay incidents; other supporting signals join or are dropped.
        for signal in supporting {
            if let index = incidents.firstIndex(where: { $0.subject == signal.subject && overlaps($0, signal, gap: gap) }) {
                incidents[index].signals.append(signal)
            }
        }
        return incidents.sorted {
            ($0.start ?? .distantFuture, $0.category.rawValue, $0.subject) < ($1.start ?? .distantFuture, $1.category.rawValue, $1.subject)
        }
    }

    /// Cuts signals, in time order, where the next starts more than `gap` after everything before it
    /// ended. Signals without a time join the last episode: what the snapshot shows now belongs with the
    /// latest trouble.
    static func episodes(_ signals: [Signal], gap: TimeInterval) -> [[Signal]] {
        var result: [[Signal]] = []
        var reach = Date.distantPast
        for signal in signals.filter({ $0.at != nil }).sorted(by: { $0.at! < $1.at! }) {
            let at = signal.at!
            if result.isEmpty || at.timeIntervalSince(reach) > gap { result.append([]) }
            result[result.count - 1].append(signal)
            reach = max(reach, signal.until ?? at, at)
        }
        let timeless = signals.filter { $0.at == nil }
        if !timeless.isEmpty {
            if result.isEmpty { result.append([]) }
            result[result.count - 1] += timeless
        }
        return result
    }

    static func absorb(_ incidents: inout [Incident], gap: TimeInterval) {
        for (category, takes) in absorbs {
            var index = 0
            while index < incidents.count {
                guard incidents[index].category == category else {
                    index += 1
                    continue
                }
                var other = 0
                while other < incidents.count {
                    let candidate = incidents[other]
                    if other != index, takes.contains(candidate.category), related(incidents[index], candidate),
                        overlaps(incidents[index], candidate, gap: gap)
                    {
                        incidents[index].signals += candidate.signals
                        incidents.remove(at: other)
                        if other < index { index -= 1 }
                    } else {
                        other += 1
                    }
                }
                index += 1
            }
        }
    }

    /// Only incidents about the same workload or node absorb each other.
    static func related(_ incident: Incident, _ candidate: Incident) -> Bool { incident.subject == candidate.subject }

    /// Without a time on either side, the same subject is enough.
    static func overlaps(_ incident: Incident, _ signal: Signal, gap: TimeInterval) -> Bool {
        guard let at = signal.at, let start = incident.start, let end = incident.end else { return true }
        return at <= end.addingTimeInterval(gap) && (signal.until ?? at) >= start.addingTimeInterval(-gap)
    }

    static func overlaps(_ incident: Incident, _ other: Incident, gap: TimeInterval) -> Bool {
        guard let start = incident.start, let end = incident.end, let otherStart = other.start, let otherEnd = other.end else { return true }
        return otherStart <= end.addingTimeInterval(gap) && otherEnd >= start.addingTimeInterval(-gap)
    }
}
