import XCTest
@testable import AutopilotKit

/// Each record kind that has a writer (collect-cluster's `NodeRecord`, `PodRecord`, `WorkloadRecord`,
/// `VolumeRecord`) and a reader (`Observed.Node`, `.Pod`, `.Workload`, `.Volume`, what every later tool
/// reads) spells its fields twice. Written by collect-cluster's code from real and demo objects, read
/// back as the tools read them, every field the reader keeps must come back as written: a field renamed
/// on one side only fails here, not in a cluster.
final class RecordRoundTripTests: XCTestCase {
    /// The demo, staging and the upstream corpus of real objects, each as collect-cluster records.
    func written() throws -> [(corpus: String, record: JSONValue)] {
        var records: [(String, JSONValue)] = []
        let collector = ClusterCollector(diagnostics: Diagnostics(tool: "test"))
        for corpus in ["fixtures/demo", "fixtures/staging", "fixtures/upstream-objects"] {
            for source in try collector.offlineSources(path: repositoryRoot.appendingPathComponent(corpus).path, cluster: nil) {
                let snapshot = try collector.readOffline(cluster: source.cluster, files: source.files)
                try snapshot.forEachRecord { records.append((corpus, $0)) }
            }
        }
        return records
    }

    func read(_ record: JSONValue) throws -> JSON { try JSON.parse(record.text) }

    /// `written[path]` as JSON, `null` when absent.
    func field(_ record: JSONValue, _ path: String...) -> JSONValue {
        path.reduce(Optional(record)) { $0?[$1] } ?? .null
    }

    func check(_ pairs: [(String, JSONValue, JSONValue)], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (name, written, read) in pairs where written != read {
            XCTFail("\(what): \(name) written \(written.text), read back \(read.text)", file: file, line: line)
        }
    }

    private func resources(_ value: Observed.Resources?) -> JSONValue {
        value.map { ["cpu": .optional($0.cpu), "memory": .optional($0.memory)] } ?? .null
    }

    private func containers(_ list: [Observed.Container]) -> JSONValue {
        .array(list.map { ["name": .string($0.name), "image": .optional($0.image), "requests": resources($0.requests), "limits": resources($0.limits)] })
    }

    private func writtenContainers(_ value: JSONValue) -> JSONValue {
        guard case .array(let items) = value else { return .array([]) }
        return .array(items.map { item in
            ["name": item["name"] ?? .null, "image": item["image"] ?? .null, "requests": item["requests"] ?? .null, "limits": item["limits"] ?? .null]
        })
    }

    func testEveryWrittenKindReadsBackAsWritten() throws {
        var seen: [String: Int] = [:]
        for (corpus, record) in try written() {
            guard case .string(let kind)? = record["kind"] else { continue }
            let what = "\(corpus) \(kind) \(field(record, "namespace").text)/\(field(record, "name").text)"
            switch kind {
            case "node":
                let node = try Observed.Node(try read(record))
                check([
                    ("name", field(record, "name"), .string(node.name)),
                    ("instanceType", field(record, "instanceType"), .optional(node.instanceType)),
                    ("region", field(record, "region"), .optional(node.region)), ("zone", field(record, "zone"), .optional(node.zone)),
                    ("capacityType", field(record, "capacityType"), .optional(node.capacityType)),
                    ("nodepool", field(record, "nodepool"), .optional(node.nodepool)),
                    ("nodegroup", field(record, "nodegroup"), .optional(node.nodegroup)),
                    ("instanceId", field(record, "instanceId"), .optional(node.instanceId)),
                    ("internalIP", field(record, "internalIP"), .optional(node.internalIP)),
                    ("allocatable", ["cpu": field(record, "allocatable", "cpu"), "memory": field(record, "allocatable", "memory")],
                     resources(node.allocatable)),
                    ("labels", field(record, "labels"), .sortedMap(node.labels)),
                    ("taints", .int(Int64(field(record, "taints").arrayCount)), .int(Int64(node.taints.count))),
                    ("ready", field(record, "ready"), .bool(node.ready)), ("unschedulable", field(record, "unschedulable"), .bool(node.unschedulable)),
                    ("createdAt", field(record, "createdAt"), .optional(node.createdAt)),
                    ("deletingSince", field(record, "deletingSince"), .optional(node.deletingSince)),
                    ("finalizers", field(record, "finalizers"), .strings(node.finalizers)),
                    ("pressures", field(record, "pressures"), .strings(node.pressures)),
                ], what)
            case "pod":
                let pod = try Observed.Pod(try read(record))
                check([
                    ("namespace", field(record, "namespace"), .string(pod.namespace)), ("name", field(record, "name"), .string(pod.name)),
                    ("node", field(record, "node"), .optional(pod.node)), ("phase", field(record, "phase"), .optional(pod.phase)),
                    // A bare pod is written as its own owner (kind Pod) and read as having no controller.
                    ("owner", field(record, "owner").isNull || field(record, "owner", "kind") == "Pod" ? .null
                        : ["kind": field(record, "owner", "kind"), "name": field(record, "owner", "name")],
                     pod.owner.map { ["kind": .string($0.kind), "name": .string($0.name)] } ?? .null),
                    ("containers", writtenContainers(field(record, "containers")), containers(pod.containers)),
                    ("initContainers", writtenContainers(field(record, "initContainers")), containers(pod.initContainers)),
                    ("labels", field(record, "labels"), .sortedMap(pod.labels)),
                    ("annotations", field(record, "annotations"), .sortedMap(pod.annotations)),
                    ("nodeSelector", field(record, "nodeSelector"), .sortedMap(pod.nodeSelector)),
                    ("claims", field(record, "claims"), .strings(pod.claims)),
                    ("podRequests", field(record, "podRequests"), resources(pod.podRequests)),
                    ("overhead", field(record, "overhead"), resources(pod.overhead)),
                    ("createdAt", field(record, "createdAt"), .optional(pod.createdAt)),
                    ("deletingSince", field(record, "deletingSince"), .optional(pod.deletingSince)),
                    ("finalizers", field(record, "finalizers"), .strings(pod.finalizers)),
                    ("reason", field(record, "reason"), .optional(pod.reason)), ("message", field(record, "message"), .optional(pod.message)),
                    ("reasonSince", field(record, "reasonSince"), .optional(pod.reasonSince)),
                ], what)
            case "workload":
                let workload = try Observed.Workload(try read(record))
                check([
                    ("namespace", field(record, "namespace"), .string(workload.key.namespace)),
                    ("workloadKind", field(record, "workloadKind"), .string(workload.key.kind)),
                    ("name", field(record, "name"), .string(workload.key.name)),
                    ("replicas.desired", field(record, "replicas", "desired"), .optional(workload.desiredReplicas)),
                    ("replicas.ready", field(record, "replicas", "ready"), .optional(workload.readyReplicas)),
                    ("labels", field(record, "labels"), .sortedMap(workload.labels)),
                    ("annotations", field(record, "annotations"), .sortedMap(workload.annotations)),
                    ("podLabels", field(record, "podLabels"), .sortedMap(workload.podLabels)),
                    ("rollout.revision", field(record, "rollout", "revision"), workload.rollout.map { .int($0.revision) } ?? .null),
                ], what)
                // The reader keeps the containers and the native sidecars among the init containers.
                let sidecars = field(record, "initContainers").arrayItems.filter { $0["sidecar"] == .bool(true) }
                XCTAssertEqual(writtenContainers(.array(field(record, "containers").arrayItems + sidecars)), containers(workload.containers), what)
            case "volume":
                let volume = try Observed.Volume(try read(record))
                check([
                    ("name", field(record, "name"), .string(volume.name)),
                    ("claim.namespace", field(record, "claim", "namespace"), .optional(volume.claimNamespace)),
                    ("claim.name", field(record, "claim", "name"), .optional(volume.claimName)),
                    ("claim.deletingSince", field(record, "claim", "deletingSince"), .optional(volume.claimDeletingSince)),
                    ("claim.finalizers", field(record, "claim").isNull ? .strings([]) : field(record, "claim", "finalizers"),
                     .strings(volume.claimFinalizers)),
                    ("phase", field(record, "phase"), .optional(volume.phase)),
                    ("storageClass", field(record, "storageClass"), .optional(volume.storageClass)),
                    ("volumeType", field(record, "volumeType"), .optional(volume.volumeType)),
                    ("sizeBytes", field(record, "sizeBytes"), .optional(volume.sizeBytes)), ("iops", field(record, "iops"), .optional(volume.iops)),
                ], what)
            default:
                continue
            }
            seen[kind, default: 0] += 1
        }
        // Every kind is exercised, on more than the demo's handful.
        for kind in ["node", "pod", "workload", "volume"] { XCTAssertGreaterThan(seen[kind, default: 0], 5, kind) }
    }
}

extension RecordRoundTripTests {
    /// The kinds written object by object (`ObjectRecords`, `ClusterSnapshot.plainKinds`): the fields their
    /// readers take, with the reader's default where the record may leave one out.
    func testThePlainKindsReadBackAsWritten() throws {
        var seen: [String: Int] = [:]
        for (corpus, record) in try written() {
            guard case .string(let kind)? = record["kind"], ClusterSnapshot.plainKinds.contains(kind) else { continue }
            let what = "\(corpus) \(kind) \(field(record, "namespace").text)/\(field(record, "name").text)"
            let json = try read(record)
            func or(_ value: JSONValue, _ fallback: JSONValue) -> JSONValue { value == .null ? fallback : value }
            switch kind {
            case "hpa":
                let hpa = try Observed.HPA(json)
                check([
                    ("namespace", field(record, "namespace"), .string(hpa.namespace)), ("name", field(record, "name"), .string(hpa.name)),
                    ("target.kind", or(field(record, "target", "kind"), "Deployment"), .string(hpa.target.kind)),
                    ("target.name", field(record, "target", "name"), .string(hpa.target.name)),
                    ("minReplicas", or(field(record, "minReplicas"), .int(1)), .int(hpa.minReplicas)),
                    ("maxReplicas", field(record, "maxReplicas"), .optional(hpa.maxReplicas)),
                    ("currentReplicas", field(record, "currentReplicas"), .optional(hpa.currentReplicas)),
                    ("labels", or(field(record, "labels"), .sortedMap([:])), .sortedMap(hpa.labels)),
                ], what)
            case "scaledobject":
                let scaled = try Observed.ScaledObject(json)
                check([
                    ("namespace", field(record, "namespace"), .string(scaled.namespace)), ("name", field(record, "name"), .string(scaled.name)),
                    ("target.name", field(record, "target", "name"), .string(scaled.target.name)),
                    ("triggers", .strings(field(record, "triggers").arrayItems.compactMap { $0["type"]?.stringValue }), .strings(scaled.triggerTypes)),
                    ("hpaName", field(record, "hpaName"), .optional(scaled.hpaName)),
                    ("paused", or(field(record, "paused"), false), .bool(scaled.paused)),
                ], what)
            case "nodepool":
                let pool = try Observed.NodePool(json)
                check([
                    ("name", field(record, "name"), .string(pool.name)),
                    ("consolidationPolicy", or(field(record, "consolidationPolicy"), "WhenEmptyOrUnderutilized"), .string(pool.consolidationPolicy)),
                    ("consolidateAfter", field(record, "consolidateAfter"), .optional(pool.consolidateAfter)),
                    ("budgets", .strings(field(record, "budgets").arrayItems.compactMap { $0["nodes"]?.stringValue }), .strings(pool.budgetNodes)),
                    ("requirements", .int(Int64(field(record, "requirements").arrayCount)), .int(Int64(pool.requirements.count))),
                ], what)
            case "service":
                let service = try Observed.Service(json)
                check([
                    ("namespace", field(record, "namespace"), .string(service.namespace)), ("name", field(record, "name"), .string(service.name)),
                    ("type", or(field(record, "type"), "ClusterIP"), .string(service.type)),
                    ("selector", or(field(record, "selector"), .sortedMap([:])), .sortedMap(service.selector)),
                ], what)
            case "pdb":
                let pdb = try Observed.PDB(json)
                check([
                    ("namespace", field(record, "namespace"), .string(pdb.namespace)), ("name", field(record, "name"), .string(pdb.name)),
                    ("selector.matchLabels", field(record, "selector").isNull ? .null : or(field(record, "selector", "matchLabels"), .sortedMap([:])),
                     pdb.matchLabels.map { .sortedMap($0) } ?? .null),
                    ("disruptionsAllowed", field(record, "disruptionsAllowed"), .optional(pdb.disruptionsAllowed)),
                ], what)
            default:
                let event = try Observed.Event(json)
                check([
                    ("type", field(record, "type"), .optional(event.type)), ("reason", field(record, "reason"), .optional(event.reason)),
                    ("message", field(record, "message"), .optional(event.message)),
                    ("involvedObject.kind", field(record, "involvedObject", "kind"), .optional(event.objectKind)),
                    ("involvedObject.name", field(record, "involvedObject", "name"), .optional(event.objectName)),
                    ("lastTimestamp", field(record, "lastTimestamp"), .optional(event.lastTimestamp)),
                ], what)
            }
            seen[kind, default: 0] += 1
        }
        for kind in ClusterSnapshot.plainKinds { XCTAssertGreaterThan(seen[kind, default: 0], 0, kind) }
    }
}

private extension JSONValue {
    var isNull: Bool { self == .null }
    var arrayItems: [JSONValue] { if case .array(let items) = self { return items }; return [] }
    var arrayCount: Int { arrayItems.count }
}
