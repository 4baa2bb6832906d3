import Foundation

// Pods and workloads as collect-cluster writes them (nodes: Node.swift, volumes: Volume.swift).
extension Observed {
    public struct Pod: Sendable {
        public var namespace: String
        public var name: String
        public var node: String?
        public var phase: String?
        /// The top workload; nil for a bare pod.
        public var owner: WorkloadKey?
        public var containers: [Container]
        public var initContainers: [Container]
        public var labels: [String: String]
        public var annotations: [String: String]
        public var nodeSelector: [String: String]
        public var tolerations: [Toleration]
        /// Required node affinity: any one term must match, all requirements of a term.
        public var affinityTerms: [[NodeSelectorRequirement]]
        /// Names of the PersistentVolumeClaims it mounts (in its namespace).
        public var claims: [String] = []
        /// Pod-level requests (`spec.resources`), which replace the containers' sum where set.
        public var podRequests: Resources?
        /// RuntimeClass overhead, counted on top.
        public var overhead: Resources?
        public var createdAt: String?
        public var deletingSince: String?
        public var finalizers: [String] = []
        /// Why the pod is in its phase (`Evicted`, `Unschedulable`) and the API's message about it.
        public var reason: String?
        public var message: String?
        /// When the pod came to `reason` (an eviction's time), where the API says.
        public var reasonSince: String?

        public init(namespace: String, name: String, node: String?, phase: String = "Running", owner: WorkloadKey?,
                    containers: [Container], labels: [String: String] = [:], annotations: [String: String] = [:],
                    nodeSelector: [String: String] = [:], tolerations: [Toleration] = [], affinityTerms: [[NodeSelectorRequirement]] = []) {
            self.namespace = namespace
            self.name = name
            self.node = node
            self.phase = phase
            self.owner = owner
            self.containers = containers
            self.initContainers = []
            self.labels = labels
            self.annotations = annotations
            self.nodeSelector = nodeSelector
            self.tolerations = tolerations
            self.affinityTerms = affinityTerms
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            node = json["node"]?.string
            phase = json["phase"]?.string
            if let kind = json["owner", "kind"]?.string, kind != "Pod", let ownerName = json["owner", "name"]?.string {
                owner = WorkloadKey(namespace: namespace, kind: kind, name: ownerName)
            }
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            initContainers = try (json["initContainers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            do {
                if let requests = json["podRequests"], !requests.isNull { podRequests = try Resources(requests, field: "podRequests") }
                if let overhead = json["overhead"], !overhead.isNull { self.overhead = try Resources(overhead, field: "overhead") }
            } catch { throw RecordError(error.message) }
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            nodeSelector = json["nodeSelector"]?.stringMap ?? [:]
            tolerations = (json["tolerations"]?.array ?? []).map { item in
                Toleration(key: item["key"]?.string, operator: item["operator"]?.string ?? "Equal",
                           value: item["value"]?.string, effect: item["effect"]?.string)
            }
            affinityTerms = (json["requiredNodeAffinity", "nodeSelectorTerms"]?.array ?? []).map { term in
                (term["matchExpressions"]?.array ?? []).map(NodeSelectorRequirement.init)
            }
            claims = json["claims"]?.array.compactMap(\.string) ?? []
            createdAt = json["createdAt"]?.string
            deletingSince = json["deletingSince"]?.string
            finalizers = json["finalizers"]?.array.compactMap(\.string) ?? []
            reason = json["reason"]?.string
            message = json["message"]?.string
            reasonSince = json["reasonSince"]?.string
        }

        /// Running and Pending pods hold node capacity; Succeeded and Failed ones do not.
        public var holdsCapacity: Bool { phase == "Running" || phase == "Pending" }

        /// What the scheduler reserves, as Kubernetes computes it: app containers and native sidecars
        /// (init containers with `restartPolicy: Always`) run together; each plain init container runs alone
        /// beside the sidecars started before it; the larger of the two, unless pod-level requests are set
        /// (then they count, resource by resource); plus the RuntimeClass overhead.
        public var requests: Resources {
            var cpu = containers.reduce(0.0) { $0 + ($1.requests.cpu ?? 0) }
            var memory = containers.reduce(Int64(0)) { $0 + ($1.requests.memory ?? 0) }
            var sidecarCPU = 0.0, sidecarMemory = Int64(0), initCPU = 0.0, initMemory = Int64(0)
            for container in initContainers {
                let (stepCPU, stepMemory): (Double, Int64)
                if container.sidecar {
                    cpu += container.requests.cpu ?? 0
                    memory += container.requests.memory ?? 0
                    sidecarCPU += container.requests.cpu ?? 0
                    sidecarMemory += container.requests.memory ?? 0
                    (stepCPU, stepMemory) = (sidecarCPU, sidecarMemory)
                } else {
                    (stepCPU, stepMemory) = ((container.requests.cpu ?? 0) + sidecarCPU, (container.requests.memory ?? 0) + sidecarMemory)
                }
                initCPU = max(initCPU, stepCPU)
                initMemory = max(initMemory, stepMemory)
            }
            cpu = max(cpu, initCPU)
            memory = max(memory, initMemory)
            if let podCPU = podRequests?.cpu { cpu = podCPU }
            if let podMemory = podRequests?.memory { memory = podMemory }
            return Resources(cpu: cpu + (overhead?.cpu ?? 0), memory: memory + (overhead?.memory ?? 0))
        }

        public var isDaemonSetPod: Bool { owner?.kind == "DaemonSet" }
    }

    public struct Workload: Sendable {
        public var key: WorkloadKey
        public var desiredReplicas: Int64?
        public var readyReplicas: Int64?
        public var containers: [Container]
        public var labels: [String: String]
        public var annotations: [String: String]
        public var podLabels: [String: String]
        public var team: String
        /// A Deployment's revisions: the current one and the one a rollback restores.
        public var rollout: Rollout?

        public struct Rollout: Sendable {
            public var revision: Int64
            public var startedAt: String?
            public var images: [String: String]
            public var previousRevision: Int64?
            public var previousImages: [String: String]
        }

        public init(key: WorkloadKey, desiredReplicas: Int64? = nil, containers: [Container], labels: [String: String] = [:],
                    annotations: [String: String] = [:], podLabels: [String: String] = [:], team: String = "unassigned") {
            self.key = key
            self.desiredReplicas = desiredReplicas
            self.containers = containers
            self.labels = labels
            self.annotations = annotations
            self.podLabels = podLabels
            self.team = team
        }

        public init(_ json: JSON) throws(RecordError) {
            key = WorkloadKey(namespace: try json.required("namespace"), kind: try json.required("workloadKind"),
                              name: try json.required("name"))
            desiredReplicas = try json.integer("replicas", "desired", within: RecordBounds.count)
            readyReplicas = try json.integer("replicas", "ready", within: RecordBounds.count)
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            // Native sidecars run as long as the app containers: right-sized like them.
            containers += try (json["initContainers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }.filter(\.sidecar)
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            podLabels = json["podLabels"]?.stringMap ?? [:]
            team = json["team"]?.string ?? "unassigned"
            if let rollout = json["rollout"], let revision = rollout["revision"]?.int {
                self.rollout = Rollout(revision: revision, startedAt: rollout["startedAt"]?.string, images: rollout["images"]?.stringMap ?? [:],
                                       previousRevision: rollout["previous", "revision"]?.int,
                                       previousImages: rollout["previous", "images"]?.stringMap ?? [:])
            }
        }

        /// A label or annotation on the workload or its pod template.
        public func marker(_ key: String) -> String? { labels[key] ?? annotations[key] ?? podLabels[key] }
    }

    /// A Service: who sends traffic to a workload's pods.
    public struct Service: Sendable {
        public var namespace: String
        public var name: String
        public var type: String
        public var selector: [String: String]

        public init(namespace: String, name: String, type: String = "ClusterIP", selector: [String: String]) {
            self.namespace = namespace
            self.name = name
            self.type = type
            self.selector = selector
        }

        public init(_ json: JSON) throws(RecordError) {
            namespace = try json.required("namespace")
            name = try json.required("name")
            type = json["type"]?.string ?? "ClusterIP"
            selector = json["selector"]?.stringMap ?? [:]
        }

        /// A Service without a selector (endpoints managed by hand) selects no pod here.
        public func selects(namespace: String, labels: [String: String]) -> Bool {
            namespace == self.namespace && !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }
}
