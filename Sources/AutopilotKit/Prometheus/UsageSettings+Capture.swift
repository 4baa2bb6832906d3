import Foundation

extension UsageSettings {
    /// The settings as the first line of a capture's `queries.ndjson`, so a replay asks the same queries.
    public var captureJSON: JSONValue {
        [
            "kind": "capture", "end": .string(RFC3339.string(end)), "window": .string(window.description),
            "step": .string(step.description), "rateWindow": .string(rateWindow.description),
            "seriesStep": .string(seriesStep.description), "matchers": .string(matchers),
            "nodeLabel": .string(nodeLabel), "podsPerQuery": .int(Int64(podsPerQuery)),
            "nodesPerQuery": .int(Int64(nodesPerQuery)), "pointsPerQuery": .int(Int64(pointsPerQuery)),
        ]
    }

    /// Takes every setting a capture recorded; what it does not name stays as it is.
    public mutating func apply(capture: JSON) {
        if let text = capture["end"]?.string, let date = RFC3339.date(text) { end = date }
        if let text = capture["window"]?.string, let value = Duration(text) { window = value }
        if let text = capture["step"]?.string, let value = Duration(text) { step = value }
        if let text = capture["rateWindow"]?.string, let value = Duration(text) { rateWindow = value }
        if let text = capture["seriesStep"]?.string, let value = Duration(text) { seriesStep = value }
        if let text = capture["matchers"]?.string { matchers = text }
        if let text = capture["nodeLabel"]?.string { nodeLabel = text }
        if let value = capture["podsPerQuery"]?.int { podsPerQuery = Int(value) }
        if let value = capture["nodesPerQuery"]?.int { nodesPerQuery = Int(value) }
        if let value = capture["pointsPerQuery"]?.int { pointsPerQuery = Int(value) }
    }
}
