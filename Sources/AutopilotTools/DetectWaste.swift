import ArgumentParser
import AutopilotKit
import Foundation

struct DetectWaste: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect-waste",
        abstract: "Find waste and under-provisioning in a record stream and price it.",
        discussion: """
            Input: NDJSON records on stdin, as collect-cluster and collect-metrics write them. Every line is \
            forwarded unchanged.

            Output: the input, then one `finding` record per problem: over-requested-cpu, over-requested-memory, \
            under-provisioned-memory, idle-node, orphan-volume, misconfigured-autoscaling, node-consolidation, \
            stuck-terminating. \
            Each carries a stable id, the target, its team, a one-sentence summary, current and recommended \
            values, monthly cost before/after and savings (US dollars, 730 hours a month), a confidence and the \
            basis it rests on. A price the table lacks gives `priceSource: "unknown"` and no dollars. With \
            `--billing`, findings on nodes and volumes the bill has also carry `billed` (cost at the bill's effective \
            rates) and `billedSavings` (what the bill would show, with the reason: commitment-covered capacity saves \
            nothing until the commitment is re-used); `priceSource` is then `billed`.

            Workloads labelled or annotated autopilot.io/ignore=true (and their autoscalers), and nodes and HPAs \
            labelled so, are never flagged. \
            One summary line goes to stderr: findings by detector and the total monthly savings.

            Exit status: 0 ok, 64 usage (bad option, config or price file), 65 malformed input lines, 74 I/O error.

            Examples:
              collect-cluster --from fixtures/demo | collect-metrics --from fixtures/demo/prometheus | detect-waste
              … | detect-waste --detectors idle-node,orphan-volume --min-savings 20
              … | detect-waste --config autopilot.yaml --prices negotiated.csv | jq 'select(.kind=="finding")'
              … | detect-waste --billing exports/focus/ | jq 'select(.kind=="finding") | {id, monthlySavings, billedSavings}'
            """)

    @Option(help: ArgumentHelp("Only these detectors, comma-separated (default: all).", valueName: "names"))
    var detectors: String?

    @Option(help: ArgumentHelp("Drop findings saving less than this many dollars a month (reliability findings stay).", valueName: "usd"))
    var minSavings: Double?

    @Option(help: ArgumentHelp("The time ages are measured from, RFC 3339 (default: the end of the usage window).", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("YAML file of thresholds (see docs/tools/detect-waste.md).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("CSV or JSON price rows that override or extend the embedded table.", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Billing exports (FOCUS 1.x or CUR 2.0 CSV, .csv.gz, or a directory of them): price findings by the bill too.",
                               valueName: "path"))
    var billing: String?

    @Option(help: ArgumentHelp("Fraction off on-demand for spot nodes without a spot price (default 0.65).", valueName: "ratio"))
    var spotDiscount: Double?

    @Flag(help: "Stop at the first malformed input line (exit 65).")
    var strict = false

    @Flag(help: "No summary line on stderr.")
    var quiet = false

    func validate() throws {
        if let now, RFC3339.date(now) == nil { throw ValidationError("--now: '\(now)' is not RFC 3339 or Unix seconds") }
        if let minSavings, !(0...1e9).contains(minSavings) { throw ValidationError("--min-savings must be between 0 and 1e9 dollars") }
        if let spotDiscount, !(0...1).contains(spotDiscount) { throw ValidationError("--spot-discount must be between 0 and 1") }
        if let detectors, case .failure(let error) = DetectorRegistry.select(Self.names(detectors)) {
            throw ValidationError("--detectors: \(error)")
        }
    }

    static func names(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        let diagnostics = Diagnostics(tool: "detect-waste", strict: strict)
        let filter = try makeFilter(diagnostics)
        let writer = NDJSONWriter()
        let status = ToolRun.run(diagnostics, writer: writer) {
            let cluster = try filter.read(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), forwardingTo: writer)
            let findings = filter.findings(for: cluster)
            for finding in findings { try writer.write(finding.json) }
            try writer.flush()
            if !quiet { diagnostics.note(WasteFilter.summary(findings)) }
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    /// Settings first: a bad config or price file is a usage error before any input is read.
    private func makeFilter(_ diagnostics: Diagnostics) throws -> WasteFilter {
        var settings = DetectionConfig()
        if let config {
            guard let bytes = try? FileIO.readAll(config) else { throw ValidationError("--config: cannot read \(config)") }
            do { try settings.apply(yaml: bytes, source: config) } catch { throw ValidationError("--config: \(error)") }
        }
        if let minSavings { settings.minSavings = Money(dollars: minSavings) }
        if let spotDiscount { settings.spotDiscount = spotDiscount }
        let table: PriceTable
        do { table = try .embedded(merging: prices) } catch { throw ValidationError("--prices: \(error)") }
        var chosen = DetectorRegistry.all
        if let detectors, case .success(let selected) = DetectorRegistry.select(Self.names(detectors)) { chosen = selected }
        var filter = WasteFilter(
            diagnostics: diagnostics, config: settings,
            costs: CostModel(prices: table, spotDiscount: settings.spotDiscount, bill: try BillingOption.read(billing, diagnostics)), detectors: chosen,
            now: now.flatMap(RFC3339.date))
        if let detectors {
            var names = Set(Self.names(detectors))
            if names.contains(FindingKind.overRequestedMemory.rawValue) { names.insert(OverRequestedMemory.underProvisioned) }
            filter.keep = names
        }
        return filter
    }
}
