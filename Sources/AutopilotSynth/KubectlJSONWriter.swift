import AutopilotKit
import Foundation

/// Writes a `kubectl get -o json` List as kubectl prints it: four-space indents, keys sorted, one item
/// at a time through a large buffer (a 150,000-pod List is never one value in memory).
final class KubectlJSONWriter {
    private let file: BufferedFile
    private var items = 0

    init(path: String) throws {
        file = try BufferedFile(path: path)
        try file.write("{\n    \"apiVersion\": \"v1\",\n    \"items\": [")
    }

    func add(_ item: JSONValue) throws {
        var bytes = Array((items == 0 ? "\n        " : ",\n        ").utf8)
        Self.append(item, depth: 2, to: &bytes)
        try file.write(bytes)
        items += 1
    }

    func close() throws {
        try file.write(items == 0 ? "],\n" : "\n    ],\n")
        try file.write("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
        try file.close()
    }

    /// One value at `depth` (the indent of its first line is already written).
    static func append(_ value: JSONValue, depth: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .int(let number): out += Array(String(number).utf8)
        case .double(let number): out += Array((number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)).utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let elements):
            guard !elements.isEmpty else { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                append(element, depth: depth + 1, to: &out)
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { out += Array("{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                appendString(member.key, to: &out)
                out += [UInt8(ascii: ":"), UInt8(ascii: " ")]
                append(member.value, depth: depth + 1, to: &out)
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ depth: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        out += repeatElement(UInt8(ascii: " "), count: depth * 4)
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
