import Foundation

/// A secret kept in a file (a token, a webhook URL): its first line, trimmed, since files written by `echo`
/// end in a newline. The value never appears in an error.
public enum SecretFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ path: String, _ what: String) throws(Failure) -> String {
        guard let bytes = try? FileIO.readAll(path) else { throw Failure(description: "cannot read \(what) from \(path)") }
        let value = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        guard !value.isEmpty else { throw Failure(description: "\(path) (\(what)) is empty") }
        return value
    }
}
