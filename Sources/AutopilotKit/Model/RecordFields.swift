extension JSON {
    /// The number at `path`, which must lie in `bounds`; nil when absent or null. Anything else (a string,
    /// a negative request, 1e300) is a `RecordError` naming the field.
    func number(_ path: String..., within bounds: ClosedRange<Double>) throws(RecordError) -> Double? {
        try Self.number(self[path], path.joined(separator: "."), within: bounds)
    }

    /// The integer at `path`, which must lie in `bounds`; nil when absent or null.
    func integer(_ path: String..., within bounds: ClosedRange<Int64>) throws(RecordError) -> Int64? {
        guard let value = self[path], !value.isNull else { return nil }
        guard let number = value.int else {
            throw RecordError("\(path.joined(separator: ".")) is \(value.value.text.prefix(40)), not a whole number")
        }
        guard bounds.contains(number) else {
            throw RecordError("\(path.joined(separator: ".")) is \(number), outside \(bounds.lowerBound)…\(bounds.upperBound)")
        }
        return number
    }

    static func number(_ value: JSON?, _ field: String, within bounds: ClosedRange<Double>) throws(RecordError) -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.double else { throw RecordError("\(field) is \(value.value.text.prefix(40)), not a number") }
        guard number.isFinite, bounds.contains(number) else {
            throw RecordError("\(field) is \(number), outside \(bounds.lowerBound.short)…\(bounds.upperBound.short)")
        }
        return number
    }
}
