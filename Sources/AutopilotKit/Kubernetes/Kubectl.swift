import Foundation

/// Runs the real `kubectl` to list what collect-cluster needs, one resource at a time, writing each
/// response to a file (the capture, when asked for) that is then read like offline input.
public struct Kubectl {
    /// One resource to list: the name given to `kubectl get`, and the file its capture is saved as.
    public struct Resource: Sendable {
        public let name: String
        public let file: String
        public let namespaced: Bool
        /// A CRD that may not be installed; its absence is not an error.
        public let optional: Bool
    }

    /// What collect-cluster lists, in order. Nodes come first: if the API server cannot be reached,
    /// that shows at once.
    public static let resources: [Resource] = [
        Resource(name: "nodes", file: "nodes", namespaced: false, optional: false),
        Resource(name: "namespaces", file: "namespaces", namespaced: false, optional: false),
        Resource(name: "pods", file: "pods", namespaced: true, optional: false),
        Resource(name: "deployments.apps", file: "deployments", namespaced: true, optional: false),
        Resource(name: "statefulsets.apps", file: "statefulsets", namespaced: true, optional: false),
        Resource(name: "daemonsets.apps", file: "daemonsets", namespaced: true, optional: false),
        Resource(name: "replicasets.apps", file: "replicasets", namespaced: true, optional: false),
        Resource(name: "jobs.batch", file: "jobs", namespaced: true, optional: false),
        Resource(name: "cronjobs.batch", file: "cronjobs", namespaced: true, optional: false),
        Resource(name: "persistentvolumes", file: "persistentvolumes", namespaced: false, optional: false),
        Resource(name: "persistentvolumeclaims", file: "persistentvolumeclaims", namespaced: true, optional: false),
        Resource(name: "storageclasses.storage.k8s.io", file: "storageclasses", namespaced: false, optional: false),
        Resource(name: "horizontalpodautoscalers.autoscaling", file: "horizontalpodautoscalers", namespaced: true, optional: false),
        Resource(name: "services", file: "services", namespaced: true, optional: false),
        Resource(name: "poddisruptionbudgets.policy", file: "poddisruptionbudgets", namespaced: true, optional: false),
        Resource(name: "events", file: "events", namespaced: true, optional: false),
        Resource(name: "scaledobjects.keda.sh", file: "scaledobjects", namespaced: true, optional: true),
        Resource(name: "nodepools.karpenter.sh", file: "nodepools", namespaced: false, optional: true),
    ]

    /// How one `kubectl get` ended.
    public enum Outcome: Equatable {
        case fetched
        /// The resource type does not exist on this cluster (a CRD that is not installed).
        case notInstalled
    }

    /// Why `kubectl get` failed.
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        /// Nothing can be listed from this cluster (unreachable, credentials refused, no such context):
        /// no other resource will do better.
        public let endsCluster: Bool
        public var description: String { message }
    }

    public var executable: String
    public var kubeconfig: String?
    public var context: String?
    public var retries: Int
    public var retryDelay: Double
    public var requestTimeout: String

    public init(
        executable: String = "kubectl", kubeconfig: String? = nil, context: String? = nil, retries: Int = 3,
        retryDelay: Double = 1, requestTimeout: String = "60s"
    ) {
        self.executable = executable
        self.kubeconfig = kubeconfig
        self.context = context
        self.retries = retries
        self.retryDelay = retryDelay
        self.requestTimeout = requestTimeout
    }

    /// The context kubectl would use when none is named.
    public func currentContext() throws(Failure) -> String {
        let result = try run(["config", "current-context"], stdout: nil)
        guard result.status == 0 else {
            throw Failure(message: "kubectl has no current context (\(result.stderrLine)); name one with --context", endsCluster: true)
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Any kubectl command with this client's kubeconfig and context, once, its output kept (autopilot-doctor's probes).
    public func probe(_ arguments: [String]) throws(Failure) -> (status: Int32, stdout: String, stderrLine: String) {
        let result = try run(arguments + ["--request-timeout=\(requestTimeout)"], stdout: nil)
        return (result.status, result.stdout, result.stderrLine)
    }

    /// Lists one resource across all namespaces into `file`, retrying transient failures with backoff.
    public func fetch(_ resource: Resource, into file: String) throws(Failure) -> Outcome {
        var arguments = ["get", resource.name, "-o", "json", "--request-timeout=\(requestTimeout)"]
        if resource.namespaced { arguments.append("--all-namespaces") }
        var attempt = 0
        while true {
            let result = try run(arguments, stdout: file)
            if result.status == 0 { return .fetched }
            let message = result.stderrLine
            // With a warm discovery cache kubectl skips discovery and the list itself is not found.
            if message.contains("the server doesn't have a resource type")
                || (message.contains("Unable to list") && message.contains("could not find the requested resource"))
            {
                if resource.optional { return .notInstalled }
                throw Failure(message: "kubectl get \(resource.name): \(message)", endsCluster: false)
            }
            let transient = Self.isTransient(message)
            if transient && attempt < retries {
                attempt += 1
                Thread.sleep(forTimeInterval: retryDelay * pow(2, Double(attempt - 1)))
                continue
            }
            let tries = attempt > 0 ? " (after \(attempt + 1) attempts)" : ""
            throw Failure(
                message: "kubectl get \(resource.name) failed\(tries): \(message)",
                endsCluster: Self.isUnreachable(message) || Self.isRefused(message))
        }
    }

    /// Connection-level failures: nothing answered.
    static func isUnreachable(_ message: String) -> Bool {
        ["Unable to connect to the server", "connection refused", "was refused", "no such host", "i/o timeout",
         "TLS handshake timeout", "context deadline exceeded", "dial tcp", "EOF"]
            .contains { message.contains($0) }
    }

    /// The cluster answered but will not serve this client at all.
    static func isRefused(_ message: String) -> Bool {
        ["You must be logged in to the server", "Unauthorized", "context was not found", "does not exist"]
            .contains { message.contains($0) }
    }

    /// Failures worth another try: unreachable, or the server said it is overloaded or broken.
    static func isTransient(_ message: String) -> Bool {
        isUnreachable(message)
            || ["InternalError", "Internal error", "ServiceUnavailable", "the server is currently unable",
                "Too many requests", "TooManyRequests", "the server was unable to return a response", "timeout"]
            .contains { message.contains($0) }
    }

    private struct RunResult {
        var status: Int32
        var stdout: String
        var stderr: String
        /// kubectl's last non-empty stderr line: the one that says what went wrong.
        var stderrLine: String {
            let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return lines.last ?? "exit status \(status)"
        }
    }

    private func run(_ arguments: [String], stdout file: String?) throws(Failure) -> RunResult {
        var full: [String] = []
        if let kubeconfig { full += ["--kubeconfig", kubeconfig] }
        if let context { full += ["--context", context] }
        full += arguments

        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = full
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + full
        }
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardInput = FileHandle.nullDevice
        var outputPipe: Pipe?
        if let file {
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: file) else {
                throw Failure(message: "cannot write \(file)", endsCluster: false)
            }
            process.standardOutput = handle
        } else {
            outputPipe = Pipe()
            process.standardOutput = outputPipe
        }
        let exited: DispatchSemaphore
        do {
            exited = try process.start()
        } catch {
            throw Failure(message: "cannot run \(executable): \(error.localizedDescription); install kubectl or use --from", endsCluster: true)
        }
        let captured = outputPipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let errors = errorPipe.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        // /usr/bin/env reports a missing program with status 127.
        if process.terminationStatus == 127 && !executable.contains("/") {
            throw Failure(message: "\(executable) not found on PATH; install kubectl or use --from DIR", endsCluster: true)
        }
        return RunResult(
            status: process.terminationStatus, stdout: String(decoding: captured, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }
}
