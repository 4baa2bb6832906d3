import XCTest
@testable import AutopilotKit

/// Each record kind is one type for both sides (`Observed.Node`, `.Pod`, `.Workload`, `.Volume`, …): collect-
/// cluster builds it from kubectl's objects and writes it with `json`; every later tool reads it with
/// `init(_:)`. Written from real and demo objects and read back, a record must come back as the same value
/// and be written again byte for byte: a field one side forgets, renames or defaults differently fails here,
/// not in a cluster.
final class RecordRoundTripTests: XCTestCase {
    /// The demo, staging, the chaos captures and the upstream corpus of real objects, each as collect-cluster records.
    func written() throws -> [(corpus: String, record: JSONValue)] {
        var records: [(String, JSONValue)] = []
        let collector = ClusterCollector(diagnostics: Diagnostics(tool: "test"))
        let chaos = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("fixtures/chaos").path)
            .filter { !$0.contains(".") }.sorted().map { "fixtures/chaos/\($0)/chaos-lab" }
        for corpus in ["fixtures/demo", "fixtures/staging", "fixtures/upstream-objects"] + chaos {
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

    /// Reads `record` as `T` and writes it again: the same bytes, and the same value read a second time.
    private func roundTrip<T: Equatable>(_ record: JSONValue, _ what: String, read decode: (JSON) throws -> T,
                                         write encode: (T) -> JSONValue) throws {
        let value = try decode(try read(record))
        let again = encode(value)
        XCTAssertEqual(again.text, record.text, "\(what): written again differently")
        XCTAssertEqual(try decode(try read(again)), value, "\(what): read again differently")
    }

    func testEveryKindReadsBackAndWritesAgainAsWritten() throws {
        var seen: [String: Int] = [:]
        for (corpus, record) in try written() {
            guard case .string(let kind)? = record["kind"] else { continue }
            let what = "\(corpus) \(kind) \(field(record, "namespace").text)/\(field(record, "name").text)"
            switch kind {
            case "node": try roundTrip(record, what, read: Observed.Node.init, write: \.json)
            case "pod": try roundTrip(record, what, read: Observed.Pod.init, write: \.json)
            case "workload": try roundTrip(record, what, read: Observed.Workload.init, write: \.json)
            case "volume": try roundTrip(record, what, read: Observed.Volume.init, write: \.json)
            case "hpa": try roundTrip(record, what, read: Observed.HPA.init, write: \.json)
            case "scaledobject": try roundTrip(record, what, read: Observed.ScaledObject.init, write: \.json)
            case "nodepool": try roundTrip(record, what, read: Observed.NodePool.init, write: \.json)
            case "service": try roundTrip(record, what, read: Observed.Service.init, write: \.json)
            case "pdb": try roundTrip(record, what, read: Observed.PDB.init, write: \.json)
            case "event": try roundTrip(record, what, read: Observed.Event.init, write: \.json)
            default: XCTFail("\(what): a kind with no round trip here")
            }
            seen[kind, default: 0] += 1
        }
        // Every kind is exercised; the joined ones on more than the demo's handful.
        for kind in ClusterSnapshot.joinedKinds { XCTAssertGreaterThan(seen[kind, default: 0], 5, kind) }
        for kind in ClusterSnapshot.plainKinds { XCTAssertGreaterThan(seen[kind, default: 0], 0, kind) }
    }

    /// A bare pod, and one owned by another pod, are written as their own owner and read as having none.
    func testAPodWithoutAWorkloadIsItsOwnOwner() throws {
        let pod = Observed.Pod(namespace: "ns", name: "debug", node: "n1", owner: nil, containers: [])
        XCTAssertEqual(pod.json["owner"], ["kind": "Pod", "name": "debug"])
        XCTAssertNil(try Observed.Pod(try read(pod.json)).owner)
    }

    /// What a tool reads for scheduling, from a DaemonSet pod as the API returns it: the label terms are
    /// matched, the field term (`metadata.name`) is kept for the record, tolerations keep every member.
    func testSchedulingFieldsKeepWhatTheAPIHas() throws {
        let object = try JSON.parse(#"""
            {"kind":"Pod","metadata":{"name":"agent-x","namespace":"kube-system","ownerReferences":[{"kind":"DaemonSet","name":"agent","controller":true}]},
             "spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}}},
                     "tolerations":[{"operator":"Exists"},{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}],
                     "containers":[{"name":"agent"}]}}
            """#)
        let pod = try Observed.Pod(kubectl: object, cluster: "c")
        XCTAssertEqual(pod.affinityTerms, [Observed.NodeSelectorTerm(matchExpressions: [],
                                                                     matchFields: [.init(key: "metadata.name", operator: "In", values: ["n1"])])])
        XCTAssertEqual(pod.json["requiredNodeAffinity"]?.text, #"{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}"#)
        XCTAssertEqual(pod.json["tolerations"]?.text,
                       #"[{"operator":"Exists"},{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}]"#)
        XCTAssertTrue(pod.tolerations[0].tolerates(Observed.Taint(key: "dedicated", effect: "NoSchedule")))
    }

    /// What the readers read before each kind was one type, they still read: an HPA's CPU utilization
    /// written as a whole real, a memory target no tool reads, a NodePool's limits over many machines, a
    /// Node's and a PDB's figures no tool reads.
    func testTheReadersStillReadWhatTheyReadBefore() throws {
        let hpa = try Observed.HPA(try JSON.parse(#"""
            {"kind":"hpa","namespace":"a","name":"h","target":{"name":"d"},
             "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"averageUtilization":80.0}}},
                        {"type":"Resource","resource":{"name":"memory","target":{"averageUtilization":"80"}}}],
             "currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":95.0}}}]}
            """#))
        XCTAssertEqual(hpa.cpuTargetUtilization, 80)
        XCTAssertEqual(hpa.cpuCurrentUtilization, 95)
        XCTAssertEqual(hpa.metricNames, ["cpu", "memory"])
        XCTAssertThrowsError(try Observed.HPA(try JSON.parse(#"{"namespace":"a","name":"h","target":{"name":"d"},"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"averageUtilization":80.5}}}]}"#)))
        let pool = try Observed.NodePool(try JSON.parse(#"{"name":"p","limits":{"cpu":100000000,"memory":2305843009213693952}}"#))
        XCTAssertEqual(pool.limits.memory, 2_305_843_009_213_693_952)
        XCTAssertNoThrow(try Observed.Node(try JSON.parse(#"{"name":"n","allocatable":{"cpu":2,"pods":-1},"capacity":{"cpu":"lots"}}"#)))
        XCTAssertNoThrow(try Observed.PDB(try JSON.parse(#"{"namespace":"a","name":"b","expectedPods":-3}"#)))
        // A target named "" stays "" (a record without a name is refused, as before).
        let named = try Observed.HPA(try JSON.parse(#"{"namespace":"a","name":"h","target":{"name":""}}"#))
        XCTAssertEqual(named.json["target"]?["name"], "")
        XCTAssertThrowsError(try Observed.HPA(try JSON.parse(#"{"namespace":"a","name":"h","target":{"kind":"Deployment"}}"#)))
    }
}
