import ArgumentParser
import AutopilotKit
import Foundation

struct AutopilotDoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot-doctor",
        abstract: "Check, before the first run, that everything autopilot.yaml names is reachable and allowed.",
        discussion: """
            Checks, in order: the config itself (every key; errors name file:line:column), the folders runs \
            write to, kubectl and git on PATH; per cluster: the API server, `kubectl auth can-i list` on every \
            resource type collect-cluster reads (optional CRDs: KEDA, Karpenter, may be absent), Prometheus \
            (the cAdvisor series with namespace, pod and container labels, node series, CFS throttling, \
            kube-state-metrics, and how many days of history there are), Loki; in PR mode the GitOps checkout \
            and its base, the git remote, the GitHub token's access to the repository and the Slack bot token \
            (auth.test). It only reads: nothing is written, posted or pushed.

            Output: a checklist, one line per check (ok, warn, FAIL) with a fix under each that is not ok; \
            --json writes one NDJSON `check` record per check instead.

            Exit status: 0 nothing failed (warnings allowed); else the worst failure: 64 config, 77 permission \
            refused, 69 a service does not answer, 65 a service lacks data the detectors need.
            """)

    @Option(help: ArgumentHelp("The site config.", valueName: "file"))
    var config = "/etc/autopilot/autopilot.yaml"

    @Option(help: ArgumentHelp("Only these clusters of the config (repeatable).", valueName: "name"))
    var cluster: [String] = []

    @Option(help: ArgumentHelp("The kubectl program.", valueName: "path"))
    var kubectl = "kubectl"

    @Flag(help: "One NDJSON check record per line instead of the checklist.")
    var json = false

    func run() throws {
        var checks: [DoctorCheck] = []
        let site: SiteConfig
        do {
            site = try SiteConfig.load(config)
        } catch {
            report([.fail("config", error.message, fix: "see docs/site-config.md for every key", .config)])
            throw ExitCode(64)
        }
        let unknown = cluster.filter { !site.clusterNames.contains($0) }
        guard unknown.isEmpty else {
            report([.fail("config", "--cluster \(unknown.joined(separator: ", ")): not in \(config)", fix: "name one of \(site.clusterNames.joined(separator: ", "))", .config)])
            throw ExitCode(64)
        }
        var doctor = Doctor(config: site)
        doctor.kubectl = kubectl
        checks.append(.ok("config", "\(config): \(site.clusters.count) cluster\(site.clusters.count == 1 ? "" : "s"), mode \(site.mode.rawValue)"))
        checks += doctor.local()
        for entry in site.clusters where cluster.isEmpty || cluster.contains(entry.name) {
            checks += doctor.kubernetes(entry)
            checks += doctor.prometheus(entry)
            checks += doctor.loki(entry)
        }
        checks += doctor.gitops()
        checks += doctor.slack()
        report(checks)
        let status = Doctor.exitStatus(checks)
        if status != 0 { throw ExitCode(status) }
    }

    private func report(_ checks: [DoctorCheck]) {
        if json {
            let writer = NDJSONWriter()
            for check in checks { try? writer.write(check.record) }
            try? writer.flush()
            return
        }
        var heading: String?? = .none
        for check in checks {
            if heading != .some(check.cluster) {
                heading = .some(check.cluster)
                print(check.cluster.map { "cluster \($0)" } ?? "site")
            }
            let mark = switch check.outcome {
            case .ok: "ok  "
            case .warn: "warn"
            case .fail: "FAIL"
            }
            print("  \(mark)  \(check.name): \(TextSafety.oneLine(check.detail))")
            if let fix = check.fix, check.outcome != .ok { print("        fix: \(TextSafety.oneLine(fix))") }
        }
        let failed = checks.filter { $0.outcome == .fail }.count
        let warned = checks.filter { $0.outcome == .warn }.count
        print("\(checks.count) checks: \(failed) failed, \(warned) warnings")
    }
}
