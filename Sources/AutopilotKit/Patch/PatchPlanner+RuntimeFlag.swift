import Foundation

/// A runtime's memory setting (a JVM's `-Xmx`/`-Xms`, `GOMEMLIMIT`, Node's `--max-old-space-size`) edited in
/// the same commit as the memory request it holds up (`recommended.runtimeFlag`, from `Detectors/HeapCut.swift`).
extension PatchPlanner {
    /// A request cut below a runtime's current setting is only safe with the setting lowered in the same
    /// commit (`recommended.runtimeFlag`, see `HeapCut`): a JVM's `-Xmx` (and `-Xms` where the detector
    /// lowers it too), `GOMEMLIMIT`, Node's `--max-old-space-size` in `NODE_OPTIONS`, in the env variable of
    /// the same container in the same document as the request, where the container as the repo writes it
    /// shows the setting as the cluster did, before and after the edit. Anything else and neither is
    /// changed. The edit record shows the tokens, not the variable's value (it may hold secrets).
    func runtimeFlag(_ finding: FindingRecord, container: String, workload: Observed.Workload?, besides request: Location?,
                           _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let before = finding.current["runtimeFlag"], after = finding.recommended["runtimeFlag"]
        guard let variable = after?["env"]?.string, before?["env"]?.string == variable,
            let from = before?["value"]?.string, let to = after?["value"]?.string,
            let runtime = RuntimeMemory.Runtime(rawValue: after?["runtime"]?.string ?? "jvm"), let newBytes = after?["heap"]?.int
        else { return .notPatchable("the finding's runtime flag change is incomplete; nothing is changed") }
        var tokens = [(from, to)]
        switch (before?["initial"]?.string, after?["initial"]?.string) {
        case (let initialFrom?, let initialTo?) where runtime == .jvm: tokens.insert((initialFrom, initialTo), at: 0)
        case (nil, nil): break
        default: return .notPatchable("the finding's initial heap change is incomplete; nothing is changed")
        }
        // Only memory sizes go into a manifest from a record, the same flag before and after.
        // `-Xmx`, `-Xms`, `--max-old-space-size`: what a token sets; GOMEMLIMIT's value is all size.
        let flag = { (token: String) in runtime == .go ? "" : runtime == .jvm ? String(token.prefix(4)) : String(token.prefix { $0 != "=" }) }
        guard tokens.allSatisfy({ Self.isRuntimeSize($0.0, runtime, variable) && Self.isRuntimeSize($0.1, runtime, variable) && flag($0.0) == flag($0.1) }),
            runtime != .jvm || from.hasPrefix("-Xmx")
        else { return .notPatchable("the finding's runtime flag change \(from) → \(to) is not a memory size of \(variable); nothing is changed") }
        // A record read from a stream may be forged: only a lower setting, never a token size.
        guard let oldBytes = before?["heap"]?.int, newBytes < oldBytes, newBytes >= 16 << 20 else {
            return .notPatchable("the finding's runtime flag change \(from) → \(to) does not lower the setting; nothing is changed")
        }
        let whole = "the runtime's memory setting must change with the request, so neither is changed"
        guard let request else { return .notPatchable("the finding lowers a runtime's memory without a memory request to lower with it; nothing is changed") }
        // Where the variable's value comes from for this cluster (an overlay's patch wins over the base),
        // and that must be the request's own container, in the same document.
        let steps = Array(request.steps.dropLast(3)) + [.key("env"), .named(variable), .key("value")]
        let field: [YAMLPathStep] = [.key("env"), .named(variable), .key("value")]
        guard case .found(let location) = locateContainerField(kind: finding.target.kind, namespace: finding.namespace,
                                                               name: finding.target.name, container: container, field: field,
                                                               workload: workload),
            location.path == request.path, location.document == request.document, location.steps == steps
        else { return .notPatchable("env \(variable) of container \(container) is not set beside its memory request in \(request.path); \(whole)") }
        // A base several overlays build, or a folder deployed to several clusters: another cluster may set the
        // variable and not the request, and its usage was not measured here.
        let builders = Set(manifests.documents.first { $0.path == location.path && $0.index == location.document }?.overlays ?? [])
        let onlyHere = "a runtime's memory setting is lowered only where one cluster's usage measured it: give this cluster its own \(variable)"
        if builders.count > 1 {
            return .notPatchable("\(location.path) is a kustomize base shared by \(builders.sorted().joined(separator: ", ")); \(onlyHere)")
        }
        let deployed = clusterPaths.clusters(deploying: builders.first ?? location.path)
        if deployed.contains(ClusterPaths.everyCluster) || deployed.count > 1 {
            return .notPatchable("\(builders.first ?? location.path) is deployed to more clusters than \(cluster.name); \(onlyHere)")
        }
        let source = try parse(location.path, workspace)
        // The container as the repo writes it must show the setting as the cluster did: the same flag, the
        // one setting (no other variable, envFrom or initial heap the cluster did not show).
        let node = source.documents[location.document].at(steps.dropLast(3))
        let limit = finding.current["memoryLimit"]?.value.intValue
        let setting = { (value: String) in runtime == .go ? "GOMEMLIMIT=\(value)" : value }
        func detect(_ spec: JSONValue) -> RuntimeMemory? {
            (try? JSON.parse(spec.text)).flatMap { RuntimeMemory.detect(spec: $0, limits: Observed.Resources(memory: limit), requests: Observed.Resources()) }
        }
        guard let spec = node.map(Self.json), let written = detect(spec), written.runtime == runtime, written.editable,
            written.setting == setting(from), written.bytes == before?["heap"]?.int,
            let old = YAMLEdit.value(at: steps, in: source, document: location.document)?.value
        else {
            return .notPatchable("container \(container) in \(request.path) does not set its memory as the cluster showed (\(from) alone in "
                + "\(variable)); \(whole)")
        }
        // Each token once as a word, swapped in place: the edit is the whole change.
        guard tokens.allSatisfy({ pair in RuntimeMemory.words(old).filter { $0 == pair.0 }.count == 1 }) else {
            return .notPatchable("env \(variable) of container \(container) in \(request.path) does not hold \(tokens.map(\.0).joined(separator: " ")) "
                + "once each as written; \(whole)")
        }
        var text = old.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for (old, new) in tokens { text = text.map { $0 == old ? new : $0 } }
        let value = text.joined(separator: " ")
        // The container after the edit, read as the runtime reads it: the new size, nothing larger beside it.
        guard let edited = detect(Self.settingEnv(variable, to: value, in: spec)), edited.runtime == runtime, edited.editable,
            edited.setting == setting(to), edited.bytes == newBytes, (edited.initialHeap?.bytes ?? 0) <= newBytes
        else {
            return .notPatchable("env \(variable) of container \(container) in \(request.path) sets the memory in more ways than the cluster "
                + "showed; \(whole)")
        }
        try write(location, text: value, source: source, field: "\(container) env \(variable) \(runtime == .jvm ? "heap flag" : "memory setting")",
                  from: old, finding: finding, &workspace, shown: (tokens.map(\.0).joined(separator: " "), tokens.map(\.1).joined(separator: " ")))
        return .applied
    }

    /// `-Xmx512m`/`-Xms512m` (JVM), `512MiB` in GOMEMLIMIT (Go), `--max-old-space-size=512` in NODE_OPTIONS.
    static func isRuntimeSize(_ token: String, _ runtime: RuntimeMemory.Runtime, _ variable: String) -> Bool {
        switch runtime {
        case .jvm: (token.hasPrefix("-Xmx") || token.hasPrefix("-Xms")) && RuntimeMemory.jvmSize(String(token.dropFirst(4))) != nil
        case .go: variable == "GOMEMLIMIT" && RuntimeMemory.goMemoryLimit(token) != nil
        case .node:
            variable == "NODE_OPTIONS" && RuntimeMemory.isOldSpace(token) && Int(token.drop { $0 != "=" }.dropFirst()).map { $0 > 0 } ?? false
        }
    }

    /// A container spec with env `name` set to `value`.
    static func settingEnv(_ name: String, to value: String, in spec: JSONValue) -> JSONValue {
        guard case .object(var members) = spec, let index = members.firstIndex(where: { $0.key == "env" }),
            case .array(let items) = members[index].value
        else { return spec }
        members[index].value = .array(items.map { item in
            guard item["name"] == .string(name), case .object(var fields) = item else { return item }
            fields = fields.map { $0.key == "value" ? JSONValue.Member("value", .string(value)) : $0 }
            return .object(fields)
        })
        return .object(members)
    }

    /// A YAML node as JSON, scalars as strings (what runtime detection reads of a container: env, command, args).
    static func json(_ node: YAMLNode) -> JSONValue {
        switch node {
        case .scalar(let scalar): .string(scalar.value)
        case .sequence(let sequence): .array(sequence.items.map(json))
        case .mapping(let mapping): .object(mapping.pairs.map { JSONValue.Member($0.key.value, json($0.value)) })
        case .alias: .null
        }
    }
}
