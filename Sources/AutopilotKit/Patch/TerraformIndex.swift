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
        /// The `cluster_name` (or the module's `name`) expression as written: `var.cluster_name`, `"demo"`.
        public var clusterExpression: String?
        /// The Terraform root (folder) the group is in.
        public var root: String { (path as NSString).deletingLastPathComponent }
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
        var text = ""

        /// Whether the file's text holds `name`: only then may it define what a lookup did not find.
        public func mentions(_ name: String) -> Bool { !name.isEmpty && text.contains(name) }
    }

    /// What a root (folder) says that can name a cluster: variable defaults, locals, the `.tfvars` files
    /// that set variables, and the clusters and modules a node group may take its cluster name from.
    struct Root {
        var variableDefaults: [String: String] = [:]
        var locals: [String: String] = [:]
        /// File → the variables it sets (as written).
        var tfvars: [String: [String: String]] = [:]
        /// `module.<name>` / `aws_eks_cluster.<name>` / `data.aws_eks_cluster.<name>` → its name expression.
        var clusterNames: [String: String] = [:]
    }

    public private(set) var nodeGroups: [NodeGroup] = []
    public private(set) var volumes: [Volume] = []
    public private(set) var failures: [Failure] = []
    var roots: [String: Root] = [:]

    public init(root: String, files: [String]) {
        for path in files.filter({ $0.hasSuffix(".tfvars") }).sorted() {
            guard let bytes = try? FileIO.readAll(root + "/" + path), let file = try? HCL.parse(bytes) else { continue }
            let folder = (path as NSString).deletingLastPathComponent
            roots[folder, default: Root()].tfvars[path] = Dictionary(file.attributes.map { ($0.name, Self.text($0.value, bytes)) },
                                                                     uniquingKeysWith: { _, last in last })
        }
        for path in files.filter({ $0.hasSuffix(".tf") }).sorted() {
            guard let bytes = try? FileIO.readAll(root + "/" + path) else { continue }
            let file: HCL.Block
            do { file = try HCL.parse(bytes) } catch {
                let line = bytes[..<min(error.offset, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count + 1
                failures.append(Failure(path: path, line: line, message: error.description, text: String(decoding: bytes, as: UTF8.self)))
                continue
            }
            for block in file.blocks {
                add(block, path: path, bytes: bytes)
                remember(block, root: (path as NSString).deletingLastPathComponent, bytes: bytes)
            }
        }
    }

    /// An expression's source text.
    static func text(_ expression: HCL.Expression, _ bytes: [UInt8]) -> String {
        let (start, end): (Int, Int)
        switch expression {
        case .literal(let text, let quoted, let from, let to):
            if !quoted { return text }
            (start, end) = (from, to)
        case .object(_, let from, let to), .list(_, let from, let to), .other(let from, let to): (start, end) = (from, to)
        }
        return String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
    }

    private mutating func remember(_ block: HCL.Block, root: String, bytes: [UInt8]) {
        let label = block.labels.count > 1 ? block.labels[1] : block.labels.first ?? ""
        switch (block.type, block.labels.first) {
        case ("variable", let name?):
            if let value = block["default"] { roots[root, default: Root()].variableDefaults[name] = Self.text(value, bytes) }
        case ("locals", _):
            for attribute in block.attributes { roots[root, default: Root()].locals[attribute.name] = Self.text(attribute.value, bytes) }
        case ("module", let name?):
            if let value = block["cluster_name"] ?? block["name"] { roots[root, default: Root()].clusterNames["module.\(name)"] = Self.text(value, bytes) }
        case ("resource", "aws_eks_cluster"), ("data", "aws_eks_cluster"):
            let prefix = block.type == "data" ? "data.aws_eks_cluster." : "aws_eks_cluster."
            if let value = block["name"] { roots[root, default: Root()].clusterNames[prefix + label] = Self.text(value, bytes) }
        default:
            break
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
                clusterName: block["cluster_name"]?.stringText, clusterExpression: block["cluster_name"].map { Self.text($0, bytes) }, desiredSize: scaling?["desired_size"], minSize: scaling?["min_size"],
                maxSize: scaling?["max_size"], instanceTypes: block["instance_types"],
                ignoresDesiredSize: lifecycle.map(Self.ignoresDesiredSize) ?? false))
        case ("module", let module?):
            guard case .object(let groups, _, _)? = block["eks_managed_node_groups"] else { return }
            let defaults = block["eks_managed_node_group_defaults"]
            for (key, group) in groups {
                var nodeGroup = NodeGroup(
                    path: path, name: group["name"]?.stringText ?? key, address: "module.\(module): eks_managed_node_groups.\(key)",
                    clusterName: block["cluster_name"]?.stringText ?? block["name"]?.stringText,
                    clusterExpression: (block["cluster_name"] ?? block["name"]).map { Self.text($0, bytes) },
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

    /// Which clusters a node group's root applies it to, and who says so.
    public struct Binding: Equatable, Sendable {
        /// Cluster name → where it comes from: `literal`, `variables default`, `envs/prod.tfvars`.
        public var clusters: [String: [String]] = [:]
        /// Why it cannot be told (a reference emit-pr does not follow, a workspace-dependent name); nil when it can.
        public var unresolved: String?
        /// The name depends on `terraform.workspace`: one root, one state a workspace, any number of clusters.
        public var byWorkspace = false
    }

    /// The clusters `group` is applied to, following `var.`, `local.`, `module.` and `aws_eks_cluster`
    /// references within its root, `.tfvars` files, and `"${…}"` templates of them.
    public func binding(of group: NodeGroup) -> Binding {
        guard let expression = group.clusterExpression else { return Binding(unresolved: "it names no cluster") }
        return evaluate(expression, root: group.root, depth: 0)
    }

    private func evaluate(_ text: String, root: String, depth: Int) -> Binding {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard depth < 16 else { return Binding(unresolved: "`\(text)` refers too deep") }
        let folder = roots[root] ?? Root()
        if text.contains("terraform.workspace") {
            return Binding(unresolved: "the cluster name `\(text)` depends on the Terraform workspace", byWorkspace: true)
        }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
            return template(String(text.dropFirst().dropLast()), root: root, depth: depth)
        }
        if text.hasPrefix("var.") {
            let name = String(text.dropFirst(4))
            var binding = Binding()
            for (file, values) in folder.tfvars.sorted(by: { $0.key < $1.key }) {
                guard let value = values[name] else { continue }
                let inner = evaluate(value, root: root, depth: depth + 1)
                for (cluster, _) in inner.clusters { binding.clusters[cluster, default: []].append(file) }
                if let why = inner.unresolved { binding.unresolved = why }
            }
            if !binding.clusters.isEmpty || binding.unresolved != nil { return binding }
            guard let value = folder.variableDefaults[name] else {
                return Binding(unresolved: "var.\(name) has no default and no .tfvars file beside it sets it")
            }
            var inner = evaluate(value, root: root, depth: depth + 1)
            for key in inner.clusters.keys { inner.clusters[key] = ["the default of var.\(name)"] }
            return inner
        }
        if text.hasPrefix("local."), let value = folder.locals[String(text.dropFirst(6))] {
            return evaluate(value, root: root, depth: depth + 1)
        }
        // `module.eks.cluster_name`, `aws_eks_cluster.main.name`, `data.aws_eks_cluster.this.id`.
        let parts = text.split(separator: ".").map(String.init)
        for count in [3, 2] where parts.count >= count {
            if let value = folder.clusterNames[parts.prefix(count - 1).joined(separator: ".")] {
                return evaluate(value, root: root, depth: depth + 1)
            }
        }
        return Binding(unresolved: "its cluster is `\(text)`, which emit-pr does not evaluate")
    }

    /// A quoted string: literal parts and `${…}` references, each of which must come to one value
    /// (or one may come to several: a name per .tfvars file).
    private func template(_ body: String, root: String, depth: Int) -> Binding {
        var results: [(text: String, sources: [String])] = [("", [])]
        var rest = Substring(body)
        while let open = rest.range(of: "${") {
            let literal = String(rest[..<open.lowerBound])
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let inner = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: close)...]
            let value: Binding
            if inner == "basename(path.cwd)" || inner == "basename(path.module)" {
                let name = (root as NSString).lastPathComponent
                if name.isEmpty { return Binding(unresolved: "its cluster name uses the root folder's name, which is the repo's own") }
                value = Binding(clusters: [name: ["the root folder's name"]])
            } else {
                value = evaluate(inner, root: root, depth: depth + 1)
            }
            if value.unresolved != nil { return value }
            results = results.flatMap { partial in
                value.clusters.sorted(by: { $0.key < $1.key }).map { (partial.text + literal + $0.key, partial.sources + $0.value) }
            }
        }
        var binding = Binding()
        for result in results { binding.clusters[result.text + rest, default: []] += result.sources.isEmpty ? ["literal"] : result.sources }
        return binding
    }

    /// What the repo says of the node groups named `name`, for `cluster`.
    public struct NodeGroupLookup {
        /// Tied to this cluster alone (or mapped to it by the user).
        public var groups: [NodeGroup] = []
        /// Applied to this cluster and others, with the clusters and where each comes from.
        public var shared: [(group: NodeGroup, binding: Binding)] = []
        /// Not tied to any cluster emit-pr can tell, and why.
        public var untied: [(group: NodeGroup, reason: String)] = []
        /// Notes for the reviewer on the groups found (a mapped root applied to several clusters).
        public var notes: [String] = []
        /// Groups of that name the code ties to other clusters, and theirs.
        public var elsewhere: [(group: NodeGroup, clusters: [String])] = []
    }

    /// The node groups named `name` that are `cluster`'s: the code names it (literally, through a variable's
    /// default or the only .tfvars value), or the user mapped the root to it (`--cluster-path`), or the root
    /// is in a folder named after it and its cluster name cannot be told. A root that several .tfvars files
    /// or workspaces apply to several clusters is `shared`: editing it changes them all, so it counts only
    /// when the user mapped it, with a note naming every cluster.
    public func nodeGroups(named name: String, cluster: String, paths: ClusterPaths = ClusterPaths()) -> NodeGroupLookup {
        // EKS may add a generated suffix to the group's name (the module's use_name_prefix): `general-20261001…`.
        let named = nodeGroups.filter { group in
            let suffix = name.hasPrefix(group.name + "-") ? name.dropFirst(group.name.count + 1) : ""
            return group.name == name || (suffix.count >= 8 && suffix.allSatisfy(\.isNumber))
        }
        var lookup = NodeGroupLookup()
        for group in named {
            let binding = binding(of: group)
            let tie = paths.tie(group.path, to: cluster)
            let userMapped: Bool = { if case .claimed(let claim) = tie { return claim.mapped } else { return false } }()
            let others = binding.clusters.keys.filter { $0 != cluster }.sorted()
            // A .tfvars file whose value cannot be told may be another cluster's: then the root is shared.
            let onlyThis = binding.clusters.keys.contains(cluster) && others.isEmpty && !binding.byWorkspace && binding.unresolved == nil
            if onlyThis {
                lookup.groups.append(group)
            } else if userMapped {
                // The user's word wins (the cluster may be known by another name in the records than in AWS).
                lookup.groups.append(group)
                if binding.byWorkspace || binding.clusters.count > 1 {
                    lookup.notes.append("\(group.root.isEmpty ? "The root" : group.root) is applied to " + describe(binding, root: group.root)
                        + ": this change applies to all of them.")
                } else if !others.isEmpty {
                    lookup.notes.append("\(group.address) names cluster \(others.joined(separator: ", ")); --cluster-path maps its root to \(cluster).")
                }
            } else if binding.clusters.keys.contains(cluster) || binding.byWorkspace {
                lookup.shared.append((group, binding))
            } else if binding.unresolved != nil, tie.isThisCluster {
                lookup.groups.append(group)
            } else if let reason = binding.unresolved, !tie.isOtherCluster {
                lookup.untied.append((group, reason))
            } else {
                lookup.elsewhere.append((group, binding.clusters.isEmpty ? ["another cluster"] : binding.clusters.keys.sorted()))
            }
            // Code that names other clusters only, or a root another cluster claims, is not this cluster's.
        }
        return lookup
    }

    /// `clusters dev (envs/dev.tfvars), prod (envs/prod.tfvars)`, or the workspaces, named after the
    /// .tfvars files in and under the root when there are any.
    public func describe(_ binding: Binding, root: String) -> String {
        if binding.byWorkspace {
            let files = roots.filter { $0.key == root || root.isEmpty || $0.key.hasPrefix(root + "/") }.flatMap(\.value.tfvars.keys).sorted()
            let names = files.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }.filter { $0 != "terraform" }
            return "one cluster per Terraform workspace (\(binding.unresolved ?? "the name depends on terraform.workspace"))"
                + (names.isEmpty ? "" : "; its .tfvars files name the workspaces \(names.joined(separator: ", ")) (\(files.joined(separator: ", ")))")
        }
        return "clusters " + binding.clusters.sorted(by: { $0.key < $1.key }).map { "\($0.key) (\($0.value.joined(separator: ", ")))" }
            .joined(separator: ", ")
    }
}
