import Foundation

/// Entry points for coverage-guided fuzzing (libFuzzer, `make fuzz`) and for replaying a corpus in the test
/// suite. Each takes arbitrary bytes; none may crash, and each checks a property of its parser, failing
/// with `preconditionFailure` (which the fuzzer reports as a crash) when it does not hold. They live in
/// the library because several parsers they drive are internal.
public enum FuzzTargets {
    /// The targets by name, as `make fuzz` and `fuzz-autopilot` take them.
    public static let all: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("ndjson", ndjson), ("quantity", quantity), ("kube-list", kubeList), ("prom-response", promResponse),
        ("yaml-edit", yamlEdit), ("hcl-edit", hclEdit), ("alert-payload", alertPayload), ("slack-signature", slackSignature),
        ("records", records), ("billing-csv", billingCSV), ("record-scan", recordScan),
    ]

    public static func named(_ name: String) -> (@Sendable ([UInt8]) -> Void)? { all.first { $0.name == name }?.run }

    private static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { preconditionFailure(message()) }
    }

    /// The NDJSON reader, the kind fast path and the forwarding check: a line jansson reads as one object
    /// must pass `JSONShape.isWholeObject` (else a good record would be dropped unparsed).
    static func ndjson(_ bytes: [UInt8]) {
        let reader = NDJSONReader(fileDescriptor: devNull, source: "fuzz", alreadyRead: bytes, blockSize: 64)
        try? reader.forEachLine { line in
            _ = line.kindPrefix
            let whole = JSONShape.isWholeObject(line.bytes)
            if let record = try? line.parse(), record.isObject {
                check(whole, "jansson read an object that JSONShape calls broken: \(Array(line.bytes))")
            }
        }
    }

    /// The Kubernetes quantity grammar: whatever it accepts is a finite amount.
    static func quantity(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let cores = try? Quantity.cores(text, field: "cpu") { check(cores.isFinite, "\(text) → \(cores) cores") }
        _ = try? Quantity.bytes(text, field: "memory")
        if let json = try? JSON.parse(#"{"cpu":"# + (text.isEmpty ? "0" : text) + #","memory":"# + (text.isEmpty ? "0" : text) + "}") {
            _ = try? Observed.Resources(quantities: json, field: "requests")
        }
    }

    /// The kubectl List scanner: every element it hands out lies inside the input and starts a value. And
    /// collect-cluster's fast path for Pods: an element it reads, the jansson path reads to the same record.
    static func kubeList(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var scanner = KubeListScanner(bytes: raw)
            _ = scanner.scan { element in
                check(element.range.lowerBound >= 0 && element.range.upperBound <= raw.count && !element.range.isEmpty,
                      "element \(element.range) outside 0..<\(raw.count)")
                let slice = UnsafeRawBufferPointer(rebasing: raw[element.range])
                let parsed = try? JSON.parse(slice)
                let listKind = element.listKind.flatMap(KubeInput.itemKind)
                if case .pod(let key, let pod)? = ClusterSnapshot.scannedEntry(slice, listKind: listKind, cluster: "c") {
                    check(parsed?.isObject == true, "the Pod fast path read an object jansson refuses: \(Array(slice))")
                    guard let parsed else { return }
                    let entry = ClusterSnapshot.entry(KubeItem(object: parsed, source: "fuzz", line: 1, listKind: listKind), cluster: "c")
                    guard case .pod(let slowKey, let slowPod) = entry else { return check(false, "the jansson path made no pod of \(Array(slice))") }
                    check(slowKey == key && slowPod == pod, "the Pod fast path read differently: \(Array(slice))")
                }
            }
        }
    }

    /// The Prometheus response scanner: a body it reads must be JSON jansson reads too (it may give up on
    /// more, never accept less). Invalid UTF-8 in a label is left out of the check: Prometheus never sends
    /// it, and the scanner reads it as U+FFFD where jansson refuses the body.
    static func promResponse(_ bytes: [UInt8]) {
        guard PromResponseScanner.series(bytes) != nil, String(validating: bytes, as: UTF8.self) != nil else { return }
        let parsed = bytes.withUnsafeBytes { raw in (try? JSON.parse(raw)) != nil }
        check(parsed, "the scanner read a body that is not JSON: \(String(decoding: bytes, as: UTF8.self).prefix(200))")
    }

    /// The source-mapped YAML editor: setting the first scalar reached by keys either refuses or leaves a
    /// file that still parses, holds the new value there, and differs from the old one only in the
    /// scalar's bytes (the editor checks the first two itself and hands back the file it re-read).
    static func yamlEdit(_ bytes: [UInt8]) {
        guard let source = try? YAMLSource(bytes: bytes), !source.documents.isEmpty else { return }
        guard let (path, scalar) = firstScalar(source.documents[0], path: []), !path.isEmpty, scalar.style == .plain,
            path.allSatisfy({ if case .key(let key) = $0 { !key.isEmpty } else { false } })
        else { return }
        guard let (edited, reread) = try? YAMLEdit.setAndReread(path, to: "42", in: source, document: 0) else { return }
        check(YAMLEdit.value(at: path, in: reread, document: 0)?.value == "42", "the value at \(path) is not the one set")
        check(Array(edited[..<scalar.start]) == Array(bytes[..<scalar.start]), "bytes before the scalar changed")
        check(Array(edited[(edited.count - (bytes.count - scalar.end))...]) == Array(bytes[scalar.end...]), "bytes after the scalar changed")
    }

    private static func firstScalar(_ node: YAMLNode, path: [YAMLPathStep]) -> ([YAMLPathStep], YAMLNode.Scalar)? {
        switch node {
        case .scalar(let scalar): return (path, scalar)
        case .mapping(let mapping) where !mapping.flow:
            for pair in mapping.pairs {
                // A later pair with the same key shadows this one: the editor edits the last.
                guard mapping.pairs.last(where: { $0.key.value == pair.key.value })?.key.start == pair.key.start else { continue }
                if let found = firstScalar(pair.value, path: path + [.key(pair.key.value)]) { return found }
            }
            return nil
        default: return nil
        }
    }

    /// The HCL scanner: replacing the first literal attribute's bytes leaves a file that parses and holds
    /// the new literal there.
    static func hclEdit(_ bytes: [UInt8]) {
        guard let body = try? HCL.parse(bytes), let (path, literal) = firstLiteral(body, path: []) else { return }
        guard case .literal(_, let quoted, let start, let end) = literal else { return }
        let edited = Array(bytes[..<start]) + Array((quoted ? "\"x\"" : "1").utf8) + Array(bytes[end...])
        guard let reread = try? HCL.parse(edited) else {
            return check(false, "the edited file does not parse: \(String(decoding: edited, as: UTF8.self).prefix(300))")
        }
        let found = firstLiteral(reread, path: []).flatMap { $0.0 == path ? $0.1.literalText : nil }
        check(found == (quoted ? "x" : "1"), "the literal at \(path) reads \(found ?? "nothing") after the edit")
    }

    private static func firstLiteral(_ block: HCL.Block, path: [String]) -> ([String], HCL.Expression)? {
        for attribute in block.attributes {
            if case .literal = attribute.value { return (path + [attribute.name], attribute.value) }
        }
        for (index, child) in block.blocks.enumerated() {
            if let found = firstLiteral(child, path: path + ["\(index):\(child.type)"]) { return found }
        }
        return nil
    }

    /// The Alertmanager payload decoder: every alert of a notification is either a record or a rejection.
    static func alertPayload(_ bytes: [UInt8]) {
        guard let notification = try? AlertPayload.read(bytes, defaultCluster: "fuzz", receivedAt: Date(timeIntervalSince1970: 0)) else { return }
        let alerts = bytes.withUnsafeBytes { raw in (try? JSON.parse(raw))?["alerts"]?.array.count ?? -1 }
        check(notification.records.count + notification.rejected.count == alerts, "alerts lost: \(alerts) in, \(notification.records.count) + \(notification.rejected.count) out")
    }

    /// The Slack signature check: a body signed with the secret verifies; the same signature on a body
    /// one byte different, or with other headers, does not; nothing crashes on odd headers.
    static func slackSignature(_ bytes: [UInt8]) {
        let secret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)
        let timestamp = "1531420618"
        let now = Date(timeIntervalSince1970: 1_531_420_618)
        let signature = SlackSignature.signature(timestamp: timestamp, body: bytes, secret: secret)
        if case .failure(let failure) = SlackSignature.verify(timestamp: timestamp, signature: signature, body: bytes, secret: secret, now: now) {
            check(false, "a correctly signed body was refused: \(failure)")
        }
        if let first = bytes.first {
            var changed = bytes
            changed[0] = first ^ 1
            let verified = SlackSignature.verify(timestamp: timestamp, signature: signature, body: changed, secret: secret, now: now)
            if case .success = verified { check(false, "a changed body was accepted") }
        }
        let split = bytes.count / 2
        _ = SlackSignature.verify(timestamp: String(decoding: bytes[..<split], as: UTF8.self), signature: String(decoding: bytes[split...], as: UTF8.self),
                                  body: bytes, secret: secret, now: now)
    }

    /// Records as the filters read them, then every detector and the risk scorer over what was read: no
    /// record, however odd, may trap (a number out of range is refused by the reader, not converted).
    static func records(_ bytes: [UInt8]) {
        var cluster = ObservedCluster()
        var findings: [FindingRecord] = []
        let reader = NDJSONReader(fileDescriptor: devNull, source: "fuzz", alreadyRead: bytes, blockSize: 64)
        try? reader.forEachLine { line in
            guard let record = try? line.parse(), record.isObject else { return }
            if record["kind"]?.string == "finding" {
                if let finding = try? FindingRecord(record) { findings.append(finding) }
            } else {
                try? cluster.add(record)
            }
        }
        let now = Date(timeIntervalSince1970: 1_763_640_000)
        let context = DetectionContext(cluster: cluster, config: DetectionConfig(), costs: CostModel(), now: now)
        let detected = DetectorRegistry.all.flatMap { $0.detect(in: context) }
        let scorer = RiskScorer(cluster: cluster, now: now)
        for finding in detected {
            if let record = try? FindingRecord(JSON.parse(String(decoding: finding.json.serialized(), as: UTF8.self))) { _ = scorer.assess(record) }
        }
        for finding in findings { _ = scorer.assess(finding) }
    }

    /// The fast path of the `pod` and `usage` readers: a line it reads, the jansson path reads too, to the
    /// same value and cluster; it may step aside on more, never accept or read differently.
    static func recordScan(_ bytes: [UInt8]) {
        let reader = NDJSONReader(fileDescriptor: devNull, source: "fuzz", alreadyRead: bytes, blockSize: 64)
        try? reader.forEachLine { line in
            guard let scanned = try? ObservedCluster.scan(line) else { return }
            let record = try? line.parse()
            check(record?.isObject == true, "the fast path read a line jansson refuses: \(Array(line.bytes))")
            guard let record else { return }
            check(scanned.cluster == record["cluster"]?.string, "cluster read differently: \(Array(line.bytes))")
            switch scanned {
            case .pod(let pod, _): check((try? Observed.Pod(record)) == pod, "pod read differently: \(Array(line.bytes))")
            case .usage(let usage, _): check((try? Observed.Usage(record)) == usage, "usage read differently: \(Array(line.bytes))")
            }
        }
    }

    /// A billing export: the CSV reader gives the same records however the bytes are split into chunks,
    /// and the first record as a header, the rest as charges, go into a bill without trapping; every
    /// figure the bill keeps is finite.
    static func billingCSV(_ bytes: [UInt8]) {
        func records(_ chunks: [ArraySlice<UInt8>]) -> [[String]]? {
            var reader = CSVReader()
            var out: [[String]] = []
            do {
                for chunk in chunks { try Array(chunk).withUnsafeBufferPointer { try reader.feed($0) { out.append($0.fields) } } }
                try reader.finish { out.append($0.fields) }
            } catch { return nil }
            return out
        }
        let whole = records([bytes[...]])
        let split = bytes.count / 3
        let pieces = records([bytes[..<split], bytes[split..<(2 * split)], bytes[(2 * split)...]])
        check(whole == pieces, "chunking changed the records")
        var reader = CSVReader()
        var columns: BillingColumns?
        var bill = Bill()
        try? bytes.withUnsafeBufferPointer { buffer in
            try reader.feed(buffer) { record in
                guard let mapping = columns else {
                    columns = try? BillingColumns(header: record.fields)
                    return
                }
                if let line = try? mapping.line(record, file: "fuzz") { bill.add(line) }
            }
        }
        for resource in bill.instances.values {
            check(resource.effectiveCost.isFinite && resource.hours.isFinite, "an instance's figures are not finite")
            _ = resource.hourly
            _ = resource.committedShare
        }
        for resource in bill.volumes.values { _ = resource.monthly }
        _ = bill.absorbableOnDemand(for: .savingsPlan)
    }

    private static let devNull: Int32 = open("/dev/null", O_RDONLY)
}
