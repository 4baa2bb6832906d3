/// US dollars held as whole cents, so totals are sums of integers and reconcile to the cent.
public struct Money: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var cents: Int64

    public init(cents: Int64) { self.cents = cents }

    /// Rounds half away from zero to the cent; clamped to ±$10¹⁵ (and NaN to zero) so no input can trap.
    public init(dollars: Double) {
        let scaled = (dollars * 100).rounded(.toNearestOrAwayFromZero)
        cents = scaled.isNaN ? 0 : Int64(max(-1e17, min(1e17, scaled)))
    }

    public static let zero = Money(cents: 0)

    public var dollars: Double { Double(cents) / 100 }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    /// `$1,234.56` (`-$12.00` when negative).
    public var description: String {
        let magnitude = cents.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let fraction = magnitude % 100
        return (cents < 0 ? "-$" : "$") + whole + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

extension Sequence where Element == Money {
    public func sum() -> Money { reduce(.zero, +) }
}
