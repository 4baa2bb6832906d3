internal import CJansson

/// A JSON value built in Swift for output. Objects keep their members in the order given,
/// so records come out with `kind` first and fields in contract order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One member of an object.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The member named `key`, for objects.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// Serializes compactly through jansson, on one line.
    public func serialized() -> [UInt8] {
        let root = makeJansson()
        defer { json_decref(root) }
        let flags = size_t(JSON_COMPACT) | size_t(JSON_ENCODE_ANY) | ap_json_real_precision(15)
        let size = json_dumpb(root, nil, 0, flags)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { raw in
            json_dumpb(root, raw.baseAddress?.assumingMemoryBound(to: CChar.self), size, flags)
        }
        return bytes
    }

    /// The serialized text, for tests and messages.
    public var text: String { String(decoding: serialized(), as: UTF8.self) }

    /// Builds a new jansson reference that the caller owns.
    func makeJansson() -> UnsafeMutablePointer<json_t> {
        switch self {
        case .null: return json_null()
        case .bool(let flag): return ap_json_boolean(flag ? 1 : 0)
        case .int(let number): return json_integer(number)
        case .double(let number):
            // jansson refuses NaN and infinities; they never belong in a record.
            return number.isFinite ? json_real(number) : json_null()
        case .string(let text):
            return text.utf8.withContiguousStorageIfAvailable { buffer in
                buffer.withMemoryRebound(to: CChar.self) { json_stringn_nocheck($0.baseAddress, $0.count) }
            } ?? json_string_nocheck(text)
        case .array(let elements):
            let array = json_array()!
            for element in elements { json_array_append_new(array, element.makeJansson()) }
            return array
        case .object(let members):
            let object = json_object()!
            for member in members { json_object_set_new_nocheck(object, member.key, member.value.makeJansson()) }
            return object
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Dictionary literals keep their written order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { Member($0.0, $0.1) })
    }
}

extension JSONValue {
    /// A string, or null when absent.
    public static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    /// A number, or null when absent.
    public static func optional(_ number: Double?) -> JSONValue { number.map { .double($0) } ?? .null }
    /// An integer, or null when absent.
    public static func optional(_ number: Int64?) -> JSONValue { number.map { .int($0) } ?? .null }
    /// An integer, or null when absent.
    public static func optional(_ number: Int?) -> JSONValue { number.map { .int(Int64($0)) } ?? .null }
    /// A boolean, or null when absent.
    public static func optional(_ flag: Bool?) -> JSONValue { flag.map { .bool($0) } ?? .null }
    /// A string map as an object with sorted keys, so output bytes do not depend on hashing.
    public static func sortedMap(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { Member($0.key, .string($0.value)) })
    }
    /// A list of strings.
    public static func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
}

extension JSONValue {
    /// A number's value (integers too).
    public var doubleValue: Double? {
        switch self {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: return nil
        }
    }

    public var intValue: Int64? {
        if case .int(let number) = self { return number }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The strings of an array (other elements skipped).
    public var stringList: [String]? {
        guard case .array(let elements) = self else { return nil }
        return elements.compactMap(\.stringValue)
    }

}

extension JSONValue {
    /// Sets a member (adding it at the end when absent), following a path of object keys.
    public mutating func set(_ path: String..., to value: JSONValue) { set(path[...], to: value) }

    private mutating func set(_ path: ArraySlice<String>, to value: JSONValue) {
        guard let key = path.first, case .object(var members) = self else { return }
        if let index = members.firstIndex(where: { $0.key == key }) {
            if path.count == 1 { members[index].value = value } else { members[index].value.set(path.dropFirst(), to: value) }
        } else if path.count == 1 {
            members.append(.init(key, value))
        }
        self = .object(members)
    }

    /// Removes a top-level member if present.
    public mutating func remove(_ key: String) {
        guard case .object(let members) = self else { return }
        self = .object(members.filter { $0.key != key })
    }
}
