import Foundation

/// Just enough of HCL 2 (Terraform's syntax) to find blocks, attributes and the byte range of each literal
/// value, so an edit replaces a value's bytes and keeps the formatting. Expressions other than literals,
/// objects and lists are kept as opaque ranges.
public enum HCL {
    public indirect enum Expression {
        /// A number, bool, bare word or a quoted string without interpolation; `text` is the value, unquoted.
        case literal(text: String, quoted: Bool, start: Int, end: Int)
        case object([(key: String, value: Expression)], start: Int, end: Int)
        case list([Expression], start: Int, end: Int)
        case other(start: Int, end: Int)

        public var literalText: String? {
            if case .literal(let text, _, _, _) = self { return text }
            return nil
        }

        /// A quoted string's value; nil for anything else (a bare word such as `var.name` is a reference).
        public var stringText: String? {
            if case .literal(let text, true, _, _) = self { return text }
            return nil
        }

        public subscript(key: String) -> Expression? {
            if case .object(let items, _, _) = self { return items.last(where: { $0.key == key })?.value }
            return nil
        }
    }

    public struct Attribute {
        public var name: String
        public var value: Expression
    }

    public struct Block {
        public var type: String
        public var labels: [String]
        /// From the block's first byte to just after its closing brace.
        public var start: Int
        public var end: Int
        public var attributes: [Attribute]
        public var blocks: [Block]

        public subscript(attribute: String) -> Expression? { attributes.last(where: { $0.name == attribute })?.value }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var description: String
    }

    /// The top-level body of a file as a block with no type.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> Block {
        var lexer = Lexer(bytes)
        var parser = Parser(tokens: try lexer.tokens())
        let (attributes, blocks) = try parser.body(closing: false)
        return Block(type: "", labels: [], start: 0, end: bytes.count, attributes: attributes, blocks: blocks)
    }

    struct Token {
        enum Kind: Equatable { case word, string, templateString, heredoc, punctuation(UInt8), newline, end }
        var kind: Kind
        var text: String
        var start: Int
        var end: Int
    }

    struct Lexer {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func tokens() throws(ParseError) -> [Token] {
            var tokens: [Token] = []
            while position < bytes.count {
                let byte = bytes[position]
                let start = position
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    position += 1
                case UInt8(ascii: "\n"):
                    position += 1
                    tokens.append(Token(kind: .newline, text: "\n", start: start, end: position))
                case UInt8(ascii: "#"):
                    skipLine()
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                    skipLine()
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                    position += 2
                    while position < bytes.count, !(bytes[position] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) { position += 1 }
                    position = min(bytes.count, position + 2)
                case UInt8(ascii: "\""):
                    tokens.append(try string())
                case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "<"):
                    tokens.append(try heredoc())
                case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"),
                    UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: ":"):
                    // `==`, `=>` and the like are operators inside expressions, not structure.
                    if byte == UInt8(ascii: "="), let next = peek(1), next == UInt8(ascii: "=") || next == UInt8(ascii: ">") {
                        position += 2
                        tokens.append(Token(kind: .word, text: "", start: start, end: position))
                    } else {
                        position += 1
                        tokens.append(Token(kind: .punctuation(byte), text: String(UnicodeScalar(byte)), start: start, end: position))
                    }
                default:
                    while position < bytes.count, !Self.delimiters.contains(bytes[position]) { position += 1 }
                    if position == start { position += 1 }
                    tokens.append(Token(kind: .word, text: String(decoding: bytes[start..<position], as: UTF8.self), start: start, end: position))
                }
            }
            tokens.append(Token(kind: .end, text: "", start: bytes.count, end: bytes.count))
            return tokens
        }

        static let delimiters: Set<UInt8> = Set(" \t\r\n#{}[]()=,:\"".utf8)

        func peek(_ offset: Int) -> UInt8? { position + offset < bytes.count ? bytes[position + offset] : nil }

        mutating func skipLine() { while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 } }

        mutating func string() throws(ParseError) -> Token {
            let start = position
            position += 1
            var text: [UInt8] = []
            var template = false
            var depth = 0
            while position < bytes.count {
                let byte = bytes[position]
                if depth == 0 && byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\"), position + 1 < bytes.count {
                    text.append(bytes[position + 1])
                    position += 2
                    continue
                }
                if (byte == UInt8(ascii: "$") || byte == UInt8(ascii: "%")) && peek(1) == UInt8(ascii: "{") {
                    template = true
                    depth += 1
                    position += 2
                    continue
                }
                if depth > 0 && byte == UInt8(ascii: "}") { depth -= 1 }
                if byte == UInt8(ascii: "\n") && depth == 0 { throw ParseError(offset: start, description: "unterminated string") }
                text.append(byte)
                position += 1
            }
            guard position < bytes.count else { throw ParseError(offset: start, description: "unterminated string") }
            position += 1
            return Token(kind: template ? .templateString : .string, text: String(decoding: text, as: UTF8.self), start: start, end: position)
        }

        mutating func heredoc() throws(ParseError) -> Token {
            let start = position
            position += 2
            if peek(0) == UInt8(ascii: "-") { position += 1 }
            let markerStart = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            let marker = String(decoding: bytes[markerStart..<position], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            while position < bytes.count {
                position += 1
                let lineStart = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
                let line = String(decoding: bytes[lineStart..<position], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if line == marker { return Token(kind: .heredoc, text: "", start: start, end: position) }
            }
            throw ParseError(offset: start, description: "unterminated heredoc <<\(marker)")
        }
    }

    struct Parser {
        let tokens: [Token]
        var index = 0
        /// Lists and objects open around the expression being read: each is a level of recursion, and
        /// thousands would overflow the stack (found by the fuzzer); no Terraform nests near the bound.
        var depth = 0
        static let maxDepth = 256

        var current: Token { tokens[index] }

        mutating func skipNewlines() { while current.kind == .newline { index += 1 } }

        mutating func body(closing: Bool) throws(ParseError) -> ([Attribute], [Block]) {
            var attributes: [Attribute] = []
            var blocks: [Block] = []
            while true {
                skipNewlines()
                if current.kind == .end {
                    if closing { throw ParseError(offset: current.start, description: "missing }") }
                    return (attributes, blocks)
                }
                if current.kind == .punctuation(UInt8(ascii: "}")) {
                    guard closing else { throw ParseError(offset: current.start, description: "unexpected }") }
                    return (attributes, blocks)
                }
                guard current.kind == .word else { throw ParseError(offset: current.start, description: "expected an attribute or a block") }
                let name = current
                index += 1
                if current.kind == .punctuation(UInt8(ascii: "=")) {
                    index += 1
                    attributes.append(Attribute(name: name.text, value: try expression()))
                    continue
                }
                var labels: [String] = []
                while current.kind == .string || current.kind == .word {
                    labels.append(current.text)
                    index += 1
                }
                guard current.kind == .punctuation(UInt8(ascii: "{")) else {
                    throw ParseError(offset: current.start, description: "expected = or { after \(name.text)")
                }
                index += 1
                let (innerAttributes, innerBlocks) = try body(closing: true)
                let end = current.end
                index += 1
                blocks.append(Block(type: name.text, labels: labels, start: name.start, end: end, attributes: innerAttributes, blocks: innerBlocks))
            }
        }

        mutating func expression() throws(ParseError) -> Expression {
            let first = current
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw ParseError(offset: first.start, description: "expressions nested more than \(Self.maxDepth) deep") }
            switch first.kind {
            case .punctuation(UInt8(ascii: "{")):
                index += 1
                var items: [(key: String, value: Expression)] = []
                while true {
                    while current.kind == .newline || current.kind == .punctuation(UInt8(ascii: ",")) { index += 1 }
                    if current.kind == .punctuation(UInt8(ascii: "}")) {
                        index += 1
                        return .object(items, start: first.start, end: tokens[index - 1].end)
                    }
                    guard current.kind == .word || current.kind == .string else { return try opaque(from: first, skippingTo: "}") }
                    let key = current.text
                    index += 1
                    guard current.kind == .punctuation(UInt8(ascii: "=")) || current.kind == .punctuation(UInt8(ascii: ":")) else {
                        return try opaque(from: first, skippingTo: "}")
                    }
                    index += 1
                    items.append((key, try expression()))
                }
            case .punctuation(UInt8(ascii: "[")):
                index += 1
                var items: [Expression] = []
                while true {
                    while current.kind == .newline || current.kind == .punctuation(UInt8(ascii: ",")) { index += 1 }
                    if current.kind == .punctuation(UInt8(ascii: "]")) {
                        index += 1
                        return .list(items, start: first.start, end: tokens[index - 1].end)
                    }
                    if current.kind == .end { throw ParseError(offset: first.start, description: "missing ]") }
                    items.append(try expression())
                }
            default:
                // A primitive: everything to the end of the line, comma or closing bracket at this depth. A
                // closer, comma or line end where a value belongs is no value: the callers' loops would not move.
                switch first.kind {
                case .end, .newline, .punctuation(UInt8(ascii: ",")), .punctuation(UInt8(ascii: ")")),
                    .punctuation(UInt8(ascii: "]")), .punctuation(UInt8(ascii: "}")):
                    throw ParseError(offset: first.start, description: "expected a value")
                default: break
                }
                var depth = 0
                var last = first
                while true {
                    let token = current
                    switch token.kind {
                    case .end: break
                    case .newline where depth == 0: break
                    case .punctuation(UInt8(ascii: ",")) where depth == 0: break
                    case .punctuation(UInt8(ascii: "}")) where depth == 0, .punctuation(UInt8(ascii: "]")) where depth == 0,
                        .punctuation(UInt8(ascii: ")")) where depth == 0:
                        break
                    case .punctuation(UInt8(ascii: "(")), .punctuation(UInt8(ascii: "[")), .punctuation(UInt8(ascii: "{")):
                        depth += 1
                        last = token
                        index += 1
                        continue
                    case .punctuation(UInt8(ascii: ")")), .punctuation(UInt8(ascii: "]")), .punctuation(UInt8(ascii: "}")):
                        depth -= 1
                        last = token
                        index += 1
                        continue
                    default:
                        last = token
                        index += 1
                        continue
                    }
                    break
                }
                if last.start == first.start && last.end == first.end {
                    if first.kind == .string { return .literal(text: first.text, quoted: true, start: first.start, end: first.end) }
                    if first.kind == .word { return .literal(text: first.text, quoted: false, start: first.start, end: first.end) }
                }
                return .other(start: first.start, end: last.end)
            }
        }

        /// Skips to the matching `closer` of an expression we do not model.
        mutating func opaque(from first: Token, skippingTo closer: Character) throws(ParseError) -> Expression {
            var depth = 1
            while depth > 0 {
                switch current.kind {
                case .end: throw ParseError(offset: first.start, description: "missing \(closer)")
                case .punctuation(UInt8(ascii: "{")), .punctuation(UInt8(ascii: "[")), .punctuation(UInt8(ascii: "(")): depth += 1
                case .punctuation(UInt8(ascii: "}")), .punctuation(UInt8(ascii: "]")), .punctuation(UInt8(ascii: ")")): depth -= 1
                default: break
                }
                index += 1
            }
            return .other(start: first.start, end: tokens[index - 1].end)
        }
    }
}
