// AWS Signature Version 4 for HTTP requests with an `Authorization` header, as described in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// Used for Amazon Managed Service for Prometheus (service "aps"); S3-specific rules (single
// encoding without path normalization, UNSIGNED-PAYLOAD defaults) are deliberately left out.

import Foundation

/// AWS access key, secret and optional session token.
public struct AWSCredentials: Sendable {
    /// The access key id (`AKIA…` or `ASIA…`).
    public var accessKeyId: String
    /// The secret access key; never logged.
    public var secretAccessKey: String
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Credentials from their parts.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; nil if the first two are missing.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AWSCredentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible {
    /// The access key id only: the secret and the token are redacted.
    public var description: String {
        "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }

    /// Same as `description`: secrets are redacted.
    public var debugDescription: String { description }
}

/// Signs HTTP requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`, credentials in the `Authorization` header).
public struct SigV4Signer: Sendable {
    /// The credentials requests are signed with.
    public let credentials: AWSCredentials
    /// The AWS region, e.g. `us-east-1`.
    public let region: String
    /// The signing name of the service, `aps` for Amazon Managed Service for Prometheus.
    public let service: String

    static let algorithm = "AWS4-HMAC-SHA256"

    /// A signer for one region and service.
    public init(credentials: AWSCredentials, region: String, service: String = "aps") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Returns the headers to add (Authorization, X-Amz-Date, X-Amz-Content-Sha256 only if asked, X-Amz-Security-Token when a session token is set; Host is NOT added — the caller's URL carries it, but it IS signed).
    ///
    /// Every header in `headers` is signed (except `Authorization`), so the request must be sent with
    /// exactly those values. An `X-Amz-Date` in `headers` is used as given instead of `date`; an
    /// `X-Amz-Content-Sha256` in `headers` is used as the payload hash; a `Host` in `headers` overrides
    /// the host taken from `url`.
    public func sign(method: String, url: URL, headers: [String: String], body: [UInt8], date: Date, addContentSHA256Header: Bool = false) -> [String: String] {
        let signed = compute(method: method, url: url, headers: headers, body: body, date: date, addContentSHA256Header: addContentSHA256Header)
        var out = signed.addedHeaders
        out["Authorization"] = signed.authorization
        return out
    }

    /// The intermediate artefacts, for tests: canonical request, string to sign, signature.
    public func artefacts(method: String, url: URL, headers: [String: String], body: [UInt8], date: Date) -> (canonicalRequest: String, stringToSign: String, signature: String, authorization: String) {
        let signed = compute(method: method, url: url, headers: headers, body: body, date: date, addContentSHA256Header: false)
        return (signed.canonicalRequest, signed.stringToSign, signed.signature, signed.authorization)
    }

    // MARK: - The signing process

    private struct Signed {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String
        var addedHeaders: [String: String]
    }

    private func compute(method: String, url: URL, headers: [String: String], body: [UInt8], date: Date, addContentSHA256Header: Bool) -> Signed {
        // Caller headers, grouped by lowercase name. Keys that differ only in case are joined with
        // commas, in a deterministic order (by original key), as repeated headers would be.
        var values: [String: [String]] = [:]
        for name in headers.keys.sorted() {
            let lower = name.lowercased()
            if lower == "authorization" { continue }
            values[lower, default: []].append(headers[name]!)
        }
        var added: [String: String] = [:]

        let amzDate: String
        if let given = values["x-amz-date"]?.first {
            amzDate = Self.trimAll(given)
        } else {
            amzDate = Self.amzDate(date)
            values["x-amz-date"] = [amzDate]
        }
        added["X-Amz-Date"] = amzDate
        let dateStamp = String(amzDate.prefix(8))

        if values["host"] == nil {
            values["host"] = [Self.hostHeader(url)]
        }

        let payloadHash: String
        if let given = values["x-amz-content-sha256"]?.first {
            payloadHash = Self.trimAll(given)
        } else {
            payloadHash = SHA256.hex(SHA256.hash(body))
            if addContentSHA256Header { values["x-amz-content-sha256"] = [payloadHash] }
        }
        if addContentSHA256Header { added["X-Amz-Content-Sha256"] = payloadHash }

        if let token = credentials.sessionToken {
            values["x-amz-security-token"] = [token]
            added["X-Amz-Security-Token"] = token
        }

        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var canonicalHeaders = ""
        for name in names {
            let value = values[name]!.map(Self.trimAll).joined(separator: ",")
            canonicalHeaders += "\(name):\(value)\n"
        }
        let signedHeaders = names.joined(separator: ";")

        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(url),
            Self.canonicalQuery(url),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")

        let scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            Self.algorithm,
            amzDate,
            scope,
            SHA256.hex(SHA256.hash(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")

        let signature = SHA256.hex(HMACSHA256.authenticate(Array(stringToSign.utf8), key: signingKey(dateStamp: dateStamp)))
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                      authorization: authorization, addedHeaders: added)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(dateStamp: String) -> [UInt8] {
        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [dateStamp, region, service, "aws4_request"] {
            key = HMACSHA256.authenticate(Array(part.utf8), key: key)
        }
        return key
    }

    // MARK: - Canonical parts

    /// `20150830T123600Z`: the instant in UTC, ISO 8601 basic format, whole seconds.
    static func amzDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The `host` header value: the URL's host, with the port unless it is the scheme's default.
    static func hostHeader(_ url: URL) -> String {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        var host = components?.percentEncodedHost ?? url.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }  // IPv6 literal
        if let port = components?.port ?? url.port {
            let scheme = (components?.scheme ?? url.scheme ?? "").lowercased()
            let isDefault = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
            if !isDefault { host += ":\(port)" }
        }
        return host
    }

    /// The normalized absolute path, each segment percent-decoded then URI-encoded once.
    ///
    /// Empty and `.` segments are removed and `..` removes the segment before it (RFC 3986
    /// dot-segment removal, plus the collapsing of repeated slashes the SigV4 test suite expects).
    /// A trailing slash is kept.
    static func canonicalURI(_ url: URL) -> String {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        let path = components?.percentEncodedPath ?? url.path
        if path.isEmpty { return "/" }
        let raw = path.split(separator: "/", omittingEmptySubsequences: false)
        var segments: [String] = []
        for segment in raw {
            switch segment {
            case "", ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(uriEncode(percentDecode(segment)))
            }
        }
        let last = raw.last ?? ""
        let trailingSlash = last.isEmpty || last == "." || last == ".."
        if segments.isEmpty { return "/" }
        return "/" + segments.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    /// Query parameters, each name and value percent-decoded then URI-encoded, sorted by name then
    /// value, joined as `name=value` with `&` (the `=` is kept for empty values).
    static func canonicalQuery(_ url: URL) -> String {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: true)?.percentEncodedQuery,
              !query.isEmpty
        else { return "" }
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring, value: Substring
            if let equals = item.firstIndex(of: "=") {
                name = item[..<equals]
                value = item[item.index(after: equals)...]
            } else {
                name = item
                value = ""
            }
            pairs.append((Array(uriEncode(percentDecode(name)).utf8), Array(uriEncode(percentDecode(value)).utf8)))
        }
        pairs.sort { a, b in
            a.name != b.name ? a.name.lexicographicallyPrecedes(b.name) : a.value.lexicographicallyPrecedes(b.value)
        }
        return pairs.map { String(decoding: $0.name, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) }
            .joined(separator: "&")
    }

    /// Leading and trailing whitespace removed, inner runs of whitespace collapsed to one space.
    static func trimAll(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `%XX` sequences to bytes; anything else (including a malformed `%`) kept as its UTF-8 bytes.
    static func percentDecode<S: StringProtocol>(_ text: S) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` becomes `%XX` (uppercase hex).
    static func uriEncode(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
