/// One step of a path into a YAML document: a mapping key, or the item of a sequence whose `name` is given
/// (a container).
public enum YAMLPathStep: Equatable, CustomStringConvertible, Sendable {
    case key(String)
    case named(String)

    public var description: String {
        switch self {
        case .key(let key): key
        case .named(let name): "[name=\(name)]"
        }
    }

    /// `spec.template.spec.containers[name=web].resources` as steps.
    public static func parse(_ dotted: String) -> [YAMLPathStep] {
        dotted.split(separator: ".").flatMap { part -> [YAMLPathStep] in
            guard part.hasSuffix("]"), let bracket = part.range(of: "[name=") else { return [.key(String(part))] }
            let name = YAMLPathStep.named(String(part[bracket.upperBound...].dropLast()))
            return bracket.lowerBound == part.startIndex ? [name] : [.key(String(part[..<bracket.lowerBound])), name]
        }
    }
}

/// Why a value could not be set without risking a wrong edit.
public struct YAMLEditError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Surgical edits: replace the bytes of one scalar (keeping its quoting), or insert the missing keys of a
/// path with the file's own indentation. Everything else in the file is left byte for byte.
public enum YAMLEdit {
    /// The value at `path` under document `document`, if it is a scalar.
    public static func value(at path: [YAMLPathStep], in source: YAMLSource, document: Int) -> YAMLNode.Scalar? {
        if case .scalar(let scalar)? = source.documents[document].at(path) { return scalar }
        return nil
    }

    /// The source with the scalar at `path` set to `text` (a plain-safe value such as `345m`), checked: the
    /// result parses and reads back as `text` at `path`, or nothing is edited.
    public static func set(_ path: [YAMLPathStep], to text: String, in source: YAMLSource, document: Int) throws(YAMLEditError) -> [UInt8] {
        try setAndReread(path, to: text, in: source, document: document).bytes
    }

    /// `set`, with the edited file as parsed for the check.
    public static func setAndReread(_ path: [YAMLPathStep], to text: String, in source: YAMLSource, document: Int)
        throws(YAMLEditError) -> (bytes: [UInt8], reread: YAMLSource)
    {
        let bytes = try edit(path, to: text, in: source, document: document)
        guard let reread = try? YAMLSource(bytes: bytes), document < reread.documents.count,
            value(at: path, in: reread, document: document)?.value == text
        // The value stays out of the message: it may be an env value holding a secret.
        else { throw YAMLEditError("\(describe(path[...])): the edit did not read back as the value written; not edited") }
        return (bytes, reread)
    }

    private static func edit(_ path: [YAMLPathStep], to text: String, in source: YAMLSource, document: Int) throws(YAMLEditError) -> [UInt8] {
        var node = source.documents[document]
        let step = indentStep(source.documents[document])
        for (index, pathStep) in path.enumerated() {
            let rest = path[(index + 1)...]
            switch pathStep {
            case .named(let name):
                guard let item = node.item(named: name) else { throw YAMLEditError("no item named \(name) at \(describe(path[..<index]))") }
                node = item
            case .key(let key):
                guard case .mapping(let mapping) = node else { throw YAMLEditError("\(describe(path[..<index])) is not a mapping") }
                // A merge key (`<<: *defaults`) supplies values we would shadow or miss: no edit under it.
                if mapping.pairs.contains(where: { $0.key.value == "<<" }) {
                    throw YAMLEditError("\(describe(path[..<index])) merges another mapping (<<); not edited")
                }
                guard let pair = mapping.pairs.last(where: { $0.key.value == key }) else {
                    guard rest.allSatisfy({ if case .key = $0 { true } else { false } }) else {
                        throw YAMLEditError("\(describe(path[...index])) is missing")
                    }
                    if mapping.flow { throw YAMLEditError("\(describe(path[..<index])) is a flow mapping ({…}); not edited") }
                    let lines = block(path[index...], text, indent: mapping.column, step: step)
                    return insertLines(lines, after: node.contentEnd, in: source.bytes)
                }
                if rest.isEmpty {
                    if case .scalar(let scalar) = pair.value, let anchor = scalar.anchor, source.aliasedAnchors.contains(anchor) {
                        throw YAMLEditError("\(describe(path[...index])) is the anchor &\(anchor), used elsewhere through *\(anchor); editing it would change those too")
                    }
                    return try replace(pair.value, with: text, at: path, in: source.bytes)
                }
                switch pair.value {
                case .mapping(let child) where child.flow && child.pairs.isEmpty:
                    // `resources: {}` becomes a block mapping.
                    let lines = block(rest, text, indent: pair.key.column + step, step: step)
                    var start = child.start
                    while start > 0, source.bytes[start - 1] == UInt8(ascii: " ") { start -= 1 }
                    // `{}` alone on the line under its key: that line goes too, not just the braces.
                    if start > 0, source.bytes[start - 1] == UInt8(ascii: "\n") { start -= 1 }
                    if start > 0, source.bytes[start - 1] == UInt8(ascii: "\r") { start -= 1 }
                    return Array(source.bytes[..<start]) + Array(("\n" + lines.joined(separator: "\n")).utf8) + Array(source.bytes[child.end...])
                case .scalar(let empty) where empty.value.isEmpty && empty.style == .plain:
                    // `resources:` with nothing under it.
                    let lines = block(rest, text, indent: pair.key.column + step, step: step)
                    return insertLines(lines, after: pair.key.end, in: source.bytes)
                case .alias:
                    throw YAMLEditError("\(describe(path[...index])) is an alias (*…); editing it would change every use of the anchor")
                default:
                    node = pair.value
                }
            }
        }
        throw YAMLEditError("empty path")
    }

    private static func replace(_ node: YAMLNode, with text: String, at path: [YAMLPathStep], in bytes: [UInt8]) throws(YAMLEditError) -> [UInt8] {
        let rendered: String
        switch node {
        case .scalar(let scalar):
            switch scalar.style {
            case .plain: rendered = text
            case .singleQuoted: rendered = "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            case .doubleQuoted: rendered = "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .literal, .folded: throw YAMLEditError("\(describe(path[...])) is a block scalar; not edited")
            }
            if scalar.value.isEmpty && scalar.start == scalar.end {
                // `key:` with nothing after it: the value goes after the colon. An empty value elsewhere (a
                // `? key` with no `:`) has no place in the text to write into.
                var before = scalar.start
                while before > 0, bytes[before - 1] == UInt8(ascii: " ") { before -= 1 }
                guard before > 0, bytes[before - 1] == UInt8(ascii: ":") else {
                    throw YAMLEditError("\(describe(path[...])) has no value after a colon to replace; not edited")
                }
                return Array(bytes[..<scalar.start]) + Array((" " + rendered).utf8) + Array(bytes[scalar.end...])
            }
            return Array(bytes[..<scalar.start]) + Array(rendered.utf8) + Array(bytes[scalar.end...])
        case .alias:
            throw YAMLEditError("\(describe(path[...])) is an alias (*…); editing it would change every use of the anchor")
        default:
            throw YAMLEditError("\(describe(path[...])) is not a single value")
        }
    }

    /// `indent`-deep lines for the keys of `path`, the last one holding `text`.
    private static func block(_ path: ArraySlice<YAMLPathStep>, _ text: String, indent: Int, step: Int) -> [String] {
        var lines: [String] = []
        for (depth, pathStep) in path.enumerated() {
            guard case .key(let key) = pathStep else { continue }
            let prefix = String(repeating: " ", count: indent + depth * step)
            lines.append(depth == path.count - 1 ? "\(prefix)\(key): \(text)" : "\(prefix)\(key):")
        }
        return lines
    }

    /// Inserts whole lines after the line that holds byte `offset`.
    private static func insertLines(_ lines: [String], after offset: Int, in bytes: [UInt8]) -> [UInt8] {
        var end = offset
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let text = lines.joined(separator: "\n") + "\n"
        if end == bytes.count { return bytes + Array(("\n" + text).utf8) }
        return Array(bytes[...end]) + Array(text.utf8) + Array(bytes[(end + 1)...])
    }

    /// The file's indentation step: the smallest positive offset of a block mapping nested under a key.
    static func indentStep(_ root: YAMLNode) -> Int {
        var best = Int.max
        func visit(_ node: YAMLNode) {
            switch node {
            case .mapping(let mapping):
                for pair in mapping.pairs {
                    if case .mapping(let child) = pair.value, !child.flow, !mapping.flow, child.column > pair.key.column {
                        best = min(best, child.column - pair.key.column)
                    }
                    visit(pair.value)
                }
            case .sequence(let sequence): sequence.items.forEach(visit)
            default: break
            }
        }
        visit(root)
        return best == Int.max ? 2 : best
    }

    private static func describe(_ path: ArraySlice<YAMLPathStep>) -> String {
        path.isEmpty ? "the document" : path.map(\.description).joined(separator: ".")
    }
}

extension YAMLNode {
    /// The node at `path` under this one: a mapping's key, or a list's item by `name`; nil where missing.
    public func at(_ path: some Swift.Sequence<YAMLPathStep>) -> YAMLNode? {
        var node: YAMLNode? = self
        for step in path {
            switch step {
            case .key(let key): node = node?[key]
            case .named(let name): node = node?.item(named: name)
            }
        }
        return node
    }
}
