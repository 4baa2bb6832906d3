/// A Prometheus duration (`30s`, `5m`, `1h`, `14d`, `1w`), kept in whole seconds.
public struct Duration: Hashable, Sendable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    /// Parses `14d`, `5m`, `90s`, `1h30m`; nil for anything else.
    public init?(_ text: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        var total: Int64 = 0
        var digits = ""
        for character in text {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let value = Int64(digits) {
                total += value * unit
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, total > 0 else { return nil }
        seconds = total
    }

    /// The shortest Prometheus spelling: `14d`, `5m`, `90s`.
    public var description: String {
        for (unit, size) in [("w", Int64(604_800)), ("d", 86400), ("h", 3600), ("m", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
