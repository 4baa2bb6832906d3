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
            let named = users.map { user in
                user.origin + (user.cluster == ClusterPaths.everyCluster ? " (every cluster)" : user.cluster.isEmpty ? "" : " (cluster \(user.cluster))")
            }
            notes.append("\(file) is the values file of \(named.joined(separator: ", ")): this change applies to all of them.")
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

    /// Where a release's values are: in the release object (a Flux HelmRelease's `spec.values`, an Argo CD
    /// Application's `helm.valuesObject`, with the overlay patches of it), or in a values file it names.
    enum ValuesSite {
        case object(ManifestIndex.Document, prefix: [YAMLPathStep])
        case file(String)

        var path: String {
            switch self {
            case .object(let document, _): document.path
            case .file(let path): path
            }
        }
    }

    /// The values of a Helm workload in the Flux HelmRelease (found by the labels helm-controller puts on
    /// what it renders, or the release name) or Argo CD Application (by its tracking label, with its
    /// `helm.valuesObject` and `helm.valueFiles`) that renders it. The key is `resources` or
    /// `<container>.resources`, where the values already set one, in one place; nil when the repo holds no
    /// such release.
    func releaseValues(_ workload: Observed.Workload, container: String, field: [YAMLPathStep]) -> Lookup? {
        let target = "\(workload.key.kind) \(workload.key.namespace)/\(workload.key.name)"
        var releases: [(document: ManifestIndex.Document, sites: [ValuesSite])] = []
        var blocked: [String] = []
        let release = workload.annotations["meta.helm.sh/release-name"]
        let namespace = workload.annotations["meta.helm.sh/release-namespace"] ?? workload.key.namespace
        for document in manifests.documents where document.role == .resource {
            guard let root = manifests.sources[document.path]?.documents[document.index] else { continue }
            let apiVersion = root["apiVersion"]?.scalarValue ?? ""
            if document.kind == "HelmRelease" && apiVersion.hasPrefix("helm.toolkit.fluxcd.io/") {
                let byLabel = workload.labels["helm.toolkit.fluxcd.io/name"] == document.name
                    && workload.labels["helm.toolkit.fluxcd.io/namespace"].map { ns in document.renderings.contains { $0.namespace == ns } } ?? true
                let byRelease = release != nil && (root["spec"]?["releaseName"]?.scalarValue ?? document.name) == release
                    && (root["spec"]?["targetNamespace"]?.scalarValue ?? document.namespace) == namespace
                guard byLabel || byRelease else { continue }
                releases.append((document, [.object(document, prefix: [.key("spec"), .key("values")])]))
                if case .sequence(let from)? = root["spec"]?["valuesFrom"], !from.items.isEmpty {
                    blocked.append("\(document.path) also takes values from \(from.items.compactMap { item in item["name"]?.scalarValue.map { "\(item["kind"]?.scalarValue ?? "ConfigMap") \($0)" } }.joined(separator: ", ")) (valuesFrom), text emit-pr does not edit")
                }
            } else if document.kind == "Application" && apiVersion.hasPrefix("argoproj.io/"), document.name == workload.labels["app.kubernetes.io/instance"],
                let helm = root["spec"]?["source"]?["helm"] {
                var sites: [ValuesSite] = [.object(document, prefix: [.key("spec"), .key("source"), .key("helm"), .key("valuesObject")])]
                let folder = root["spec"]?["source"]?["path"]?.scalarValue.map(ClusterPaths.clean) ?? ""
                if case .sequence(let files)? = helm["valueFiles"] {
                    sites += files.items.compactMap(\.scalarValue).map { ManifestIndex.normalize(folder, $0) }.filter { manifests.sources[$0] != nil }.map(ValuesSite.file)
                }
                releases.append((document, sites))
                if let text = helm["values"]?.scalarValue, text.contains("resources") {
                    blocked.append("\(document.path) sets values in helm.values, a block of text emit-pr does not edit (valuesObject or a values file can be edited)")
                }
            }
        }
        guard !releases.isEmpty else { return nil }
        // Several releases of that name: the ones this cluster deploys.
        if releases.count > 1 {
            let tied = releases.filter { release in
                release.document.overlays.isEmpty ? clusterPaths.tie(release.document.path, to: cluster.name).isThisCluster
                    : release.document.overlays.contains { clusterPaths.tie($0, to: cluster.name).isThisCluster }
            }
            if !tied.isEmpty { releases = tied }
        }
        let names = releases.map { "\($0.document.kind) \($0.document.namespace.map { $0 + "/" } ?? "")\($0.document.name) (\($0.document.path))" }
            .joined(separator: ", ")
        guard releases.count == 1, let (releaseDocument, sites) = releases.first else {
            return .missing("\(names) all render \(target); map it with --values-map to the one cluster \(cluster.name) runs")
        }
        // The keys each site already sets: an object's in its base and every overlay patch of it.
        let candidates: [[YAMLPathStep]] = [[.key("resources")], [.key(container), .key("resources")]]
        func keys(in site: ValuesSite) -> [[YAMLPathStep]] {
            var roots: [(YAMLNode?, [YAMLPathStep])] = []
            switch site {
            case .object(let document, let prefix):
                for copy in manifests.documents(kind: document.kind, name: document.name, namespace: document.namespace) {
                    roots.append((manifests.sources[copy.path]?.documents[copy.index], prefix))
                }
            case .file(let path):
                roots.append((manifests.sources[path]?.documents.first, []))
            }
            return candidates.filter { key in
                roots.contains { root, prefix in
                    var node = root
                    for case .key(let part) in prefix + key { node = node?[part] }
                    return node != nil
                }
            }
        }
        let setting = sites.map { ($0, keys(in: $0)) }.filter { !$0.1.isEmpty }
        guard setting.count == 1, let (site, found) = setting.first, found.count == 1, let key = found.first else {
            let said: String
            if setting.isEmpty {
                said = "set no `resources` or `\(container).resources`" + (blocked.isEmpty ? ", so the chart's defaults apply" : " emit-pr can edit")
            } else if setting.count > 1 {
                said = "set resources in \(setting.map(\.0.path).joined(separator: " and ")), and which wins depends on the chart"
            } else {
                said = "set both `resources` and `\(container).resources`"
            }
            var suggestion: (file: String, path: String)
            switch sites.first {
            case .object(let document, let prefix)?:
                // This cluster's patch of the release, else the release itself.
                let copies = manifests.documents(kind: document.kind, name: document.name, namespace: document.namespace)
                let accepted = clusterOverlays(copies).accepted
                let patch = copies.first { copy in
                    if case .patch = copy.role { return copy.matched.contains { $0.overlay.map(accepted.contains) ?? false } }
                    return false
                }
                suggestion = ((patch ?? document).path, (prefix + [.key("resources")]).map(\.description).joined(separator: "."))
            case .file(let path)?: suggestion = (path, "resources")
            case nil: suggestion = (releaseDocument.path, "resources")
            }
            let extra = blocked.isEmpty ? "" : " (\(blocked.joined(separator: "; ")))"
            return .missing("\(target) is rendered by \(names), whose values \(said)\(extra); "
                + "map the container with --values-map (file: \(suggestion.file), path: \(suggestion.path))")
        }
        let keyText = key.map(\.description).joined(separator: ".")
        switch site {
        case .file(let path):
            var notes = ["Rendered by Helm from \(names): the value is in its values file \(path) at `\(keyText)`."]
            notes += sharedValuesNotes(path, path: keyText, except: nil)
            return .found(Location(path: path, document: 0, steps: key + field.dropFirst(), notes: notes))
        case .object(let document, let prefix):
            let lookup = locate(kind: document.kind, namespace: document.namespace, name: document.name, field: { _ in prefix + key + field.dropFirst() }) { _ in
                "no manifest of \(names) in the repo can hold its values"
            }
            guard case .found(var location) = lookup else { return lookup }
            location.notes.insert("Rendered by Helm from \(names): the value is in its values at `\(keyText)`.", at: 0)
            return .found(location)
        }
    }
}
