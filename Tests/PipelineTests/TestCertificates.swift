import Foundation

/// A CA (`ca.crt`, `ca.key`) and a server certificate for 127.0.0.1 signed by it (`server.crt`,
/// `server.key`, mode 0600), made with openssl in `directory`, for the tests' TLS servers.
enum TestCertificates {
    static func make(in directory: URL) throws {
        let script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=autopilot-test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null
            chmod 600 server.key
            """
        let result = try PrometheusServer.run("/bin/bash", ["-c", script])
        guard result.status == 0 else { throw PrometheusServer.failure("openssl: \(result.output)") }
    }
}
