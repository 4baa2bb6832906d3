import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Log lines for an evidence pack from Grafana Loki's `GET /loki/api/v1/query_range`: the target's pods,
/// filtered to lines that look like trouble, newest first.
public final class LokiLogs: @unchecked Sendable {
    public let baseURL: URL
    public let token: String?
    /// LogQL line filter applied to the pods' streams (case-insensitive regex).
    public var lineFilter = "(?i)(error|exception|panic|fatal|oom|killed|timeout|refused)"
    public var limit = 50
    public let retries: Int
    private let client: HTTPClient
    /// The first failure: after it the run stops asking (one outage, one report, no retry storm).
    private(set) var failure: LokiError?

    public init(baseURL: URL, token: String? = nil, retries: Int = 2) {
        self.baseURL = baseURL
        self.token = token
        self.retries = retries
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    /// GET /ready: 200 once Loki serves queries (autopilot-doctor).
    public func ready() throws(LokiError) {
        var headers = HTTPHeaders()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: UInt
        do {
            let request = try HTTPClient.Request(url: baseURL.appendingPathComponent("ready").absoluteString, method: .GET, headers: headers)
            status = try client.execute(request: request).wait().status.code
        } catch {
            throw LokiError("Loki unreachable at \(baseURL.absoluteString): \(error)")
        }
        guard status == 200 else { throw LokiError("Loki answered HTTP \(status) at /ready") }
    }

    public struct Line: Sendable {
        /// RFC 3339, from Loki's nanosecond timestamp.
        public var time: String
        public var nanoseconds: String
        public var labels: [String: String]
        public var text: String
    }

    /// The LogQL query for some pods of a namespace.
    public func query(namespace: String, pods: [String]) -> String {
        "{\(PromQL.equals("namespace", namespace)), \(PromQL.oneOf("pod", pods))} |~ `\(lineFilter)`"
    }

    /// Lines of `pods` between `start` and `end`, newest first, at most `limit`.
    public func lines(namespace: String, pods: [String], start: Date, end: Date) throws(LokiError) -> [Line] {
        guard !pods.isEmpty else { return [] }
        if let failure { throw LokiError(failure.description, repeated: true) }
        do { return try ask(namespace: namespace, pods: pods, start: start, end: end) } catch {
            failure = error
            throw error
        }
    }

    private func ask(namespace: String, pods: [String], start: Date, end: Date) throws(LokiError) -> [Line] {
        let fields = [
            ("query", query(namespace: namespace, pods: pods)), ("start", Self.nanoseconds(start)), ("end", Self.nanoseconds(end)),
            ("limit", String(limit)), ("direction", "backward"),
        ]
        var components = URLComponents(url: baseURL.appendingPathComponent("loki/api/v1/query_range"), resolvingAgainstBaseURL: false)!
        components.percentEncodedQuery = LivePrometheus.formEncode(fields)
        let url = components.url!
        var attempt = 0
        while true {
            do {
                var headers = HTTPHeaders()
                headers.add(name: "Accept", value: "application/json")
                if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
                let request = try HTTPClient.Request(url: url, method: .GET, headers: headers)
                let response = try client.execute(request: request).wait()
                let body = response.body.map { Array($0.readableBytesView) } ?? []
                let status = Int(response.status.code)
                guard (200..<300).contains(status) else {
                    let message = String(decoding: body.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                    if status >= 500 && attempt < retries {
                        attempt += 1
                        Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
                        continue
                    }
                    throw LokiError("Loki answered HTTP \(status): \(message)")
                }
                return try Self.decode(body)
            } catch let error as LokiError {
                throw error
            } catch {
                if attempt < retries {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
                    continue
                }
                throw LokiError("Loki unreachable at \(baseURL.absoluteString): \(error)")
            }
        }
    }

    /// A `streams` result: every (timestamp, line) with its stream's labels, newest first.
    static func decode(_ body: [UInt8]) throws(LokiError) -> [Line] {
        let json: JSON
        do { json = try JSON.parse(String(decoding: body, as: UTF8.self)) } catch {
            throw LokiError("Loki answered with something that is not JSON: \(error.message)")
        }
        guard json["status"]?.string == "success", json["data", "resultType"]?.string == "streams" else {
            throw LokiError("Loki: \(json["error"]?.string ?? "not a streams result")")
        }
        var lines: [Line] = []
        for stream in json["data", "result"]?.array ?? [] {
            let labels = stream["stream"]?.stringMap ?? [:]
            for value in stream["values"]?.array ?? [] {
                guard let stamp = value.array.first?.string, let text = value.array.dropFirst().first?.string,
                    let nanoseconds = Int64(stamp) else { continue }
                let time = RFC3339.string(Date(timeIntervalSince1970: Double(nanoseconds / 1_000_000_000)))
                lines.append(Line(time: time, nanoseconds: stamp, labels: labels, text: text))
            }
        }
        return lines.sorted { ($0.nanoseconds.count, $0.nanoseconds, $0.text) > ($1.nanoseconds.count, $1.nanoseconds, $1.text) }
    }

    static func nanoseconds(_ date: Date) -> String { String(Int64(date.timeIntervalSince1970.rounded()) * 1_000_000_000) }
}

/// Loki could not be asked, or answered something unusable.
public struct LokiError: Error, CustomStringConvertible {
    public let description: String
    /// The same failure again, after the first was reported.
    public let repeated: Bool
    init(_ description: String, repeated: Bool = false) {
        self.description = description
        self.repeated = repeated
    }
}
