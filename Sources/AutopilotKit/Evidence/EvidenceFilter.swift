import Foundation

/// The build-evidence filter: forwards every record, and writes each `finding` back with
/// `evidence: {json, html}` after writing its pack under `DIR/<finding id>/`.
public struct EvidenceFilter {
    public let diagnostics: Diagnostics
    public var directory: String
    public var costs: CostModel
    /// Where to fetch the series the stream lacks; nil: offline, the stream's series only.
    public var series: EvidenceSeries?
    /// Where to fetch log lines; nil: none.
    public var loki: LokiLogs?
    /// Only the findings saving the most a month get a pack (ties by id); nil: every finding. On a big
    /// cluster the reviewer reads the top of the list, and 2 files a finding add up.
    public var top: Int?
    /// A pack larger than this is reported (the series are downsampled well before).
    public static let sizeBudget = 200_000

    public init(diagnostics: Diagnostics, directory: String, costs: CostModel = CostModel()) {
        self.diagnostics = diagnostics
        self.directory = directory
        self.costs = costs
    }

    /// Findings are held to the end (their evidence needs the whole cluster), then written in input order.
    public func run(_ reader: NDJSONReader, to writer: NDJSONWriter) throws -> Int {
        let (cluster, findings) = try ObservedCluster.read(reader, forwardingTo: writer, diagnostics: diagnostics, holdingFindings: true)
        var written = 0
        var chosen: Set<String>?
        if let top {
            let ranked = findings.map { held in (savings: held.finding.monthlySavings?.dollars ?? 0, id: held.finding.id) }
            chosen = Set(ranked.sorted { ($0.savings, $1.id) > ($1.savings, $0.id) }.prefix(top).map(\.id))
        }
        for held in findings {
            let (finding, source, line, text) = (held.finding, held.source, held.line, held.text)
            if let chosen, !chosen.contains(finding.id) {
                try writer.write(raw: text)
                continue
            }
            let id = finding.id
            guard Self.isSafeName(id) else {
                try diagnostics.error("finding without a usable id; forwarded without evidence", source: source, line: line)
                try writer.write(raw: text)
                continue
            }
            let pack = EvidencePack(finding: finding, cluster: cluster, costs: costs, series: series, grid: grid(for: finding, cluster),
                                    loki: loki)
            for failure in pack.fetchFailures { diagnostics.unavailable("\(id): \(failure); the pack is written without it") }
            let folder = directory + "/" + id
            let jsonPath = folder + "/evidence.json"
            let htmlPath = folder + "/evidence.html"
            let html = Array(pack.html.utf8)
            let size = html.count + pack.json.serialized().count
            if size > Self.sizeBudget { diagnostics.warning("evidence for \(id) is \(size / 1000) KB, over the 200 KB budget") }
            do {
                try FileIO.makeDirectory(folder)
                try FileIO.writeAtomically(pack.json.serialized() + [UInt8(ascii: "\n")], to: jsonPath)
                try FileIO.writeAtomically(html, to: htmlPath)
            } catch {
                // The finding still flows, without evidence; the exit status says a pack is missing.
                diagnostics.ioError("cannot write the evidence pack: \(error); forwarded without evidence", source: folder)
                try writer.write(raw: text)
                continue
            }
            var record = finding.json.value
            record.remove("evidence")
            record.set("evidence", to: ["json": .string(jsonPath), "html": .string(htmlPath)])
            try writer.write(record)
            written += 1
        }
        return written
    }

    /// Hourly points over the finding's window, else the usage window in the stream, else the 7 days to the
    /// data's "now".
    func grid(for finding: FindingRecord, _ cluster: ObservedCluster) -> EvidenceSeries.Grid? {
        guard series != nil || loki != nil else { return nil }
        let stepDuration = series?.step ?? Duration(seconds: 3600)
        let usage = cluster.usage.values.flatMap(\.values)
        let end = finding.basis?["window", "end"]?.string.flatMap(RFC3339.date)
            ?? usage.compactMap { $0.windowEnd.flatMap(RFC3339.date) }.max() ?? cluster.dataTime
        let start = finding.basis?["window", "start"]?.string.flatMap(RFC3339.date)
            ?? usage.compactMap { $0.windowStart.flatMap(RFC3339.date) }.min() ?? end.addingTimeInterval(-7 * 86_400)
        let step = Double(stepDuration.seconds)
        let alignedEnd = Date(timeIntervalSince1970: (end.timeIntervalSince1970 / step).rounded(.down) * step)
        return EvidenceSeries.Grid(start: start.addingTimeInterval(step), end: alignedEnd, step: stepDuration)
    }

    /// Finding ids become folder names: ASCII letters, digits, `-`, `_` and single dots, at most 128.
    static func isSafeName(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && !id.hasPrefix(".") && !id.contains("..")
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }
}
