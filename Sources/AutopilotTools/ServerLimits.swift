import ArgumentParser
import AutopilotKit

/// What receive-alerts takes from a client before cutting it off (slack-approvals keeps HTTPServer's
/// defaults: Slack's callbacks are small).
struct ServerLimits: ParsableArguments {
    @Option(help: ArgumentHelp("Largest body accepted, in bytes.", valueName: "bytes"))
    var maxBody: Int = 4 << 20

    @Option(help: ArgumentHelp("Seconds a client may stay silent before it is disconnected.", valueName: "seconds"))
    var idleTimeout: Int = 10

    @Option(help: ArgumentHelp("Seconds a whole request may take to arrive (a client trickling bytes is cut off).", valueName: "seconds"))
    var requestTimeout: Int = 30

    func validate() throws {
        if maxBody < 1024 { throw ValidationError("--max-body must be at least 1024 bytes") }
        if idleTimeout < 1 || requestTimeout < 1 { throw ValidationError("--idle-timeout and --request-timeout must be at least 1 second") }
    }

    func apply(to server: HTTPServer) {
        server.maxBodySize = maxBody
        server.idleTimeout = .seconds(Int64(idleTimeout))
        server.requestTimeout = .seconds(Int64(requestTimeout))
    }
}
