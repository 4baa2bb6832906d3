/// Text from the cluster, made safe for places that read lines as structure: a comment in a script, a
/// commit subject, a `Signed-off-by:` trailer, a table row.
public enum TextSafety {
    /// The text on one line: control characters and Unicode line or paragraph separators become spaces.
    public static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: breaksLine) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { breaksLine($0) ? " " : $0 }))
    }

    private static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
