/// What stops a pod from being moved off a node, in plain words.
enum DrainBlockers {
    static func find(_ pods: [Observed.Pod], _ cluster: ObservedCluster) -> [String] {
        var blockers: [String] = []
        for pod in pods {
            let name = "\(pod.namespace)/\(pod.name)"
            if pod.annotations["karpenter.sh/do-not-disrupt"] == "true" {
                blockers.append("\(name) is annotated karpenter.sh/do-not-disrupt: Karpenter will not drain this node until it goes")
            }
            if pod.owner == nil { blockers.append("\(name) has no controller: draining deletes it for good") }
            for pdb in cluster.pdbs(selecting: pod) where (pdb.disruptionsAllowed ?? 1) == 0 {
                blockers.append("PodDisruptionBudget \(pdb.namespace)/\(pdb.name) allows 0 disruptions: it blocks evicting \(name)")
            }
        }
        return blockers
    }

    /// A pod that cannot be moved by a drain without a human decision.
    static func isPinned(_ pod: Observed.Pod, _ cluster: ObservedCluster) -> Bool {
        pod.annotations["karpenter.sh/do-not-disrupt"] == "true" || pod.owner == nil
            || cluster.pdbs(selecting: pod).contains { ($0.disruptionsAllowed ?? 1) == 0 }
    }
}
