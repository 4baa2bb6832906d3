import Foundation

/// What collect-cluster does, apart from its command line: read captured files or run kubectl, build
/// one snapshot per cluster, and write its records.
public struct ClusterCollector {
    public var teams: TeamResolver
    public var diagnostics: Diagnostics

    public init(teams: TeamResolver = TeamResolver(), diagnostics: Diagnostics) {
        self.teams = teams
        self.diagnostics = diagnostics
    }

    /// The clusters found at a `--from` path: a file (or `-`) is one cluster; a directory with
    /// captured files is one cluster named after it; a directory of such directories (as `--capture`
    /// writes for several contexts) is one cluster per subdirectory.
    public func offlineSources(path: String, cluster: String?) throws -> [(cluster: String, files: [String])] {
        if path == "-" || !FileIO.isDirectory(path) {
            let name = cluster ?? Self.baseName(path)
            return [(name, [path])]
        }
        let files = try capturedFiles(in: path)
        if !files.isEmpty { return [(cluster ?? Self.baseName(path), files)] }
        var result: [(cluster: String, files: [String])] = []
        for entry in try FileIO.list(path) where FileIO.isDirectory("\(path)/\(entry)") {
            let files = try capturedFiles(in: "\(path)/\(entry)")
            if !files.isEmpty { result.append((entry, files)) }
        }
        if cluster != nil && result.count > 1 {
            throw ValidationFailure("--cluster names one cluster, but \(path) holds \(result.count); leave it out")
        }
        if let cluster, result.count == 1 { result[0].cluster = cluster }
        return result
    }

    /// Reads captured files into a snapshot; damaged files and objects are reported, the rest kept.
    public func readOffline(cluster: String, files: [String]) throws -> ClusterSnapshot {
        let snapshot = ClusterSnapshot(cluster: cluster, teams: teams)
        for file in files {
            do {
                let documents = try KubeInput.read(path: file, diagnostics: diagnostics, prepare: { ClusterSnapshot.entry($0, cluster: cluster) },
                                                   scan: { ClusterSnapshot.scannedEntry($0, listKind: $1, cluster: cluster) }) { entry in
                    try snapshot.store(entry, diagnostics: diagnostics)
                }
                // Empty input is what a kubectl that failed upstream of the pipe leaves: not a cluster with nothing in it.
                if documents == 0 {
                    let message = "no objects read: the input is empty (did the kubectl writing it fail?)"
                    if diagnostics.strict { try diagnostics.error(message, source: file == "-" ? "<stdin>" : file) } else {
                        diagnostics.warning(message, source: file == "-" ? "<stdin>" : file)
                    }
                }
            } catch let failure as IOFailure {
                diagnostics.ioError("\(failure)")
            }
        }
        return snapshot
    }

    /// Lists every resource through kubectl into `directory` and reads the result. An unreachable API
    /// server or refused credentials end this cluster's collection at once; any other failed resource
    /// is reported and the rest still collected.
    public func readLive(cluster: String, kubectl: Kubectl, directory: String) throws -> ClusterSnapshot? {
        try FileIO.makeDirectory(directory)
        var files: [String] = []
        for resource in Kubectl.resources {
            let file = "\(directory)/\(resource.file).json"
            do {
                if try kubectl.fetch(resource, into: file) == .fetched {
                    files.append(file)
                } else {
                    try? FileManager.default.removeItem(atPath: file)
                }
            } catch {
                try? FileManager.default.removeItem(atPath: file)
                diagnostics.unavailable("cluster \(cluster): \(error.message)")
                if error.endsCluster { return nil }
            }
        }
        return try readOffline(cluster: cluster, files: files)
    }

    /// Writes a snapshot's records and returns how many of each kind it wrote.
    @discardableResult
    public func write(_ snapshot: ClusterSnapshot, to writer: NDJSONWriter) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try snapshot.forEachRecord { record in
            if case .string(let kind)? = record["kind"] { counts[kind, default: 0] += 1 }
            try writer.write(record)
        }
        return counts
    }

    /// The cluster name for a kubectl context: an EKS context is the cluster's ARN
    /// (`arn:aws:eks:us-east-1:123456789012:cluster/prod`), whose last part is the name.
    public static func clusterName(forContext context: String) -> String {
        if context.hasPrefix("arn:aws"), let slash = context.lastIndex(of: "/") {
            return String(context[context.index(after: slash)...])
        }
        return context
    }

    private func capturedFiles(in directory: String) throws -> [String] {
        try FileIO.list(directory)
            .filter { name in
                let lowered = name.lowercased()
                return KubeInput.extensions.contains { lowered.hasSuffix(".\($0)") } && !name.hasPrefix(".")
            }
            .map { "\(directory)/\($0)" }
            .filter { !FileIO.isDirectory($0) }
    }

    static func baseName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let last = trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
        for suffix in KubeInput.extensions.map({ ".\($0)" }) where last.lowercased().hasSuffix(suffix) {
            return String(last.dropLast(suffix.count))
        }
        return last
    }
}
