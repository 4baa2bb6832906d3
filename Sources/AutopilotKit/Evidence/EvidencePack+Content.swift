import Foundation

extension EvidencePack {
    // MARK: Events and changes

    /// Objects a finding is about, as (kind, namespace, name) of events' involvedObject.
    static func subjects(_ finding: FindingRecord?, workload: Observed.Workload?, cluster: ObservedCluster) -> Set<String> {
        var subjects = Set<String>()
        if let workload {
            subjects.insert("\(workload.key.kind)/\(workload.key.namespace)/\(workload.key.name)")
            for pod in cluster.pods(of: workload.key) { subjects.insert("Pod/\(pod.namespace)/\(pod.name)") }
            for hpa in cluster.hpas(targeting: workload.key) { subjects.insert("HorizontalPodAutoscaler/\(hpa.namespace)/\(hpa.name)") }
        }
        for node in finding.map(ObservedCluster.nodes(of:)) ?? [] {
            subjects.insert("Node//\(node)")
            for pod in cluster.pods(on: node) { subjects.insert("Pod/\(pod.namespace)/\(pod.name)") }
        }
        if let finding {
            subjects.insert("\(finding.target.kind)/\(finding.namespace ?? "")/\(finding.target.name)")
        }
        return subjects
    }


    /// Warning events about the finding's objects since the window's start (RFC 3339 strings compare in
    /// time order), newest first.
    static func events(for finding: FindingRecord, workload: Observed.Workload?, cluster: ObservedCluster, since start: String?) -> [Row] {
        let subjects = subjects(finding, workload: workload, cluster: cluster)
        let rows = subjects.sorted().flatMap(cluster.events(about:)).filter { event in
            event.type == "Warning" && (start.map { (event.lastTimestamp ?? $0) >= $0 } ?? true)
        }.map { event in
            Row(time: event.lastTimestamp ?? "", cells: [event.reason ?? "", "\(event.objectKind ?? "") \(event.objectName ?? "")", event.message ?? ""])
        }
        return Array(rows.sorted(by: newestFirst).prefix(maxEvents))
    }

    static func changes(workload: Observed.Workload?, cluster: ObservedCluster) -> [Row] {
        guard let workload else { return [] }
        var rows: [Row] = []
        let subjects = subjects(nil, workload: workload, cluster: cluster)
        for event in subjects.sorted().flatMap(cluster.events(about:)) where event.type != "Warning" {
            rows.append(Row(time: event.lastTimestamp ?? "", cells: [event.reason ?? "", "\(event.objectKind ?? "") \(event.objectName ?? "")",
                                                                    event.message ?? ""]))
        }
        for pod in cluster.pods(of: workload.key) {
            if let created = pod.createdAt { rows.append(Row(time: created, cells: ["PodCreated", "Pod \(pod.name)", "phase \(pod.phase ?? "?")"])) }
            for container in pod.containers where container.restarts > 0 {
                rows.append(Row(time: container.lastTermination?.at ?? "", cells: [
                    "Restarts", "Pod \(pod.name)",
                    "container \(container.name) restarted \(container.restarts) times; last ended \(container.lastTermination?.reason ?? "?")",
                ]))
            }
        }
        if let revision = workload.annotations["deployment.kubernetes.io/revision"] {
            rows.append(Row(time: "", cells: ["Revision", "\(workload.key.kind) \(workload.key.name)", "rollout revision \(revision)"]))
        }
        for container in workload.longRunningContainers {
            // A pod still running another image than the template is a rollout in progress (or stuck).
            let running = Set(cluster.pods(of: workload.key).flatMap(\.containers).filter { $0.name == container.name }.compactMap(\.image))
            let detail = "container \(container.name) image \(container.image ?? "unknown")"
                + (running.subtracting([container.image ?? ""]).isEmpty ? "" : "; pods still run \(running.sorted().joined(separator: ", "))")
            rows.append(Row(time: "", cells: ["Image", "\(workload.key.kind) \(workload.key.name)", detail]))
        }
        let sorted = rows.sorted(by: newestFirst)
        guard sorted.count > maxChanges else { return sorted }
        return Array(sorted.prefix(maxChanges)) + [Row(time: "", cells: ["…", "", "\(sorted.count - maxChanges) older changes left out"])]
    }

    /// Newest first; ties by their text, so the order never depends on input order.
    static func newestFirst(_ lhs: Row, _ rhs: Row) -> Bool {
        lhs.time != rhs.time ? lhs.time > rhs.time : lhs.cells.joined(separator: "\u{1f}") > rhs.cells.joined(separator: "\u{1f}")
    }

    // MARK: Cost

    /// What one pod's requests change by, for the arithmetic lines.
    static func requestChange(_ finding: FindingRecord) -> (cpu: Double, memory: Int64, text: String)? {
        if let before = finding.current.cpu, let after = finding.recommended.cpu {
            return (before - after, 0, "\(Units.cpu(abs(before - after))) CPU \(before >= after ? "less" : "more")")
        }
        if let before = finding.current.memory, let after = finding.recommended.memory {
            return (0, before - after, "\(Units.memory(abs(before - after))) memory \(before >= after ? "less" : "more")")
        }
        return nil
    }

    /// What the customer's bill says (`--billing`): the cost at its effective rates, where they come from,
    /// and what of the saving would show on it.
    static func billedLines(_ finding: FindingRecord) -> [String] {
        var lines: [String] = []
        if let current = finding.billed?["monthlyCost", "current"]?.double, let recommended = finding.billed?["monthlyCost", "recommended"]?.double {
            lines.append("per the bill: \(Money(dollars: current))/month now − \(Money(dollars: recommended))/month after = "
                + "\(Money(dollars: current) - Money(dollars: recommended))/month"
                + (finding.billed?["partlyListPrice"]?.bool == true ? " (part at list price: the bill lacks some of it)" : ""))
        }
        for basis in finding.billed?["basis"]?.value.stringList ?? [] { lines.append("  from \(basis)") }
        if let realisable = finding.billedSavings {
            lines.append("realisable on the bill: \(realisable.monthly)/month: \(realisable.reason ?? "")")
        }
        return lines
    }

    static func costLines(_ finding: FindingRecord, workload: Observed.Workload?, cluster: ObservedCluster, costs: CostModel) -> [String] {
        var lines: [String] = []
        if let cost = finding.monthlyCost, let savings = finding.monthlySavings {
            lines.append("\(cost.current)/month now − \(cost.recommended)/month after = \(savings)/month saved "
                + "(price source: \(finding.priceSource ?? "?"))")
        } else {
            lines.append("no dollar figure: price source \(finding.priceSource ?? "unknown")")
        }
        if finding.priceSource == "billed" {
            lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(
                of: "(price source: billed)", with: "at list price (\(finding.json["listPriceSource"]?.string ?? "?"))")
            lines += billedLines(finding)
        }
        let nodes = ObservedCluster.nodes(of: finding)
        if !nodes.isEmpty {
            for name in nodes {
                guard let node = cluster.node(named: name), let price = costs.price(of: node) else { continue }
                lines.append("\(name): \(node.instanceType ?? "?") \(price.source) \(String(format: "$%.4f", price.hourly))/h × 730 h = \(price.monthly)")
            }
        } else if let workload {
            lines.append("model: each node's hourly price is split between CPU and memory by its allocatable cores and GiB "
                + "(OpenCost weights \(CostModel.cpuWeight) : \(CostModel.memoryWeight)), × 730 h, × the request, for every running pod")
            // The change per pod, priced on each node: the lines add up to the savings (pods a node plan moves
            // are priced where they go, so a line or two can differ from detect-waste's total).
            let change = Self.requestChange(finding)
            var counts: [String: Int] = [:]
            for pod in cluster.pods(of: workload.key) where pod.phase == "Running" { if let node = pod.node { counts[node, default: 0] += 1 } }
            for name in counts.keys.sorted() {
                guard let node = cluster.node(named: name), let rates = costs.rates(on: node) else { continue }
                let count = counts[name]!
                var line = "\(count) pod\(count == 1 ? "" : "s") on \(name) (\(node.instanceType ?? "?"), \(rates.source)): "
                    + String(format: "$%.5f per core-hour, $%.5f per GiB-hour", rates.perCoreHour, rates.perGiBHour)
                if let change {
                    let dollars = Double(count) * rates.monthly(cpu: change.cpu, memory: change.memory)
                    line += "; \(count) × \(change.text) × rate × 730 h = \(Money(dollars: dollars))"
                }
                lines.append(line)
            }
        } else if finding.kind == .orphanVolume, let size = finding.current["sizeBytes"]?.int,
            let type = finding.current["volumeType"]?.string {
            let zone = finding.current["zone"]?.string ?? ""
            let region = String(zone.dropLast())
            if let price = costs.prices.volume(type, region: region) {
                lines.append("\(Units.memory(size)) = \(String(format: "%.0f", Double(size) / 1_073_741_824)) GiB × "
                    + String(format: "$%.4f", price.gbMonth) + " per GB-month (\(type), \(region))"
                    + (finding.current["iops"]?.int.map { " + provisioned IOPS \($0)" } ?? ""))
            }
        }
        return lines
    }
}
