/// JSON documents written one after another, pretty-printed or not (`{ … }{ … }`, NDJSON, saved webhook
/// bodies): each handed on with the line it starts on, read to the end as kubectl's decoder reads a stream.
public enum JSONStream {
    /// Calls `body` with each document and `failed` with each that cannot be read (line and column in the
    /// whole input); after a failure, reading goes on at the next line that starts with `{`, where the next
    /// document of a saved stream begins.
    public static func forEach(_ bytes: [UInt8], _ body: (JSON, Int) throws -> Void, failed: (JSONParseError) throws -> Void) throws {
        try bytes.withUnsafeBytes { whole in
            var resume = 0
            var linesBefore = 0
            while resume < whole.count {
                let raw = UnsafeRawBufferPointer(rebasing: whole[resume...])
                var scanner = KubeListScanner(bytes: raw)
                var failure: (offset: Int, error: JSONParseError)?
                while failure == nil && !scanner.atEnd() {
                    let start = scanner.offset
                    let (line, column) = scanner.lineAndColumn(at: start)
                    // The scan finds where an object ends (its members are skipped, not parsed); anything else runs to the end.
                    if case .malformed(let badLine, let badColumn, let reason) = scanner.scan({ _ in }) {
                        failure = (start, JSONParseError(line: linesBefore + badLine, column: badColumn, message: reason))
                        break
                    }
                    let end = scanner.offset > start ? scanner.offset : raw.count
                    let document: JSON
                    do throws(JSONParseError) {
                        document = try JSON.parse(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    } catch {
                        failure = (start, error.within(line: linesBefore + line, column: column))
                        break
                    }
                    try body(document, linesBefore + line)
                    if scanner.offset == start { return }
                }
                guard let (offset, error) = failure else { return }
                try failed(error)
                // The next line after the bad document's first that starts with `{`.
                var next = offset
                while next < raw.count && raw[next] != UInt8(ascii: "\n") { next += 1 }
                while next < raw.count && !(raw[next] == UInt8(ascii: "{") && raw[next - 1] == UInt8(ascii: "\n")) { next += 1 }
                linesBefore += raw[..<next].filter { $0 == UInt8(ascii: "\n") }.count
                resume += next
            }
        }
    }
}
