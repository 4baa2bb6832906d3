import Foundation

/// Slack's request signing: `X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the
/// app's signing secret. Checked before the body is read for anything else; old timestamps are refused so a
/// captured request cannot be replayed later.
public enum SlackSignature {
    /// How old a request may be (Slack's recommendation: five minutes).
    public static let window: TimeInterval = 300

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeaders
        case staleTimestamp
        case badSignature

        public var description: String {
            switch self {
            case .missingHeaders: "missing X-Slack-Request-Timestamp or X-Slack-Signature"
            case .staleTimestamp: "timestamp outside the 5-minute window (a replay, or a clock off)"
            case .badSignature: "signature does not match (wrong signing secret, or the body was changed)"
            }
        }
    }

    public static func signature(timestamp: String, body: [UInt8], secret: [UInt8]) -> String {
        "v0=" + SHA256.hex(HMACSHA256.authenticate(Array("v0:\(timestamp):".utf8) + body, key: secret))
    }

    /// Checks a request's headers and raw body against `secret` at time `now`.
    public static func verify(timestamp: String?, signature: String?, body: [UInt8], secret: [UInt8], now: Date = Date()) -> Result<Void, Failure> {
        guard let timestamp, let signature, !timestamp.isEmpty, !signature.isEmpty else { return .failure(.missingHeaders) }
        guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= window else {
            return .failure(.staleTimestamp)
        }
        let expected = Array(Self.signature(timestamp: timestamp, body: body, secret: secret).utf8)
        return constantTimeEqual(expected, Array(signature.utf8)) ? .success(()) : .failure(.badSignature)
    }

    /// Compares every byte whatever the first difference, so timing tells nothing about the signature.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
