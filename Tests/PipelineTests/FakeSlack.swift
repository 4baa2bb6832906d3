import Foundation
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fake Slack in Support/fake_slack.py, started on 127.0.0.1 for one test and stopped after it. It serves
/// the Web API's chat methods, incoming webhooks and response_urls, holds the messages in memory and logs
/// every request as a JSON line.
final class FakeSlack {
    let process = Process()
    let port: Int
    let log: URL
    let token: String
    /// `http://127.0.0.1:PORT` (no trailing slash).
    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// What a client gets in place of `https://slack.com/api`: methods are `apiURL + "/chat.postMessage"`.
    var apiURL: String { baseURL + "/api" }
    /// An incoming webhook URL, in place of `https://hooks.slack.com/services/T…/B…/…`.
    var webhookURL: String { baseURL + "/services/T000/B000/XXXX" }

    /// A response_url, as Slack puts in an interactivity payload (`https://hooks.slack.com/actions/…`).
    /// `name` may contain slashes; each distinct URL takes at most 5 posts, as on Slack.
    func responseURL(_ name: String) -> String { baseURL + "/actions/" + name }

    /// Starts the server, requiring the bot token `token` on the Web API; `extraArguments` passes
    /// --rate-limit-once or --fail-all.
    init(scratch: URL, token: String, extraArguments: [String] = []) throws {
        self.token = token
        log = scratch.appendingPathComponent("fake-slack.jsonl")
        let errors = scratch.appendingPathComponent("fake-slack.stderr")
        let script = repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/fake_slack.py")
        port = try ServerProcess.start(process, arguments: ["python3", script.path, "--port", "0", "--log", log.path, "--token", token] + extraArguments,
                                       name: "fake Slack", stderr: errors)
    }

    /// The requests the server logged, oldest first: method, path, headers (lower-cased names:
    /// authorization, content-type, user-agent; only those sent), json (the parsed body or NSNull), form
    /// (the form fields or NSNull), status and answer (the JSON object answered, or the text for webhook
    /// and outage answers). The test's own /_fake/ calls are left out unless `includeControl`.
    func requests(includeControl: Bool = false) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Self.failure("log line is not an object: \(line)")
            }
            if !includeControl, let path = record["path"] as? String, path.hasPrefix("/_fake/") { return nil }
            return record
        }
    }

    /// Every message the server holds, in post order (chat.postMessage, chat.postEphemeral and webhook
    /// posts): channel (an id, or "webhook"), ts, text, blocks, thread_ts, method, unfurl_links,
    /// unfurl_media, ephemeral, user, path (webhooks), updates (chat.update count), history (the earlier
    /// {text, blocks}, oldest first) and edited. Absent values are NSNull.
    func messages() throws -> [[String: Any]] {
        try list("/_fake/messages")
    }

    /// Every accepted response_url post, oldest first: path, text, blocks, response_type, replace_original,
    /// delete_original, thread_ts and json (the whole body).
    func responses() throws -> [[String: Any]] {
        try list("/_fake/responses")
    }

    /// The channel ids the server gave out: `#name` (and user ids, for DMs) → id.
    func channels() throws -> [String: String] {
        let (status, data) = try control("GET", "/_fake/channels")
        guard status == 200, let map = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw Self.failure("GET /_fake/channels answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return map
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    private func list(_ path: String) throws -> [[String: Any]] {
        let (status, data) = try control("GET", path)
        guard status == 200, let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Self.failure("GET \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return list
    }

    /// One blocking request to the server's unauthenticated /_fake/ endpoints.
    /// From now on every request waits `seconds` before it is handled, as a slow Slack would.
    func delay(_ seconds: Double) throws {
        let (status, data) = try control("POST", "/_fake/delay/\(seconds)")
        guard status == 200 else {
            throw NSError(domain: "FakeSlack", code: 1, userInfo: [NSLocalizedDescriptionKey: "POST /_fake/delay answered \(status): \(String(decoding: data, as: UTF8.self))"])
        }
    }

    private func control(_ method: String, _ path: String) throws -> (status: Int, data: Data) {
        try blockingRequest(method, baseURL + path, domain: "FakeSlack")
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "FakeSlack", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
