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
            With --summary, one line on stderr: findings by detector and the total monthly savings.

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

    @Option(help: Moment.help("The time ages are measured from (default: the end of the usage window)."))
    var now: Moment?

    @Option(help: ArgumentHelp("YAML file of thresholds (see docs/tools/detect-waste.md).", valueName: "file"))
    var config: String?

    @OptionGroup var pricing: PricingOptions

    @Option(help: ArgumentHelp("Billing exports (FOCUS 1.x or CUR 2.0 CSV, .csv.gz, or a directory of them): price findings by the bill too.",
                               valueName: "path"))
    var billing: String?

    @OptionGroup var filter: FilterOptions

    func validate() throws {
        if let minSavings, !(0...1e9).contains(minSavings) { throw ValidationError("--min-savings must be between 0 and 1e9 dollars") }
        if let detectors, case .failure(let error) = DetectorRegistry.select(DetectorRegistry.names(inList: detectors)) {
            throw ValidationError("--detectors: \(error)")
        }
    }

    func run() throws {
        let diagnostics = filter.diagnostics("detect-waste")
        let waste = try makeFilter(diagnostics)
        try FilterRun.run(diagnostics) { reader, writer in
            let cluster = try waste.read(reader, forwardingTo: writer)
            let findings = waste.findings(for: cluster)
            for finding in findings { try writer.write(finding.json) }
            try writer.flush()
            if filter.summary { diagnostics.note(WasteFilter.summary(findings)) }
        }
    }

    /// Settings first: a bad config or price file is a usage error before any input is read.
    private func makeFilter(_ diagnostics: Diagnostics) throws -> WasteFilter {
        var settings = DetectionConfig()
        if let config {
            guard let bytes = try? FileIO.readAll(config) else { throw ValidationError("--config: cannot read \(config)") }
            do { try settings.apply(yaml: bytes, source: config) } catch { throw ValidationError("--config: \(error)") }
        }
        if let minSavings { settings.minSavings = Money(dollars: minSavings) }
        if let spotDiscount = pricing.spotDiscount { settings.spotDiscount = spotDiscount }
        let selected = detectors.map(DetectorRegistry.names(inList:))
        var chosen = DetectorRegistry.all
        if let selected, case .success(let detectors) = DetectorRegistry.select(selected) { chosen = detectors }
        var filter = WasteFilter(
            diagnostics: diagnostics, config: settings,
            costs: try pricing.costModel(configured: settings.spotDiscount, bill: try BillingOption.read(billing, diagnostics)), detectors: chosen,
            now: now?.date)
        filter.keep = selected.map(DetectorRegistry.findingNames(selecting:))
        return filter
    }
}
