/// Text for a POSIX shell.
public enum Shell {
    /// `text` in single quotes, each quote inside closed, escaped and reopened: one word whatever it holds.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
