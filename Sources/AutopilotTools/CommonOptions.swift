import ArgumentParser
import AutopilotKit
import Foundation

/// A moment given on the command line (`--now`, `--end`): RFC 3339 or Unix seconds, checked here once
/// for every tool. What a tool takes when it is not given differs, and each tool's help says so.
struct Moment: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let date: Date
    /// As given, for tools that pass it on (autopilot-run to its stages).
    let text: String

    init?(argument: String) {
        guard let date = RFC3339.date(argument) else { return nil }
        self.date = date
        text = argument
    }

    var description: String { text }

    /// The option's help: what the moment is, then the one spelling every tool accepts.
    static func help(_ text: String) -> ArgumentHelp {
        ArgumentHelp(text + " RFC 3339 (2026-11-20T12:00:00Z) or Unix seconds.", valueName: "time")
    }
}

/// What every filter takes: how it treats a malformed input line, and whether it says what it did.
/// Quiet on success is the default; `--summary` asks for one line on stderr.
struct FilterOptions: ParsableArguments {
    @Flag(help: "Stop at the first malformed input (exit 65).")
    var strict = false

    @Flag(help: "Print a one-line summary on stderr.")
    var summary = false

    /// detect-waste and detect-incidents printed their summary unless told `--quiet`; the flag is still
    /// read, so cron lines written for them keep working.
    @Flag(help: .hidden)
    var quiet = false

    func diagnostics(_ tool: String) -> Diagnostics { Diagnostics(tool: tool, strict: strict) }
}

/// How every tool that prices prices: `--prices FILE` (rows that override or extend the embedded table,
/// read before any input: a bad file is a usage error) and `--spot-discount`.
struct PricingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("CSV or JSON price rows that override or extend the embedded table.", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Fraction off on-demand for spot nodes without a spot price (default 0.65).", valueName: "ratio"))
    var spotDiscount: Double?

    func validate() throws {
        if let spotDiscount, !(0...1).contains(spotDiscount) { throw ValidationError("--spot-discount must be between 0 and 1") }
    }

    func table() throws -> PriceTable {
        do { return try .embedded(merging: prices) } catch { throw ValidationError("--prices: \(error)") }
    }

    /// The spot discount: given, else `configured` (a config file's), else the default.
    func discount(configured: Double? = nil) -> Double { spotDiscount ?? configured ?? CostModel.defaultSpotDiscount }

    /// The cost model: the table, the spot discount, the bill. The price file is read first: a mistyped
    /// one is reported before a large billing export is read.
    func costModel(configured: Double? = nil, bill: @autoclosure () throws -> Bill? = nil) throws -> CostModel {
        let table = try table()
        return costModel(table, configured: configured, bill: try bill())
    }

    /// The cost model over a table read earlier (render-report reads it before the stream, the bill after).
    func costModel(_ table: PriceTable, configured: Double? = nil, bill: Bill?) -> CostModel {
        CostModel(prices: table, spotDiscount: discount(configured: configured), bill: bill)
    }
}

/// The read-transform-write loop of a filter: stdin to stdout through `body`, failures turned into the
/// sysexits status (ToolRun), and the command's exit when it is not 0.
enum FilterRun {
    static func run(_ diagnostics: Diagnostics, _ body: (NDJSONReader, NDJSONWriter) throws -> Void) throws {
        try writing(diagnostics) { writer in try body(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), writer) }
    }

    /// The same for a command that reads no stream (collect-cluster, ledger export, a replay): what it
    /// writes to stdout, and its exit status.
    static func writing(_ diagnostics: Diagnostics, _ body: (NDJSONWriter) throws -> Void) throws {
        let writer = NDJSONWriter()
        let status = ToolRun.run(diagnostics, writer: writer) { try body(writer) }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}

/// `--listen HOST:PORT` of the two servers (receive-alerts, slack-approvals).
struct ListenAddress: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let host: String
    let port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        host = String(argument[..<colon])
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}
