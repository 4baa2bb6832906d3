import Foundation
import XCTest

/// collect-metrics --sigv4-region (Amazon Managed Prometheus) with the credentials an EKS pod or an EC2
/// bastion really has: a web identity exchanged with STS (IRSA), EKS Pod Identity's container endpoint,
/// the instance profile through IMDSv2. A local stand-in answers for the three AWS endpoints, through the
/// SDKs' own override variables, and a stand-in Prometheus logs how each request was signed.
final class AWSCredentialSourcesTests: XCTestCase {
    private let input = #"{"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","containers":[{"name":"app"}]}"# + "\n"

    private func start(_ script: String, _ arguments: [String], scratch: URL) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/\(script)").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        addTeardownBlock { process.terminate(); process.waitUntilExit() }
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        return try XCTUnwrap(Int(line.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("LISTENING ".count)))
    }

    private func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The environment of a pod or host with no static keys: every AWS_* variable of this machine removed.
    private func bare() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
    }

    private struct Setup {
        var aws: String
        var awsLog: URL
        var prometheus: String
        var prometheusLog: URL
        var scratch: URL
    }

    private func setUp(_ scratch: URL) throws -> Setup {
        let awsLog = scratch.appendingPathComponent("aws.log")
        let promLog = scratch.appendingPathComponent("prometheus.log")
        let aws = try start("fake_aws_credentials.py", ["--log", awsLog.path], scratch: scratch)
        let prom = try start("fake_prometheus.py", ["--mode", "empty", "--log", promLog.path, "--log-auth"], scratch: scratch)
        return Setup(aws: "http://127.0.0.1:\(aws)", awsLog: awsLog, prometheus: "http://127.0.0.1:\(prom)", prometheusLog: promLog, scratch: scratch)
    }

    private func collect(_ setup: Setup, _ environment: [String: String]) throws -> ToolResult {
        try Tool.run("collect-metrics", ["--prometheus", setup.prometheus, "--end", "1700000000", "--sigv4-region", "us-east-1"],
                     stdin: input, environment: environment)
    }

    private func assertSigned(_ setup: Setup, by source: String, file: StaticString = #filePath, line: UInt = #line) {
        let sent = lines(setup.prometheusLog)
        XCTAssertFalse(sent.isEmpty, file: file, line: line)
        for request in sent {
            XCTAssertTrue(request.contains("| AWS4-HMAC-SHA256 Credential=ASIA\(source.uppercased())EXAMPLE/"), request, file: file, line: line)
            XCTAssertTrue(request.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"), request, file: file, line: line)
            XCTAssertTrue(request.hasSuffix("| \(source)-session-token"), request, file: file, line: line)
        }
    }

    func testAWebIdentityIsExchangedWithSTSOnce() throws {
        let setup = try setUp(try makeScratchDirectory(self))
        let token = setup.scratch.appendingPathComponent("token")
        try "eyJ.web-identity.token\n".write(to: token, atomically: true, encoding: .utf8)
        var environment = bare()
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = token.path
        environment["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/autopilot"
        environment["AWS_ENDPOINT_URL_STS"] = setup.aws
        let result = try collect(setup, environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(lines(setup.awsLog), ["POST /"], "one AssumeRoleWithWebIdentity for the run")
        assertSigned(setup, by: "sts")

        // A token the identity provider does not vouch for: STS' reason, one line, exit 69, nothing sent.
        try "eyJ.someone-else\n".write(to: token, atomically: true, encoding: .utf8)
        let before = lines(setup.prometheusLog).count
        let refused = try collect(setup, environment)
        XCTAssertEqual(refused.status, 69)
        XCTAssertEqual(refused.errorLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("collect-metrics: --sigv4-region: STS AssumeRoleWithWebIdentity for arn:aws:iam::111122223333:role/autopilot"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("Couldn't retrieve verification key from your identity provider"), refused.stderr)
        XCTAssertEqual(lines(setup.prometheusLog).count, before)
    }

    func testEKSPodIdentityCredentialsComeFromTheContainerEndpoint() throws {
        let setup = try setUp(try makeScratchDirectory(self))
        let token = setup.scratch.appendingPathComponent("eks-pod-identity-token")
        try "pod-identity-token".write(to: token, atomically: true, encoding: .utf8)
        var environment = bare()
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = setup.aws + "/v1/credentials"
        environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token.path
        let result = try collect(setup, environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(lines(setup.awsLog), ["GET /v1/credentials"])
        assertSigned(setup, by: "pod")
    }

    func testAnInstanceProfileIsReadThroughIMDSv2() throws {
        let setup = try setUp(try makeScratchDirectory(self))
        var environment = bare()
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = setup.aws
        let result = try collect(setup, environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(lines(setup.awsLog), [
            "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/autopilot-bastion",
        ])
        assertSigned(setup, by: "imds")
    }

    func testNoCredentialsAnywhereIsAUsageErrorThatSaysWhereTheyComeFrom() throws {
        let setup = try setUp(try makeScratchDirectory(self))
        let refused = try RefusingPort(self)
        var environment = bare()
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:\(refused.port)"
        let result = try collect(setup, environment)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role (IRSA, EKS Pod Identity, an EC2 instance profile)"), result.stderr)
        XCTAssertTrue(lines(setup.prometheusLog).isEmpty)
    }
}
