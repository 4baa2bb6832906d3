#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BSD sysexits, as every Autopilot tool uses them.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case usage = 64
    case badInput = 65
    case unavailable = 69
    case software = 70
    case cannotCreate = 73
    case ioError = 74
    case temporaryFailure = 75
}

/// Thrown to stop at the first bad line under `--strict`.
public struct StrictModeStop: Error {}

/// Thrown when a service such as kubectl or Prometheus could not be reached after retries.
public struct ServiceUnavailable: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reports problems on stderr as `TOOL: SOURCE:LINE: error: message`, one line each, and counts them
/// so the tool can pick its exit status at the end.
public final class Diagnostics: @unchecked Sendable {
    public let tool: String
    public let strict: Bool
    public private(set) var errorCount = 0
    public private(set) var warningCount = 0
    /// Set when a service could not be reached; wins over everything else in the exit status.
    public private(set) var serviceFailed = false
    /// Set when a file could not be opened or read; wins over bad input in the exit status.
    public private(set) var ioFailed = false

    /// Where lines go: stderr, or a test's collector.
    private let sink: (String) -> Void

    public init(tool: String, strict: Bool = false, sink: @escaping (String) -> Void = writeStderr) {
        self.tool = tool
        self.strict = strict
        self.sink = sink
    }

    /// A bad input: counted, and under `--strict` it stops the run.
    public func error(_ message: String, source: String? = nil, line: Int? = nil, column: Int? = nil) throws {
        errorCount += 1
        emit("error", message, source: source, line: line, column: column)
        if strict { throw StrictModeStop() }
    }

    /// A bad input that never stops the run (used where stopping would lose more than it saves).
    public func reportError(_ message: String, source: String? = nil, line: Int? = nil, column: Int? = nil) {
        errorCount += 1
        emit("error", message, source: source, line: line, column: column)
    }

    public func warning(_ message: String, source: String? = nil, line: Int? = nil) {
        warningCount += 1
        emit("warning", message, source: source, line: line, column: nil)
    }

    /// A service that could not be reached: reported and remembered for exit status 69.
    public func unavailable(_ message: String) {
        serviceFailed = true
        emit("error", message, source: nil, line: nil, column: nil)
    }

    /// A file that could not be read: reported and remembered for exit status 74; other inputs go on.
    public func ioError(_ message: String, source: String? = nil) {
        ioFailed = true
        emit("error", message, source: source, line: nil, column: nil)
    }

    /// A plain informational line (summaries), prefixed with the tool name.
    public func note(_ message: String) {
        sink("\(tool): \(message)\n")
    }

    /// 69 if a service failed, else 74 if a file could not be read, else 65 if any input was bad, else 0.
    public var exitStatus: ExitStatus {
        if serviceFailed { return .unavailable }
        if ioFailed { return .ioError }
        return errorCount > 0 ? .badInput : .ok
    }

    private func emit(_ level: String, _ message: String, source: String?, line: Int?, column: Int?) {
        var place = ""
        if let source {
            place = source
            if let line {
                place += ":\(line)"
                if let column { place += ":\(column)" }
            }
            place += ": "
        }
        sink("\(tool): \(place)\(level): \(message)\n")
    }
}

/// Writes straight to file descriptor 2, unbuffered, so diagnostics interleave correctly with other tools.
public func writeStderr(_ text: String) {
    // Nothing sensible is left to do if stderr itself cannot be written.
    try? FileIO.writeAll(Array(text.utf8), to: 2, name: "<stderr>")
}
