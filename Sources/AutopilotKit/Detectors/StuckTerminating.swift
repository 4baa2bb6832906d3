import Foundation

/// Objects whose deletion began and did not finish: nodes, volumes (or their claims) and pods still there `after` (1h) past
/// their `deletionTimestamp` (for a pod, the end of its grace period). Something holds each: a finalizer
/// whose controller has not finished (named, with what it waits for), or for a pod without one, a node
/// that cannot confirm the kill. Other detectors leave such objects alone (they are going already); this
/// one says they are stuck. A stuck node or volume is still billed: that is the finding's cost.
public struct StuckTerminating: Detector {
    public let name = FindingKind.stuckTerminating.rawValue

    public init() {}

    /// What each well-known finalizer waits for.
    static let waitsFor: [String: String] = [
        "kubernetes.io/pv-protection": "a claim still bound to the volume",
        "kubernetes.io/pvc-protection": "a pod that still mounts the claim",
        "external-provisioner.volume.kubernetes.io/finalizer": "the CSI provisioner deleting the EBS volume (its logs say why it cannot: IAM, the volume still attached)",
        "karpenter.sh/termination": "Karpenter draining the node before it terminates the instance",
        "foregroundDeletion": "its dependents being deleted first (foreground deletion)",
        "orphan": "its dependents being orphaned",
    ]

    public func detect(in context: DetectionContext) -> [Finding] {
        let limit = Double(context.config.stuckTerminating.after.seconds)
        func stuckFor(_ since: String?) -> Double? {
            guard let since, let date = RFC3339.date(since) else { return nil }
            let seconds = context.now.timeIntervalSince(date)
            return seconds >= limit ? seconds : nil
        }
        var findings: [Finding] = []
        for node in context.cluster.nodes.sorted(by: { $0.name < $1.name }) {
            if let seconds = stuckFor(node.deletingSince) { findings.append(self.node(node, seconds, context)) }
        }
        for volume in context.cluster.volumes.sorted(by: { $0.name < $1.name }) {
            if let seconds = stuckFor(volume.claimDeletingSince) ?? stuckFor(volume.deletingSince) { findings.append(self.volume(volume, seconds, context)) }
        }
        for pod in context.cluster.pods.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
            if let seconds = stuckFor(pod.deletingSince) { findings.append(self.pod(pod, seconds, context)) }
        }
        return findings
    }

    /// `3d 4h`, `5h 10m`, `70m`.
    static func age(_ seconds: Double) -> String {
        let minutes = Int(seconds / 60)
        if minutes < 120 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h \(minutes % 60)m" }
        return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d \(hours % 24)h"
    }

    /// `held by finalizer kubernetes.io/pv-protection (waiting for a claim still bound to the volume)`.
    static func holders(_ finalizers: [String]) -> [String] {
        finalizers.map { finalizer in
            // CSI attachers name their finalizer after the driver: external-attacher/<driver>.
            let waiting = waitsFor[finalizer] ?? (finalizer.hasPrefix("external-attacher/") ? "the CSI driver detaching the volume from its node" : nil)
            return "held by finalizer \(finalizer)" + (waiting.map { ", waiting for \($0)" } ?? ", which its controller must remove")
        }
    }

    private func node(_ node: Observed.Node, _ seconds: Double, _ context: DetectionContext) -> Finding {
        let price = context.costs.price(of: node)
        let pods = context.cluster.pods(on: node.name).filter { $0.holdsCapacity && !$0.isDaemonSetPod }
        var notes = Self.holders(node.finalizers)
        notes += DrainBlockers.find(pods, context.cluster)
        if !pods.isEmpty { notes.append("still on it: \(pods.prefix(6).map { "\($0.namespace)/\($0.name)" }.joined(separator: ", "))\(pods.count > 6 ? ", …" : "")") }
        let summary = "Node \(node.name) (\(node.instanceType ?? "unknown type")) has been terminating for \(Self.age(seconds)) (since \(node.deletingSince!))"
            + (node.finalizers.isEmpty ? "" : ", held by \(node.finalizers.joined(separator: ", "))") + (price.map { "; it is billed \($0.monthly)/month until it goes." } ?? ".")
        return finding(kind: "Node", name: node.name, namespace: nil, team: context.config.platformTeam, summary: summary,
                       since: node.deletingSince!, seconds: seconds, finalizers: node.finalizers,
                       command: "kubectl get node \(Shell.quoted(node.name)) -o jsonpath='{.metadata.finalizers}'; kubectl get pods -A --field-selector spec.nodeName=\(Shell.quoted(node.name))",
                       monthlyCost: price?.monthly, priceSource: price?.source, notes: notes,
                       billed: price.flatMap { BilledCost.removing([$0]) }, context)
    }

    /// A claim being deleted is the finding (the user deleted it; its volume follows), else the volume; what
    /// holds either is said.
    private func volume(_ volume: Observed.Volume, _ seconds: Double, _ context: DetectionContext) -> Finding {
        let cost = context.region(of: volume).flatMap { context.costs.monthlyCost(of: volume, region: $0) }
        let claim = volume.claimName.map { "\(volume.claimNamespace ?? "")/\($0)" }
        let claimStuck = volume.claimDeletingSince != nil
        let since = claimStuck ? volume.claimDeletingSince! : volume.deletingSince!
        let finalizers = claimStuck ? volume.claimFinalizers : volume.finalizers
        var notes = claimStuck ? Self.holders(volume.claimFinalizers).map { "claim \(claim!): \($0)" } : []
        notes += Self.holders(volume.finalizers).map { "volume \(volume.name): \($0)" }
        if !volume.mountedBy.isEmpty { notes.append("mounted by \(volume.mountedBy.map { "\(volume.claimNamespace ?? "")/\($0)" }.joined(separator: ", ")): those pods must stop first") }
        let what = claimStuck ? "Claim \(claim!) (volume \(volume.name), \(volume.sizeBytes.map(Units.memory) ?? "unknown size"))"
            : "Volume \(volume.name) (\(volume.sizeBytes.map(Units.memory) ?? "unknown size"), \(volume.volumeHandle ?? "no volume id"))"
        let summary = "\(what) has been terminating for \(Self.age(seconds)) (since \(since))"
            + (finalizers.isEmpty ? "" : ", held by \(finalizers.joined(separator: ", "))") + (cost.map { "; it is billed \($0)/month until it goes." } ?? ".")
        let command = claimStuck
            ? "kubectl describe pvc -n \(Shell.quoted(volume.claimNamespace ?? "")) \(Shell.quoted(volume.claimName!))"
            : "kubectl describe pv \(Shell.quoted(volume.name))"
        return finding(kind: claimStuck ? "PersistentVolumeClaim" : "PersistentVolume", name: claimStuck ? volume.claimName! : volume.name,
                       namespace: claimStuck ? volume.claimNamespace : nil,
                       team: volume.team == "unassigned" ? context.config.platformTeam : volume.team, summary: summary,
                       since: since, seconds: seconds, finalizers: finalizers, command: command, monthlyCost: cost,
                       priceSource: cost == nil ? nil : "ebs", notes: notes,
                       billed: cost.flatMap { BilledCost.volumes([($0, context.costs.billedMonthlyCost(of: volume), volume.volumeHandle)], removed: true) },
                       context)
    }

    private func pod(_ pod: Observed.Pod, _ seconds: Double, _ context: DetectionContext) -> Finding {
        var notes = Self.holders(pod.finalizers)
        let node = pod.node.flatMap(context.cluster.node(named:))
        if pod.finalizers.isEmpty, let name = pod.node {
            if node == nil {
                notes.append("its node \(name) is gone: nothing will confirm the pod stopped; once the instance is confirmed terminated, force-delete it")
            } else if node?.ready == false {
                notes.append("its node \(name) is NotReady: no kubelet confirms the pod stopped; once the node is confirmed down, force-delete it")
            } else {
                notes.append("the kubelet on \(name) has not confirmed the kill: a container that ignores SIGKILL or a volume that will not unmount (the kubelet's log says which)")
            }
        }
        let workload = ObservedCluster.workloadKey(of: pod)
        let summary = "Pod \(pod.namespace)/\(pod.name) has been terminating for \(Self.age(seconds)) past its grace period (since \(pod.deletingSince!))"
            + (pod.finalizers.isEmpty ? (pod.node.map { " on node \($0)" } ?? "") : ", held by \(pod.finalizers.joined(separator: ", "))") + "."
        return finding(kind: "Pod", name: pod.name, namespace: pod.namespace, team: context.team(of: workload), summary: summary,
                       since: pod.deletingSince!, seconds: seconds, finalizers: pod.finalizers,
                       command: "kubectl describe \(IncidentFacts.kubectlObject("Pod", pod.namespace, pod.name))", monthlyCost: nil, priceSource: nil,
                       notes: notes, context)
    }

    private func finding(kind: String, name: String, namespace: String?, team: String, summary: String, since: String, seconds: Double,
                         finalizers: [String], command: String, monthlyCost: Money?, priceSource: String?, notes: [String],
                         billed: BilledCost? = nil, _ context: DetectionContext) -> Finding {
        let action: String
        if finalizers.isEmpty {
            action = "confirm the object is gone outside the cluster (its node down, the instance terminated), then force-delete it"
        } else if finalizers.contains("kubernetes.io/pvc-protection") {
            action = "stop the pods that mount the claim (scale their workload down); the claim and its volume then go"
        } else {
            action = "find why the finalizer's controller has not finished; remove the finalizer by hand only once its work is done"
        }
        return Finding(
            cluster: context.cluster.name, detector: self.name, severity: .warning, namespace: namespace,
            target: .init(kind: kind, name: name), team: team, summary: summary,
            current: ["deletingSince": .string(since), "terminatingSeconds": .int(Int64(seconds)), "finalizers": .strings(finalizers)],
            recommended: ["action": .string(action), "command": .string(command)],
            monthlyCost: monthlyCost.map { ($0, .zero) }, priceSource: priceSource ?? "unknown", confidence: 1,
            basis: ["thresholds": ["after": .string(context.config.stuckTerminating.after.description)]],
            notes: notes, billed: billed)
    }
}
