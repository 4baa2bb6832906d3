// The vocabulary's words as JSON reads and writes them: kept here, in IO, so Vocabulary/ uses nothing above it.

extension Quantity {
    /// A quantity that may also arrive as a JSON number (YAML manifests write `cpu: 1`).
    public static func cores(_ json: JSON, field: String) throws(QuantityError) -> Double {
        if let number = json.double { return number }
        guard let text = json.string else { throw QuantityError(field: field, value: json.value.text) }
        return try cores(text, field: field)
    }

    /// A quantity that may also arrive as a JSON number.
    public static func bytes(_ json: JSON, field: String) throws(QuantityError) -> Int64 {
        if let number = json.int { return number }
        if let number = json.double {
            guard number.isFinite, abs(number) < 9.2e18 else { throw QuantityError(field: field, value: json.value.text, outOfRange: "beyond 8Ei") }
            return Int64(number.rounded(.up))
        }
        guard let text = json.string else { throw QuantityError(field: field, value: json.value.text) }
        return try bytes(text, field: field)
    }
}

extension Money {
    public var json: JSONValue { .double(dollars) }
}
