import Foundation

/// Whether the bill shows what a change was meant to save: the instances and volumes it removes
/// (recorded on the finding as `billed.resources` when it was detected with `--billing`) are charged
/// before the change and no longer after it. Then the realised saving is what they cost a month before.
///
/// A request change (right-sizing) saves money only when nodes go, which the bill shows as fewer
/// instances, not as this change: it is `not-applicable` here and counts by the cluster's verification.
public struct BillVerification: Sendable {
    public enum State: String, Sendable {
        /// The resources stopped being charged after the change: `realized` is what they cost a month.
        case verified
        /// The bill still charges a resource after the change.
        case stillBilled = "still-billed"
        /// The bill does not reach a day past the change yet.
        case notYet = "not-yet"
        /// The change removes nothing the bill names (a request change), or the finding had no bill figures.
        case notApplicable = "not-applicable"
    }

    public var state: State
    public var reason: String
    public var realized: Money? = nil

    public var json: JSONValue {
        ["state": .string(state.rawValue), "reason": .string(reason), "realizedMonthlySavings": realized.map(\.json) ?? .null]
    }


    /// A resource must be absent from the bill for this long before its end for the removal to count.
    static let quietHours = 24.0

    public static func check(finding: FindingRecord, changedAt: Date?, bill: Bill) -> BillVerification {
        let removal = finding.kind?.removesResources ?? false
        let resources = finding.billed?["resources"]?.value.stringList ?? []
        guard removal, !resources.isEmpty else {
            return BillVerification(state: .notApplicable, reason: removal
                ? "detected without --billing: the finding names no instance or volume ids to look up"
                : "a request change shows on the bill only as fewer or smaller nodes, not as itself")
        }
        guard let changedAt, let billEnd = bill.end else {
            return BillVerification(state: .notYet, reason: "the ledger has no time for the change")
        }
        guard billEnd.timeIntervalSince(changedAt) >= quietHours * 3600 else {
            return BillVerification(state: .notYet, reason: "the bill ends \(RFC3339.string(billEnd)), less than a day after the change (\(RFC3339.string(changedAt)))")
        }
        var monthlyBefore = Money.zero
        var parts: [String] = []
        for id in resources {
            // A replaced node's finding names the node; its replacement is a new instance the bill prices apart.
            guard let resource = bill.instances[id] ?? bill.volumes[id] else {
                return BillVerification(state: .notApplicable, reason: "\(id) is not in the bill given")
            }
            if let last = resource.end, billEnd.timeIntervalSince(last) < quietHours * 3600 {
                return BillVerification(state: .stillBilled, reason: "the bill still charges \(id) on \(RFC3339.string(last)), after the change "
                    + "(\(RFC3339.string(changedAt))): \(Money(dollars: resource.cost(from: changedAt))) since")
            }
            guard let before = resource.before(changedAt), before.hours > 0 else {
                return BillVerification(state: .notApplicable, reason: "the bill has no charge for \(id) before the change")
            }
            // Gone a day or more before the change went in: something else removed it (an autoscaler, a person).
            if let last = resource.end, changedAt.timeIntervalSince(last) > quietHours * 3600 {
                return BillVerification(state: .notApplicable, reason: "the bill stops charging \(id) on \(RFC3339.string(last)), "
                    + "before the change (\(RFC3339.string(changedAt))): not this change's saving")
            }
            let monthly = Money(dollars: before.cost / before.hours * CostModel.hoursPerMonth)
            monthlyBefore = monthlyBefore + monthly
            parts.append("\(id) \(monthly)/month before, last charged \(resource.end.map(RFC3339.string) ?? "?")")
        }
        // A replacement's new instance is billed apart (its id was not known at detection): the estimate of
        // what it costs is taken off, so the saving is the difference, not the old node's whole price.
        if finding.recommended["instanceType"]?.string != nil, let replacement = finding.billed?["monthlyCost", "recommended"]?.double {
            let net = monthlyBefore - Money(dollars: replacement)
            return BillVerification(state: .verified, reason: "the bill stops charging: " + parts.joined(separator: "; ")
                + "; less the replacement's \(Money(dollars: replacement))/month as estimated at detection", realized: net)
        }
        return BillVerification(state: .verified, reason: "the bill stops charging: " + parts.joined(separator: "; "), realized: monthlyBefore)
    }
}
