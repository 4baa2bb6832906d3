#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes.
public enum FileIO {
    /// Reads a whole file (`-` is standard input) into memory.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let descriptor = path == "-" ? 0 : open(path, O_RDONLY)
        guard descriptor >= 0 else { throw IOFailure(path: path, operation: "open") }
        defer { if descriptor != 0 { close(descriptor) } }
        var info = stat()
        var bytes: [UInt8] = []
        if fstat(descriptor, &info) == 0 && info.st_size > 0 { bytes.reserveCapacity(Int(info.st_size) + 1) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: path, operation: "read")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Maps a whole file read-only and calls `body` with its bytes and a `release(upTo:)` that hands the
    /// pages before an offset back to the kernel (they are read again from the page cache if touched),
    /// so a long sequential read of a huge file does not keep it all resident.
    public static func withMappedFile<T>(
        _ path: String, _ body: (UnsafeRawBufferPointer, (Int) -> Void) throws -> T
    ) throws -> T {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw IOFailure(path: path, operation: "open") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw IOFailure(path: path, operation: "stat") }
        let size = Int(info.st_size)
        guard size > 0, (info.st_mode & S_IFMT) == S_IFREG else {
            // Empty, or not a regular file (a pipe, a device): read it.
            let bytes = try readAll(path)
            return try bytes.withUnsafeBytes { try body($0, { _ in }) }
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw IOFailure(path: path, operation: "map")
        }
        defer { munmap(base, size) }
        _ = madvise(base, size, MADV_SEQUENTIAL)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var released = 0
        return try body(UnsafeRawBufferPointer(start: base, count: size)) { offset in
            let end = min(offset, size) / page * page
            guard end > released else { return }
            _ = madvise(base + released, end - released, MADV_DONTNEED)
            released = end
        }
    }

    /// Writes to `path.tmp-PID` and renames it into place, so a reader never sees half a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw IOFailure(path: temporary, operation: "create") }
        var failure: IOFailure?
        do {
            try writeAll(bytes, to: descriptor, name: temporary)
        } catch let error as IOFailure {
            failure = error
        }
        if failure == nil && fsync(descriptor) != 0 {
            close(descriptor)
            unlink(temporary)
            throw IOFailure(path: temporary, operation: "sync")
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let failed = IOFailure(path: path, operation: "rename into")
            unlink(temporary)
            throw failed
        }
    }

    /// Writes every byte to an open descriptor, resuming after interrupted or partial writes.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, name: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw IOFailure(path: name, operation: "write")
                }
                offset += written
            }
        }
    }

    /// Creates a directory and its parents, like `mkdir -p`.
    public static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw IOFailure(path: prefix, operation: "create directory") }
            prefix += "/"
        }
    }

    /// True if `path` names a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory, sorted, without `.` and `..`.
    public static func list(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw IOFailure(path: path, operation: "open directory") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
