#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure (open, read, write, rename): exit status 74.
public struct IOFailure: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32
    public init(path: String, operation: String, code: Int32 = errno) {
        self.path = path
        self.operation = operation
        self.code = code
    }
    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
}

/// One line of NDJSON input, valid only inside the callback that receives it.
public struct InputLine {
    /// The line's bytes without the newline (and without a trailing carriage return).
    public let bytes: UnsafeRawBufferPointer
    /// 1-based line number in its source.
    public let number: Int
    /// The file name, or `<stdin>`.
    public let source: String
    /// False for a final line that the input ended without terminating.
    public let terminated: Bool

    /// The record kind read from the `{"kind":"…"` prefix without parsing, or nil if the line does not
    /// start that way (then parse it to find out).
    public var kindPrefix: Substring? {
        let prefix: StaticString = #"{"kind":""#
        let prefixLength = prefix.utf8CodeUnitCount
        guard bytes.count > prefixLength,
            memcmp(bytes.baseAddress!, prefix.utf8Start, prefixLength) == 0
        else { return nil }
        var end = prefixLength
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        return Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[prefixLength..<end]), as: UTF8.self)
    }

    /// Parses the line as one JSON document.
    public func parse() throws(JSONParseError) -> JSON { try JSON.parse(bytes) }
}

/// Reads newline-delimited input in large blocks and hands out one line at a time, with its number.
public final class NDJSONReader {
    public let source: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int

    private var prefill: [UInt8] = []

    /// Reads from an open descriptor (standard input is 0). `alreadyRead` holds bytes a caller took
    /// from the descriptor to sniff the format; they are read first.
    public init(fileDescriptor: Int32, source: String, alreadyRead: [UInt8] = [], blockSize: Int = 1 << 20) {
        self.descriptor = fileDescriptor
        self.source = source
        self.ownsDescriptor = false
        self.capacity = max(blockSize, alreadyRead.count * 2)
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        self.prefill = alreadyRead
    }

    /// Opens a file by path; `-` is standard input.
    public init(path: String, blockSize: Int = 1 << 20) throws {
        if path == "-" {
            descriptor = 0
            source = "<stdin>"
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else { throw IOFailure(path: path, operation: "open") }
            descriptor = opened
            source = path
            ownsDescriptor = true
        }
        capacity = blockSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(descriptor) }
    }

    /// Calls `body` for each non-blank line, in order. Lines longer than the block grow the buffer.
    public func forEachLine(_ body: (InputLine) throws -> Void) throws {
        var filled = 0  // bytes held in buffer
        var lineNumber = 0
        var atEnd = false
        while !atEnd {
            if filled == capacity { grow() }
            let count: Int
            if !prefill.isEmpty {
                count = prefill.count
                prefill.withUnsafeBytes { (buffer + filled).copyMemory(from: $0.baseAddress!, byteCount: count) }
                prefill = []
            } else {
                count = read(descriptor, buffer + filled, capacity - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: source, operation: "read")
            }
            if count == 0 { atEnd = true }
            let scanFrom = filled
            filled += count
            var lineStart = 0
            var cursor = scanFrom
            while cursor < filled {
                guard let found = memchr(buffer + cursor, Int32(UInt8(ascii: "\n")), filled - cursor) else { break }
                let newline = found - buffer
                lineNumber += 1
                try deliver(from: lineStart, to: newline, number: lineNumber, terminated: true, body)
                lineStart = newline + 1
                cursor = lineStart
            }
            if atEnd && lineStart < filled {
                lineNumber += 1
                try deliver(from: lineStart, to: filled, number: lineNumber, terminated: false, body)
                lineStart = filled
            }
            // Keep the partial line at the front for the next read.
            let remainder = filled - lineStart
            if remainder > 0 && lineStart > 0 { memmove(buffer, buffer + lineStart, remainder) }
            filled = remainder
        }
    }

    private func deliver(
        from start: Int, to end: Int, number: Int, terminated: Bool, _ body: (InputLine) throws -> Void
    ) throws {
        var last = end
        if last > start && buffer.load(fromByteOffset: last - 1, as: UInt8.self) == UInt8(ascii: "\r") { last -= 1 }
        let bytes = UnsafeRawBufferPointer(start: buffer + start, count: last - start)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        try body(InputLine(bytes: bytes, number: number, source: source, terminated: terminated))
    }

    private func grow() {
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
        bigger.copyMemory(from: buffer, byteCount: capacity)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }
}
