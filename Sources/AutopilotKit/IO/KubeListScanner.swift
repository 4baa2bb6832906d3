/// Finds the elements of a `kubectl get -o json` List's top-level `items` array by scanning bytes
/// (string- and depth-aware), so each item is parsed on its own and the whole document is never held
/// as one tree: a 150,000-pod List would otherwise take several times its size in memory. The input may
/// hold several documents one after another (`{ kubectl get nodes -o json; kubectl get pods -o json; }`):
/// `scan` reads one, and is called again until `atEnd`.
struct KubeListScanner {
    /// One element of `items`: its byte range and where it starts.
    struct Element {
        let range: Range<Int>
        let line: Int
        let column: Int
        /// The List's `kind` if it came before `items` (raw API responses put it first).
        let listKind: String?
    }

    /// The structure of the document as far as it could be scanned.
    enum Outcome {
        /// A List; `kind` is the top-level kind if it came before `items` (raw API responses put it first).
        case list(kind: String?)
        /// Not a List (no top-level `items` array): the caller parses the whole document.
        case singleObject
        /// The document is broken at this place.
        case malformed(line: Int, column: Int, reason: String)
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var kind: String?
    // Line bookkeeping: newlines counted up to `countedTo`.
    private var line = 1
    private var lineStart = 0
    private var countedTo = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Where the next document starts (or the input ends), past whitespace.
    var offset: Int { position }

    /// Whether only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return position >= bytes.count
    }

    /// Scans the next document, calling `element` for each item of `items` in order; `offset` is then just
    /// past it. A document that is not an object is left to the caller, whole (`offset` does not move).
    mutating func scan(_ element: (Element) throws -> Void) rethrows -> Outcome {
        skipWhitespace()
        kind = nil
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return .singleObject }
        position += 1
        var sawItems = false
        while true {
            skipWhitespace()
            guard position < bytes.count else { return malformed("unexpected end of file: the file is truncated") }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                break
            }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "\"") else { return malformed("expected a member name") }
            let keyStart = position + 1
            guard skipString() else { return malformed("unexpected end of file inside a string: the file is truncated") }
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyStart..<(position - 1)]), as: UTF8.self)
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return malformed("expected ':'") }
            position += 1
            skipWhitespace()
            guard position < bytes.count else { return malformed("unexpected end of file: the file is truncated") }
            if key == "items" && bytes[position] == UInt8(ascii: "[") {
                sawItems = true
                position += 1
                if let failure = try scanElements(element) { return failure }
            } else if key == "kind" && bytes[position] == UInt8(ascii: "\"") {
                let valueStart = position + 1
                guard skipString() else { return malformed("unexpected end of file inside a string: the file is truncated") }
                kind = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<(position - 1)]), as: UTF8.self)
            } else {
                guard skipValue() else {
                    return malformed(position < bytes.count ? "expected a value" : "unexpected end of file: the file is truncated")
                }
            }
        }
        return sawItems ? .list(kind: kind) : .singleObject
    }

    private mutating func scanElements(_ element: (Element) throws -> Void) rethrows -> Outcome? {
        while true {
            skipWhitespace()
            guard position < bytes.count else { return malformed("unexpected end of file inside \"items\": the file is truncated") }
            switch bytes[position] {
            case UInt8(ascii: "]"):
                position += 1
                return nil
            case UInt8(ascii: ","):
                position += 1
            default:
                let start = position
                let (startLine, startColumn) = lineAndColumn(at: start)
                guard skipValue() else {
                    return malformed(position < bytes.count ? "expected a value in \"items\"" : "unexpected end of file inside \"items\": the file is truncated")
                }
                try element(Element(range: start..<position, line: startLine, column: startColumn, listKind: kind))
            }
        }
    }

    private mutating func malformed(_ reason: String) -> Outcome {
        let (line, column) = lineAndColumn(at: min(position, bytes.count))
        return .malformed(line: line, column: column, reason: reason)
    }

    /// 1-based line and column of a byte offset; offsets are asked for in increasing order.
    mutating func lineAndColumn(at offset: Int) -> (Int, Int) {
        while countedTo < offset {
            if bytes[countedTo] == UInt8(ascii: "\n") {
                line += 1
                lineStart = countedTo + 1
            }
            countedTo += 1
        }
        return (line, offset - lineStart + 1)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Skips a string starting at its opening quote; false if the input ends first.
    private mutating func skipString() -> Bool {
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""):
                position += 1
                return true
            default: position += 1
            }
        }
        return false
    }

    /// Skips one value of any type; false if the input ends first or no value starts here. Syntax inside is
    /// left to jansson.
    private mutating func skipValue() -> Bool {
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        position += 1
                        return true
                    }
                default: break
                }
                position += 1
            }
            return false
        default:
            // A number, true, false or null: at least one byte (a `}` where a value belongs is no value, and
            // returning without moving on would hand out empty elements forever).
            let start = position
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return position > start
                default: position += 1
                }
            }
            return true
        }
    }
}
