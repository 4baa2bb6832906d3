/// One kind of waste or risk. A detector reads the observed cluster and returns findings; a problem in
/// the cluster is a finding, never an error. Findings come back in a deterministic order.
public protocol Detector: Sendable {
    /// The name `--detectors` selects it by, and the `detector` of most of its findings.
    var name: String { get }
    func detect(in context: DetectionContext) -> [Finding]
}

/// Every detector, in the order their findings are written.
public enum DetectorRegistry {
    public static let all: [any Detector] = [
        OverRequestedCPU(),
        OverRequestedMemory(),
        IdleNode(),
        OrphanVolume(),
        MisconfiguredAutoscaling(),
        NodeConsolidation(),
        StuckTerminating(),
    ]

    public static var names: [String] { all.map(\.name) }

    /// The detectors that produce the named findings, in registry order, or the first unknown name.
    public static func select(_ names: [String]) -> Result<[any Detector], UnknownDetector> {
        for name in names where !self.names.contains(name) && name != FindingKind.underProvisionedMemory.rawValue {
            return .failure(UnknownDetector(name: name))
        }
        // under-provisioned-memory findings come from the memory detector.
        let wanted = Set(names.map { $0 == FindingKind.underProvisionedMemory.rawValue ? FindingKind.overRequestedMemory.rawValue : $0 })
        return .success(all.filter { wanted.contains($0.name) })
    }

    /// `--detectors a,b`: the names in a comma-separated list.
    public static func names(inList list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The finding names to keep when `names` are selected: the memory detector's raises come with it.
    public static func findingNames(selecting names: [String]) -> Set<String> {
        var kept = Set(names)
        if kept.contains(FindingKind.overRequestedMemory.rawValue) { kept.insert(FindingKind.underProvisionedMemory.rawValue) }
        return kept
    }
}

public struct UnknownDetector: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown detector '\(name)' (known: \(DetectorRegistry.names.joined(separator: ", ")), under-provisioned-memory)" }
}
