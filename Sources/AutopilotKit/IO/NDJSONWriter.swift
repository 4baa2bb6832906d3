#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes NDJSON records in large blocks: forwarded lines byte for byte, new records with `kind` first.
public final class NDJSONWriter {
    private let descriptor: Int32
    private let blockSize: Int
    private var pending: [UInt8] = []
    private let target: String

    /// Writes to an open descriptor (standard output is 1).
    public init(fileDescriptor: Int32 = 1, name: String = "<stdout>", blockSize: Int = 1 << 20) {
        self.descriptor = fileDescriptor
        self.blockSize = blockSize
        self.target = name
        pending.reserveCapacity(blockSize + 4096)
    }

    /// Forwards an input line unchanged.
    public func forward(_ line: InputLine) throws {
        pending.append(contentsOf: line.bytes)
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= blockSize { try flush() }
    }

    /// Writes a record, moving its `kind` member to the front if it is not there already.
    public func write(_ record: JSONValue) throws {
        var record = record
        if case .object(var members) = record, let index = members.firstIndex(where: { $0.key == "kind" }),
            index != 0
        {
            let kind = members.remove(at: index)
            members.insert(kind, at: 0)
            record = .object(members)
        }
        pending.append(contentsOf: record.serialized())
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= blockSize { try flush() }
    }

    /// Writes everything pending; a failed write (stdout closed, disk full) is an `IOFailure`.
    public func flush() throws {
        var offset = 0
        try pending.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw IOFailure(path: target, operation: "write")
                }
                offset += written
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// The C library's write(2), named apart from the writer's own `write`.
@inline(__always)
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
