/// Requests as a person would write them: every recommendation and step is rounded up to these steps.
public enum RequestRounding {
    /// 5m steps below one core, 50m steps above.
    public static func cpu(_ cores: Double) -> Double {
        let millis = (cores * 1000 - 1e-6).rounded(.up)
        let step = millis < 1000 ? 5.0 : 50.0
        return (millis / step).rounded(.up) * step / 1000
    }

    /// 16Mi steps up to 1Gi, 64Mi steps above.
    public static func memory(_ bytes: Double) -> Int64 {
        let mib = 1_048_576.0
        let step = bytes <= 1024 * mib ? 16 * mib : 64 * mib
        // Clamped: a corrupt usage figure must not trap the conversion.
        return Int64(min((bytes / step).rounded(.up) * step, 9e18))
    }
}
