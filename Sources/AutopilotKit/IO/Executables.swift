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

extension Process {
    /// `run()`, returning what to wait on for the exit. Foundation's `waitUntilExit` on Linux spins its run
    /// loop in 50 ms steps, so each short child (a git call takes 2 ms) cost 50 ms: emit-pr's 130 git
    /// calls took 7 s. The termination handler is set before the start, so no exit is missed.
    public func start() throws -> DispatchSemaphore {
        let exited = DispatchSemaphore(value: 0)
        terminationHandler = { _ in exited.signal() }
        try run()
        return exited
    }
}
