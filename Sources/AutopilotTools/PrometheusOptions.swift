import ArgumentParser
import AutopilotKit
import Foundation

/// How a tool reaches Prometheus — the same options, names and checks for collect-metrics and
/// build-evidence, so a Prometheus one of them can reach (Amazon Managed Prometheus with SigV4, basic
/// auth, a private CA) the other can too.
struct PrometheusOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Prometheus base URL (for AMP, the workspace URL).", valueName: "url"))
    var prometheus: String?

    @Option(help: ArgumentHelp("Bearer token file.", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("File holding user:password for basic auth.", valueName: "path"))
    var basicAuthFile: String?

    @Option(help: ArgumentHelp("PEM file of the CA that signed Prometheus' TLS certificate.", valueName: "path"))
    var caFile: String?

    @Option(help: ArgumentHelp("Sign requests with AWS SigV4 for this region (Amazon Managed Service for Prometheus), with credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else a web identity (IRSA), EKS Pod Identity or the EC2 instance profile.", valueName: "region"))
    var sigv4Region: String?

    @Option(help: ArgumentHelp("Extra label matchers for every query, e.g. 'cluster=\"prod\"'.", valueName: "matchers"))
    var match: String?

    @Option(help: ArgumentHelp("The label naming a node on cAdvisor's series (default node).", valueName: "label"))
    var nodeLabel: String?

    func validate() throws {
        if let prometheus, URL(string: prometheus)?.scheme == nil { throw ValidationError("--prometheus: '\(prometheus)' is not a URL") }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) { throw ValidationError("--ca-file: cannot read \(caFile)") }
    }

    /// The authentication the options give; a SigV4 credential that cannot be found is exit 69 with one line.
    func auth(tool: String) throws -> PrometheusAuth {
        do {
            return try PrometheusAuth.resolve(sigv4Region: sigv4Region, tokenFile: tokenFile, basicAuthFile: basicAuthFile)
        } catch {
            switch error {
            case .settings(let message): throw ValidationError(message)
            case .credentials(let failure):
                writeStderr("\(tool): --sigv4-region: \(failure)\n")
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
        }
    }

    /// The live server, or nil without --prometheus.
    func live(tool: String, retries: Int = 3) throws -> LivePrometheus? {
        guard let prometheus, let url = URL(string: prometheus) else { return nil }
        return LivePrometheus(baseURL: url, auth: try auth(tool: tool), caFile: caFile, retries: retries)
    }
}
