import Foundation

/// receive-alerts' HTTP endpoints: `POST /alerts` takes an Alertmanager webhook notification and answers
/// 200 only once its alerts are in the spool; `GET /healthz` answers ok; with a metrics file, `GET /metrics`
/// serves the weekly run's own metrics (autopilot.yaml's `metrics:`), so Prometheus can scrape them where no
/// node_exporter reads the file (the in-cluster CronJob).
///
/// Refusals are 4xx with a one-line reason (also logged): 401 without the bearer token, 415 for a body
/// that is not `application/json`, 400 for one that is not a version 4 notification; the server itself
/// answers 413 for a body over its limit. A spool that cannot be written is a 500: Alertmanager retries.
/// A notification with some bad alerts has its good ones spooled and answered 200 with the rejected ones
/// listed (status `partial`); each bad alert, and each label that was not a string, is logged.
public final class AlertReceiver: @unchecked Sendable {
    private let spool: AlertSpool
    private let token: [UInt8]?
    private let defaultCluster: String
    private let log: @Sendable (String) -> Void
    private let clock: @Sendable () -> Date
    private let metricsFile: String?
    /// Alerts spooled since start, for the shutdown line.
    public private(set) var received = 0

    public init(spool: AlertSpool, token: String?, defaultCluster: String, log: @escaping @Sendable (String) -> Void,
                clock: @escaping @Sendable () -> Date = { Date() }, metricsFile: String? = nil) {
        self.spool = spool
        self.token = token.map { Array($0.utf8) }
        self.defaultCluster = defaultCluster
        self.log = log
        self.clock = clock
        self.metricsFile = metricsFile
    }

    /// Called by `HTTPServer` on its one handler queue.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"): return .text(200, "ok")
        case ("POST", "/alerts"): return receive(request)
        case ("GET", "/metrics") where metricsFile != nil: return metrics()
        case (_, "/alerts"), (_, "/healthz"): return refuse(request, 405, "method \(request.method) not allowed")
        default: return refuse(request, 404, "no such endpoint (POST /alerts, GET /healthz)")
        }
    }

    /// The run writes the file whole and renames it into place, so a read is never half of one. Before the
    /// first run there is no file: an empty exposition (no samples), not an error.
    private func metrics() -> HTTPResponse {
        let body = metricsFile.flatMap { try? FileIO.readAll($0) } ?? []
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
    }

    private func receive(_ request: HTTPRequest) -> HTTPResponse {
        if let token, !Self.bearer(request.header("authorization"), matches: token) {
            return refuse(request, 401, "missing or wrong bearer token")
        }
        let contentType = request.header("content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            return refuse(request, 415, "content type \(contentType ?? "(none)"); Alertmanager sends application/json")
        }
        let now = clock()
        let notification: AlertPayload.Notification
        do {
            notification = try AlertPayload.read(request.body, defaultCluster: defaultCluster, receivedAt: now)
        } catch {
            return refuse(request, 400, error.message)
        }
        for warning in notification.warnings { log("warning: \(warning)") }
        for reason in notification.rejected { log("not spooled: \(reason)") }
        let records = notification.records
        // A notification whose alerts are all bad would be refused again on every retry; one with some
        // good alerts has those spooled and answered 200, or Alertmanager would resend them forever.
        if records.isEmpty, !notification.rejected.isEmpty {
            return refuse(request, 400, notification.rejected.joined(separator: "; "))
        }
        do {
            try spool.append(records, at: now)
        } catch {
            log("cannot spool \(records.count) alert(s), answering 500 so Alertmanager retries: \(error)")
            return .text(500, "spool write failed")
        }
        received += records.count
        var answer: JSONValue = ["status": "ok", "alerts": .int(Int64(records.count))]
        if !notification.rejected.isEmpty {
            answer = ["status": "partial", "alerts": .int(Int64(records.count)), "rejected": .strings(notification.rejected)]
        }
        return .json(200, answer)
    }

    private func refuse(_ request: HTTPRequest, _ status: Int, _ reason: String) -> HTTPResponse {
        log("refused \(request.method) \(request.path) (\(status)): \(reason)")
        return .text(status, reason)
    }

    /// `Bearer TOKEN`, compared in time that does not depend on where the first difference is.
    static func bearer(_ header: String?, matches token: [UInt8]) -> Bool {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return false }
        let given = Array(header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        var difference = UInt8(given.count == token.count ? 0 : 1)
        for index in 0..<token.count { difference |= token[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
