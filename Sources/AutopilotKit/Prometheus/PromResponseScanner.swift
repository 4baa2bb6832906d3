import Foundation

/// Reads a Prometheus query API body straight into series, without a JSON tree.
///
/// A 14-day range at 5-minute steps for 500 pods is tens of MB of `[t,"v"]` pairs; jansson builds a
/// tree of them at ~50 MB/s (NOTES-interop), this scanner reads them in one pass with `strtod`.
/// It knows only the shape Prometheus writes; anything else makes it give up (nil), and the caller
/// decodes with jansson, which names the error.
struct PromResponseScanner {
    private let bytes: UnsafePointer<UInt8>
    private let end: Int
    private var at = 0
    /// Arrays and objects open around the value being skipped: thousands would overflow the stack.
    private var depth = 0

    private struct Unexpected: Error {}

    /// The series of a `success` body, or nil when the body is anything else (error, malformed, scalar).
    static func series(_ body: [UInt8]) -> [PromSeries]? {
        // strtod needs a terminator it cannot read past.
        let terminated = body + [0]
        return terminated.withUnsafeBufferPointer { buffer -> [PromSeries]? in
            var scanner = PromResponseScanner(bytes: buffer.baseAddress!, end: body.count)
            return try? scanner.response()
        }
    }

    private init(bytes: UnsafePointer<UInt8>, end: Int) {
        self.bytes = bytes
        self.end = end
    }

    private mutating func response() throws(Unexpected) -> [PromSeries] {
        var status = ""
        var result: [PromSeries]?
        try members { scanner, key throws(Unexpected) in
            switch key {
            case "status": status = try scanner.string()
            case "data":
                try scanner.members { scanner, key throws(Unexpected) in
                    if key == "result" { result = try scanner.entries() } else { try scanner.skipValue() }
                }
            default: try scanner.skipValue()
            }
        }
        skipSpace()
        guard status == "success", let result, at == end else { throw Unexpected() }
        return result
    }

    /// `[{"metric":{…},"values":[[t,"v"],…]}, …]`, or `"value":[t,"v"]` for a vector.
    private mutating func entries() throws(Unexpected) -> [PromSeries] {
        var series: [PromSeries] = []
        try elements { scanner throws(Unexpected) in
            var labels: [String: String] = [:]
            var samples: [(time: Double, value: Double)] = []
            try scanner.members { scanner, key throws(Unexpected) in
                switch key {
                case "metric":
                    try scanner.members { scanner, name throws(Unexpected) in labels[name] = try scanner.string() }
                case "value":
                    if let sample = try scanner.sample() { samples.append(sample) }
                case "values":
                    try scanner.elements { scanner throws(Unexpected) in
                        if let sample = try scanner.sample() { samples.append(sample) }
                    }
                default: try scanner.skipValue()
                }
            }
            series.append(PromSeries(labels: labels, samples: samples))
        }
        return series
    }

    /// `[1700000000.123,"0.25"]`; NaN and infinities are dropped, as `PrometheusResult` drops them.
    private mutating func sample() throws(Unexpected) -> (time: Double, value: Double)? {
        try expect(UInt8(ascii: "["))
        let time = try timestamp()
        try expect(UInt8(ascii: ","))
        try expect(UInt8(ascii: "\""))
        // Inside the quotes nothing but the number: a space or tab there is not Prometheus' (nor, raw, JSON).
        guard at < end, bytes[at] > 0x20 else { throw Unexpected() }
        let value = try number()
        guard at < end, bytes[at] == UInt8(ascii: "\"") else { throw Unexpected() }
        at += 1
        try expect(UInt8(ascii: "]"))
        return value.isFinite ? (time, value) : nil
    }

    // MARK: JSON pieces

    private mutating func skipSpace() {
        while at < end, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Unexpected) {
        skipSpace()
        guard at < end, bytes[at] == byte else { throw Unexpected() }
        at += 1
    }

    /// Whether the next byte is `byte`, consuming it if so.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < end, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    /// A timestamp: whole seconds read directly (they nearly always are), else by `strtod`.
    private mutating func timestamp() throws(Unexpected) -> Double {
        skipSpace()
        var value = 0
        var index = at
        while index < end, index - at < 15, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index > at, index < end, bytes[index] == UInt8(ascii: ","), bytes[at] != UInt8(ascii: "0") || index - at == 1 else {
            return try bareNumber()
        }
        at = index
        return Double(value)
    }

    /// A number where the cursor is. Plain decimals (`0.012345`, `1447034880`) of up to 15 digits are read
    /// here, exactly: the digits are an exact integer and 10^k (k ≤ 22) an exact double, so one division
    /// is correctly rounded, as strtod would round (Clinger's fast path). Anything else — an exponent,
    /// more digits, Prometheus' `NaN`, `+Inf`, `-Inf` — goes to `strtod`.
    private mutating func number() throws(Unexpected) -> Double {
        skipSpace()
        var index = at
        var digits: Int64 = 0
        var count = 0
        var fraction = 0
        var seenPoint = false
        while index < end, count <= 15 {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits = digits * 10 + Int64(byte - UInt8(ascii: "0"))
                count += 1
                if seenPoint { fraction += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        if count > 0, count <= 15, index < end, bytes[index] == UInt8(ascii: "\""), !(seenPoint && fraction == 0) {
            at = index
            return fraction == 0 ? Double(digits) : Double(digits) / Self.powersOfTen[fraction]
        }
        var stop: UnsafeMutablePointer<CChar>?
        let start = UnsafeRawPointer(bytes + at).assumingMemoryBound(to: CChar.self)
        let value = strtod(start, &stop)
        guard let stop, stop != UnsafeMutablePointer(mutating: start) else { throw Unexpected() }
        at += stop - UnsafeMutablePointer(mutating: start)
        guard at <= end else { throw Unexpected() }
        return value
    }

    /// A number outside quotes, as JSON writes one: strtod would also take `0454`, `12.`, `0x1A` or
    /// `1e999`; only a quoted value may be ±Inf or NaN.
    private mutating func bareNumber() throws(Unexpected) -> Double {
        skipSpace()
        let start = at
        let value = try number()
        guard value.isFinite, isJSONNumber(start..<at) else { throw Unexpected() }
        // A whole number jansson reads as an integer must fit 64 bits, or it refuses the body.
        let whole = !UnsafeBufferPointer(start: bytes + start, count: at - start).contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }
        guard !whole || abs(value) < 9.2e18 else { throw Unexpected() }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the grammar of a JSON number.
    private func isJSONNumber(_ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        func digits() -> Int {
            let from = index
            while index < range.upperBound, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if index < range.upperBound, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let first = index
        let whole = digits()
        guard whole > 0, whole == 1 || bytes[first] != UInt8(ascii: "0") else { return false }
        if index < range.upperBound, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < range.upperBound, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < range.upperBound, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == range.upperBound
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    private mutating func string() throws(Unexpected) -> String {
        try expect(UInt8(ascii: "\""))
        let start = at
        while at < end, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20 { at += 1 }
        guard at < end else { throw Unexpected() }
        if bytes[at] == UInt8(ascii: "\"") {
            at += 1
            return String(decoding: UnsafeBufferPointer(start: bytes + start, count: at - 1 - start), as: UTF8.self)
        }
        // Escapes are rare (Prometheus writes `<` as `\u003c`): decode this string byte by byte.
        var utf8 = Array(UnsafeBufferPointer(start: bytes + start, count: at - start))
        while at < end, bytes[at] != UInt8(ascii: "\"") {
            let byte = bytes[at]
            at += 1
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20 else { throw Unexpected() }
                utf8.append(byte)
                continue
            }
            // jansson refuses `\u0000` (a NUL inside a string) as it refuses a lone low surrogate.
            guard let scalar = JSONEscape.scalar(bytes, at: &at, end: end) else { throw Unexpected() }
            UTF8.encode(scalar) { utf8.append($0) }
        }
        guard at < end else { throw Unexpected() }
        at += 1
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Calls `body` with each member's key, the cursor on its value.
    private mutating func members(_ body: (inout PromResponseScanner, String) throws(Unexpected) -> Void) throws(Unexpected) {
        try expect(UInt8(ascii: "{"))
        if take(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
        } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Calls `body` with the cursor on each element of an array.
    private mutating func elements(_ body: (inout PromResponseScanner) throws(Unexpected) -> Void) throws(Unexpected) {
        try expect(UInt8(ascii: "["))
        if take(UInt8(ascii: "]")) { return }
        repeat { try body(&self) } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    private mutating func skipValue() throws(Unexpected) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 256 else { throw Unexpected() }
        skipSpace()
        guard at < end else { throw Unexpected() }
        switch bytes[at] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try members { scanner, _ throws(Unexpected) in try scanner.skipValue() }
        case UInt8(ascii: "["): try elements { scanner throws(Unexpected) in try scanner.skipValue() }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let start = at
            while at < end, bytes[at] >= UInt8(ascii: "a"), bytes[at] <= UInt8(ascii: "z") { at += 1 }
            let word = String(decoding: UnsafeBufferPointer(start: bytes + start, count: at - start), as: UTF8.self)
            guard word == "true" || word == "false" || word == "null" else { throw Unexpected() }
        default: _ = try bareNumber()
        }
    }
}
