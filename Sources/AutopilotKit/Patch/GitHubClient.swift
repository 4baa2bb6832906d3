import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// GitHub's REST API could not be asked, or refused.
public struct GitHubError: Error, CustomStringConvertible {
    public let description: String
    /// Nothing answered (or only 5xx after retries): a service outage, exit 69.
    public let unreachable: Bool
    /// The HTTP status GitHub answered with, when it answered.
    public var status: Int? = nil
}

/// The few GitHub REST calls emit-pr (and the Slack approvals) need, with the API's required headers,
/// retries on 5xx and waits on rate limits (403/429 with `Retry-After`). `apiURL` serves GitHub Enterprise.
public final class GitHubClient: @unchecked Sendable {
    public let apiURL: String
    public let owner: String
    public let repository: String
    private let token: String
    private let client: HTTPClient
    public var retries = 3
    /// The longest `Retry-After` honoured; longer waits fail the call instead of stalling a cron run.
    public var maximumWait: Double = 60

    public init(apiURL: String = "https://api.github.com", repository ownerAndName: String, token: String) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        let parts = ownerAndName.split(separator: "/", maxSplits: 1)
        owner = parts.first.map(String.init) ?? ""
        repository = parts.count > 1 ? String(parts[1]) : ""
        self.token = token
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    /// A pull request as emit-pr tracks it.
    public struct PullRequest: Sendable {
        public var number: Int64
        public var url: String
        public var nodeId: String
        public var state: String
        public var merged: Bool
        public var draft: Bool

        init(_ json: JSON) {
            number = json["number"]?.value.intValue ?? 0
            url = json["html_url"]?.string ?? ""
            nodeId = json["node_id"]?.string ?? ""
            state = json["state"]?.string ?? "open"
            merged = json["merged"]?.value == .bool(true) || json["merged_at"]?.string != nil
            draft = json["draft"]?.value == .bool(true)
        }
    }

    /// The newest pull request from `branch` (any state), if any.
    public func pullRequest(head branch: String) throws(GitHubError) -> PullRequest? {
        let head = "\(owner):\(branch)".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+:"))) ?? branch
        let list = try call(.GET, "/repos/\(owner)/\(repository)/pulls?head=\(head)&state=all&sort=created&direction=desc")
        return list.array.first.map(PullRequest.init)
    }

    public func pullRequest(number: Int64) throws(GitHubError) -> PullRequest {
        PullRequest(try call(.GET, "/repos/\(owner)/\(repository)/pulls/\(number)"))
    }

    /// Opens a pull request. A retried POST whose first answer was lost (a 5xx or a cut connection after
    /// GitHub had created it) meets 422 "A pull request already exists": that open PR is the one asked for.
    public func createPullRequest(head: String, base: String, title: String, body: String, draft: Bool) throws(GitHubError) -> PullRequest {
        do {
            return PullRequest(try call(.POST, "/repos/\(owner)/\(repository)/pulls", body: [
                "title": .string(title), "head": .string(head), "base": .string(base), "body": .string(body), "draft": .bool(draft),
                "maintainer_can_modify": .bool(true),
            ]))
        } catch {
            guard error.status == 422, error.description.contains("already exists"),
                let existing = try pullRequest(head: head), existing.state == "open"
            else { throw error }
            return existing
        }
    }

    public func updatePullRequest(_ number: Int64, title: String, body: String) throws(GitHubError) {
        _ = try call(.PATCH, "/repos/\(owner)/\(repository)/pulls/\(number)", body: ["title": .string(title), "body": .string(body)])
    }

    public func closePullRequest(_ number: Int64) throws(GitHubError) {
        _ = try call(.PATCH, "/repos/\(owner)/\(repository)/pulls/\(number)", body: ["state": "closed"])
    }

    public func addLabels(_ number: Int64, _ labels: [String]) throws(GitHubError) {
        guard !labels.isEmpty else { return }
        _ = try call(.POST, "/repos/\(owner)/\(repository)/issues/\(number)/labels", body: ["labels": .strings(labels)])
    }

    /// Draft → ready for review: only GitHub's GraphQL API can do it.
    public func markReadyForReview(nodeId: String) throws(GitHubError) {
        let query = "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft number } } }"
        let json = try call(.POST, "/graphql", body: ["query": .string(query), "variables": ["id": .string(nodeId)]])
        if let message = json["errors"]?.array.first?["message"]?.string { throw GitHubError(description: "GitHub GraphQL: \(message)", unreachable: false) }
    }

    /// What the token may do on the repository (GET /repos/OWNER/NAME's `permissions`: push, pull…) and, for a
    /// classic token, its scopes (`X-OAuth-Scopes`; nil for fine-grained tokens, which have none): autopilot-doctor.
    public func access() throws(GitHubError) -> (permissions: [String: Bool], scopes: [String]?) {
        let (json, headers) = try answer(.GET, "/repos/\(owner)/\(repository)")
        var permissions: [String: Bool] = [:]
        for (name, value) in json["permissions"]?.members ?? [] { permissions[name] = value.bool ?? false }
        let scopes = headers.first(name: "X-OAuth-Scopes").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return (permissions, scopes)
    }

    /// One call; returns the answer's JSON. 5xx and transport errors are retried with backoff; a rate
    /// limit (429, or 403 with Retry-After or no requests left) is waited out.
    public func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) throws(GitHubError) -> JSON {
        try answer(method, path, body: body).json
    }

    private func answer(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) throws(GitHubError) -> (json: JSON, headers: HTTPHeaders) {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/vnd.github+json")
        headers.add(name: "Authorization", value: "Bearer \(token)")
        headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        headers.add(name: "User-Agent", value: "autopilot-emit-pr")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let rateLimited = { (answer: RetryingHTTP.Answer) in
            answer.status == 429 || (answer.status == 403 && (answer.retryAfter != nil || answer.headers.first(name: "X-RateLimit-Remaining") == "0"))
        }
        let answer: RetryingHTTP.Answer
        do {
            answer = try RetryingHTTP(client: client, retries: retries, maximumWait: maximumWait)
                .send(apiURL + path, method: method, headers: headers, body: body?.serialized(), isRateLimited: rateLimited)
        } catch {
            switch error {
            case .transport(let reason): throw GitHubError(description: "GitHub API unreachable at \(apiURL): \(reason)", unreachable: true)
            case .waitTooLong(let seconds):
                throw GitHubError(description: "GitHub rate limit: retry after \(Int(seconds)) s, longer than \(Int(maximumWait)) s", unreachable: true)
            }
        }
        let parsed = try? JSON.parse(String(decoding: answer.body, as: UTF8.self))
        if (200..<300).contains(answer.status) {
            guard let parsed else { throw GitHubError(description: "GitHub \(method.rawValue) \(path) answered something that is not JSON", unreachable: false) }
            return (parsed, answer.headers)
        }
        var detail = parsed?["message"]?.string ?? String(decoding: answer.body.prefix(200), as: UTF8.self)
        if let first = parsed?["errors"]?.array.first { detail += ": " + (first["message"]?.string ?? first.value.text) }
        detail = detail.replacingOccurrences(of: "\n", with: " ")
        throw GitHubError(description: "GitHub \(method.rawValue) \(path.split(separator: "?").first ?? "") answered HTTP \(answer.status): \(detail)",
                          unreachable: answer.status >= 500 || rateLimited(answer), status: answer.status)
    }
}
