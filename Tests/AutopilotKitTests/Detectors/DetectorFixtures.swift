import Foundation
import XCTest
@testable import AutopilotKit

/// Builders for detector tests: realistic EKS nodes, pods, workloads and usage, all in code.
enum Fixtures {
    static let now = RFC3339.date("2026-11-20T12:00:00Z")!
    static let mib: Int64 = 1_048_576
    static let gib: Int64 = 1_073_741_824

    /// m6i.2xlarge on EKS: 8 vCPU / 32 GiB, allocatable 7910m and about 30 GiB.
    static let m6i2xlargeCPU = 7.91
    static let m6i2xlargeMemory: Int64 = 32_126_556_160
    /// m5.xlarge on EKS: 4 vCPU / 16 GiB, allocatable 3920m and 14784948Ki.
    static let m5xlargeCPU = 3.92
    static let m5xlargeMemory: Int64 = 15_139_786_752
    /// m6i.4xlarge on EKS: 16 vCPU / 64 GiB, allocatable 15890m and about 58.6 GiB.
    static let m6i4xlargeCPU = 15.89
    static let m6i4xlargeMemory: Int64 = 62_912_000_000

    // MARK: Cluster and context

    static func cluster() -> ObservedCluster {
        var cluster = ObservedCluster()
        cluster.name = "test"
        return cluster
    }

    static func context(_ cluster: ObservedCluster, config: DetectionConfig = DetectionConfig()) -> DetectionContext {
        DetectionContext(cluster: cluster, config: config, now: now)
    }

    /// An RFC 3339 time `days` before `now`.
    static func daysAgo(_ days: Double) -> String { RFC3339.string(now.addingTimeInterval(-days * 86_400)) }

    // MARK: Nodes

    static func node(_ name: String, type: String? = "m6i.2xlarge", region: String? = "us-east-1", zone: String? = "us-east-1a",
                     capacityType: String? = "on-demand", nodepool: String? = nil, nodegroup: String? = nil,
                     cpu: Double? = nil, memory: Int64? = nil, labels: [String: String] = [:], taints: [Observed.Taint] = [],
                     ready: Bool = true, unschedulable: Bool = false) -> Observed.Node {
        let defaults: (cpu: Double, memory: Int64)
        switch type ?? "" {
        case "m5.xlarge": defaults = (m5xlargeCPU, m5xlargeMemory)
        case "m6i.4xlarge": defaults = (m6i4xlargeCPU, m6i4xlargeMemory)
        default: defaults = (m6i2xlargeCPU, m6i2xlargeMemory)
        }
        var allLabels = ["kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"]
        if let type { allLabels["node.kubernetes.io/instance-type"] = type }
        if let zone { allLabels["topology.kubernetes.io/zone"] = zone }
        if let nodepool { allLabels["karpenter.sh/nodepool"] = nodepool }
        for (key, value) in labels { allLabels[key] = value }
        return Observed.Node(
            name: name, instanceType: type, region: region, zone: zone, capacityType: capacityType, nodepool: nodepool,
            nodegroup: nodegroup, allocatable: Observed.Resources(cpu: cpu ?? defaults.cpu, memory: memory ?? defaults.memory),
            labels: allLabels, taints: taints, ready: ready, unschedulable: unschedulable)
    }

    static func nodeUsage(_ node: String, samples: Int64 = 2016, cpuP95: Double, memoryP95: Double) -> Observed.NodeUsage {
        Observed.NodeUsage(node: node, samples: samples, cpu: ["p50": cpuP95 / 2, "p95": cpuP95, "max": cpuP95 * 1.2],
                           memory: ["p50": memoryP95 * 0.9, "p95": memoryP95, "max": memoryP95 * 1.05])
    }

    // MARK: Workloads and pods

    static func deployment(_ name: String, namespace: String = "apps") -> Observed.WorkloadKey {
        Observed.WorkloadKey(namespace: namespace, kind: "Deployment", name: name)
    }

    static func daemonSet(_ name: String, namespace: String = "kube-system") -> Observed.WorkloadKey {
        Observed.WorkloadKey(namespace: namespace, kind: "DaemonSet", name: name)
    }

    static func container(_ name: String = "app", cpu: Double? = nil, memory: Int64? = nil, cpuLimit: Double? = nil,
                          memoryLimit: Int64? = nil, restarts: Int64 = 0, lastTerminationReason: String? = nil,
                          waitingReason: String? = nil) -> Observed.Container {
        Observed.Container(
            name: name, requests: Observed.Resources(cpu: cpu, memory: memory), limits: Observed.Resources(cpu: cpuLimit, memory: memoryLimit),
            restarts: restarts, lastTermination: lastTerminationReason.map { Observed.Termination(reason: $0) }, waitingReason: waitingReason)
    }

    static func workload(_ key: Observed.WorkloadKey, replicas: Int64 = 1, containers: [Observed.Container],
                         labels: [String: String] = [:], annotations: [String: String] = [:],
                         team: String = "payments") -> Observed.Workload {
        Observed.Workload(key: key, desiredReplicas: replicas, containers: containers, labels: labels, annotations: annotations,
                          podLabels: ["app": key.name], team: team)
    }

    static func pod(_ name: String, of owner: Observed.WorkloadKey?, namespace: String? = nil, on node: String?,
                    containers: [Observed.Container], phase: String = "Running", labels: [String: String]? = nil,
                    annotations: [String: String] = [:], nodeSelector: [String: String] = [:],
                    tolerations: [Observed.Toleration] = [], affinityTerms: [[Observed.NodeSelectorRequirement]] = [],
                    claims: [String] = []) -> Observed.Pod {
        var pod = Observed.Pod(
            namespace: namespace ?? owner?.namespace ?? "apps", name: name, node: node, phase: phase, owner: owner,
            containers: containers, labels: labels ?? owner.map { ["app": $0.name] } ?? [:], annotations: annotations,
            nodeSelector: nodeSelector, tolerations: tolerations, affinityTerms: affinityTerms.map { Observed.NodeSelectorTerm(matchExpressions: $0) })
        pod.claims = claims
        return pod
    }

    /// A one-container pod requesting `cpu` cores and `memory` bytes.
    static func pod(_ name: String, of owner: Observed.WorkloadKey?, on node: String?, cpu: Double, memory: Int64,
                    labels: [String: String]? = nil, annotations: [String: String] = [:], nodeSelector: [String: String] = [:],
                    tolerations: [Observed.Toleration] = [], claims: [String] = []) -> Observed.Pod {
        pod(name, of: owner, on: node, containers: [container("app", cpu: cpu, memory: memory)], labels: labels,
            annotations: annotations, nodeSelector: nodeSelector, tolerations: tolerations, claims: claims)
    }

    // MARK: Usage

    /// Percentile figures as usage records carry them; absent ones are left out.
    static func figures(p50: Double? = nil, p90: Double? = nil, p95: Double? = nil, p99: Double? = nil,
                        max peak: Double? = nil) -> [String: Double] {
        var result: [String: Double] = [:]
        if let p50 { result["p50"] = p50 }
        if let p90 { result["p90"] = p90 }
        if let p95 { result["p95"] = p95 }
        if let p99 { result["p99"] = p99 }
        if let peak { result["max"] = peak }
        return result
    }

    /// CPU figures shaped from a p95: p50 60%, p90 90%, p99 120%, max 150% of it.
    static func cpuFigures(p95: Double) -> [String: Double] {
        figures(p50: p95 * 0.6, p90: p95 * 0.9, p95: p95, p99: p95 * 1.2, max: p95 * 1.5)
    }

    /// Memory figures (bytes) shaped from the max working set.
    static func memoryFigures(max peak: Double) -> [String: Double] {
        figures(p50: peak * 0.8, p90: peak * 0.9, p95: peak * 0.95, p99: peak * 0.98, max: peak)
    }

    static func usage(_ key: Observed.WorkloadKey, container: String = "app", samples: Int64 = 2016, cpu: [String: Double] = [:],
                      memory: [String: Double] = [:], oomKills: Int64 = 0) -> Observed.Usage {
        // A week ending at `now`, as the demo's Prometheus fixture has.
        Observed.Usage(workload: key, container: container, samples: samples, cpu: cpu, memory: memory, oomKills: oomKills,
                       window: (daysAgo(7), RFC3339.string(now)))
    }
}
