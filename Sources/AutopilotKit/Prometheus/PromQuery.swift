import Foundation

/// One Prometheus HTTP API query: an instant query at `time`, or a range query over `start…end`.
public struct PromQuery: Hashable, Sendable {
    public enum Endpoint: String, Sendable { case instant = "query", range = "query_range" }

    public var endpoint: Endpoint
    public var expression: String
    /// Instant queries: the evaluation time. Range queries: the end.
    public var end: Date
    public var start: Date?
    public var step: Duration?
    /// What the query is for, in words, for error messages.
    public var purpose: String

    public static func instant(_ expression: String, at time: Date, purpose: String) -> PromQuery {
        PromQuery(endpoint: .instant, expression: expression, end: time, start: nil, step: nil, purpose: purpose)
    }

    public static func range(_ expression: String, start: Date, end: Date, step: Duration, purpose: String) -> PromQuery {
        PromQuery(endpoint: .range, expression: expression, end: end, start: start, step: step, purpose: purpose)
    }

    /// The form fields sent (by POST, so long expressions never go in a URL).
    public var formFields: [(String, String)] {
        switch endpoint {
        case .instant:
            return [("query", expression), ("time", Self.seconds(end))]
        case .range:
            return [("query", expression), ("start", Self.seconds(start ?? end)), ("end", Self.seconds(end)),
                    ("step", String(Int64(step?.seconds ?? 60)))]
        }
    }

    /// A stable name for the captured response: FNV-1a 64 of the endpoint and its fields.
    public var captureKey: String {
        StableHash.fnv1a64(([endpoint.rawValue] + formFields.map { "\($0.0)=\($0.1)" }).joined(separator: "\n"))
    }

    static func seconds(_ date: Date) -> String { String(Int64(date.timeIntervalSince1970.rounded())) }
}

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
