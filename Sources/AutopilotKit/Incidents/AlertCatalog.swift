import Foundation

/// The alerts detect-incidents understands, and what their labels name. The names are the shipped rules'
/// (pipelines/alerting/prometheus-rules.yaml) and the kubernetes-mixin and node-mixin alerts that
/// kube-prometheus and kube-prometheus-stack install (their rule files are in fixtures/upstream-objects);
/// the label sets are the ones those rules produce, as the mixin's own unit tests expect them.
public enum AlertCatalog {
    public static let categories: [String: IncidentCategory] = [
        // The shipped rules.
        "KubePodCrashLooping": .crashloop, "KubeContainerOOMKilled": .oom, "KubePodEvicted": .eviction,
        "ContainerCPUNearLimit": .cpuSaturation, "ContainerCPUNearRequest": .cpuSaturation,
        "ContainerMemoryNearLimit": .memoryPressure, "ServiceLatencyHigh": .latency,
        // kubernetes-mixin: kubernetes-apps.
        "KubePodNotReady": .rollout, "KubeContainerWaiting": .rollout,
        "KubeDeploymentGenerationMismatch": .rollout, "KubeDeploymentReplicasMismatch": .rollout, "KubeDeploymentRolloutStuck": .rollout,
        "KubeStatefulSetReplicasMismatch": .rollout, "KubeStatefulSetGenerationMismatch": .rollout, "KubeStatefulSetUpdateNotRolledOut": .rollout,
        "KubeDaemonSetRolloutStuck": .rollout, "KubeDaemonSetNotScheduled": .rollout, "KubeDaemonSetMisScheduled": .rollout,
        "KubeJobFailed": .jobFailed, "KubeJobNotCompleted": .jobFailed,
        "KubeHpaMaxedOut": .capacity, "KubeHpaReplicasMismatch": .capacity,
        // kubernetes-resources.
        "KubeCPUOvercommit": .capacity, "KubeMemoryOvercommit": .capacity,
        "KubeCPUQuotaOvercommit": .capacity, "KubeMemoryQuotaOvercommit": .capacity, "CPUThrottlingHigh": .cpuSaturation,
        // kubernetes-storage.
        "KubePersistentVolumeFillingUp": .storage, "KubePersistentVolumeInodesFillingUp": .storage, "KubePersistentVolumeErrors": .storage,
        // kubernetes-system-kubelet.
        "KubeNodeNotReady": .nodeNotReady, "KubeNodeUnreachable": .nodeNotReady, "KubeNodeReadinessFlapping": .nodeNotReady,
        "KubeletDown": .nodeNotReady,
        // node-mixin (node-exporter).
        "NodeFilesystemSpaceFillingUp": .storage, "NodeFilesystemAlmostOutOfSpace": .storage,
        "NodeFilesystemFilesFillingUp": .storage, "NodeFilesystemAlmostOutOfFiles": .storage,
    ]

    /// The category an alert suggests: by name, or any name with "latency" in it.
    public static func category(of name: String) -> IncidentCategory? {
        categories[name] ?? (name.localizedCaseInsensitiveContains("latency") ? .latency : nil)
    }

    /// What an alert is about, and the object it names beside it; nil when its labels name nothing the
    /// cluster has. Beware the mixin's labels: `job` is Prometheus' scrape job (`kube-state-metrics`), a
    /// Kubernetes Job is `job_name`; on kube-state-metrics' node alerts `namespace`/`pod` are
    /// kube-state-metrics' own.
    static func subject(of alert: AlertRecord, _ category: IncidentCategory, _ context: IncidentContext)
        -> (subject: IncidentSubject, object: String?)?
    {
        let labels = alert.labels
        switch category {
        case .nodeNotReady:
            if let node = node(from: labels, context) { return (.node(node), nil) }
            // KubeletDown counts by cluster: no kubelet of the cluster answers.
            return labels["namespace"] == nil ? (.cluster, nil) : nil
        case .eviction:
            guard let workload = context.workload(fromLabels: labels) else { return labels["node"].map { (.node($0), nil) } }
            if let node = labels["pod"].flatMap({ context.pod(workload.namespace, $0)?.node }) { return (.node(node), nil) }
            return (.workload(workload), nil)
        case .storage:
            if let namespace = labels["namespace"], let claim = labels["persistentvolumeclaim"] {
                return claimant(namespace, claim, context).map { (.workload($0), "persistentvolumeclaim/\(claim)") }
            }
            if let volume = labels["persistentvolume"], let bound = context.cluster.volumes.first(where: { $0.name == volume }),
                let namespace = bound.claimNamespace, let claim = bound.claimName
            {
                return claimant(namespace, claim, context).map { (.workload($0), "persistentvolume/\(volume)") }
            }
            guard let node = node(from: labels, context) else { return nil }
            return (.node(node), labels["mountpoint"].map { "mountpoint \($0)" })
        case .capacity:
            if let namespace = labels["namespace"], let name = labels["horizontalpodautoscaler"] {
                guard let hpa = context.cluster.hpas.first(where: { $0.namespace == namespace && $0.name == name }) else { return nil }
                return (.workload(hpa.target), "horizontalpodautoscaler/\(name)")
            }
            // The overcommit alerts sum the cluster.
            return labels["namespace"] == nil && labels["pod"] == nil ? (.cluster, nil) : nil
        case .jobFailed:
            guard let namespace = labels["namespace"], let job = labels["job_name"] else { return nil }
            return self.job(namespace, job, context).map { (.workload($0), "job/\(job)") }
        default:
            if let workload = context.workload(fromLabels: labels) {
                return (.workload(workload), labels["reason"].map { "reason \($0)" })
            }
            return labels["node"].map { (.node($0), nil) }
        }
    }

    /// The node an alert names: `node`, else `instance` (node-exporter's, the node's name where
    /// kube-prometheus relabels it, else `IP:port`).
    static func node(from labels: [String: String], _ context: IncidentContext) -> String? {
        if let node = labels["node"] { return node }
        guard let instance = labels["instance"] else { return nil }
        if context.cluster.node(named: instance) != nil { return instance }
        let host = instance.lastIndex(of: ":").map { String(instance[..<$0]) } ?? instance
        return context.cluster.nodes.first { $0.name == host || $0.internalIP == host }?.name
    }

    /// The workload whose pods mount a claim.
    static func claimant(_ namespace: String, _ claim: String, _ context: IncidentContext) -> Observed.WorkloadKey? {
        context.cluster.pods.first { $0.namespace == namespace && $0.claims.contains(claim) }.map(ObservedCluster.workloadKey(of:))
    }

    /// A Job's workload: its pods' owner (the Job, or the CronJob that made it), else the CronJob whose
    /// name the Job's is (`nightly-29012340` → `nightly`).
    static func job(_ namespace: String, _ name: String, _ context: IncidentContext) -> Observed.WorkloadKey? {
        let job = Observed.WorkloadKey(namespace: namespace, kind: "Job", name: name)
        if context.cluster.workloads[job] != nil || !context.cluster.pods(of: job).isEmpty { return job }
        return context.workload(ofPod: name, namespace: namespace)
    }
}
