import AutopilotKit
import Foundation

extension SynthCluster {
    /// Writes the cluster: the kubectl Lists at the top of `directory` (for `collect-cluster --from`),
    /// the captured answers in `prometheus/` (for `collect-metrics --from`), the planted waste in
    /// `expected/waste.ndjson`, and with `openMetrics` the raw series in `openmetrics/metrics.om`.
    public func write(to directory: String, openMetrics: Bool) throws {
        try FileIO.makeDirectory(directory)
        try SynthKubernetes(cluster: self).write(to: directory)
        let prometheus = SynthPrometheus(cluster: self)
        try prometheus.writeCapture(to: "\(directory)/prometheus")
        try FileIO.makeDirectory("\(directory)/expected")
        var lines: [UInt8] = []
        for item in planted.sorted(by: { $0.key < $1.key }) {
            lines += item.json.serialized() + [0x0A]
        }
        try FileIO.writeAtomically(lines, to: "\(directory)/expected/waste.ndjson")
        if openMetrics {
            try FileIO.makeDirectory("\(directory)/openmetrics")
            try prometheus.writeOpenMetrics(to: "\(directory)/openmetrics/metrics.om")
        }
    }

    /// Counts for a one-line summary.
    public var summary: String {
        let running = pods.filter { !$0.succeeded }.count
        return "\(nodes.count) nodes, \(workloads.count) workloads, \(pods.count) pods (\(running) running), \(volumes.count) volumes, "
            + "\(planted.count) planted waste items"
    }
}

extension SynthCluster.Planted {
    /// The record in `expected/waste.ndjson`: what a finding must match (`key`), and its parts.
    public var json: JSONValue {
        var members: [JSONValue.Member] = [
            .init("kind", "planted"), .init("key", .string(key)), .init("detector", .string(detector)),
            .init("namespace", .optional(namespace)), .init("target", ["kind": .string(kind), "name": .string(name), "container": .optional(container)]),
        ]
        if !nodes.isEmpty { members.append(.init("nodes", .strings(nodes))) }
        return .object(members)
    }
}
