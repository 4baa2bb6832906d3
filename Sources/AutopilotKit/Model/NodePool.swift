// The `nodepool` record: one type for both sides of the contract. collect-cluster builds it from a Karpenter
// NodePool (Kubernetes/Objects+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    public struct NodePool: Equatable, Sendable {
        public var cluster = ""
        public var name: String
        /// `karpenter.sh/v1` or `karpenter.sh/v1beta1`: which the object was read as.
        public var apiVersion = "karpenter.sh/v1"
        public var consolidationPolicy: String
        public var consolidateAfter: String?
        /// `disruption.budgets` as the API has them.
        public var budgets: JSONValue = [["nodes": "10%"]]
        /// The node requirements, each with Karpenter's `minValues` where set.
        public var requirements: [NodeSelectorRequirement]
        /// `template.spec.taints` and `nodeClassRef`, as the API has them.
        public var taints: JSONValue = .array([])
        public var nodeClassRef: JSONValue = .null
        public var expireAfter = "720h"
        public var weight: Int64?
        /// `spec.limits` and `status.resources`: totals over all its nodes.
        public var limits = Resources()
        public var resources = Resources()
        public var createdAt: String?

        /// Disruption budgets' `nodes` values (`"10%"`, `"0"`, …).
        public var budgetNodes: [String] { (budgets.arrayValue ?? []).compactMap { $0["nodes"]?.stringValue } }

        public init(name: String, consolidationPolicy: String, consolidateAfter: String? = nil, budgetNodes: [String] = ["10%"],
                    requirements: [NodeSelectorRequirement] = []) {
            self.name = name
            self.consolidationPolicy = consolidationPolicy
            self.consolidateAfter = consolidateAfter
            self.budgets = .array(budgetNodes.map { ["nodes": .string($0)] })
            self.requirements = requirements
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            name = try json.required("name")
            apiVersion = json["apiVersion"]?.string ?? "karpenter.sh/v1"
            consolidationPolicy = json["consolidationPolicy"]?.string ?? "WhenEmptyOrUnderutilized"
            consolidateAfter = json["consolidateAfter"]?.string
            budgets = json["budgets"]?.value ?? .array([])
            requirements = (json["requirements"]?.array ?? []).map(NodeSelectorRequirement.init)
            taints = json["taints"]?.value ?? .array([])
            nodeClassRef = json["nodeClassRef"]?.value ?? .null
            expireAfter = json["expireAfter"]?.string ?? "720h"
            // For the record; no tool reads them, so they never refuse the pool.
            weight = json["weight"]?.int
            limits = (try? Resources(json["limits"], field: "limits", perMachine: false)) ?? Resources()
            resources = (try? Resources(json["resources"], field: "resources", perMachine: false)) ?? Resources()
            createdAt = json["createdAt"]?.string
        }

        public var json: JSONValue {
            [
                "kind": "nodepool", "cluster": .string(cluster), "name": .string(name), "apiVersion": .string(apiVersion),
                "consolidationPolicy": .string(consolidationPolicy), "consolidateAfter": .optional(consolidateAfter),
                "budgets": budgets, "requirements": .array(requirements.map(\.json)),
                "taints": taints, "nodeClassRef": nodeClassRef, "expireAfter": .string(expireAfter),
                "weight": .optional(weight), "limits": limits.json, "resources": resources.json,
                "createdAt": .optional(createdAt),
            ]
        }
    }
}
