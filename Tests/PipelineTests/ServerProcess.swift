import Foundation

/// Starting a test's helper server (a script under Support/, or a tool such as slack-approvals): it binds
/// 127.0.0.1 on a port of its own choosing and prints `LISTENING <port>` once it accepts connections. The launcher waits for that line
/// (20 s at most); a server that dies or says something else is stopped and reported with its stderr.
enum ServerProcess {
    /// `executable` nil runs `arguments` through /usr/bin/env (a script: `python3 script.py …`).
    static func start(_ process: Process, executable: URL? = nil, arguments: [String], environment: [String: String]? = nil,
                      name: String, stderr: URL?) throws -> Int {
        process.executableURL = executable ?? URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        if let stderr {
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: stderr)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(20)
        while !buffer.contains(UInt8(ascii: "\n")) && Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let said = stderr.flatMap { try? String(contentsOf: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            throw NSError(domain: name, code: 1, userInfo: [
                NSLocalizedDescriptionKey: "\(name) did not start (exit \(process.terminationStatus)): \(line) \(said)",
            ])
        }
        return port
    }
}
