#if canImport(Glibc)
import Glibc
#endif

/// A strict reader of one JSON document that walks its bytes once and builds no tree: the fast path of the
/// record readers for the kinds that fill most of a stream (`pod`, `usage`) and of collect-cluster's input
/// (Pod objects). It accepts only what jansson accepts and gives the values `JSON` would (escapes decoded,
/// UTF-8 checked as jansson checks it, a member of an unexpected type read as `JSON`'s accessor reads it);
/// anything it does not handle itself (an escaped or non-ASCII key, a malformed or too deeply nested
/// document, a number jansson would refuse, a record the reader would refuse) is `Fallback`, and the caller parses the line with jansson instead, which reads the rare case or reports the
/// error with its place. So the fast path never decides what a record means on its own.
public struct JSONScanner {
    /// Not for the fast path: parse this document with jansson.
    public struct Fallback: Error {}

    private let base: UnsafePointer<UInt8>
    private let length: Int
    private var at = 0
    /// Objects and arrays open here: jansson refuses a document nested deeper than 2048, and so would
    /// this scanner's recursion, so anything deep is jansson's to report.
    private var depth = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        length = bytes.baseAddress == nil ? 0 : bytes.count
    }

    /// A member's name, as bytes of the document.
    public struct Key {
        let start: UnsafePointer<UInt8>
        let count: Int
        public static func == (key: Key, name: StaticString) -> Bool {
            key.count == name.utf8CodeUnitCount && memcmp(key.start, name.utf8Start, key.count) == 0
        }
        public var text: String { String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) }
    }

    // MARK: Structure

    /// Reads a whole document that is one object, calling `member` for each member with the scanner at its
    /// value (which `member` must read or `skip`); only whitespace may follow.
    public mutating func document(_ member: (inout JSONScanner, Key) throws(Fallback) -> Void) throws(Fallback) {
        try object(member)
        skipSpace()
        guard at == length else { throw Fallback() }
    }

    /// Reads an object member by member; nothing else is one.
    public mutating func object(_ member: (inout JSONScanner, Key) throws(Fallback) -> Void) throws(Fallback) {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw Fallback() }
        skipSpace()
        if peek == UInt8(ascii: "}") { at += 1; return }
        while true {
            skipSpace()
            let key = try plainString()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try member(&self, Key(start: key.baseAddress!, count: key.count))
            skipSpace()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// Reads an array element by element; nothing else is one.
    public mutating func array(_ element: (inout JSONScanner) throws(Fallback) -> Void) throws(Fallback) {
        skipSpace()
        try expect(UInt8(ascii: "["))
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw Fallback() }
        skipSpace()
        if peek == UInt8(ascii: "]") { at += 1; return }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    /// Whether the value here is `null` (which is then read), `{`, or `[`.
    public mutating func takeNull() -> Bool {
        skipSpace()
        guard length - at >= 4, base[at] == UInt8(ascii: "n"), base[at + 1] == UInt8(ascii: "u"), base[at + 2] == UInt8(ascii: "l"),
            base[at + 3] == UInt8(ascii: "l")
        else { return false }
        at += 4
        return true
    }
    public mutating func atObject() -> Bool { skipSpace(); return peek == UInt8(ascii: "{") }
    public mutating func atArray() -> Bool { skipSpace(); return peek == UInt8(ascii: "[") }
    public mutating func atString() -> Bool { skipSpace(); return peek == UInt8(ascii: "\"") }

    /// Reads past any value, checking it is well formed.
    public mutating func skip() throws(Fallback) {
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"): try object { scanner, _ throws(Fallback) in try scanner.skip() }
        case UInt8(ascii: "["): try array { scanner throws(Fallback) in try scanner.skip() }
        case UInt8(ascii: "\""):
            let start = at
            if (try? plainString()) == nil {
                at = start
                var ignored = Discarded()
                try escapedString(into: &ignored)
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberToken()
        }
    }

    /// The bytes of the value here, read past: to hand a rare sub-document to jansson.
    public mutating func raw() throws(Fallback) -> UnsafeRawBufferPointer {
        skipSpace()
        let start = at
        try skip()
        return UnsafeRawBufferPointer(start: base + start, count: at - start)
    }

    // MARK: Values, as `JSON`'s accessors give them

    /// `JSON.string`: the string here, or nil for any other value (read past).
    public mutating func string() throws(Fallback) -> String? {
        guard atString() else { try skip(); return nil }
        let start = at
        if let plain = try? plainString() { return String(decoding: plain, as: UTF8.self) }
        at = start
        var decoded: [UInt8] = []
        try escapedString(into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// `JSON.bool`: true or false, nil for any other value.
    public mutating func bool() throws(Fallback) -> Bool? {
        skipSpace()
        if peek == UInt8(ascii: "t") { try literal("true"); return true }
        if peek == UInt8(ascii: "f") { try literal("false"); return false }
        try skip()
        return nil
    }

    /// A number read once, as both accessors read it: `value` as `JSON.double`, `whole` as `JSON.int` (an
    /// integer, or a real with no fractional part); nil for any other value (read past).
    public mutating func number() throws(Fallback) -> (value: Double, whole: Int64?)? {
        skipSpace()
        guard let peek, peek == UInt8(ascii: "-") || (peek >= UInt8(ascii: "0") && peek <= UInt8(ascii: "9")) else { try skip(); return nil }
        switch try numberToken() {
        case .integer(let number): return (Double(number), number)
        case .real(let value): return (value, value.rounded() == value && abs(value) < 9.2e18 ? Int64(value) : nil)
        }
    }

    /// `JSON.int`: an integer, or a real with no fractional part; nil for any other value.
    public mutating func int() throws(Fallback) -> Int64? { try number()?.whole }

    /// `JSON.double`: the value of an integer or a real; nil for any other value.
    public mutating func double() throws(Fallback) -> Double? { try number()?.value }

    /// `JSON.stringMap`: the string members of an object (others left out); empty for any other value.
    public mutating func stringMap() throws(Fallback) -> [String: String] {
        guard atObject() else { try skip(); return [:] }
        var result: [String: String] = [:]
        try object { scanner, key throws(Fallback) in
            let name = key.text
            if let value = try scanner.string() { result[name] = value } else { result[name] = nil }
        }
        return result
    }

    /// `JSON.array` mapped: each element read by `element`; empty for any other value.
    public mutating func list<T>(_ element: (inout JSONScanner) throws(Fallback) -> T) throws(Fallback) -> [T] {
        guard atArray() else { try skip(); return [] }
        var result: [T] = []
        try array { scanner throws(Fallback) in result.append(try element(&scanner)) }
        return result
    }

    // MARK: Tokens

    private var peek: UInt8? { at < length ? base[at] : nil }

    private mutating func skipSpace() {
        while at < length {
            let byte = base[at]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            at += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Fallback) {
        guard at < length, base[at] == byte else { throw Fallback() }
        at += 1
    }

    private mutating func literal(_ word: StaticString) throws(Fallback) {
        let size = word.utf8CodeUnitCount
        guard self.length - at >= size, memcmp(base + at, word.utf8Start, size) == 0 else { throw Fallback() }
        at += size
    }

    /// A string without escapes, of printable ASCII: its bytes between the quotes, read in place. Anything
    /// else (an escape, a byte above 0x7F) is `escapedString`'s; a key, jansson's.
    private mutating func plainString() throws(Fallback) -> UnsafeBufferPointer<UInt8> {
        try expect(UInt8(ascii: "\""))
        let start = at
        while at < length {
            let byte = base[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return UnsafeBufferPointer(start: base + start, count: at - 1 - start)
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { throw Fallback() }
            at += 1
        }
        throw Fallback()
    }

    /// A string with escapes or bytes above 0x7F, checked as jansson checks it (an escape is one of
    /// `\" \\ \/ \b \f \n \r \t \uXXXX`, a `\u` surrogate comes in a high-low pair, `\u0000` is refused;
    /// UTF-8 is well formed: no overlong form, no surrogate, nothing above U+10FFFF) and decoded into `out`.
    private mutating func escapedString<Out: ByteSink>(into out: inout Out) throws(Fallback) {
        try expect(UInt8(ascii: "\""))
        while at < length {
            let byte = base[at]
            if byte == UInt8(ascii: "\"") { at += 1; return }
            if byte < 0x20 { throw Fallback() }
            if byte == UInt8(ascii: "\\") {
                at += 1
                guard let scalar = JSONEscape.scalar(base, at: &at, end: length) else { throw Fallback() }
                UTF8.encode(scalar) { out.append($0) }
                continue
            }
            if byte < 0x80 { out.append(byte); at += 1; continue }
            // A multi-byte character: its length from the first byte, then the continuation bytes.
            let size: Int
            switch byte {
            case 0xC2...0xDF: size = 2
            case 0xE0...0xEF: size = 3
            case 0xF0...0xF4: size = 4
            default: throw Fallback()
            }
            guard length - at >= size else { throw Fallback() }
            var value = UInt32(byte) & (size == 2 ? 0x1F : size == 3 ? 0x0F : 0x07)
            for offset in 1..<size {
                let next = base[at + offset]
                guard next & 0xC0 == 0x80 else { throw Fallback() }
                value = (value << 6) | UInt32(next & 0x3F)
            }
            guard value >= (size == 2 ? 0x80 : size == 3 ? 0x800 : 0x10000), value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else {
                throw Fallback()
            }
            for offset in 0..<size { out.append(base[at + offset]) }
            at += size
        }
        throw Fallback()
    }

    private enum Number {
        case integer(Int64)
        case real(Double)
    }

    /// A number in JSON's grammar, read as jansson reads it: digits alone are an integer (one that does not
    /// fit 64 bits is jansson's error), anything with a fraction or an exponent a real (strtod; one that
    /// overflows is jansson's error too).
    private mutating func numberToken() throws(Fallback) -> Number {
        let start = at
        if peek == UInt8(ascii: "-") { at += 1 }
        guard let first = peek, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw Fallback() }
        at += 1
        if first == UInt8(ascii: "0") {
            if let next = peek, next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") { throw Fallback() }
        } else {
            skipDigits()
        }
        var isReal = false
        if peek == UInt8(ascii: ".") {
            at += 1
            guard let digit = peek, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw Fallback() }
            skipDigits()
            isReal = true
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard let digit = peek, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw Fallback() }
            skipDigits()
            isReal = true
        }
        let size = at - start
        // The token is copied out NUL-terminated for the C parsers (a line's buffer has no NUL after it).
        guard size < 64 else { throw Fallback() }
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: size + 1) { buffer throws(Fallback) -> Number in
            UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base + start, byteCount: size)
            buffer[size] = 0
            if isReal {
                errno = 0
                let value = strtod(buffer.baseAddress!, nil)
                guard errno != ERANGE || abs(value) < 1, value.isFinite else { throw Fallback() }
                return .real(value)
            }
            errno = 0
            let value = strtoll(buffer.baseAddress!, nil, 10)
            guard errno != ERANGE else { throw Fallback() }
            return .integer(Int64(value))
        }
    }

    private mutating func skipDigits() {
        while at < length, base[at] >= UInt8(ascii: "0"), base[at] <= UInt8(ascii: "9") { at += 1 }
    }
}

/// Where a decoded string goes: its bytes, or nowhere when the string is only walked past.
private protocol ByteSink {
    mutating func append(_ byte: UInt8)
}

extension Array: ByteSink where Element == UInt8 {}

/// A string walked past: checked, not kept.
private struct Discarded: ByteSink {
    mutating func append(_ byte: UInt8) {}
}

extension JSON {
    /// A part of a document the fast path hands to jansson (a container, a status): parsed alone; one
    /// jansson refuses is `Fallback`, so the whole document is parsed and the error reported with its place.
    public static func part(_ bytes: UnsafeRawBufferPointer) throws(JSONScanner.Fallback) -> JSON {
        do { return try parse(bytes) } catch { throw JSONScanner.Fallback() }
    }
}

/// A JSON string's escape as jansson reads it, for the byte scanners (`JSONScanner`, `PromResponseScanner`).
enum JSONEscape {
    /// The character of the escape at `at` (just past its backslash), `at` moved past it: one of
    /// `" \ / b f n r t`, or `uXXXX`, a high surrogate with its `\uXXXX` low half. Nil for what jansson
    /// refuses: another letter, too few hex digits, a lone surrogate, `\u0000` (a NUL inside a string).
    static func scalar(_ bytes: UnsafePointer<UInt8>, at: inout Int, end: Int) -> Unicode.Scalar? {
        guard at < end else { return nil }
        let escape = bytes[at]
        at += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(escape)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard var value = hex4(bytes, at: &at, end: end) else { return nil }
            if (0xD800...0xDBFF).contains(value) {
                guard end - at >= 2, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return nil }
                at += 2
                guard let low = hex4(bytes, at: &at, end: end), (0xDC00...0xDFFF).contains(low) else { return nil }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            // A lone low surrogate is no scalar.
            guard value != 0 else { return nil }
            return Unicode.Scalar(value)
        default:
            return nil
        }
    }

    /// The four hex digits of a `\u` escape.
    private static func hex4(_ bytes: UnsafePointer<UInt8>, at: inout Int, end: Int) -> UInt32? {
        guard end - at >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit = bytes[at]
            let nibble: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | nibble
            at += 1
        }
        return value
    }
}
