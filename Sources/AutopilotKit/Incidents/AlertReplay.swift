/// receive-alerts `--from`: captured webhook bodies, one after another (one a line, or pretty-printed as
/// saved), their alerts written as `alert` records. A bad body is an error at its line, and reading goes
/// on at the next one.
public enum AlertReplay {
    public static func run(_ path: String, defaultCluster: String, to writer: NDJSONWriter, diagnostics: Diagnostics) throws {
        try JSONStream.forEach(try FileIO.readAll(path), { body, line in
            do {
                let notification = try AlertPayload.read(body, defaultCluster: defaultCluster, receivedAt: nil)
                for record in notification.records { try writer.write(record) }
                for warning in notification.warnings { diagnostics.warning(warning, source: path, line: line) }
                for reason in notification.rejected { try diagnostics.error("\(reason); that alert is skipped", source: path, line: line) }
            } catch let error as AlertPayloadError {
                try diagnostics.error(error.message, source: path, line: line)
            }
        }, failed: { error in
            try diagnostics.error("invalid JSON: \(error.message); skipped to the next body", source: path, line: error.line, column: error.column)
        })
    }
}
