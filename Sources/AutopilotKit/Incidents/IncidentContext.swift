import Foundation

/// Thresholds of detect-incidents; the defaults are what the chaos scenarios are checked with.
public struct IncidentConfig: Sendable {
    /// Signals about one target further apart than this are separate incidents.
    public var gap: TimeInterval = 2 * 3600
    /// A rollout this long before the first crash is suspected of causing it.
    public var rolloutWindow: TimeInterval = 30 * 60
    /// Modified z-score above which a usage point is anomalous.
    public var anomalyThreshold = 3.5
    /// Throttled share of CPU periods that counts as saturation.
    public var throttledRatio = 0.25
    public init() {}
}

/// An `alert` record as receive-alerts writes it.
public struct AlertRecord: Sendable {
    /// The record's cluster (`unknown` when the alert carried no cluster label).
    public var cluster: String?
    public var name: String
    public var status: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date
    public var endsAt: Date?
    public var fingerprint: String

    public init(_ json: JSON) throws(RecordError) {
        labels = json["labels"]?.stringMap ?? [:]
        cluster = json["cluster"]?.string ?? labels["cluster"]
        guard let name = json["alertname"]?.string ?? labels["alertname"] else { throw RecordError("missing string field 'alertname'") }
        self.name = name
        status = json["status"]?.string ?? "firing"
        annotations = json["annotations"]?.stringMap ?? [:]
        guard let start = json["startsAt"]?.string.flatMap(RFC3339.date) else { throw RecordError("missing or bad time field 'startsAt'") }
        startsAt = start
        endsAt = json["endsAt"]?.string.flatMap(RFC3339.date)
        fingerprint = json["fingerprint"]?.string ?? labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// Everything the signal readers and root-cause analyzers look things up in.
public struct IncidentContext: Sendable {
    public let cluster: ObservedCluster
    public let alerts: [AlertRecord]
    public let config: IncidentConfig
    /// For findings: prices, the memory detector's rules, "now".
    public let detection: DetectionContext
    private let podIndex: [String: Int]
    /// Workloads by `namespace/name` (a Deployment and a StatefulSet may share a name).
    private let workloadIndex: [String: [Observed.WorkloadKey]]

    public init(cluster: ObservedCluster, alerts: [AlertRecord], config: IncidentConfig, detection: DetectionContext) {
        self.cluster = cluster
        self.alerts = alerts
        self.config = config
        self.detection = detection
        var index: [String: Int] = [:]
        for (position, pod) in cluster.pods.enumerated() { index["\(pod.namespace)/\(pod.name)"] = position }
        podIndex = index
        workloadIndex = Dictionary(grouping: cluster.workloads.keys) { "\($0.namespace)/\($0.name)" }
    }

    public var now: Date { detection.now }

    public func pod(_ namespace: String, _ name: String) -> Observed.Pod? { podIndex["\(namespace)/\(name)"].map { cluster.pods[$0] } }

    /// The workload a pod belongs to: from the pod's record, else (a pod already gone) the workload in its
    /// namespace whose name is the longest `<name>-` prefix of the pod's (`web-7d9f8c6b5-x2x9z` → `web`).
    public func workload(ofPod name: String, namespace: String) -> Observed.WorkloadKey? {
        if let pod = pod(namespace, name) { return pod.owner }
        // Drop one `-suffix` at a time, longest candidate first: a lookup per dash, not a scan of the cluster.
        var candidate = Substring(name)
        while let dash = candidate.lastIndex(of: "-") {
            candidate = candidate[..<dash]
            if let keys = workloadIndex["\(namespace)/\(candidate)"] { return keys.max { $0.kind < $1.kind } }
        }
        return nil
    }

    /// A workload named by an alert's labels: pod, then deployment/statefulset/daemonset, then a Service's
    /// selector.
    public func workload(fromLabels labels: [String: String]) -> Observed.WorkloadKey? {
        guard let namespace = labels["namespace"] else { return nil }
        if let pod = labels["pod"], let key = workload(ofPod: pod, namespace: namespace) { return key }
        for (label, kind) in [("deployment", "Deployment"), ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet")] {
            if let name = labels[label] { return Observed.WorkloadKey(namespace: namespace, kind: kind, name: name) }
        }
        if let serviceName = labels["service"], let service = cluster.services.first(where: { $0.namespace == namespace && $0.name == serviceName }) {
            return cluster.sortedWorkloads.first { service.selects(namespace: namespace, labels: $0.podLabels) }?.key
        }
        return nil
    }

    public func usage(_ workload: Observed.WorkloadKey, _ container: String?) -> Observed.Usage? {
        guard let byContainer = cluster.usage[workload] else { return nil }
        if let container { return byContainer[container] }
        return byContainer.count == 1 ? byContainer.values.first : nil
    }

    /// The time of point `index` of a usage record's series.
    public static func time(of index: Int, in series: Observed.Usage.Series) -> Date? {
        guard let start = RFC3339.date(series.start), let step = Duration(series.step) else { return nil }
        return start.addingTimeInterval(Double(index) * Double(step.seconds))
    }

    /// The workload's container spec (limits and requests as deployed).
    public func container(_ workload: Observed.WorkloadKey, _ name: String?) -> Observed.Container? {
        guard let spec = cluster.workloads[workload] else { return nil }
        if let name { return spec.longRunningContainers.first { $0.name == name } }
        return spec.longRunningContainers.first
    }
}
