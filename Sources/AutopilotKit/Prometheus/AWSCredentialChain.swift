import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where SigV4 credentials come from, in the order the AWS SDKs look (the shared config files aside):
///
/// 1. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`;
/// 2. a web identity (IRSA on EKS): `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, exchanged with STS'
///    AssumeRoleWithWebIdentity (an unsigned call; `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` overrides
///    the regional endpoint);
/// 3. a container credentials endpoint (EKS Pod Identity, ECS): `AWS_CONTAINER_CREDENTIALS_FULL_URI` with
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `_TOKEN`, or `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`;
/// 4. the EC2 instance profile through IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides the address,
///    `AWS_EC2_METADATA_DISABLED=true` skips it).
///
/// The credentials are fetched once per process and not refreshed: IRSA's last an hour by default (the
/// role's maximum session), IMDS' and Pod Identity's several hours. A collect-metrics run is minutes.
public enum AWSCredentialChain {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The first source that is configured; nil when none is (and the instance metadata does not answer).
    /// A source that is configured but fails is an error naming it, not a silent fall-through.
    public static func resolve(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(Failure) -> AWSCredentials? {
        if let credentials = AWSCredentials.fromEnvironment(environment) { return credentials }
        let http = OneShotHTTP()
        if let tokenFile = nonEmpty(environment["AWS_WEB_IDENTITY_TOKEN_FILE"]), let role = nonEmpty(environment["AWS_ROLE_ARN"]) {
            return try webIdentity(tokenFile: tokenFile, role: role, environment: environment, http: http)
        }
        if let full = nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]) {
            return try container(full, environment: environment, http: http)
        }
        if let relative = nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
            return try container("http://169.254.170.2" + relative, environment: environment, http: http)
        }
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        return try instanceProfile(environment: environment, http: http)
    }

    private static func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }

    // MARK: Web identity (IRSA)

    static func webIdentity(tokenFile: String, role: String, environment: [String: String], http: OneShotHTTP) throws(Failure) -> AWSCredentials {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
              !token.isEmpty else {
            throw Failure(description: "AWS_WEB_IDENTITY_TOKEN_FILE: cannot read a token from \(tokenFile)")
        }
        let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"])
        let endpoint = nonEmpty(environment["AWS_ENDPOINT_URL_STS"]) ?? nonEmpty(environment["AWS_ENDPOINT_URL"])
            ?? region.map { "https://sts.\($0).amazonaws.com" } ?? "https://sts.amazonaws.com"
        let session = nonEmpty(environment["AWS_ROLE_SESSION_NAME"]) ?? "autopilot-\(getpid())"
        let form = LivePrometheus.formEncode([
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
            ("RoleSessionName", session), ("WebIdentityToken", token),
        ])
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        let answer = try http.send(endpoint + "/", method: .POST, headers: headers, body: Array(form.utf8), what: "STS AssumeRoleWithWebIdentity")
        let xml = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200 else {
            let reason = element("Message", in: xml) ?? element("Code", in: xml) ?? "HTTP \(answer.status)"
            throw Failure(description: "STS AssumeRoleWithWebIdentity for \(role) at \(endpoint) refused: \(reason)")
        }
        guard let id = element("AccessKeyId", in: xml), let secret = element("SecretAccessKey", in: xml) else {
            throw Failure(description: "STS AssumeRoleWithWebIdentity at \(endpoint) answered without credentials")
        }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: element("SessionToken", in: xml))
    }

    /// The text of the first `<name>…</name>` (STS' answers are flat, with no attributes on these).
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Container credentials (EKS Pod Identity, ECS)

    static func container(_ uri: String, environment: [String: String], http: OneShotHTTP) throws(Failure) -> AWSCredentials {
        var headers = HTTPHeaders()
        if let file = nonEmpty(environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw Failure(description: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: cannot read \(file)")
            }
            headers.add(name: "Authorization", value: token)
        } else if let token = nonEmpty(environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) {
            headers.add(name: "Authorization", value: token)
        }
        let answer = try http.send(uri, method: .GET, headers: headers, body: nil, what: "the container credentials endpoint")
        guard answer.status == 200 else {
            throw Failure(description: "the container credentials endpoint \(uri) answered HTTP \(answer.status)")
        }
        return try credentials(fromJSON: answer.body, source: uri)
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, as the container endpoint and IMDS answer.
    static func credentials(fromJSON body: [UInt8], source: String) throws(Failure) -> AWSCredentials {
        guard let json = try? JSON.parse(String(decoding: body, as: UTF8.self)),
              let id = json["AccessKeyId"]?.string, let secret = json["SecretAccessKey"]?.string else {
            throw Failure(description: "\(source) answered without AccessKeyId and SecretAccessKey")
        }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: json["Token"]?.string)
    }

    // MARK: EC2 instance profile (IMDSv2)

    static func instanceProfile(environment: [String: String], http: OneShotHTTP) throws(Failure) -> AWSCredentials? {
        let base = (nonEmpty(environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]) ?? "http://169.254.169.254")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var tokenHeaders = HTTPHeaders()
        tokenHeaders.add(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")
        // Not on EC2 (nothing answers the link-local address): no instance profile, not an error.
        guard let tokenAnswer = try? http.send(base + "/latest/api/token", method: .PUT, headers: tokenHeaders, body: nil, what: "IMDS"),
              tokenAnswer.status == 200 else { return nil }
        var headers = HTTPHeaders()
        headers.add(name: "X-aws-ec2-metadata-token", value: String(decoding: tokenAnswer.body, as: UTF8.self))
        let path = base + "/latest/meta-data/iam/security-credentials/"
        let roles = try http.send(path, method: .GET, headers: headers, body: nil, what: "IMDS")
        guard roles.status == 200, let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first else {
            throw Failure(description: "this EC2 instance has no instance profile role (IMDS answered HTTP \(roles.status) at \(path))")
        }
        let answer = try http.send(path + role, method: .GET, headers: headers, body: nil, what: "IMDS")
        guard answer.status == 200 else { throw Failure(description: "IMDS answered HTTP \(answer.status) for the role \(role)") }
        return try credentials(fromJSON: answer.body, source: "IMDS role \(role)")
    }
}

/// One HTTP request with short timeouts and no retries: the credential sources answer locally (or not at all).
final class OneShotHTTP {
    private let client: HTTPClient

    init() {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    func send(_ url: String, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8]?, what: String) throws(AWSCredentialChain.Failure)
        -> (status: Int, body: [UInt8])
    {
        do {
            let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .bytes($0) })
            let response = try client.execute(request: request).wait()
            return (Int(response.status.code), response.body.map { Array($0.readableBytesView) } ?? [])
        } catch {
            throw AWSCredentialChain.Failure(description: "\(what) at \(url) did not answer: \(error)")
        }
    }
}

extension PrometheusAuth {
    /// Prometheus' credentials from the options collect-metrics and autopilot.yaml share: SigV4 through the
    /// credential chain, else a bearer token file, else a `user:password` file, else none.
    public enum Problem: Error, CustomStringConvertible {
        /// The files or settings are wrong (a usage mistake).
        case settings(String)
        /// A credential source is configured but did not answer or refused.
        case credentials(AWSCredentialChain.Failure)

        public var description: String {
            switch self {
            case .settings(let message): message
            case .credentials(let failure): failure.description
            }
        }
    }

    public static func resolve(sigv4Region: String?, tokenFile: String?, basicAuthFile: String?) throws(Problem) -> PrometheusAuth {
        if let sigv4Region {
            let credentials: AWSCredentials?
            do { credentials = try AWSCredentialChain.resolve() } catch { throw .credentials(error) }
            guard let credentials else {
                throw .settings("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role (IRSA, EKS Pod Identity, an EC2 instance profile)")
            }
            return .sigV4(SigV4Signer(credentials: credentials, region: sigv4Region))
        }
        if let tokenFile {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw .settings("cannot read the token file \(tokenFile)")
            }
            return .bearer(token)
        }
        if let basicAuthFile {
            guard let text = try? String(contentsOfFile: basicAuthFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw .settings("cannot read \(basicAuthFile)")
            }
            guard let colon = text.firstIndex(of: ":") else { throw .settings("\(basicAuthFile): expected user:password") }
            return .basic(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        return .none
    }
}
