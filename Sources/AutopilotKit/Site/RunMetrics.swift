import Foundation

/// Autopilot's own metrics after a run, in Prometheus' text exposition format: the file node_exporter's
/// textfile collector reads (`--collector.textfile.directory`), written whole and renamed into place so a
/// scrape never sees half of it. Every series is a gauge; deploy/grafana/autopilot-dashboard.json draws them.
///
///     autopilot_run_last_timestamp_seconds, autopilot_run_last_success, autopilot_run_duration_seconds
///     autopilot_run_info{version,mode}
///     autopilot_cluster_last_success{cluster}
///     autopilot_stage_duration_seconds / _records / _stderr_lines / _exit_code {cluster,stage}
///     autopilot_findings{cluster,team,detector,status}
///     autopilot_savings_monthly_dollars{cluster,team,detector,state=identified|projected|verified}
///     autopilot_cost_monthly_dollars{cluster,team}
///     autopilot_incidents{cluster,category,severity}
public struct RunMetrics {
    public struct Stage {
        public var cluster: String
        public var result: PipelineStageResult
        public init(cluster: String, result: PipelineStageResult) {
            self.cluster = cluster
            self.result = result
        }
    }

    public var finished: Date
    public var seconds: Double
    public var success: Bool
    public var mode: String
    public var version: String
    public var clusters: [String: Bool] = [:]
    public var stages: [Stage] = []

    public init(finished: Date, seconds: Double, success: Bool, mode: String, version: String) {
        self.finished = finished
        self.seconds = seconds
        self.success = success
        self.mode = mode
        self.version = version
    }

    /// The exposition text; `ledgerRecords` is the ledger's output stream (ledger, costhistory, incident records).
    public func exposition(ledgerRecords: [JSON]) -> String {
        var out = Exposition()
        out.gauge("autopilot_run_last_timestamp_seconds", "When the last weekly run finished (Unix seconds).",
                  [([:], finished.timeIntervalSince1970.rounded())])
        out.gauge("autopilot_run_last_success", "1 when every stage of the last run exited 0 (or 65: some input lines skipped).",
                  [([:], success ? 1 : 0)])
        out.gauge("autopilot_run_duration_seconds", "Wall time of the last run.", [([:], seconds)])
        out.gauge("autopilot_run_info", "The version and mode of the last run.", [(["version": version, "mode": mode], 1)])
        out.gauge("autopilot_cluster_last_success", "1 when the cluster's chain completed in the last run.",
                  clusters.sorted { $0.key < $1.key }.map { (["cluster": $0.key], $0.value ? 1 : 0) })
        let stageLabels = stages.map { ["cluster": $0.cluster, "stage": $0.result.tool] }
        out.gauge("autopilot_stage_duration_seconds", "Seconds from the pipeline's start until the stage exited.",
                  zip(stageLabels, stages).map { ($0, $1.result.seconds) })
        out.gauge("autopilot_stage_records", "NDJSON records the stage wrote.",
                  zip(stageLabels, stages).map { ($0, Double($1.result.records)) })
        out.gauge("autopilot_stage_stderr_lines", "Lines the stage wrote to stderr (errors, warnings, summaries).",
                  zip(stageLabels, stages).map { ($0, Double($1.result.stderrLines)) })
        out.gauge("autopilot_stage_exit_code", "The stage's exit status (sysexits; 128+N for signal N).",
                  zip(stageLabels, stages).map { ($0, Double($1.result.status)) })

        var findings: [[String: String]: Double] = [:]
        var savings: [[String: String]: Double] = [:]
        var cost: [[String: String]: Double] = [:]
        var incidents: [[String: String]: Double] = [:]
        let latestRun = ledgerRecords.filter { $0["kind"]?.string == "costhistory" }.compactMap { $0["run"]?.int }.max()
        for record in ledgerRecords {
            let cluster = record["cluster"]?.string ?? ""
            switch record["kind"]?.string {
            case "ledger":
                let status = record["status"]?.string ?? "unknown"
                let base = ["cluster": cluster, "team": record["team"]?.string ?? "", "detector": record["detector"]?.string ?? ""]
                findings[base.merging(["status": status]) { $1 }, default: 0] += 1
                for state in ["identified", "projected", "verified"] { savings[base.merging(["state": state]) { $1 }, default: 0] += 0 }
                // As the report counts them: an approval emit-pr cannot patch is identified, not projected.
                let state = FindingStatus(rawValue: status).flatMap {
                    SavingsState(status: $0, change: record["change", "state"]?.string.flatMap(ChangeState.init(rawValue:)))?.rawValue
                }
                let amount = status == "verified" ? record["realizedMonthlySavings"]?.double : record["monthlySavings"]?.double
                if let state, let amount { savings[base.merging(["state": state]) { $1 }, default: 0] += amount }
            case "costhistory" where record["run"]?.int == latestRun:
                cost[["cluster": cluster, "team": record["team"]?.string ?? ""], default: 0] += record["monthlyCost"]?.double ?? 0
            case "incident":
                incidents[["cluster": cluster, "category": record["category"]?.string ?? "", "severity": record["severity"]?.string ?? ""], default: 0] += 1
            default:
                continue
            }
        }
        out.gauge("autopilot_findings", "Findings in the ledger by status after the last run.", Self.sorted(findings))
        out.gauge("autopilot_savings_monthly_dollars",
                  "Monthly savings in USD: identified (not on its way yet), projected (approved and on its way, or merged), verified (realized).",
                  Self.sorted(savings).map { ($0.0, ($0.1 * 100).rounded() / 100) })
        out.gauge("autopilot_cost_monthly_dollars", "Monthly node cost allocated to each team (and __idle__) at the last run, USD.",
                  Self.sorted(cost).map { ($0.0, ($0.1 * 100).rounded() / 100) })
        out.gauge("autopilot_incidents", "Incidents the last run reported.", Self.sorted(incidents))
        return out.text
    }

    /// Writes `text` to `path` through a temporary file in the same folder and a rename.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try Data(text.utf8).write(to: temporary)
        // rename(2): atomic, and it replaces the old file (FileManager.replaceItemAt fails on Linux here).
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot rename into \(path): \(reason)"])
        }
    }

    private static func sorted(_ values: [[String: String]: Double]) -> [([String: String], Double)] {
        values.map { ($0.key, $0.value) }.sorted { Exposition.labelText($0.0) < Exposition.labelText($1.0) }
    }
}

/// Prometheus text exposition (format 0.0.4), gauges only.
struct Exposition {
    var text = ""

    mutating func gauge(_ name: String, _ help: String, _ samples: [([String: String], Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for (labels, value) in samples {
            text += "\(name)\(Self.labelText(labels)) \(Self.number(value))\n"
        }
    }

    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
