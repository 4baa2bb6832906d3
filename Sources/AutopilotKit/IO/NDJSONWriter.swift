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

    /// Writes a line kept from the input (without its newline) unchanged.
    public func write(raw line: [UInt8]) throws {
        pending.append(contentsOf: line)
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
        try FileIO.writeAll(pending, to: descriptor, name: target)
        pending.removeAll(keepingCapacity: true)
    }
}
