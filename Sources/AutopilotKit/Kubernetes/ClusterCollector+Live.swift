import Foundation

extension ClusterCollector {
    /// Where the live clusters are: kubectl and its kubeconfig, the contexts to read (none: the current
    /// one, or the pod's service account when running in a pod), the name to give a single cluster, and
    /// where each raw answer is kept for replay (nil: a temporary folder, removed after).
    public struct LiveTargets {
        public var kubectl = "kubectl"
        public var kubeconfig: String?
        public var contexts: [String] = []
        public var retries = 2
        public var cluster: String?
        public var capture: String?

        public init() {}

        /// In a pod (KUBERNETES_SERVICE_HOST set) with no kubeconfig named, kubectl uses the service account's
        /// token and CA, and there is no current context to ask for.
        var runsInCluster: Bool {
            let environment = ProcessInfo.processInfo.environment
            return kubeconfig == nil && environment["KUBECONFIG"] == nil && environment["KUBERNETES_SERVICE_HOST"] != nil
        }
    }

    /// One snapshot per context read live; a context whose current name cannot be found is reported as
    /// unavailable and skipped.
    public func readLive(_ targets: LiveTargets) throws -> [ClusterSnapshot] {
        var result: [ClusterSnapshot] = []
        let contexts: [String?] = targets.contexts.isEmpty ? [nil] : targets.contexts
        for name in contexts {
            var client = Kubectl(executable: targets.kubectl, kubeconfig: targets.kubeconfig, context: name, retries: targets.retries)
            let clusterName: String
            if name == nil && targets.runsInCluster {
                // A pod's service account: kubectl's in-cluster config has no context to name.
                clusterName = targets.cluster ?? "in-cluster"
            } else {
                var contextName = name ?? ""
                if name == nil {
                    do {
                        contextName = try client.currentContext()
                    } catch {
                        diagnostics.unavailable(error.message)
                        continue
                    }
                }
                client.context = contextName
                clusterName = targets.cluster ?? Self.clusterName(forContext: contextName)
            }
            let directory = targets.capture.map { "\($0)/\(clusterName)" }
                ?? "\(NSTemporaryDirectory())/collect-cluster-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
            defer { if targets.capture == nil { try? FileManager.default.removeItem(atPath: directory) } }
            if let snapshot = try readLive(cluster: clusterName, kubectl: client, directory: directory) { result.append(snapshot) }
        }
        return result
    }

    /// collect-cluster's `--summary`: records written per kind, and the errors reported.
    public static func summary(_ totals: [String: Int], errors: Int) -> String {
        ClusterSnapshot.recordKinds.map { "\(totals[$0] ?? 0) \($0)" }.joined(separator: ", ") + "; \(errors) errors"
    }
}
