import Foundation

/// The Terraform of an infra repo: EKS managed node groups, in both the `aws_eks_node_group` resource
/// and the `terraform-aws-modules/eks` module's `eks_managed_node_groups` map, and `aws_ebs_volume`s.
public struct TerraformIndex {
    /// A managed node group: where its settings are, as HCL expressions with byte ranges.
    public struct NodeGroup {
        public var path: String
        public var name: String
        /// `aws_eks_node_group.general` or `module.eks: eks_managed_node_groups.general`.
        public var address: String
        /// The literal cluster name, when the code spells it out.
        public var clusterName: String?
        public var desiredSize: HCL.Expression?
        public var minSize: HCL.Expression?
        public var maxSize: HCL.Expression?
        public var instanceTypes: HCL.Expression?
        /// `desired_size` appears in the resource's `lifecycle { ignore_changes }`.
        public var ignoresDesiredSize: Bool
        /// `instance_types` comes from `eks_managed_node_group_defaults`, shared by the module's groups.
        public var instanceTypesFromDefaults = false
    }

    public struct Volume {
        public var path: String
        public var address: String
        public var tagName: String?
        public var block: HCL.Block
    }

    public struct Failure {
        public var path: String
        public var line: Int
        public var message: String
    }

    public private(set) var nodeGroups: [NodeGroup] = []
    public private(set) var volumes: [Volume] = []
    public private(set) var failures: [Failure] = []

    public init(root: String, files: [String]) {
        for path in files.filter({ $0.hasSuffix(".tf") }).sorted() {
            guard let bytes = try? FileIO.readAll(root + "/" + path) else { continue }
            let file: HCL.Block
            do { file = try HCL.parse(bytes) } catch {
                let line = bytes[..<min(error.offset, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count + 1
                failures.append(Failure(path: path, line: line, message: error.description))
                continue
            }
            for block in file.blocks { add(block, path: path, bytes: bytes) }
        }
    }

    private mutating func add(_ block: HCL.Block, path: String, bytes: [UInt8]) {
        switch (block.type, block.labels.first) {
        case ("resource", "aws_eks_node_group"):
            let label = block.labels.count > 1 ? block.labels[1] : ""
            let scaling = block.blocks.first { $0.type == "scaling_config" }
            // `ignore_changes = [scaling_config[0].desired_size]`: read as text, it is an expression.
            let lifecycle = block.blocks.first { $0.type == "lifecycle" }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            nodeGroups.append(NodeGroup(
                path: path, name: block["node_group_name"]?.stringText ?? label, address: "aws_eks_node_group.\(label)",
                clusterName: block["cluster_name"]?.stringText, desiredSize: scaling?["desired_size"], minSize: scaling?["min_size"],
                maxSize: scaling?["max_size"], instanceTypes: block["instance_types"],
                ignoresDesiredSize: lifecycle.map(Self.ignoresDesiredSize) ?? false))
        case ("module", let module?):
            guard case .object(let groups, _, _)? = block["eks_managed_node_groups"] else { return }
            let defaults = block["eks_managed_node_group_defaults"]
            for (key, group) in groups {
                var nodeGroup = NodeGroup(
                    path: path, name: group["name"]?.stringText ?? key, address: "module.\(module): eks_managed_node_groups.\(key)",
                    clusterName: block["cluster_name"]?.stringText ?? block["name"]?.stringText,
                    desiredSize: group["desired_size"], minSize: group["min_size"], maxSize: group["max_size"],
                    // The module's node groups ignore desired_size after creation (lifecycle ignore_changes in v18–v20).
                    instanceTypes: group["instance_types"] ?? defaults?["instance_types"], ignoresDesiredSize: true)
                nodeGroup.instanceTypesFromDefaults = group["instance_types"] == nil && defaults?["instance_types"] != nil
                nodeGroups.append(nodeGroup)
            }
        case ("resource", "aws_ebs_volume"):
            let label = block.labels.count > 1 ? block.labels[1] : ""
            volumes.append(Volume(path: path, address: "aws_ebs_volume.\(label)", tagName: block["tags"]?["Name"]?.stringText, block: block))
        default:
            break
        }
    }

    /// `ignore_changes = all`, or a list naming desired_size (comments aside).
    static func ignoresDesiredSize(_ lifecycle: String) -> Bool {
        let code = lifecycle.split(separator: "\n").map { line in
            line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }.joined(separator: "\n")
        guard let range = code.range(of: "ignore_changes") else { return false }
        let rest = code[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        if rest.hasPrefix("all") { return true }
        // The list, to its closing bracket (it holds brackets of its own: `scaling_config[0]`).
        var depth = 0
        var list = ""
        for character in rest {
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
            list.append(character)
            if depth == 0 { break }
        }
        // `scaling_config` whole covers its desired_size.
        return list.contains("desired_size") || list.range(of: #"scaling_config\s*[,\]]"#, options: .regularExpression) != nil
    }

    /// The node groups named `name` for `cluster`: code naming another cluster is excluded; code that
    /// names this one wins over code that does not say.
    public func nodeGroups(named name: String, cluster: String) -> [NodeGroup] {
        // EKS may add a generated suffix to the group's name (the module's use_name_prefix): `general-20261001…`.
        let named = nodeGroups.filter { group in
            let suffix = name.hasPrefix(group.name + "-") ? name.dropFirst(group.name.count + 1) : ""
            let sameName = group.name == name || (suffix.count >= 8 && suffix.allSatisfy(\.isNumber))
            return sameName && (group.clusterName == nil || group.clusterName == cluster)
        }
        let exact = named.filter { $0.clusterName == cluster }
        return exact.isEmpty ? named : exact
    }
}
