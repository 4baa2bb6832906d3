/// The check a line gets when a filter forwards it without parsing it (the `{"kind":"…"` fast path):
/// one byte scan that a truncated or spliced line cannot pass. It does not prove the line is JSON (a
/// number's grammar, a member's colon are not looked at); it proves the line is whole: one object, its
/// brackets nested and closed, every string closed, no raw control character in a string, valid UTF-8,
/// nothing after the last brace. Those are what a cut, a crash mid-write or a second record glued on
/// break, and what every later stage would otherwise have to find.
public enum JSONShape {
    public static func isWholeObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count, isSpace(bytes[index]) { index += 1 }
        guard index < count, bytes[index] == UInt8(ascii: "{") else { return false }
        // Which bracket each open level is: a bit per level for the first 64, an array past that.
        var depth = 0
        var shallow: UInt64 = 0
        var deep: [Bool] = []
        var inString = false
        while index < count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard index < count, bytes[index] >= 0x20, bytes[index] < 0x80 else { return false }
                } else if byte < 0x20 {
                    return false
                } else if byte >= 0x80 {
                    guard let length = utf8Sequence(bytes, at: index) else { return false }
                    index += length - 1
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = byte == UInt8(ascii: "{")
                    if depth < 64 {
                        if isObject { shallow |= 1 << depth } else { shallow &= ~(1 << depth) }
                    } else {
                        deep.append(isObject)
                    }
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return false }
                    depth -= 1
                    let wasObject = depth < 64 ? shallow & (1 << depth) != 0 : deep.removeLast()
                    guard wasObject == (byte == UInt8(ascii: "}")) else { return false }
                    if depth == 0 {
                        index += 1
                        while index < count, isSpace(bytes[index]) { index += 1 }
                        return index == count
                    }
                default:
                    if byte >= 0x80 || (byte < 0x20 && !isSpace(byte)) { return false }
                }
            }
            index += 1
        }
        return false
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (RFC 3629: no overlongs, no
    /// surrogates, nothing past U+10FFFF), or nil.
    private static func utf8Sequence(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { return nil }
        for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 { return nil }
        return length
    }
}
