import ArgumentParser
import AutopilotKit
import Foundation

/// What collect-metrics asks Prometheus for: the window and its resolutions, and how the queries are cut
/// and run. A capture's own settings are the defaults when replaying.
struct QueryWindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How far back to look (default 14d, or the capture's).", valueName: "duration"))
    var window: String?

    @Option(help: ArgumentHelp("Resolution of the percentiles (default 5m, or the capture's).", valueName: "duration"))
    var step: String?

    @Option(help: ArgumentHelp("Resolution of the usage series kept for evidence and anomaly detection (default 1h, or the capture's); a multiple of --step.", valueName: "duration"))
    var seriesStep: String?

    @Option(help: Moment.help("End of the window (default: now, or the capture's)."))
    var end: Moment?

    @Option(help: ArgumentHelp("Known pods per query at most (namespaces are grouped up to this).", valueName: "n"))
    var podsPerQuery: Int?

    @Option(help: ArgumentHelp("Points in one range query's answer at most (known pods × steps); a longer window goes in pieces.", valueName: "n"))
    var pointsPerQuery: Int?

    @Option(help: ArgumentHelp("Queries in flight at once.", valueName: "n"))
    var concurrency: Int = 4

    func validate() throws {
        for (name, value, example) in [("--window", window, "14d"), ("--step", step, "5m"), ("--series-step", seriesStep, "15m")] {
            if let value, Duration(value) == nil { throw ValidationError("\(name): '\(value)' is not a duration like \(example)") }
        }
        if let pointsPerQuery, pointsPerQuery < 1 { throw ValidationError("--points-per-query must be 1 or more") }
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
    }

    func apply(to settings: inout UsageSettings) throws {
        if let window { settings.window = Duration(window)! }
        if let step { settings.step = Duration(step)! }
        if let seriesStep { settings.seriesStep = Duration(seriesStep)! }
        guard settings.seriesStep.seconds % settings.step.seconds == 0, settings.window.seconds % settings.seriesStep.seconds == 0 else {
            throw ValidationError("--series-step (\(settings.seriesStep)) must be a multiple of --step (\(settings.step)) and divide --window (\(settings.window))")
        }
        if let end { settings.end = end.date }
        if let podsPerQuery { settings.podsPerQuery = podsPerQuery }
        if let pointsPerQuery { settings.pointsPerQuery = pointsPerQuery }
        settings.concurrency = concurrency
        // Align the end to the step, so repeated runs within one step ask the same queries.
        let stepSeconds = Double(settings.step.seconds)
        settings.end = Date(timeIntervalSince1970: (settings.end.timeIntervalSince1970 / stepSeconds).rounded(.down) * stepSeconds)
    }
}
