import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP call with the retries Autopilot's API clients share: transport errors and 5xx retried with a
/// growing pause, a rate limit waited out for its `Retry-After` (never longer than `maximumWait`). The last
/// answer, whatever its status, goes back to the caller, which words its own errors.
struct RetryingHTTP {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var retryAfter: Double? { headers.first(name: "Retry-After").flatMap(Double.init) }
    }

    enum Failure: Error {
        /// Nothing answered after the retries.
        case transport(String)
        /// The server asked for a longer wait than we accept.
        case waitTooLong(seconds: Double)
    }

    let client: HTTPClient
    let retries: Int
    let maximumWait: Double

    func send(_ url: String, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8]?,
              isRateLimited: (Answer) -> Bool) throws(Failure) -> Answer {
        var attempt = 0
        while true {
            let answer: Answer
            do {
                let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .bytes($0) })
                let response = try client.execute(request: request).wait()
                answer = Answer(status: Int(response.status.code), headers: response.headers,
                                body: response.body.map { Array($0.readableBytesView) } ?? [])
            } catch {
                guard attempt < retries else { throw .transport("\(error)") }
                attempt += 1
                Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
                continue
            }
            if (200..<300).contains(answer.status) || attempt >= retries { return answer }
            if isRateLimited(answer) {
                let wait = answer.retryAfter ?? 1
                guard wait <= maximumWait else { throw .waitTooLong(seconds: wait) }
                attempt += 1
                Thread.sleep(forTimeInterval: wait)
                continue
            }
            guard answer.status >= 500 else { return answer }
            attempt += 1
            Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
        }
    }
}
