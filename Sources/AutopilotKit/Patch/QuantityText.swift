import Foundation

/// New Kubernetes quantities written the way the file already writes them: `500m` stays millicores, `0.5`
/// stays a decimal, `512Mi` stays binary, `2G` decimal, plain bytes plain. Values are rounded up, never
/// down, so a written request is never below the recommendation (which is never below observed usage).
public enum QuantityText {
    /// CPU cores in the style of `old` (nil: millicores below one core, whole cores otherwise).
    public static func cpu(_ cores: Double, like old: String?) -> String {
        let millicores = Int64((cores * 1000 - 1e-6).rounded(.up))
        let plainNumber = old.map { Double($0) != nil } ?? false
        if millicores % 1000 == 0 && (old == nil || plainNumber) { return String(millicores / 1000) }
        if plainNumber {
            var text = String(format: "%.3f", Double(millicores) / 1000)
            while text.hasSuffix("0") { text.removeLast() }
            return text
        }
        return "\(millicores)m"
    }

    private static let binary: [(String, Int64)] = [("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)]
    private static let decimal: [(String, Int64)] = [("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)]

    /// Bytes in the style of `old`: the largest exact unit of its family, else whole Mi (or M) rounded up.
    public static func memory(_ bytes: Int64, like old: String?) -> String {
        let family: [(String, Int64)]
        switch old {
        case let text? where text.allSatisfy(\.isNumber): return String(bytes)
        case let text? where decimal.contains(where: { text.hasSuffix($0.0) }) && !binary.contains(where: { text.hasSuffix($0.0) }):
            family = decimal
        default:
            family = binary
        }
        for (suffix, unit) in family where bytes >= unit && bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
        let unit = family[2].1  // Mi or M
        return "\((bytes + unit - 1) / unit)\(family[2].0)"
    }

    /// How a finding's value reads in a PR: `345m`, `368Mi`.
    public static func describe(_ value: JSONValue?, memory: Bool) -> String {
        guard let value, value != .null else { return "unset" }
        if memory, let bytes = value.intValue ?? value.doubleValue.map({ Int64($0) }) { return Self.memory(bytes, like: nil) }
        if let cores = value.doubleValue { return cpu(cores, like: nil) }
        return value.stringValue ?? value.text
    }
}
