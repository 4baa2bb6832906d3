import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read in chunks, gunzipped on the fly when it starts with the gzip magic bytes (AWS writes its
/// billing exports as `.csv.gz`, often several gzip members in one object). Memory stays at two chunks
/// whatever the file's size.
public final class ChunkedFile {
    public let path: String
    private let descriptor: Int32
    private var raw = [UInt8](repeating: 0, count: 1 << 20)
    private var rawStart = 0
    private var rawEnd = 0
    private var rawEOF = false
    private var stream: z_stream?
    /// Whether the file is gzip; known after the first read.
    public private(set) var isGzip = false
    private var started = false
    /// Inside a gzip member: the file must not end here.
    private var memberOpen = false

    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw IOFailure(path: path, operation: "open") }
    }

    deinit {
        if stream != nil { inflateEnd(&stream!) }
        close(descriptor)
    }

    /// Calls `body` with each chunk of the (decompressed) bytes, in order.
    public func forEachChunk(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var out = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try next(into: &out)
            if count == 0 { return }
            try out.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    private func fill() throws {
        if rawStart < rawEnd || rawEOF { return }
        while true {
            let count = raw.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: path, operation: "read")
            }
            rawStart = 0
            rawEnd = count
            rawEOF = count == 0
            return
        }
    }

    /// Up to `buffer.count` bytes; 0 at the end of the file.
    private func next(into buffer: inout [UInt8]) throws -> Int {
        try fill()
        if !started {
            started = true
            // A pipe may hand over one byte first: the magic needs two.
            if rawEnd - rawStart == 1 && !rawEOF {
                let first = raw[rawStart]
                rawStart = rawEnd
                try fill()
                if rawEOF {
                    raw[0] = first
                    rawStart = 0
                    rawEnd = 1
                } else {
                    raw.insert(first, at: rawStart)
                    rawEnd += 1
                }
            }
            isGzip = rawEnd - rawStart >= 2 && raw[rawStart] == 0x1f && raw[rawStart + 1] == 0x8b
            if isGzip {
                stream = z_stream()
                // 15 + 16: a gzip wrapper, with the largest window.
                guard inflateInit2_(&stream!, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                    throw CorruptFile(path: path, message: "cannot start gunzip (zlib)")
                }
            }
        }
        guard isGzip else {
            let count = min(buffer.count, rawEnd - rawStart)
            buffer.withUnsafeMutableBufferPointer { out in
                raw.withUnsafeBufferPointer { source in
                    for index in 0..<count { out[index] = source[rawStart + index] }
                }
            }
            rawStart += count
            return count
        }
        while true {
            try fill()
            if rawStart == rawEnd && rawEOF {
                if memberOpen { throw CorruptFile(path: path, message: "the gzip data ends early (a truncated download?)") }
                return 0
            }
            // Between members: zero padding (tape and some uploaders add it) ends the data, as gzip -d reads it.
            if !memberOpen && raw[rawStart] == 0 {
                while true {
                    guard raw[rawStart..<rawEnd].allSatisfy({ $0 == 0 }) else {
                        throw CorruptFile(path: path, message: "data after zero padding at the end of the gzip data")
                    }
                    rawStart = rawEnd
                    try fill()
                    if rawEOF { return 0 }
                }
            }
            var produced = 0
            var status: Int32 = Z_OK
            raw.withUnsafeMutableBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { out in
                    stream!.next_in = source.baseAddress! + rawStart
                    stream!.avail_in = UInt32(rawEnd - rawStart)
                    stream!.next_out = out.baseAddress!
                    stream!.avail_out = UInt32(out.count)
                    status = inflate(&stream!, Z_NO_FLUSH)
                    produced = out.count - Int(stream!.avail_out)
                    rawStart = rawEnd - Int(stream!.avail_in)
                }
            }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow: concatenated .gz files are one valid .gz.
                memberOpen = false
                inflateReset(&stream!)
            case Z_OK, Z_BUF_ERROR:
                memberOpen = true
            default:
                throw CorruptFile(path: path, message: "not valid gzip data (zlib status \(status)); is it a .csv.gz AWS wrote?")
            }
            if produced > 0 { return produced }
        }
    }
}

/// A file whose bytes cannot be what it claims to be (broken gzip).
public struct CorruptFile: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
