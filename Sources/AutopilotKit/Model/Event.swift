// The `event` record: one type for both sides of the contract. collect-cluster builds it from a core/v1 or
// events.k8s.io/v1 Event (Kubernetes/Objects+Kubectl.swift) and writes `json`; later tools read it with `init(_:)`.
extension Observed {
    public struct Event: Equatable, Sendable {
        /// The object an event is about.
        public struct InvolvedObject: Equatable, Sendable {
            public var kind: String?
            public var namespace: String?
            public var name: String?
            /// `spec.containers{name}` for an event about one container of a pod.
            public var fieldPath: String?
            public init(kind: String?, namespace: String? = nil, name: String?, fieldPath: String? = nil) {
                self.kind = kind
                self.namespace = namespace
                self.name = name
                self.fieldPath = fieldPath
            }
        }

        public var cluster = ""
        /// The event object's own namespace and name.
        public var eventNamespace = ""
        public var name = ""
        public var type: String?
        public var reason: String?
        public var message: String?
        public var involvedObject: InvolvedObject
        public var count: Int64 = 1
        public var firstTimestamp: String?
        public var lastTimestamp: String?
        /// The component that reported it (`kubelet`, `default-scheduler`, `karpenter`).
        public var source: String?
        /// The node a kubelet event came from.
        public var host: String?

        /// The namespace of the object it is about (the event's own where the object names none).
        public var namespace: String? { involvedObject.namespace ?? eventNamespace }
        public var objectKind: String? { involvedObject.kind }
        public var objectName: String? { involvedObject.name }
        public var fieldPath: String? { involvedObject.fieldPath }

        public init(namespace: String?, type: String, reason: String, message: String? = nil, objectKind: String, objectName: String) {
            self.eventNamespace = namespace ?? ""
            self.type = type
            self.reason = reason
            self.message = message
            self.involvedObject = InvolvedObject(kind: objectKind, namespace: namespace, name: objectName)
        }

        public init(_ json: JSON) throws(RecordError) {
            cluster = json["cluster"]?.string ?? ""
            eventNamespace = json["namespace"]?.string ?? ""
            name = json["name"]?.string ?? ""
            type = json["type"]?.string
            reason = json["reason"]?.string
            message = json["message"]?.string
            let object = json["involvedObject"]
            involvedObject = InvolvedObject(kind: object?["kind"]?.string, namespace: object?["namespace"]?.string,
                                            name: object?["name"]?.string, fieldPath: object?["fieldPath"]?.string)
            count = try json.integer("count", within: RecordBounds.count) ?? 1
            firstTimestamp = json["firstTimestamp"]?.string
            lastTimestamp = json["lastTimestamp"]?.string
            source = json["source"]?.string
            host = json["host"]?.string
        }

        public var json: JSONValue {
            [
                "kind": "event", "cluster": .string(cluster), "namespace": .string(eventNamespace), "name": .string(name),
                "type": .optional(type), "reason": .optional(reason), "message": .optional(message),
                "involvedObject": [
                    "kind": .optional(involvedObject.kind), "namespace": .optional(involvedObject.namespace),
                    "name": .optional(involvedObject.name), "fieldPath": .optional(involvedObject.fieldPath),
                ],
                "count": .int(count), "firstTimestamp": .optional(firstTimestamp), "lastTimestamp": .optional(lastTimestamp),
                "source": .optional(source), "host": .optional(host),
            ]
        }
    }
}
