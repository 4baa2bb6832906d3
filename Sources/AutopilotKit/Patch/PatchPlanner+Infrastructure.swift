import Foundation

/// HPAs and NodePools (YAML), node groups and volumes (Terraform), and runbooks for what is not in code.
extension PatchPlanner {
    func autoscaler(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let name = finding.target.name
        let namespace = finding.namespace
        let changes = ["minReplicas", "maxReplicas"].compactMap { key -> (String, Int64)? in
            guard let new = finding.recommended[key]?.value.intValue, new != finding.current[key]?.value.intValue else { return nil }
            return (key, new)
        }
        if changes.isEmpty {
            var conditions: [String] = []
            if case .array(let items)? = finding.basis?["conditions"]?.value {
                conditions = items.filter { $0["status"]?.stringValue == "False" }.compactMap { condition in
                    condition["type"]?.stringValue.map { "\($0)=False (\(condition["reason"]?.stringValue ?? "?"))" }
                }
            }
            return .notPatchable("nothing to change in code: the HPA's bounds stay as they are"
                + (conditions.isEmpty ? "" : "; fix \(conditions.joined(separator: ", ")) by hand"))
        }
        for (key, value) in changes {
            let lookup = locate(kind: "HorizontalPodAutoscaler", namespace: namespace, name: name, field: { _ in [.key("spec"), .key(key)] }) { _ in
                "no manifest in the repo defines HorizontalPodAutoscaler \(namespace.map { $0 + "/" } ?? "")\(name)"
            }
            guard case .found(let location) = lookup else {
                if case .missing(let reason) = lookup { return .notPatchable(reason) }
                return .notPatchable("not found")
            }
            let source = try parse(location.path, workspace)
            let old = YAMLEdit.value(at: location.steps, in: source, document: location.document)?.value
            try write(location, text: String(value), source: source, field: "HPA \(name) \(key)", from: old, finding: finding, &workspace)
        }
        return .applied
    }

    func nodePool(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let name = finding.target.name
        guard var policy = finding.recommended["consolidationPolicy"]?.string else {
            return .notPatchable("the finding recommends no consolidation policy")
        }
        let steps: [YAMLPathStep] = [.key("spec"), .key("disruption"), .key("consolidationPolicy")]
        let lookup = locate(kind: "NodePool", namespace: nil, name: name, field: { _ in steps }) { _ in
            "no manifest in the repo defines the Karpenter NodePool \(name)"
        }
        guard case .found(let location) = lookup else {
            if case .missing(let reason) = lookup { return .notPatchable(reason) }
            return .notPatchable("not found")
        }
        let source = try parse(location.path, workspace)
        let document = source.documents[location.document]
        // Karpenter v1beta1 spells the same policy `WhenUnderutilized`.
        if document["apiVersion"]?.scalarValue == "karpenter.sh/v1beta1" && policy == "WhenEmptyOrUnderutilized" { policy = "WhenUnderutilized" }
        let old = YAMLEdit.value(at: location.steps, in: source, document: location.document)?.value
        try write(location, text: policy, source: source, field: "NodePool \(name) consolidationPolicy", from: old, finding: finding, &workspace)
        if document["spec"]?["disruption"]?["consolidateAfter"]?.scalarValue == "Never" {
            workspace.note("NodePool \(name) has `consolidateAfter: Never`, which turns consolidation off whatever the policy; set a duration too.")
        }
        return .applied
    }

    func nodeInstanceType(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let nodeName = finding.target.name
        guard let node = cluster.node(named: nodeName),
            let current = finding.current["instanceType"]?.string, let recommended = finding.recommended["instanceType"]?.string
        else { return .notPatchable("the finding names no known node and instance types") }
        if let pool = node.nodepool {
            return .notPatchable("Karpenter (NodePool \(pool)) chooses \(nodeName)'s instance type; consolidation replaces it, there is no code to change")
        }
        let group: TerraformIndex.NodeGroup
        var groupNotes: [String] = []
        switch nodeGroup(of: node, notes: &groupNotes) {
        case .success(let found): group = found
        case .failure(let reason): return .notPatchable(reason.description)
        }
        for note in groupNotes { workspace.note(note) }
        if group.instanceTypesFromDefaults {
            return .notPatchable("\(group.address) takes instance_types from eks_managed_node_group_defaults, which every group of the module shares; set it on the group by hand")
        }
        guard case .list(let items, _, _)? = group.instanceTypes else {
            return .notPatchable("\(group.address) in \(group.path) has no literal instance_types list")
        }
        guard let item = items.first(where: { $0.literalText == current }), case .literal(_, let quoted, let start, let end) = item else {
            return .notPatchable("\(group.address) in \(group.path) does not list \(current)")
        }
        try replaceHCL(group.path, start: start, end: end, with: quoted ? "\"\(recommended)\"" : recommended,
                       field: "node group \(group.name) instance type", from: current, to: recommended, finding: finding, &workspace)
        let others = items.compactMap(\.literalText).filter { $0 != current }
        if !others.isEmpty { workspace.note("Node group \(group.name) also allows \(others.joined(separator: ", ")); only \(current) was replaced.") }
        workspace.note("Changing instance_types replaces the group's nodes (a rolling update by EKS, honouring PDBs).")
        return .applied
    }

    func idleNode(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let nodeName = finding.target.name
        guard let node = cluster.node(named: nodeName) else {
            return .notPatchable("the finding names no known node")
        }
        if node.nodepool != nil {
            return try runbook(finding, name: "drain-\(nodeName)", script: Runbook.drainKarpenterNode(finding, node: node), &workspace)
        }
        let group: TerraformIndex.NodeGroup
        var groupNotes: [String] = []
        switch nodeGroup(of: node, notes: &groupNotes) {
        case .success(let found): group = found
        case .failure(let reason): return .notPatchable(reason.description)
        }
        for note in groupNotes { workspace.note(note) }
        let removed = Int64(finding.current["nodes"]?.value.intValue ?? 1) - Int64(finding.recommended["nodes"]?.value.intValue ?? 0)
        guard case .literal(let desiredText, false, let start, let end)? = group.desiredSize, let desired = Int64(desiredText) else {
            return .notPatchable("\(group.address) in \(group.path) has no literal desired_size")
        }
        let newDesired = max(0, desired - removed)
        try replaceHCL(group.path, start: start, end: end, with: String(newDesired), field: "node group \(group.name) desired_size",
                       from: desiredText, to: String(newDesired), finding: finding, &workspace)
        var newMinimum: Int64?
        if case .literal(let minText, false, let minStart, let minEnd)? = group.minSize, let minimum = Int64(minText), minimum > newDesired {
            try replaceHCL(group.path, start: minStart, end: minEnd, with: String(newDesired), field: "node group \(group.name) min_size",
                           from: minText, to: String(newDesired), finding: finding, &workspace)
            newMinimum = newDesired
        }
        if group.ignoresDesiredSize {
            // Terraform will not apply desired_size to a running group; the runbook does, the code keeps the intent.
            // The code's desired_size is what Terraform ignores: the runbook starts from the nodes the group runs.
            let live = Int64(cluster.nodes.filter { $0.nodegroup == node.nodegroup }.count)
            let script = Runbook.scaleNodeGroup(finding, nodegroup: node.nodegroup ?? group.name, current: live, desired: max(0, live - removed),
                                                minimum: newMinimum, maximum: group.maxSize?.literalText.flatMap { Int64($0) })
            _ = try runbook(finding, name: "scale-\(group.name)", script: script, &workspace)
            workspace.note("\(group.address) ignores changes to desired_size once the group exists, so applying the Terraform alone does not remove the node: run the runbook after merging.")
        }
        workspace.note("EKS picks which node leaves when the group shrinks; it may not be \(nodeName). Its pods move to the others (\(finding.recommended["movePods"]?.value.stringList?.count ?? 0) pods).")
        return .applied
    }

    func orphanVolume(_ finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let volumeName = finding.current["volume"]?.string ?? finding.target.name
        let volumeId = finding.current["volumeId"]?.string
        let matches = terraform.volumes.filter { $0.tagName != nil && ($0.tagName == volumeName || $0.tagName == volumeId) }
        if matches.count > 1 {
            return .notPatchable("\(matches.count) aws_ebs_volume resources are tagged \(volumeName): \(matches.map(\.address).joined(separator: ", "))")
        }
        guard let volume = matches.first else {
            let script: String
            do { script = try Runbook.deleteVolume(finding) } catch { return .notPatchable(error.description) }
            return try runbook(finding, name: "delete-volume-\(volumeName)", script: script, &workspace)
        }
        let bytes: [UInt8]
        do { bytes = try workspace.read(volume.path) } catch { throw YAMLEditError("cannot read \(volume.path): \(error)") }
        let range = Self.blockRemovalRange(volume.block, in: bytes)
        let line = bytes[..<volume.block.start].filter { $0 == UInt8(ascii: "\n") }.count + 1
        workspace.write(volume.path, Array(bytes[..<range.lowerBound]) + Array(bytes[range.upperBound...]))
        workspace.record(AppliedEdit(findingId: finding.id, path: volume.path, line: line, field: "resource \(volume.address)",
                                     from: String(decoding: bytes[volume.block.start..<volume.block.end], as: UTF8.self), to: nil))
        workspace.note("Applying this destroys \(volumeId ?? volumeName). Take a snapshot first: `aws ec2 create-snapshot --volume-id \(Shell.quoted(TextSafety.oneLine(volumeId ?? "VOLUME_ID"))) --description \(Shell.quoted(TextSafety.oneLine("before deleting \(volumeName)")))`. To stop managing the volume but keep it, replace the resource with `removed { from = \(volume.address)  lifecycle { destroy = false } }` instead.")
        return .applied
    }

    // MARK: Helpers

    struct Unpatchable: Error, CustomStringConvertible { var description: String }

    /// The one Terraform node group `node` belongs to, tied to this cluster; notes for the reviewer go into
    /// `notes` (a mapped root applied to several clusters).
    func nodeGroup(of node: Observed.Node, notes: inout [String]) -> Result<TerraformIndex.NodeGroup, Unpatchable> {
        guard let name = node.nodegroup else {
            return .failure(Unpatchable(description: "\(node.name) is in no EKS managed node group or Karpenter NodePool"))
        }
        let lookup = terraform.nodeGroups(named: name, cluster: cluster.name, paths: clusterPaths)
        let groups = lookup.groups
        if groups.count > 1 {
            return .failure(Unpatchable(description: "node group \(name) is defined \(groups.count) times (\(groups.map { "\($0.path): \($0.address)" }.joined(separator: ", "))); map cluster \(cluster.name)'s root with --cluster-path \(cluster.name)=DIR"))
        }
        guard let group = groups.first else {
            if let (shared, binding) = lookup.shared.first {
                return .failure(Unpatchable(description: "\(shared.address) in \(shared.path) is applied to \(terraform.describe(binding, root: shared.root)); "
                    + "editing it changes all of them: give each cluster its own setting, or map the root with --cluster-path \(cluster.name)=\(shared.root.isEmpty ? "." : shared.root) to edit it anyway"))
            }
            if let (untied, why) = lookup.untied.first {
                return .failure(Unpatchable(description: "\(untied.address) in \(untied.path) may be another cluster's: \(why); "
                    + "map cluster \(cluster.name)'s root with --cluster-path \(cluster.name)=\(untied.root.isEmpty ? "." : untied.root)"))
            }
            var reason = "no Terraform in the repo defines node group \(name) of cluster \(cluster.name)"
            if !lookup.elsewhere.isEmpty {
                reason += "; it defines one for " + lookup.elsewhere.map { "\($0.clusters.joined(separator: ", ")) (\($0.group.path))" }.joined(separator: ", ")
                    + ": map cluster \(cluster.name)'s root with --cluster-path \(cluster.name)=DIR if it is one of them"
            }
            // EKS may have suffixed the group's name (`general-20261001…`); the code holds the name before it.
            let written = name.replacingOccurrences(of: #"-[0-9]{8,}$"#, with: "", options: .regularExpression)
            let suspects = terraform.failures.filter { $0.mentions(written) }.map(\.path)
            if !suspects.isEmpty { reason += " (\(suspects.joined(separator: ", ")) could not be read and may define it)" }
            return .failure(Unpatchable(description: reason))
        }
        notes += lookup.notes
        return .success(group)
    }

    private func replaceHCL(_ path: String, start: Int, end: Int, with text: String, field: String, from: String, to: String,
                            finding: FindingRecord, _ workspace: inout PatchWorkspace) throws(YAMLEditError) {
        let bytes: [UInt8]
        do { bytes = try workspace.read(path) } catch { throw YAMLEditError("cannot read \(path): \(error)") }
        let edited = Array(bytes[..<start]) + Array(text.utf8) + Array(bytes[end...])
        guard (try? HCL.parse(edited)) != nil else { throw YAMLEditError("\(path): the edit would not parse as HCL; not edited") }
        let line = bytes[..<start].filter { $0 == UInt8(ascii: "\n") }.count + 1
        workspace.write(path, edited)
        workspace.record(AppliedEdit(findingId: finding.id, path: path, line: line, field: field, from: from, to: to))
    }

    private func runbook(_ finding: FindingRecord, name: String, script: String, _ workspace: inout PatchWorkspace) throws(YAMLEditError) -> PatchResult {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "-" })
        let clusterFolder = String(cluster.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        let path = "\(runbookDirectory)/\(clusterFolder.isEmpty ? "cluster" : clusterFolder)/\(safe).sh"
        workspace.write(path, Array(script.utf8))
        workspace.record(AppliedEdit(findingId: finding.id, path: path, line: 1, field: "runbook", from: nil, to: path))
        workspace.note("Not in code: \(path) is a runbook to run by hand (it stops at the first failed command).")
        return .applied
    }

    /// A block's bytes with the comment lines directly above it, its line ends and one following blank line
    /// when a blank line also precedes it, so no double blank line is left behind.
    static func blockRemovalRange(_ block: HCL.Block, in bytes: [UInt8]) -> Range<Int> {
        func lineStart(_ offset: Int) -> Int {
            var start = offset
            while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            return start
        }
        func lineText(from start: Int) -> (text: String, next: Int) {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            return (String(decoding: bytes[start..<end], as: UTF8.self), min(bytes.count, end + 1))
        }
        var start = lineStart(block.start)
        while start > 0 {
            let previous = lineStart(start - 1)
            let text = lineText(from: previous).text.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("#") || text.hasPrefix("//") else { break }
            start = previous
        }
        var end = lineText(from: lineStart(max(block.end - 1, 0))).next
        let precededByBlank = start == 0 || lineText(from: lineStart(start - 1)).text.trimmingCharacters(in: .whitespaces).isEmpty
        if precededByBlank, end < bytes.count, lineText(from: end).text.trimmingCharacters(in: .whitespaces).isEmpty {
            end = lineText(from: end).next
        } else if precededByBlank, end >= bytes.count, start > 0 {
            start = lineStart(start - 1)  // the last block: its blank line above goes too, no blank line at the end
        }
        return start..<end
    }
}
