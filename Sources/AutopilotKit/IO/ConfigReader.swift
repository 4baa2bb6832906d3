import Foundation

/// A config file that cannot be used; the message names the file and the setting.
public struct ConfigError: Error, CustomStringConvertible {
    public let message: String
    /// The dotted setting the message is about (`cpu.margin`) where known, so that a file embedding this
    /// config (autopilot.yaml's `detection:`) can name the line.
    public var setting: String?
    public init(_ message: String, setting: String? = nil) {
        self.message = message
        self.setting = setting
    }
    public var description: String { message }
}

/// Reads typed values out of a config mapping, naming `section.key` in every error.
final class ConfigReader {
    let source: String
    var path = ""
    init(source: String) { self.source = source }

    func section(_ value: JSON, _ name: String, _ apply: (String, JSON) throws(ConfigError) -> Bool) throws(ConfigError) {
        guard value.isObject else { throw ConfigError("\(source): '\(name)' must be a mapping") }
        for (key, item) in value.members {
            path = "\(name).\(key)"
            guard try apply(key, item) else {
                throw ConfigError("\(source): unknown setting '\(name).\(key)'", setting: "\(name).\(key)")
            }
        }
        path = ""
    }

    func wrong(_ key: String, _ expected: String) -> ConfigError {
        ConfigError("\(source): '\(path.isEmpty ? key : path)' must be \(expected)", setting: path.isEmpty ? key : path)
    }

    func ratio(_ item: JSON, _ key: String, from least: Double = 0, upTo limit: Double = 1) throws(ConfigError) -> Double {
        guard let value = item.double ?? item.string.flatMap(Double.init), value >= least, value <= limit else {
            let range = least == 0 ? (limit == 1 ? "a number from 0 to 1" : "a number of 0 or more") : "a number from \(least.short) to \(limit.short)"
            throw wrong(key, range)
        }
        return value
    }

    func cores(_ item: JSON, _ key: String) throws(ConfigError) -> Double {
        if let value = item.double, value >= 0 { return value }
        if let text = item.string, let value = try? Quantity.cores(text, field: key), value >= 0 { return value }
        throw wrong(key, "CPU in cores or millicores (0.05, 50m)")
    }

    func bytes(_ item: JSON, _ key: String) throws(ConfigError) -> Int64 {
        if let text = item.string, let value = try? Quantity.bytes(text, field: key), value >= 0 { return value }
        if let value = item.int, value >= 0 { return value }
        throw wrong(key, "a memory quantity (128Mi, 1Gi or bytes)")
    }

    func seconds(_ item: JSON, _ key: String) throws(ConfigError) -> Int64 {
        guard let value = item.int, value >= 0 else { throw wrong(key, "a whole number of 0 or more") }
        return value
    }

    func duration(_ item: JSON, _ key: String) throws(ConfigError) -> Duration {
        guard let text = item.string, let value = Duration(text) else { throw wrong(key, "a duration like 7d or 36h") }
        return value
    }

    func percentile(_ item: JSON, _ key: String) throws(ConfigError) -> String {
        guard let text = item.string, ["p50", "p90", "p95", "p99", "max"].contains(text) else {
            throw wrong(key, "one of p50, p90, p95, p99, max")
        }
        return text
    }
}

extension ConfigReader {
    /// Parses a YAML config file's first document into a mapping (nil for an empty file).
    static func document(_ bytes: [UInt8], source: String) throws(ConfigError) -> JSON? {
        var root: JSON?
        do {
            try YAMLDocuments(bytes: bytes).forEachDocument { document, _ in if root == nil { root = document } }
        } catch let error as YAMLParseError {
            throw ConfigError("\(source):\(error.line):\(error.column): \(error.message)")
        } catch {
            throw ConfigError("\(source): \(error)")
        }
        guard let root else { return nil }
        guard root.isObject else { throw ConfigError("\(source): expected a mapping of settings") }
        return root
    }
}
