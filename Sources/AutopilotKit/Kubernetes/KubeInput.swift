import Foundation

/// One Kubernetes object read from captured input, with the place it starts.
public struct KubeItem: Sendable {
    public let object: JSON
    public let source: String
    public let line: Int
    /// The item kind implied by a typed List (`PodList` → `Pod`) when the item does not name its own.
    public let listKind: String?

    /// The object's kind, from the object itself or its List.
    public var kind: String? { object["kind"]?.string ?? listKind }
}

/// Reads captured `kubectl` output: a `kubectl get -o json` List or object, NDJSON with one object or
/// List a line, or a multi-document YAML stream. Damaged parts are reported and skipped; the rest flows.
public enum KubeInput {
    /// Input formats, chosen by file extension (`.yaml`/`.yml`, `.ndjson`/`.jsonl`, else JSON) or, for
    /// standard input, by sniffing: a first line of just `{` is pretty-printed JSON, a line starting
    /// with `{` is NDJSON, anything else YAML.
    public enum Format: Equatable { case json, ndjson, yaml }

    /// The file extensions a `--from` directory is read for.
    public static let extensions = ["json", "ndjson", "jsonl", "yaml", "yml"]

    public static func format(ofPath path: String) -> Format {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") { return .yaml }
        if lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".jsonl") { return .ndjson }
        return .json
    }

    static func sniff(_ head: [UInt8]) -> Format {
        var start = 0
        while start < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[start]) { start += 1 }
        guard start < head.count, head[start] == UInt8(ascii: "{") else { return .yaml }
        var end = start + 1
        while end < head.count, head[end] != 0x0A { end += 1 }
        let firstLine = head[(start + 1)..<end].filter { ![0x20, 0x09, 0x0D].contains($0) }
        return firstLine.isEmpty ? .json : .ndjson
    }

    /// Reads one file (`-` is standard input) and calls `body` with every Kubernetes object in it; returns
    /// how many documents (objects or Lists) the input held.
    @discardableResult
    public static func read(path: String, diagnostics: Diagnostics, _ body: (KubeItem) throws -> Void) throws -> Int {
        try read(path: path, diagnostics: diagnostics, prepare: { $0 }, body)
    }

    /// Reads one file and calls `body` with `prepare` of every object, in file order. `prepare` runs as
    /// soon as an object is parsed; for a JSON List that is on the core that parsed it, so work that needs
    /// only the object (turning it into a record) is spread over the cores and its tree freed where it
    /// was built. `scan`, for a List item, is tried first on the item's bytes (with the List's item kind):
    /// what it returns is used as is; nil, and the item is parsed and prepared.
    @discardableResult
    public static func read<Prepared>(
        path: String, diagnostics: Diagnostics, prepare: @escaping @Sendable (KubeItem) -> Prepared,
        scan: (@Sendable (UnsafeRawBufferPointer, String?) -> Prepared?)? = nil, _ body: (Prepared) throws -> Void
    ) throws -> Int {
        if path == "-" {
            let head = try readHead(of: 0)
            let format = sniff(head)
            if format == .ndjson {
                let reader = NDJSONReader(fileDescriptor: 0, source: "<stdin>", alreadyRead: head)
                return try readNDJSON(reader, diagnostics: diagnostics) { try body(prepare($0)) }
            }
            let bytes = head + (try FileIO.readAll("-"))
            return try read(bytes: bytes, format: format, source: "<stdin>", diagnostics: diagnostics) { try body(prepare($0)) }
        }
        switch format(ofPath: path) {
        case .ndjson:
            return try readNDJSON(try NDJSONReader(path: path), diagnostics: diagnostics) { try body(prepare($0)) }
        case .json:
            var documents = 0
            try FileIO.withMappedFile(path) { raw, release in
                documents = try readJSON(raw, source: path, diagnostics: diagnostics, release: release, prepare: prepare, scan: scan, body)
            }
            return documents
        case .yaml:
            // As kubectl decides: YAML that starts with `{` is JSON (a stream of JSON documents, maybe).
            let bytes = try FileIO.readAll(path)
            let format: Format = sniff(bytes) == .yaml ? .yaml : .json
            return try read(bytes: bytes, format: format, source: path, diagnostics: diagnostics) { try body(prepare($0)) }
        }
    }

    /// Reads in-memory input of a known format; returns how many documents it held.
    @discardableResult
    public static func read(
        bytes: [UInt8], format: Format, source: String, diagnostics: Diagnostics, _ body: (KubeItem) throws -> Void
    ) throws -> Int {
        switch format {
        case .yaml: return try readYAML(bytes, source: source, diagnostics: diagnostics, body)
        case .json:
            return try bytes.withUnsafeBytes { try readJSON($0, source: source, diagnostics: diagnostics, release: { _ in }, prepare: { $0 }, scan: nil, body) }
        case .ndjson:
            // Only tests come here; files and stdin stream through NDJSONReader.
            var line = 0
            var documents = 0
            for chunk in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                line += 1
                if chunk.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                documents += 1
                try Array(chunk).withUnsafeBytes { raw in
                    try deliverDocument(raw, source: source, line: line, diagnostics: diagnostics, body)
                }
            }
            return documents
        }
    }

    private static func readHead(of descriptor: Int32) throws -> [UInt8] {
        var head = [UInt8](repeating: 0, count: 64 * 1024)
        let count = try head.withUnsafeMutableBytes { raw -> Int in
            while true {
                let count = systemRead(descriptor, raw.baseAddress!, raw.count)
                if count >= 0 { return count }
                if errnoIsInterrupt() { continue }
                throw IOFailure(path: "<stdin>", operation: "read")
            }
        }
        return Array(head[0..<count])
    }

    private static func readNDJSON(_ reader: NDJSONReader, diagnostics: Diagnostics, _ body: (KubeItem) throws -> Void) throws -> Int {
        var documents = 0
        try reader.forEachLine { line in
            documents += 1
            try deliverDocument(line.bytes, source: line.source, line: line.number, diagnostics: diagnostics, body)
        }
        return documents
    }

    /// One NDJSON line: an object, or a whole List on one line.
    private static func deliverDocument(
        _ raw: UnsafeRawBufferPointer, source: String, line: Int, diagnostics: Diagnostics,
        _ body: (KubeItem) throws -> Void
    ) throws {
        let document: JSON
        do {
            document = try JSON.parse(raw)
        } catch {
            try diagnostics.error("\(error.message); this line is skipped", source: source, line: line, column: error.column)
            return
        }
        try deliver(document, source: source, line: line, diagnostics: diagnostics, body)
    }

    /// Hands on an object, or the items of a List.
    private static func deliver(
        _ document: JSON, source: String, line: Int, diagnostics: Diagnostics, _ body: (KubeItem) throws -> Void
    ) throws {
        guard document.isObject else {
            try diagnostics.error("expected a Kubernetes object or List, found \(document.value.text.prefix(40))", source: source, line: line)
            return
        }
        let kind = document["kind"]?.string ?? ""
        if kind.hasSuffix("List"), let items = document["items"] {
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            for item in items.array {
                try body(KubeItem(object: item, source: source, line: line, listKind: itemKind))
            }
        } else {
            try body(KubeItem(object: document, source: source, line: line, listKind: nil))
        }
    }

    /// Items of a List are parsed (and prepared) a batch at a time on every core, and handed on in order
    /// while the scan goes on; `release` is told how far the input is done with (a mapped file gives those
    /// pages back), so memory holds a batch, not the file. Documents written one after another (as kubectl's
    /// own decoder reads them) are read to the end; what cannot be read is an error at its place.
    private static func readJSON<Prepared>(
        _ raw: UnsafeRawBufferPointer, source: String, diagnostics: Diagnostics, release: (Int) -> Void,
        prepare: @escaping @Sendable (KubeItem) -> Prepared, scan: (@Sendable (UnsafeRawBufferPointer, String?) -> Prepared?)?,
        _ body: (Prepared) throws -> Void
    ) throws -> Int {
        var scanner = KubeListScanner(bytes: raw)
        var documents = 0
        var read = 0
        var batch: [KubeListScanner.Element] = []
        // Items naming no kind while the List's kind is not known yet (it may follow `items`).
        var unnamed: [(item: JSON, line: Int)] = []
        func handOn() throws {
            let parsed = parseInParallel(raw, batch, source: source, prepare: prepare, scan: scan)
            for (element, result) in zip(batch, parsed) {
                switch result {
                case .prepared(let value): try body(value)
                case .unnamed(let item): unnamed.append((item, element.line))
                case .failed(let error):
                    let placed = error.within(line: element.line, column: element.column)
                    try diagnostics.error("\(error.message); this item is skipped", source: source, line: placed.line, column: placed.column)
                }
            }
            read += batch.count
            if let last = batch.last { release(last.range.upperBound) }
            batch.removeAll(keepingCapacity: true)
        }
        while !scanner.atEnd() {
            documents += 1
            let start = scanner.offset
            let (startLine, startColumn) = scanner.lineAndColumn(at: start)
            var outcome = try scanner.scan { element in
                batch.append(element)
                if batch.count == 1024 { try handOn() }
            }
            try handOn()
            var listKind: String?
            if case .list(let kind?) = outcome { listKind = itemKind(kind) }
            for entry in unnamed { try body(prepare(KubeItem(object: entry.item, source: source, line: entry.line, listKind: listKind))) }
            unnamed.removeAll()
            if case .singleObject = outcome {
                // The object scanned (or, when it is not one, everything left: the parse says what is wrong).
                let end = scanner.offset > start ? scanner.offset : raw.count
                do {
                    let document = try JSON.parse(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    try deliver(document, source: source, line: startLine, diagnostics: diagnostics) { try body(prepare($0)) }
                    read += 1
                } catch let error as JSONParseError {
                    let placed = error.within(line: startLine, column: startColumn)
                    outcome = .malformed(line: placed.line, column: placed.column, reason: error.message)
                }
            }
            if case .malformed(let line, let column, let reason) = outcome {
                let kept = read == 0 ? "" : read == 1 ? " (the object before it was read)" : " (the \(read) objects before it were read)"
                try diagnostics.error("\(reason)\(kept); the rest of this input is skipped", source: source, line: line, column: column)
                return documents
            }
            // A document that is not an object was parsed to the end of the input: nothing is left.
            if scanner.offset == start { break }
        }
        return documents
    }

    /// One List element after its lane is done with it.
    private enum Parsed<Prepared> {
        case prepared(Prepared)
        /// No kind of its own and none known from the List yet: prepared once the List's kind is known.
        case unnamed(JSON)
        case failed(JSONParseError)
    }

    /// `PodList` → `Pod`; a plain `List` names no item kind.
    static func itemKind(_ listKind: String) -> String? {
        listKind.hasSuffix("List") && listKind != "List" ? String(listKind.dropLast(4)) : nil
    }

    /// Parses and prepares the elements, a share on each core (separate jansson trees: jansson is
    /// thread-safe for them), in the elements' order.
    private static func parseInParallel<Prepared>(
        _ raw: UnsafeRawBufferPointer, _ elements: [KubeListScanner.Element], source: String,
        prepare: @escaping @Sendable (KubeItem) -> Prepared, scan: (@Sendable (UnsafeRawBufferPointer, String?) -> Prepared?)?
    ) -> [Parsed<Prepared>] {
        let shared = LaneBuffers<Parsed<Prepared>>(raw: raw, results: .allocate(capacity: elements.count))
        defer { shared.results.deallocate() }
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, elements.count / 16))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: elements.count, by: lanes) {
                let element = elements[index]
                let outcome: Parsed<Prepared>
                if let scan, let scanned = scan(UnsafeRawBufferPointer(rebasing: shared.raw[element.range]), element.listKind.flatMap(itemKind)) {
                    (shared.results + index).initialize(to: .prepared(scanned))
                    continue
                }
                do throws(JSONParseError) {
                    let item = try JSON.parse(UnsafeRawBufferPointer(rebasing: shared.raw[element.range]))
                    let listKind = element.listKind.flatMap(itemKind)
                    if listKind == nil && item["kind"] == nil {
                        outcome = .unnamed(item)
                    } else {
                        outcome = .prepared(prepare(KubeItem(object: item, source: source, line: element.line, listKind: listKind)))
                    }
                } catch {
                    outcome = .failed(error)
                }
                (shared.results + index).initialize(to: outcome)
            }
        }
        let parsed = Array(UnsafeBufferPointer(start: shared.results, count: elements.count))
        shared.results.deinitialize(count: elements.count)
        return parsed
    }

    private static func readYAML(
        _ bytes: [UInt8], source: String, diagnostics: Diagnostics, _ body: (KubeItem) throws -> Void
    ) throws -> Int {
        var documents = 0
        do {
            try YAMLDocuments(bytes: bytes).forEachDocument { document, line in
                documents += 1
                try deliver(document, source: source, line: line, diagnostics: diagnostics, body)
            }
        } catch let error as YAMLParseError {
            try diagnostics.error("\(error.message); the rest of this file is skipped", source: source, line: error.line, column: error.column)
            documents += 1
        }
        return documents
    }
}

/// The input and the results array of a parallel parse: each lane writes its own indices of `results`
/// and only reads `raw`, so no value is shared between threads.
private struct LaneBuffers<Value>: @unchecked Sendable {
    let raw: UnsafeRawBufferPointer
    let results: UnsafeMutablePointer<Value>
}

#if canImport(Glibc)
import Glibc
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Glibc.read(descriptor, buffer, count)
}
#elseif canImport(Darwin)
import Darwin
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Darwin.read(descriptor, buffer, count)
}
#endif
private func errnoIsInterrupt() -> Bool { errno == EINTR }
