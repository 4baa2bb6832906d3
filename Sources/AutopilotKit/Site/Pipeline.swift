import Foundation

/// One command of a pipeline: a tool (by name, found in the tools' folder) and its arguments. `environment`
/// adds to the run's environment for this stage only (a token read from a file goes to the one tool that
/// needs it, never onto a command line).
public struct PipelineStage: Sendable {
    public var tool: String
    public var arguments: [String]
    public var environment: [String: String]

    public init(_ tool: String, _ arguments: [String] = [], environment: [String: String] = [:]) {
        self.tool = tool
        self.arguments = arguments
        self.environment = environment
    }

    /// The stage as a shell would show it, for logs and `--dry-run` (every word quoted).
    public var commandLine: String { ([tool] + arguments).map(ShellQuote.word).joined(separator: " ") }
}

/// What one stage did: its exit status, when it ended (seconds from the pipeline's start), the NDJSON
/// records it wrote and the lines it wrote to stderr (each one an error, warning or summary).
public struct PipelineStageResult: Sendable {
    public var tool: String
    public var status: Int32
    public var seconds: Double
    public var records: Int
    public var stderrLines: Int
}

/// Runs stages as a Unix pipeline (`a | b | c < input > output`), as processes of the tools, with one
/// difference: autopilot-run copies each stage's output to the next itself, counting records (lines) on
/// the way, so that its own metrics can say how many records each stage passed on. Each stage's stderr goes
/// to ours line by line, prefixed with nothing (the tools name themselves), and is counted.
public enum Pipeline {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static func run(
        _ stages: [PipelineStage], toolDirectory: String, input: String?, output: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [PipelineStageResult] {
        // A stage that exits early must not kill the run with SIGPIPE: its writer sees EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        guard FileManager.default.createFile(atPath: output, contents: nil),
              let sink = FileHandle(forWritingAtPath: output) else {
            throw Failure(description: "cannot write \(output)")
        }
        defer { try? sink.close() }
        let source: FileHandle
        if let input {
            guard let handle = FileHandle(forReadingAtPath: input) else { throw Failure(description: "cannot read \(input)") }
            source = handle
        } else {
            source = FileHandle.nullDevice
        }

        let start = Date()
        let counters = Counters(count: stages.count)
        var processes: [Process] = []
        let copies = DispatchGroup()
        var nextInput = source
        for (index, stage) in stages.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: toolDirectory).appendingPathComponent(stage.tool)
            process.arguments = stage.arguments
            process.environment = environment.merging(stage.environment) { $1 }
            process.standardInput = nextInput
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.terminationHandler = { _ in counters.ended(index, at: Date().timeIntervalSince(start)) }
            do {
                try process.run()
            } catch {
                processes.forEach { $0.terminate() }
                throw Failure(description: "cannot start \(stage.tool) from \(toolDirectory): \(error.localizedDescription)")
            }
            processes.append(process)
            // Our copies of the ends the child now holds: closed, so EOF reaches the reader when the child exits.
            try? stdout.fileHandleForWriting.close()
            try? stderr.fileHandleForWriting.close()
            if index > 0 { try? nextInput.close() }

            copyLines(from: stderr.fileHandleForReading, to: FileHandle.standardError, group: copies) { counters.addStderr(index, $0) }
            if index == stages.count - 1 {
                copyLines(from: stdout.fileHandleForReading, to: sink, group: copies) { counters.addRecords(index, $0) }
            } else {
                let hop = Pipe()
                copyLines(from: stdout.fileHandleForReading, to: hop.fileHandleForWriting, group: copies, closeAfter: true) {
                    counters.addRecords(index, $0)
                }
                nextInput = hop.fileHandleForReading
            }
        }
        processes.forEach { $0.waitUntilExit() }
        copies.wait()
        return stages.enumerated().map { index, stage in
            let process = processes[index]
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            return counters.result(index, tool: stage.tool, status: status)
        }
    }

    /// Copies `reader` to `writer` on a thread of its own, counting newlines. When the writer is gone (the next
    /// stage exited), the rest is still read, so the stage before is never blocked on a full pipe.
    private static func copyLines(
        from reader: FileHandle, to writer: FileHandle, group: DispatchGroup, closeAfter: Bool = false,
        count: @escaping @Sendable (Int) -> Void
    ) {
        group.enter()
        let box = UncheckedHandles(reader: reader, writer: writer)
        Thread.detachNewThread {
            var writable = true
            while true {
                let chunk = box.reader.availableData
                if chunk.isEmpty { break }
                count(chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) })
                if writable {
                    do { try box.writer.write(contentsOf: chunk) } catch { writable = false }
                }
            }
            if closeAfter { try? box.writer.close() }
            try? box.reader.close()
            group.leave()
        }
    }

    private struct UncheckedHandles: @unchecked Sendable {
        let reader: FileHandle
        let writer: FileHandle
    }

    /// Per-stage tallies, written from the copying threads and termination handlers.
    private final class Counters: @unchecked Sendable {
        private let lock = NSLock()
        private var records: [Int]
        private var stderrLines: [Int]
        private var ended: [Double]

        init(count: Int) {
            records = Array(repeating: 0, count: count)
            stderrLines = Array(repeating: 0, count: count)
            ended = Array(repeating: 0, count: count)
        }

        func addRecords(_ index: Int, _ lines: Int) { lock.withLock { records[index] += lines } }
        func addStderr(_ index: Int, _ lines: Int) { lock.withLock { stderrLines[index] += lines } }
        func ended(_ index: Int, at seconds: Double) { lock.withLock { ended[index] = seconds } }

        func result(_ index: Int, tool: String, status: Int32) -> PipelineStageResult {
            lock.withLock {
                PipelineStageResult(
                    tool: tool, status: status, seconds: ended[index], records: records[index], stderrLines: stderrLines[index])
            }
        }
    }
}

/// Words shown to people as a shell command (logs, dry runs), quoted only where needed; nothing here is run
/// through a shell.
public enum ShellQuote {
    public static func word(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+")
        if !text.isEmpty && text.unicodeScalars.allSatisfy(plain.contains) { return text }
        return Runbook.shellQuoted(text)
    }
}
