import Foundation

/// Shell scripts for changes that are not in code: volumes the EBS CSI driver created, nodes Karpenter
/// launched. Each stops at the first failed command, checks before it deletes, and snapshots first.
public enum Runbook {
    /// Deletes an orphan PV (or PVC and its PV) and its EBS volume, after a completed snapshot.
    public static func deleteVolume(_ finding: JSON) -> String {
        let cluster = finding["cluster"]?.string ?? ""
        let id = finding["id"]?.string ?? ""
        let volume = finding["current", "volume"]?.string ?? finding["target", "name"]?.string ?? ""
        let volumeId = finding["current", "volumeId"]?.string ?? ""
        let zone = finding["current", "zone"]?.string ?? ""
        let region = zone.isEmpty ? "" : String(zone.dropLast())
        let size = finding["current", "sizeBytes"]?.value.intValue.map { "\($0 >> 30) GiB" } ?? "?"
        let type = finding["current", "volumeType"]?.string ?? "?"
        let claim: (namespace: String, name: String)? = finding["target", "kind"]?.string == "PersistentVolumeClaim"
            ? (finding["namespace"]?.string ?? "", finding["target", "name"]?.string ?? "") : nil
        let savings = Money(dollars: finding["monthlySavings"]?.value.doubleValue ?? 0)
        var lines = [
            "#!/usr/bin/env bash",
            "# Autopilot runbook for finding \(id) (cluster \(cluster)): \(oneLine(finding["summary"]?.string ?? "orphan volume")).",
            "# Deletes \(claim.map { "PVC \($0.namespace)/\($0.name), " } ?? "")PV \(volume) and EBS volume \(volumeId) (\(size) \(type), \(zone)); saves \(savings)/month.",
            "# A snapshot is taken and completed first; to roll back, create a volume from it:",
            "#   aws ec2 create-volume --region \(region) --availability-zone \(zone) --snapshot-id SNAPSHOT_ID --volume-type \(type)",
            "set -euo pipefail",
            "CONTEXT=${KUBE_CONTEXT:-\(shellQuoted(cluster))}",
            "REGION=${AWS_REGION:-\(shellQuoted(region))}",
            "",
            "snapshot=$(aws ec2 create-snapshot --region \"$REGION\" --volume-id \(shellQuoted(volumeId)) \\",
            "  --description \(shellQuoted("autopilot \(id): before deleting \(volume)")) \\",
            "  --tag-specifications 'ResourceType=snapshot,Tags=[{Key=autopilot-finding,Value=\(id)}]' \\",
            "  --query SnapshotId --output text)",
            "echo \"snapshot $snapshot started; waiting for it to complete\"",
            "aws ec2 wait snapshot-completed --region \"$REGION\" --snapshot-ids \"$snapshot\"",
            "",
        ]
        if let claim {
            lines.append("kubectl --context \"$CONTEXT\" delete pvc --namespace \(shellQuoted(claim.namespace)) \(shellQuoted(claim.name))")
        }
        lines += [
            "kubectl --context \"$CONTEXT\" delete pv \(shellQuoted(volume)) --ignore-not-found",
            "# With reclaimPolicy Delete the CSI driver may already have removed the volume.",
            "if aws ec2 describe-volumes --region \"$REGION\" --volume-ids \(shellQuoted(volumeId)) >/dev/null 2>&1; then",
            "  aws ec2 delete-volume --region \"$REGION\" --volume-id \(shellQuoted(volumeId))",
            "fi",
            "echo \"deleted \(volumeId); snapshot $snapshot kept\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Drains an idle Karpenter node and deletes it; Karpenter's finalizer terminates the instance.
    public static func drainKarpenterNode(_ finding: JSON, node: Observed.Node) -> String {
        let cluster = finding["cluster"]?.string ?? ""
        let id = finding["id"]?.string ?? ""
        let savings = Money(dollars: finding["monthlySavings"]?.value.doubleValue ?? 0)
        let pods = finding["recommended", "movePods"]?.value.stringList ?? []
        var lines = [
            "#!/usr/bin/env bash",
            "# Autopilot runbook for finding \(id) (cluster \(cluster)): \(oneLine(finding["summary"]?.string ?? "idle node")).",
            "# Drains \(node.name) (\(node.instanceType ?? "?"), \(node.capacityType ?? "?"), NodePool \(node.nodepool ?? "?")) and deletes it; saves \(savings)/month.",
            "# Karpenter terminates the instance when its Node is deleted. Pods that move: \(pods.isEmpty ? "none" : pods.joined(separator: ", ")).",
            "# Rollback: nothing to restore; Karpenter launches a node again if pods are pending.",
            "set -euo pipefail",
            "CONTEXT=${KUBE_CONTEXT:-\(shellQuoted(cluster))}",
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
    public static func scaleNodeGroup(_ finding: JSON, nodegroup: String, current: Int64, desired: Int64, minimum: Int64?, maximum: Int64?) -> String {
        let cluster = finding["cluster"]?.string ?? ""
        let id = finding["id"]?.string ?? ""
        let savings = Money(dollars: finding["monthlySavings"]?.value.doubleValue ?? 0)
        var scaling = "desiredSize=\(desired)"
        if let minimum { scaling = "minSize=\(minimum),\(scaling)" }
        if let maximum { scaling += ",maxSize=\(maximum)" }
        let lines = [
            "#!/usr/bin/env bash",
            "# Autopilot runbook for finding \(id) (cluster \(cluster)): \(oneLine(finding["summary"]?.string ?? "idle node")).",
            "# Shrinks EKS managed node group \(nodegroup) to \(desired) node(s); saves \(savings)/month. EKS drains the node it removes,",
            "# honouring PodDisruptionBudgets. Rollback: run again with the previous desiredSize.",
            "set -euo pipefail",
            "CLUSTER=${EKS_CLUSTER:-\(shellQuoted(cluster))}",
            "REGION=${AWS_REGION:?set AWS_REGION}",
            "",
            "# The group ran \(current) node(s) when Autopilot looked; if that changed, the finding is stale: stop.",
            "now=$(aws eks describe-nodegroup --region \"$REGION\" --cluster-name \"$CLUSTER\" --nodegroup-name \(shellQuoted(nodegroup)) \\",
            "  --query 'nodegroup.scalingConfig.desiredSize' --output text)",
            "if [ \"$now\" != \(current) ]; then echo \"desiredSize is $now, not \(current): rerun Autopilot first\" >&2; exit 1; fi",
            "aws eks update-nodegroup-config --region \"$REGION\" --cluster-name \"$CLUSTER\" --nodegroup-name \(shellQuoted(nodegroup)) \\",
            "  --scaling-config \(scaling)",
            "echo \"node group \(nodegroup) scaling to \(desired)\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text for a comment line: control characters (a newline would end the comment) become spaces.
    static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    /// Single-quoted for POSIX shells.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
