/// The reading loop every filter shares: forward each good line byte for byte, hand the records of the
/// kinds it reads to `consume`, and report (and drop) a line that is not a JSON object. `consume` returns
/// false for a record the filter will write back itself (score-risk's findings).
public enum RecordForwarding {
    /// `wanted` kinds are parsed and passed to `consume` before being forwarded; a line whose kind is
    /// not wanted is forwarded without being parsed (the `{"kind":"…"` fast path), once a byte scan has
    /// found it one whole object (`JSONShape`). With no writer (render-report reads and writes files
    /// instead), nothing is forwarded.
    ///
    /// `scan`, where given, is a wanted line's fast path: it reads the record from the line's bytes and
    /// returns whether to forward it, or nil to have it parsed and given to `consume` (a kind it does not
    /// scan, or a line it leaves to jansson).
    public static func run(_ reader: NDJSONReader, to writer: NDJSONWriter?, wanted: Set<Substring>, diagnostics: Diagnostics,
                           scan: ((InputLine) throws -> Bool?)? = nil, consume: (JSON, InputLine) throws -> Bool) throws {
        try reader.forEachLine { line in
            if let kind = line.kindPrefix, !wanted.contains(kind) {
                guard JSONShape.isWholeObject(line.bytes) else {
                    try diagnostics.error("\(kind) record is not one whole JSON object (cut short, or two glued together); dropped",
                                          source: line.source, line: line.number)
                    return
                }
                try writer?.forward(line)
                return
            }
            if let scan, let forward = try scan(line) {
                if forward { try writer?.forward(line) }
                return
            }
            let record: JSON
            do { record = try line.parse() } catch let error as JSONParseError {
                try diagnostics.error("\(error.message); dropped", source: line.source, line: line.number, column: error.column)
                return
            }
            guard record.isObject else {
                try diagnostics.error("not a JSON object; dropped", source: line.source, line: line.number)
                return
            }
            if try consume(record, line) { try writer?.forward(line) }
        }
    }
}
