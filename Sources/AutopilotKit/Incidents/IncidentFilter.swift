import Foundation

/// The detect-incidents filter: forwards the stream byte for byte, reads the cluster and its alerts from it
/// (and from receive-alerts' spool), and appends `incident` records, then the `finding` records of their
/// resource-change actions that the stream does not already carry.
public struct IncidentFilter {
    public let diagnostics: Diagnostics
    public var config = IncidentConfig()
    public var detectionConfig = DetectionConfig()
    public var costs = CostModel()
    /// "Now"; nil takes the data's latest time (usage window end, alert, event).
    public var now: Date?

    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public struct Input {
        public var cluster = ObservedCluster()
        public var alerts: [AlertRecord] = []
        public var findingIds = Set<String>()
    }

    public struct Output {
        public var incidents: [Incident]
        /// Findings to append (not in the stream already), in incident order.
        public var findings: [Finding]
        /// Alert names no category is known for.
        public var unknownAlerts: [String]
    }

    /// Reads stdin (forwarding everything), then any spool files.
    public func read(_ reader: NDJSONReader, forwardingTo writer: NDJSONWriter, spoolFiles: [String] = []) throws -> Input {
        var input = Input()
        var wanted = ObservedCluster.kinds
        wanted.formUnion(["alert", "finding"])
        try RecordForwarding.run(reader, to: writer, wanted: wanted, diagnostics: diagnostics) { record, line in
            try take(record, line, into: &input)
            return true
        }
        for path in spoolFiles {
            try RecordForwarding.run(try NDJSONReader(path: path), to: nil, wanted: ["alert"], diagnostics: diagnostics) { record, line in
                if record["kind"]?.string == "alert" { try take(record, line, into: &input) }
                return true
            }
        }
        return input
    }

    private func take(_ record: JSON, _ line: InputLine, into input: inout Input) throws {
        for problem in RecordTimes.unreadable(in: record) {
            diagnostics.warning("\(problem); what it would date has no time", source: line.source, line: line.number)
        }
        guard let error = add(record, to: &input) else { return }
        try diagnostics.error("\(record["kind"]?.string ?? "record"): \(error.message); forwarded, not analysed", source: line.source, line: line.number)
    }

    /// Nil when the record was taken; else why it could not be.
    private func add(_ record: JSON, to input: inout Input) -> RecordError? {
        do throws(RecordError) {
            switch record["kind"]?.string {
            case "alert": input.alerts.append(try AlertRecord(record))
            case "finding": if let id = record["id"]?.string { input.findingIds.insert(id) }
            default: try input.cluster.add(record)
            }
        } catch {
            return error
        }
        return nil
    }

    public func analyze(_ input: Input) -> Output {
        let moment = now ?? Self.defaultNow(input)
        let detection = DetectionContext(cluster: input.cluster, config: detectionConfig, costs: costs, now: moment)
        // A spool shared by several clusters: only this cluster's alerts (and those that name none).
        let alerts = input.alerts.filter { alert in
            input.cluster.name.isEmpty || alert.cluster == nil || alert.cluster == "unknown" || alert.cluster == input.cluster.name
        }
        let context = IncidentContext(cluster: input.cluster, alerts: alerts, config: config, detection: detection)
        let (signals, unknown) = SignalReader.signals(context)
        var incidents: [Incident] = []
        var findings: [Finding] = []
        // Findings already in the stream (detect-waste's) are referred to, not written twice.
        var written = input.findingIds
        for var incident in IncidentGrouping.incidents(signals, cluster: input.cluster.name, gap: config.gap) {
            guard let analyzer = IncidentAnalyzers.analyzer(for: incident.category), analyzer.analyze(&incident, context) else { continue }
            incident.team = incident.subject.workload.map { context.detection.team(of: $0) } ?? "platform"
            for finding in incident.actions.compactMap(\.finding) where written.insert(finding.id).inserted { findings.append(finding) }
            incidents.append(incident)
        }
        return Output(incidents: incidents, findings: findings, unknownAlerts: unknown)
    }

    /// The latest time the data speaks of (usage window end, alert, event, creation); the wall clock only
    /// for a stream that carries no time at all.
    static func defaultNow(_ input: Input) -> Date {
        var times = input.alerts.map { max($0.startsAt, $0.endsAt ?? $0.startsAt) }
        times += input.cluster.usage.values.flatMap(\.values).compactMap { $0.windowEnd.flatMap(RFC3339.date) }
        if let latest = input.cluster.latestTime { times.append(latest) }
        return times.max() ?? Date()
    }

    /// `3 incidents (oom 1, crashloop 2); 1 finding for emit-pr`.
    public static func summary(_ output: Output) -> String {
        var counts: [String: Int] = [:]
        for incident in output.incidents { counts[incident.category.rawValue, default: 0] += 1 }
        let byCategory = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        var text = "\(output.incidents.count) incident\(output.incidents.count == 1 ? "" : "s")"
        if !byCategory.isEmpty { text += " (\(byCategory))" }
        text += "; \(output.findings.count) finding\(output.findings.count == 1 ? "" : "s") for emit-pr"
        return text
    }
}
