import Foundation

/// Programs found the way a shell finds them.
public enum Executables {
    /// The first executable `program` in a `$PATH` directory, or nil.
    public static func onPath(_ program: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
