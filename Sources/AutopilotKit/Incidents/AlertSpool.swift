import Foundation

/// Where received alerts go: appended to a daily file `DIR/alerts-YYYY-MM-DD.ndjson` (UTC day of receipt)
/// and flushed to disk (`fsync`) before the sender is told yes, or written to stdout for a pipe.
///
/// One `append` is one notification: its records are written with one `write(2)` on an `O_APPEND`
/// descriptor, so a crash leaves whole notifications or (at worst) a torn last line, never an
/// acknowledged one missing. A write that fails (a full disk) is cut back off the file, so the next
/// notification does not land on a partial line; and a file that ends without a newline (torn by a
/// crash, or by a cut that failed) gets one first, so a later record never joins a broken one.
/// Not thread-safe: receive-alerts calls it from one queue.
public final class AlertSpool {
    public enum Destination {
        case directory(String)
        case standardOutput
    }

    private let destination: Destination
    /// Daily files older than this many days are removed when a new day's file is opened; 0 keeps all.
    private let retainDays: Int
    private let log: (String) -> Void
    private var day = ""
    private var descriptor: Int32 = -1

    public init(_ destination: Destination, retainDays: Int = 0, log: @escaping (String) -> Void = { _ in }) throws {
        self.destination = destination
        self.retainDays = retainDays
        self.log = log
        if case .directory(let path) = destination { try FileIO.makeDirectory(path) }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The spool file for a day: `alerts-2026-11-24.ndjson`.
    public static func fileName(for date: Date) -> String { "alerts-\(RFC3339.string(date).prefix(10)).ndjson" }

    /// Writes the records durably; throws `IOFailure` when they may not be on disk.
    public func append(_ records: [JSONValue], at now: Date) throws {
        var bytes: [UInt8] = []
        for record in records {
            bytes += record.serialized()
            bytes.append(10)
        }
        switch destination {
        case .standardOutput:
            try FileIO.writeAll(bytes, to: 1, name: "<stdout>")
        case .directory(let directory):
            let path = try open(directory, for: now)
            let length = lseek(descriptor, 0, SEEK_END)
            guard length >= 0 else { throw IOFailure(path: path, operation: "find the end of") }
            if length > 0, !endsWithNewline(length) { bytes.insert(10, at: 0) }
            do {
                try FileIO.writeAll(bytes, to: descriptor, name: path)
                guard fsync(descriptor) == 0 else { throw IOFailure(path: path, operation: "sync") }
            } catch {
                let failure = error
                if ftruncate(descriptor, length) != 0 || fsync(descriptor) != 0 {
                    log("cannot cut the failed write off \(path): \(String(cString: strerror(errno))); the next write starts on a new line")
                }
                throw failure
            }
        }
    }

    /// Whether the open file's last byte (of `length`) is a newline.
    private func endsWithNewline(_ length: off_t) -> Bool {
        var last: UInt8 = 0
        return pread(descriptor, &last, 1, length - 1) == 1 && last == 10
    }

    /// The day's file, opened for appending; a new file's directory entry is synced too.
    private func open(_ directory: String, for now: Date) throws -> String {
        let name = Self.fileName(for: now)
        let path = "\(directory)/\(name)"
        if name == day, descriptor >= 0 { return path }
        if descriptor >= 0 { close(descriptor) }
        descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw IOFailure(path: path, operation: "open for appending") }
        day = name
        prune(directory, now: now)
        let directoryDescriptor = Foundation.open(directory, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return path
    }

    /// Removes daily files whose day is more than `retainDays` before `now`'s (only names this spool
    /// writes; anything else in the directory is left alone). A file that cannot be removed is logged
    /// and kept: pruning never stands in the way of spooling.
    private func prune(_ directory: String, now: Date) {
        guard retainDays > 0 else { return }
        let oldestKept = Self.fileName(for: now.addingTimeInterval(-Double(retainDays) * 86_400))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where Self.isDailyFile(name) && name < oldestKept {
            if unlink("\(directory)/\(name)") == 0 {
                log("removed \(name): older than --retain-days \(retainDays)")
            } else {
                log("cannot remove \(directory)/\(name): \(String(cString: strerror(errno))); keeping it")
            }
        }
    }

    /// `alerts-YYYY-MM-DD.ndjson`, nothing else.
    static func isDailyFile(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 24, name.hasPrefix("alerts-"), name.hasSuffix(".ndjson") else { return false }
        return bytes[7..<17].enumerated().allSatisfy { offset, byte in
            offset == 4 || offset == 7 ? byte == UInt8(ascii: "-") : (48...57).contains(byte)
        }
    }
}
