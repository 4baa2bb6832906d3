/// The end of every tool's run: what was written is flushed, and failures become the sysexits
/// status — a `--strict` stop 65, an unreachable service 69, an I/O failure 74, a usage mistake
/// found late 64 — else what the diagnostics counted.
public enum ToolRun {
    public static func run(_ diagnostics: Diagnostics, writer: NDJSONWriter, _ body: () throws -> Void) -> ExitStatus {
        do {
            try body()
            try writer.flush()
        } catch is StrictModeStop {
            try? writer.flush()
            return .badInput
        } catch let failure as ServiceUnavailable {
            try? writer.flush()
            diagnostics.unavailable(failure.message)
        } catch let failure as ValidationFailure {
            try? writer.flush()
            diagnostics.reportError(failure.message)
            return .usage
        } catch let failure as IOFailure {
            // What was already produced still goes out (a failed write's own flush fails again, harmlessly).
            try? writer.flush()
            diagnostics.reportError("\(failure)")
            return .ioError
        } catch {
            try? writer.flush()
            diagnostics.reportError("\(error)")
            return .ioError
        }
        return diagnostics.exitStatus
    }
}
