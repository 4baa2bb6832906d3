/// What each finding would save on the bill (`billedSavings`).
///
/// Capacity the bill shows on on-demand or spot rates saves its billed cost when it goes. Capacity a
/// Reserved Instance or Savings Plan paid for saves nothing by itself: the commitment is owed anyway.
/// It saves only when the freed commitment moves to on-demand usage it did not cover before, which AWS
/// does by itself each hour (a Savings Plan to any EC2 usage, a regional Reserved Instance within its
/// family and region). So the covered part counts up to the on-demand spend the bill shows in the
/// commitment's reach: one pool per (region, family, OS), which Reserved Instances draw from their own
/// cell and Savings Plans from every cell, finding by finding in id order, so no two findings claim the
/// same dollars; and not at all where the bill already shows that kind of commitment going unused.
/// On-demand capacity the findings themselves take away is first taken out of the pools: a commitment
/// cannot move to a node another change removes.
public enum RealisableSavings {
    public static func assign(_ findings: inout [Finding], bill: Bill) {
        var cells = bill.onDemandCells
        for finding in findings {
            for (cell, dollars) in finding.billed?.onDemandSavings ?? [:] where dollars > 0 {
                if let pool = cells[cell] { cells[cell] = max(.zero, pool - Money(dollars: dollars)) }
            }
        }
        let order = cells.keys.sorted()
        for index in findings.indices.sorted(by: { findings[$0].id < findings[$1].id }) {
            guard let billed = findings[index].billed, findings[index].monthlyCost != nil else { continue }
            let savings = Money(dollars: billed.current) - Money(dollars: billed.recommended)
            guard savings > .zero else {
                findings[index].billedSavings = (savings, savings == .zero ? "no change in billed cost"
                    : "adds \(Money.zero - savings)/month at the bill's rates")
                continue
            }
            var realisable = savings
            var reasons: [String] = []
            for scope in billed.committedSavings.keys.sorted(by: { $0.description < $1.description }) {
                let covered = min(Money(dollars: billed.committedSavings[scope]!), realisable)
                guard covered > .zero else { continue }
                var reused = Money.zero
                if !bill.hasUnused(scope.purchase) {
                    for cell in order where scope.reaches(cell) && reused < covered {
                        let take = min(covered - reused, cells[cell]!)
                        cells[cell] = cells[cell]! - take
                        reused = reused + take
                    }
                }
                realisable = realisable - covered + reused
                if bill.hasUnused(scope.purchase) {
                    reasons.append("\(covered)/month of it runs on a \(scope) that the bill already shows partly unused "
                        + "(\(bill.monthly(bill.unusedCommitment[scope.purchase]!))/month): freeing more saves nothing until it is re-used or expires")
                } else if reused < covered {
                    reasons.append("\(covered)/month of it runs on a \(scope); only \(reused)/month of on-demand usage in its reach "
                        + "is left in the bill to take the freed commitment, so \(covered - reused)/month saves nothing until it is re-used")
                } else {
                    reasons.append("\(covered)/month of it runs on a \(scope); the bill shows enough on-demand usage in its reach "
                        + "for the freed commitment to cover instead")
                }
            }
            if reasons.isEmpty { reasons.append("the capacity is billed at on-demand or spot rates: all of it shows on the bill") }
            if billed.partlyList { reasons.append("part of the figure is at list price: the bill does not have every node or volume involved") }
            findings[index].billedSavings = (realisable, reasons.joined(separator: "; "))
        }
    }
}
