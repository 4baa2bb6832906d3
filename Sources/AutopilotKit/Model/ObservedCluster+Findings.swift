extension ObservedCluster {
    /// The workload a finding changes: its target, or the target of the HPA or ScaledObject it names;
    /// nil for node, node-pool and volume findings (and autoscalers not in the stream).
    public func workloadKey(of finding: FindingRecord) -> Observed.WorkloadKey? {
        let namespace = finding.namespace ?? ""
        let kind = finding.target.kind
        let name = finding.target.name
        switch kind {
        case "Node", "NodePool", "NodeGroup", "Nodes", "PersistentVolume", "PersistentVolumeClaim": return nil
        case "HorizontalPodAutoscaler": return hpas.first { $0.namespace == namespace && $0.name == name }?.target
        case "ScaledObject": return scaledObjects.first { $0.namespace == namespace && $0.name == name }?.target
        default: return Observed.WorkloadKey(namespace: namespace, kind: kind, name: name)
        }
    }

    /// The nodes a node finding removes or replaces.
    public static func nodes(of finding: FindingRecord) -> [String] {
        switch finding.target.kind {
        case "Node": return [finding.target.name]
        case "NodePool", "NodeGroup", "Nodes": return finding.recommended["removeNodes"]?.array.compactMap(\.string) ?? []
        default: return []
        }
    }
}
