import Foundation

/// EBS volumes paid for and used by nobody: PVs `Released` (their claim was deleted, reclaimPolicy Retain)
/// or `Available` with no claim, and bound claims that no pod mounts, once older than `minAge`; never one
/// whose deletion has begun.
/// Savings: size (GiB) × the volume type's GB-month price, plus provisioned IOPS and throughput.
public struct OrphanVolume: Detector {
    public let name = FindingKind.orphanVolume.rawValue

    public init() {}

    public func detect(in context: DetectionContext) -> [Finding] {
        context.cluster.volumes.sorted { $0.name < $1.name }.compactMap { volume in
            // A volume being deleted is on its way out already (stuck on a finalizer is another matter).
            guard volume.volumeType != nil, volume.deletingSince == nil, volume.claimDeletingSince == nil, let age = age(of: volume, context),
                age >= Double(context.config.orphanVolume.minAge.seconds)
            else { return nil }
            switch volume.phase {
            case "Released", "Available": return finding(volume, unmountedClaim: false, age: age, context)
            case "Bound" where volume.claimName != nil && volume.mountedBy.isEmpty: return finding(volume, unmountedClaim: true, age: age, context)
            default: return nil
            }
        }
    }

    private func age(of volume: Observed.Volume, _ context: DetectionContext) -> Double? {
        guard let created = volume.createdAt.flatMap(RFC3339.date) else { return nil }
        return context.now.timeIntervalSince(created)
    }

    private func finding(_ volume: Observed.Volume, unmountedClaim: Bool, age: Double, _ context: DetectionContext) -> Finding {
        let cost = context.region(of: volume).flatMap { context.costs.monthlyCost(of: volume, region: $0) }
        let size = Units.memory(volume.sizeBytes ?? 0)
        let type = volume.volumeType ?? "unknown"
        let handle = volume.volumeHandle ?? "unknown volume id"
        let days = Int(age / 86_400)
        let claim = volume.claimName.map { "\(volume.claimNamespace ?? "")/\($0)" }
        let state: String
        var notes: [String] = []
        if unmountedClaim {
            state = "claim \(claim!) is bound but no pod mounts it"
            notes.append("Autopilot sees today's pods only: check the claim was not mounted by a job earlier in the window")
        } else if volume.phase == "Released" {
            state = "Released (claim \(claim ?? "unknown") was deleted; reclaim policy Retain keeps it billed)"
        } else {
            state = "Available with no claim"
        }
        notes.append("snapshot \(handle) before deleting if the data may be needed (snapshots cost less than the volume)")
        var summary = "Delete \(type) volume \(volume.name) (\(size), \(handle)): \(state), created \(days) days ago"
        summary += cost.map { "; saves \($0)/month." } ?? "."
        return Finding(
            cluster: context.cluster.name, detector: name, severity: (cost ?? .zero) >= Money(dollars: 10) ? .warning : .info,
            namespace: unmountedClaim ? volume.claimNamespace : nil,
            target: unmountedClaim ? .init(kind: "PersistentVolumeClaim", name: volume.claimName!) : .init(kind: "PersistentVolume", name: volume.name),
            team: volume.team == "unassigned" && volume.claimName == nil ? context.config.platformTeam : volume.team, summary: summary,
            current: ["volume": .string(volume.name), "volumeId": .optional(volume.volumeHandle), "phase": .optional(volume.phase),
                      "claim": .optional(claim), "volumeType": .string(type), "sizeBytes": .optional(volume.sizeBytes),
                      "iops": .optional(volume.iops), "throughput": .optional(volume.throughput), "zone": .optional(volume.zone)],
            recommended: ["action": unmountedClaim ? "delete the claim and its volume" : "delete the volume", "sizeBytes": 0],
            monthlyCost: cost.map { ($0, .zero) }, priceSource: cost == nil ? "unknown" : "ebs",
            confidence: unmountedClaim ? 0.8 : 1,
            basis: ["createdAt": .optional(volume.createdAt), "ageDays": .int(Int64(days)), "mountedBy": .strings(volume.mountedBy),
                    "thresholds": ["minAge": .string(context.config.orphanVolume.minAge.description)],
                    "formula": .string("flagged: \(unmountedClaim ? "bound, no pod mounts the claim" : "phase \(volume.phase ?? "?"), no claim bound")"
                        + " and \(days) days old ≥ minAge \(context.config.orphanVolume.minAge); savings = the volume's EBS price: size in GB × "
                        + "\(type) per GB-month, plus provisioned IOPS and throughput beyond what the type includes")],
            notes: notes,
            billed: cost.flatMap { BilledCost.volumes([($0, context.costs.billedMonthlyCost(of: volume), volume.volumeHandle)], removed: true) })
    }
}
