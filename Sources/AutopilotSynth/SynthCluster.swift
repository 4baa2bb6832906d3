import AutopilotKit
import Foundation

/// What synth-cluster is asked to make.
public struct SynthSpec: Sendable {
    public var seed: UInt64 = 1
    public var nodes = 50
    public var workloads = 300
    public var pods = 1_500
    public var days = 7
    /// The Prometheus step of the captured answers. An hour keeps a 150,000-pod week near 1 GB.
    public var step = Duration(seconds: 3_600)
    /// Share of the (non-DaemonSet, non-CronJob) workloads given planted waste.
    public var wasteFraction = 0.1
    public var cluster = "synth"
    public var region = "us-east-1"
    /// The end of the Prometheus window and the "now" of every timestamp.
    public var now = Date(timeIntervalSince1970: 1_795_176_000)  // 2026-11-20T12:00:00Z

    public init() {}

    /// A usage mistake in the numbers, or nil.
    public var problem: String? {
        if nodes < 8 { return "--nodes must be at least 8 (a system node group, three NodePools, planted idle and underused nodes)" }
        if workloads < SynthCluster.daemonSets.count + 1 { return "--workloads must be at least \(SynthCluster.daemonSets.count + 1)" }
        let spare = pods - nodes * SynthCluster.daemonSets.count
        if spare < workloads - SynthCluster.daemonSets.count {
            return "--pods \(pods) leaves \(max(spare, 0)) pods after one DaemonSet pod per node and DaemonSet; need one per workload (\(workloads - SynthCluster.daemonSets.count))"
        }
        if days < 1 { return "--days must be at least 1" }
        if !(0...1).contains(wasteFraction) { return "--waste must be between 0 and 1" }
        return nil
    }
}

/// A generated cluster: nodes, workloads, pods and volumes, each container with the usage it will show
/// in Prometheus, and the waste planted on purpose (`planted`), so a detection run can be scored.
///
/// How it is made so that only planted waste is waste: right-sized containers request 1.6× their CPU
/// level (the p95 lands at ~1.35×) and 1.3× their memory level (the max lands at ~1.0×), so no
/// recommendation with its 15% margin is 20% below the request; nodes are filled to ~70% of allocatable
/// CPU; a Karpenter NodePool allows one family and one size, so no cheaper type may replace a node. Planted: CPU or memory requests 3.5–6× usage, an HPA
/// pinned at a minimum it does not need, idle nodes (DaemonSet pods only), a NodePool with nodes at ~35%,
/// and Released volumes.
public struct SynthCluster {
    public struct Pool {
        public var name: String
        /// `NodePool` (Karpenter) or `NodeGroup` (EKS managed node group).
        public var kind: String
        public var family: String
        public var sizes: [String]
        /// GiB of memory per vCPU of the family.
        public var memoryPerCore: Double
    }

    public enum NodeRole: String { case regular, idle, consolidate }

    public struct Node {
        public var name: String
        public var pool: Int
        public var instanceType: String
        public var zone: String
        public var capacityType: String
        public var allocatableMillicores: Int64
        public var allocatableBytes: Int64
        public var capacityCores: Int
        public var capacityBytes: Int64
        public var role: NodeRole
        public var created: Date
        public var instanceID: String
        public var uid: String
        public var ip: String
        var requestedMillicores: Int64 = 0
        var requestedBytes: Int64 = 0
    }

    public struct Container {
        public var name: String
        public var image: String
        public var cpuMillicores: Int64
        public var memoryBytes: Int64
        public var cpuLimitMillicores: Int64?
        public var memoryLimitBytes: Int64?
        /// The usage level in cores: the series swing ±30% around it daily, with ±10% noise.
        public var cpuLevel: Double
        /// The memory level: the series stays between 70% and 100% of it.
        public var memoryLevel: Double
        public var port: Int?
    }

    public struct HPA {
        public var minReplicas: Int
        public var maxReplicas: Int
        public var currentUtilization: Int
    }

    public struct Workload {
        public var namespace: String
        public var kind: String
        public var name: String
        public var team: String
        public var pool: Int
        public var replicas: Int
        public var containers: [Container]
        public var hpa: HPA?
        public var pdb: Bool
        public var templateHash: String
        public var uid: String
        public var created: Date
        public var volumeGiB: Int?
        /// Generations of the pod template seen (ReplicaSets kept by a Deployment).
        public var revision: Int
    }

    public struct Pod {
        public var workload: Int
        public var name: String
        public var ownerKind: String
        public var ownerName: String
        public var node: Int
        public var uid: String
        public var ip: String
        public var created: Date
        public var claim: String?
        /// Finished (a CronJob's Job): holds no capacity and is not scraped any more.
        public var succeeded: Bool
    }

    public struct Volume {
        public var name: String
        public var claimNamespace: String?
        public var claimName: String?
        public var phase: String
        public var sizeGiB: Int
        public var zone: String
        public var created: Date
        public var volumeID: String
        public var uid: String
    }

    /// One piece of planted waste, as detect-waste names it.
    public struct Planted {
        public var detector: String
        public var namespace: String?
        public var kind: String
        public var name: String
        public var container: String?
        public var nodes: [String] = []

        /// `detector namespace/kind/name[/container]`: what a finding must match.
        public var key: String {
            "\(detector) \(namespace ?? "")/\(kind)/\(name)" + (container.map { "/\($0)" } ?? "")
        }
    }

    /// name, namespace, CPU request (m), memory request, usage share of the request.
    static let daemonSets: [(name: String, namespace: String, image: String, cpu: Int64, memory: Int64)] = [
        ("aws-node", "kube-system", "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1", 25, 64 << 20),
        ("kube-proxy", "kube-system", "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/kube-proxy:v1.31.2-minimal-eksbuild.3", 100, 64 << 20),
        ("node-exporter", "monitoring", "quay.io/prometheus/node-exporter:v1.8.2", 50, 64 << 20),
    ]

    static let teams = ["checkout", "payments", "search", "data", "identity", "growth", "ml", "ads", "mobile", "notifications",
                        "risk", "catalog", "shipping", "support"]
    static let stages = ["prod", "core", "edge", "batch", "api", "jobs"]
    static let words = ["api", "web", "worker", "consumer", "gateway", "indexer", "scheduler", "sync", "router", "cache",
                        "ingest", "export", "render", "auth", "ledger", "feed", "events", "billing", "pricing", "profile"]
    static let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

    public let spec: SynthSpec
    public var pools: [Pool] = []
    public var nodes: [Node] = []
    public var workloads: [Workload] = []
    public var pods: [Pod] = []
    public var volumes: [Volume] = []
    public var namespaces: [(name: String, team: String)] = []
    public var planted: [Planted] = []

    public var windowStart: Date { spec.now.addingTimeInterval(-Double(spec.days * 86_400)) }

    public init(_ spec: SynthSpec) {
        self.spec = spec
        var random = SynthRandom(seed: spec.seed)
        makeNodes(&random)
        makeWorkloads(&random)
        sizeRequests(&random)
        placePods(&random)
        makeVolumes(&random)
    }

    // MARK: Nodes

    private mutating func makeNodes(_ random: inout SynthRandom) {
        pools = [
            Pool(name: "system", kind: "NodeGroup", family: "m6i", sizes: ["xlarge"], memoryPerCore: 4),
            Pool(name: "general", kind: "NodePool", family: "m6i", sizes: ["2xlarge"], memoryPerCore: 4),
            Pool(name: "compute", kind: "NodePool", family: "c6i", sizes: ["4xlarge"], memoryPerCore: 2),
            Pool(name: "memory", kind: "NodePool", family: "r6i", sizes: ["2xlarge"], memoryPerCore: 8),
        ]
        let n = spec.nodes
        let system = max(1, n / 25)
        let compute = max(1, n / 5)
        let memory = max(1, n * 3 / 20)
        let counts = [system, n - system - compute - memory, compute, memory]
        let idle = max(1, n / 250)
        let consolidate = max(2, n / 500)
        for (poolIndex, count) in counts.enumerated() {
            let pool = pools[poolIndex]
            for index in 0..<count {
                let size = random.pick(pool.sizes)
                let cores = size == "xlarge" ? 4 : size == "2xlarge" ? 8 : 16
                let instance = PriceTable.Instance(vcpu: Double(cores), memoryGiB: Double(cores) * pool.memoryPerCore, onDemandHourly: 0)
                let allocatable = InstanceLabels.estimatedAllocatable(instance)
                // The general pool holds the planted idle and underused nodes.
                var role = NodeRole.regular
                if pool.name == "general" && index < idle { role = .idle }
                if pool.name == "general" && index >= idle && index < idle + consolidate { role = .consolidate }
                let number = nodes.count
                let ip = "10.\(1 + number / 62_500).\((number / 250) % 250).\(number % 250 + 2)"
                nodes.append(Node(
                    name: "ip-\(ip.replacingOccurrences(of: ".", with: "-")).ec2.internal", pool: poolIndex,
                    instanceType: "\(pool.family).\(size)", zone: Self.zones[number % Self.zones.count],
                    capacityType: pool.kind == "NodePool" && random.chance(0.3) ? "spot" : "on-demand",
                    allocatableMillicores: Int64(allocatable.cpu * 1000), allocatableBytes: allocatable.memory / 1024 * 1024,
                    capacityCores: cores, capacityBytes: Int64(Double(cores) * pool.memoryPerCore * 1_073_741_824 * 0.96),
                    role: role, created: spec.now.addingTimeInterval(-Double(random.int(20...90)) * 86_400 - Double(random.int(0...86_399))),
                    instanceID: String(format: "i-0%016llx", random.next() >> 4), uid: random.uuid(), ip: ip))
            }
        }
    }

    // MARK: Workloads

    private mutating func makeWorkloads(_ random: inout SynthRandom) {
        let namespaceCount = max(2, spec.workloads / 40)
        for index in 0..<namespaceCount {
            let team = Self.teams[index % Self.teams.count]
            let stage = Self.stages[(index / Self.teams.count) % Self.stages.count]
            let round = index / (Self.teams.count * Self.stages.count)
            namespaces.append((round == 0 ? "\(team)-\(stage)" : "\(team)-\(stage)-\(round + 1)", team))
        }
        let created = spec.now.addingTimeInterval(-Double(spec.days + 30) * 86_400)
        for ds in Self.daemonSets {
            let container = Container(
                name: ds.name, image: ds.image, cpuMillicores: ds.cpu, memoryBytes: ds.memory, cpuLimitMillicores: nil,
                memoryLimitBytes: ds.memory * 2, cpuLevel: Double(ds.cpu) / 1000 / 1.6, memoryLevel: Double(ds.memory) / 1.3, port: nil)
            workloads.append(Workload(
                namespace: ds.namespace, kind: "DaemonSet", name: ds.name, team: "platform", pool: -1, replicas: spec.nodes,
                containers: [container], hpa: nil, pdb: false, templateHash: random.suffix(10), uid: random.uuid(), created: created,
                volumeGiB: nil, revision: 1))
        }
        // Replicas: heavy-tailed weights, scaled to the pods left after the DaemonSets, at least one each.
        let count = spec.workloads - Self.daemonSets.count
        var kinds: [String] = []
        var weights: [Double] = []
        for _ in 0..<count {
            let roll = random.unit()
            let kind = roll < 0.03 ? "CronJob" : roll < 0.11 ? "StatefulSet" : "Deployment"
            kinds.append(kind)
            weights.append(kind == "CronJob" ? 0 : pow(random.double(0.02...1), -0.8))
        }
        let cronJobs = kinds.filter { $0 == "CronJob" }.count
        let replicas = Self.apportion(spec.pods - spec.nodes * Self.daemonSets.count - cronJobs, weights: weights, minimum: 1)
        var names = Set<String>()
        for index in 0..<count {
            let namespace = namespaces[index % namespaces.count]
            var name = "\(random.pick(Self.words))-\(random.pick(Self.words))"
            while names.contains("\(namespace.name)/\(name)") { name += "-\(random.suffix(3))" }
            names.insert("\(namespace.name)/\(name)")
            // Pools by share of capacity: most workloads on general, some pinned to compute or memory.
            let poolRoll = random.unit()
            let pool = poolRoll < 0.04 ? 0 : poolRoll < 0.64 ? 1 : poolRoll < 0.84 ? 2 : 3
            var containers = [Container(
                name: name.split(separator: "-").last.map(String.init) ?? "app",
                image: "381492150734.dkr.ecr.us-east-1.amazonaws.com/\(name):\(random.int(1...9)).\(random.int(0...30)).\(random.int(0...9))",
                cpuMillicores: 0, memoryBytes: 0, cpuLimitMillicores: nil, memoryLimitBytes: nil, cpuLevel: 0, memoryLevel: 0,
                port: kinds[index] == "CronJob" ? nil : 8080)]
            if kinds[index] == "Deployment" && random.chance(0.2) {
                containers.append(Container(
                    name: "envoy", image: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.9.0-prod", cpuMillicores: 0, memoryBytes: 0,
                    cpuLimitMillicores: nil, memoryLimitBytes: nil, cpuLevel: 0, memoryLevel: 0, port: 15000))
            }
            workloads.append(Workload(
                namespace: namespace.name, kind: kinds[index], name: name, team: namespace.team, pool: pool,
                replicas: kinds[index] == "CronJob" ? 1 : replicas[index], containers: containers, hpa: nil,
                pdb: kinds[index] == "Deployment" && replicas[index] >= 2 && random.chance(0.3), templateHash: random.suffix(10),
                uid: random.uuid(), created: created.addingTimeInterval(-Double(random.int(0...200)) * 86_400),
                volumeGiB: kinds[index] == "StatefulSet" ? random.pick([20, 50, 100, 200]) : nil, revision: random.int(1...14)))
        }
    }

    /// Splits `total` in proportion to `weights` (zero weight: nothing), each non-zero share at least
    /// `minimum`, summing to `total` as closely as the minimums allow.
    static func apportion(_ total: Int, weights: [Double], minimum: Int) -> [Int] {
        let active = weights.filter { $0 > 0 }.count
        let spare = max(0, total - active * minimum)
        let sum = weights.reduce(0, +)
        var shares = weights.map { $0 > 0 ? minimum + Int(Double(spare) * $0 / max(sum, 1e-9)) : 0 }
        var missing = total - shares.reduce(0, +)
        let order = weights.indices.sorted { weights[$0] > weights[$1] }
        var cursor = 0
        while missing > 0, !order.isEmpty {
            let index = order[cursor % order.count]
            if weights[index] > 0 { shares[index] += 1; missing -= 1 }
            cursor += 1
        }
        return shares
    }

    // MARK: Requests, usage and planted waste

    /// Requests so each pool's pods fill its nodes to their target; usage from the requests (right-sized:
    /// request = 1.6 × level; planted: 3.5–6 ×); HPAs and PDBs.
    private mutating func sizeRequests(_ random: inout SynthRandom) {
        // Each node's target share of allocatable CPU for non-DaemonSet pods.
        let daemonMillicores = Self.daemonSets.reduce(Int64(0)) { $0 + $1.cpu }
        var budget = Array(repeating: 0.0, count: pools.count)
        for node in nodes {
            let share: Double
            switch node.role {
            case .regular: share = 0.72
            case .consolidate: share = 0.35
            case .idle: share = 0
            }
            budget[node.pool] += share * Double(node.allocatableMillicores) - (node.role == .idle ? 0 : Double(daemonMillicores))
        }
        var weights = Array(repeating: 0.0, count: pools.count)
        var draws: [[Double]] = []
        for workload in workloads {
            // A sidecar asks for 30% of what the main container's draw would give.
            let draw = workload.containers.indices.map { slot in pow(random.double(0.05...1), -1.2) * (slot == 0 ? 1 : 0.3) }
            draws.append(draw)
            if workload.kind != "DaemonSet" && workload.kind != "CronJob" {
                weights[workload.pool] += draw.reduce(0, +) * Double(workload.replicas)
            }
        }
        let eligible = workloads.indices.filter { workloads[$0].kind == "Deployment" || workloads[$0].kind == "StatefulSet" }
        for index in workloads.indices where workloads[index].kind != "DaemonSet" {
            let pool = workloads[index].pool
            let scale = weights[pool] > 0 ? 0.97 * budget[pool] / weights[pool] : 100
            for (slot, draw) in draws[index].enumerated() {
                // A CronJob's request holds no capacity (its pods have finished); it is sized like the rest.
                let millicores = max(10, (draw * scale / 5).rounded() * 5)
                let gibPerCore = pools[pool].memoryPerCore * random.double(0.35...0.6)
                let bytes = max(64 << 20, Int64(millicores / 1000 * gibPerCore * 1024) << 20)
                workloads[index].containers[slot].cpuMillicores = Int64(millicores)
                workloads[index].containers[slot].memoryBytes = bytes
                workloads[index].containers[slot].cpuLevel = millicores / 1000 / 1.6
                workloads[index].containers[slot].memoryLevel = Double(bytes) / 1.3
                if random.chance(0.4) { workloads[index].containers[slot].memoryLimitBytes = bytes * 2 }
            }
        }
        // Planted waste on the main container of a share of Deployments and StatefulSets.
        for index in eligible where random.chance(spec.wasteFraction) {
            var workload = workloads[index]
            let roll = random.unit()
            if roll < 0.1 && workload.kind == "Deployment" && workload.replicas >= 4 && workload.containers.count == 1 {
                // An HPA pinned at a minimum far above what the load needs (one container: the HPA's
                // utilization averages over all of a pod's containers).
                workload.containers[0].cpuLevel = Double(workload.containers[0].cpuMillicores) / 1000 / 6
                workload.hpa = HPA(minReplicas: workload.replicas, maxReplicas: workload.replicas * 3, currentUtilization: 18)
                planted.append(Planted(detector: FindingKind.misconfiguredAutoscaling.rawValue, namespace: workload.namespace, kind: "HorizontalPodAutoscaler", name: workload.name))
            } else {
                let cpu = roll < 0.55 || roll >= 0.8
                let memory = roll >= 0.55
                let container = workload.containers[0]
                if cpu {
                    // Large enough that the reduction passes the 50m minimum.
                    workload.containers[0].cpuMillicores = max(container.cpuMillicores, 200)
                    workload.containers[0].cpuLevel = Double(workload.containers[0].cpuMillicores) / 1000 / random.double(3.5...6)
                    planted.append(Planted(detector: FindingKind.overRequestedCPU.rawValue, namespace: workload.namespace, kind: workload.kind, name: workload.name, container: container.name))
                }
                if memory {
                    // Large enough that the reduction passes the 128 MiB minimum.
                    workload.containers[0].memoryBytes = max(container.memoryBytes, 512 << 20)
                    workload.containers[0].memoryLevel = Double(workload.containers[0].memoryBytes) / random.double(3.5...6)
                    planted.append(Planted(detector: FindingKind.overRequestedMemory.rawValue, namespace: workload.namespace, kind: workload.kind, name: workload.name, container: container.name))
                }
            }
            workloads[index] = workload
        }
        // Right-sized HPAs on some other multi-replica Deployments: near their target.
        for index in eligible where workloads[index].kind == "Deployment" && workloads[index].hpa == nil && workloads[index].replicas >= 3 && random.chance(0.15) {
            let replicas = workloads[index].replicas
            workloads[index].hpa = HPA(minReplicas: max(2, replicas - 1), maxReplicas: replicas * 3, currentUtilization: random.int(55...66))
        }
    }

    // MARK: Placement

    /// DaemonSet pods on every node; the planted underused nodes filled to ~35% first (in a seeded
    /// order); then the rest of each pool's pods, biggest first, each onto the node with the most room
    /// below its target (85% of allocatable CPU), so every regular node ends near the pool's average fill.
    private mutating func placePods(_ random: inout SynthRandom) {
        var queue: [(workload: Int, replica: Int, order: UInt64)] = []
        for (index, workload) in workloads.enumerated() {
            for replica in 0..<workload.replicas {
                if workload.kind == "DaemonSet" {
                    addPod(workload: index, replica: replica, node: replica, &random)
                } else {
                    queue.append((index, replica, random.next()))
                }
            }
        }
        for index in nodes.indices {
            nodes[index].requestedMillicores = Self.daemonSets.reduce(0) { $0 + $1.cpu }
            nodes[index].requestedBytes = Self.daemonSets.reduce(0) { $0 + $1.memory }
        }
        queue.sort { $0.order < $1.order }
        var done = Array(repeating: false, count: queue.count)
        let underused = nodes.indices.filter { nodes[$0].role == .consolidate }
        for (position, entry) in queue.enumerated() where workloads[entry.workload].kind != "CronJob" {
            let cpu = workloads[entry.workload].containers.reduce(0) { $0 + $1.cpuMillicores }
            if let node = underused.first(where: {
                nodes[$0].pool == workloads[entry.workload].pool
                    && Double(nodes[$0].requestedMillicores + cpu) <= 0.37 * Double(nodes[$0].allocatableMillicores)
            }) {
                place(entry.workload, entry.replica, on: node, &random)
                done[position] = true
            }
        }
        let byRequest = queue.indices.filter { !done[$0] }.sorted { lhs, rhs in
            let a = workloads[queue[lhs].workload].containers.reduce(0) { $0 + $1.cpuMillicores }
            let b = workloads[queue[rhs].workload].containers.reduce(0) { $0 + $1.cpuMillicores }
            return a != b ? a > b : lhs < rhs
        }
        var rooms = pools.indices.map { pool in
            RoomQueue(nodes.indices.filter { nodes[$0].pool == pool && nodes[$0].role == .regular }.map { (room(of: $0), $0) })
        }
        for position in byRequest {
            let entry = queue[position]
            let workload = workloads[entry.workload]
            if workload.kind == "CronJob" {
                // A finished Job's pod stays on the node it ran on.
                addPod(workload: entry.workload, replica: entry.replica, node: random.int(0...(nodes.count - 1)), &random)
                continue
            }
            let node = rooms[workload.pool].pop()
            place(entry.workload, entry.replica, on: node, &random)
            rooms[workload.pool].push(node, room: room(of: node))
        }
    }

    /// A node's CPU below 85% of its allocatable, as a share of it (negative when over).
    private func room(of node: Int) -> Double {
        (0.85 * Double(nodes[node].allocatableMillicores) - Double(nodes[node].requestedMillicores)) / Double(nodes[node].allocatableMillicores)
    }

    private mutating func place(_ workload: Int, _ replica: Int, on node: Int, _ random: inout SynthRandom) {
        nodes[node].requestedMillicores += workloads[workload].containers.reduce(0) { $0 + $1.cpuMillicores }
        nodes[node].requestedBytes += workloads[workload].containers.reduce(0) { $0 + $1.memoryBytes }
        addPod(workload: workload, replica: replica, node: node, &random)
    }

    private mutating func addPod(workload index: Int, replica: Int, node: Int, _ random: inout SynthRandom) {
        let workload = workloads[index]
        let name: String
        let ownerKind: String
        let ownerName: String
        var claim: String?
        switch workload.kind {
        case "Deployment":
            ownerKind = "ReplicaSet"
            ownerName = "\(workload.name)-\(workload.templateHash)"
            name = "\(ownerName)-\(random.suffix(5))"
        case "StatefulSet":
            ownerKind = "StatefulSet"
            ownerName = workload.name
            name = "\(workload.name)-\(replica)"
            claim = "data-\(name)"
        case "CronJob":
            ownerKind = "Job"
            ownerName = "\(workload.name)-\(29_380_000 + random.int(0...9_999))"
            name = "\(ownerName)-\(random.suffix(5))"
        default:
            ownerKind = workload.kind
            ownerName = workload.name
            name = "\(workload.name)-\(random.suffix(5))"
        }
        let created = max(workload.created, windowStart.addingTimeInterval(-Double(random.int(1...30)) * 86_400))
        let number = pods.count
        pods.append(Pod(
            workload: index, name: name, ownerKind: ownerKind, ownerName: ownerName, node: node, uid: random.uuid(),
            ip: "10.\(100 + number / 62_500).\((number / 250) % 250).\(number % 250 + 2)", created: created, claim: claim,
            succeeded: workload.kind == "CronJob"))
    }

    // MARK: Volumes

    private mutating func makeVolumes(_ random: inout SynthRandom) {
        for pod in pods where pod.claim != nil {
            let workload = workloads[pod.workload]
            let uid = random.uuid()
            volumes.append(Volume(
                name: "pvc-\(uid)", claimNamespace: workload.namespace, claimName: pod.claim, phase: "Bound",
                sizeGiB: workload.volumeGiB ?? 20, zone: nodes[pod.node].zone, created: pod.created,
                volumeID: String(format: "vol-0%016llx", random.next() >> 4), uid: uid))
        }
        // Released volumes: their claims were deleted weeks ago; the EBS volumes are still paid for.
        let released = max(1, Int((Double(spec.workloads) * spec.wasteFraction / 10).rounded()))
        for index in 0..<released {
            let uid = random.uuid()
            let namespace = namespaces[index % namespaces.count].name
            let name = "pvc-\(uid)"
            volumes.append(Volume(
                name: name, claimNamespace: namespace, claimName: "data-\(random.pick(Self.words))-\(index)", phase: "Released",
                sizeGiB: random.pick([50, 100, 200, 500]), zone: random.pick(Self.zones),
                created: spec.now.addingTimeInterval(-Double(random.int(15...120)) * 86_400), volumeID: String(format: "vol-0%016llx", random.next() >> 4),
                uid: uid))
            planted.append(Planted(detector: FindingKind.orphanVolume.rawValue, namespace: nil, kind: "PersistentVolume", name: name))
        }
        for node in nodes where node.role == .idle {
            planted.append(Planted(detector: FindingKind.idleNode.rawValue, namespace: nil, kind: "Node", name: node.name))
        }
        let underused = nodes.filter { $0.role == .consolidate }
        for poolIndex in Set(underused.map(\.pool)).sorted() {
            planted.append(Planted(
                detector: FindingKind.nodeConsolidation.rawValue, namespace: nil, kind: pools[poolIndex].kind, name: pools[poolIndex].name,
                nodes: underused.filter { $0.pool == poolIndex }.map(\.name).sorted()))
        }
    }
}

/// Nodes ordered by room, the roomiest last: a pop and a push per pod, instead of a scan of every node.
struct RoomQueue {
    private var items: [(room: Double, node: Int)]

    init(_ items: [(Double, Int)]) { self.items = items.map { (room: $0.0, node: $0.1) }.sorted { ($0.room, $0.node) < ($1.room, $1.node) } }

    mutating func pop() -> Int { items.removeLast().node }

    mutating func push(_ node: Int, room: Double) {
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if (items[middle].room, items[middle].node) < (room, node) { low = middle + 1 } else { high = middle }
        }
        items.insert((room, node), at: low)
    }
}
