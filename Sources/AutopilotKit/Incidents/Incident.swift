import Foundation

/// What kind of trouble an incident is. The raw value is the record's `category`.
public enum IncidentCategory: String, Sendable, CaseIterable {
    case oom
    case crashloop
    case eviction
    case cpuSaturation = "cpu-saturation"
    case memoryPressure = "memory-pressure"
    case nodeNotReady = "node-not-ready"
    case failedScheduling = "failed-scheduling"
    case latency
    /// A pod terminated from outside: deleted, not crashed, evicted or rolled.
    case disruption
    /// A CPU or memory anomaly in the usage series that no other signal explains.
    case anomaly
    /// A workload that does not reach what its spec asks: a rollout stuck, replicas missing, pods not
    /// ready, containers waiting (kubernetes-mixin's KubeDeploymentRolloutStuck, KubePodNotReady, …).
    case rollout
    /// A Job that failed or runs far too long (KubeJobFailed, KubeJobNotCompleted).
    case jobFailed = "job-failed"
    /// Too little room: an HPA at its maximum or short of its replicas, a cluster whose requests exceed
    /// what it holds with a node lost (KubeHpaMaxedOut, KubeCPUOvercommit, …).
    case capacity
    /// A volume or a node's filesystem filling up, or a volume that failed (KubePersistentVolumeFillingUp,
    /// NodeFilesystemSpaceFillingUp, …).
    case storage
}

/// What a signal or incident is about: a workload (and container), a node, or the whole cluster (an
/// alert about the sum of its requests, or about every kubelet at once).
public struct IncidentSubject: Hashable, Sendable, Comparable {
    public var namespace: String?
    public var workload: Observed.WorkloadKey?
    public var node: String?

    public static func workload(_ key: Observed.WorkloadKey) -> IncidentSubject { IncidentSubject(namespace: key.namespace, workload: key, node: nil) }
    public static func node(_ name: String) -> IncidentSubject { IncidentSubject(namespace: nil, workload: nil, node: name) }
    public static let cluster = IncidentSubject(namespace: nil, workload: nil, node: nil)

    public var isCluster: Bool { workload == nil && node == nil }

    public var key: String {
        if let workload { return "\(workload.namespace)/\(workload.kind)/\(workload.name)" }
        return node.map { "Node/\($0)" } ?? "Cluster"
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.key < rhs.key }
}

/// One observation that something went wrong (or supports a hypothesis): an alert, an event, a pod's
/// status, a node condition, a usage anomaly.
public struct Signal: Sendable {
    public enum Source: String, Sendable { case alert, event, pod, node, usage }

    public var source: Source
    /// The incident kind this signal suggests; nil for supporting evidence that never opens an incident
    /// on its own (a failed probe, a node's eviction threshold).
    public var category: IncidentCategory?
    /// Alert name, event reason, `OOMKilled`, `CrashLoopBackOff`, `cpu-anomaly`, …
    public var name: String
    /// When it began, from the data; nil when the data gave no readable time (never made up: such a
    /// signal belongs to its subject's latest incident, see `IncidentGrouping`).
    public var at: Date?
    /// When it stopped (an alert's endsAt, an anomaly's last point); nil while it lasts.
    public var until: Date?
    public var subject: IncidentSubject
    /// The pod it is about, `namespace/name`.
    public var pod: String?
    public var container: String?
    /// What an alert names beside its subject: the Job, claim or HPA of the workload (`job/nightly-29012`,
    /// `persistentvolumeclaim/data-db-0`, `horizontalpodautoscaler/web`), a node's filesystem
    /// (`mountpoint /var/lib/containerd`), a waiting container's reason.
    public var object: String?
    public var detail: String
    public var severity: Finding.Severity

    public init(source: Source, category: IncidentCategory?, name: String, at: Date?, until: Date? = nil, subject: IncidentSubject,
                pod: String? = nil, container: String? = nil, object: String? = nil, detail: String, severity: Finding.Severity = .warning) {
        self.source = source
        self.category = category
        self.name = name
        self.at = at
        self.until = until
        self.subject = subject
        self.pod = pod
        self.container = container
        self.object = object
        self.detail = detail
        self.severity = severity
    }

    public var json: JSONValue {
        [
            "source": .string(source.rawValue), "name": .string(name), "at": .optional(at.map(RFC3339.string)),
            "until": .optional(until.map(RFC3339.string)), "pod": .optional(pod), "container": .optional(container),
            "object": .optional(object), "detail": .string(detail),
        ]
    }
}

/// The analysis of an incident: the most likely cause, how sure, and the facts it rests on.
public struct RootCause: Sendable {
    /// A stable name: `bad-rollout`, `memory-limit-too-low`, `memory-leak`, `node-failure`, …
    public var hypothesis: String
    public var summary: String
    public var confidence: Double
    public var evidence: [String]

    public init(_ hypothesis: String, summary: String, confidence: Double, evidence: [String]) {
        self.hypothesis = hypothesis
        self.summary = summary
        self.confidence = confidence
        self.evidence = evidence
    }

    public var json: JSONValue {
        ["hypothesis": .string(hypothesis), "summary": .string(summary), "confidence": .double((confidence * 100).rounded() / 100),
         "evidence": .strings(evidence)]
    }
}

/// One thing to do about an incident; a resource change carries the `finding` emit-pr turns into a PR.
public struct IncidentAction: Sendable {
    /// `rollback`, `raise-memory`, `raise-cpu`, `add-replicas`, `replace-node`, `investigate-memory-leak`, …
    public var type: String
    public var summary: String
    /// A command an engineer can run (kubectl), when one does it.
    public var command: String?
    public var finding: Finding?

    public init(_ type: String, summary: String, command: String? = nil, finding: Finding? = nil) {
        self.type = type
        self.summary = summary
        self.command = command
        self.finding = finding
    }

    public var json: JSONValue {
        ["type": .string(type), "summary": .string(summary), "command": .optional(command), "findingId": .optional(finding?.id)]
    }
}

/// An `incident` record: signals about one target in one stretch of time, classified, with a root cause
/// and actions.
public struct Incident: Sendable {
    public var cluster: String
    public var category: IncidentCategory
    public var subject: IncidentSubject
    public var signals: [Signal]
    public var team: String = "unassigned"
    /// The container most signals name, for workload incidents.
    public var container: String?
    public var rootCause: RootCause?
    public var actions: [IncidentAction] = []
    /// Pods (namespace/name) the incident touched.
    public var affectedPods: [String] = []
    /// Workloads (namespace/Kind/name) the incident touched, for node incidents.
    public var affectedWorkloads: [String] = []

    public init(cluster: String, category: IncidentCategory, subject: IncidentSubject, signals: [Signal]) {
        self.cluster = cluster
        self.category = category
        self.subject = subject
        self.signals = signals
    }

    /// The first moment a signal speaks of; nil when none has a readable time.
    public var start: Date? { signals.compactMap(\.at).min() }
    /// The last moment a signal speaks of.
    public var end: Date? { signals.compactMap { signal in signal.at.map { max($0, signal.until ?? $0) } }.max() }
    /// Firing while any alert in it fires (an alert without an end); resolved when all its alerts resolved.
    public var status: String {
        let alerts = signals.filter { $0.source == .alert }
        if alerts.isEmpty { return "observed" }
        return alerts.contains { $0.until == nil } ? "firing" : "resolved"
    }
    public var severity: Finding.Severity { signals.map(\.severity).max() ?? .warning }

    /// Stable: the same trouble, starting at the same time, keeps its id from run to run.
    public var id: String {
        "i-" + StableHash.fnv1a64([cluster, category.rawValue, subject.key, start.map(RFC3339.string) ?? "no time"].joined(separator: "\u{1f}"))
    }

    public var target: JSONValue {
        if let workload = subject.workload {
            return ["kind": .string(workload.kind), "name": .string(workload.name), "container": .optional(container)]
        }
        if let node = subject.node { return ["kind": "Node", "name": .string(node), "container": .null] }
        return ["kind": "Cluster", "name": .string(cluster), "container": .null]
    }

    public var summary: String {
        let what = subject.workload.map { "\($0.kind.lowercased()) \($0)" + (container.map { " container \($0)" } ?? "") }
            ?? subject.node.map { "node \($0)" } ?? "cluster \(cluster)"
        return "\(category.rawValue) on \(what)" + (rootCause.map { ": \($0.summary)" } ?? "")
    }

    public var json: JSONValue {
        // Signals without a time last.
        let ordered = signals.sorted {
            ($0.at ?? .distantFuture, $0.source.rawValue, $0.name, $0.pod ?? "") < ($1.at ?? .distantFuture, $1.source.rawValue, $1.name, $1.pod ?? "")
        }
        return [
            "kind": "incident", "cluster": .string(cluster), "id": .string(id), "category": .string(category.rawValue),
            "severity": .string(severity.rawValue), "status": .string(status), "namespace": .optional(subject.namespace),
            "target": target, "team": .string(team), "start": .optional(start.map(RFC3339.string)), "end": .optional(end.map(RFC3339.string)),
            "summary": .string(summary), "signals": .array(ordered.map(\.json)),
            "affected": ["pods": .strings(affectedPods), "workloads": .strings(affectedWorkloads)],
            "rootCause": rootCause?.json ?? .null, "actions": .array(actions.map(\.json)),
        ]
    }
}
