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
