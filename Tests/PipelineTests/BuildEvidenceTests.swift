import Foundation
import XCTest
import AutopilotKit

/// build-evidence: a pack per demo finding (deterministic, small, self-contained), hostile names escaped,
/// and one page rendered by real headless Chromium with no request of its own.
final class BuildEvidenceTests: XCTestCase {
    static let scoredStream: String = {
        let result = try! Tool.run("score-risk", [], stdin: ScoreRiskTests.wasteStream)
        precondition(result.status == 0, result.stderr)
        return result.stdout
    }()

    private func build(_ input: String, into directory: URL) throws -> ToolResult {
        try Tool.run("build-evidence", ["--out", directory.path], stdin: input)
    }

    func testEveryDemoFindingGetsADeterministicSelfContainedPack() throws {
        let scratch = try makeScratchDirectory(self)
        let first = scratch.appendingPathComponent("a")
        let second = scratch.appendingPathComponent("b")
        let result = try build(Self.scoredStream, into: first)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        XCTAssertEqual(findings.count, 48)
        XCTAssertEqual(try build(Self.scoredStream, into: second).status, 0)

        for finding in findings {
            let id = finding["id"] as! String
            let evidence = try XCTUnwrap(finding["evidence"] as? [String: String], id)
            XCTAssertEqual(evidence["html"], first.path + "/\(id)/evidence.html")
            let html = try Data(contentsOf: URL(fileURLWithPath: evidence["html"]!))
            let json = try Data(contentsOf: URL(fileURLWithPath: evidence["json"]!))
            XCTAssertLessThan(html.count + json.count, 200_000, "\(id) over budget")
            // Same input, same bytes.
            XCTAssertEqual(html, try Data(contentsOf: second.appendingPathComponent("\(id)/evidence.html")), id)
            XCTAssertEqual(json, try Data(contentsOf: second.appendingPathComponent("\(id)/evidence.json")), id)
            // Self-contained: nothing to fetch, nothing to run.
            let page = String(decoding: html, as: UTF8.self)
            for forbidden in ["<script", " src=", " href=", "url(", "@import", "<link", "<iframe"] {
                XCTAssertFalse(page.lowercased().contains(forbidden), "\(id) contains \(forbidden)")
            }
            let pack = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            XCTAssertEqual(pack["findingId"] as? String, id)
            XCTAssertNotNil((pack["safety"] as? [String: Any])?["rollback"], id)
        }

        // A right-sizing pack draws the usage with the request and the recommendation marked.
        let searchAPI = try XCTUnwrap(findings.first {
            $0["detector"] as? String == "over-requested-cpu" && ($0["target"] as! [String: Any])["name"] as? String == "search-api"
        })
        let page = try String(contentsOfFile: (searchAPI["evidence"] as! [String: String])["html"]!, encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 2, "CPU and memory charts")
        for label in ["request 1.5", "recommended 750m", "final target 210m", "p95 180m", "p99 209m"] {
            XCTAssertTrue(page.contains(label), label)
        }
        XCTAssertTrue(page.contains("$37.98/month now − $18.99/month after = $18.99/month saved"))
        // The change as a table in one unit (the summary's "from 1.5 to 210m" reads 1500m → 750m, the first step).
        XCTAssertTrue(page.contains("<tr><td>CPU request</td><td>1500m</td><td>750m</td><td>1500m</td></tr>"), page)
        // The backtest of the final target, in words, and the hours above it shaded on the CPU graph.
        XCTAssertTrue(page.contains("<h2>How it was computed</h2>\n<p>request = max(p95 0.18 × (1 + 0.15) = 0.207, floor 0.01, p95 0.18)"), page)
        XCTAssertTrue(page.contains("<h2>Backtest</h2>"))
        XCTAssertTrue(page.contains("CPU: at most 56 of 5609 pod-steps (1.0%) above 210m"), page)
        XCTAssertTrue(page.contains("the longest 60 minutes in a row"))
        XCTAssertGreaterThan(page.components(separatedBy: "fill-opacity=\"0.15\"").count - 1, 0, "hours above 210m are shaded")
        // A node finding shows the node's allocatable, requested and used.
        let idle = try XCTUnwrap(findings.first { $0["detector"] as? String == "idle-node"
            && ($0["target"] as! [String: Any])["name"] as? String == "ip-10-0-70-18.ec2.internal" })
        let idlePage = try String(contentsOfFile: (idle["evidence"] as! [String: String])["html"]!, encoding: .utf8)
        XCTAssertTrue(idlePage.contains("CPU of node ip-10-0-70-18.ec2.internal"))
        XCTAssertTrue(idlePage.contains("m6i.2xlarge on-demand $0.3840/h × 730 h = $280.32"))
        XCTAssertTrue(idlePage.contains("gate block"))
        // Its blockers, which the summary points to ("see notes"), in a Notes section; how to bring the capacity back.
        XCTAssertTrue(idlePage.contains("<h2>Notes</h2>\n<ul><li>platform-tools/debug-shell is annotated karpenter.sh/do-not-disrupt"), idlePage)
        XCTAssertTrue(idlePage.contains("raising the node group&#39;s desired size"), idlePage)
        XCTAssertTrue(idlePage.contains("Severity: how urgent the problem is"), "what severity, risk and gate mean")
        // The events of the OOM-killed workload and its changes are there.
        let scorer = try XCTUnwrap(findings.first { $0["detector"] as? String == "under-provisioned-memory" })
        let scorerPage = try String(contentsOfFile: (scorer["evidence"] as! [String: String])["html"]!, encoding: .utf8)
        XCTAssertTrue(scorerPage.contains("restarted 7 times; last ended OOMKilled"), "change history")
        XCTAssertTrue(scorerPage.contains("container scorer image 381492150734.dkr.ecr.us-east-1.amazonaws.com/"), "the image to roll back to")
    }

    /// Names and messages come from the cluster: a hostile one must come out as text.
    func testHostileNamesAndMessagesAreEscaped() throws {
        let hostile = #"<script>alert(1)</script>"#
        let image = #"<img src=x onerror=alert(2)>"#
        let stream = """
            {"kind":"node","cluster":"t","name":"n1","instanceType":"m5.xlarge","region":"us-east-1","zone":"us-east-1a","capacityType":"on-demand","nodegroup":"g","allocatable":{"cpu":3.92,"memory":15139786752},"labels":{},"taints":[],"ready":true,"unschedulable":false}
            {"kind":"pod","cluster":"t","namespace":"shop","name":"api-\(hostile)","node":"n1","phase":"Running","owner":{"kind":"Deployment","name":"api\(hostile)"},"containers":[{"name":"c\(image)","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null},"restarts":3,"lastTermination":{"reason":"Error\(image)","at":"2026-11-19T00:00:00Z"},"waiting":null}],"labels":{"app":"api"},"annotations":{},"nodeSelector":{},"tolerations":[],"requiredNodeAffinity":null,"claims":[],"createdAt":"2026-11-01T00:00:00Z"}
            {"kind":"workload","cluster":"t","namespace":"shop","name":"api\(hostile)","workloadKind":"Deployment","replicas":{"desired":1,"ready":1},"containers":[{"name":"c\(image)","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null}}],"labels":{},"annotations":{},"podLabels":{"app":"api"},"team":"<b>team</b>"}
            {"kind":"event","cluster":"t","namespace":"shop","name":"e1","type":"Warning","reason":"BackOff","message":"\(image) \(hostile)","involvedObject":{"kind":"Pod","namespace":"shop","name":"api-\(hostile)"},"count":1,"firstTimestamp":"2026-11-19T00:00:00Z","lastTimestamp":"2026-11-19T00:00:00Z"}
            {"kind":"usage","cluster":"t","namespace":"shop","workload":{"kind":"Deployment","name":"api\(hostile)"},"container":"c\(image)","window":{"start":"2026-11-13T12:00:00Z","end":"2026-11-20T12:00:00Z","step":"5m"},"samples":4032,"pods":1,"cpu":{"p50":0.1,"p90":0.15,"p95":0.2,"p99":0.25,"max":0.3},"memory":{"p50":400000000,"p95":450000000,"p99":460000000,"max":470000000},"oomKills":0,"throttledRatio":null,"series":{"start":"2026-11-13T13:00:00Z","step":"1h","cpu":[0.1,0.2,null,0.15],"memory":[400000000,420000000,null,410000000]}}

            """
        let waste = try Tool.run("detect-waste", ["--quiet"], stdin: stream)
        XCTAssertEqual(waste.status, 0, waste.stderr)
        let scored = try Tool.run("score-risk", [], stdin: waste.stdout)
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let scratch = try makeScratchDirectory(self)
        let result = try build(scored.stdout, into: scratch)
        XCTAssertEqual(result.status, 0, result.stderr)
        let packs = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        XCTAssertEqual(packs.count, 2, "CPU and memory findings")
        for pack in packs {
            let page = try String(contentsOfFile: scratch.path + "/\(pack)/evidence.html", encoding: .utf8)
            XCTAssertFalse(page.contains("<script"), "a raw script tag got through")
            XCTAssertFalse(page.contains("<img"), "a raw img tag got through")
            XCTAssertFalse(page.contains("<b>team"), "a raw b tag got through")
            XCTAssertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            XCTAssertTrue(page.contains("&lt;img src=x onerror=alert(2)&gt;"), "the event message, escaped")
        }
        // The JSON pack keeps the text as data (JSON-escaped, not HTML-escaped).
        let json = try String(contentsOfFile: scratch.path + "/\(packs[0])/evidence.json", encoding: .utf8)
        XCTAssertTrue(json.contains(#"<script>alert(1)<\/script>"#) || json.contains("<script>alert(1)</script>"))
    }

    /// A finding id is untrusted too: one that is not a plain name is not a folder anywhere.
    func testAHostileFindingIdIsRefusedAndAnUnwritableDirectoryLosesNothing() throws {
        let scratch = try makeScratchDirectory(self)
        let hostile = #"{"kind":"finding","cluster":"t","id":"../../escaped","detector":"idle-node","target":{"kind":"Node","name":"n1"},"summary":"x"}"#
        var result = try build(hostile + "\n", into: scratch.appendingPathComponent("ev"))
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.lines, [hostile], "forwarded as it came")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("escaped").path))

        // --out names a file: no pack can be written; every finding still flows, exit 74.
        let file = scratch.appendingPathComponent("not-a-directory")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        result = try build(Self.scoredStream, into: file)
        XCTAssertEqual(result.status, 74, result.stderr)
        XCTAssertEqual(result.lines.count, Self.scoredStream.split(separator: "\n").count, "nothing is lost")
        XCTAssertFalse(result.stdout.contains(#""evidence":{"#))
    }

    /// Renders one pack in real headless Chromium (Debian's `chromium`, installed here when missing) to a
    /// PNG, checks it drew something of the expected size, and that the page asked the network for nothing
    /// (checked against a control page that does ask).
    func testChromiumRendersAPackWithoutExternalRequests() throws {
        let chromium = try Self.chromium()
        let scratch = try makeScratchDirectory(self)
        XCTAssertEqual(try build(Self.scoredStream, into: scratch.appendingPathComponent("ev")).status, 0)
        let findings = try decodeRecords(try build(Self.scoredStream, into: scratch.appendingPathComponent("ev")).lines
            .filter { $0.hasPrefix(#"{"kind":"finding""#) })
        let searchAPI = try XCTUnwrap(findings.first { ($0["target"] as! [String: Any])["name"] as? String == "search-api" })
        let page = (searchAPI["evidence"] as! [String: String])["html"]!

        let (png, requests) = try Self.render(chromium, page: page, in: scratch, name: "pack")
        let stats = try Self.pngStats(png)
        XCTAssertEqual(stats.width, 1024)
        XCTAssertEqual(stats.height, 1600)
        XCTAssertGreaterThan(stats.inked, 0.02, "the page rendered (text, tables and charts)")
        XCTAssertEqual(requests, [], "the page made requests of its own")
        // What the browser shows: the finding's own summary and its savings to the cent.
        let shown = try Self.renderedText(chromium, page: page, in: scratch)
        XCTAssertTrue(shown.contains(searchAPI["summary"] as! String), shown)
        let savings = try XCTUnwrap(searchAPI["monthlySavings"] as? Double)
        XCTAssertTrue(shown.contains(String(format: "$%.2f", savings)), "savings \(savings) not shown: \(shown)")

        // Control: a page that loads an image from the network is caught by the same check.
        let control = scratch.appendingPathComponent("control.html")
        try #"<html><body><p>control</p><img src="http://127.0.0.1:9/x.png"></body></html>"#.write(to: control, atomically: true, encoding: .utf8)
        let (_, controlRequests) = try Self.render(chromium, page: control.path, in: scratch, name: "control")
        XCTAssertEqual(controlRequests, ["http://127.0.0.1:9/x.png"])
    }

    // MARK: Chromium

    static func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        try MissingComponent.check(getuid() == 0, "chromium is not installed and installing it needs root")
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/apt-get")
        install.arguments = ["install", "-y", "-qq", "chromium"]
        install.environment = ["DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        install.standardOutput = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        try MissingComponent.check(install.terminationStatus == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                                   "apt-get install chromium failed (\(install.terminationStatus))")
        return "/usr/bin/chromium"
    }

    /// Screenshots `page` at 1024×1600; returns the PNG and the URLs the page itself requested.
    static func render(_ chromium: String, page: String, in scratch: URL, name: String) throws -> (URL, [String]) {
        let png = scratch.appendingPathComponent("\(name).png")
        let netlog = scratch.appendingPathComponent("\(name).netlog.json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--user-data-dir=\(scratch.appendingPathComponent("profile-\(name)").path)", "--window-size=1024,1600",
            "--log-net-log=\(netlog.path)", "--screenshot=\(png.path)", "file://\(page)",
        ]
        process.environment = ["HOME": scratch.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "chromium exited \(process.terminationStatus)")
        let requests = try python(["Tests/PipelineTests/Support/page_requests.py", netlog.path])
        return (png, requests.split(separator: "\n").map(String.init))
    }

    /// The page as Chromium parsed it (`--dump-dom`), reduced to its text: tags dropped, entities of
    /// money and punctuation decoded, whitespace runs made one space.
    static func renderedText(_ chromium: String, page: String, in scratch: URL) throws -> String {
        let output = scratch.appendingPathComponent("dom-\(UUID().uuidString).html")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--user-data-dir=\(scratch.appendingPathComponent("profile-dom").path)", "--dump-dom", "file://\(page)"]
        process.environment = ["HOME": scratch.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "chromium --dump-dom exited \(process.terminationStatus)")
        var text = try String(contentsOf: output, encoding: .utf8)
        text = text.replacingOccurrences(of: "<style[^>]*>.*?</style>", with: " ", options: [.regularExpression])
        text = text.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        for (entity, character) in [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " ")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    static func pngStats(_ png: URL) throws -> (width: Int, height: Int, inked: Double) {
        let parts = try python(["Tests/PipelineTests/Support/png_stats.py", png.path]).split(separator: " ")
        guard parts.count == 3, let width = Int(parts[0]), let height = Int(parts[1]),
            let inked = Double(parts[2].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: "png_stats: \(parts)"])
        }
        return (width, height, inked)
    }

    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// build-evidence --prometheus: the graphs the stream lacks come from a real Prometheus.
final class BuildEvidencePrometheusTests: XCTestCase {
    func testMissingSeriesAreFetchedFromPrometheus() throws {
        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 3600)
        var metrics = SyntheticMetrics(end: end, window: 86_400)
        // CPU alternates by hour between 0.1 and 0.3 cores; memory climbs 1 MiB an hour from 300 MiB.
        let hourly = { (block: Int) in (block - 1) / 12 }
        metrics.containers = [.init(namespace: "shop", pod: "api-0", container: "app",
                                    cpu: { hourly($0) % 2 == 0 ? 0.1 : 0.3 }, memory: { Double(300 + hourly($0)) * 1_048_576 },
                                    blocks: 1...metrics.blockCount, throttledShare: 0)]
        metrics.owners = [("shop", "api-0", "StatefulSet", "api")]
        metrics.nodes = [("n1", { _ in 3.0 }, { _ in 8 * 1_073_741_824 })]
        let scratch = try makeScratchDirectory(self)
        let server = try PrometheusServer(openMetrics: metrics.openMetrics, scratch: scratch)
        defer { server.stop() }

        let start = RFC3339.string(metrics.start)
        let stop = RFC3339.string(end)
        let stream = """
            {"kind":"node","cluster":"t","name":"n1","instanceType":"m5.xlarge","region":"us-east-1","zone":"us-east-1a","capacityType":"on-demand","allocatable":{"cpu":3.92,"memory":15139786752},"labels":{},"taints":[],"ready":true,"unschedulable":false}
            {"kind":"pod","cluster":"t","namespace":"shop","name":"api-0","node":"n1","phase":"Running","owner":{"kind":"StatefulSet","name":"api"},"containers":[{"name":"app","requests":{"cpu":2.0,"memory":1073741824},"limits":{"cpu":null,"memory":null},"restarts":0}],"labels":{"app":"api"}}
            {"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"StatefulSet","replicas":{"desired":1,"ready":1},"containers":[{"name":"app","requests":{"cpu":2.0,"memory":1073741824},"limits":{"cpu":null,"memory":null}}],"team":"shop"}
            {"kind":"usage","cluster":"t","namespace":"shop","workload":{"kind":"StatefulSet","name":"api"},"container":"app","window":{"start":"\(start)","end":"\(stop)","step":"5m"},"samples":1440,"pods":1,"cpu":{"p50":0.2,"p90":0.3,"p95":0.3,"p99":0.3,"max":0.3},"memory":{"p50":330000000,"p95":335000000,"p99":336000000,"max":340000000},"oomKills":0,"throttledRatio":null,"series":null}
            {"kind":"finding","cluster":"t","id":"f-api","detector":"over-requested-cpu","namespace":"shop","target":{"kind":"StatefulSet","name":"api","container":"app"},"summary":"Lower it.","current":{"cpu":2.0},"recommended":{"cpu":1.0},"basis":{"window":{"start":"\(start)","end":"\(stop)","step":"5m"}}}
            {"kind":"finding","cluster":"t","id":"f-node","detector":"idle-node","target":{"kind":"Node","name":"n1"},"summary":"Remove it.","current":{},"recommended":{"nodes":0}}

            """
        let result = try Tool.run("build-evidence", ["--out", scratch.appendingPathComponent("ev").path, "--prometheus", server.url.absoluteString],
                                  stdin: stream)
        XCTAssertEqual(result.status, 0, result.stderr)
        func charts(_ id: String) throws -> [[String: Any]] {
            let data = try Data(contentsOf: scratch.appendingPathComponent("ev/\(id)/evidence.json"))
            return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["charts"] as! [[String: Any]]
        }
        // 24 hourly points from an hour into the window; each hour's CPU is that hour's value, memory climbs.
        let api = try charts("f-api")
        XCTAssertEqual(api.count, 2)
        let cpu = (api[0]["data"] as! [String: Any])["values"] as! [Any]
        XCTAssertEqual(cpu.count, 24)
        let cpuValues = cpu.compactMap { $0 as? Double }
        XCTAssertGreaterThanOrEqual(cpuValues.count, 23, "\(cpu)")
        for value in cpuValues { XCTAssertTrue((0.09...0.31).contains(value), "\(value)") }
        XCTAssertTrue(cpuValues.contains { $0 > 0.25 } && cpuValues.contains { $0 < 0.15 }, "the hourly pattern shows: \(cpuValues)")
        let memory = ((api[1]["data"] as! [String: Any])["values"] as! [Any]).compactMap { $0 as? Double }
        XCTAssertEqual(memory.last!, 323 * 1_048_576, accuracy: 1_048_576, "the last hour's peak")
        // The node finding gets the bars and, from Prometheus, CPU and memory over the window.
        let node = try charts("f-node")
        XCTAssertEqual(node.count, 3)
        let nodeCPU = ((node[1]["data"] as! [String: Any])["values"] as! [Any]).compactMap { $0 as? Double }
        XCTAssertGreaterThanOrEqual(nodeCPU.count, 23)
        for value in nodeCPU { XCTAssertEqual(value, 3.0, accuracy: 0.05) }

        // Prometheus gone: reported, exit 69, the packs still written without those graphs.
        server.stop()
        let offline = try Tool.run("build-evidence", ["--out", scratch.appendingPathComponent("ev2").path, "--prometheus", server.url.absoluteString],
                                   stdin: stream)
        XCTAssertEqual(offline.status, 69, offline.stderr)
        XCTAssertTrue(offline.stderr.contains("build-evidence: error: f-api: series of shop/api app:"), offline.stderr)
        XCTAssertEqual(offline.lines.filter { $0.contains(#""evidence":{"#) }.count, 2)
    }
}

/// build-evidence --loki against a local server answering with a recorded Loki response (Loki itself is
/// not packaged): the query it is sent, the lines in the pack (escaped), and a failing Loki.
final class BuildEvidenceLokiTests: XCTestCase {
    private func startLoki(_ scratch: URL, fail: Bool = false) throws -> (Process, URL, URL) {
        try FakeLoki.start(scratch, fail: fail)
    }

    private func scorerPack(_ result: ToolResult) throws -> String {
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        let scorer = try XCTUnwrap(findings.first { $0["detector"] as? String == "under-provisioned-memory" })
        return try String(contentsOfFile: (scorer["evidence"] as! [String: String])["html"]!, encoding: .utf8)
    }

    func testLogLinesComeFromLokiEscaped() throws {
        let scratch = try makeScratchDirectory(self)
        let (server, url, log) = try startLoki(scratch)
        defer { server.terminate() }
        let result = try Tool.run("build-evidence", ["--out", scratch.appendingPathComponent("ev").path, "--loki", url.absoluteString],
                                  stdin: BuildEvidenceTests.scoredStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try scorerPack(result)
        XCTAssertTrue(page.contains("<h2>Logs (Loki)</h2>"))
        XCTAssertTrue(page.contains("2026-11-20T09:40:00Z"), "newest first, Loki's nanoseconds as RFC 3339")
        XCTAssertTrue(page.contains("upstream refused connection"))
        XCTAssertFalse(page.contains("<script>alert('log')"), "a log line is untrusted")
        XCTAssertTrue(page.contains("&lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;"))
        XCTAssertLessThan(page.range(of: "09:40:00Z")!.lowerBound, page.range(of: "09:14:00Z")!.lowerBound)

        // What Loki was asked for fraud-scorer: its pods, the trouble filter, the window in nanoseconds, backwards.
        let requests = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.filter { $0["path"] as? String == "/loki/api/v1/query_range" }
        let params = try XCTUnwrap(requests.map { $0["params"] as! [String: String] }.first { $0["query"]!.contains("fraud-scorer") })
        XCTAssertEqual(params["query"], #"{namespace="payments", pod=~"^(fraud-scorer-p5pdmsmvxp-4xqbv|fraud-scorer-p5pdmsmvxp-b7qzj)$"} |~ `(?i)(error|exception|panic|fatal|oom|killed|timeout|refused)`"#)
        XCTAssertEqual(params["start"], "1794571200000000000")
        XCTAssertEqual(params["end"], "1795176000000000000")
        XCTAssertEqual(params["limit"], "50")
        XCTAssertEqual(params["direction"], "backward")
    }

    func testAFailingLokiIsReportedAndThePacksStillWritten() throws {
        let scratch = try makeScratchDirectory(self)
        let (server, url, _) = try startLoki(scratch, fail: true)
        defer { server.terminate() }
        let result = try Tool.run("build-evidence", ["--out", scratch.appendingPathComponent("ev").path, "--loki", url.absoluteString],
                                  stdin: BuildEvidenceTests.scoredStream)
        XCTAssertEqual(result.status, 69)
        // One outage, one report: the first pack's, then no more asking.
        XCTAssertEqual(result.errorLines.filter { $0.contains("Loki answered HTTP 500") }.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("logs of checkout/checkout-web: Loki answered HTTP 500"), result.stderr)
        XCTAssertEqual(result.lines.filter { $0.contains(#""evidence":{"#) }.count, 48)
        XCTAssertFalse(try scorerPack(result).contains("Logs (Loki)"))
    }
}
