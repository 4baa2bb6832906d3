import Foundation

/// The times detect-incidents dates signals by, checked as each record is read: one that is there but is
/// not an RFC 3339 time is a warning at the record's line, and the signal it would date gets no time
/// (never `--now`, never the snapshot's).
enum RecordTimes {
    /// `what: field "text" is not an RFC 3339 time`, one per unreadable time of the record.
    static func unreadable(in record: JSON) -> [String] {
        var fields: [(String, JSON?)] = []
        switch record["kind"]?.string {
        case "pod":
            fields = [("createdAt", record["createdAt"]), ("reasonSince", record["reasonSince"]), ("deletingSince", record["deletingSince"])]
            for list in ["initContainers", "containers"] {
                for container in record[list]?.array ?? [] {
                    fields.append(("\(list)[\(container["name"]?.string ?? "?")].lastTermination.at", container["lastTermination", "at"]))
                }
            }
        case "node": fields = [("createdAt", record["createdAt"]), ("readyCondition.since", record["readyCondition", "since"]), ("deletingSince", record["deletingSince"])]
        case "event": fields = [("firstTimestamp", record["firstTimestamp"]), ("lastTimestamp", record["lastTimestamp"])]
        case "workload": fields = [("rollout.startedAt", record["rollout", "startedAt"])]
        case "alert": fields = [("endsAt", record["endsAt"])]
        case "usage": fields = [("window.start", record["window", "start"]), ("window.end", record["window", "end"]), ("series.start", record["series", "start"])]
        default: return []
        }
        let what = [record["kind"]?.string, [record["namespace"]?.string, record["name"]?.string ?? record["alertname"]?.string].compactMap { $0 }.joined(separator: "/")]
            .compactMap { $0 }.joined(separator: " ")
        return fields.compactMap { field, value in
            guard let value, !value.isNull else { return nil }
            if let text = value.string, RFC3339.date(text) != nil { return nil }
            return "\(what): \(field) \(value.string.map { "\"\($0)\"" } ?? value.value.text) is not an RFC 3339 time"
        }
    }
}
