import AutopilotKit
import Foundation

/// SplitMix64: a tiny deterministic random source, so the same seed makes the same cluster on every
/// machine (Swift's SystemRandomNumberGenerator cannot be seeded).
struct SynthRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// In [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    mutating func double(_ range: ClosedRange<Double>) -> Double { range.lowerBound + unit() * (range.upperBound - range.lowerBound) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ list: [T]) -> T { list[Int(next() % UInt64(list.count))] }

    /// Lowercase letters and digits, as Kubernetes' generated name suffixes.
    mutating func suffix(_ length: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    /// A version-5-looking UUID.
    mutating func uuid() -> String { Self.uuid(hex: String(format: "%016llx%016llx", next(), next())) }

    /// 32 hex digits laid out as a version-5 UUID.
    static func uuid(hex: String) -> String {
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-5\(String(chars[13..<16]))-a\(String(chars[17..<20]))-\(String(chars[20..<32]))"
    }

    /// Stateless noise in [-1, 1) for a series and a step: the same point has the same value in every
    /// query piece and in the OpenMetrics text.
    static func noise(_ series: UInt64, _ step: Int64) -> Double {
        let bits = mix(series ^ (UInt64(bitPattern: step) &* 0xD1B5_4A32_D192_ED03))
        return Double(bits >> 11) / Double(UInt64(1) << 52) - 1
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
