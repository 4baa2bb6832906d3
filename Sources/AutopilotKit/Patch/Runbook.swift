import Foundation

/// Shell scripts for changes that are not in code: volumes the EBS CSI driver created, nodes Karpenter
/// launched. Each stops at the first failed command, checks before it deletes, and snapshots first.
public enum Runbook {
    /// A value from the cluster that cannot go into a runbook (an id that is not an AWS id).
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    // Everything from the cluster reaches a script in one of three ways: single-quoted (`shellQuoted`),
    // through a variable set that way and used as "$VAR", or in a comment flattened to one line
    // (`comment`). AWS ids the commands are built around are checked against AWS's grammar first.

    /// Deletes an orphan PV (or PVC and its PV) and its EBS volume, after a completed snapshot.
    public static func deleteVolume(_ finding: FindingRecord) throws(Refusal) -> String {
        let cluster = finding.cluster
        let id = finding.id
        let volume = finding.current["volume"]?.string ?? finding.target.name
        let volumeId = finding.current["volumeId"]?.string ?? ""
        let zone = finding.current["zone"]?.string ?? ""
        guard AWSIdentifier.isVolumeId(volumeId) else {
            throw Refusal(description: "\"\(TextSafety.oneLine(volumeId))\" is not an EBS volume id (vol- and 8 or 17 hex digits); no runbook written")
        }
        let region = AWSIdentifier.region(ofZone: zone)
        guard region != nil || zone.isEmpty else {
            throw Refusal(description: "\"\(TextSafety.oneLine(zone))\" is not an AWS availability zone; no runbook written")
        }
        let size = finding.current["sizeBytes"]?.value.intValue.map { "\($0 >> 30) GiB" } ?? "?"
        let type = finding.current["volumeType"]?.string ?? "?"
        let claim: (namespace: String, name: String)? = finding.target.kind == "PersistentVolumeClaim"
            ? (finding.namespace ?? "", finding.target.name) : nil
        let savings = finding.monthlySavings ?? .zero
        var lines = [
            "#!/usr/bin/env bash",
            comment("Autopilot runbook for finding \(id) (cluster \(cluster)): \(finding.summary ?? "orphan volume")."),
            comment("Deletes \(claim.map { "PVC \($0.namespace)/\($0.name), " } ?? "")PV \(volume) and EBS volume \(volumeId) (\(size) \(type), \(zone)); saves \(savings)/month."),
            comment("A snapshot is taken and completed first; to roll back, create a volume from it:"),
            comment("  aws ec2 create-volume --region \(region ?? "REGION") --availability-zone \(zone.isEmpty ? "ZONE" : zone) --snapshot-id SNAPSHOT_ID --volume-type \(type)"),
            "set -euo pipefail",
        ] + defaulted("CONTEXT", from: "KUBE_CONTEXT", cluster)
          + (region.map { defaulted("REGION", from: "AWS_REGION", $0) } ?? ["REGION=${AWS_REGION:?set AWS_REGION: the volume has no zone}"]) + [
            "VOLUME_ID=\(shellQuoted(volumeId))",
            "PV=\(shellQuoted(volume))",
            "",
            "snapshot=$(aws ec2 create-snapshot --region \"$REGION\" --volume-id \"$VOLUME_ID\" \\",
            "  --description \(shellQuoted("autopilot \(id): before deleting \(volume)")) \\",
            "  --tag-specifications \(shellQuoted("ResourceType=snapshot,Tags=[{Key=autopilot-finding,Value=\(id)}]")) \\",
            "  --query SnapshotId --output text)",
            "echo \"snapshot $snapshot started; waiting for it to complete\"",
            "aws ec2 wait snapshot-completed --region \"$REGION\" --snapshot-ids \"$snapshot\"",
            "",
        ]
        if let claim {
            lines.append("kubectl --context \"$CONTEXT\" delete pvc --namespace \(shellQuoted(claim.namespace)) \(shellQuoted(claim.name))")
        }
        lines += [
            "kubectl --context \"$CONTEXT\" delete pv \"$PV\" --ignore-not-found",
            "# With reclaimPolicy Delete the CSI driver may already have removed the volume.",
            "if aws ec2 describe-volumes --region \"$REGION\" --volume-ids \"$VOLUME_ID\" >/dev/null 2>&1; then",
            "  aws ec2 delete-volume --region \"$REGION\" --volume-id \"$VOLUME_ID\"",
            "fi",
            "echo \"deleted $VOLUME_ID; snapshot $snapshot kept\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Drains an idle Karpenter node and deletes it; Karpenter's finalizer terminates the instance.
    public static func drainKarpenterNode(_ finding: FindingRecord, node: Observed.Node) -> String {
        let cluster = finding.cluster
        let id = finding.id
        let savings = finding.monthlySavings ?? .zero
        let pods = finding.recommended["movePods"]?.value.stringList ?? []
        var lines = [
            "#!/usr/bin/env bash",
            comment("Autopilot runbook for finding \(id) (cluster \(cluster)): \(finding.summary ?? "idle node")."),
            comment("Drains \(node.name) (\(node.instanceType ?? "?"), \(node.capacityType ?? "?"), NodePool \(node.nodepool ?? "?")) and deletes it; saves \(savings)/month."),
            comment("Karpenter terminates the instance when its Node is deleted. Pods that move: \(pods.isEmpty ? "none" : pods.joined(separator: ", "))."),
            "# Rollback: nothing to restore; Karpenter launches a node again if pods are pending.",
            "set -euo pipefail",
        ] + defaulted("CONTEXT", from: "KUBE_CONTEXT", cluster) + [
            "NODE=\(shellQuoted(node.name))",
            "",
            "kubectl --context \"$CONTEXT\" cordon \"$NODE\"",
            "# Honours PodDisruptionBudgets; fails (and leaves the node cordoned) if one blocks for 10 minutes.",
            "kubectl --context \"$CONTEXT\" drain \"$NODE\" --ignore-daemonsets --delete-emptydir-data --timeout=10m",
            "kubectl --context \"$CONTEXT\" delete node \"$NODE\"",
        ]
        lines.append("echo \"drained and deleted $NODE\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Scales an EKS managed node group whose desired size Terraform does not manage.
    public static func scaleNodeGroup(_ finding: FindingRecord, nodegroup: String, current: Int64, desired: Int64, minimum: Int64?, maximum: Int64?) -> String {
        let cluster = finding.cluster
        let id = finding.id
        let savings = finding.monthlySavings ?? .zero
        var scaling = "desiredSize=\(desired)"
        if let minimum { scaling = "minSize=\(minimum),\(scaling)" }
        if let maximum { scaling += ",maxSize=\(maximum)" }
        let lines = [
            "#!/usr/bin/env bash",
            comment("Autopilot runbook for finding \(id) (cluster \(cluster)): \(finding.summary ?? "idle node")."),
            comment("Shrinks EKS managed node group \(nodegroup) to \(desired) node(s); saves \(savings)/month. EKS drains the node it removes,"),
            "# honouring PodDisruptionBudgets. Rollback: run again with the previous desiredSize.",
            "set -euo pipefail",
        ] + defaulted("CLUSTER", from: "EKS_CLUSTER", cluster) + [
            "REGION=${AWS_REGION:?set AWS_REGION}",
            "NODEGROUP=\(shellQuoted(nodegroup))",
            "",
            "# The group ran \(current) node(s) when Autopilot looked; if that changed, the finding is stale: stop.",
            "now=$(aws eks describe-nodegroup --region \"$REGION\" --cluster-name \"$CLUSTER\" --nodegroup-name \"$NODEGROUP\" \\",
            "  --query 'nodegroup.scalingConfig.desiredSize' --output text)",
            "if [ \"$now\" != \(current) ]; then echo \"desiredSize is $now, not \(current): rerun Autopilot first\" >&2; exit 1; fi",
            "aws eks update-nodegroup-config --region \"$REGION\" --cluster-name \"$CLUSTER\" --nodegroup-name \"$NODEGROUP\" \\",
            "  --scaling-config \(scaling)",
            "echo \"node group $NODEGROUP scaling to \(desired)\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `NAME=${ENV:-value}` with the value quoted: set in two steps, so the quoting never sits inside `${…}`.
    static func defaulted(_ name: String, from environment: String, _ value: String) -> [String] {
        ["\(name)=\(shellQuoted(value))", "\(name)=${\(environment):-$\(name)}"]
    }

    /// A comment line: the whole text on one line, whatever the cluster's names hold.
    static func comment(_ text: String) -> String { "# " + TextSafety.oneLine(text) }

    /// Single-quoted for POSIX shells.
    static func shellQuoted(_ text: String) -> String { Shell.quoted(text) }
}
