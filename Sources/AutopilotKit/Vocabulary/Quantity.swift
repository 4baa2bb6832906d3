import Foundation

/// A Kubernetes `resource.Quantity` string that could not be parsed, with the field it came from.
public struct QuantityError: Error, CustomStringConvertible, Equatable {
    public let field: String
    public let value: String
    /// Set when the quantity parses but cannot be a resource amount (negative, or beyond any machine).
    public var outOfRange: String?
    public init(field: String, value: String, outOfRange: String? = nil) {
        self.field = field
        self.value = value
        self.outOfRange = outOfRange
    }
    public var description: String {
        if let outOfRange { return "quantity \"\(value)\" in \(field) is \(outOfRange)" }
        return "invalid quantity \"\(value)\" in \(field): expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, e3 …)"
    }
}

/// The grammar of apimachinery's `resource.Quantity`:
///
///     quantity ::= signedNumber suffix
///     signedNumber ::= [+-] number          number ::= digits | digits "." digits | digits "." | "." digits
///     suffix ::= binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (n u m "" k M G T P E) | ("e" | "E") signedInteger
///
/// Values are computed exactly in decimal, then CPU becomes cores (Double) and memory bytes (Int64,
/// rounded up as Kubernetes rounds a fractional byte count).
public enum Quantity {
    /// Parses a CPU quantity to cores: "250m" → 0.25, "2" → 2.0, "1e3m" → 1.0.
    public static func cores(_ text: String, field: String) throws(QuantityError) -> Double {
        let exact = try decimal(text, field: field)
        return NSDecimalNumber(decimal: exact).doubleValue
    }

    /// Parses a memory or storage quantity to bytes: "1.5Gi" → 1610612736, "129e6" → 129000000.
    public static func bytes(_ text: String, field: String) throws(QuantityError) -> Int64 {
        var exact = try decimal(text, field: field)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .up)
        guard rounded <= Decimal(Int64.max), rounded >= Decimal(Int64.min) else {
            throw QuantityError(field: field, value: text, outOfRange: "beyond 8Ei")
        }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    private static let binarySuffixes: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    /// The exact value of a quantity.
    public static func decimal(_ text: String, field: String) throws(QuantityError) -> Decimal {
        let invalid = QuantityError(field: field, value: text)
        let characters = Array(text.utf8)
        var index = 0
        var negative = false
        if index < characters.count, characters[index] == UInt8(ascii: "+") || characters[index] == UInt8(ascii: "-") {
            negative = characters[index] == UInt8(ascii: "-")
            index += 1
        }
        // The number: digits with at most one point, at least one digit.
        var integerDigits: [UInt8] = []
        var fractionDigits: [UInt8] = []
        var sawPoint = false
        while index < characters.count {
            let byte = characters[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if sawPoint { fractionDigits.append(byte) } else { integerDigits.append(byte) }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { throw invalid }
        let suffix = String(decoding: characters[index...], as: UTF8.self)

        // Keep up to 30 significant digits: Decimal holds 38, and quantities never need more.
        let allDigits = integerDigits + fractionDigits
        guard allDigits.count <= 30,
            var value = Decimal(string: String(decoding: allDigits, as: UTF8.self), locale: Locale(identifier: "en_US_POSIX"))
        else { throw invalid }
        var exponent = -fractionDigits.count

        if let power = binarySuffixes[suffix] {
            for _ in 0..<power { value *= 1024 }
        } else if let power = decimalSuffixes[suffix] {
            exponent += power
        } else if let first = suffix.first, first == "e" || first == "E" {
            let rest = suffix.dropFirst()
            var digits = Substring(rest)
            if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let power = Int(rest.hasPrefix("+") ? String(rest.dropFirst()) : String(rest))
            else { throw invalid }
            exponent += power
        } else {
            throw invalid
        }
        guard abs(exponent) <= 60 else { throw invalid }
        value = Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: value)
        return value
    }
}
