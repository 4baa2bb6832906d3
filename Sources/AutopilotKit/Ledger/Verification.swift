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

    /// `changedAt`: when the change went in (its PR merged, else implemented), if the ledger knows.
    public static func check(_ stored: LedgerStore.StoredFinding, baseline: JSON, cluster: ObservedCluster?, changedAt: Date? = nil) -> Verification {
        guard let cluster else { return Verification(state: .unknown, reason: "the run has no records of cluster \(stored.cluster)") }
        let row = stored.row
        let detector = row["detector"].string ?? ""
        let targetName = row["target_name"].string ?? ""
        let baselineSavings = row["baseline_savings_cents"].int.map(Money.init(cents:)) ?? .zero
        switch FindingKind(rawValue: detector) {
        case .overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU:
            return resourceChange(row, baseline: baseline, cluster: cluster, resource: detector.hasSuffix("cpu") ? "cpu" : "memory",
                                  baselineSavings: baselineSavings, changedAt: changedAt)
        case .idleNode:
            return cluster.node(named: targetName) == nil
                ? Verification(state: .verified, reason: "node \(targetName) is gone", realized: baselineSavings)
                : Verification(state: .notLive, reason: "node \(targetName) is still in the cluster")
        case .nodeConsolidation where baseline["recommended", "instanceType"]?.string != nil:
            // A replacement: done once the node is gone (replaced) or runs the recommended type.
            let wanted = baseline["recommended", "instanceType"]?.string ?? ""
            guard let node = cluster.node(named: targetName), node.instanceType != wanted else {
                return Verification(state: .verified, reason: "node \(targetName) replaced (\(wanted))", realized: baselineSavings)
            }
            return Verification(state: .notLive, reason: "node \(targetName) still runs \(node.instanceType ?? "its old type")")
        case .nodeConsolidation:
            let nodes = baseline["recommended", "removeNodes"]?.value.stringList ?? []
            let remaining = nodes.filter { cluster.node(named: $0) != nil }
            return remaining.isEmpty
                ? Verification(state: .verified, reason: "\(nodes.joined(separator: ", ")) gone", realized: baselineSavings)
                : Verification(state: .notLive, reason: "still in the cluster: \(remaining.joined(separator: ", "))")
        case .orphanVolume:
            // The target may be a claim; the volume is what costs money.
            let volume = baseline["current", "volume"]?.string ?? targetName
            return cluster.volumes.contains { $0.name == volume }
                ? Verification(state: .notLive, reason: "volume \(volume) still exists")
                : Verification(state: .verified, reason: "volume \(volume) is gone", realized: baselineSavings)
        case .misconfiguredAutoscaling:
            let namespace = row["namespace"].string
            guard let hpa = cluster.hpas.first(where: { $0.namespace == namespace && $0.name == targetName }) else {
                return Verification(state: .verified, reason: "HPA \(targetName) was removed", realized: baselineSavings)
            }
            if let wanted = baseline["recommended", "minReplicas"]?.int, hpa.minReplicas == wanted {
                return Verification(state: .verified, reason: "minReplicas is \(wanted)", realized: baselineSavings)
            }
            return Verification(state: .notLive, reason: "HPA \(targetName) unchanged (minReplicas \(hpa.minReplicas))")
        // A stuck object is finished by a person outside any PR; an unknown kind has no rule.
        case .stuckTerminating, nil:
            return Verification(state: .unknown, reason: "no verification rule for \(detector)")
        }
    }

    /// Whether a change that was live has been undone: the cluster runs the value
    /// the target had before it again (request within `tolerance`, or the HPA's old minReplicas). The
    /// reason, or nil while the change stays (or the target is gone, or it is a removal: a node or volume
    /// does not come back by a revert). A later, different value is a new change, not a rollback.
    public static func rollback(_ stored: LedgerStore.StoredFinding, baseline: JSON, cluster: ObservedCluster?) -> String? {
        guard let cluster else { return nil }
        let row = stored.row
        switch FindingKind(rawValue: row["detector"].string ?? "") {
        case .overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU:
            let resource = (row["detector"].string ?? "").hasSuffix("cpu") ? "cpu" : "memory"
            let key = Observed.WorkloadKey(namespace: row["namespace"].string ?? "", kind: row["target_kind"].string ?? "",
                                           name: row["target_name"].string ?? "")
            guard let container = cluster.workloads[key]?.longRunningContainers.first(where: { $0.name == row["container"].string }),
                let before = baseline["current", resource]?.double, let wanted = baseline["recommended", resource]?.double,
                abs(before - wanted) > wanted * tolerance
            else { return nil }
            let isCPU = resource == "cpu"
            // A raise from no request is undone when the request is gone again.
            let live = (isCPU ? container.requests.cpu : container.requests.memory.map(Double.init)) ?? (before == 0 ? 0 : nil)
            guard let now = live, abs(now - before) <= before * tolerance else { return nil }
            let show = { (value: Double) in isCPU ? Units.cpu(value) : Units.memory(bytes: value) }
            return "\(resource) request is back to \(show(now)) (the change set \(show(wanted)))"
        case .misconfiguredAutoscaling:
            guard let before = baseline["current", "minReplicas"]?.int, let wanted = baseline["recommended", "minReplicas"]?.int, before != wanted,
                let hpa = cluster.hpas.first(where: { $0.namespace == row["namespace"].string && $0.name == row["target_name"].string }),
                hpa.minReplicas == before
            else { return nil }
            return "minReplicas is back to \(before) (the change set \(wanted))"
        case .idleNode, .nodeConsolidation, .orphanVolume, .stuckTerminating, nil:
            return nil
        }
    }

    /// CPU throttled in at least this share of CFS periods after a raise: the raise was not enough
    /// (detect-incidents' default for calling a container saturated).
    static let throttledRatio = 0.25

    /// A request or limit change, down (over-requested-*) or up (under-provisioned-*): live when the
    /// container's request, and its limit where the change sets one, are within `tolerance` of the
    /// recommendation. Unsafe when usage since says the new figures are still too tight.
    private static func resourceChange(_ row: SQLRow, baseline: JSON, cluster: ObservedCluster, resource: String,
                                       baselineSavings: Money, changedAt: Date?) -> Verification {
        let key = Observed.WorkloadKey(namespace: row["namespace"].string ?? "", kind: row["target_kind"].string ?? "", name: row["target_name"].string ?? "")
        let containerName = row["container"].string ?? ""
        guard let workload = cluster.workloads[key], let container = workload.longRunningContainers.first(where: { $0.name == containerName }) else {
            return Verification(state: .unknown, reason: "\(key.kind) \(key.namespace)/\(key.name) container \(containerName) is not in the cluster")
        }
        guard let before = baseline["current", resource]?.double, let wanted = baseline["recommended", resource]?.double else {
            return Verification(state: .unknown, reason: "the baseline has no \(resource) request")
        }
        let isCPU = resource == "cpu"
        let show = { (value: Double) in isCPU ? Units.cpu(value) : Units.memory(bytes: value) }
        let near = { (live: Double?, wanted: Double) in live.map { abs($0 - wanted) <= wanted * tolerance } ?? false }
        let now = isCPU ? container.requests.cpu : container.requests.memory.map(Double.init)
        guard near(now ?? 0, wanted) else {
            return Verification(state: .notLive, reason: now.map { "\(resource) request is \(show($0)), the change sets \(show(wanted))" }
                                ?? "the container has no \(resource) request")
        }
        let limitKey = resource + "Limit"
        let limitBefore = baseline["current", limitKey]?.double
        var limitNow: Double? = isCPU ? container.limits.cpu : container.limits.memory.map(Double.init)
        if let wantedLimit = baseline["recommended", limitKey]?.double, wantedLimit != limitBefore {
            guard near(limitNow, wantedLimit) else {
                return Verification(state: .notLive, reason: "\(resource) limit is \(limitNow.map(show) ?? "unset"), the change sets \(show(wantedLimit))")
            }
        } else {
            limitNow = nil  // The change does not touch the limit: nothing to report of it.
        }
        // Savings scale with the request (the cost model prices requests); a container that had none
        // realizes what detection priced.
        let baselineCost = baseline["monthlyCost", "current"]?.double ?? 0
        let realized = before > 0 ? Money(dollars: baselineCost * (1 - (now ?? 0) / before)) : baselineSavings
        let usage = cluster.usage[key]?[containerName]
        // A raise answers OOM kills or throttling that are still in a window begun before it: judge it on
        // usage since the change only (a cut's window may start earlier: usage under the old request only
        // makes it more careful).
        let kind = FindingKind(rawValue: row["detector"].string ?? "")
        let isRaise = kind == .underProvisionedMemory || kind == .underProvisionedCPU
        if isRaise, let changedAt, let usage, usage.windowStart.flatMap(RFC3339.date).map({ $0 < changedAt }) ?? true {
            return Verification(state: .unknown, reason: "live; the usage window starts before the change (\(RFC3339.string(changedAt))): "
                                + "the next run judges it on usage since", realized: realized)
        }
        if !isCPU, let usage {
            if usage.oomKills > 0 {
                return Verification(state: .unsafe, reason: "\(usage.oomKills) OOM kills in the window since the change", realized: realized)
            }
            if let peak = usage.memory["max"], let now, peak > now {
                return Verification(state: .unsafe, reason: "peak working set \(show(peak)) is above the new request \(show(now))", realized: realized)
            }
        }
        if !isCPU, let flag = baseline["recommended", "runtimeFlag"], !flag.isNull {
            if let verdict = heapChange(flag, container: container, usage: usage, changedAt: changedAt, realized: realized) { return verdict }
        }
        if isCPU, let usage {
            if let p95 = usage.cpu["p95"], let now, p95 > now {
                return Verification(state: .unsafe, reason: "CPU p95 \(show(p95)) is above the new request \(show(now))", realized: realized)
            }
            if isRaise, let throttled = usage.throttledRatio, throttled >= throttledRatio, let limit = container.limits.cpu {
                return Verification(state: .unsafe, reason: "still throttled in \(Int((throttled * 100).rounded()))% of CFS periods at the \(show(limit)) limit",
                                    realized: realized)
            }
        }
        var reason = "\(resource) request is \(now.map(show) ?? "unset") (was \(show(before)))"
        if let limitNow { reason += ", limit \(show(limitNow)) (was \(limitBefore.map(show) ?? "unset"))" }
        if let flag = baseline["recommended", "runtimeFlag", "value"]?.string {
            reason += baseline["recommended", "runtimeFlag", "env"]?.string == "GOMEMLIMIT" ? ", GOMEMLIMIT \(flag)" : ", runtime flag \(flag)"
        }
        return Verification(state: .verified, reason: reason, realized: realized)
    }

    /// The runtime's share of a cut that lowered a JVM's heap, GOMEMLIMIT or Node's old space with its
    /// request (`HeapCut`), once the request is live and the window shows no OOM kill or peak above it:
    /// unsafe if the setting did not change with it (the request is then below the old setting's floor),
    /// if an initial heap above the heap stops the JVM, or if the JVM still reports a larger heap (the edit
    /// did not reach it); unknown while the usage window starts before the change. nil: nothing against
    /// it. (How full the new heap runs is not judged: the heap in use summed over pools counts a full eden,
    /// which a healthy JVM reaches before every young GC.)
    private static func heapChange(_ flag: JSON, container: Observed.Container, usage: Observed.Usage?, changedAt: Date?,
                                   realized: Money) -> Verification? {
        let wanted = flag["value"]?.string ?? ""
        let kind = flag["runtime"]?.string ?? RuntimeMemory.Runtime.jvm.rawValue
        guard let newHeap = flag["heap"]?.int, newHeap > 0 else { return nil }
        // A setting the reviewer made lower still than the change is fine; one larger, or not seen, is not.
        guard let live = container.runtime, live.runtime.rawValue == kind, let liveHeap = live.bytes, liveHeap <= newHeap else {
            return Verification(state: .unsafe, reason: "the request is live but the runtime's memory setting is \(container.runtime?.setting ?? "not seen"), "
                                + "not \(wanted): it no longer fits the request; lower it or restore the request", realized: realized)
        }
        if let initial = live.initialHeap, initial.bytes > liveHeap {
            return Verification(state: .unsafe, reason: "the JVM's initial heap \(initial.setting) is above its heap \(live.setting): it does not start",
                                realized: realized)
        }
        guard let usage, let heap = usage.jvmHeap else { return nil }
        if let changedAt, usage.windowStart.flatMap(RFC3339.date).map({ $0 < changedAt }) ?? true {
            return Verification(state: .unknown, reason: "live with \(live.setting); the usage window starts before the change: "
                                + "the next run judges the heap on usage since", realized: realized)
        }
        if Double(heap.max) > Double(liveHeap) * HeapCut.reportedMaxRange.upperBound {
            return Verification(state: .unsafe, reason: "the JVM reports a heap max of \(Units.memory(heap.max)), above \(live.setting): "
                                + "the flag does not reach it and the heap no longer fits the request", realized: realized)
        }
        return nil
    }
}
