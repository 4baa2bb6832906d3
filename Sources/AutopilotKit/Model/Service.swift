// The `service` record: one type for both sides of the contract. collect-cluster builds it from a Service
// (Kubernetes/Objects+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    /// A Service: who sends traffic to a workload's pods.
    public struct Service: Equatable, Sendable {
        public var cluster = ""
        public var namespace: String
        public var name: String
        public var type: String
        public var selector: [String: String]
        /// `spec.ports` as the API has them.
        public var ports: JSONValue = .array([])
        public var clusterIP: String?
        /// The load balancer's hostnames or addresses.
        public var loadBalancer: [String] = []
        public var labels: [String: String] = [:]
        public var createdAt: String?

        public init(namespace: String, name: String, type: String = "ClusterIP", selector: [String: String]) {
            self.namespace = namespace
            self.name = name
            self.type = type
            self.selector = selector
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            namespace = try json.required("namespace")
            name = try json.required("name")
            type = json["type"]?.string ?? "ClusterIP"
            selector = json["selector"]?.stringMap ?? [:]
            ports = json["ports"]?.value ?? .array([])
            clusterIP = json["clusterIP"]?.string
            loadBalancer = json["loadBalancer"]?.array.compactMap(\.string) ?? []
            labels = json["labels"]?.stringMap ?? [:]
            createdAt = json["createdAt"]?.string
        }

        /// A Service without a selector (endpoints managed by hand) selects no pod here.
        public func selects(namespace: String, labels: [String: String]) -> Bool {
            namespace == self.namespace && !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
        }

        public var json: JSONValue {
            [
                "kind": "service", "cluster": .string(cluster), "namespace": .string(namespace),
                "name": .string(name), "type": .string(type), "selector": .sortedMap(selector),
                "ports": ports, "clusterIP": .optional(clusterIP),
                "loadBalancer": .strings(loadBalancer), "labels": .sortedMap(labels),
                "createdAt": .optional(createdAt),
            ]
        }
    }
}
