// The `workload` record: one type for both sides of the contract. collect-cluster builds it from a
// controller object, or from the pods of a controller it does not know (Kubernetes/Workload+Kubectl.swift),
// and writes `json`; every later tool reads it with `init(_:)`.
extension Observed {
    /// A Deployment, StatefulSet, DaemonSet, CronJob, standalone Job or ReplicaSet, or a controller
    /// Autopilot does not know (an Argo Rollout, say) seen only through its pods.
    public struct Workload: Equatable, Sendable {
        public var cluster = ""
        public var key: WorkloadKey
        public var desiredReplicas: Int64?
        public var readyReplicas: Int64?
        /// The pod template's app containers.
        public var containers: [Container]
        /// The pod template's init containers, native sidecars among them.
        public var initContainers: [Container] = []
        public var labels: [String: String]
        public var annotations: [String: String]
        /// Labels of the pod template: what Services and PDBs select on.
        public var podLabels: [String: String]
        public var selector: LabelSelector?
        public var team: String
        /// A CronJob's schedule, and whether it is suspended.
        public var schedule: String?
        public var suspended: Bool?
        /// How many of its pods the snapshot holds.
        public var podCount: Int64 = 0
        /// A Deployment's revisions: the current one and the one a rollback restores.
        public var rollout: Rollout?
        public var createdAt: String?

        /// `kubectl rollout history` in brief: a revision, when its ReplicaSet was created, its images by container.
        public struct Rollout: Equatable, Sendable {
            public var revision: Int64
            public var startedAt: String?
            public var images: [String: String]
            public var previousRevision: Int64?
            public var previousStartedAt: String?
            public var previousImages: [String: String]
            public init(revision: Int64, startedAt: String?, images: [String: String], previousRevision: Int64? = nil,
                        previousStartedAt: String? = nil, previousImages: [String: String] = [:]) {
                self.revision = revision
                self.startedAt = startedAt
                self.images = images
                self.previousRevision = previousRevision
                self.previousStartedAt = previousStartedAt
                self.previousImages = previousImages
            }

            public var json: JSONValue {
                [
                    "revision": .int(revision), "startedAt": .optional(startedAt), "images": .sortedMap(images),
                    "previous": previousRevision.map {
                        ["revision": .int($0), "startedAt": .optional(previousStartedAt), "images": .sortedMap(previousImages)]
                    } ?? .null,
                ]
            }
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
            cluster = json["cluster"]?.string ?? ""
            key = WorkloadKey(namespace: try json.required("namespace"), kind: try json.required("workloadKind"),
                              name: try json.required("name"))
            desiredReplicas = try json.integer("replicas", "desired", within: RecordBounds.count)
            readyReplicas = try json.integer("replicas", "ready", within: RecordBounds.count)
            containers = try (json["containers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            initContainers = try (json["initContainers"]?.array ?? []).map { item throws(RecordError) in try Container(item) }
            labels = json["labels"]?.stringMap ?? [:]
            annotations = json["annotations"]?.stringMap ?? [:]
            podLabels = json["podLabels"]?.stringMap ?? [:]
            if let selector = json["selector"], selector.isObject { self.selector = LabelSelector(selector) }
            team = json["team"]?.string ?? "unassigned"
            schedule = json["schedule"]?.string
            suspended = json["suspended"]?.bool
            podCount = json["pods"]?.int ?? 0  // for the record; no tool reads it
            if let rollout = json["rollout"], let revision = rollout["revision"]?.int {
                self.rollout = Rollout(revision: revision, startedAt: rollout["startedAt"]?.string, images: rollout["images"]?.stringMap ?? [:],
                                       previousRevision: rollout["previous", "revision"]?.int,
                                       previousStartedAt: rollout["previous", "startedAt"]?.string,
                                       previousImages: rollout["previous", "images"]?.stringMap ?? [:])
            }
            createdAt = json["createdAt"]?.string
        }

        /// What runs for the pod's whole life and is right-sized: the app containers, then the native
        /// sidecars (init containers with `restartPolicy: Always`).
        public var longRunningContainers: [Container] { containers + initContainers.filter(\.sidecar) }

        /// A label or annotation on the workload or its pod template.
        public func marker(_ key: String) -> String? { labels[key] ?? annotations[key] ?? podLabels[key] }

        public var json: JSONValue {
            [
                "kind": "workload", "cluster": .string(cluster), "namespace": .string(key.namespace),
                "name": .string(key.name), "workloadKind": .string(key.kind),
                "replicas": ["desired": .optional(desiredReplicas), "ready": .optional(readyReplicas)],
                "containers": .array(containers.map(\.templateJSON)),
                "initContainers": .array(initContainers.map(\.templateJSON)),
                "labels": .sortedMap(labels), "annotations": .sortedMap(annotations),
                "podLabels": .sortedMap(podLabels), "selector": selector?.json ?? .null, "team": .string(team),
                "schedule": .optional(schedule), "suspended": .optional(suspended), "pods": .int(podCount),
                "rollout": rollout?.json ?? .null,
                "createdAt": .optional(createdAt),
            ]
        }
    }
}
