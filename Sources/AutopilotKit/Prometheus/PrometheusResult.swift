/// One series of a Prometheus result: its labels and its samples (a vector has one).
public struct PromSeries: Sendable {
    public var labels: [String: String]
    public var samples: [(time: Double, value: Double)]
}

/// Why a query gave no data.
public enum PrometheusError: Error, CustomStringConvertible {
    /// Nothing answered (connection refused, timeout) after retries.
    case unreachable(String)
    /// The server answered with an HTTP error after retries.
    case http(status: Int, message: String)
    /// Prometheus refused the query (`"status":"error"`).
    case query(type: String, message: String)
    /// The body was not a Prometheus API response.
    case malformed(String)
    /// Replay: this query was never captured.
    case notCaptured(key: String)

    public var description: String {
        switch self {
        case .unreachable(let message): return "Prometheus unreachable: \(message)"
        case .http(let status, let message): return "Prometheus answered HTTP \(status): \(message)"
        case .query(let type, let message): return "Prometheus rejected the query (\(type)): \(message)"
        case .malformed(let message): return "not a Prometheus API response: \(message)"
        case .notCaptured(let key):
            return "no captured response \(key).json (was the capture made with the same --window, --step and --end?)"
        }
    }

    /// Whether nothing more can come from this server.
    public var isUnreachable: Bool {
        if case .unreachable = self { return true }
        return false
    }
}

/// Decodes a Prometheus HTTP API body (`vector` or `matrix`) into series.
public enum PrometheusResult {
    public static func decode(_ body: [UInt8]) throws(PrometheusError) -> [PromSeries] {
        if let series = PromResponseScanner.series(body) { return series }
        return try decodeTree(body)
    }

    /// The general path: a jansson tree, whose errors say what is wrong with the body.
    static func decodeTree(_ body: [UInt8]) throws(PrometheusError) -> [PromSeries] {
        let parsed: Result<JSON, JSONParseError> = body.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try JSON.parse(raw)) } catch { return .failure(error) }
        }
        guard case .success(let document) = parsed else {
            if case .failure(let error) = parsed { throw .malformed("\(error.message) at line \(error.line)") }
            throw .malformed("unreadable")
        }
        guard let status = document["status"]?.string else { throw .malformed("no status") }
        if status != "success" {
            throw .query(type: document["errorType"]?.string ?? "error", message: document["error"]?.string ?? "")
        }
        guard let data = document["data"], let type = data["resultType"]?.string else { throw .malformed("no data") }
        var series: [PromSeries] = []
        for entry in data["result"]?.array ?? [] {
            let labels = entry["metric"]?.stringMap ?? [:]
            var samples: [(Double, Double)] = []
            switch type {
            case "vector":
                if let pair = entry["value"], let sample = Self.sample(pair) { samples.append(sample) }
            case "matrix":
                for pair in entry["values"]?.array ?? [] { if let sample = Self.sample(pair) { samples.append(sample) } }
            default:
                throw .malformed("result type \(type)")
            }
            series.append(PromSeries(labels: labels, samples: samples))
        }
        return series
    }

    /// `[1700000000.123, "0.25"]`; NaN and infinities are dropped, never turned into numbers.
    private static func sample(_ pair: JSON) -> (Double, Double)? {
        let items = pair.array
        guard items.count == 2, let time = items[0].double, let text = items[1].string, let value = Double(text),
            value.isFinite
        else { return nil }
        return (time, value)
    }
}
