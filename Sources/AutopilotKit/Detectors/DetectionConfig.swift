import Foundation

/// Every threshold the detectors use, with the defaults docs/tools/detect-waste.md documents. `--config FILE` (YAML)
/// overrides any of them; an unknown key or a value of the wrong kind is an error naming it.
public struct DetectionConfig: Sendable {
    public struct CPU: Sendable {
        /// The usage percentile a recommendation starts from (KRR's simple strategy: p95).
        public var percentile = "p95"
        /// Headroom added on top (the VPA adds 15%).
        public var margin = 0.15
        public var floorCores = 0.01
        public var minReductionRatio = 0.20
        public var minReductionCores = 0.05
        /// Latency-sensitive workloads start from p99 with a wider margin and never go below p99.
        public var latencySensitivePercentile = "p99"
        public var latencySensitiveMargin = 0.50
    }

    public struct Memory: Sendable {
        /// Margin over the window's max working set (KRR and the VPA: 15%).
        public var margin = 0.15
        public var floorBytes: Int64 = 100 << 20
        public var minReductionRatio = 0.20
        public var minReductionBytes: Int64 = 128 << 20
        /// Margin over the peak working set when recommending an increase after OOM kills.
        public var oomMargin = 0.25
        /// Memory a runtime needs beyond its configured heap: this share of the heap, at least the
        /// minimum below. A JVM's metaspace, code cache (up to 240Mi), thread stacks and GC structures
        /// take 150–300Mi for a typical service; V8's new space and code, tens of Mi. Go's GOMEMLIMIT
        /// already counts all of the Go runtime's memory and gets no overhead.
        public var runtimeOverheadRatio = 0.25
        public var jvmOverheadMinBytes: Int64 = 192 << 20
        public var nodeOverheadMinBytes: Int64 = 64 << 20
        /// A runtime's memory setting lowered with its request (`HeapCut`): a JVM's highest heap in use, or
        /// Go's and Node's peak working set, × (1 + this)…
        public var heapMargin = 0.25
        /// …and never more than this share lower in one change.
        public var maxHeapReductionPerStep = 0.5
    }

    public struct IdleNode: Sendable {
        /// Requested CPU and memory (DaemonSets excluded) both below this share of allocatable…
        public var maxRequestedRatio = 0.30
        /// …and measured CPU and memory p95 both below this share.
        public var maxUsageRatio = 0.15
    }

    public struct OrphanVolume: Sendable {
        /// A volume younger than this is not flagged (it may be about to be used).
        public var minAge = Duration(seconds: 7 * 86_400)
    }

    public struct StuckTerminating: Sendable {
        /// An object still there this long after its deletion began (a pod: after its grace period ended) is stuck.
        public var after = Duration(seconds: 3_600)
    }

    public struct Autoscaling: Sendable {
        /// Utilization below this share of the HPA's target, with replicas pinned at min, means min is too high.
        public var lowUtilizationRatio = 0.5
        public var minPollingInterval: Int64 = 5
        public var maxPollingInterval: Int64 = 300
        public var minCooldownPeriod: Int64 = 30
        public var maxCooldownPeriod: Int64 = 3_600
    }

    public struct Consolidation: Sendable {
        /// Nodes whose requested CPU and memory are both below this share are candidates for removal.
        public var maxRequestedRatio = 0.40
        /// A cheaper instance type must save at least this share of the node's price to be proposed.
        public var minReplacementSavingsRatio = 0.20
        /// After the moves, every receiving node's measured p95 CPU and memory (its own plus the moved
        /// pods') stays under this share of allocatable (idle-node's moves too).
        public var maxReceiverUsageRatio = 0.80
        /// A node whose removal saves less than this a month is not consolidated: moving its pods is churn
        /// for too little (Karpenter #7146).
        public var minSavingsPerNode = Money(cents: 2_000)
    }

    /// Labels/annotations that change what detectors do.
    public struct Markers: Sendable {
        public var ignore = "autopilot.io/ignore"
        public var latencySensitive = "autopilot.io/latency-sensitive"
    }

    public var cpu = CPU()
    public var memory = Memory()
    public var idleNode = IdleNode()
    public var orphanVolume = OrphanVolume()
    public var stuckTerminating = StuckTerminating()
    public var autoscaling = Autoscaling()
    public var consolidation = Consolidation()
    public var markers = Markers()
    /// Fewer raw samples than this and a workload is not right-sized (KRR's `points_required`).
    public var minSamples: Int64 = 100
    /// Findings saving less than this a month are dropped (reliability findings always stay).
    public var minSavings = Money.zero
    public var spotDiscount = CostModel.defaultSpotDiscount
    /// The team node, node-pool and unclaimed-volume findings go to (they belong to whoever runs the cluster).
    public var platformTeam = "platform"

    public init() {}

    // MARK: YAML

    /// Applies a YAML config document over the defaults.
    public mutating func apply(yaml bytes: [UInt8], source: String) throws(ConfigError) {
        guard let root = try ConfigReader.document(bytes, source: source) else { return }
        let reader = ConfigReader(source: source)
        for (section, value) in root.members {
            switch section {
            case "cpu":
                try reader.section(value, "cpu") { key, item throws(ConfigError) in
                    switch key {
                    case "percentile": cpu.percentile = try reader.percentile(item, key)
                    case "margin": cpu.margin = try reader.ratio(item, key, upTo: 10)
                    case "floor": cpu.floorCores = max(try reader.cores(item, key), 0.001)
                    case "minReductionRatio": cpu.minReductionRatio = try reader.ratio(item, key)
                    case "minReduction": cpu.minReductionCores = try reader.cores(item, key)
                    case "latencySensitivePercentile": cpu.latencySensitivePercentile = try reader.percentile(item, key)
                    case "latencySensitiveMargin": cpu.latencySensitiveMargin = try reader.ratio(item, key, upTo: 10)
                    default: return false
                    }
                    return true
                }
            case "memory":
                try reader.section(value, "memory") { key, item throws(ConfigError) in
                    switch key {
                    case "margin": memory.margin = try reader.ratio(item, key, upTo: 10)
                    case "floor": memory.floorBytes = max(try reader.bytes(item, key), 1 << 20)
                    case "minReductionRatio": memory.minReductionRatio = try reader.ratio(item, key)
                    case "minReduction": memory.minReductionBytes = try reader.bytes(item, key)
                    case "oomMargin": memory.oomMargin = try reader.ratio(item, key, upTo: 10)
                    case "runtimeOverheadRatio": memory.runtimeOverheadRatio = try reader.ratio(item, key, upTo: 10)
                    case "jvmOverheadMin": memory.jvmOverheadMinBytes = try reader.bytes(item, key)
                    case "nodeOverheadMin": memory.nodeOverheadMinBytes = try reader.bytes(item, key)
                    // A heap sized to exactly what it used would collect garbage without pause; 10% at least.
                    case "heapMargin": memory.heapMargin = try reader.ratio(item, key, from: 0.1, upTo: 10)
                    case "maxHeapReductionPerStep": memory.maxHeapReductionPerStep = try reader.ratio(item, key)
                    default: return false
                    }
                    return true
                }
            case "idleNode":
                try reader.section(value, "idleNode") { key, item throws(ConfigError) in
                    switch key {
                    case "maxRequestedRatio": idleNode.maxRequestedRatio = try reader.ratio(item, key)
                    case "maxUsageRatio": idleNode.maxUsageRatio = try reader.ratio(item, key)
                    default: return false
                    }
                    return true
                }
            case "orphanVolume":
                try reader.section(value, "orphanVolume") { key, item throws(ConfigError) in
                    guard key == "minAge" else { return false }
                    orphanVolume.minAge = try reader.duration(item, key)
                    return true
                }
            case "stuckTerminating":
                try reader.section(value, "stuckTerminating") { key, item throws(ConfigError) in
                    guard key == "after" else { return false }
                    stuckTerminating.after = try reader.duration(item, key)
                    return true
                }
            case "autoscaling":
                try reader.section(value, "autoscaling") { key, item throws(ConfigError) in
                    switch key {
                    case "lowUtilizationRatio": autoscaling.lowUtilizationRatio = try reader.ratio(item, key)
                    case "minPollingInterval": autoscaling.minPollingInterval = try reader.seconds(item, key)
                    case "maxPollingInterval": autoscaling.maxPollingInterval = try reader.seconds(item, key)
                    case "minCooldownPeriod": autoscaling.minCooldownPeriod = try reader.seconds(item, key)
                    case "maxCooldownPeriod": autoscaling.maxCooldownPeriod = try reader.seconds(item, key)
                    default: return false
                    }
                    return true
                }
            case "consolidation":
                try reader.section(value, "consolidation") { key, item throws(ConfigError) in
                    switch key {
                    case "maxRequestedRatio": consolidation.maxRequestedRatio = try reader.ratio(item, key)
                    case "minReplacementSavingsRatio": consolidation.minReplacementSavingsRatio = try reader.ratio(item, key)
                    case "maxReceiverUsageRatio": consolidation.maxReceiverUsageRatio = try reader.ratio(item, key)
                    case "minSavingsPerNode": consolidation.minSavingsPerNode = Money(dollars: try reader.ratio(item, key, upTo: 1e9))
                    default: return false
                    }
                    return true
                }
            case "markers":
                try reader.section(value, "markers") { key, item throws(ConfigError) in
                    guard let text = item.string, !text.isEmpty else { throw reader.wrong(key, "a label key") }
                    switch key {
                    case "ignore": markers.ignore = text
                    case "latencySensitive": markers.latencySensitive = text
                    default: return false
                    }
                    return true
                }
            case "minSamples": minSamples = try reader.seconds(value, "minSamples")
            case "minSavings": minSavings = Money(dollars: try reader.ratio(value, "minSavings", upTo: 1e9))
            case "spotDiscount": spotDiscount = try reader.ratio(value, "spotDiscount")
            case "platformTeam":
                guard let text = value.string, !text.isEmpty else { throw reader.wrong("platformTeam", "a team name") }
                platformTeam = text
            default: throw ConfigError("\(source): unknown setting '\(section)'", setting: section)
            }
        }
    }
}
