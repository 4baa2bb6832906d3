import Foundation
import XCTest

/// Impossible numbers and wrong types, as a broken exporter or a hostile stream would send them: no filter
/// crashes, each bad record is reported by field and position and not used, the good records still flow,
/// and no dollar figure moves because of a bad record.
final class HostileInputTests: XCTestCase {
    /// A kubectl List of pods, one container each, with the given CPU and memory requests (JSON values).
    private func podList(_ requests: [(cpu: String, memory: String)]) -> String {
        let items = requests.enumerated().map { index, request in
            """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p\(index)","namespace":"shop","uid":"u\(index)"},\
            "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":\(request.cpu),"memory":\(request.memory)}}}]},\
            "status":{"phase":"Running"}}
            """
        }
        return #"{"apiVersion":"v1","kind":"List","items":["# + items.joined(separator: ",") + "]}\n"
    }

    /// `{ kubectl get nodes -o json; kubectl get pods -A -o json; } | collect-cluster --from -`: two real API
    /// responses (fixtures/upstream-objects) on one stream, or in one file, are both read to the end (only
    /// the first was, without a word). Junk after them is an error at its place; the objects still flow.
    func testConcatenatedDocumentsAreAllRead() throws {
        let folder = repositoryRoot.appendingPathComponent("fixtures/upstream-objects/honeycombio-honeycomb-kubernetes-agent/testdata")
        let nodes = try String(contentsOf: folder.appendingPathComponent("nodes.json"), encoding: .utf8)
        let pods = try String(contentsOf: folder.appendingPathComponent("pods.json"), encoding: .utf8)
        func kinds(_ result: ToolResult) throws -> [String: Int] {
            try decodeRecords(result.lines).reduce(into: [:]) { counts, record in counts[record["kind"] as? String ?? "", default: 0] += 1 }
        }
        let piped = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "duckboat"], stdin: nodes + pods)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stderr, "")
        XCTAssertEqual(try kinds(piped)["node"], 2)
        XCTAssertEqual(try kinds(piped)["pod"], 11)

        let scratch = try makeScratchDirectory(self)
        let file = scratch.appendingPathComponent("cluster.json")
        let junk = "\n]\n"
        try (nodes + pods + junk).write(to: file, atomically: true, encoding: .utf8)
        let damaged = try Tool.run("collect-cluster", ["--from", file.path, "--cluster", "duckboat"])
        XCTAssertEqual(damaged.status, 65, damaged.stderr)
        let lines = (nodes + pods).split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertEqual(damaged.errorLines.count, 1, damaged.stderr)
        XCTAssertTrue(damaged.stderr.hasPrefix("collect-cluster: \(file.path):\(lines + 1):1: error: "), damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains("the rest of this input is skipped"), damaged.stderr)
        XCTAssertEqual(try kinds(damaged)["pod"], 11, "what came before the junk is kept")
    }

    /// An empty stdin is what a failed `kubectl get … | collect-cluster` leaves: said, and an error under --strict.
    func testAnEmptyInputIsSaidNotMistakenForAnEmptyCluster() throws {
        let empty = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "c"], stdin: "")
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(empty.stderr, "collect-cluster: <stdin>: warning: no objects read: the input is empty (did the kubectl writing it fail?)\n")
        let strict = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "c", "--strict"], stdin: "\n")
        XCTAssertEqual(strict.status, 65, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("error: no objects read"), strict.stderr)
        // An empty List is a cluster without such objects: nothing to say.
        let list = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "c"], stdin: #"{"kind":"List","apiVersion":"v1","items":[]}"# + "\n")
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stderr, "")
    }

    func testCollectClusterReportsImpossibleQuantitiesByFieldAndKeepsTheRest() throws {
        let scratch = try makeScratchDirectory(self)
        let file = scratch.appendingPathComponent("pods.json")
        try podList([("\"100P\"", "\"1Gi\""), ("\"1\"", "\"1E\""), ("\"-4\"", "\"1Gi\""), ("\"abc\"", "\"1Gi\""), ("1e300", "\"1Gi\""),
                     ("\"250m\"", "1e300"), ("\"250m\"", "\"512Mi\"")]).write(to: file, atomically: true, encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", file.path, "--cluster", "t"])
        XCTAssertEqual(result.status, 65, result.stderr)
        let pods = try decodeRecords(result.lines).filter { $0["kind"] as? String == "pod" }
        XCTAssertEqual(pods.compactMap { $0["name"] as? String }, ["p6"], "only the good pod is written")
        XCTAssertEqual(result.errorLines.filter { $0.contains(": error: ") }.count, 6, result.stderr)
        for expected in ["\"100P\" in spec.containers[0].resources.requests.cpu is 1e+17 cores, more than any machine has",
                         "\"1E\" in spec.containers[0].resources.requests.memory is 1000000000000000000 bytes, more than any machine has",
                         "\"-4\" in spec.containers[0].resources.requests.cpu is negative", "invalid quantity \"abc\"",
                         "spec.containers[0].resources.requests.memory is beyond 8Ei"] {
            XCTAssertTrue(result.stderr.contains(expected), "stderr lacks \(expected):\n\(result.stderr)")
        }
        for line in result.errorLines where line.contains(": error: ") {
            XCTAssertTrue(line.hasPrefix("collect-cluster: \(file.path):"), line)
        }
    }

    /// detect-waste's small stream (one node, one over-requested workload, its usage), with one field replaced.
    private var stream: String { DetectWasteFailureTests.stream }

    func testDetectWasteReportsImpossibleRecordsInsteadOfCrashingOrPricingThem() throws {
        let clean = try Tool.run("detect-waste", ["--summary"], stdin: stream)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let cleanTotal = try XCTUnwrap(clean.errorLines.last)
        let cases: [(from: String, to: String, field: String)] = [
            (#""requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null},"restarts""#,
             #""requests":{"cpu":1e17,"memory":4294967296},"limits":{"cpu":null,"memory":null},"restarts""#, "pod: container api: requests.cpu is 1e+17"),
            (#""requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null}}]"#,
             #""requests":{"cpu":-4,"memory":4294967296},"limits":{"cpu":null,"memory":null}}]"#, "workload: container api: requests.cpu is -4.0"),
            (#""requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null}}]"#,
             #""requests":{"cpu":"abc","memory":4294967296},"limits":{"cpu":null,"memory":null}}]"#, #"workload: container api: requests.cpu is "abc", not a number"#),
            (#""p95":0.2,"#, #""p95":1e300,"#, "usage: cpu.p95 is 1e+300"),
            (#""memory":{"p50":400000000"#, #""memory":{"p50":-1"#, "usage: memory.p50 is -1.0"),
            (#""samples":4032"#, #""samples":"many""#, "usage: samples is \"many\", not a whole number"),
            (#""allocatable":{"cpu":3.92"#, #""allocatable":{"cpu":"lots""#, "node: allocatable.cpu is \"lots\""),
        ]
        for (from, to, field) in cases {
            XCTAssertTrue(stream.contains(from), from)
            let input = stream.replacingOccurrences(of: from, with: to)
            let result = try Tool.run("detect-waste", [], stdin: input)
            XCTAssertEqual(result.status, 65, "\(field): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(field), "stderr lacks \(field):\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("forwarded, not analysed"), result.stderr)
            XCTAssertTrue(result.stdout.hasPrefix(input), "every record is forwarded")
            // A record that is not used can only take savings away, never add them.
            let findings = try decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }
            let total = findings.compactMap { $0["monthlySavings"] as? Double }.reduce(0, +)
            let cleanFindings = try decodeRecords(clean.lines).filter { $0["kind"] as? String == "finding" }
            XCTAssertLessThanOrEqual(total, cleanFindings.compactMap { $0["monthlySavings"] as? Double }.reduce(0, +) + 0.001, cleanTotal)
        }
    }

    /// Zeros the cluster may hold where the code divides: a CPU limit of 0 under a throttling alert, an HPA
    /// targeting 0% CPU. They crashed detect-incidents and detect-waste (a Double that is infinite turned
    /// into an Int); now they are no figure, and every record still flows.
    func testZeroLimitsAndTargetsDoNotCrashAFilter() throws {
        let cluster = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec: {replicas: 2, template: {spec: {containers: [{name: app, image: x, resources: {requests: {cpu: 500m}, limits: {cpu: "0"}}}]}}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web-6d4cf56db6-x2x9z, namespace: shop, labels: {pod-template-hash: 6d4cf56db6}, ownerReferences: [{kind: ReplicaSet, name: web-6d4cf56db6, controller: true}]}
            spec: {nodeName: n1, containers: [{name: app, image: x, resources: {requests: {cpu: 500m}, limits: {cpu: "0"}}}]}
            status: {phase: Running}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: web, namespace: shop}
            spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 1, maxReplicas: 4,
                   metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}}]}
            status: {currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{type: Resource, resource: {name: cpu, current: {averageUtilization: 40}}}]}
            """
        let collected = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "c"], stdin: cluster)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let usage = #"{"kind":"usage","cluster":"c","namespace":"shop","workload":{"kind":"Deployment","name":"web"},"container":"app","#
            + #""samples":2016,"window":{"start":"2026-11-13T12:00:00Z","end":"2026-11-20T12:00:00Z","step":"5m"},"#
            + #""cpu":{"p50":0.05,"p95":0.1,"p99":0.12,"max":0.9},"memory":{"p50":1e8,"p95":1.1e8,"max":1.2e8},"throttledRatio":0.5}"#
        let alert = #"{"kind":"alert","cluster":"c","alertname":"CPUThrottlingHigh","status":"firing","labels":{"namespace":"shop","pod":"web-6d4cf56db6-x2x9z","container":"app"},"startsAt":"2026-11-20T11:00:00Z"}"#
        let input = collected.stdout + usage + "\n" + alert + "\n"
        let waste = try Tool.run("detect-waste", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: input)
        XCTAssertEqual(waste.status, 0, waste.stderr)
        XCTAssertTrue(waste.stdout.hasPrefix(input), "every record is forwarded")
        let incidents = try Tool.run("detect-incidents", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: input)
        XCTAssertEqual(incidents.status, 0, incidents.stderr)
        let incident = try XCTUnwrap(try decodeRecords(incidents.lines).first { $0["kind"] as? String == "incident" })
        XCTAssertEqual(incident["category"] as? String, "cpu-saturation")
    }

    /// Findings with money or scores that cannot be: every reader refuses to use them (score-risk, render-report,
    /// ledger), reports the field with its line, and forwards them as they came.
    func testFindingsWithImpossibleMoneyOrScoresAreNotUsed() throws {
        let lines = ScoreRiskTests.wasteStream.split(separator: "\n").map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(#"{"kind":"finding""#) && $0.contains(#""monthlySavings":4.92"#) })
        let good = lines[index]
        let cases: [(to: String, field: String)] = [
            (good.replacingOccurrences(of: #""monthlySavings":4.92"#, with: #""monthlySavings":-536870912"#), "monthlySavings -536870912.0 is not monthlyCost.current"),
            (good.replacingOccurrences(of: #""monthlySavings":4.92"#, with: #""monthlySavings":500"#), "monthlySavings 500.0 is not monthlyCost.current"),
            (good.replacingOccurrences(of: #""recommended":10.95"#, with: #""recommended":-10.95"#), "monthlyCost.recommended is -10.95"),
            (good.replacingOccurrences(of: #""confidence":0.77"#, with: #""confidence":"abc""#), "confidence is \"abc\", not a number"),
            (good.replacingOccurrences(of: #""confidence":0.77"#, with: #""confidence":7.7"#), "confidence is 7.7, outside 0…1"),
            (good.replacingOccurrences(of: #""recommended":{"cpu":0.345"#, with: #""recommended":{"cpu":1e300"#), "recommended.cpu is 1e+300"),
        ]
        let scratch = try makeScratchDirectory(self)
        for (bad, field) in cases {
            XCTAssertNotEqual(bad, good, field)
            var mutated = lines
            mutated[index] = bad
            let input = mutated.joined(separator: "\n") + "\n"
            let risk = try Tool.run("score-risk", [], stdin: input)
            XCTAssertEqual(risk.status, 65, "\(field): \(risk.stderr)")
            XCTAssertEqual(risk.errorLines, ["score-risk: <stdin>:\(index + 1): error: finding: \(risk.errorLines.first?.components(separatedBy: "finding: ").last ?? "")"])
            XCTAssertTrue(risk.stderr.contains(field), "stderr lacks \(field):\n\(risk.stderr)")
            XCTAssertTrue(risk.lines.contains(bad), "forwarded as it came")
            XCTAssertEqual(risk.lines.filter { $0.contains(#""risk":{"#) }.count, 47, "the other findings are scored")

            let out = scratch.appendingPathComponent("report-\(cases.firstIndex { $0.to == bad } ?? 0)")
            let report = try Tool.run("render-report", ["--out", out.path], stdin: input)
            XCTAssertEqual(report.status, 65, report.stderr)
            XCTAssertTrue(report.stderr.contains(field), report.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
            let headline = try XCTUnwrap(json["headline"] as? [String: Any])
            XCTAssertEqual(LedgerFixtures.cents(headline["identifiedNotActedOn"]), 121_809 - 492, "the demo's total less the finding that was not used")

            let ledger = try Tool.run("ledger", ["record", "--db", scratch.appendingPathComponent("l.db").path, "--now", "2026-11-20T12:00:00Z"], stdin: input)
            XCTAssertEqual(ledger.status, 65, ledger.stderr)
            XCTAssertTrue(ledger.stderr.contains(field), ledger.stderr)
        }
    }

    /// A record a filter forwards without parsing must still be whole: a cut or spliced line is reported and
    /// dropped by every filter, not passed on to fail somewhere later (or nowhere).
    func testATruncatedLineOfAKindNobodyReadsIsReportedNotForwarded() throws {
        let lines = DetectWasteFailureTests.stream.split(separator: "\n").map(String.init)
        let broken = [#"{"kind":"martian","cluster":"t","name":"x","legs":[1,2"#,
                      #"{"kind":"martian","cluster":"t","name":"a\"}{"kind":"martian"}"#,
                      #"{"kind":"martian","cluster":"t","name":"x"}{"kind":"martian","cluster":"t"}"#,
                      "{\"kind\":\"martian\",\"name\":\"\u{1}\"}"]
        let good = #"{"kind":"martian","cluster":"t","name":"ok","nested":{"a":[{"b":"}]\""}]}}"#
        let input = ([lines[0], broken[0], broken[1], broken[2], broken[3], good] + lines[1...]).joined(separator: "\n") + "\n"
        for tool in ["detect-waste", "score-risk", "build-evidence", "detect-incidents"] {
            var arguments: [String] = []
            if tool == "build-evidence" { arguments = ["--out", try makeScratchDirectory(self).path] }
            let result = try Tool.run(tool, arguments, stdin: input)
            XCTAssertEqual(result.status, 65, "\(tool): \(result.stderr)")
            let errors = result.errorLines.filter { $0.contains(": error: ") }
            XCTAssertEqual(errors.map { $0.components(separatedBy: ": error: ").first ?? "" },
                           (2...5).map { "\(tool): <stdin>:\($0)" }, result.stderr)
            XCTAssertTrue(errors.allSatisfy { $0.hasSuffix("martian record is not one whole JSON object (cut short, or two glued together); dropped") }, result.stderr)
            XCTAssertTrue(result.lines.contains(good), "\(tool) forwards the whole one")
            XCTAssertFalse(result.lines.contains { $0.hasPrefix(#"{"kind":"martian","cluster":"t","name":"x""#) }, tool)
        }
    }

    /// notify-slack's payloads escape the cluster's words everywhere Slack reads mrkdwn, the fallback `text` too.
    func testSlackTextCarriesNoMentionOrLinkFromTheCluster() throws {
        let lines = EmitPRFixtures.demoStream.split(separator: "\n").map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(#"{"kind":"finding""#) && $0.contains(#""gate":"approve""#) })
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        let summary = try XCTUnwrap(record["summary"] as? String)
        var mutated = lines
        mutated[index] = lines[index].replacingOccurrences(of: #""summary":"\#(summary)""#,
                                                           with: #""summary":"<!channel> see <https://evil.example|Approve here> & more""#)
        XCTAssertNotEqual(mutated[index], lines[index])
        let result = try Tool.run("notify-slack", ["--dry-run", "--channel", "#savings", "--now", "2026-11-20T12:00:00Z"],
                                  stdin: mutated.joined(separator: "\n") + "\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        let payloads = result.lines.filter { $0.hasPrefix(#"{"kind":"slackmessage""#) }
        let hostile = try XCTUnwrap(payloads.first { $0.contains("evil.example") })
        XCTAssertFalse(hostile.contains("<!channel>"), hostile)
        XCTAssertFalse(hostile.contains("<https://evil"), hostile)
        let message = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(hostile.utf8)) as? [String: Any])?["payload"] as? [String: Any])
        XCTAssertEqual(message["text"] as? String, "Autopilot: &lt;!channel&gt; see &lt;https://evil.example|Approve here&gt; &amp; more ($\(String(format: "%.2f", record["monthlySavings"] as? Double ?? 0))/month)")
    }

    /// A cluster name no ref may hold, with a newline that would forge a trailer in every commit and PR title:
    /// emit-pr still makes valid branches (git accepts them), one per change, and keeps names on one line.
    func testBranchesAndCommitMessagesFromHostileNames() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try EmitPRFixtures.makeRepo(["manifests"], in: scratch)
        let hostile = #"demo..x/.y.lock\nSigned-off-by: Mallory <m@evil.example>"#
        let stream = EmitPRFixtures.demoStream.replacingOccurrences(of: #""cluster":"demo""#, with: #""cluster":"\#(hostile)""#)
        let result = try EmitPRFixtures.emitPR(repo, stream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let changes = try EmitPRFixtures.changes(result).filter { $0["branch"] is String }
        XCTAssertEqual(changes.count, 12, "as many branches as with the plain name")
        let branches = changes.compactMap { $0["branch"] as? String }
        XCTAssertEqual(Set(branches).count, branches.count)
        for change in changes {
            let branch = try XCTUnwrap(change["branch"] as? String)
            let check = try PrometheusServer.run("/usr/bin/env", ["git", "check-ref-format", "refs/heads/" + branch])
            XCTAssertEqual(check.status, 0, "not a valid ref: \(branch)")
            XCTAssertEqual(try EmitPRFixtures.git(["rev-parse", branch], in: repo), change["commit"] as? String)
            let message = try EmitPRFixtures.git(["log", "-1", "--format=%B", branch], in: repo)
            XCTAssertFalse(message.split(separator: "\n").contains { $0.hasPrefix("Signed-off-by:") }, message)
            XCTAssertFalse((change["title"] as? String ?? "").contains("\n"))
            XCTAssertFalse((change["body"] as? String ?? "").split(separator: "\n").contains { $0.hasPrefix("Signed-off-by:") })
        }
    }

    /// The same capture fed three times (two cron runs concatenated, a replay appended): every object counts
    /// once, so the findings and their scores are those of one copy. (It also keeps the joins linear: score-risk
    /// over the stream ×50 used to take 60 times as long as ×10.)
    func testAStreamFedThriceCountsEveryObjectOnce() throws {
        let collected = DetectWasteDemoTests.demoInput
        let once = try Tool.run("detect-waste", ["--quiet"], stdin: collected)
        let thrice = try Tool.run("detect-waste", ["--quiet"], stdin: collected + collected + collected)
        XCTAssertEqual(thrice.status, 0, thrice.stderr)
        let findings = { (result: ToolResult) in result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) } }
        XCTAssertEqual(findings(once).count, 48)
        XCTAssertEqual(findings(thrice), findings(once), "orphan volumes, pods on nodes and requests are not tripled")
        let risk = try Tool.run("score-risk", [], stdin: once.stdout + once.stdout + once.stdout)
        XCTAssertEqual(risk.status, 0, risk.stderr)
        let scored = try Tool.run("score-risk", [], stdin: once.stdout)
        XCTAssertEqual(findings(risk), findings(scored) + findings(scored) + findings(scored), "each copy of a finding scored as the one")
    }
}
