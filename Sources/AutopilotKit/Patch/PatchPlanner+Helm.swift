import Foundation

/// Helm-rendered workloads: their values are in a values file the user mapped (`--values-map`, the
/// `autopilot.io/values` annotation), or in the Flux `HelmRelease` / Argo CD `Application` that renders
/// them, when the repo holds it.
extension PatchPlanner {
    /// Where a mapped values key lives, with notes naming everything else that file feeds.
    func mappedValues(_ mapping: ValuesMapping, field: [YAMLPathStep], byAnnotation: Bool) -> Lookup {
        guard manifests.sources[mapping.file] != nil else {
            return .missing("the values mapping points at \(mapping.file), which is not a YAML file in the repo")
        }
        var notes = ["Mapped by \(byAnnotation ? "the \(ValuesMapping.annotation) annotation" : "--values-map"): the value is in \(mapping.file) at `\(mapping.path)`."]
        notes += sharedValuesNotes(mapping.file, path: mapping.path, except: mapping)
        return .found(Location(path: mapping.file, document: 0, steps: YAMLPathStep.parse(mapping.path) + field.dropFirst(), notes: notes))
    }

    /// What else a values file feeds: the overlays that build it (a HelmRelease patch in a kustomize base),
    /// the Argo CD Applications that list it, other workloads mapped to the same key.
    func sharedValuesNotes(_ file: String, path: String, except mapping: ValuesMapping?) -> [String] {
        var notes: [String] = []
        let overlays = Array(Set(manifests.documents.filter { $0.path == file }.flatMap(\.overlays))).sorted()
        if overlays.count > 1 {
            notes.append("\(file) is in a kustomize base shared by \(overlays.joined(separator: ", ")): this change applies to all of them.")
        }
        let users = clusterPaths.claims.filter { $0.valueFiles.contains(file) }
        if users.count > 1 || Set(users.map(\.cluster)).count > 1 {
            notes.append("\(file) is the values file of \(users.map { "\($0.origin) (cluster \($0.cluster))" }.joined(separator: ", ")): this change applies to all of them.")
        }
        let others = valuesMap.filter { $0.file == file && $0.path == path }.filter { other in
            guard let mapping else { return true }
            return other.name != mapping.name || other.namespace != mapping.namespace || other.cluster != mapping.cluster || other.kind != mapping.kind
        }
        if !others.isEmpty {
            let names = others.map { other in
                (other.cluster.map { "\($0): " } ?? "") + "\(other.kind) " + (other.namespace.map { "\($0)/" } ?? "") + other.name
            }
            notes.append("\(file) `\(path)` is also mapped to \(names.joined(separator: ", ")): this change applies to them too.")
        }
        return notes
    }

    /// The values of a Helm workload in the Flux HelmRelease (found by the labels helm-controller puts on
    /// what it renders, or the release name) or Argo CD Application (by its tracking label) that renders
    /// it. The key is `resources` or `<container>.resources`, where the values already set one; nil when
    /// the repo holds no such release.
    func releaseValues(_ workload: Observed.Workload, container: String, field: [YAMLPathStep]) -> Lookup? {
        let release = workload.annotations["meta.helm.sh/release-name"]
        let namespace = workload.annotations["meta.helm.sh/release-namespace"] ?? workload.key.namespace
        var sources: [(document: ManifestIndex.Document, values: [YAMLPathStep], describe: String)] = []
        if let name = workload.labels["helm.toolkit.fluxcd.io/name"] ?? release {
            let objectNamespace = workload.labels["helm.toolkit.fluxcd.io/namespace"]
            for document in manifests.documents where document.kind == "HelmRelease" && document.role == .resource {
                guard let root = manifests.sources[document.path]?.documents[document.index],
                    root["apiVersion"]?.scalarValue?.hasPrefix("helm.toolkit.fluxcd.io/") == true
                else { continue }
                let byLabel = workload.labels["helm.toolkit.fluxcd.io/name"] == document.name
                    && (objectNamespace == nil || document.renderings.contains { $0.namespace == objectNamespace })
                let byRelease = release != nil && (root["spec"]?["releaseName"]?.scalarValue ?? document.name) == release
                    && (root["spec"]?["targetNamespace"]?.scalarValue ?? document.namespace) == namespace
                if byLabel || byRelease {
                    sources.append((document, [.key("spec"), .key("values")], "HelmRelease \(document.namespace.map { $0 + "/" } ?? "")\(document.name) (\(document.path))"))
                }
            }
        }
        if let instance = workload.labels["app.kubernetes.io/instance"], sources.isEmpty {
            for document in manifests.documents(kind: "Application", name: instance, namespace: nil) {
                guard let root = manifests.sources[document.path]?.documents[document.index], root["spec"]?["source"]?["helm"] != nil else { continue }
                sources.append((document, [.key("spec"), .key("source"), .key("helm"), .key("valuesObject")],
                                "Argo CD Application \(document.name) (\(document.path))"))
            }
        }
        guard !sources.isEmpty else { return nil }
        let candidates: [[YAMLPathStep]] = [[.key("resources")], [.key(container), .key("resources")]]
        // The keys the release's values (its base and every overlay patch of it) already set.
        var keys: [[YAMLPathStep]] = []
        for source in sources {
            for document in manifests.documents(kind: source.document.kind, name: source.document.name, namespace: source.document.namespace) {
                guard let root = manifests.sources[document.path]?.documents[document.index] else { continue }
                var values: YAMLNode? = root
                for case .key(let key) in source.values { values = values?[key] }
                for key in candidates where !keys.contains(key) {
                    var node = values
                    for case .key(let part) in key { node = node?[part] }
                    if node != nil { keys.append(key) }
                }
            }
        }
        let names = sources.map(\.describe).joined(separator: ", ")
        guard sources.count == 1, let source = sources.first else {
            return .missing("\(names) all render \(workload.key.kind) \(workload.key.namespace)/\(workload.key.name); map it with --values-map to the one cluster \(cluster.name) runs")
        }
        guard keys.count == 1, let key = keys.first else {
            let said = keys.isEmpty ? "set no `resources` or `\(container).resources`, so the chart's defaults apply"
                : "set both `resources` and `\(container).resources`"
            // The file to suggest: this cluster's patch of the release, else the release itself.
            let releases = manifests.documents(kind: source.document.kind, name: source.document.name, namespace: source.document.namespace)
            let accepted = clusterOverlays(releases).accepted
            let patch = releases.first { document in
                if case .patch = document.role { return document.matched.contains { $0.overlay.map(accepted.contains) ?? false } }
                return false
            }
            let file = (patch ?? source.document).path
            return .missing("\(workload.key.kind) \(workload.key.namespace)/\(workload.key.name) is rendered by \(names), whose values \(said); "
                + "map the container with --values-map (file: \(file), path: \((source.values + [.key("resources")]).map(\.description).joined(separator: ".")))")
        }
        let document = source.document
        let lookup = locate(kind: document.kind, namespace: document.namespace, name: document.name, field: { _ in source.values + key + field.dropFirst() }) { _ in
            "no manifest of \(names) in the repo can hold its values"
        }
        guard case .found(var location) = lookup else { return lookup }
        location.notes.insert("Rendered by Helm from \(names): the value is in its values at `\(key.map(\.description).joined(separator: "."))`.", at: 0)
        return .found(location)
    }
}
