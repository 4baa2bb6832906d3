/// Every kind of finding the tools write, by the name on the wire (`finding.detector`). Downstream code
/// switches on this enum with no `default`, so a new kind does not compile until each place that must
/// handle it does (the places are listed in docs/architecture.md, "How to add a detector").
public enum FindingKind: String, CaseIterable, Sendable {
    case overRequestedCPU = "over-requested-cpu"
    case overRequestedMemory = "over-requested-memory"
    /// Written by the memory detector (OOM kills) and by detect-incidents.
    case underProvisionedMemory = "under-provisioned-memory"
    /// Written by detect-incidents (CPU saturation).
    case underProvisionedCPU = "under-provisioned-cpu"
    case idleNode = "idle-node"
    case orphanVolume = "orphan-volume"
    case misconfiguredAutoscaling = "misconfigured-autoscaling"
    case nodeConsolidation = "node-consolidation"
    case stuckTerminating = "stuck-terminating"

    /// A change of a container's requests (or limits): applied by restarting its pods.
    public var changesRequests: Bool {
        switch self {
        case .overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU: return true
        case .idleNode, .orphanVolume, .misconfiguredAutoscaling, .nodeConsolidation, .stuckTerminating: return false
        }
    }

    /// A change that takes instances or volumes away: what a later bill can confirm.
    public var removesResources: Bool {
        switch self {
        case .idleNode, .nodeConsolidation, .orphanVolume, .stuckTerminating: return true
        case .overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU, .misconfiguredAutoscaling: return false
        }
    }
}
