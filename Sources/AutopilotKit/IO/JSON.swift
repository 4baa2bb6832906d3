internal import CJansson
#if canImport(Glibc)
import Glibc
#endif

/// Owns one jansson tree and releases it exactly once, when the last `JSON` view into it goes away.
final class JSONTree: @unchecked Sendable {
    let root: UnsafeMutablePointer<json_t>
    init(owning root: UnsafeMutablePointer<json_t>) { self.root = root }
    deinit { json_decref(root) }
}

/// Where a parse failed: 1-based line and column (column in characters, as jansson counts them).
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { message }

    /// The error of a part that starts at `line` and `column` of a larger input, placed in that input.
    func within(line: Int, column: Int) -> JSONParseError {
        JSONParseError(line: line + self.line - 1, column: self.line == 1 ? column + self.column - 1 : self.column, message: message)
    }
}

/// A read-only view of one value inside a parsed JSON document.
///
/// The view keeps its document alive; the C pointers inside never leave AutopilotKit.
public struct JSON: @unchecked Sendable {
    let tree: JSONTree
    let node: UnsafeMutablePointer<json_t>

    init(tree: JSONTree, node: UnsafeMutablePointer<json_t>) {
        self.tree = tree
        self.node = node
    }

    /// Takes ownership of a new reference (as returned by `json_loadb` or `json_object()`).
    init(owning root: UnsafeMutablePointer<json_t>) {
        let tree = JSONTree(owning: root)
        self.init(tree: tree, node: root)
    }

    /// Parses one JSON document from raw bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        var error = json_error_t()
        let empty: StaticString = ""
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
            ?? UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
        // jansson reads a NUL after a number as the number's end and goes on (`1\0,` parses): JSON has no
        // raw NUL anywhere, so one is an error here, as JSONShape calls it for lines forwarded unparsed.
        if let nul = memchr(base, 0, bytes.count) {
            let offset = UnsafeRawPointer(nul) - UnsafeRawPointer(base)
            let before = UnsafeRawBufferPointer(rebasing: bytes[..<offset])
            let line = before.filter { $0 == 10 }.count + 1
            let column = offset - (before.lastIndex(of: 10).map { $0 + 1 } ?? 0) + 1
            throw JSONParseError(line: line, column: column, message: "NUL byte (0x00): JSON has none outside escapes")
        }
        guard let root = json_loadb(base, bytes.count, 0, &error) else {
            throw JSONParseError(
                line: max(Int(error.line), 1), column: max(Int(error.column), 1), message: Self.text(of: &error))
        }
        return JSON(owning: root)
    }

    /// Parses one JSON document from a string (tests and small inputs).
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var bytes = Array(text.utf8)
        let result: Result<JSON, JSONParseError> = bytes.withUnsafeMutableBytes { raw in
            do throws(JSONParseError) { return .success(try parse(UnsafeRawBufferPointer(raw))) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func text(of error: inout json_error_t) -> String {
        withUnsafeBytes(of: &error.text) { raw in
            let chars = raw.prefix(while: { $0 != 0 })
            return String(decoding: chars, as: UTF8.self)
        }
    }

    // MARK: Type tests and scalar access

    public var isObject: Bool { ap_json_typeof(node) == JSON_OBJECT }
    public var isArray: Bool { ap_json_typeof(node) == JSON_ARRAY }
    public var isNull: Bool { ap_json_typeof(node) == JSON_NULL }
    public var isString: Bool { ap_json_typeof(node) == JSON_STRING }
    public var isNumber: Bool {
        let type = ap_json_typeof(node)
        return type == JSON_INTEGER || type == JSON_REAL
    }

    /// The string value, or nil if this is not a string.
    public var string: String? {
        guard ap_json_typeof(node) == JSON_STRING, let chars = json_string_value(node) else { return nil }
        let count = json_string_length(node)
        return chars.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }

    /// The integer value; a real with no fractional part also counts.
    public var int: Int64? {
        switch ap_json_typeof(node) {
        case JSON_INTEGER: return json_integer_value(node)
        case JSON_REAL:
            let value = json_real_value(node)
            return value.rounded() == value && abs(value) < 9.2e18 ? Int64(value) : nil
        default: return nil
        }
    }

    /// The numeric value of an integer or a real.
    public var double: Double? {
        switch ap_json_typeof(node) {
        case JSON_INTEGER: return Double(json_integer_value(node))
        case JSON_REAL: return json_real_value(node)
        default: return nil
        }
    }

    public var bool: Bool? {
        switch ap_json_typeof(node) {
        case JSON_TRUE: return true
        case JSON_FALSE: return false
        default: return nil
        }
    }

    // MARK: Containers

    /// The member named `key` of an object; nil if absent or if this is not an object.
    public subscript(key: String) -> JSON? {
        guard ap_json_typeof(node) == JSON_OBJECT, let child = json_object_get(node, key) else { return nil }
        return JSON(tree: tree, node: child)
    }

    /// Follows a path of object keys: `pod["spec", "nodeName"]`.
    public subscript(path: String...) -> JSON? { self[path] }

    /// The same path given as an array.
    public subscript(path: [String]) -> JSON? {
        var current: JSON? = self
        for key in path { current = current?[key] }
        return current
    }

    /// The elements of an array (empty for anything else).
    public var array: [JSON] {
        guard ap_json_typeof(node) == JSON_ARRAY else { return [] }
        let count = json_array_size(node)
        var result: [JSON] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            if let child = json_array_get(node, index) { result.append(JSON(tree: tree, node: child)) }
        }
        return result
    }

    /// The members of an object in document order (empty for anything else).
    public var members: [(key: String, value: JSON)] {
        guard ap_json_typeof(node) == JSON_OBJECT else { return [] }
        var result: [(key: String, value: JSON)] = []
        var iterator = json_object_iter(node)
        while let current = iterator {
            if let keyChars = json_object_iter_key(current), let value = json_object_iter_value(current) {
                let length = json_object_iter_key_len(current)
                let key = keyChars.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                result.append((key, JSON(tree: tree, node: value)))
            }
            iterator = json_object_iter_next(node, current)
        }
        return result
    }

    /// A string-to-string map such as `metadata.labels`; non-string values are skipped.
    public var stringMap: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in members { if let text = value.string { result[key] = text } }
        return result
    }

    /// A deep copy of this value as a Swift `JSONValue`, to carry a sub-document into an output record.
    public var value: JSONValue {
        switch ap_json_typeof(node) {
        case JSON_OBJECT: return .object(members.map { JSONValue.Member($0.key, $0.value.value) })
        case JSON_ARRAY: return .array(array.map(\.value))
        case JSON_STRING: return .string(string ?? "")
        case JSON_INTEGER: return .int(json_integer_value(node))
        case JSON_REAL: return .double(json_real_value(node))
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        default: return .null
        }
    }
}
