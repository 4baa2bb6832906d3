import Foundation

/// `ledger incidents` as a terminal table or CSV, from `ledgerincident` records.
public enum IncidentListing {
    static let columns = ["id", "cluster", "status", "severity", "category", "target", "detected", "last signal", "resolved",
                          "root cause", "confidence", "findings"]

    /// `namespace/Kind/name` (or `Kind/name` without a namespace) of a `ledgerincident` record.
    static func target(_ record: JSONValue) -> String {
        [record["namespace"]?.stringValue, record["target"]?["kind"]?.stringValue, record["target"]?["name"]?.stringValue]
            .compactMap { $0 }.joined(separator: "/")
    }

    static func cells(_ record: JSONValue) -> [String] {
        let target = Self.target(record)
        let confidence = record["rootCause"]?["confidence"]?.doubleValue.map { "\(Int(($0 * 100).rounded()))%" } ?? ""
        return [
            record["id"]?.stringValue ?? "", record["cluster"]?.stringValue ?? "", record["status"]?.stringValue ?? "",
            record["severity"]?.stringValue ?? "", record["category"]?.stringValue ?? "", target,
            record["detectedAt"]?.stringValue ?? "", record["lastSignal"]?.stringValue ?? "", record["resolvedAt"]?.stringValue ?? "",
            record["rootCause"]?["hypothesis"]?.stringValue ?? "", confidence,
            (record["findingIds"]?.stringList ?? []).joined(separator: " "),
        ]
    }

    /// Aligned columns, as kubectl prints them; control characters from the cluster are shown as `?` so a
    /// name cannot move the terminal's cursor.
    public static func table(_ records: [JSONValue]) -> String {
        let rows = [columns.map { $0.uppercased() }] + records.map { cells($0).map(printable) }
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    public static func csv(_ records: [JSONValue]) -> String {
        let header = columns.map { $0.replacingOccurrences(of: " ", with: "_") }.joined(separator: ",")
        return ([header] + records.map { cells($0).map(LedgerExport.quoted).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}
