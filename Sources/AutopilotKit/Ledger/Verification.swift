import Foundation

/// Whether an implemented finding's change is live in the cluster now, what it saves, and whether it
/// turned out unsafe. Savings are measured against the baseline kept at detection: a request change
/// saves the baseline cost in proportion to how far the request fell (prices unchanged, the same cost
/// model); a removed node or volume saves what it cost.
public struct Verification: Sendable {
    public enum State: String, Sendable {
        /// The change is live and safe: realized savings are known.
        case verified
        /// The cluster does not show the change yet.
        case notLive = "not-live"
        /// The change is live, but usage now says it was too tight (OOM kills, usage above the request).
        case unsafe
        /// Nothing in the stream can tell (the target is gone, or no rule for this kind of finding).
        case unknown
    }

    public var state: State
    public var reason: String
    public var realized: Money? = nil

    public var json: JSONValue {
        ["state": .string(state.rawValue), "reason": .string(reason), "realizedMonthlySavings": realized.map(\.json) ?? .null]
    }

    /// Share of the recommended value the live one may differ by and still count as the change.
    static let tolerance = 0.02

    public static func check(_ stored: LedgerStore.StoredFinding, baseline: JSON, cluster: ObservedCluster?) -> Verification {
        guard let cluster else { return Verification(state: .unknown, reason: "the run has no records of cluster \(stored.cluster)") }
        let row = stored.row
        let detector = row["detector"].string ?? ""
        let targetName = row["target_name"].string ?? ""
        let baselineSavings = row["baseline_savings_cents"].int.map(Money.init(cents:)) ?? .zero
        switch detector {
        case "over-requested-cpu", "over-requested-memory", "under-provisioned-memory":
            return requestChange(row, baseline: baseline, cluster: cluster, resource: detector.hasSuffix("cpu") ? "cpu" : "memory")
        case "idle-node":
            return cluster.node(named: targetName) == nil
                ? Verification(state: .verified, reason: "node \(targetName) is gone", realized: baselineSavings)
                : Verification(state: .notLive, reason: "node \(targetName) is still in the cluster")
        case "node-consolidation" where baseline["recommended", "instanceType"]?.string != nil:
            // A replacement: done once the node is gone (replaced) or runs the recommended type.
            let wanted = baseline["recommended", "instanceType"]?.string ?? ""
            guard let node = cluster.node(named: targetName), node.instanceType != wanted else {
                return Verification(state: .verified, reason: "node \(targetName) replaced (\(wanted))", realized: baselineSavings)
            }
            return Verification(state: .notLive, reason: "node \(targetName) still runs \(node.instanceType ?? "its old type")")
        case "node-consolidation":
            let nodes = baseline["recommended", "removeNodes"]?.value.stringList ?? []
            let remaining = nodes.filter { cluster.node(named: $0) != nil }
            return remaining.isEmpty
                ? Verification(state: .verified, reason: "\(nodes.joined(separator: ", ")) gone", realized: baselineSavings)
                : Verification(state: .notLive, reason: "still in the cluster: \(remaining.joined(separator: ", "))")
        case "orphan-volume":
            // The target may be a claim; the volume is what costs money.
            let volume = baseline["current", "volume"]?.string ?? targetName
            return cluster.volumes.contains { $0.name == volume }
                ? Verification(state: .notLive, reason: "volume \(volume) still exists")
                : Verification(state: .verified, reason: "volume \(volume) is gone", realized: baselineSavings)
        case "misconfigured-autoscaling":
            let namespace = row["namespace"].string
            guard let hpa = cluster.hpas.first(where: { $0.namespace == namespace && $0.name == targetName }) else {
                return Verification(state: .verified, reason: "HPA \(targetName) was removed", realized: baselineSavings)
            }
            if let wanted = baseline["recommended", "minReplicas"]?.int, hpa.minReplicas == wanted {
                return Verification(state: .verified, reason: "minReplicas is \(wanted)", realized: baselineSavings)
            }
            return Verification(state: .notLive, reason: "HPA \(targetName) unchanged (minReplicas \(hpa.minReplicas))")
        default:
            return Verification(state: .unknown, reason: "no verification rule for \(detector)")
        }
    }

    /// A request change: live when the container's request is within `tolerance` of the recommendation.
    private static func requestChange(_ row: SQLRow, baseline: JSON, cluster: ObservedCluster, resource: String) -> Verification {
        let key = Observed.WorkloadKey(namespace: row["namespace"].string ?? "", kind: row["target_kind"].string ?? "", name: row["target_name"].string ?? "")
        let containerName = row["container"].string ?? ""
        guard let workload = cluster.workloads[key], let container = workload.containers.first(where: { $0.name == containerName }) else {
            return Verification(state: .unknown, reason: "\(key.kind) \(key.namespace)/\(key.name) container \(containerName) is not in the cluster")
        }
        guard let before = baseline["current", resource]?.double, let wanted = baseline["recommended", resource]?.double, before > 0 else {
            return Verification(state: .unknown, reason: "the baseline has no \(resource) request")
        }
        let now = resource == "cpu" ? container.requests.cpu : container.requests.memory.map(Double.init)
        guard let now else { return Verification(state: .notLive, reason: "the container has no \(resource) request") }
        let show = { (value: Double) in resource == "cpu" ? Units.cpu(value) : Units.memory(bytes: value) }
        guard abs(now - wanted) <= wanted * tolerance else {
            return Verification(state: .notLive, reason: "\(resource) request is \(show(now)), the change sets \(show(wanted))")
        }
        let baselineCost = baseline["monthlyCost", "current"]?.double ?? 0
        let realized = Money(dollars: baselineCost * (1 - now / before))
        let usage = cluster.usage[key]?[containerName]
        if resource == "memory", let usage {
            if usage.oomKills > 0 {
                return Verification(state: .unsafe, reason: "\(usage.oomKills) OOM kills in the window since the change", realized: realized)
            }
            if let peak = usage.memory["max"], peak > now {
                return Verification(state: .unsafe, reason: "peak working set \(show(peak)) is above the new request \(show(now))", realized: realized)
            }
        }
        if resource == "cpu", let usage, let p95 = usage.cpu["p95"], p95 > now {
            return Verification(state: .unsafe, reason: "CPU p95 \(show(p95)) is above the new request \(show(now))", realized: realized)
        }
        return Verification(state: .verified, reason: "\(resource) request is \(show(now)) (was \(show(before)))", realized: realized)
    }
}
