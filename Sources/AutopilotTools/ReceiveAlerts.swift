import ArgumentParser
import AutopilotKit
import Foundation

struct ReceiveAlerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive-alerts",
        abstract: "Receive Alertmanager's webhook notifications and spool each alert as an `alert` record.",
        discussion: """
            POST /alerts takes a notification (webhook payload version 4, application/json) and appends one \
            `alert` record per alert to DIR/alerts-YYYY-MM-DD.ndjson (UTC day of receipt), synced to disk \
            before the 200: an acknowledged alert is never lost (a write that fails, on a full disk say, is cut back off \
            the file and answered 500, so Alertmanager retries and the next notification starts on a whole line). A \
            notification with some bad alerts has the good ones spooled and is answered 200 with status "partial" and the \
            rejected alerts listed; each is logged, as is a label whose value is not a string (dropped). With --retain-days N, daily files more than N \
            days old are removed when a new day's file is opened (default 0 keeps them all). Refused with a 4xx and one log line: a body \
            over --max-body (413), not JSON or not a version 4 notification (400), another content type (415), \
            a missing or wrong bearer token with --token-file (401). A client that sends nothing for \
            --idle-timeout seconds, or whose request has not arrived whole after --request-timeout seconds \
            (a slowloris), is disconnected. GET /healthz answers ok.

            SIGTERM or SIGINT stops accepting, lets requests in flight finish, exits 0. Logs go to stderr, \
            one line each; the first is `receive-alerts: listening on HOST:PORT` (port 0 picks a free one).

            --from FILE replays captured notifications (webhook bodies one after another, one a line or pretty-printed) to stdout, for fixtures \
            and debugging; a bad line is reported as FILE:LINE and skipped (exit 65).

            Examples:
              receive-alerts --listen 127.0.0.1:9095 --spool /var/lib/autopilot/alerts --retain-days 35 --token-file /etc/autopilot/alerts.token
              receive-alerts --listen 127.0.0.1:9095 --stdout | detect-incidents
              receive-alerts --from fixtures/chaos/memory-leak-oom/alerts.ndjson | jq .alertname
            """)

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = ListenAddress(argument: "127.0.0.1:9095")!

    @Option(help: ArgumentHelp("Directory of the daily spool files.", valueName: "dir"))
    var spool: String?

    @Option(help: ArgumentHelp("Remove spool files more than this many days old (0 keeps all).", valueName: "days"))
    var retainDays: Int = 0

    @Flag(help: "Write the records to stdout instead of a spool (for a pipe).")
    var stdout = false

    @Option(help: ArgumentHelp("Replay captured notifications (webhook bodies one after another) to stdout, then exit.", valueName: "file"))
    var from: String?

    @Option(help: ArgumentHelp("File holding the bearer token Alertmanager must send.", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Serve this file (autopilot.yaml's metrics:, the weekly run's own metrics) at GET /metrics, for a Prometheus with no node_exporter reading it.", valueName: "path"))
    var metricsFile: String?

    @Option(help: ArgumentHelp("Cluster of alerts that carry no cluster label.", valueName: "name"))
    var cluster: String = "unknown"

    @OptionGroup var limits: ServerLimits

    func validate() throws {
        let modes = [spool != nil, stdout, from != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give one of --spool DIR, --stdout or --from FILE") }
        if let tokenFile {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8),
                !token.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else { throw ValidationError("--token-file: cannot read a token from \(tokenFile)") }
        }
        if retainDays < 0 || retainDays > 36_500 { throw ValidationError("--retain-days must be 0 (keep all) to 36500") }
        if retainDays > 0, spool == nil { throw ValidationError("--retain-days needs --spool DIR") }
    }

    func run() throws {
        if let from {
            let diagnostics = Diagnostics(tool: "receive-alerts")
            return try FilterRun.writing(diagnostics) { writer in
                try AlertReplay.run(from, defaultCluster: cluster, to: writer, diagnostics: diagnostics)
            }
        }
        let log: @Sendable (String) -> Void = { writeStderr("receive-alerts: \($0)\n") }
        let alertSpool: AlertSpool
        do {
            alertSpool = try AlertSpool(spool.map { .directory($0) } ?? .standardOutput, retainDays: retainDays, log: log)
        } catch {
            log("cannot use spool directory \(spool ?? ""): \(error)")
            throw ExitCode(74)
        }
        let token = try tokenFile.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        let receiver = AlertReceiver(spool: alertSpool, token: token, defaultCluster: cluster, log: log, metricsFile: metricsFile)
        let server = HTTPServer(host: listen.host, port: listen.port, log: log) { receiver.handle($0) }
        limits.apply(to: server)
        let port: Int
        do { port = try server.start() } catch {
            log("cannot listen on \(listen): \(error)")
            throw ExitCode(69)
        }
        log("listening on \(listen.host):\(port)")
        server.serveUntilTerminated()
        log("stopped after spooling \(receiver.received) alert(s)")
    }
}
