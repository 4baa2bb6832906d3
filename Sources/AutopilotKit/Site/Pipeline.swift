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

/// What one stage did: its exit status, when it had written all its output (`seconds` from the pipeline's
/// start: the stages run at once, so this is when it finished, not how long it worked alone), the NDJSON
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
/// to ours a whole line at a time (the tools name themselves), and is counted.
public enum Pipeline {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// `output` nil discards the last stage's output. A write to `output` that fails (a full disk) fails the
    /// run after every stage has ended: a stream cut short must never pass for a whole one.
    public static func run(
        _ stages: [PipelineStage], toolDirectory: String, input: String?, output: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [PipelineStageResult] {
        // A stage that exits early must not kill the run with SIGPIPE: its writer sees EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        let sink: FileHandle
        if let output {
            // open(2), not FileManager.createFile: that one writes a temporary file beside the target and
            // renames it over, which would replace a device such as /dev/null.
            let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Failure(description: "cannot write \(output): \(String(cString: strerror(errno)))") }
            sink = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        } else {
            sink = FileHandle.nullDevice
        }
        let source: FileHandle
        if let input {
            guard let handle = FileHandle(forReadingAtPath: input) else { throw Failure(description: "cannot read \(input)") }
            source = handle
        } else {
            source = FileHandle.nullDevice
        }

        let start = Date()
        let counters = Counters(count: stages.count, start: start)
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

            copy(stderr.fileHandleForReading, to: .stderr, group: copies) { counters.addStderr(index, $0) }
            if index == stages.count - 1 {
                copy(stdout.fileHandleForReading, to: .file(sink), group: copies, counters: counters) { counters.addRecords(index, $0) } ended: {
                    counters.ended(index)
                }
            } else {
                let hop = Pipe()
                copy(stdout.fileHandleForReading, to: .nextStage(hop.fileHandleForWriting), group: copies) { counters.addRecords(index, $0) } ended: {
                    counters.ended(index)
                }
                nextInput = hop.fileHandleForReading
            }
        }
        processes.forEach { $0.waitUntilExit() }
        copies.wait()
        if output != nil { try? sink.close() }
        if let failure = counters.writeFailure { throw Failure(description: "writing \(output ?? "the output"): \(failure)") }
        return stages.enumerated().map { index, stage in
            let process = processes[index]
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            return counters.result(index, tool: stage.tool, status: status)
        }
    }

    /// Where a copy goes: the next stage (when it is gone, the copy stops and closes its end, so the stage
    /// before meets a broken pipe as in a shell pipeline, and ends), the output file (a failed write is the
    /// run's failure; the rest is still read, so no stage blocks), or our stderr (whole lines only, so the
    /// lines of stages writing at once never mix).
    private enum Destination {
        case nextStage(FileHandle)
        case file(FileHandle)
        case stderr
    }

    private static let stderrLock = NSLock()

    private static func copy(
        _ reader: FileHandle, to destination: Destination, group: DispatchGroup, counters: Counters? = nil,
        count: @escaping @Sendable (Int) -> Void, ended: @escaping @Sendable () -> Void = {}
    ) {
        group.enter()
        let box = UncheckedCopy(reader: reader, destination: destination, counters: counters)
        Thread.detachNewThread {
            var writable = true
            var pending = Data()
            copying: while true {
                let chunk = box.reader.availableData
                if chunk.isEmpty { break }
                count(chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) })
                switch box.destination {
                case .nextStage(let writer):
                    do { try writer.write(contentsOf: chunk) } catch { break copying }
                case .file(let writer):
                    if writable {
                        do { try writer.write(contentsOf: chunk) } catch {
                            writable = false
                            box.counters?.failedWrite("\(error.localizedDescription)")
                        }
                    }
                case .stderr:
                    pending.append(chunk)
                    if let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                        let lines = pending[...lastNewline]
                        stderrLock.withLock { try? FileIO.writeAll(Array(lines), to: 2, name: "<stderr>") }
                        pending = Data(pending[(lastNewline + 1)...])
                    }
                }
            }
            if case .stderr = box.destination, !pending.isEmpty {
                stderrLock.withLock { try? FileIO.writeAll(Array(pending) + [UInt8(ascii: "\n")], to: 2, name: "<stderr>") }
            }
            if case .nextStage(let writer) = box.destination { try? writer.close() }
            try? box.reader.close()
            ended()
            group.leave()
        }
    }

    private struct UncheckedCopy: @unchecked Sendable {
        let reader: FileHandle
        let destination: Destination
        let counters: Counters?
    }

    /// Per-stage tallies, written from the copying threads.
    private final class Counters: @unchecked Sendable {
        private let lock = NSLock()
        private let start: Date
        private var records: [Int]
        private var stderrLines: [Int]
        private var endedAt: [Double]
        private(set) var writeFailure: String?

        init(count: Int, start: Date) {
            self.start = start
            records = Array(repeating: 0, count: count)
            stderrLines = Array(repeating: 0, count: count)
            endedAt = Array(repeating: 0, count: count)
        }

        func addRecords(_ index: Int, _ lines: Int) { lock.withLock { records[index] += lines } }
        func addStderr(_ index: Int, _ lines: Int) { lock.withLock { stderrLines[index] += lines } }
        /// When the stage's stdout closed: it has written everything (it exits right after).
        func ended(_ index: Int) { lock.withLock { endedAt[index] = Date().timeIntervalSince(start) } }
        func failedWrite(_ reason: String) { lock.withLock { if writeFailure == nil { writeFailure = reason } } }

        func result(_ index: Int, tool: String, status: Int32) -> PipelineStageResult {
            lock.withLock {
                PipelineStageResult(
                    tool: tool, status: status, seconds: endedAt[index], records: records[index], stderrLines: stderrLines[index])
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
        return Shell.quoted(text)
    }
}
