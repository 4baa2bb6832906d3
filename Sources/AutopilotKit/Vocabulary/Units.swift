extension Double {
    /// At most three decimals, trailing zeros dropped: 0.35, 1.5, 2.
    var short: String {
        guard isFinite, abs(self) < 1e15 else { return "\(self)" }
        let rounded = (self * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

/// CPU and memory in the units people write in manifests.
public enum Units {
    /// `350m` below one core, `1.5` above.
    public static func cpu(_ cores: Double) -> String {
        let millis = (cores * 1000).rounded()
        guard millis.isFinite, abs(millis) < 1e15 else { return "\(cores)" }
        if millis < 1000 || millis.truncatingRemainder(dividingBy: 1000) != 0 && millis.truncatingRemainder(dividingBy: 100) != 0 {
            return "\(Int64(millis))m"
        }
        return (millis / 1000).short
    }

    /// Exact where it can be, in the unit a manifest would use: `1Ti`, `2Gi`, `1.5Gi`, `1088Mi`, `2G`;
    /// otherwise the nearest Mi (for measured figures such as a peak of 454.3Mi).
    /// A measured figure (a double), clamped into range first.
    public static func memory(bytes: Double) -> String {
        memory(bytes.isFinite ? Int64(min(max(bytes, 0), 9e18)) : 0)
    }

    public static func memory(_ bytes: Int64) -> String {
        let mib: Int64 = 1 << 20
        let gib: Int64 = 1 << 30
        if bytes >= 1 << 40, bytes % (1 << 40) == 0 { return "\(bytes >> 40)Ti" }
        if bytes >= gib, bytes % (gib / 4) == 0 { return (Double(bytes) / Double(gib)).short + "Gi" }
        if bytes % mib == 0 { return "\(bytes / mib)Mi" }
        if bytes >= 1_000_000_000, bytes % 1_000_000_000 == 0 { return "\(bytes / 1_000_000_000)G" }
        return "\(Int64((Double(bytes) / Double(mib)).rounded()))Mi"
    }

    /// Two CPU figures side by side in one unit, so "1.5 → 210m" reads "1500m → 210m": both in cores when
    /// both are whole tenths of a core at least one core, else both in millicores.
    public static func cpu(_ cores: Double, _ other: Double) -> (String, String) {
        func inCores(_ value: Double) -> Bool {
            let millis = (value * 1000).rounded()
            return millis >= 1000 && millis.truncatingRemainder(dividingBy: 100) == 0
        }
        guard !(inCores(cores) && inCores(other)) else { return (cpu(cores), cpu(other)) }
        func millis(_ value: Double) -> String { value.isFinite && abs(value) < 1e12 ? "\(Int64((value * 1000).rounded()))m" : "\(value)" }
        return (millis(cores), millis(other))
    }

    /// Two memory figures side by side in one unit: both in Gi when both are quarter-Gi multiples of 1Gi or
    /// more, else both in Mi (to the nearest Mi).
    public static func memory(_ bytes: Int64, _ other: Int64) -> (String, String) {
        let gib: Int64 = 1 << 30
        func inGi(_ value: Int64) -> Bool { value >= gib && value % (gib / 4) == 0 }
        func gi(_ value: Int64) -> String { (Double(value) / Double(gib)).short + "Gi" }
        if inGi(bytes) && inGi(other) { return (gi(bytes), gi(other)) }
        func mib(_ value: Int64) -> String { "\(Int64((Double(value) / Double(1 << 20)).rounded()))Mi" }
        return (mib(bytes), mib(other))
    }
}
