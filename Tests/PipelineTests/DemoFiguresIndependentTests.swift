import Foundation
import XCTest

/// The demo's figures recomputed from its input records and the README's rules with Foundation and
/// arithmetic only — no AutopilotKit — against detect-waste's findings on the demo (the bytes the golden
/// file pins, which update-golden.sh writes from the tools) and the demo README's table. When a golden
/// changes, this says whether the change is a fix (the README's rule gives the new figure) or a regression.
///
/// Rules, from docs/tools/detect-waste.md: CPU p95 × 1.15 (latency-sensitive: p99 × 1.5; with a CPU
/// HPA at least p95 ÷ its target), at least 10m, rounded up to 5m steps below one core and 50m above.
/// Memory max × 1.15, at least 100Mi, rounded up to 16Mi steps (64Mi above 1Gi); after OOM kills
/// max(peak, limit) × 1.25. Money: a node's hourly price (spot: × (1 − 0.65)) split between its cores
/// and GiB as 0.031611 : 0.004237 per unit; a container costs its requests at its node's rates × 730 h;
/// before and after are whole cents; EBS size (GiB) × the GB-month price.
final class DemoFiguresIndependentTests: XCTestCase {
    static let mib = 1_048_576.0
    static let gib = 1_073_741_824.0

    /// The demo stream (collect-cluster and collect-metrics over the fixtures) as dictionaries.
    nonisolated(unsafe) static let records: [[String: Any]] = try! decodeRecords(DetectWasteDemoTests.demoInput.split(separator: "\n").map(String.init))
    /// detect-waste's findings on it, run now (the golden file is these bytes: DetectWasteDemoTests pins them).
    nonisolated(unsafe) static let found: [[String: Any]] = {
        let result = try! Tool.run("detect-waste", [], stdin: DetectWasteDemoTests.demoInput)
        precondition(result.status == 0, result.stderr)
        return try! decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }
    }()

    /// region/instanceType → (vcpu, memoryGiB, hourly), read from the CSV the table is compiled from.
    static let ec2: [String: (vcpu: Double, memoryGiB: Double, hourly: Double)] = {
        let text = try! String(contentsOf: repositoryRoot.appendingPathComponent("Sources/AutopilotKit/Pricing/prices-ec2.csv"), encoding: .utf8)
        var rows: [String: (Double, Double, Double)] = [:]
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let column = { (name: String) in header.firstIndex(of: name)! }
        for cells in lines.dropFirst() where cells[column("operatingSystem")] == "Linux" {
            rows["\(cells[column("region")])/\(cells[column("instanceType")])"] =
                (Double(cells[column("vcpu")])!, Double(cells[column("memoryGiB")])!, Double(cells[column("onDemandHourly")])!)
        }
        return rows
    }()

    /// region/volumeType → GB-month.
    static let ebs: [String: Double] = {
        let text = try! String(contentsOf: repositoryRoot.appendingPathComponent("Sources/AutopilotKit/Pricing/prices-ebs.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let region = header.firstIndex(of: "region")!, type = header.firstIndex(of: "volumeType")!, price = header.firstIndex(of: "gbMonth")!
        return Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ("\($0[region])/\($0[type])", Double($0[price])!) })
    }()

    static func of(_ kind: String) -> [[String: Any]] { records.filter { $0["kind"] as? String == kind } }
    static func findings(_ detector: String) -> [[String: Any]] { found.filter { $0["detector"] as? String == detector } }

    static func target(_ finding: [String: Any]) -> (namespace: String, kind: String, name: String, container: String) {
        let target = finding["target"] as! [String: Any]
        return (finding["namespace"] as? String ?? "", target["kind"] as! String, target["name"] as! String, target["container"] as? String ?? "")
    }

    static func usage(_ finding: [String: Any]) -> [String: Any]? {
        let t = target(finding)
        return of("usage").first { usage in
            let workload = usage["workload"] as! [String: Any]
            return usage["namespace"] as? String == t.namespace && workload["kind"] as? String == t.kind
                && workload["name"] as? String == t.name && usage["container"] as? String == t.container
        }
    }

    static func workload(_ namespace: String, _ kind: String, _ name: String) -> [String: Any]? {
        of("workload").first { $0["namespace"] as? String == namespace && $0["workloadKind"] as? String == kind && $0["name"] as? String == name }
    }

    static func roundUp(_ value: Double, step: Double) -> Double { (value / step - 1e-9).rounded(.up) * step }

    // MARK: Recommendations

    /// The README's CPU rule.
    static func cpuRecommendation(_ finding: [String: Any]) -> Double? {
        let t = target(finding)
        guard let cpu = usage(finding)?["cpu"] as? [String: Double], let p95 = cpu["p95"], let p99 = cpu["p99"],
            let workload = workload(t.namespace, t.kind, t.name)
        else { return nil }
        let markers = (workload["labels"] as? [String: String] ?? [:]).merging(workload["annotations"] as? [String: String] ?? [:]) { a, _ in a }
            .merging(workload["podLabels"] as? [String: String] ?? [:]) { a, _ in a }
        var cores = markers["autopilot.io/latency-sensitive"] == "true" ? p99 * 1.5 : p95 * 1.15
        let hpa = of("hpa").first { hpa in
            let target = hpa["target"] as! [String: Any]
            return hpa["namespace"] as? String == t.namespace && target["kind"] as? String == t.kind && target["name"] as? String == t.name
        }
        let cpuTarget = (hpa?["metrics"] as? [[String: Any]])?.compactMap { metric -> Double? in
            let resource = metric["resource"] as? [String: Any]
            guard resource?["name"] as? String == "cpu" else { return nil }
            return ((resource?["target"] as? [String: Any])?["averageUtilization"] as? NSNumber)?.doubleValue
        }.first
        if let cpuTarget { cores = max(cores, p95 / (cpuTarget / 100)) }
        cores = max(cores, 0.01)
        return cores < 1 ? roundUp(cores, step: 0.005) : roundUp(cores, step: 0.05)
    }

    /// The README's memory rule; after OOM kills, max(peak, limit) × 1.25.
    static func memoryRecommendation(_ finding: [String: Any], afterOOM: Bool) -> Double? {
        guard let peak = (usage(finding)?["memory"] as? [String: Double])?["max"] else { return nil }
        var bytes: Double
        if afterOOM {
            let limit = ((finding["current"] as? [String: Any])?["memoryLimit"] as? NSNumber)?.doubleValue ?? 0
            bytes = max(peak, limit) * 1.25
        } else {
            bytes = max(peak * 1.15, 100 * mib)
        }
        return roundUp(bytes, step: bytes > gib ? 64 * mib : 16 * mib)
    }

    func testEveryRightSizingRecommendationFollowsTheReadmesRule() throws {
        var checked = 0
        for finding in Self.findings("over-requested-cpu") {
            let expected = try XCTUnwrap(Self.cpuRecommendation(finding), "\(Self.target(finding))")
            let actual = try XCTUnwrap((finding["recommended"] as? [String: Any])?["cpu"] as? Double)
            XCTAssertEqual(actual, expected, accuracy: 1e-9, "\(Self.target(finding)): p95-rule gives \(expected)")
            checked += 1
        }
        for (detector, afterOOM) in [("over-requested-memory", false), ("under-provisioned-memory", true)] {
            for finding in Self.findings(detector) {
                let expected = try XCTUnwrap(Self.memoryRecommendation(finding, afterOOM: afterOOM), "\(Self.target(finding))")
                let actual = try XCTUnwrap(((finding["recommended"] as? [String: Any])?["memory"] as? NSNumber)?.doubleValue)
                XCTAssertEqual(actual, expected, "\(detector) \(Self.target(finding)): rule gives \(expected / Self.mib)Mi")
                checked += 1
            }
        }
        // Every CPU and memory cut and the one raise of the demo's 48 findings.
        XCTAssertEqual(checked, Self.findings("over-requested-cpu").count + Self.findings("over-requested-memory").count + 1)
        XCTAssertEqual(checked, 34)
    }

    // MARK: Money

    /// Per core-hour and per GiB-hour on a node, from the price CSV and OpenCost's weights.
    static func rates(_ nodeName: String) -> (core: Double, gib: Double)? {
        guard let node = of("node").first(where: { $0["name"] as? String == nodeName }),
            let type = node["instanceType"] as? String, let region = node["region"] as? String, let price = ec2["\(region)/\(type)"],
            let allocatable = node["allocatable"] as? [String: Any],
            let cores = (allocatable["cpu"] as? NSNumber)?.doubleValue, let bytes = (allocatable["memory"] as? NSNumber)?.doubleValue
        else { return nil }
        let hourly = node["capacityType"] as? String == "spot" ? price.hourly * (1 - 0.65) : price.hourly
        let gibs = bytes / gib
        let cpuShare = cores * 0.031611 / (cores * 0.031611 + gibs * 0.004237)
        return (hourly * cpuShare / cores, hourly * (1 - cpuShare) / gibs)
    }

    static func cents(_ dollars: Double) -> Int { Int((dollars * 100).rounded()) }

    /// Nodes the demo's node findings remove: their pods move, and are priced where they land.
    static let removedNodes: Set<String> = {
        var nodes = Set(findings("idle-node").map { target($0).name })
        for finding in findings("node-consolidation") {
            nodes.formUnion(((finding["recommended"] as? [String: Any])?["removeNodes"] as? [String]) ?? [])
        }
        return nodes
    }()

    /// Savings of every right-sizing finding whose running pods all stay on their nodes: the requests'
    /// change at each pod's node rates × 730 h, before and after in whole cents.
    func testRightSizingSavingsToTheCent() throws {
        XCTAssertTrue(Self.removedNodes.contains("ip-10-0-70-18.ec2.internal"), "\(Self.removedNodes)")
        var checked: [String] = []
        for detector in ["over-requested-cpu", "over-requested-memory", "under-provisioned-memory"] {
            for finding in Self.findings(detector) {
                let t = Self.target(finding)
                let pods = Self.of("pod").filter { pod in
                    let owner = pod["owner"] as? [String: Any]
                    return pod["namespace"] as? String == t.namespace && owner?["kind"] as? String == t.kind
                        && owner?["name"] as? String == t.name && pod["phase"] as? String == "Running"
                }
                let nodes = pods.compactMap { $0["node"] as? String }
                guard !pods.isEmpty, Set(nodes).isDisjoint(with: Self.removedNodes) else { continue }
                let current = finding["current"] as! [String: Any], recommended = finding["recommended"] as! [String: Any]
                let cpu = detector.hasSuffix("cpu")
                let key = cpu ? "cpu" : "memory"
                // The container's request on each pod (as the pod runs it), and the new one.
                var before = 0.0, after = 0.0
                for pod in pods {
                    let rates = try XCTUnwrap(Self.rates(pod["node"] as! String), "\(t) on \(pod["node"] ?? "")")
                    let container = (pod["containers"] as! [[String: Any]]).first { $0["name"] as? String == t.container }!
                    let request = ((container["requests"] as? [String: Any])?[key] as? NSNumber)?.doubleValue ?? 0
                    let new = (recommended[key] as! NSNumber).doubleValue
                    XCTAssertEqual(request, (current[key] as! NSNumber).doubleValue, "\(t): the finding's current request is the pods'")
                    let rate = cpu ? rates.core : rates.gib / Self.gib
                    before += request * rate * 730
                    after += new * rate * 730
                }
                let savings = Double(Self.cents(before) - Self.cents(after)) / 100
                XCTAssertEqual(finding["monthlySavings"] as? Double ?? .nan, savings, accuracy: 0.001,
                               "\(detector) \(t): \(pods.count) pods, before \(before), after \(after)")
                checked.append("\(t.namespace)/\(t.name)/\(t.container) \(key)")
            }
        }
        // 30 of the 34: the other four have pods on nodes the demo's node findings remove (priced where they land).
        XCTAssertEqual(checked.count, 30, "\(checked)")
    }

    /// The orphan volumes' and the idle on-demand node's prices, as the demo README lists them.
    func testVolumeAndNodePricesAsTheReadmeLists() throws {
        var orphans: [String: Double] = [:]
        for finding in Self.findings("orphan-volume") {
            let current = finding["current"] as! [String: Any]
            let type = current["volumeType"] as! String
            let size = (current["sizeBytes"] as! NSNumber).doubleValue / Self.gib
            // No provisioned IOPS or throughput above gp3's free 3,000 / 125 among the demo's orphans.
            XCTAssertTrue(current["iops"] is NSNull || (current["iops"] as? Int ?? 0) <= 3000, "\(current)")
            let expected = Double(Self.cents(size * Self.ebs["us-east-1/\(type)"]!)) / 100
            XCTAssertEqual(finding["monthlySavings"] as? Double ?? .nan, expected, accuracy: 0.001, "\(current)")
            orphans[current["volume"] as! String] = expected
        }
        XCTAssertEqual(orphans.values.sorted(), [8.00, 16.00, 50.00, 81.92], "the README's $8.00, $16.00, $50.00, $81.92")
        let idle = try XCTUnwrap(Self.findings("idle-node").first { Self.target($0).name == "ip-10-0-70-18.ec2.internal" })
        // m6i.2xlarge on-demand in us-east-1: $0.384 × 730 = $280.32.
        XCTAssertEqual(Self.ec2["us-east-1/m6i.2xlarge"]?.hourly, 0.384)
        XCTAssertEqual(idle["monthlySavings"] as? Double ?? .nan, Double(Self.cents(0.384 * 730)) / 100, accuracy: 0.001)
        XCTAssertEqual(idle["monthlySavings"] as? Double ?? .nan, 280.32, accuracy: 0.001)
    }

    /// The demo README's "why" column: each `old → new` in the units a manifest uses is the rule's figure.
    func testTheDemoReadmesFiguresAreTheRulesFigures() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo/README.md"), encoding: .utf8)
        var checked = 0
        for line in readme.split(separator: "\n") where line.hasPrefix("| ") && line.contains(" → ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, ["over-requested-cpu", "over-requested-memory", "under-provisioned-memory"].contains(cells[1]) else { continue }
            // `search/search-api \`api\``: namespace/name and the container in backticks.
            let parts = cells[2].split(separator: " ")
            let name = String(parts[0]), container = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let new = String(cells[4].split(separator: "→")[1].trimmingCharacters(in: .whitespaces).prefix { !$0.isWhitespace && $0 != "," && $0 != ":" })
            let finding = try XCTUnwrap(Self.found.first { finding in
                let t = Self.target(finding)
                return finding["detector"] as? String == cells[1] && "\(t.namespace)/\(t.name)" == name && t.container == container
            }, line.description)
            let figure: String
            if cells[1] == "over-requested-cpu" {
                let cores = try XCTUnwrap(Self.cpuRecommendation(finding))
                figure = cores < 1 ? "\(Int((cores * 1000).rounded()))m" : String(cores)
            } else {
                let bytes = try XCTUnwrap(Self.memoryRecommendation(finding, afterOOM: cells[1] == "under-provisioned-memory"))
                figure = bytes.truncatingRemainder(dividingBy: Self.gib) == 0 ? "\(Int(bytes / Self.gib))Gi"
                    : bytes >= Self.gib ? String(format: "%.2fGi", bytes / Self.gib) : "\(Int(bytes / Self.mib))Mi"
            }
            XCTAssertEqual(figure, new, line.description)
            checked += 1
        }
        // #1–#5, #9 and #20: 210m, 528Mi, 175m, 832Mi, 224Mi, 25m, 1.06Gi, 704Mi.
        XCTAssertEqual(checked, 8)
    }
}
