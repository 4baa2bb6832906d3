// The `pdb` record: one type for both sides of the contract. collect-cluster builds it from a
// PodDisruptionBudget (Kubernetes/Objects+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    public struct PDB: Equatable, Sendable {
        public var cluster = ""
        public var namespace: String
        public var name: String
        /// Nil: no selector, which selects no pod. Present but empty (`{}`): every pod in the namespace.
        public var selector: LabelSelector?
        /// `minAvailable` and `maxUnavailable` as the API has them: a count or a percentage.
        public var minAvailable: JSONValue = .null
        public var maxUnavailable: JSONValue = .null
        public var currentHealthy: Int64?
        public var desiredHealthy: Int64?
        public var disruptionsAllowed: Int64?
        public var expectedPods: Int64?
        public var createdAt: String?

        public init(namespace: String, name: String, matchLabels: [String: String]?, matchExpressions: [NodeSelectorRequirement] = [],
                    disruptionsAllowed: Int64?) {
            self.namespace = namespace
            self.name = name
            selector = matchLabels.map { LabelSelector(matchLabels: $0, matchExpressions: matchExpressions.isEmpty ? nil : matchExpressions) }
            self.disruptionsAllowed = disruptionsAllowed
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            namespace = try json.required("namespace")
            name = try json.required("name")
            if let selector = json["selector"], selector.isObject { self.selector = LabelSelector(selector) }
            minAvailable = json["minAvailable"]?.value ?? .null
            maxUnavailable = json["maxUnavailable"]?.value ?? .null
            disruptionsAllowed = try json.integer("disruptionsAllowed", within: RecordBounds.count)
            // For the record; no tool reads them, so they never refuse the budget.
            currentHealthy = json["currentHealthy"]?.int
            desiredHealthy = json["desiredHealthy"]?.int
            expectedPods = json["expectedPods"]?.int
            createdAt = json["createdAt"]?.string
        }

        /// The selector's labels; nil when it has no selector.
        public var matchLabels: [String: String]? { selector.map { $0.matchLabels ?? [:] } }
        /// Label-selector expressions (`In`, `NotIn`, `Exists`, `DoesNotExist`), all of which must hold.
        public var matchExpressions: [NodeSelectorRequirement] { selector?.matchExpressions ?? [] }

        /// policy/v1: a null selector selects nothing, an empty one every pod of the namespace.
        public func selects(_ pod: Pod) -> Bool {
            guard pod.namespace == namespace, let matchLabels else { return false }
            return matchLabels.allSatisfy { pod.labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(pod.labels) }
        }

        public var json: JSONValue {
            [
                "kind": "pdb", "cluster": .string(cluster), "namespace": .string(namespace), "name": .string(name),
                "selector": selector?.json ?? .null,
                "minAvailable": minAvailable, "maxUnavailable": maxUnavailable,
                "currentHealthy": .optional(currentHealthy), "desiredHealthy": .optional(desiredHealthy),
                "disruptionsAllowed": .optional(disruptionsAllowed),
                "expectedPods": .optional(expectedPods), "createdAt": .optional(createdAt),
            ]
        }
    }
}
