import Foundation
import XCTest

/// receive-alerts as Alertmanager and misbehaving clients meet it: the real Alertmanager (Debian's
/// prometheus-alertmanager) with the shipped routing delivers `amtool alert add` alerts to the spool; a
/// receiver killed mid-stream has every acknowledged alert on disk; bad input is refused and the receiver
/// keeps serving; SIGTERM lets a request in flight finish.
final class ReceiveAlertsTests: XCTestCase {
    /// A running receive-alerts, stopped when the test ends.
    final class Receiver {
        let process = Process()
        let port: Int
        let log: URL

        init(_ test: XCTestCase, spool: URL, extra: [String] = []) throws {
            log = spool.deletingLastPathComponent().appendingPathComponent("receive-alerts-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = Tool.binDirectory.appendingPathComponent("receive-alerts")
            process.arguments = ["--listen", "127.0.0.1:0", "--spool", spool.path] + extra
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            var found: Int?
            while found == nil && Date() < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: "listening on 127.0.0.1:") {
                    found = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
                if found == nil { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard let found else {
                process.terminate()
                throw NSError(domain: "Receiver", code: 1, userInfo: [NSLocalizedDescriptionKey: "did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"])
            }
            port = found
            test.addTeardownBlock { [process] in
                if process.isRunning {
                    process.terminate()
                    process.waitUntilExit()
                }
            }
        }

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// POSTs with curl; returns the status code (0 when the connection failed).
        func post(_ body: String, contentType: String = "application/json", headers: [String] = [], path: String = "/alerts") throws -> Int {
            let file = log.deletingLastPathComponent().appendingPathComponent("body-\(UUID().uuidString)")
            try body.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            return try curl(["-X", "POST", "-H", "Content-Type: \(contentType)"] + headers.flatMap { ["-H", $0] }
                            + ["--data-binary", "@\(file.path)", "http://127.0.0.1:\(port)\(path)"])
        }

        func curl(_ arguments: [String]) throws -> Int {
            let result = try PrometheusServer.run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20"] + arguments)
            return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
    }

    /// A webhook payload as Alertmanager 0.25 sends it, one alert per fingerprint.
    static func payload(_ fingerprints: [String], status: String = "firing") -> String {
        let alerts = fingerprints.map { fingerprint in
            """
            {"status":"\(status)","labels":{"alertname":"KubePodCrashLooping","cluster":"prod-us","namespace":"payments","pod":"api-\(fingerprint)","container":"api","severity":"warning"},\
            "annotations":{"summary":"api is crash looping","runbook_url":"https://runbooks.example/KubePodCrashLooping.md"},\
            "startsAt":"2026-11-24T09:00:00.512Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"\(fingerprint)"}
            """
        }
        return """
            {"receiver":"autopilot","status":"\(status)","alerts":[\(alerts.joined(separator: ","))],"groupLabels":{"alertname":"KubePodCrashLooping","cluster":"prod-us","namespace":"payments"},\
            "commonLabels":{"alertname":"KubePodCrashLooping"},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4",\
            "groupKey":"{}:{alertname=\\"KubePodCrashLooping\\"}","truncatedAlerts":0}
            """
    }

    /// Every alert record in the spool directory.
    static func spooled(_ spool: URL) throws -> [[String: Any]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []
        var records: [[String: Any]] = []
        for file in files.sorted() where file.hasPrefix("alerts-") {
            let text = try String(contentsOf: spool.appendingPathComponent(file), encoding: .utf8)
            records += try decodeRecords(text.split(separator: "\n").map(String.init))
        }
        return records
    }

    func testAcceptedPayloadIsSpooledAsAlertRecords() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        XCTAssertEqual(try receiver.post(Self.payload(["a1", "a2"])), 200)
        let records = try Self.spooled(spool)
        XCTAssertEqual(records.count, 2)
        let first = try XCTUnwrap(records.first)
        XCTAssertEqual(first["kind"] as? String, "alert")
        XCTAssertEqual(first["cluster"] as? String, "prod-us")
        XCTAssertEqual(first["alertname"] as? String, "KubePodCrashLooping")
        XCTAssertEqual(first["status"] as? String, "firing")
        XCTAssertEqual(first["startsAt"] as? String, "2026-11-24T09:00:00Z")
        XCTAssertTrue(first["endsAt"] is NSNull, "year 1 is Alertmanager's 'no end'")
        XCTAssertEqual(first["fingerprint"] as? String, "a1")
        XCTAssertEqual((first["labels"] as? [String: String])?["pod"], "api-a1")
        XCTAssertEqual((first["annotations"] as? [String: String])?["summary"], "api is crash looping")
        XCTAssertEqual((first["groupLabels"] as? [String: String])?["namespace"], "payments")
        XCTAssertEqual(first["receiver"] as? String, "autopilot")
        // The daily file is named for the UTC day of receipt.
        let day = String((first["receivedAt"] as? String ?? "").prefix(10))
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool.appendingPathComponent("alerts-\(day).ndjson").path))
    }

    func testRetainDaysRemovesOnlyOldDailyFiles() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let day = { (daysAgo: Double) in
            "alerts-\(ISO8601DateFormatter().string(from: Date().addingTimeInterval(-daysAgo * 86_400)).prefix(10)).ndjson"
        }
        let line = "{\"kind\":\"alert\",\"fingerprint\":\"old\"}\n"
        for name in [day(40), day(8), day(6), day(40) + ".bak", "notes.txt"] {
            try line.write(to: spool.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let receiver = try Receiver(self, spool: spool, extra: ["--retain-days", "7"])
        XCTAssertEqual(try receiver.post(Self.payload(["new"])), 200)
        let left = try FileManager.default.contentsOfDirectory(atPath: spool.path).sorted()
        XCTAssertEqual(left, [day(40) + ".bak", day(6), day(0), "notes.txt"].sorted(), "only daily files over 7 days old go")
        for removed in [day(40), day(8)] {
            XCTAssertTrue(receiver.logText.contains("removed \(removed): older than --retain-days 7"), receiver.logText)
        }
        // Without --retain-days nothing is removed.
        let keepAll = try Receiver(self, spool: spool)
        XCTAssertEqual(try keepAll.post(Self.payload(["more"])), 200)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.path).sorted(), left)
    }

    func testRealAlertmanagerWithShippedRoutingDeliversAmtoolAlertsToTheSpool() throws {
        try Self.installAlertmanager()
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let token = scratch.appendingPathComponent("token")
        try "s3cret-token\n".write(to: token, atomically: true, encoding: .utf8)
        let receiver = try Receiver(self, spool: spool, extra: ["--token-file", token.path])

        // The shipped file, pointed at this receiver's port, with the bearer token its comment describes.
        var config = try String(contentsOf: repositoryRoot.appendingPathComponent("pipelines/alerting/alertmanager.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("url: http://127.0.0.1:9095/alerts"))
        config = config.replacingOccurrences(of: "url: http://127.0.0.1:9095/alerts", with: "url: http://127.0.0.1:\(receiver.port)/alerts")
        config = config.replacingOccurrences(of: """
                    # http_config:
                    #   authorization:
                    #     type: Bearer
                    #     credentials_file: /etc/autopilot/alerts.token
            """, with: """
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: \(token.path)
            """)
        XCTAssertTrue(config.contains("credentials_file: \(token.path)"), "the shipped config's bearer-token comment changed")
        let configFile = scratch.appendingPathComponent("alertmanager.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        // Alertmanager cannot pick its own port and say it: a port found free may be taken when it binds,
        // and then it exits at once; it is started again on another (three tries).
        let amLog = scratch.appendingPathComponent("alertmanager.log")
        var alertmanager = Process()
        var url = ""
        var ready = false
        for _ in 0..<3 where !ready {
            let port = try PrometheusServer.freePort()
            alertmanager = Process()
            alertmanager.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
            alertmanager.arguments = ["--config.file=\(configFile.path)", "--storage.path=\(scratch.appendingPathComponent("am").path)",
                                      "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
            FileManager.default.createFile(atPath: amLog.path, contents: nil)
            alertmanager.standardOutput = FileHandle.nullDevice
            alertmanager.standardError = try FileHandle(forWritingTo: amLog)
            try alertmanager.run()
            url = "http://127.0.0.1:\(port)"
            for _ in 0..<100 where !ready && alertmanager.isRunning {
                ready = (try? receiver.curl(["\(url)/-/ready"])) == 200
                if !ready { Thread.sleep(forTimeInterval: 0.2) }
            }
            if !ready {
                if alertmanager.isRunning { alertmanager.terminate() }
                alertmanager.waitUntilExit()
                guard ((try? String(contentsOf: amLog, encoding: .utf8)) ?? "").contains("address already in use") else { break }
            }
        }
        defer {
            if alertmanager.isRunning { alertmanager.terminate() }
            alertmanager.waitUntilExit()
        }
        XCTAssertTrue(ready, "alertmanager did not become ready: \((try? String(contentsOf: amLog, encoding: .utf8)) ?? "")")

        for (pod, container) in [("checkout-api-5f7d9-abcde", "api"), ("checkout-api-5f7d9-fghij", "api")] {
            let add = try PrometheusServer.run("/usr/bin/amtool", [
                "alert", "add", "--alertmanager.url=\(url)", "alertname=KubePodCrashLooping", "cluster=prod-us", "namespace=checkout",
                "pod=\(pod)", "container=\(container)", "severity=warning",
                "--annotation=summary=checkout-api is crash looping", "--annotation=runbook_url=https://runbooks.example/crashloop.md",
            ])
            XCTAssertEqual(add.status, 0, add.output)
        }
        // group_wait is 10s in the shipped routing: the first notification comes after it.
        var records: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(45)
        while records.count < 2 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            records = try Self.spooled(spool)
        }
        XCTAssertEqual(records.count, 2, "spooled: \(records); receiver: \(receiver.logText)")
        for record in records {
            XCTAssertEqual(record["kind"] as? String, "alert")
            XCTAssertEqual(record["cluster"] as? String, "prod-us")
            XCTAssertEqual(record["status"] as? String, "firing")
            XCTAssertEqual(record["receiver"] as? String, "autopilot")
            XCTAssertEqual((record["fingerprint"] as? String)?.count, 16, "Alertmanager's fingerprint")
            XCTAssertEqual((record["groupLabels"] as? [String: String]) ?? [:],
                           ["alertname": "KubePodCrashLooping", "cluster": "prod-us", "namespace": "checkout"])
            XCTAssertEqual((record["annotations"] as? [String: String])?["summary"], "checkout-api is crash looping")
        }
        XCTAssertEqual(Set(records.compactMap { ($0["labels"] as? [String: String])?["pod"] }),
                       ["checkout-api-5f7d9-abcde", "checkout-api-5f7d9-fghij"])
        XCTAssertFalse(receiver.logText.contains("refused"), receiver.logText)
    }

    func testKilledMidStreamKeepsEveryAcknowledgedAlert() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        // A client posting one alert per request, recording the ones answered 200, until the receiver dies.
        let acknowledged = scratch.appendingPathComponent("acknowledged")
        let script = """
            for i in $(seq 1 5000); do
              body='\(Self.payload(["fp-XXX"]).replacingOccurrences(of: "'", with: "'\\''"))'
              code=$(printf '%s' "${body//XXX/$i}" | curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:\(receiver.port)/alerts)
              [ "$code" = 200 ] && echo "fp-$i" >> \(acknowledged.path)
              [ "$code" = 000 ] && exit 0
            done
            """
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/bin/bash")
        client.arguments = ["-c", script]
        try client.run()
        // Let some requests through, then SIGKILL: no chance to flush anything.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let count = ((try? String(contentsOf: acknowledged, encoding: .utf8)) ?? "").split(separator: "\n").count
            if count >= 40 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(receiver.process.processIdentifier, SIGKILL)
        receiver.process.waitUntilExit()
        client.waitUntilExit()
        let acked = Set(try String(contentsOf: acknowledged, encoding: .utf8).split(separator: "\n").map(String.init))
        XCTAssertGreaterThanOrEqual(acked.count, 40)
        let spooled = Set(try Self.spooled(spool).compactMap { $0["fingerprint"] as? String })
        XCTAssertTrue(acked.isSubset(of: spooled), "acknowledged but not spooled: \(acked.subtracting(spooled).sorted())")
    }

    func testBadInputIsRefusedAndTheReceiverKeepsServing() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let token = scratch.appendingPathComponent("token")
        try "tok-123".write(to: token, atomically: true, encoding: .utf8)
        let receiver = try Receiver(self, spool: spool, extra: ["--token-file", token.path, "--idle-timeout", "1", "--request-timeout", "2"])
        let auth = ["Authorization: Bearer tok-123"]
        XCTAssertEqual(try receiver.post("{\"version\":\"4\",\"alerts\":[", headers: auth), 400, "invalid JSON")
        XCTAssertEqual(try receiver.post(Self.payload(["x"]), contentType: "text/plain", headers: auth), 415, "wrong content type")
        XCTAssertEqual(try receiver.post(Self.payload(["x"]).replacingOccurrences(of: "\"version\":\"4\"", with: "\"version\":\"3\""), headers: auth), 400)
        XCTAssertEqual(try receiver.post("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}", headers: auth), 400, "alert without labels")
        XCTAssertEqual(try receiver.post(Self.payload(["x"])), 401, "no token")
        XCTAssertEqual(try receiver.post(Self.payload(["x"]), headers: ["Authorization: Bearer tok-124"]), 401, "wrong token")
        // 10 MB, over the 4 MiB default limit.
        let big = scratch.appendingPathComponent("big.json")
        try Data(repeating: 0x20, count: 10_000_000).write(to: big)
        XCTAssertEqual(try receiver.curl(["-X", "POST", "-H", "Content-Type: application/json", "-H", auth[0], "--data-binary", "@\(big.path)",
                                          "http://127.0.0.1:\(receiver.port)/alerts"]), 413)
        // A slowloris trickling its head a byte every 0.3 s is cut off at the 2 s request deadline.
        let slow = try PrometheusServer.run("/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/raw_http.py").path,
                                                              "slowloris", String(receiver.port), "15"])
        XCTAssertTrue(slow.output.hasPrefix("closed after"), slow.output)
        let seconds = Double(slow.output.split(separator: " ").dropFirst(2).first ?? "") ?? 99
        XCTAssertLessThan(seconds, 6, slow.output)
        // Still serving, and nothing of the refused requests reached the spool.
        XCTAssertEqual(try receiver.curl(["http://127.0.0.1:\(receiver.port)/healthz"]), 200)
        XCTAssertEqual(try receiver.post(Self.payload(["good"]), headers: auth), 200)
        XCTAssertEqual(try Self.spooled(spool).compactMap { $0["fingerprint"] as? String }, ["good"])
        let log = receiver.logText
        for expected in ["(400): invalid JSON", "(415): content type text/plain", "payload version 3", "(401): missing or wrong bearer token",
                         "over the 4194304-byte limit", "did not arrive whole in time"] {
            XCTAssertTrue(log.contains(expected), "log lacks \(expected):\n\(log)")
        }
    }

    /// In a cluster nothing reads the weekly run's metrics file: receive-alerts serves it for Prometheus to scrape.
    func testTheRunsMetricsFileIsServedAtMetrics() throws {
        let scratch = try makeScratchDirectory(self)
        let file = scratch.appendingPathComponent("autopilot.prom")
        let receiver = try Receiver(self, spool: scratch.appendingPathComponent("spool"), extra: ["--metrics-file", file.path])
        func get() throws -> (status: Int32, output: String) {
            try PrometheusServer.run("/usr/bin/env", ["curl", "-s", "-i", "--max-time", "10", "http://127.0.0.1:\(receiver.port)/metrics"])
        }
        let before = try get()
        XCTAssertTrue(before.output.hasPrefix("HTTP/1.1 200"), "no run yet: an empty exposition, not an error: \(before.output)")
        let exposition = "# HELP autopilot_run_last_success 1 when nothing failed.\n# TYPE autopilot_run_last_success gauge\nautopilot_run_last_success 1\n"
        try exposition.write(to: file, atomically: true, encoding: .utf8)
        let after = try get()
        XCTAssertTrue(after.output.lowercased().contains("content-type: text/plain; version=0.0.4"), after.output)
        XCTAssertTrue(after.output.hasSuffix(exposition), after.output)
        let plain = try Receiver(self, spool: scratch.appendingPathComponent("spool2"))
        XCTAssertEqual(try plain.curl(["http://127.0.0.1:\(plain.port)/metrics"]), 404, "without --metrics-file there is no /metrics")
    }

    func testABodyOverTheLimitSentWithoutExpectGets413NotAReset() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        // 5 MB announced and sent whole, as Python's http.client and Go's client do (no Expect: 100-continue).
        let answer = try PrometheusServer.run("/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/raw_http.py").path,
                                                                "bigbody", String(receiver.port), "5000000"])
        XCTAssertEqual(answer.output.trimmingCharacters(in: .whitespacesAndNewlines), "413", receiver.logText)
        XCTAssertEqual(try receiver.post(Self.payload(["after"])), 200, "still serving")
    }

    func testOneBadAlertDoesNotCostTheOthers() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        // The second alert has no startsAt; the third a label whose value is a number.
        let body = Self.payload(["good1", "bad", "good2"])
            .replacingOccurrences(of: "\"startsAt\":\"2026-11-24T09:00:00.512Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prometheus:9090/graph\",\"fingerprint\":\"bad\"",
                                  with: "\"endsAt\":\"0001-01-01T00:00:00Z\",\"fingerprint\":\"bad\"")
            .replacingOccurrences(of: "\"pod\":\"api-good2\"", with: "\"pod\":\"api-good2\",\"replica\":3")
        XCTAssertTrue(body.contains("\"replica\":3"))
        XCTAssertEqual(body.components(separatedBy: "startsAt").count, 3, "only two alerts keep their startsAt")
        let file = scratch.appendingPathComponent("body.json")
        try body.write(to: file, atomically: true, encoding: .utf8)
        let reply = try PrometheusServer.run("/usr/bin/env", ["curl", "-s", "-w", "\\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                                                               "--data-binary", "@\(file.path)", "http://127.0.0.1:\(receiver.port)/alerts"])
        let lines = reply.output.split(separator: "\n")
        XCTAssertEqual(lines.last, "200", "the good alerts are taken; retrying the bad one would not help")
        XCTAssertEqual(try Self.spooled(spool).compactMap { $0["fingerprint"] as? String }, ["good1", "good2"])
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        XCTAssertEqual(answer["status"] as? String, "partial")
        XCTAssertEqual(answer["rejected"] as? [String], ["alerts[1] (KubePodCrashLooping): startsAt is missing or not RFC 3339"])
        XCTAssertTrue(receiver.logText.contains("not spooled: alerts[1] (KubePodCrashLooping): startsAt is missing"), receiver.logText)
        XCTAssertTrue(receiver.logText.contains("warning: alerts[2].labels.replica is 3, not a string; dropped"), receiver.logText)
        // Every alert bad: 400, nothing spooled.
        XCTAssertEqual(try receiver.post("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}"), 400)
        XCTAssertEqual(try Self.spooled(spool).count, 2)
    }

    /// A disk that fills mid-write and then frees up: the failed notification is answered 500 and cut back off
    /// the file, and the next one (answered 200) is whole and readable. On a real tmpfs of 64 KiB.
    func testAFullDiskLosesNoAcknowledgedAlert() throws {
        try MissingComponent.check(getuid() == 0, "mounting a tmpfs needs root (CI runs as root)")
        let scratch = try makeScratchDirectory(self)
        let disk = scratch.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mount = try PrometheusServer.run("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.path])
        XCTAssertEqual(mount.status, 0, mount.output)
        addTeardownBlock { _ = try? PrometheusServer.run("/usr/bin/env", ["umount", "-l", disk.path]) }
        let spool = disk  // the receiver's log and the bodies curl sends stay outside, in the spool's parent
        let receiver = try Receiver(self, spool: spool)
        XCTAssertEqual(try receiver.post(Self.payload(["first"])), 200)
        // Fill the disk: the spool file keeps only the free bytes of its last page.
        let filler = disk.appendingPathComponent("filler")
        _ = try PrometheusServer.run("/usr/bin/env", ["dd", "if=/dev/zero", "of=\(filler.path)", "bs=1024", "count=1024"])
        let many = (0..<20).map { "lost-\($0)" }
        XCTAssertEqual(try receiver.post(Self.payload(many)), 500, "the disk is full: Alertmanager must retry")
        XCTAssertTrue(receiver.logText.contains("cannot spool 20 alert(s)"), receiver.logText)
        try FileManager.default.removeItem(at: filler)
        XCTAssertEqual(try receiver.post(Self.payload(["after"])), 200)
        // Every line of the spool is a whole record, and both acknowledged alerts are in it.
        let files = try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasPrefix("alerts-") }
        let text = try files.map { try String(contentsOf: spool.appendingPathComponent($0), encoding: .utf8) }.joined()
        for line in text.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "a broken line in the spool: \(line.prefix(80))")
        }
        XCTAssertEqual(try Self.spooled(spool).compactMap { $0["fingerprint"] as? String }, ["first", "after"])
        // detect-incidents reads the spool without a complaint.
        let read = try Tool.run("detect-incidents", ["--alerts", spool.path, "--now", "2026-11-24T12:00:00Z"], stdin: "")
        XCTAssertEqual(read.status, 0, read.stderr)
    }

    /// A torn last line (a crash mid-write) stays on its own line: the next notification starts on a new one.
    func testATornLastLineDoesNotSwallowTheNextNotification() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        XCTAssertEqual(try receiver.post(Self.payload(["first"])), 200)
        let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: spool.path).first { $0.hasPrefix("alerts-") })
        let handle = try FileHandle(forWritingTo: spool.appendingPathComponent(file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"kind\":\"alert\",\"cluster\":\"prod-us\",\"alertn".utf8))
        try handle.close()
        XCTAssertEqual(try receiver.post(Self.payload(["next"])), 200)
        let lines = try String(contentsOf: spool.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[2].contains("\"fingerprint\":\"next\""), String(lines[2]))
    }

    func testSigtermLetsARequestInFlightFinish() throws {
        let scratch = try makeScratchDirectory(self)
        let spool = scratch.appendingPathComponent("spool")
        let receiver = try Receiver(self, spool: spool)
        let body = scratch.appendingPathComponent("body.json")
        try Self.payload(["in-flight"]).write(to: body, atomically: true, encoding: .utf8)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/raw_http.py").path,
                            "halfbody", String(receiver.port), body.path]
        let input = Pipe()
        let output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        try client.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("half-sent") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        receiver.process.terminate()  // SIGTERM while half the body is still to come
        // Once it says it is stopping, it must wait for the request only this test can finish.
        let deadline = Date().addingTimeInterval(20)
        while !receiver.logText.contains("stopping: finishing requests in flight") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(receiver.logText.contains("stopping: finishing requests in flight"), receiver.logText)
        XCTAssertTrue(receiver.process.isRunning, "stopped with a request in flight")
        input.fileHandleForWriting.write(Data("go\n".utf8))
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        receiver.process.waitUntilExit()
        XCTAssertEqual(String(decoding: rest, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "200")
        XCTAssertEqual(receiver.process.terminationStatus, 0, receiver.logText)
        XCTAssertEqual(try Self.spooled(spool).compactMap { $0["fingerprint"] as? String }, ["in-flight"])
        XCTAssertTrue(receiver.logText.contains("stopped after spooling 1 alert(s)"), receiver.logText)
    }

    func testReplayFromCapturedPayloadsReportsBadLinesAndKeepsGoodOnes() throws {
        let scratch = try makeScratchDirectory(self)
        let file = scratch.appendingPathComponent("payloads.ndjson")
        try [Self.payload(["r1"]), "{not json", Self.payload(["r2", "r3"], status: "resolved")].joined(separator: "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try Tool.run("receive-alerts", ["--from", file.path])
        XCTAssertEqual(result.status, 65, result.stderr)
        let records = try decodeRecords(result.lines)
        XCTAssertEqual(records.compactMap { $0["fingerprint"] as? String }, ["r1", "r2", "r3"])
        XCTAssertEqual(records.compactMap { $0["status"] as? String }, ["firing", "resolved", "resolved"])
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("receive-alerts: \(file.path):2:"), result.stderr)
    }

    /// Saved webhook bodies as people save them: pretty-printed, one after another (three real payloads of
    /// prometheus-msteams' test data, fixtures/upstream-fuzz), and one from an older sender without `version`.
    /// Each body is one notification: its alerts are read, no line of it is an error of its own.
    func testReplayReadsPrettyPrintedBodiesOneAfterAnother() throws {
        let scratch = try makeScratchDirectory(self)
        let seeds = repositoryRoot.appendingPathComponent("fixtures/upstream-fuzz/alert-payload")
        var text = ""
        for name in ["msteams-prom_post_request.json", "msteams-prom_post_request_2_alerts.json", "msteams-prom_post_request_12_alerts.json"] {
            text += try String(contentsOf: seeds.appendingPathComponent(name), encoding: .utf8) + "\n"
        }
        text += Self.payload(["old-sender"]).replacingOccurrences(of: "\"version\":\"4\",", with: "") + "\n"
        let file = scratch.appendingPathComponent("saved.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try Tool.run("receive-alerts", ["--from", file.path, "--cluster", "c"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("error"), result.stderr)
        let records = try decodeRecords(result.lines)
        XCTAssertEqual(records.count, 1 + 2 + 12 + 1)
        XCTAssertEqual(records.last?["fingerprint"] as? String, "old-sender")
        XCTAssertEqual(records.first?["alertname"] as? String, "high_memory_load")
    }

    /// `apt-get install prometheus-alertmanager` when missing (amtool comes with it).
    static func installAlertmanager() throws {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool")
        {
            return
        }
        let result = try PrometheusServer.run("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "prometheus-alertmanager"])
        guard result.status == 0 else { throw PrometheusServer.failure("apt-get install prometheus-alertmanager failed: \(result.output)") }
    }
}
