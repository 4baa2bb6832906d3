import Foundation

/// Turns the stream's alerts, events, pod and node statuses and usage series into signals, each about a
/// workload, a node or the cluster, at a time taken from the data.
public enum SignalReader {
    public static func signals(_ context: IncidentContext) -> (signals: [Signal], unknownAlerts: [String]) {
        var signals: [Signal] = []
        let (fromAlerts, unknown) = alertSignals(context)
        signals += fromAlerts
        signals += eventSignals(context)
        signals += podSignals(context)
        signals += nodeSignals(context)
        signals += usageSignals(context)
        return (signals, unknown)
    }

    // MARK: Alerts

    /// One signal per alert (Alertmanager repeats notifications: the same fingerprint and start is one
    /// alert, resolved if any notification said so).
    static func alertSignals(_ context: IncidentContext) -> ([Signal], [String]) {
        var latest: [String: AlertRecord] = [:]
        for alert in context.alerts {
            let key = "\(alert.fingerprint)@\(alert.startsAt.timeIntervalSince1970)"
            if let seen = latest[key], seen.status == "resolved" { continue }
            latest[key] = alert
        }
        var signals: [Signal] = []
        var unknown = Set<String>()
        for key in latest.keys.sorted() {
            let alert = latest[key]!
            guard let category = AlertCatalog.category(of: alert.name) else {
                unknown.insert(alert.name)
                continue
            }
            guard let (subject, object) = AlertCatalog.subject(of: alert, category, context) else {
                unknown.insert("\(alert.name) (no pod, workload, service, claim, HPA, Job or node label that matches the cluster)")
                continue
            }
            // A node alert's `pod` and `container` are the exporter's own (kube-state-metrics, node-exporter); an
            // eviction's pod is the evicted one.
            let aboutWorkload = subject.workload != nil
            let pod = aboutWorkload || category == .eviction ? alert.labels["pod"].map { "\(alert.labels["namespace"] ?? "")/\($0)" } : nil
            let severity: Finding.Severity = alert.labels["severity"] == "critical" ? .critical : .warning
            let text = alert.annotations["summary"] ?? alert.annotations["description"] ?? alert.name
            signals.append(Signal(source: .alert, category: category, name: alert.name, at: alert.startsAt,
                                  until: alert.status == "resolved" ? (alert.endsAt ?? alert.startsAt) : nil, subject: subject,
                                  pod: pod, container: aboutWorkload ? alert.labels["container"] : nil, object: object,
                                  detail: "\(alert.status) alert \(alert.name): \(text)", severity: severity))
        }
        return (signals, unknown.sorted())
    }

    // MARK: Events

    static func eventSignals(_ context: IncidentContext) -> [Signal] {
        var signals: [Signal] = []
        for event in context.cluster.events {
            guard let reason = event.reason else { continue }
            // No readable time: the signal has none (detect-incidents warned at the record's line).
            let at = (event.lastTimestamp ?? event.firstTimestamp).flatMap(RFC3339.date)
            let first = event.firstTimestamp.flatMap(RFC3339.date) ?? at
            let message = event.message ?? ""
            let times = event.count > 1 ? " (×\(event.count)\(first.map { " since \(RFC3339.string($0))" } ?? ""))" : ""
            if event.objectKind == "Node", let node = event.objectName {
                let category: IncidentCategory?
                switch reason {
                case "NodeNotReady": category = .nodeNotReady
                case "EvictionThresholdMet", "NodeHasInsufficientMemory", "NodeHasDiskPressure", "SpotInterrupted",
                    "TerminatingOnInterruption", "InstanceTerminating", "OOMKilling", "SystemOOM":
                    category = nil
                default: continue
                }
                signals.append(Signal(source: .event, category: category, name: reason, at: first, until: at, subject: .node(node),
                                      detail: "event \(reason) on node \(node): \(message)\(times)",
                                      severity: category == .nodeNotReady ? .critical : .warning))
                continue
            }
            guard event.objectKind == "Pod", let podName = event.objectName, let namespace = event.namespace,
                let workload = context.workload(ofPod: podName, namespace: namespace)
            else { continue }
            let container = event.fieldPath.flatMap(Self.containerName)
            let pod = context.pod(namespace, podName)
            var subject = IncidentSubject.workload(workload)
            let category: IncidentCategory?
            switch reason {
            case "BackOff" where message.contains("restarting failed container"): category = .crashloop
            case "OOMKilled", "OOMKilling": category = .oom
            case "Evicted":
                category = .eviction
                if let node = pod?.node ?? event.host { subject = .node(node) }
            case "TaintManagerEviction":
                // The node went away and its pods are being deleted: the node's incident.
                guard let node = pod?.node ?? event.host else { continue }
                category = nil
                subject = .node(node)
            case "FailedScheduling": category = .failedScheduling
            case "Killing": category = .disruption
            case "Unhealthy", "ProbeWarning": category = nil
            default: continue
            }
            signals.append(Signal(source: .event, category: category, name: reason, at: category == .disruption ? at : first,
                                  until: at, subject: subject, pod: "\(namespace)/\(podName)", container: container,
                                  detail: "event \(reason) on pod \(namespace)/\(podName): \(message)\(times)",
                                  severity: category == .crashloop || category == .oom ? .critical : .warning))
        }
        return signals
    }

    /// `spec.containers{api}` → `api`.
    static func containerName(_ fieldPath: String) -> String? {
        guard let open = fieldPath.firstIndex(of: "{"), let close = fieldPath.lastIndex(of: "}"), open < close else { return nil }
        return String(fieldPath[fieldPath.index(after: open)..<close])
    }

    // MARK: Pods and nodes

    static func podSignals(_ context: IncidentContext) -> [Signal] {
        var signals: [Signal] = []
        for pod in context.cluster.pods {
            let workload = ObservedCluster.workloadKey(of: pod)
            let name = "\(pod.namespace)/\(pod.name)"
            for container in pod.containers {
                let terminated = container.lastTermination?.at.flatMap(RFC3339.date)
                if container.lastTermination?.reason == "OOMKilled", let terminated {
                    signals.append(Signal(source: .pod, category: .oom, name: "OOMKilled", at: terminated, subject: .workload(workload),
                                          pod: name, container: container.name,
                                          detail: "pod \(name) container \(container.name) last terminated OOMKilled (exit code \(container.lastTermination?.exitCode ?? 137)), \(container.restarts) restarts",
                                          severity: .critical))
                }
                if container.waitingReason == "CrashLoopBackOff" {
                    signals.append(Signal(source: .pod, category: .crashloop, name: "CrashLoopBackOff", at: terminated,
                                          subject: .workload(workload), pod: name, container: container.name,
                                          detail: "pod \(name) container \(container.name) waiting in CrashLoopBackOff after \(container.restarts) restarts"
                                            + ((container.lastTermination?.reason).map { ", last exit \($0) (code \(container.lastTermination?.exitCode.map(String.init) ?? "?"))" } ?? ""),
                                          severity: .critical))
                }
            }
            if pod.reason == "Evicted", let node = pod.node {
                // The eviction's time from the pod's conditions (its event may have expired); else none.
                let at = pod.reasonSince.flatMap(RFC3339.date)
                signals.append(Signal(source: .pod, category: .eviction, name: "Evicted", at: at,
                                      subject: .node(node), pod: name, detail: "pod \(name) evicted from \(node): \(pod.message ?? "")"))
            }
            if pod.phase == "Pending", pod.reason == "Unschedulable" {
                signals.append(Signal(source: .pod, category: .failedScheduling, name: "Unschedulable",
                                      at: (pod.reasonSince ?? pod.createdAt).flatMap(RFC3339.date), subject: .workload(workload), pod: name,
                                      detail: "pod \(name) pending, unschedulable: \(pod.message ?? "")"))
            }
        }
        return signals
    }

    static func nodeSignals(_ context: IncidentContext) -> [Signal] {
        context.cluster.nodes.filter { !$0.ready }.map { node in
            Signal(source: .node, category: .nodeNotReady, name: "NotReady", at: node.readyCondition?.since.flatMap(RFC3339.date),
                   subject: .node(node.name), detail: "node \(node.name) not Ready since \(node.readyCondition?.since ?? "an unknown time")"
                       + (node.pressures.isEmpty ? "" : "; conditions \(node.pressures.joined(separator: ", "))"),
                   severity: .critical)
        }
    }

    // MARK: Usage

    /// One signal per CPU or memory anomaly of a container's series (see `RobustAnomaly`).
    static func usageSignals(_ context: IncidentContext) -> [Signal] {
        var signals: [Signal] = []
        for workload in context.cluster.usage.keys.sorted() {
            for (container, usage) in context.cluster.usage[workload]!.sorted(by: { $0.key < $1.key }) {
                guard let series = usage.series else { continue }
                for (resource, values) in [("cpu", series.cpu), ("memory", series.memory)] {
                    for anomaly in RobustAnomaly.detect(values, threshold: context.config.anomalyThreshold) {
                        guard let start = IncidentContext.time(of: anomaly.first, in: series),
                            let end = IncidentContext.time(of: anomaly.last, in: series),
                            let peakAt = IncidentContext.time(of: anomaly.peakIndex, in: series)
                        else { continue }
                        let figure = { (value: Double) in resource == "cpu" ? Units.cpu(value) : Units.memory(bytes: value) }
                        signals.append(Signal(source: .usage, category: .anomaly, name: "\(resource)-anomaly", at: start, until: end,
                                              subject: .workload(workload), container: container,
                                              detail: "\(resource) anomaly \(RFC3339.string(start))–\(RFC3339.string(end)): peak \(figure(anomaly.peak)) at \(RFC3339.string(peakAt)) against a median of \(figure(anomaly.median)) (modified z-score \(String(format: "%.1f", anomaly.score)))",
                                              severity: .info))
                    }
                }
            }
        }
        return signals
    }
}
