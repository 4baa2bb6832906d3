/// Reads RFC 4180 CSV in chunks (a multi-gigabyte billing export never sits in memory whole): fields
/// separated by commas, records by LF or CRLF, a field in double quotes may hold commas, newlines and
/// doubled quotes. A UTF-8 byte-order mark before the header is dropped.
public struct CSVReader {
    /// One record, valid only inside the callback that receives it.
    public struct Record {
        /// The line the record starts on (1 = the header).
        public let line: Int
        fileprivate let bytes: [UInt8]
        fileprivate let ends: [Int]

        public var count: Int { ends.count }

        /// The field at `index`, or "" when the record is shorter.
        public subscript(index: Int) -> String {
            guard index >= 0, index < ends.count else { return "" }
            let start = index == 0 ? 0 : ends[index - 1]
            return String(decoding: bytes[start..<ends[index]], as: UTF8.self)
        }

        public var fields: [String] { (0..<count).map { self[$0] } }
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    private var state = State.fieldStart
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var line = 1
    private var recordLine = 1
    /// How many bytes of a UTF-8 byte-order mark the input began with so far; nil once past the start.
    private var markMatched: Int? = 0
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private var lastWasCR = false

    /// The longest record: a quote that never closes must not buffer a multi-gigabyte file.
    public var maximumRecordBytes = 1 << 20

    public init() {}

    /// Feeds the next chunk; `body` gets every record the chunk completes.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Record) throws -> Void) throws {
        var index = 0
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            // Skip a UTF-8 byte-order mark (Excel writes one), however the chunks split it.
            if let matched = markMatched {
                if byte == Self.byteOrderMark[matched] {
                    markMatched = matched + 1 == 3 ? nil : matched + 1
                    continue
                }
                markMatched = nil
                for earlier in Self.byteOrderMark.prefix(matched) { try consume(earlier, body) }
            }
            try consume(byte, body)
            // Fast path: the plain bytes of a field (most of a bill) go in as one run, not byte by byte.
            if state == .unquoted || state == .quoted {
                let quoted = state == .quoted
                var end = index
                while end < chunk.count {
                    let next = chunk[end]
                    if next == UInt8(ascii: "\"") || (!quoted && (next == UInt8(ascii: ",") || next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r"))) {
                        break
                    }
                    if quoted && next == UInt8(ascii: "\n") { line += 1 }
                    end += 1
                }
                if end > index {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[index..<end]))
                    if !quoted { lastWasCR = false }
                    index = end
                    if bytes.count > maximumRecordBytes { try consume(0, body) }  // throws: the record is too long
                }
            }
        }
    }

    private mutating func consume(_ byte: UInt8, _ body: (Record) throws -> Void) throws {
        if bytes.count > maximumRecordBytes {
            throw CSVError(line: recordLine, message: state == .quoted
                ? "a quoted field opened here is still open after \(maximumRecordBytes) bytes (a quote that never closes?)"
                : "a record longer than \(maximumRecordBytes) bytes starts here")
        }
        switch state {
        case .quoted:
            if byte == UInt8(ascii: "\"") {
                state = .quoteInQuoted
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 }
                bytes.append(byte)
            }
        case .quoteInQuoted:
            if byte == UInt8(ascii: "\"") {
                bytes.append(byte)
                state = .quoted
            } else {
                // The closing quote; what follows is read as in an unquoted field.
                state = .unquoted
                try take(byte, body)
            }
        case .fieldStart where byte == UInt8(ascii: "\""):
            state = .quoted
        case .fieldStart, .unquoted:
            try take(byte, body)
        }
    }

    private mutating func take(_ byte: UInt8, _ body: (Record) throws -> Void) throws {
        switch byte {
        case UInt8(ascii: ","):
            ends.append(bytes.count)
            state = .fieldStart
            lastWasCR = false
        case UInt8(ascii: "\n"):
            if lastWasCR { bytes.removeLast() }
            try endRecord(body)
            line += 1
            recordLine = line
        default:
            bytes.append(byte)
            state = .unquoted
            lastWasCR = byte == UInt8(ascii: "\r")
        }
    }

    private mutating func endRecord(_ body: (Record) throws -> Void) throws {
        ends.append(bytes.count)
        // A blank line is no record.
        if !(ends.count == 1 && bytes.isEmpty) { try body(Record(line: recordLine, bytes: bytes, ends: ends)) }
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        state = .fieldStart
        lastWasCR = false
    }

    /// Ends the input: a last record without a newline is delivered. Throws when a quoted field never closed.
    public mutating func finish(_ body: (Record) throws -> Void) throws {
        if state == .quoted { throw CSVError(line: recordLine, message: "a quoted field opened here never closes") }
        if lastWasCR { bytes.removeLast() }
        if !bytes.isEmpty || !ends.isEmpty { try endRecord(body) }
    }

    /// Reads a whole file (gzipped or not) record by record.
    public static func read(file: ChunkedFile, _ body: (Record) throws -> Void) throws {
        var reader = CSVReader()
        try file.forEachChunk { try reader.feed($0, body) }
        try reader.finish(body)
    }
}

public struct CSVError: Error, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}
