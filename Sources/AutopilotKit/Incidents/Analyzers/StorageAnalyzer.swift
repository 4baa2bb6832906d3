import Foundation

/// A disk filling up or failing. A claim of a workload (KubePersistentVolumeFillingUp and …InodesFillingUp,
/// named by `persistentvolumeclaim`; KubePersistentVolumeErrors by `persistentvolume`): `volume-filling-up`
/// (grow the claim by half, never shrink it: EBS volumes grow online where the StorageClass allows
/// expansion), `volume-inodes-filling-up`, `volume-failed`. A node's filesystem (node-exporter's
/// NodeFilesystem* alerts, by `instance`): `node-disk-filling-up`: images, logs and emptyDir volumes
/// share the root volume; a larger one in the EC2NodeClass or launch template, and a drain frees it now.
struct StorageAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.storage

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        var evidence = incident.alertDetails(3)
        if let node = incident.subject.node {
            nodeDisk(&incident, node, &evidence, context)
            return true
        }
        guard let key = incident.subject.workload else { return false }
        let objects = incident.signals.compactMap(\.object)
        let volume = context.cluster.volumes.first { volume in
            objects.contains("persistentvolume/\(volume.name)")
                || (volume.claimNamespace == key.namespace && volume.claimName.map { objects.contains("persistentvolumeclaim/\($0)") } == true)
        }
        let claim = volume?.claimName ?? incident.objects("persistentvolumeclaim/").first
        incident.affectedPods = context.cluster.pods(of: key).filter { pod in claim.map(pod.claims.contains) ?? false }
            .map { "\($0.namespace)/\($0.name)" }.sorted()
        if let volume {
            evidence.append("volume \(volume.name): \(volume.sizeBytes.map(Units.memory) ?? "size unknown"), \(volume.volumeType ?? "type unknown"), StorageClass \(volume.storageClass ?? "none"), phase \(volume.phase ?? "?")")
        }
        let claimText = claim.map { "claim \($0)" } ?? "the volume"
        if incident.signals.contains(where: { $0.name == "KubePersistentVolumeErrors" }) {
            incident.rootCause = RootCause("volume-failed", summary: "\(claim.map { "claim \($0)'s volume" } ?? "the volume") failed or is stuck Pending: its provisioner or the EBS volume",
                                           confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("inspect-volume", summary: "Read the volume's events and the CSI driver's logs",
                                               command: volume.map { "kubectl describe pv \(Shell.quoted($0.name))" })]
            return true
        }
        if incident.signals.allSatisfy({ $0.name != "KubePersistentVolumeFillingUp" }) {
            incident.rootCause = RootCause("volume-inodes-filling-up", summary: "\(claimText) runs out of inodes: many small files",
                                           confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("clean-up-volume", summary: "Find what writes the small files (caches, temporary files) and remove or rotate them")]
            return true
        }
        incident.rootCause = RootCause("volume-filling-up", summary: "\(claimText) is filling up", confidence: 0.8, evidence: evidence)
        // Half again as large, in whole GiB: a size up, never down.
        let grown = volume?.sizeBytes.map { size in Int64((Double(size) * 1.5 / 1_073_741_824).rounded(.up)) }
        incident.actions = [IncidentAction(
            "expand-volume",
            summary: "Grow \(claimText)" + (grown.map { " to \($0)Gi" } ?? "") + " if its StorageClass allows volume expansion, or delete what it no longer needs",
            command: grown.flatMap { size in claim.map { claim in
                "kubectl patch pvc -n \(Shell.quoted(key.namespace)) \(Shell.quoted(claim)) -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"\(size)Gi\"}}}}'"
            } })]
        return true
    }

    private func nodeDisk(_ incident: inout Incident, _ name: String, _ evidence: inout [String], _ context: IncidentContext) {
        let node = context.cluster.node(named: name)
        let mounts = Set(incident.signals.compactMap(\.object)).sorted()
        let pods = context.cluster.pods(on: name).filter(\.holdsCapacity)
        incident.affectedPods = pods.map { "\($0.namespace)/\($0.name)" }.sorted()
        if let node {
            evidence.append("node \(name) (\(node.instanceType ?? "?"), \(node.nodepool.map { "NodePool \($0)" } ?? node.nodegroup.map { "node group \($0)" } ?? "unmanaged")) runs \(pods.count) pod\(pods.count == 1 ? "" : "s")"
                + (node.pressures.isEmpty ? "" : "; conditions \(node.pressures.joined(separator: ", "))"))
        }
        let files = incident.signals.contains { $0.name.hasSuffix("FilesFillingUp") || $0.name.hasSuffix("OutOfFiles") }
        incident.rootCause = RootCause(files ? "node-inodes-filling-up" : "node-disk-filling-up",
                                       summary: "node \(name)'s filesystem\(mounts.isEmpty ? "" : " (\(mounts.joined(separator: ", ")))") is filling up"
                                           + (files ? " with files" : "") + ": images, container logs and emptyDir volumes share it",
                                       confidence: 0.75, evidence: evidence)
        incident.actions = [
            IncidentAction("grow-node-disk",
                           summary: "Give \(node?.nodepool.map { "NodePool \($0)'s EC2NodeClass" } ?? "the node group's launch template") a larger root volume (blockDeviceMappings volumeSize)"),
            IncidentAction("replace-node", summary: "Cordon and drain \(name) to free it now",
                           command: IncidentFacts.drainCommand(name)),
        ]
    }
}
