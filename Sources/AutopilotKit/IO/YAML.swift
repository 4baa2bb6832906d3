internal import CJansson
internal import CYAML

/// A YAML syntax error at a 1-based line and column, worded as libyaml reports it.
public struct YAMLParseError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { message }

    /// How deep collections may nest. Both readers recurse once a level: thousands of `[` would overflow the
    /// stack (found by the fuzzer); no manifest or values file comes near this.
    static let maxDepth = 256

    /// The error for a collection nested deeper than `maxDepth`, at `mark`.
    static func tooDeep(_ mark: yaml_mark_t) -> YAMLParseError {
        YAMLParseError(line: Int(mark.line) + 1, column: Int(mark.column) + 1, message: "collections nested more than \(maxDepth) deep")
    }

    /// The parser's next event, or its problem as an error (both YAML readers go through here).
    static func nextEvent(_ parser: UnsafeMutablePointer<yaml_parser_t>) throws(YAMLParseError) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let mark = parser.pointee.problem_mark
            var message = parser.pointee.problem.map { String(cString: $0) } ?? "invalid YAML"
            if let context = parser.pointee.context { message = "\(String(cString: context)): \(message)" }
            throw YAMLParseError(line: Int(mark.line) + 1, column: Int(mark.column) + 1, message: message)
        }
        return event
    }
}

/// Parses a (multi-document) YAML stream into JSON documents through libyaml, resolving plain scalars
/// with the YAML 1.2 core schema (null, booleans, integers, floats; everything else a string).
public final class YAMLDocuments {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    // libyaml reads the input in place, so it must stay put for the parser's life.
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var anchors: [String: UnsafeMutablePointer<json_t>] = [:]

    public init(bytes: [UInt8]) {
        input = UnsafeMutableBufferPointer.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = UnsafeMutablePointer.allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        releaseAnchors()
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// Calls `body` with each non-empty document and the line it starts on. Documents before a syntax
    /// error are delivered; the error is thrown when reached.
    public func forEachDocument(_ body: (JSON, Int) throws -> Void) throws {
        while true {
            var event = try nextEvent()
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                var rootEvent = try nextEvent()
                let line = Int(rootEvent.start_mark.line) + 1
                let root: UnsafeMutablePointer<json_t>
                do {
                    root = try value(from: &rootEvent)
                    yaml_event_delete(&rootEvent)
                } catch {
                    yaml_event_delete(&rootEvent)
                    throw error
                }
                var endEvent = try nextEvent()  // DOCUMENT_END
                yaml_event_delete(&endEvent)
                releaseAnchors()
                let document = JSON(owning: root)
                if !document.isNull { try body(document, line) }
            default:
                continue  // STREAM_START
            }
        }
    }

    private func nextEvent() throws(YAMLParseError) -> yaml_event_t { try YAMLParseError.nextEvent(parser) }

    /// Builds the jansson value that starts with `event`; the caller owns the result.
    private func value(from event: inout yaml_event_t, depth: Int = 0) throws -> UnsafeMutablePointer<json_t> {
        guard depth <= YAMLParseError.maxDepth else { throw YAMLParseError.tooDeep(event.start_mark) }
        switch event.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = string(scalar.value, scalar.length)
            let tag = scalar.tag.map { String(cString: $0) }
            let result = resolve(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, tag: tag)
            remember(anchor: scalar.anchor, result)
            return result
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else {
                throw YAMLParseError(
                    line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1,
                    message: "unknown alias *\(name)")
            }
            return json_incref(target)
        case YAML_SEQUENCE_START_EVENT:
            let array = json_array()!
            remember(anchor: event.data.sequence_start.anchor, array)
            do {
                while true {
                    var child = try nextEvent()
                    defer { yaml_event_delete(&child) }
                    if child.type == YAML_SEQUENCE_END_EVENT { break }
                    json_array_append_new(array, try value(from: &child, depth: depth + 1))
                }
            } catch {
                json_decref(array)
                throw error
            }
            return array
        case YAML_MAPPING_START_EVENT:
            let object = json_object()!
            remember(anchor: event.data.mapping_start.anchor, object)
            // Each key's line: YAML forbids a key twice in one mapping, and taking either value would drop
            // the other without a word (two `kubectl get -o yaml` outputs written one after the other
            // without `---` read as one document whose `items` appears twice).
            var seen: [String: Int] = [:]
            do {
                while true {
                    var keyEvent = try nextEvent()
                    defer { yaml_event_delete(&keyEvent) }
                    if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                    let keyLine = Int(keyEvent.start_mark.line) + 1
                    let keyValue = try value(from: &keyEvent, depth: depth + 1)
                    let key = keyText(keyValue)
                    json_decref(keyValue)
                    if key != "<<", let first = seen[key] {
                        throw YAMLParseError(
                            line: keyLine, column: Int(keyEvent.start_mark.column) + 1,
                            message: "the key '\(key)' appears a second time in this mapping (first on line \(first)); "
                                + "if two documents were written one after the other, put a line '---' between them")
                    }
                    seen[key] = keyLine
                    var valueEvent = try nextEvent()
                    defer { yaml_event_delete(&valueEvent) }
                    let member = try value(from: &valueEvent, depth: depth + 1)
                    if key == "<<", ap_json_typeof(member) == JSON_OBJECT {
                        json_object_update_missing(object, member)  // merge key: explicit members win
                        json_decref(member)
                    } else {
                        json_object_set_new(object, key, member)
                    }
                }
            } catch {
                json_decref(object)
                throw error
            }
            return object
        default:
            throw YAMLParseError(
                line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1,
                message: "unexpected YAML event")
        }
    }

    private func remember(anchor: UnsafeMutablePointer<yaml_char_t>?, _ value: UnsafeMutablePointer<json_t>) {
        guard let anchor else { return }
        let name = String(cString: anchor)
        if let old = anchors[name] { json_decref(old) }
        anchors[name] = json_incref(value)
    }

    private func releaseAnchors() {
        for (_, value) in anchors { json_decref(value) }
        anchors = [:]
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func keyText(_ key: UnsafeMutablePointer<json_t>) -> String {
        switch ap_json_typeof(key) {
        case JSON_STRING: return String(cString: json_string_value(key))
        case JSON_NULL: return "null"
        default: return JSON(tree: JSONTree(owning: json_incref(key)), node: key).value.text
        }
    }

    private func resolve(_ text: String, plain: Bool, tag: String?) -> UnsafeMutablePointer<json_t> {
        if tag == "tag:yaml.org,2002:str" || !plain { return json_string_nocheck(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return json_null()
        case "true", "True", "TRUE": return json_true()
        case "false", "False", "FALSE": return json_false()
        default: break
        }
        if let integer = Self.integer(text) { return json_integer(integer) }
        if Self.looksLikeFloat(text), let real = Double(text), real.isFinite { return json_real(real) }
        return json_string_nocheck(text)
    }

    private static func integer(_ text: String) -> Int64? {
        if text.hasPrefix("0x") { return Int64(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int64(text.dropFirst(2), radix: 8) }
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// The core schema's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    private static func looksLikeFloat(_ text: String) -> Bool {
        var characters = Substring(text)
        if characters.first == "+" || characters.first == "-" { characters = characters.dropFirst() }
        let mantissaEnd = characters.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? characters.endIndex
        let mantissa = characters[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            mantissa.contains(where: { $0.isNumber })
        else { return false }
        if mantissaEnd == characters.endIndex { return true }
        var exponent = characters[characters.index(after: mantissaEnd)...]
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
