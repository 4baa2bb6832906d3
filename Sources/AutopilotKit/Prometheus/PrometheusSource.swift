import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Where query results come from: a live server, or responses captured earlier.
public protocol PrometheusSource: Sendable {
    /// The raw response body of one query.
    func fetch(_ query: PromQuery) throws(PrometheusError) -> [UInt8]
}

/// How to authenticate to Prometheus.
public enum PrometheusAuth: Sendable {
    case none
    case bearer(String)
    case basic(user: String, password: String)
    /// Amazon Managed Service for Prometheus: AWS Signature Version 4.
    case sigV4(SigV4Signer)
}

/// A live Prometheus over HTTP(S): queries go by POST, failures are retried with doubling backoff.
public final class LivePrometheus: PrometheusSource, @unchecked Sendable {
    public let baseURL: URL
    public let auth: PrometheusAuth
    public let retries: Int
    public let retryDelay: Double
    private let client: HTTPClient

    /// `caFile` adds a PEM bundle to the trusted roots, for a Prometheus behind a private CA.
    public init(
        baseURL: URL, auth: PrometheusAuth = .none, caFile: String? = nil, retries: Int = 3, retryDelay: Double = 0.5,
        timeout: Int64 = 120
    ) {
        self.baseURL = baseURL
        self.auth = auth
        self.retries = retries
        self.retryDelay = retryDelay
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: .seconds(timeout)))
        // Our own retries (with --retries and backoff) decide; AHC would silently retry a refused
        // connection until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    public func fetch(_ query: PromQuery) throws(PrometheusError) -> [UInt8] {
        var attempt = 0
        while true {
            let outcome = send(query)
            switch outcome {
            case .success(let body):
                return body
            case .failure(let error):
                let transient: Bool
                switch error {
                case .unreachable: transient = true
                case .http(let status, _): transient = status >= 500 || status == 429
                default: transient = false
                }
                guard transient && attempt < retries else { throw error }
                attempt += 1
                Thread.sleep(forTimeInterval: retryDelay * pow(2, Double(attempt - 1)))
            }
        }
    }

    private func send(_ query: PromQuery) -> Result<[UInt8], PrometheusError> {
        let url = baseURL.appendingPathComponent("api/v1/\(query.endpoint.rawValue)")
        let body = Array(Self.formEncode(query.formFields).utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        switch auth {
        case .none: break
        case .bearer(let token): headers.add(name: "Authorization", value: "Bearer \(token)")
        case .basic(let user, let password):
            headers.add(name: "Authorization", value: "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())")
        case .sigV4(let signer):
            let signed = signer.sign(
                method: "POST", url: url, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body,
                date: Date())
            for (name, value) in signed { headers.replaceOrAdd(name: name, value: value) }
        }
        do {
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
            let response = try client.execute(request: request).wait()
            let bytes = response.body.map { Array($0.readableBytesView) } ?? []
            let status = Int(response.status.code)
            // Prometheus reports a bad query as 400/422 with an error body: decoding says why.
            if (200..<300).contains(status) || status == 400 || status == 422 { return .success(bytes) }
            let text = String(decoding: bytes.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            return .failure(.http(status: status, message: text))
        } catch {
            // A server that refuses the credentials answers before reading the body and closes: the client
            // then fails on the body it could not finish sending. A GET without a body asks again, so a
            // wrong password reads "HTTP 401", not "unreachable". (SigV4 signs the POST: not re-asked.)
            if case .sigV4 = auth {} else if let refused = refusal(url, headers) { return .failure(refused) }
            return .failure(.unreachable("\(url.absoluteString): \(error)"))
        }
    }

    /// The 401 or 403 a bodiless GET of `url` gets, if that is what it gets.
    private func refusal(_ url: URL, _ headers: HTTPHeaders) -> PrometheusError? {
        var probeHeaders = headers
        probeHeaders.remove(name: "Content-Type")
        guard let request = try? HTTPClient.Request(url: url, method: .GET, headers: probeHeaders),
            let response = try? client.execute(request: request).wait(),
            response.status.code == 401 || response.status.code == 403
        else { return nil }
        let text = String(decoding: (response.body.map { Array($0.readableBytesView) } ?? []).prefix(300), as: UTF8.self)
        return .http(status: Int(response.status.code), message: text.replacingOccurrences(of: "\n", with: " "))
    }

    /// `application/x-www-form-urlencoded`, with everything but unreserved characters escaped.
    static func formEncode(_ fields: [(String, String)]) -> String {
        // ASCII only: CharacterSet.alphanumerics would let non-ASCII letters through unescaped.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }
}

/// Wraps a source and saves every response as `DIR/<key>.json`, with an index line per query in
/// `DIR/queries.ndjson`, for replay with `--from`.
public final class CapturingPrometheus: PrometheusSource, @unchecked Sendable {
    public let inner: PrometheusSource
    public let directory: String

    public init(_ inner: PrometheusSource, directory: String) throws {
        self.inner = inner
        self.directory = directory
        try FileIO.makeDirectory(directory)
    }

    public func fetch(_ query: PromQuery) throws(PrometheusError) -> [UInt8] {
        let body = try inner.fetch(query)
        do {
            try FileIO.writeAtomically(body, to: "\(directory)/\(query.captureKey).json")
        } catch {
            throw .unreachable("cannot save the capture: \(error)")
        }
        return body
    }

    /// Writes the index of captured queries (sorted by key, so the file is stable).
    public func writeIndex(_ queries: [PromQuery], settings: JSONValue) throws {
        try Self.writeIndex(queries, settings: settings, to: directory)
    }

    /// The index `--from` reads: the settings, then one line per query.
    public static func writeIndex(_ queries: [PromQuery], settings: JSONValue, to directory: String) throws {
        var lines: [UInt8] = []
        lines += settings.serialized() + [0x0A]
        for query in queries.sorted(by: { $0.captureKey < $1.captureKey }) {
            let entry: JSONValue = [
                "key": .string(query.captureKey), "endpoint": .string(query.endpoint.rawValue),
                "purpose": .string(query.purpose),
                "fields": .object(query.formFields.map { JSONValue.Member($0.0, .string($0.1)) }),
            ]
            lines += entry.serialized() + [0x0A]
        }
        try FileIO.writeAtomically(lines, to: "\(directory)/queries.ndjson")
    }
}

/// Responses captured earlier, looked up by query.
public struct ReplayPrometheus: PrometheusSource {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func fetch(_ query: PromQuery) throws(PrometheusError) -> [UInt8] {
        let path = "\(directory)/\(query.captureKey).json"
        do {
            return try FileIO.readAll(path)
        } catch {
            throw .notCaptured(key: query.captureKey)
        }
    }

    /// The settings the capture was made with (first line of `queries.ndjson`), if present.
    public func settings() -> JSON? {
        guard let bytes = try? FileIO.readAll("\(directory)/queries.ndjson"),
            let end = bytes.firstIndex(of: 0x0A)
        else { return nil }
        return try? Array(bytes[..<end]).withUnsafeBytes { raw throws(JSONParseError) in try JSON.parse(raw) }
    }
}
