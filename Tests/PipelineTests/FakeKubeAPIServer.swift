import Foundation
import XCTest

/// The fake API server in Support/, started on 127.0.0.1 for one test and stopped after it, with a
/// kubeconfig that points kubectl at it.
final class FakeKubeAPIServer {
    let process = Process()
    let port: Int
    let kubeconfig: URL
    let log: URL

    /// Starts the server over `fixtures`; `extraArguments` passes --omit/--fail. With a `token` the
    /// server speaks TLS (kubectl sends bearer tokens only over TLS) and requires it; the kubeconfig
    /// presents `clientToken`.
    init(fixtures: URL, scratch: URL, extraArguments: [String] = [], token: String? = nil, clientToken: String? = nil) throws {
        log = scratch.appendingPathComponent("apiserver.log")
        let script = repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/fake_kube_apiserver.py")
        var arguments = ["python3", script.path, "--fixtures", fixtures.path, "--port", "0", "--log", log.path]
        if let token { arguments += ["--token", token, "--tls"] }
        port = try ServerProcess.start(process, arguments: arguments + extraArguments, name: "fake API server", stderr: nil)
        kubeconfig = scratch.appendingPathComponent("kubeconfig")
        let config = Self.kubeconfig(port: port, tls: token != nil, token: clientToken ?? token)
        try config.write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    static func kubeconfig(port: Int, tls: Bool, token: String?) -> String {
        let server = tls ? "https://127.0.0.1:\(port)\n    insecure-skip-tls-verify: true" : "http://127.0.0.1:\(port)"
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: demo
          cluster:
            server: \(server)
        users:
        - name: tester
          user:
            token: \(token ?? "none")
        contexts:
        - name: demo
          context:
            cluster: demo
            user: tester
        current-context: demo
        """
    }

    /// The request lines the server logged.
    var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
