// The `pod` record: one type for both sides of the contract. collect-cluster builds it from a Pod object
// and resolves its owner and team (Kubernetes/Pod+Kubectl.swift, ClusterSnapshot); it writes `json`, and
// every later tool reads it with `init(_:)`.
extension Observed {
    public struct Pod: Equatable, Sendable {
        public var cluster = ""
        public var namespace: String
        public var name: String
        public var node: String?
        public var phase: String?
        /// The top workload (Deployment, not ReplicaSet; CronJob, not Job); nil for a bare pod, written as
        /// the pod itself (`{"kind": "Pod"}`).
        public var owner: WorkloadKey?
        public var team = "unassigned"
        public var containers: [Container]
        public var initContainers: [Container]
        public var labels: [String: String]
        public var annotations: [String: String]
        public var nodeSelector: [String: String]
        public var tolerations: [Toleration]
        /// Required node affinity (`requiredDuringSchedulingIgnoredDuringExecution`): any one term must match.
        public var affinityTerms: [NodeSelectorTerm]
        /// Names of the PersistentVolumeClaims it mounts (in its namespace).
        public var claims: [String] = []
        public var qosClass: String?
        public var priorityClassName: String?
        /// Pod-level requests (`spec.resources.requests`, Kubernetes 1.32+): when set, what the scheduler
        /// counts instead of the containers' sum.
        public var podRequests: Resources?
        /// `spec.overhead` (from the RuntimeClass): counted on top of the containers.
        public var overhead: Resources?
        public var createdAt: String?
        public var startedAt: String?
        public var deletingSince: String?
        public var finalizers: [String] = []
        /// Why the pod is in its phase (`Evicted`, `Unschedulable`) and the API's message (an eviction names
        /// the resource short and the containers using it; a scheduling failure, what no node had).
        public var reason: String?
        public var message: String?
        /// When the pod came to that reason: the eviction's `DisruptionTarget` condition (Kubernetes 1.26+)
        /// or its Ready condition turning False; the failed `PodScheduled` condition. The Evicted event
        /// expires after an hour; the pod keeps this.
        public var reasonSince: String?

        public init(namespace: String, name: String, node: String?, phase: String? = "Running", owner: WorkloadKey?,
                    containers: [Container], labels: [String: String] = [:], annotations: [String: String] = [:],
                    nodeSelector: [String: String] = [:], tolerations: [Toleration] = [], affinityTerms: [NodeSelectorTerm] = []) {
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
            cluster = json["cluster"]?.string ?? ""
            namespace = try json.required("namespace")
            name = try json.required("name")
            node = json["node"]?.string
            phase = json["phase"]?.string
            if let kind = json["owner", "kind"]?.string, kind != "Pod", let ownerName = json["owner", "name"]?.string {
                owner = WorkloadKey(namespace: namespace, kind: kind, name: ownerName)
            }
            team = json["team"]?.string ?? "unassigned"
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            initContainers = try (json["initContainers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            do {
                if let requests = json["podRequests"], !requests.isNull { podRequests = try Resources(requests, field: "podRequests") }
                if let overhead = json["overhead"], !overhead.isNull { self.overhead = try Resources(overhead, field: "overhead") }
            } catch { throw RecordError(error.message) }
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            nodeSelector = json["nodeSelector"]?.stringMap ?? [:]
            tolerations = (json["tolerations"]?.array ?? []).map(Toleration.init)
            affinityTerms = (json["requiredNodeAffinity", "nodeSelectorTerms"]?.array ?? []).map(NodeSelectorTerm.init)
            claims = json["claims"]?.array.compactMap(\.string) ?? []
            qosClass = json["qosClass"]?.string
            priorityClassName = json["priorityClassName"]?.string
            createdAt = json["createdAt"]?.string
            startedAt = json["startedAt"]?.string
            deletingSince = json["deletingSince"]?.string
            finalizers = json["finalizers"]?.array.compactMap(\.string) ?? []
            reason = json["reason"]?.string
            message = json["message"]?.string
            reasonSince = json["reasonSince"]?.string
        }

        public var json: JSONValue {
            [
                "kind": "pod", "cluster": .string(cluster), "namespace": .string(namespace), "name": .string(name),
                "node": .optional(node), "phase": .optional(phase),
                "owner": ["kind": .string(owner?.kind ?? "Pod"), "name": .string(owner?.name ?? name)], "team": .string(team),
                "containers": .array(containers.map(\.podJSON)), "initContainers": .array(initContainers.map(\.podJSON)),
                "labels": .sortedMap(labels), "annotations": .sortedMap(annotations),
                "nodeSelector": .sortedMap(nodeSelector), "tolerations": .array(tolerations.map(\.json)),
                "requiredNodeAffinity": affinityTerms.isEmpty ? .null : ["nodeSelectorTerms": .array(affinityTerms.map(\.json))],
                "claims": .strings(claims),
                "qosClass": .optional(qosClass), "priorityClassName": .optional(priorityClassName),
                "podRequests": podRequests?.json ?? .null, "overhead": overhead?.json ?? .null,
                "createdAt": .optional(createdAt), "startedAt": .optional(startedAt), "deletingSince": .optional(deletingSince),
                "finalizers": .strings(finalizers),
                "reason": .optional(reason), "message": .optional(message), "reasonSince": .optional(reasonSince),
            ]
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

}
