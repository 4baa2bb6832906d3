internal import CYAML

/// A YAML file as libyaml sees it, with every node's exact byte range in the original text, so an edit can
/// replace the bytes of one scalar and leave comments, quoting, key order, anchors and indentation alone.
public struct YAMLSource {
    public let bytes: [UInt8]
    public let documents: [YAMLNode]
    /// Names used by aliases (`*name`) anywhere in the file.
    public let aliasedAnchors: Set<String>

    /// Parses `bytes`; throws the first syntax error with its 1-based line and column.
    public init(bytes: [UInt8]) throws(YAMLParseError) {
        self.bytes = bytes
        let parser = YAMLSourceParser(bytes)
        documents = try parser.documents()
        aliasedAnchors = parser.aliases
    }

    /// The 1-based line of a byte offset.
    public func line(at offset: Int) -> Int {
        var line = 1
        for byte in bytes[..<min(offset, bytes.count)] where byte == UInt8(ascii: "\n") { line += 1 }
        return line
    }
}

/// One node of a parsed YAML document. Offsets are byte offsets into the source; `column` is 0-based.
public indirect enum YAMLNode {
    public enum ScalarStyle: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    public struct Scalar {
        public var value: String
        public var style: ScalarStyle
        public var start: Int
        public var end: Int
        public var column: Int
        /// `&name` on the value, if any.
        public var anchor: String? = nil
    }

    public struct Mapping {
        public var pairs: [(key: Scalar, value: YAMLNode)]
        public var flow: Bool
        public var start: Int
        public var end: Int
        public var column: Int
    }

    public struct Sequence {
        public var items: [YAMLNode]
        public var flow: Bool
        public var start: Int
        public var end: Int
        public var column: Int
    }

    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)
    /// An alias (`*name`): editing through one would change every place the anchor is used.
    case alias(name: String, start: Int, end: Int)

    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let mapping) = self else { return nil }
        return mapping.pairs.last(where: { $0.key.value == key })?.value
    }

    /// The item of a sequence of mappings whose `name` is `name` (containers, for one).
    public func item(named name: String) -> YAMLNode? {
        guard case .sequence(let sequence) = self else { return nil }
        return sequence.items.first(where: { $0["name"]?.scalarValue == name })
    }

    public var scalarValue: String? {
        if case .scalar(let scalar) = self { return scalar.value }
        return nil
    }

    public var start: Int {
        switch self {
        case .scalar(let node): node.start
        case .mapping(let node): node.start
        case .sequence(let node): node.start
        case .alias(_, let start, _): start
        }
    }

    /// Where the node's own text ends (its last scalar's end for block collections, not the next token).
    public var contentEnd: Int {
        switch self {
        case .scalar(let node): return node.end
        case .alias(_, _, let end): return end
        case .mapping(let node):
            if node.flow { return node.end }
            return node.pairs.last.map { max($0.key.end, $0.value.contentEnd) } ?? node.end
        case .sequence(let node):
            if node.flow { return node.end }
            return node.items.last?.contentEnd ?? node.end
        }
    }
}

/// Builds `YAMLNode` trees from libyaml events. libyaml's marks count characters, not bytes, so offsets
/// go through a character-to-byte table when the text is not pure ASCII.
private final class YAMLSourceParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    /// Byte offset of each character index; empty when the input is ASCII (the two are equal).
    private let byteOffsets: [Int]
    private(set) var aliases: Set<String> = []

    init(_ bytes: [UInt8]) {
        input = UnsafeMutableBufferPointer.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = UnsafeMutablePointer.allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            byteOffsets = []
        } else {
            var offsets: [Int] = []
            offsets.reserveCapacity(bytes.count + 1)
            // libyaml skips a UTF-8 byte order mark without counting it.
            let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            for offset in start..<bytes.count where bytes[offset] & 0xC0 != 0x80 { offsets.append(offset) }
            offsets.append(bytes.count)
            byteOffsets = offsets
        }
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    func documents() throws(YAMLParseError) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        while true {
            var event = try next()
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT: return documents
            case YAML_DOCUMENT_START_EVENT:
                var root = try next()
                defer { yaml_event_delete(&root) }
                documents.append(try node(from: &root))
                var end = try next()
                yaml_event_delete(&end)
            default: continue
            }
        }
    }

    private func next() throws(YAMLParseError) -> yaml_event_t { try YAMLParseError.nextEvent(parser) }

    private func offset(_ mark: yaml_mark_t) -> Int {
        let index = Int(mark.index)
        return byteOffsets.isEmpty ? index : byteOffsets[min(index, byteOffsets.count - 1)]
    }

    private func node(from event: inout yaml_event_t, depth: Int = 0) throws(YAMLParseError) -> YAMLNode {
        guard depth <= YAMLParseError.maxDepth else { throw YAMLParseError.tooDeep(event.start_mark) }
        let start = offset(event.start_mark)
        let column = Int(event.start_mark.column)
        switch event.type {
        case YAML_SCALAR_EVENT:
            return .scalar(scalar(event))
        case YAML_ALIAS_EVENT:
            aliases.insert(String(cString: event.data.alias.anchor))
            return .alias(name: String(cString: event.data.alias.anchor), start: start, end: offset(event.end_mark))
        case YAML_SEQUENCE_START_EVENT:
            let flow = event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
            var items: [YAMLNode] = []
            while true {
                var child = try next()
                defer { yaml_event_delete(&child) }
                if child.type == YAML_SEQUENCE_END_EVENT {
                    return .sequence(.init(items: items, flow: flow, start: start, end: offset(child.end_mark), column: column))
                }
                items.append(try node(from: &child, depth: depth + 1))
            }
        case YAML_MAPPING_START_EVENT:
            let flow = event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
            var pairs: [(key: YAMLNode.Scalar, value: YAMLNode)] = []
            while true {
                var keyEvent = try next()
                defer { yaml_event_delete(&keyEvent) }
                if keyEvent.type == YAML_MAPPING_END_EVENT {
                    // A block mapping starts where its first key does (the event's mark can sit before it).
                    let begin = flow ? start : (pairs.first?.key.start ?? start)
                    let keyColumn = flow ? column : (pairs.first?.key.column ?? column)
                    return .mapping(.init(pairs: pairs, flow: flow, start: begin, end: offset(keyEvent.end_mark), column: keyColumn))
                }
                guard keyEvent.type == YAML_SCALAR_EVENT else {
                    throw YAMLParseError(line: Int(keyEvent.start_mark.line) + 1, column: Int(keyEvent.start_mark.column) + 1,
                                         message: "a mapping key that is not a plain value")
                }
                let key = scalar(keyEvent)
                var valueEvent = try next()
                defer { yaml_event_delete(&valueEvent) }
                pairs.append((key, try node(from: &valueEvent, depth: depth + 1)))
            }
        default:
            throw YAMLParseError(line: Int(event.start_mark.line) + 1, column: column + 1, message: "unexpected YAML event")
        }
    }

    private func scalar(_ event: yaml_event_t) -> YAMLNode.Scalar {
        let data = event.data.scalar
        let value = data.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self) } ?? ""
        let style: YAMLNode.ScalarStyle =
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
        var start = offset(event.start_mark)
        var column = Int(event.start_mark.column)
        // The event starts at its anchor or tag (`&mem 512Mi`); the value's own bytes start after them.
        if data.anchor != nil || data.tag != nil {
            while start < input.count, input[start] == UInt8(ascii: "&") || input[start] == UInt8(ascii: "!") {
                while start < input.count, input[start] != UInt8(ascii: " "), input[start] != UInt8(ascii: "\n") { start += 1; column += 1 }
                while start < input.count, input[start] == UInt8(ascii: " ") { start += 1; column += 1 }
            }
        }
        var end = offset(event.end_mark)
        if style == .literal || style == .folded {
            // A block scalar's event ends at the next token, lines below; its text ends at its last character.
            while end > start, [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(input[end - 1]) { end -= 1 }
        }
        return .init(value: value, style: style, start: start, end: end, column: column,
                     anchor: data.anchor.map { String(cString: $0) })
    }
}
