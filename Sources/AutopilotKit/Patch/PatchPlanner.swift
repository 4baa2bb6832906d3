import Foundation

/// Turns one finding into surgical edits of an infra checkout: Kubernetes YAML (plain, kustomize, Helm
/// values), Terraform node groups and volumes, Karpenter NodePools, or a runbook script where the thing to
/// change is not in code. Never guesses: an ambiguous or missing target is "not patchable", with the reason.
public struct PatchPlanner {
    public let manifests: ManifestIndex
    public let terraform: TerraformIndex
    public let valuesMap: [ValuesMapping]
    public let cluster: ObservedCluster
    /// Which folders each cluster deploys: the user's mapping, Argo CD and Flux objects.
    public var clusterPaths = ClusterPaths()
    /// Where runbook scripts go in the repo: `<dir>/<cluster>/<name>.sh`.
    public var runbookDirectory = "runbooks"

    public init(manifests: ManifestIndex, terraform: TerraformIndex, valuesMap: [ValuesMapping], cluster: ObservedCluster) {
        self.manifests = manifests
        self.terraform = terraform
        self.valuesMap = valuesMap
        self.cluster = cluster
    }

    /// Applies `finding` to `workspace`; on `.notPatchable` the workspace is unchanged.
    public func apply(_ finding: FindingRecord, to workspace: inout PatchWorkspace) -> PatchResult {
        // Which files are this cluster's depends on the cluster: another cluster's finding would be placed wrong.
        if case let named = finding.cluster, !named.isEmpty, !cluster.name.isEmpty, named != cluster.name {
            return .notPatchable("the finding is cluster \(named)'s, in a stream of cluster \(cluster.name)'s records; run emit-pr once per cluster")
        }
        var attempt = workspace
        let result: PatchResult
        do {
            switch finding.kind {
            case .overRequestedCPU, .overRequestedMemory, .underProvisionedMemory, .underProvisionedCPU:
                result = try resources(finding, &attempt)
            case .misconfiguredAutoscaling: result = try autoscaler(finding, &attempt)
            case .nodeConsolidation where finding.target.kind == "NodePool": result = try nodePool(finding, &attempt)
            case .nodeConsolidation: result = try nodeInstanceType(finding, &attempt)
            case .idleNode: result = try idleNode(finding, &attempt)
            case .orphanVolume: result = try orphanVolume(finding, &attempt)
            // A stuck object is a person's call (finalizers); an unknown kind has no patch.
            case .stuckTerminating, nil:
                result = .notPatchable("emit-pr has no patch for detector \(finding.detector)")
            }
        } catch {
            result = .notPatchable(error.description)
        }
        if case .applied = result { workspace = attempt }
        return result
    }

    // MARK: Container resources

    /// One resource value a finding changes: `resources.requests.cpu` and the like.
    struct ResourceValue {
        var field: [YAMLPathStep]
        var label: String
        var memory: Bool
        var value: JSONValue
    }

    static func resourceValues(_ finding: FindingRecord) -> [ResourceValue] {
        let current = finding.current.value
        let recommended = finding.recommended.value
        var values: [ResourceValue] = []
        for (key, limitKey, memory) in [("cpu", "cpuLimit", false), ("memory", "memoryLimit", true)] {
            if let new = recommended[key], new != .null, new != current[key] {
                values.append(ResourceValue(field: [.key("resources"), .key("requests"), .key(key)], label: "\(memory ? "memory" : "CPU") request",
                                            memory: memory, value: new))
            }
            if let new = recommended[limitKey], new != .null, new != current[limitKey] {
                values.append(ResourceValue(field: [.key("resources"), .key("limits"), .key(key)], label: "\(memory ? "memory" : "CPU") limit",
                                            memory: memory, value: new))
            }
        }
        return values
    }

    private func resources(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let (kind, name) = (finding.target.kind, finding.target.name)
        guard let container = finding.target.container else { return .notPatchable("the finding names no workload container") }
        let namespace = finding.namespace
        let values = Self.resourceValues(finding)
        if values.isEmpty { return .notPatchable("the recommendation equals the current values") }
        let workload = cluster.workloads[Observed.WorkloadKey(namespace: namespace ?? "", kind: kind, name: name)]
        var memoryRequest: Location?
        for value in values {
            let location: Location
            switch locateContainerField(kind: kind, namespace: namespace, name: name, container: container, field: value.field, workload: workload) {
            case .found(let found): location = found
            case .missing(let reason): return .notPatchable(reason)
            }
            if value.memory, value.field[1] == .key("requests") { memoryRequest = location }
            try set(location, to: value, finding: finding, target: "\(container) \(value.label)", &workspace)
        }
        if finding.recommended["runtimeFlag"].map({ !$0.isNull }) ?? false {
            return try runtimeFlag(finding, container: container, workload: workload, besides: memoryRequest, &workspace)
        }
        return .applied
    }

    /// Where a value lives: a file, a document in it, the path inside, and notes for the reviewer.
    struct Location {
        var path: String
        var document: Int
        var steps: [YAMLPathStep]
        var notes: [String] = []
    }

    enum Lookup {
        case found(Location)
        case missing(String)
    }

    /// The pod spec inside a workload manifest.
    static func podSpecPath(kind: String) -> [YAMLPathStep] {
        switch kind {
        case "Pod": [.key("spec")]
        case "CronJob": [.key("spec"), .key("jobTemplate"), .key("spec"), .key("template"), .key("spec")]
        default: [.key("spec"), .key("template"), .key("spec")]
        }
    }

    /// Order of preference: an explicit Helm values mapping; a kustomize patch of this cluster's overlay
    /// that sets the same field (it wins over the base); the one manifest that defines the workload.
    func locateContainerField(kind: String, namespace: String?, name: String, container: String, field: [YAMLPathStep],
                              workload: Observed.Workload?) -> Lookup {
        if let workload, let mapping = ValuesMapping(annotations: workload.annotations, container: container) {
            return mappedValues(mapping, field: field, byAnnotation: true)
        }
        if let mapping = valuesMapping(kind: kind, namespace: namespace, name: name, container: container) {
            return mappedValues(mapping, field: field, byAnnotation: false)
        }
        func containerPath(_ document: ManifestIndex.Document) -> [YAMLPathStep]? {
            guard let source = manifests.sources[document.path] else { return nil }
            let root = source.documents[document.index]
            var spec: YAMLNode? = root
            for step in Self.podSpecPath(kind: kind) { if case .key(let key) = step { spec = spec?[key] } }
            for list in ["containers", "initContainers"] where spec?[list]?.item(named: container) != nil {
                return Self.podSpecPath(kind: kind) + [.key(list), .named(container)] + field
            }
            return nil
        }
        let lookup = locate(kind: kind, namespace: namespace, name: name, field: containerPath) { candidates in
            notFoundReason(kind: kind, namespace: namespace, name: name, container: container, workload: workload, candidates: candidates)
        }
        if case .missing = lookup, manifests.documents(kind: kind, name: name, namespace: namespace).isEmpty, let workload,
            let release = releaseValues(workload, container: container, field: field) {
            return release
        }
        return lookup
    }

    /// The one place that sets a field of `kind namespace/name` (the name as this cluster runs it, after
    /// kustomize's prefixes and suffixes): `steps` gives the field's path in a document (nil: the document
    /// cannot hold it). A patch of this cluster's overlay that already sets the field wins over the base.
    func locate(kind: String, namespace: String?, name: String, field steps: (ManifestIndex.Document) -> [YAMLPathStep]?,
                notFound: ([ManifestIndex.Document]) -> String) -> Lookup {
        let target = "\(kind) \(namespace.map { $0 + "/" } ?? "")\(name)"
        let candidates = manifests.documents(kind: kind, name: name, namespace: namespace)
        let overlays = clusterOverlays(candidates)
        if let reason = setWhereNotEditable(kind: kind, name: name, namespace: namespace, candidates: candidates, overlays: overlays.accepted,
                                            field: steps) {
            return .missing(reason)
        }
        let overlayPatches = candidates.filter { document in
            guard case .patch = document.role, document.matched.contains(where: { $0.overlay.map(overlays.accepted.contains) ?? false }),
                let path = steps(document), let source = manifests.sources[document.path]
            else { return false }
            return YAMLEdit.value(at: path, in: source, document: document.index) != nil
        }
        if overlayPatches.count == 1, let patch = overlayPatches.first, let path = steps(patch) {
            return .found(Location(path: patch.path, document: patch.index, steps: path,
                                   notes: ["The overlay patch \(patch.path) sets this value, so it is changed there (it wins over the base)."]))
        }
        if overlayPatches.count > 1 {
            return .missing("\(overlayPatches.count) overlay patches set this value: \(overlayPatches.map(\.path).joined(separator: ", "))")
        }
        var resources = candidates.filter { $0.role == .resource && steps($0) != nil }
        if resources.contains(where: { $0.matched.contains { $0.namespace == namespace } }) {
            resources.removeAll { !$0.matched.contains { $0.namespace == namespace } }
        }
        // Kustomize-built documents count through an overlay of this cluster; plain ones unless only
        // another cluster deploys their folder.
        let built = resources.filter { !$0.overlays.isEmpty }
        resources = resources.filter { document in
            document.overlays.isEmpty ? !clusterPaths.tie(document.path, to: cluster.name).isOtherCluster : document.matched.contains {
                $0.overlay.map(overlays.accepted.contains) ?? false
            }
        }
        if resources.count > 1 {
            // Tied for real: through an overlay of this cluster (not one chosen for being the only one), or a folder of it.
            let tied = resources.filter { $0.overlays.isEmpty ? clusterPaths.tie($0.path, to: cluster.name).isThisCluster : overlays.byName == nil }
            if tied.count == 1 { resources = tied }
        }
        guard resources.count == 1, let document = resources.first, let path = steps(document) else {
            if resources.count > 1 {
                return .missing("\(target) is defined in \(resources.count) places (\(resources.map(\.path).joined(separator: ", "))); not guessing which one "
                    + "this cluster runs: map cluster \(cluster.name)'s folder with --cluster-path \(cluster.name)=DIR, or narrow the search with --scope DIR")
            }
            if !built.isEmpty {
                let leaves = Array(Set(built.flatMap(\.overlays))).sorted()
                return .missing("\(built[0].path) is built only by \(leaves.joined(separator: ", ")), none of them cluster \(cluster.name)'s "
                    + "(no folder named after it, no --cluster-path, Argo CD or Flux object maps one to it); not edited: "
                    + "map the right one with --cluster-path \(cluster.name)=DIR")
            }
            if let plain = candidates.first(where: { $0.role == .resource && steps($0) != nil }),
                case .otherCluster(let claim) = clusterPaths.tie(plain.path, to: cluster.name) {
                return .missing("\(plain.path) is deployed to cluster \(claim.cluster) (\(claim.origin)), not to \(cluster.name); not edited: "
                    + "if \(cluster.name) runs it too, map it with --cluster-path \(cluster.name)=DIR")
            }
            return .missing(notFound(candidates))
        }
        var notes: [String] = []
        let builders = Array(Set(document.overlays)).sorted()
        if builders.count > 1 {
            notes.append("\(document.path) is a kustomize base shared by \(builders.joined(separator: ", ")): this change applies to all of them.")
        }
        if let overlay = overlays.byName, builders.contains(overlay) {
            notes.append("Nothing in the repo ties \(overlay) to cluster \(cluster.name) (no folder named after it, no --cluster-path, Argo CD or Flux "
                + "object): it was chosen as the only overlay that builds \(target).")
        }
        let deployedPath = builders.first ?? document.path
        let deployed = clusterPaths.clusters(deploying: deployedPath)
        if deployed.contains(ClusterPaths.everyCluster) {
            let origins = clusterPaths.claims.filter { $0.cluster == ClusterPaths.everyCluster && ClusterPaths.covers($0, deployedPath) }.map(\.origin)
            notes.append("\(deployedPath) is deployed to every cluster Argo CD manages (\(origins.joined(separator: ", "))): this change applies to all of them.")
        } else if deployed.count > 1 {
            notes.append("\(deployedPath) is deployed to clusters \(deployed.joined(separator: ", ")): this change applies to all of them.")
        }
        if document.namespace == nil, let namespace {
            notes.append("\(document.path) names no namespace; it was matched to \(namespace) by kind and name.")
        }
        return .found(Location(path: document.path, document: document.index, steps: path, notes: notes))
    }

    /// The overlays among the candidates' that build this cluster: those tied to it (by --cluster-path, an
    /// Argo CD or Flux object, or a folder named after it); when none is, the one overlay that builds the
    /// object at all (an app folder with its own kustomization.yaml), unless another cluster claims it.
    func clusterOverlays(_ candidates: [ManifestIndex.Document]) -> (accepted: Set<String>, byName: String?) {
        let leaves = Set(candidates.flatMap { $0.matched.compactMap(\.overlay) })
        let tied = leaves.filter { clusterPaths.tie($0, to: cluster.name).isThisCluster }
        if !tied.isEmpty { return (tied, nil) }
        if leaves.count == 1, let only = leaves.first, clusterPaths.tie(only, to: cluster.name) == .unknown { return ([only], only) }
        return ([], nil)
    }

    /// Why the field cannot be changed in a file: this cluster's overlay sets it in an inline patch or with
    /// JSON 6902 operations, which win over the base (editing the base would change nothing). Nil when
    /// neither does.
    private func setWhereNotEditable(kind: String, name: String, namespace: String?, candidates: [ManifestIndex.Document],
                                     overlays: Set<String>, field steps: (ManifestIndex.Document) -> [YAMLPathStep]?) -> String? {
        // The object as the overlay's resources define it: its labels for selectors, its list indexes for pointers.
        guard let base = candidates.first(where: { $0.role == .resource && steps($0) != nil }) ?? candidates.first(where: { steps($0) != nil }),
            let field = steps(base)
        else { return nil }
        let root = manifests.sources[base.path]?.documents[base.index]
        var labels: [String: String] = [:]
        if case .mapping(let mapping)? = root?["metadata"]?["labels"] {
            for pair in mapping.pairs { labels[pair.key.value] = pair.value.scalarValue ?? "" }
        }
        let pointer = Self.pointer(field, in: base.role == .resource ? root : nil)
        for patch in manifests.uneditablePatches where manifests.leaves(of: patch.overlay).contains(where: overlays.contains) {
            // A target names the object as the overlay's inputs do: before the overlay's own prefix, so either name.
            let written = patch.target.selects(kind: kind, name: base.name, namespace: namespace ?? base.namespace, labels: labels)
            let selected = written == false ? patch.target.selects(kind: kind, name: name, namespace: namespace ?? base.namespace, labels: labels) : written
            guard selected != false, let touched = sets(patch, field: field, pointer: pointer) else { continue }
            if selected == nil {
                return "\(patch.origin) may set this value (its target's label selector is not one emit-pr evaluates); "
                    + "change it there, or narrow the target"
            }
            switch patch.content {
            case .strategicMerge:
                return "the inline patch \(patch.origin) sets this value (it wins over the base); emit-pr edits files only: "
                    + "move the patch to a file listed under patches: - path:, or change it there"
            case .operations:
                return "the JSON 6902 patch \(patch.origin) sets /\(touched.joined(separator: "/")) (it wins over the base); "
                    + "emit-pr does not rewrite JSON pointers: change it there"
            }
        }
        return nil
    }

    /// What of the field a patch sets: the strategic merge's value (as a path), or the first operation
    /// path reaching it, the value inside it, or an object holding it. Nil: it leaves the field alone.
    private func sets(_ patch: ManifestIndex.UneditablePatch, field: [YAMLPathStep], pointer: [String?]) -> [String]? {
        switch patch.content {
        case .strategicMerge(let document):
            // Lists of containers merge by name, so the base's path reads the patch too.
            return document.at(field) == nil ? nil : field.map(\.description)
        case .operations(let paths):
            return paths.first { path in zip(path, pointer).allSatisfy { segment, wanted in wanted.map { $0 == segment } ?? (Int(segment) != nil) } }
        }
    }

    /// The field as JSON pointer segments: keys escaped (`~0`, `~1`), a named list item at its index in
    /// `root` (nil where `root` cannot say: any index).
    static func pointer(_ field: [YAMLPathStep], in root: YAMLNode?) -> [String?] {
        var node = root
        return field.map { step -> String? in
            switch step {
            case .key(let key):
                node = node?[key]
                return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            case .named(let name):
                guard case .sequence(let list)? = node, let index = list.items.firstIndex(where: { $0["name"]?.scalarValue == name }) else {
                    node = nil
                    return nil
                }
                node = list.items[index]
                return String(index)
            }
        }
    }

    private func notFoundReason(kind: String, namespace: String?, name: String, container: String, workload: Observed.Workload?,
                                candidates: [ManifestIndex.Document]) -> String {
        let target = "\(kind) \(namespace.map { $0 + "/" } ?? "")\(name)"
        if !candidates.isEmpty { return "no manifest of \(target) in the repo has a container named \(container)" }
        var reason = "no manifest in the repo defines \(target)"
        if let workload {
            let chart = workload.labels["helm.sh/chart"] ?? workload.labels["chart"]
            if chart != nil || workload.labels["app.kubernetes.io/managed-by"] == "Helm" || workload.annotations["meta.helm.sh/release-name"] != nil {
                reason = "\(target) is rendered by Helm\(chart.map { " (chart \($0))" } ?? ""); map it to its values key with --values-map or the \(ValuesMapping.annotation) annotation"
            }
        }
        // A file that could not be parsed matters only if it could hold the target: its text names it.
        let suspects = manifests.failures.filter { $0.mentions(name) }.map(\.path)
        if !suspects.isEmpty { reason += " (\(suspects.joined(separator: ", ")) could not be read and may define it)" }
        return reason
    }

    private func valuesMapping(kind: String, namespace: String?, name: String, container: String) -> ValuesMapping? {
        valuesMap.first {
            $0.kind == kind && $0.name == name && ($0.namespace == nil || $0.namespace == namespace)
                && ($0.container == nil || $0.container == container) && ($0.cluster == nil || $0.cluster == cluster.name)
        }
    }

    /// Sets one resource value at `location`, rendered in the style of what the file has there.
    private func set(_ location: Location, to value: ResourceValue, finding: FindingRecord, target: String,
                     _ workspace: inout PatchWorkspace) throws(YAMLEditError) {
        let source = try parse(location.path, workspace)
        let old = YAMLEdit.value(at: location.steps, in: source, document: location.document)
        let oldText = old.map(\.value)
        let text: String
        if value.memory, let bytes = value.value.intValue ?? value.value.doubleValue.map({ Int64($0.rounded(.up)) }) {
            text = QuantityText.memory(bytes, like: oldText)
        } else if let cores = value.value.doubleValue {
            text = QuantityText.cpu(cores, like: oldText)
        } else {
            throw YAMLEditError("the recommended \(value.label) is not a number")
        }
        try write(location, text: text, source: source, field: target, from: oldText, finding: finding, &workspace)
        if let oldText, let live = Self.liveValue(finding, value), !Self.sameQuantity(oldText, live, memory: value.memory) {
            workspace.note("\(location.path) said \(target) \(oldText) where the cluster runs \(QuantityText.describe(live, memory: value.memory)): the repo had drifted.")
        }
    }

    func parse(_ path: String, _ workspace: PatchWorkspace) throws(YAMLEditError) -> YAMLSource {
        let bytes: [UInt8]
        do { bytes = try workspace.read(path) } catch { throw YAMLEditError("cannot read \(path): \(error)") }
        do { return try YAMLSource(bytes: bytes) } catch { throw YAMLEditError("\(path):\(error.line):\(error.column): \(error.message)") }
    }

    /// `shown`: what the edit record says changed, where that is not the whole value.
    func write(_ location: Location, text: String, source: YAMLSource, field: String, from: String?, finding: FindingRecord,
               _ workspace: inout PatchWorkspace, shown: (from: String, to: String)? = nil) throws(YAMLEditError) {
        // The edit reads back as the new value, in a file that still parses, or it is not made.
        let (bytes, reread) = try YAMLEdit.setAndReread(location.steps, to: text, in: source, document: location.document)
        let line = YAMLEdit.value(at: location.steps, in: reread, document: location.document).map { reread.line(at: $0.start) } ?? 1
        workspace.write(location.path, bytes)
        workspace.record(AppliedEdit(findingId: finding.id, path: location.path, line: line, field: field,
                                     from: shown?.from ?? from, to: shown?.to ?? text))
        for note in location.notes { workspace.note(note) }
    }

    private static func liveValue(_ finding: FindingRecord, _ value: ResourceValue) -> JSONValue? {
        guard case .key(let key) = value.field.last, case .key(let group) = value.field[1] else { return nil }
        let live = finding.current.value[group == "limits" ? key + "Limit" : key]
        return live == .null ? nil : live
    }

    private static func sameQuantity(_ text: String, _ live: JSONValue, memory: Bool) -> Bool {
        if memory {
            guard let bytes = try? Quantity.bytes(text, field: "memory"), let liveBytes = live.intValue ?? live.doubleValue.map({ Int64($0) }) else { return true }
            return bytes == liveBytes
        }
        guard let cores = try? Quantity.cores(text, field: "cpu"), let liveCores = live.doubleValue else { return true }
        return abs(cores - liveCores) < 0.0005
    }
}
