import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Slack could not be reached, or said no.
public struct SlackError: Error, CustomStringConvertible {
    public let description: String
    /// Nothing answered, or only 5xx / rate limits after retries: an outage, exit 69.
    public let unreachable: Bool
}

/// Slack's Web API (`chat.postMessage`, `chat.update`, with a bot token), incoming webhooks and
/// `response_url`s. HTTP 429 is waited out for its `Retry-After` (up to `maximumWait`), 5xx retried.
public final class SlackClient: @unchecked Sendable {
    public let apiURL: String
    private let token: String?
    private let client: HTTPClient
    public var retries = 3
    public var maximumWait: Double = 60

    public init(apiURL: String = "https://slack.com/api", token: String?) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    /// Posts a message; returns the channel id and the message's `ts` (its id, for updates and threads).
    public func postMessage(channel: String, text: String, blocks: JSONValue?, threadTs: String? = nil) throws(SlackError) -> (channel: String, ts: String) {
        var payload: JSONValue = ["channel": .string(channel), "text": .string(text), "unfurl_links": false]
        if let blocks { payload.set("blocks", to: blocks) }
        if let threadTs { payload.set("thread_ts", to: .string(threadTs)) }
        let answer = try api("chat.postMessage", payload)
        guard let ts = answer["ts"]?.string else { throw SlackError(description: "Slack chat.postMessage answered without a ts", unreachable: false) }
        return (answer["channel"]?.string ?? channel, ts)
    }

    public func update(channel: String, ts: String, text: String, blocks: JSONValue) throws(SlackError) {
        _ = try api("chat.update", ["channel": .string(channel), "ts": .string(ts), "text": .string(text), "blocks": blocks])
    }

    /// A Web API method with the bot token; Slack's `ok: false` becomes an error naming Slack's reason.
    public func api(_ method: String, _ payload: JSONValue) throws(SlackError) -> JSON {
        guard let token else { throw SlackError(description: "no SLACK_BOT_TOKEN for \(method)", unreachable: false) }
        let body = try send(apiURL + "/" + method, payload, token: token)
        guard let json = try? JSON.parse(String(decoding: body, as: UTF8.self)) else {
            throw SlackError(description: "Slack \(method) answered something that is not JSON", unreachable: false)
        }
        guard json["ok"]?.bool == true else {
            throw SlackError(description: "Slack \(method): \(json["error"]?.string ?? "not ok")", unreachable: false)
        }
        return json
    }

    /// Posts to an incoming webhook or a `response_url` (no token: the URL is the credential).
    public func post(to url: String, _ payload: JSONValue) throws(SlackError) {
        _ = try send(url, payload, token: nil)
    }

    private func send(_ url: String, _ payload: JSONValue, token: String?) throws(SlackError) -> [UInt8] {
        let name = url.hasPrefix(apiURL) ? String(url.dropFirst(apiURL.count + 1)) : "webhook"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "User-Agent", value: "autopilot-notify-slack")
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let answer: RetryingHTTP.Answer
        do {
            answer = try RetryingHTTP(client: client, retries: retries, maximumWait: maximumWait)
                .send(url, method: .POST, headers: headers, body: payload.serialized(), isRateLimited: { $0.status == 429 })
        } catch {
            switch error {
            case .transport(let reason): throw SlackError(description: "Slack unreachable (\(name)): \(reason)", unreachable: true)
            case .waitTooLong(let seconds): throw SlackError(description: "Slack rate limit on \(name): retry after \(Int(seconds)) s", unreachable: true)
            }
        }
        if (200..<300).contains(answer.status) { return answer.body }
        let text = String(decoding: answer.body.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        let outage = answer.status >= 500 || answer.status == 429
        throw SlackError(description: "\(outage ? "Slack unreachable: " : "Slack ")\(name) answered HTTP \(answer.status): \(text)", unreachable: outage)
    }
}
