import AutopilotKit
import Foundation
import XCTest

/// A real PostgreSQL (Debian's package) for the ledger tests: a throwaway cluster made by `initdb` in a temp
/// directory, owned by and run as the unprivileged user `nobody` (the server refuses root), listening on
/// 127.0.0.1 only (no Unix socket) with password authentication and TLS (a certificate for 127.0.0.1
/// signed by a CA made here, `caFile`), and removed by `stop()`. The package is installed when missing,
/// through pipelines/install-packages.sh, so no service of its own starts.
final class PostgresServer {
    static let user = "autopilot"
    static let password = "ledger-test-pw"

    let directory: URL
    /// The CA that signed the server's certificate, for `sslmode=verify-full&sslrootcert=…`.
    var caFile: URL { directory.appendingPathComponent("ca.crt") }
    private(set) var port = 0
    private var process = Process()
    private var databases = 0

    nonisolated(unsafe) private static var running: PostgresServer?

    /// One server for a test class, started on first use; the class's `tearDown` calls `stopShared()`.
    static func shared() throws -> PostgresServer {
        if let running { return running }
        let started = try PostgresServer()
        running = started
        return started
    }

    static func stopShared() {
        running?.stop()
        running = nil
    }

    init() throws {
        // Started as nobody, which takes root (the suite runs as root here and in CI).
        try MissingComponent.check(getuid() == 0, "PostgreSQL is started as the user nobody, which needs root")
        let bin = try Self.binaries()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("autopilot-pg-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let passwordFile = directory.appendingPathComponent("pw")
        try Self.password.write(to: passwordFile, atomically: true, encoding: .utf8)
        do {
            try TestCertificates.make(in: directory)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let chown = try PrometheusServer.run("/bin/chown", ["-R", "nobody:nogroup", directory.path])
        guard chown.status == 0 else { throw Self.failure("chown: \(chown.output)") }
        let initdb = try Self.asNobody(bin.appendingPathComponent("initdb").path, [
            "-D", data.path, "-U", Self.user, "--pwfile", passwordFile.path, "--auth", "scram-sha-256",
            "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        ])
        guard initdb.status == 0 else { throw Self.failure("initdb failed: \(initdb.output)") }

        let log = directory.appendingPathComponent("postgres.log")
        var tail = ""
        for _ in 0..<3 {
            port = try PrometheusServer.freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", bin.appendingPathComponent("postgres").path,
                                 "-D", data.path, "-p", String(port), "-c", "listen_addresses=127.0.0.1",
                                 "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=60", "-c", "ssl=on",
                                 "-c", "ssl_cert_file=\(directory.path)/server.crt", "-c", "ssl_key_file=\(directory.path)/server.key"]
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline && process.isRunning {
                if (try? PostgresDatabase(url: url("postgres"))) != nil { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            stopServer()
            tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: " | ")
            guard tail.contains("already in use") else { break }
        }
        try? FileManager.default.removeItem(at: directory)
        throw Self.failure("postgres did not start on port \(port): \(tail)")
    }

    /// A database's URL, with the password in it.
    func url(_ database: String) -> String {
        "postgresql://\(Self.user):\(Self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// `url` (one of this server's) without its password, for a password given another way.
    func withoutPassword(_ url: String) -> String { url.replacingOccurrences(of: ":\(Self.password)@", with: "@") }

    /// A new, empty database's URL.
    func newDatabase() throws -> String {
        databases += 1
        let name = "ledger_\(databases)"
        let admin = try PostgresDatabase(url: url("postgres"))
        try admin.execute("CREATE DATABASE \(name)")
        return url(name)
    }

    private func stopServer() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)  // fast shutdown: roll back, close connections, stop
        process.waitUntilExit()
    }

    func stop() {
        stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// The newest installed server's bin folder; `apt-get install postgresql` (without starting its service) when none is.
    static func binaries() throws -> URL {
        func newest() -> URL? {
            let root = "/usr/lib/postgresql"
            let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
            return versions.reversed().map { URL(fileURLWithPath: "\(root)/\($0)/bin") }
                .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("initdb").path) }
        }
        if let bin = newest() { return bin }
        let script = repositoryRoot.appendingPathComponent("pipelines/install-packages.sh").path
        let result = try PrometheusServer.run("/usr/bin/env", ["bash", script, "postgresql"])
        guard result.status == 0, let bin = newest() else { throw failure("installing postgresql failed: \(result.output)") }
        return bin
    }

    private static func asNobody(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try PrometheusServer.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", executable] + arguments)
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "PostgresServer", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
