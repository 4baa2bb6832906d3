import Foundation

/// Why a webhook body is not an Alertmanager notification.
public struct AlertPayloadError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Alertmanager's webhook notification (payload version 4) turned into `alert` records, one per alert:
///
/// ```
/// {"kind":"alert","cluster":"prod-us","alertname":"KubePodCrashLooping","status":"firing",
///  "labels":{…},"annotations":{…},"startsAt":"…","endsAt":null,"fingerprint":"…","generatorURL":"…",
///  "groupKey":"…","groupLabels":{…},"receiver":"autopilot","receivedAt":"…"}
/// ```
///
/// `endsAt` is null while Alertmanager does not know the end (it sends year 1). The cluster comes from the
/// alert's `cluster` label, else the group's, else the receiver's `--cluster`. Older Alertmanagers' alerts
/// without a status take the notification's, and those without a fingerprint get one from their labels.
public enum AlertPayload {
    /// What one notification held: the alerts that can be spooled, the ones that cannot (each with its
    /// reason, `alerts[2] (KubePodCrashLooping): …`), and what was dropped from good alerts (a label
    /// whose value is not a string).
    public struct Notification {
        public var records: [JSONValue] = []
        public var rejected: [String] = []
        public var warnings: [String] = []
    }

    /// The alerts of one notification body; throws when the body is not a version 4 notification at all.
    public static func read(_ body: [UInt8], defaultCluster: String, receivedAt: Date?) throws(AlertPayloadError) -> Notification {
        let parsed: Result<JSON, JSONParseError> = body.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try JSON.parse(raw)) } catch { return .failure(error) }
        }
        switch parsed {
        case .failure(let error): throw AlertPayloadError("invalid JSON at line \(error.line), column \(error.column): \(error.message)")
        case .success(let payload): return try read(payload, defaultCluster: defaultCluster, receivedAt: receivedAt)
        }
    }

    /// One bad alert does not cost the others: it is listed in `rejected` and the rest are read.
    public static func read(_ payload: JSON, defaultCluster: String, receivedAt: Date?) throws(AlertPayloadError) -> Notification {
        guard payload.isObject else { throw AlertPayloadError("the body is not a JSON object") }
        // Older senders write no `version`; a version other than 4 is a format this does not know.
        if let version = payload["version"]?.string, version != "4" { throw AlertPayloadError("payload version \(version); receive-alerts reads version 4") }
        guard let alerts = payload["alerts"], alerts.isArray else { throw AlertPayloadError("no \"alerts\" array: not an Alertmanager webhook payload") }
        var notification = Notification()
        let groupLabels = strings(payload["groupLabels"], "groupLabels", &notification.warnings)
        let commonLabels = strings(payload["commonLabels"], "commonLabels", &notification.warnings)
        for (index, alert) in alerts.array.enumerated() {
            do {
                notification.records.append(try record(alert, index: index, payload: payload, groupLabels: groupLabels, commonLabels: commonLabels,
                                                       defaultCluster: defaultCluster, receivedAt: receivedAt, warnings: &notification.warnings))
            } catch {
                notification.rejected.append(error.message)
            }
        }
        return notification
    }

    private static func record(_ alert: JSON, index: Int, payload: JSON, groupLabels: [String: String], commonLabels: [String: String],
                               defaultCluster: String, receivedAt: Date?, warnings: inout [String]) throws(AlertPayloadError) -> JSONValue {
        guard alert.isObject, let labels = alert["labels"], labels.isObject else {
            throw AlertPayloadError("alerts[\(index)] has no \"labels\" object")
        }
        let labelMap = strings(labels, "alerts[\(index)].labels", &warnings)
        guard let name = labelMap["alertname"] else { throw AlertPayloadError("alerts[\(index)] has no alertname label") }
        // Alertmanager before 0.14 sent no per-alert status, only the notification's (seen in other
        // projects' captured payloads): it stands for each alert.
        guard let status = alert["status"]?.string ?? payload["status"]?.string, status == "firing" || status == "resolved" else {
            throw AlertPayloadError("alerts[\(index)] (\(name)): status must be \"firing\" or \"resolved\"")
        }
        guard let startsAt = alert["startsAt"]?.string, let start = RFC3339.date(startsAt) else {
            throw AlertPayloadError("alerts[\(index)] (\(name)): startsAt is missing or not RFC 3339")
        }
        // Alertmanager sends 0001-01-01T00:00:00Z for "no end known".
        let endsAt = alert["endsAt"]?.string.flatMap(RFC3339.date).flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil }
        let cluster = labelMap["cluster"] ?? commonLabels["cluster"] ?? groupLabels["cluster"] ?? defaultCluster
        return [
            "kind": "alert", "cluster": .string(cluster), "alertname": .string(name), "status": .string(status),
            "labels": .sortedMap(labelMap), "annotations": .sortedMap(strings(alert["annotations"], "alerts[\(index)].annotations", &warnings)),
            "startsAt": .string(RFC3339.string(start)), "endsAt": .optional(endsAt.map(RFC3339.string)),
            "fingerprint": .string(alert["fingerprint"]?.string ?? Self.fingerprint(labelMap)), "generatorURL": .optional(alert["generatorURL"]?.string),
            "groupKey": .optional(payload["groupKey"]?.string), "groupLabels": .sortedMap(groupLabels),
            "receiver": .optional(payload["receiver"]?.string), "receivedAt": .optional(receivedAt.map(RFC3339.string)),
        ]
    }

    /// For an alert sent without one (Alertmanager before 0.19): a stable hash of its labels, as
    /// Alertmanager's own fingerprint is, so the same alert sent again is still counted once.
    static func fingerprint(_ labels: [String: String]) -> String {
        "labels-" + StableHash.fnv1a64(labels.keys.sorted().map { "\($0)\u{1f}\(labels[$0]!)" }.joined(separator: "\u{1e}"))
    }

    /// A label or annotation map. Alertmanager only sends strings; another value is dropped, and said.
    private static func strings(_ json: JSON?, _ place: String, _ warnings: inout [String]) -> [String: String] {
        guard let json, json.isObject else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in json.members {
            if let text = value.string { result[key] = text } else {
                warnings.append("\(place).\(key) is \(value.value.text.prefix(40)), not a string; dropped")
            }
        }
        return result
    }
}
