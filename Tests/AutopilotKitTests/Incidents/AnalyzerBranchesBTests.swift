import XCTest
@testable import AutopilotKit
import Foundation

/// Every branch of the root-cause analyzers of failed scheduling, latency, disruption, rollouts, failed Jobs,
/// capacity and storage, one table per analyzer: each case builds an incident and a cluster by hand, runs
/// `analyze`, and checks the hypothesis, its confidence, the action types in order, evidence strings and,
/// where a branch opens a finding, the finding's detector and recommended values (worked out by hand in
/// the comments, never by calling the code under test).
final class AnalyzerBranchesBTests: XCTestCase {
    /// One input and what the analyzer must make of it. `hypothesis == nil`: `analyze` returns false.
    struct Case {
        let name: String
        let build: () -> (Incident, IncidentContext)
        let hypothesis: String?
        var confidence = 0.0
        var actions: [String] = []
        /// Strings the root cause's evidence must hold, exactly.
        var evidence: [String] = []
        /// Further checks: summaries, commands, findings.
        var check: ((Incident) -> Void)? = nil
    }

    func verify(_ analyzer: any IncidentAnalyzer, _ cases: [Case]) {
        for entry in cases {
            let (input, context) = entry.build()
            var incident = input
            let kept = analyzer.analyze(&incident, context)
            guard let hypothesis = entry.hypothesis else {
                XCTAssertFalse(kept, "\(entry.name): should be no incident")
                XCTAssertNil(incident.rootCause, entry.name)
                XCTAssertTrue(incident.actions.isEmpty, entry.name)
                continue
            }
            XCTAssertTrue(kept, entry.name)
            guard let cause = incident.rootCause else {
                XCTFail("\(entry.name): no root cause")
                continue
            }
            XCTAssertEqual(cause.hypothesis, hypothesis, entry.name)
            XCTAssertEqual(cause.confidence, entry.confidence, accuracy: 1e-9, entry.name)
            XCTAssertEqual(incident.actions.map(\.type), entry.actions, entry.name)
            for text in entry.evidence {
                XCTAssertTrue(cause.evidence.contains(text), "\(entry.name): evidence lacks «\(text)»; it is \(cause.evidence)")
            }
            entry.check?(incident)
        }
    }

    // MARK: Shared builders

    /// 2026-11-20T11:50:00Z, ten minutes before `Fixtures.now`: when each incident's first signal comes.
    static let t0 = Fixtures.now.addingTimeInterval(-600)
    static let mib = Fixtures.mib
    static let gib = Fixtures.gib

    static func context(_ cluster: ObservedCluster) -> IncidentContext {
        IncidentContext(cluster: cluster, alerts: [], config: IncidentConfig(), detection: Fixtures.context(cluster))
    }

    static func incident(_ category: IncidentCategory, _ subject: IncidentSubject, _ signals: [Signal]) -> Incident {
        Incident(cluster: "test", category: category, subject: subject, signals: signals)
    }

    static func makeCluster(nodes: [Observed.Node] = [], workloads: [Observed.Workload] = [], pods: [Observed.Pod] = [],
                            usage: [Observed.Usage] = [], hpas: [Observed.HPA] = [], pdbs: [Observed.PDB] = [],
                            events: [Observed.Event] = [], volumes: [Observed.Volume] = []) -> ObservedCluster {
        var cluster = Fixtures.cluster()
        for item in nodes { cluster.add(item) }
        for item in workloads { cluster.add(item) }
        for item in pods { cluster.add(item) }
        for item in usage { cluster.add(item) }
        for item in hpas { cluster.add(item) }
        for item in pdbs { cluster.add(item) }
        for item in events { cluster.add(item) }
        for item in volumes { cluster.add(item) }
        return cluster
    }

    /// A 4-CPU, 16 GiB node (round figures, so the evidence's units are exact).
    static func node(_ name: String, ready: Bool = true, unschedulable: Bool = false) -> Observed.Node {
        Fixtures.node(name, cpu: 4, memory: 16 * gib, ready: ready, unschedulable: unschedulable)
    }

    /// An alert signal as `SignalReader` writes it: `firing alert NAME: summary`.
    static func alert(_ name: String, _ category: IncidentCategory?, _ subject: IncidentSubject, _ summary: String, at: Date = t0,
                      pod: String? = nil, container: String? = nil, object: String? = nil) -> Signal {
        Signal(source: .alert, category: category, name: name, at: at, subject: subject, pod: pod, container: container, object: object,
               detail: "firing alert \(name): \(summary)")
    }

    /// A pod event signal as `SignalReader` writes it: `event REASON on pod NS/NAME: message`.
    static func event(_ reason: String, _ category: IncidentCategory?, _ workload: Observed.WorkloadKey, pod: String, _ message: String,
                      at: Date? = t0, container: String? = nil) -> Signal {
        Signal(source: .event, category: category, name: reason, at: at, until: at, subject: .workload(workload),
               pod: "\(workload.namespace)/\(pod)", container: container, detail: "event \(reason) on pod \(workload.namespace)/\(pod): \(message)")
    }

    static func rollout(_ revision: Int64, at startedAt: String, previous: Int64?, images: [String: String] = [:]) -> Observed.Workload.Rollout {
        Observed.Workload.Rollout(revision: revision, startedAt: startedAt, images: images, previousRevision: previous, previousImages: [:])
    }

    // MARK: FailedSchedulingAnalyzer

    static let web = Fixtures.deployment("web")  // apps/Deployment/web
    static let pendingName = "web-7d9f8c6b5-p2x9z"

    static func schedulingEvent(_ message: String) -> Signal {
        event("FailedScheduling", .failedScheduling, web, pod: pendingName, message)
    }

    static func schedulingDetail(_ message: String) -> String { "event FailedScheduling on pod apps/\(pendingName): \(message)" }

    /// Three 4-CPU nodes; the pending pod (500m, 512Mi) when `pending`; no workload record. For the reasons
    /// that are not CPU or memory.
    static func placementInput(_ message: String, pending: Bool = false) -> (Incident, IncidentContext) {
        var pods: [Observed.Pod] = []
        if pending {
            pods.append(Fixtures.pod(pendingName, of: web, on: nil, containers: [Fixtures.container("app", cpu: 0.5, memory: 512 * mib)], phase: "Pending"))
        }
        let cluster = makeCluster(nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11"), node("ip-10-0-1-12")], pods: pods)
        return (incident(.failedScheduling, .workload(web), [schedulingEvent(message)]), context(cluster))
    }

    /// web (3 replicas of `app`, `cpu` cores and `memory` bytes each): two running on 4-CPU nodes, the third
    /// pending; usage from `usage`.
    static func overRequestInput(_ message: String, cpu: Double, memory: Int64, usage: Observed.Usage) -> (Incident, IncidentContext) {
        let app = Fixtures.container("app", cpu: cpu, memory: memory)
        let cluster = makeCluster(
            nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11"), node("ip-10-0-1-12")],
            workloads: [Fixtures.workload(web, replicas: 3, containers: [app])],
            pods: [Fixtures.pod("web-7d9f8c6b5-a1b2c", of: web, on: "ip-10-0-1-10", containers: [app]),
                   Fixtures.pod("web-7d9f8c6b5-d3e4f", of: web, on: "ip-10-0-1-11", containers: [app]),
                   Fixtures.pod(pendingName, of: web, on: nil, containers: [app], phase: "Pending")],
            usage: [usage])
        return (incident(.failedScheduling, .workload(web), [schedulingEvent(message)]), context(cluster))
    }

    static func failedSchedulingCases() -> [Case] {
        let cpuOnly = "0/3 nodes are available: 3 Insufficient cpu."
        let cpuAndMemory = "0/3 nodes are available: 1 Insufficient cpu, 2 Insufficient memory."
        // p95 400m: a 2-CPU request is more than twice it (2 > 0.8). Peak 1Gi.
        let idleCPU = Fixtures.usage(web, cpu: Fixtures.cpuFigures(p95: 0.4), memory: Fixtures.memoryFigures(max: Double(gib)))
        return [
            Case(name: "a node incident is not the scheduler's", build: {
                (incident(.failedScheduling, .node("ip-10-0-1-10"), [schedulingEvent(cpuOnly)]), context(makeCluster()))
            }, hypothesis: nil),

            // The pending pod asks 16 CPU; the largest node has 4.
            Case(name: "request larger than any node (pending pod)", build: {
                let big = Fixtures.pod(pendingName, of: web, on: nil, containers: [Fixtures.container("app", cpu: 16, memory: 4 * gib)], phase: "Pending")
                let cluster = makeCluster(nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11")], pods: [big])
                return (incident(.failedScheduling, .workload(web), [schedulingEvent(cpuOnly)]), context(cluster))
            }, hypothesis: "request-larger-than-any-node", confidence: 0.9, actions: ["lower-requests"],
                 evidence: [schedulingDetail(cpuOnly), "the pod requests 16 CPU and 4Gi; the largest node has 4 and 16Gi allocatable"],
                 check: { incident in
                     XCTAssertEqual(incident.actions.first?.summary, "Lower apps/web's requests or allow a larger instance type in its NodePool")
                     XCTAssertEqual(incident.affectedPods, ["apps/\(pendingName)"])
                 }),

            // No pending pod known: the requests are the workload template's (1 CPU, 64Gi) against 16Gi nodes.
            Case(name: "request larger than any node (workload template)", build: {
                let cluster = makeCluster(nodes: [node("ip-10-0-1-10")],
                                          workloads: [Fixtures.workload(web, containers: [Fixtures.container("app", cpu: 1, memory: 64 * gib)])])
                let message = "0/1 nodes are available: 1 Insufficient memory."
                return (incident(.failedScheduling, .workload(web), [schedulingEvent(message)]), context(cluster))
            }, hypothesis: "request-larger-than-any-node", confidence: 0.9, actions: ["lower-requests"],
                 evidence: ["the pod requests 1 CPU and 64Gi; the largest node has 4 and 16Gi allocatable"]),

            // 2 CPU requested, p95 400m: over-requested-cpu's finding.
            // By hand: 0.4 × 1.15 = 0.46 cores (above the 10m floor and p95), rounded up to 5m steps = 460m;
            // cut 1.54 ≥ 50m and 77% ≥ 20%, so the detector opens it; 2 running replicas, no HPA, no limit.
            Case(name: "requests too high (CPU finding)", build: {
                overRequestInput(cpuOnly, cpu: 2, memory: gib, usage: idleCPU)
            }, hypothesis: "requests-too-high", confidence: 0.7, actions: ["lower-requests"],
                 evidence: [schedulingDetail(cpuOnly), "container app requests 2 CPU and uses 400m at p95"],
                 check: { incident in
                     let finding = incident.actions.first?.finding
                     XCTAssertEqual(finding?.detector, "over-requested-cpu")
                     XCTAssertEqual(finding?.namespace, "apps")
                     XCTAssertEqual(finding?.target, Finding.Target(kind: "Deployment", name: "web", container: "app"))
                     XCTAssertEqual(finding?.recommended["cpu"]?.doubleValue ?? -1, 0.46, accuracy: 1e-9)
                     XCTAssertEqual(finding?.recommended["cpuLimit"], JSONValue.null)
                     XCTAssertEqual(finding?.recommended["replicas"], JSONValue.int(2))
                 }),

            // Both short: one finding per detector, CPU first.
            // CPU as above: 460m. Memory: request 8Gi, peak 1Gi (8 > 2 × 1): 1 GiB × 1.15 = 1,234,803,097.6 bytes,
            // above 1Gi so 64Mi steps: ⌈18.4⌉ = 19 × 64Mi = 1216Mi = 1,275,068,416 bytes; cut 6976Mi ≥ 128Mi and 85% ≥ 20%.
            Case(name: "requests too high (CPU and memory findings)", build: {
                overRequestInput(cpuAndMemory, cpu: 2, memory: 8 * gib, usage: idleCPU)
            }, hypothesis: "requests-too-high", confidence: 0.7, actions: ["lower-requests", "lower-requests"],
                 evidence: [schedulingDetail(cpuAndMemory), "1 of 3 node(s): Insufficient cpu; 2 of 3 node(s): Insufficient memory",
                            "container app requests 2 CPU and uses 400m at p95", "container app requests 8Gi and peaks at 1Gi"],
                 check: { incident in
                     let findings = incident.actions.compactMap(\.finding)
                     XCTAssertEqual(findings.map(\.detector), ["over-requested-cpu", "over-requested-memory"])
                     guard findings.count == 2 else { return }
                     XCTAssertEqual(findings[0].recommended["cpu"]?.doubleValue ?? -1, 0.46, accuracy: 1e-9)
                     XCTAssertEqual(findings[1].recommended["memory"], JSONValue.int(1_275_068_416))
                     XCTAssertEqual(findings[1].recommended["memoryLimit"], JSONValue.null)
                     XCTAssertEqual(findings[1].recommended["replicas"], JSONValue.int(2))
                 }),

            // Flagged by the analyzer (2 > 2 × 0.4), but 50 samples are under detect-waste's 100: no finding.
            Case(name: "requests too high, detect-waste opens no finding", build: {
                overRequestInput(cpuOnly, cpu: 2, memory: gib,
                                 usage: Fixtures.usage(web, samples: 50, cpu: Fixtures.cpuFigures(p95: 0.4), memory: Fixtures.memoryFigures(max: Double(gib))))
            }, hypothesis: "requests-too-high", confidence: 0.7, actions: ["lower-requests"],
                 evidence: ["container app requests 2 CPU and uses 400m at p95"],
                 check: { incident in
                     XCTAssertNil(incident.actions.first?.finding)
                     XCTAssertEqual(incident.actions.first?.command, "detect-waste --detectors over-requested-cpu,over-requested-memory")
                 }),

            // 2 CPU requested, p95 1.5 (not over 2 × 1.5): the cluster is full. Free CPU on the Ready, schedulable
            // nodes: 4 − (2 + 1.5) = 0.5 and 4 − 3.25 = 0.75; the NotReady and the cordoned node (4 free each) do not count.
            Case(name: "cluster full (CPU)", build: {
                let message = "0/4 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable."
                let app = Fixtures.container("app", cpu: 2, memory: gib)
                let cluster = makeCluster(
                    nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11"), node("ip-10-0-1-12", ready: false), node("ip-10-0-1-13", unschedulable: true)],
                    workloads: [Fixtures.workload(web, replicas: 2, containers: [app])],
                    pods: [Fixtures.pod("web-7d9f8c6b5-a1b2c", of: web, on: "ip-10-0-1-10", containers: [app]),
                           Fixtures.pod("worker-5b6c7d8e9-q1w2e", of: Fixtures.deployment("worker"), on: "ip-10-0-1-10", cpu: 1.5, memory: gib),
                           Fixtures.pod("db-0", of: Observed.WorkloadKey(namespace: "apps", kind: "StatefulSet", name: "db"), on: "ip-10-0-1-11",
                                        cpu: 3.25, memory: 4 * gib),
                           Fixtures.pod(pendingName, of: web, on: nil, containers: [app], phase: "Pending")],
                    usage: [Fixtures.usage(web, cpu: Fixtures.cpuFigures(p95: 1.5))])
                return (incident(.failedScheduling, .workload(web), [schedulingEvent(message)]), context(cluster))
            }, hypothesis: "cluster-full", confidence: 0.7, actions: ["add-capacity"],
                 evidence: ["2 of 4 node(s): Insufficient cpu; 1 of 4 node(s): node(s) had untolerated taint {node.kubernetes.io/not-ready: }; 1 of 4 node(s): node(s) were unschedulable",
                            "largest free CPU on a node: 750m, below the pod's request"]),

            // 6Gi requested, no usage record: free memory 16 − 12 = 4Gi and 16 − 13 = 3Gi.
            Case(name: "cluster full (memory)", build: {
                let message = "0/2 nodes are available: 2 Insufficient memory."
                let cache = Fixtures.deployment("cache")
                let cluster = makeCluster(
                    nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11")],
                    pods: [Fixtures.pod("cache-6c7d8e9f0-a1a1a", of: cache, on: "ip-10-0-1-10", cpu: 1, memory: 12 * gib),
                           Fixtures.pod("cache-6c7d8e9f0-b2b2b", of: cache, on: "ip-10-0-1-11", cpu: 1, memory: 13 * gib),
                           Fixtures.pod(pendingName, of: web, on: nil, containers: [Fixtures.container("app", cpu: 0.5, memory: 6 * gib)], phase: "Pending")])
                return (incident(.failedScheduling, .workload(web), [schedulingEvent(message)]), context(cluster))
            }, hypothesis: "cluster-full", confidence: 0.7, actions: ["add-capacity"],
                 evidence: [schedulingDetail("0/2 nodes are available: 2 Insufficient memory."), "largest free memory on a node: 4Gi, below the pod's request"]),

            // Short of CPU, but neither a pending pod nor a workload says what it requests: the placement reasons
            // decide, and with CPU left out there are none (confidence 0.5 + 0.4 × 0.25).
            Case(name: "short of CPU with unknown requests", build: { placementInput(cpuOnly) },
                 hypothesis: "no-matching-node", confidence: 0.6, actions: ["fix-placement"], evidence: [schedulingDetail(cpuOnly)]),

            // Placement: confidence 0.5 + 0.4 × (the dominant reason's nodes ÷ all nodes), rounded to hundredths.
            Case(name: "no nodes", build: { placementInput("no nodes available to schedule pods") },
                 hypothesis: "no-nodes", confidence: 0.6, actions: ["add-capacity"],
                 evidence: [schedulingDetail("no nodes available to schedule pods")],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get nodes -o wide") }),
            Case(name: "too many pods", build: { placementInput("0/5 nodes are available: 5 Too many pods.") },
                 hypothesis: "pod-limit-reached", confidence: 0.9, actions: ["add-capacity"]),
            Case(name: "insufficient pods", build: { placementInput("0/16 nodes are available: 16 Insufficient pods.") },
                 hypothesis: "pod-limit-reached", confidence: 0.9, actions: ["add-capacity"],
                 evidence: [schedulingDetail("0/16 nodes are available: 16 Insufficient pods.")]),
            Case(name: "insufficient ephemeral storage", build: { placementInput("0/4 nodes are available: 4 Insufficient ephemeral-storage.") },
                 hypothesis: "ephemeral-storage-full", confidence: 0.9, actions: ["add-capacity"]),
            Case(name: "extended resource", build: { placementInput("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.") },
                 hypothesis: "extended-resource-unavailable", confidence: 0.9, actions: ["add-capacity"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "no node has free nvidia.com/gpu")
                     XCTAssertEqual(incident.actions.first?.summary, "Add nodes that offer nvidia.com/gpu (a NodePool or node group with that instance family)")
                 }),
            // 3 of 5 nodes: 0.5 + 0.4 × 0.6 = 0.74; the command names the pending pod.
            Case(name: "untolerated taint", build: {
                placementInput("0/5 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.",
                               pending: true)
            }, hypothesis: "untolerated-taint", confidence: 0.74, actions: ["fix-placement"],
                 evidence: ["3 of 5 node(s): node(s) had untolerated taint {dedicated: gpu}; 2 of 5 node(s): node(s) didn't match Pod's node affinity/selector"],
                 check: { incident in
                     XCTAssertEqual(incident.actions.first?.command,
                                    "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints; kubectl get pod -n 'apps' '\(pendingName)' -o jsonpath='{.spec.tolerations}'")
                 }),
            // A tie (2 and 2 of 4): the scheduler's first reason wins; 0.5 + 0.4 × 0.5 = 0.7.
            Case(name: "untolerated taint on a tie", build: {
                placementInput("0/4 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.")
            }, hypothesis: "untolerated-taint", confidence: 0.7, actions: ["fix-placement"]),
            Case(name: "volume node affinity", build: { placementInput("0/3 nodes are available: 3 node(s) had volume node affinity conflict.") },
                 hypothesis: "volume-zone-conflict", confidence: 0.9, actions: ["add-capacity"]),
            // No count on the reason: share unknown, 0.5 + 0.4 × 0.25.
            Case(name: "unbound claim", build: {
                placementInput("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
            }, hypothesis: "unbound-volume-claim", confidence: 0.6, actions: ["fix-storage"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get pvc -n 'apps'") }),
            Case(name: "volume limit", build: { placementInput("0/4 nodes are available: 4 node(s) exceed max volume count.") },
                 hypothesis: "volume-limit-reached", confidence: 0.9, actions: ["add-capacity"]),
            Case(name: "host ports", build: {
                placementInput("0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.", pending: true)
            }, hypothesis: "host-port-conflict", confidence: 0.9, actions: ["fix-placement"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get pod -n 'apps' '\(pendingName)' -o jsonpath='{.spec.containers[*].ports}'") }),
            Case(name: "cordoned nodes", build: { placementInput("0/2 nodes are available: 2 node(s) were unschedulable.") },
                 hypothesis: "nodes-cordoned", confidence: 0.9, actions: ["fix-placement"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get nodes --field-selector spec.unschedulable=true") }),
            // 4 of 6: 0.5 + 0.4 × 0.667 = 0.767 → 0.77; no pending pod: the Deployment's template.
            Case(name: "topology spread", build: {
                placementInput("0/6 nodes are available: 2 node(s) were unschedulable, 4 node(s) didn't match pod topology spread constraints.")
            }, hypothesis: "topology-spread-unsatisfiable", confidence: 0.77, actions: ["fix-placement"],
                 evidence: ["2 of 6 node(s): node(s) were unschedulable; 4 of 6 node(s): node(s) didn't match pod topology spread constraints"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get deployment -n 'apps' 'web' -o jsonpath='{.spec.template.spec.topologySpreadConstraints}'") }),
            Case(name: "pod anti-affinity", build: { placementInput("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.") },
                 hypothesis: "pod-affinity-unsatisfiable", confidence: 0.9, actions: ["fix-placement"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get deployment -n 'apps' 'web' -o jsonpath='{.spec.template.spec.affinity}'") }),
            // 3 of 4: 0.5 + 0.4 × 0.75 = 0.8.
            Case(name: "node affinity", build: {
                placementInput("0/4 nodes are available: 1 node(s) had untolerated taint {frontend: true}, 3 node(s) didn't match Pod's node affinity/selector.")
            }, hypothesis: "no-matching-node", confidence: 0.8, actions: ["fix-placement"],
                 check: { incident in
                     XCTAssertEqual(incident.actions.first?.command,
                                    "kubectl get deployment -n 'apps' 'web' -o jsonpath='{.spec.template.spec.nodeSelector}{.spec.template.spec.affinity}{.spec.template.spec.tolerations}'")
                 }),
            // A reason of no known plugin (an old scheduler's wording).
            Case(name: "other reason", build: { placementInput("0/3 nodes are available: 3 node(s) were not ready.") },
                 hypothesis: "no-matching-node", confidence: 0.9, actions: ["fix-placement"]),
            // No scheduler summary at all: nothing parsed, 0.5 + 0.4 × 0.25.
            Case(name: "unreadable message", build: {
                placementInput(#"running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition"#)
            }, hypothesis: "no-matching-node", confidence: 0.6, actions: ["fix-placement"],
                 evidence: [schedulingDetail(#"running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition"#)]),
        ]
    }

    func testFailedSchedulingAnalyzerBranches() { verify(FailedSchedulingAnalyzer(), Self.failedSchedulingCases()) }

    // MARK: LatencyAnalyzer

    static let checkout = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "checkout")
    static let latencyDetail = "firing alert ServiceLatencyHigh: p99 latency of shop/checkout above 500ms for 10 minutes"

    static var latencyAlert: Signal {
        alert("ServiceLatencyHigh", .latency, .workload(checkout), "p99 latency of shop/checkout above 500ms for 10 minutes")
    }

    static func cpuUsage(_ key: Observed.WorkloadKey, p95: Double, p99: Double, throttled: Double?) -> Observed.Usage {
        var usage = Fixtures.usage(key, cpu: Fixtures.figures(p95: p95, p99: p99), memory: Fixtures.figures(max: Double(512 * mib)))
        usage.throttledRatio = throttled
        return usage
    }

    /// checkout: 2 replicas of `app` (default: request 500m, limit 1 CPU; 512Mi, limit 1Gi) on ip-10-0-1-10 and ip-10-0-2-20.
    static func latencyInput(app: Observed.Container? = nil, rollout: Observed.Workload.Rollout? = nil, restarts: Int64 = 0,
                             usage: Observed.Usage? = nil, secondNodeReady: Bool = true) -> (Incident, IncidentContext) {
        let spec = app ?? Fixtures.container("app", cpu: 0.5, memory: 512 * mib, cpuLimit: 1, memoryLimit: gib)
        var workload = Fixtures.workload(checkout, replicas: 2, containers: [spec])
        workload.rollout = rollout
        var restarted = spec
        restarted.restarts = restarts
        let cluster = makeCluster(
            nodes: [node("ip-10-0-1-10"), node("ip-10-0-2-20", ready: secondNodeReady)], workloads: [workload],
            pods: [Fixtures.pod("checkout-6d4f8b7c9-a1b2c", of: checkout, on: "ip-10-0-1-10", containers: [restarted]),
                   Fixtures.pod("checkout-6d4f8b7c9-d3e4f", of: checkout, on: "ip-10-0-2-20", containers: [spec])],
            usage: usage.map { [$0] } ?? [])
        return (incident(.latency, .workload(checkout), [latencyAlert]), context(cluster))
    }

    static func latencyCases() -> [Case] {
        [
            Case(name: "a node subject", build: {
                (incident(.latency, .node("ip-10-0-1-10"), [latencyAlert]), context(makeCluster()))
            }, hypothesis: nil),
            Case(name: "a workload the snapshot does not hold", build: {
                (incident(.latency, .workload(checkout), [latencyAlert]), context(makeCluster()))
            }, hypothesis: nil),

            // Revision 7 at 11:40, latency from 11:50: 10 minutes, inside the 30-minute window.
            Case(name: "bad rollout", build: {
                latencyInput(rollout: rollout(7, at: "2026-11-20T11:40:00Z", previous: 6))
            }, hypothesis: "bad-rollout", confidence: 0.7, actions: ["rollback"],
                 evidence: [latencyDetail, "revision 7 rolled out at 2026-11-20T11:40:00Z, just before the latency began"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl rollout undo -n 'shop' deployment/'checkout' --to-revision=6") }),

            // Throttled 40% ≥ 25%: under-provisioned-cpu. By hand: p95 0.8 > request 0.5, so the request goes to
            // 0.8 × 1.15 = 0.92 (already on a 5m step) = 920m; the limit to max(1 × 1.5, p99 0.95 × 1.5 = 1.425, 0.92)
            // = 1.5 (on a 50m step); 2 running replicas.
            Case(name: "CPU throttling with a finding", build: {
                latencyInput(usage: cpuUsage(checkout, p95: 0.8, p99: 0.95, throttled: 0.4))
            }, hypothesis: "cpu-throttling", confidence: 0.75, actions: ["raise-cpu"],
                 evidence: [latencyDetail, "container app: CPU p95 800m of 1 limit, throttled 40%, memory peak 512Mi of 1Gi"],
                 check: { incident in
                     XCTAssertEqual(incident.container, "app")
                     XCTAssertEqual(incident.rootCause?.summary, "CPU throttling: throttled 40% of CFS periods while latency alerts fired")
                     let finding = incident.actions.first?.finding
                     XCTAssertEqual(finding?.detector, "under-provisioned-cpu")
                     XCTAssertEqual(finding?.target, Finding.Target(kind: "Deployment", name: "checkout", container: "app"))
                     XCTAssertEqual(finding?.recommended["cpu"]?.doubleValue ?? -1, 0.92, accuracy: 1e-9)
                     XCTAssertEqual(finding?.recommended["cpuLimit"]?.doubleValue ?? -1, 1.5, accuracy: 1e-9)
                     XCTAssertEqual(finding?.recommended["replicas"], JSONValue.int(2))
                 }),

            // Throttled 30%, but p95 500m is under the 1-CPU request and there is no limit: nothing to raise.
            Case(name: "CPU throttling without a finding", build: {
                latencyInput(app: Fixtures.container("app", cpu: 1, memory: 512 * mib, memoryLimit: gib),
                             usage: cpuUsage(checkout, p95: 0.5, p99: 0.6, throttled: 0.3))
            }, hypothesis: "cpu-throttling", confidence: 0.75, actions: [],
                 evidence: ["container app: CPU p95 500m of 1 request, throttled 30%, memory peak 512Mi of 1Gi"]),

            // Throttled 10% (< 25%); one of its pods runs on a NotReady node.
            Case(name: "node failure", build: {
                latencyInput(usage: cpuUsage(checkout, p95: 0.3, p99: 0.4, throttled: 0.1), secondNodeReady: false)
            }, hypothesis: "node-failure", confidence: 0.7, actions: ["replace-node"],
                 evidence: [latencyDetail, "pods run on NotReady node ip-10-0-2-20"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl drain 'ip-10-0-2-20' --ignore-daemonsets --delete-emptydir-data") }),

            Case(name: "pod restarts", build: { latencyInput(restarts: 3) },
                 hypothesis: "pod-restarts", confidence: 0.5, actions: ["inspect-logs"],
                 evidence: ["3 container restarts; no rollout in the 30m before; all nodes under its pods Ready"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl logs -n 'shop' deployment/'checkout' --previous") }),

            // Revision 7 at 09:00: 2h50m before, outside the window.
            Case(name: "network or dependency (rollout long before)", build: {
                latencyInput(rollout: rollout(7, at: "2026-11-20T09:00:00Z", previous: 6),
                             usage: cpuUsage(checkout, p95: 0.3, p99: 0.4, throttled: 0.02))
            }, hypothesis: "network-or-dependency", confidence: 0.65, actions: ["investigate-network"],
                 evidence: [latencyDetail, "container app: CPU p95 300m of 1 limit, throttled 2%, memory peak 512Mi of 1Gi",
                            "0 container restarts; no rollout in the 30m before; all nodes under its pods Ready"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl get networkpolicy,endpoints -n 'shop'") }),

            // A first revision in the window: nothing to roll back to.
            Case(name: "network or dependency (first revision)", build: {
                latencyInput(rollout: rollout(1, at: "2026-11-20T11:45:00Z", previous: nil))
            }, hypothesis: "network-or-dependency", confidence: 0.65, actions: ["investigate-network"],
                 evidence: ["0 container restarts; no rollout in the 30m before; all nodes under its pods Ready"]),
        ]
    }

    func testLatencyAnalyzerBranches() { verify(LatencyAnalyzer(), Self.latencyCases()) }

    // MARK: DisruptionAnalyzer

    static let shopWeb = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "web")
    static let killedPod = "web-7d9f8c6b5-x2x9z"
    static let killDetail = "event Killing on pod shop/web-7d9f8c6b5-x2x9z: Stopping container app"

    static func kill(_ message: String = "Stopping container app", at: Date? = t0) -> Signal {
        event("Killing", .disruption, shopWeb, pod: killedPod, message, at: at, container: "app")
    }

    static func scaling(_ kind: String, _ reason: String, _ message: String, at time: String) -> Observed.Event {
        var record = Observed.Event(namespace: "shop", type: "Normal", reason: reason, message: message, objectKind: kind, objectName: "web")
        record.lastTimestamp = time
        return record
    }

    /// shop/web with `replicas` desired: the killed pod gone, its replacement created at 11:50:12, the others days old.
    static func disruptionInput(replicas: Int64, signals: [Signal]? = nil, rollout: Observed.Workload.Rollout? = nil,
                                events: [Observed.Event] = [], pdb: Bool = false) -> (Incident, IncidentContext) {
        let app = Fixtures.container("app", cpu: 0.25, memory: 256 * mib)
        var workload = Fixtures.workload(shopWeb, replicas: replicas, containers: [app])
        workload.rollout = rollout
        var pods: [Observed.Pod] = []
        for name in replicas > 1 ? ["web-7d9f8c6b5-k4m2p", "web-7d9f8c6b5-n5q8w"] : [] {
            var old = Fixtures.pod(name, of: shopWeb, on: "ip-10-0-1-10", containers: [app])
            old.createdAt = "2026-11-18T09:00:00Z"
            pods.append(old)
        }
        var replacement = Fixtures.pod("web-7d9f8c6b5-r8t7v", of: shopWeb, on: "ip-10-0-1-11", containers: [app])
        replacement.createdAt = "2026-11-20T11:50:12Z"
        pods.append(replacement)
        let budgets = pdb ? [Observed.PDB(namespace: "shop", name: "web-pdb", matchLabels: ["app": "web"], disruptionsAllowed: 1)] : []
        let cluster = makeCluster(nodes: [node("ip-10-0-1-10"), node("ip-10-0-1-11")], workloads: [workload], pods: pods,
                                  pdbs: budgets, events: events)
        return (incident(.disruption, .workload(shopWeb), signals ?? [kill()]), context(cluster))
    }

    static func disruptionCases() -> [Case] {
        [
            Case(name: "a node subject", build: {
                (incident(.disruption, .node("ip-10-0-1-10"), [kill()]), context(makeCluster()))
            }, hypothesis: nil),
            // A liveness kill is the crash loop's, not a deletion: no kill left.
            Case(name: "only liveness kills", build: {
                disruptionInput(replicas: 3, signals: [kill("Container app failed liveness probe, will be restarted")])
            }, hypothesis: nil),
            Case(name: "a kill without a time", build: { disruptionInput(replicas: 3, signals: [kill(at: nil)]) }, hypothesis: nil),
            // Revision 5 at 11:45, the kill at 11:50: the rollout stopped the pod.
            Case(name: "a rollout just before", build: {
                disruptionInput(replicas: 3, rollout: rollout(5, at: "2026-11-20T11:45:00Z", previous: 4))
            }, hypothesis: nil),
            // The Deployment scaled down 30 s after the kill (within 5 minutes).
            Case(name: "a Deployment scale-down", build: {
                disruptionInput(replicas: 3, events: [
                    scaling("Deployment", "ScalingReplicaSet", "Scaled down replica set web-7d9f8c6b5 to 2 from 3", at: "2026-11-20T11:50:30Z"),
                ])
            }, hypothesis: nil),
            // The HPA rescaled 2 minutes before.
            Case(name: "an HPA rescale", build: {
                disruptionInput(replicas: 3, events: [
                    scaling("HorizontalPodAutoscaler", "SuccessfulRescale", "New size: 2; reason: All metrics below target", at: "2026-11-20T11:48:00Z"),
                ])
            }, hypothesis: nil),

            // One replica: the deletion was an outage.
            Case(name: "pod deleted, single replica", build: { disruptionInput(replicas: 1) },
                 hypothesis: "pod-deleted", confidence: 0.8, actions: ["add-replicas"],
                 evidence: [killDetail, "no rollout, scale-down, eviction, OOM kill or node failure around 2026-11-20T11:50:00Z",
                            "replacement pod web-7d9f8c6b5-r8t7v created 12s later, Running", "1 desired replica; no PodDisruptionBudget"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "1 pod deleted from outside the cluster's controllers")
                     XCTAssertEqual(incident.affectedPods, ["shop/\(killedPod)"])
                     XCTAssertEqual(incident.container, "app")
                     XCTAssertEqual(incident.actions.first?.command, "kubectl scale -n 'shop' deployment/'web' --replicas=2")
                 }),
            // Three replicas, no budget. A scale-up 5 s after and a scale-down 20 minutes before do not explain it.
            Case(name: "pod deleted, no PodDisruptionBudget", build: {
                disruptionInput(replicas: 3, events: [
                    scaling("Deployment", "ScalingReplicaSet", "Scaled up replica set web-7d9f8c6b5 to 3", at: "2026-11-20T11:50:05Z"),
                    scaling("Deployment", "ScalingReplicaSet", "Scaled down replica set web-5c8d7f9b4 to 0 from 1", at: "2026-11-20T11:30:00Z"),
                ])
            }, hypothesis: "pod-deleted", confidence: 0.8, actions: ["add-pdb"],
                 evidence: ["3 desired replicas; no PodDisruptionBudget"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl create pdb 'web' -n 'shop' --selector='app=web' --max-unavailable=1") }),
            // Three replicas and a budget; the rollout two days before is not this.
            Case(name: "pod deleted, ridden out", build: {
                disruptionInput(replicas: 3, rollout: rollout(5, at: "2026-11-18T09:00:00Z", previous: 4), pdb: true)
            }, hypothesis: "pod-deleted", confidence: 0.8, actions: ["none"],
                 evidence: ["3 desired replicas; PodDisruptionBudget web-pdb"],
                 check: { XCTAssertEqual($0.actions.first?.summary, "shop/web rode it out: 3 replicas and a PodDisruptionBudget") }),
        ]
    }

    func testDisruptionAnalyzerBranches() { verify(DisruptionAnalyzer(), Self.disruptionCases()) }

    // MARK: RolloutAnalyzer

    static let stuckDetail = "firing alert KubeDeploymentRolloutStuck: Deployment shop/web rollout is not progressing."
    static let waitingPodName = "web-6f7c9d8b5-abcde"
    static let describeWaiting = "kubectl describe pod -n 'shop' 'web-6f7c9d8b5-abcde'"
    static let rolloutStatus = "kubectl rollout status -n 'shop' deployment/'web' --timeout=30s; kubectl describe deployment -n 'shop' 'web'"

    static var rolloutStuck: Signal {
        alert("KubeDeploymentRolloutStuck", .rollout, .workload(shopWeb), "Deployment shop/web rollout is not progressing.")
    }

    /// A pod of shop/web whose `container` waits in `reason`.
    static func waitingPod(_ reason: String, container: String = "app", image: String? = "registry.example/web:v2") -> Observed.Pod {
        var app = Fixtures.container(container, cpu: 0.25, memory: 256 * mib, waitingReason: reason)
        app.image = image
        return Fixtures.pod(waitingPodName, of: shopWeb, on: "ip-10-0-1-10", containers: [app], phase: "Pending")
    }

    /// shop/web: 1 of 3 replicas ready.
    static func rolloutInput(pods: [Observed.Pod] = [], rollout: Observed.Workload.Rollout? = nil, signals: [Signal]? = nil) -> (Incident, IncidentContext) {
        var workload = Fixtures.workload(shopWeb, replicas: 3, containers: [Fixtures.container("app", cpu: 0.25, memory: 256 * mib)])
        workload.readyReplicas = 1
        workload.rollout = rollout
        let cluster = makeCluster(nodes: [node("ip-10-0-1-10")], workloads: [workload], pods: pods)
        return (incident(.rollout, .workload(shopWeb), signals ?? [rolloutStuck]), context(cluster))
    }

    static func rolloutCases() -> [Case] {
        let v2 = ["app": "registry.example/web:v2"]
        return [
            Case(name: "a node subject", build: {
                (incident(.rollout, .node("ip-10-0-1-10"), [rolloutStuck]), context(makeCluster()))
            }, hypothesis: nil),

            Case(name: "image pull, no rollout", build: { rolloutInput(pods: [waitingPod("ImagePullBackOff")]) },
                 hypothesis: "image-pull-failing", confidence: 0.7, actions: ["fix-image"],
                 evidence: [stuckDetail, "Deployment shop/web: 1 of 3 replicas ready",
                            "pod web-6f7c9d8b5-abcde container app waiting in ImagePullBackOff for image registry.example/web:v2"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "the nodes cannot pull registry.example/web:v2 (ImagePullBackOff)")
                     XCTAssertEqual(incident.actions.last?.command, describeWaiting)
                 }),
            // Revision 4 at 11:30, the alert at 11:50: within 30 + 15 minutes; rollback first.
            Case(name: "image pull after a rollout", build: {
                rolloutInput(pods: [waitingPod("ImagePullBackOff")], rollout: rollout(4, at: "2026-11-20T11:30:00Z", previous: 3, images: v2))
            }, hypothesis: "image-pull-failing", confidence: 0.85, actions: ["rollback", "fix-image"],
                 evidence: ["revision 4 rolled out at 2026-11-20T11:30:00Z (app=registry.example/web:v2)"],
                 check: { XCTAssertEqual($0.actions.first?.command, "kubectl rollout undo -n 'shop' deployment/'web' --to-revision=3") }),
            // No pod in the snapshot: KubeContainerWaiting's `reason` label says it.
            Case(name: "image pull from the alert's reason", build: {
                rolloutInput(signals: [alert("KubeContainerWaiting", .rollout, .workload(shopWeb), "Pod container waiting longer than 1 hour",
                                             pod: "shop/\(waitingPodName)", container: "app", object: "reason ErrImagePull")])
            }, hypothesis: "image-pull-failing", confidence: 0.7, actions: ["fix-image"],
                 evidence: ["pod web-6f7c9d8b5-abcde container app waiting in ErrImagePull"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "the nodes cannot pull the container's image (ErrImagePull)")
                     XCTAssertEqual(incident.affectedPods, ["shop/\(waitingPodName)"])
                     XCTAssertEqual(incident.container, "app")
                 }),

            // An init container that cannot be created (a missing ConfigMap); the app container waits behind it.
            Case(name: "container config error (init container)", build: {
                var pod = waitingPod("PodInitializing")
                pod.initContainers = [Fixtures.container("init-config", waitingReason: "CreateContainerConfigError")]
                return rolloutInput(pods: [pod])
            }, hypothesis: "container-config-error", confidence: 0.7, actions: ["fix-config"],
                 evidence: ["pod web-6f7c9d8b5-abcde container init-config waiting in CreateContainerConfigError"],
                 check: { incident in
                     XCTAssertEqual(incident.container, "init-config")
                     XCTAssertEqual(incident.actions.first?.command, describeWaiting)
                 }),
            // A first revision 5 minutes before: the rollout raises the confidence, but there is nothing to roll back to.
            Case(name: "container config error, first revision", build: {
                rolloutInput(pods: [waitingPod("CreateContainerConfigError")], rollout: rollout(1, at: "2026-11-20T11:45:00Z", previous: nil))
            }, hypothesis: "container-config-error", confidence: 0.85, actions: ["fix-config"]),

            // The only image-pull failure is on a pod being deleted: ignored; the readiness probe is what fails.
            Case(name: "readiness probe failing", build: {
                var leaving = waitingPod("ErrImagePull")
                leaving.deletingSince = "2026-11-20T11:49:00Z"
                return rolloutInput(pods: [leaving], signals: [
                    rolloutStuck,
                    event("Unhealthy", nil, shopWeb, pod: "web-6f7c9d8b5-fghij", "Readiness probe failed: HTTP probe failed with statuscode: 503", container: "app"),
                ])
            }, hypothesis: "readiness-probe-failing", confidence: 0.7, actions: ["fix-readiness-probe"],
                 evidence: [stuckDetail, "event Unhealthy on pod shop/web-6f7c9d8b5-fghij: Readiness probe failed: HTTP probe failed with statuscode: 503"],
                 check: { incident in
                     XCTAssertEqual(incident.actions.first?.command,
                                    "kubectl get deployment -n 'shop' 'web' -o jsonpath='{.spec.template.spec.containers[*].readinessProbe}'")
                 }),

            // Revision 4 at 11:10: 40 minutes before the alert, inside 30 + 15 minutes; nothing else found.
            Case(name: "bad rollout", build: {
                rolloutInput(pods: [Fixtures.pod("web-6f7c9d8b5-klmno", of: shopWeb, on: "ip-10-0-1-10", containers: [Fixtures.container("app")])],
                             rollout: rollout(4, at: "2026-11-20T11:10:00Z", previous: 3, images: v2))
            }, hypothesis: "bad-rollout", confidence: 0.6, actions: ["rollback", "inspect-rollout"],
                 evidence: ["revision 4 rolled out at 2026-11-20T11:10:00Z (app=registry.example/web:v2)"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "revision 4 has not become available since it rolled out")
                     XCTAssertEqual(incident.actions.last?.command, rolloutStatus)
                 }),

            // Waiting in ContainerCreating (neither a pull nor a config error), no rollout.
            Case(name: "rollout stalled", build: { rolloutInput(pods: [waitingPod("ContainerCreating")]) },
                 hypothesis: "rollout-stalled", confidence: 0.4, actions: ["inspect-rollout"],
                 evidence: ["pod web-6f7c9d8b5-abcde container app waiting in ContainerCreating",
                            "no rollout in the 45m before, no image, config or probe failure in the snapshot"],
                 check: { XCTAssertEqual($0.actions.first?.command, rolloutStatus) }),
            // A first revision in the window, and a liveness (not readiness) probe failing: still stalled, no rollback.
            Case(name: "rollout stalled, first revision", build: {
                rolloutInput(rollout: rollout(1, at: "2026-11-20T11:45:00Z", previous: nil), signals: [
                    rolloutStuck,
                    event("Unhealthy", nil, shopWeb, pod: "web-6f7c9d8b5-fghij",
                          "Liveness probe failed: Get \"http://10.0.1.7:8080/healthz\": context deadline exceeded", container: "app"),
                ])
            }, hypothesis: "rollout-stalled", confidence: 0.4, actions: ["inspect-rollout"]),
            // Revision 4 at 10:50: an hour before the alert, past 30 + 15 minutes.
            Case(name: "rollout stalled, rollout too long before", build: {
                rolloutInput(rollout: rollout(4, at: "2026-11-20T10:50:00Z", previous: 3, images: v2))
            }, hypothesis: "rollout-stalled", confidence: 0.4, actions: ["inspect-rollout"],
                 evidence: ["no rollout in the 45m before, no image, config or probe failure in the snapshot"]),
        ]
    }

    func testRolloutAnalyzerBranches() { verify(RolloutAnalyzer(), Self.rolloutCases()) }

    // MARK: JobFailedAnalyzer

    static let nightly = Observed.WorkloadKey(namespace: "batch", kind: "CronJob", name: "nightly")
    static let jobFailedDetail = "firing alert KubeJobFailed: Job failed to complete."
    static let nightlyLogs = "kubectl logs -n 'batch' job/'nightly-29012340' --all-containers"

    static func jobAlert(_ name: String, _ key: Observed.WorkloadKey, object: String?) -> Signal {
        alert(name, .jobFailed, .workload(key), name == "KubeJobFailed" ? "Job failed to complete." : "Job did not complete in time", object: object)
    }

    /// A pod of a Job whose `main` container last exited with `exit` (nil: still running).
    static func jobPod(_ name: String, of owner: Observed.WorkloadKey, phase: String, exit: Int64?) -> Observed.Pod {
        var main = Fixtures.container("main", cpu: 0.5, memory: 512 * mib)
        main.lastTermination = exit.map { Observed.Termination(reason: $0 == 0 ? "Completed" : "Error", exitCode: $0) }
        return Fixtures.pod(name, of: owner, on: "ip-10-0-1-10", containers: [main], phase: phase)
    }

    static func jobInput(_ key: Observed.WorkloadKey, pods: [Observed.Pod], signals: [Signal]) -> (Incident, IncidentContext) {
        (incident(.jobFailed, .workload(key), signals), context(makeCluster(nodes: [node("ip-10-0-1-10")], pods: pods)))
    }

    static func jobCases() -> [Case] {
        // Two failed pods of Job nightly-29012340, and a failed pod of an older Job of the same CronJob (left out).
        let failedPods = [
            jobPod("nightly-29012340-7xk2p", of: nightly, phase: "Failed", exit: 1),
            jobPod("nightly-29012340-q9d4s", of: nightly, phase: "Failed", exit: 1),
            jobPod("nightly-29012280-bb8mn", of: nightly, phase: "Failed", exit: 2),
        ]
        let migrate = Observed.WorkloadKey(namespace: "batch", kind: "Job", name: "migrate-42")
        return [
            Case(name: "a cluster subject", build: {
                (incident(.jobFailed, .cluster, [jobAlert("KubeJobFailed", nightly, object: "job/nightly-29012340")]), context(makeCluster()))
            }, hypothesis: nil),

            Case(name: "pods failing", build: {
                jobInput(nightly, pods: failedPods, signals: [jobAlert("KubeJobFailed", nightly, object: "job/nightly-29012340")])
            }, hypothesis: "job-pods-failing", confidence: 0.75, actions: ["inspect-logs"],
                 evidence: [jobFailedDetail, "2 failed pods: container main exit 1 (Error)"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "Job nightly-29012340's pods exit with an error (code 1) until its retries run out")
                     XCTAssertEqual(incident.affectedPods, ["batch/nightly-29012340-7xk2p", "batch/nightly-29012340-q9d4s"])
                     XCTAssertEqual(incident.actions.first?.command, nightlyLogs)
                 }),
            // The Job's pods are gone (TTL): no failed pod to show, less sure.
            Case(name: "pods failing, none left", build: {
                jobInput(nightly, pods: [], signals: [jobAlert("KubeJobFailed", nightly, object: "job/nightly-29012340")])
            }, hypothesis: "job-pods-failing", confidence: 0.5, actions: ["inspect-logs"], evidence: [jobFailedDetail],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "Job nightly-29012340's pods exit with an error until its retries run out")
                     XCTAssertEqual(incident.actions.first?.command, nightlyLogs)
                 }),
            // Not completed and also failed: the failure wins.
            Case(name: "not completed, then failed", build: {
                jobInput(nightly, pods: failedPods, signals: [jobAlert("KubeJobNotCompleted", nightly, object: "job/nightly-29012340"),
                                                              jobAlert("KubeJobFailed", nightly, object: "job/nightly-29012340")])
            }, hypothesis: "job-pods-failing", confidence: 0.75, actions: ["inspect-logs"]),
            Case(name: "running too long", build: {
                jobInput(nightly, pods: [jobPod("nightly-29012340-7xk2p", of: nightly, phase: "Running", exit: nil)],
                         signals: [jobAlert("KubeJobNotCompleted", nightly, object: "job/nightly-29012340")])
            }, hypothesis: "job-running-too-long", confidence: 0.6, actions: ["inspect-logs"],
                 evidence: ["firing alert KubeJobNotCompleted: Job did not complete in time"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "Job nightly-29012340 has been running for more than 12 hours")
                     XCTAssertEqual(incident.actions.first?.command, nightlyLogs)
                     XCTAssertEqual(incident.affectedPods, [])
                 }),
            // No Job named: the failed pod's logs.
            Case(name: "pods failing, no Job named", build: {
                jobInput(migrate, pods: [jobPod("migrate-42-kq7vd", of: migrate, phase: "Failed", exit: 2)],
                         signals: [jobAlert("KubeJobFailed", migrate, object: nil)])
            }, hypothesis: "job-pods-failing", confidence: 0.75, actions: ["inspect-logs"],
                 evidence: ["1 failed pod: container main exit 2 (Error)"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "the Job's pods exit with an error (code 2) until its retries run out")
                     XCTAssertEqual(incident.actions.first?.command, "kubectl logs -n 'batch' 'migrate-42-kq7vd' --all-containers")
                 }),
            // No Job named and no pod: no command.
            Case(name: "running too long, nothing known", build: {
                jobInput(migrate, pods: [], signals: [jobAlert("KubeJobNotCompleted", migrate, object: nil)])
            }, hypothesis: "job-running-too-long", confidence: 0.6, actions: ["inspect-logs"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "the Job has been running for more than 12 hours")
                     XCTAssertNil(incident.actions.first?.command)
                 }),
        ]
    }

    func testJobFailedAnalyzerBranches() { verify(JobFailedAnalyzer(), Self.jobCases()) }

    // MARK: CapacityAnalyzer

    static let describeHPA = "kubectl describe horizontalpodautoscaler -n 'shop' 'web'"

    static func hpa(current: Int64, target: Int64?, utilization: Int64?, conditions: [Observed.Condition]) -> Observed.HPA {
        Observed.HPA(namespace: "shop", name: "web", target: shopWeb, minReplicas: 2, maxReplicas: 10, currentReplicas: current,
                     cpuTargetUtilization: target, cpuCurrentUtilization: utilization,
                     metricNames: target == nil ? ["http_requests_per_second"] : ["cpu"], conditions: conditions)
    }

    static func hpaInput(_ alertName: String, hpas: [Observed.HPA], object: String? = "horizontalpodautoscaler/web") -> (Incident, IncidentContext) {
        let summary = alertName == "KubeHpaMaxedOut" ? "HPA is running at max replicas" : "HPA has not matched desired number of replicas."
        let cluster = makeCluster(nodes: [node("ip-10-0-1-10")],
                                  workloads: [Fixtures.workload(shopWeb, replicas: 10, containers: [Fixtures.container("app", cpu: 0.25, memory: 256 * mib)])],
                                  pods: [Fixtures.pod("web-7d9f8c6b5-k4m2p", of: shopWeb, on: "ip-10-0-1-10", cpu: 0.25, memory: 256 * mib)],
                                  hpas: hpas)
        return (incident(.capacity, .workload(shopWeb), [alert(alertName, .capacity, .workload(shopWeb), summary, object: object)]), context(cluster))
    }

    /// Three Ready 4-CPU / 16Gi nodes (12 CPU, 48Gi; 8 CPU and 32Gi with the largest lost), plus a Fargate node
    /// and a node being deleted that do not count; running pods of `running` (cores, GiB) one per node, a pending pod
    /// of `pending`, and a Succeeded pod and a Fargate pod that do not count.
    static func clusterInput(running: [(cpu: Double, gib: Int64)], pending: (cpu: Double, gib: Int64)) -> (Incident, IncidentContext) {
        var deleting = Fixtures.node("ip-10-0-1-14", cpu: 8, memory: 32 * gib)
        deleting.deletingSince = "2026-11-20T11:55:00Z"
        let fargate = Fixtures.node("fargate-ip-10-0-9-9.ec2.internal", cpu: 2, memory: 4 * gib, labels: ["eks.amazonaws.com/compute-type": "fargate"])
        let names = ["ip-10-0-1-10", "ip-10-0-1-11", "ip-10-0-1-12"]
        var pods: [Observed.Pod] = []
        for (index, figures) in running.enumerated() {
            pods.append(Fixtures.pod("app-\(index)", of: nil, on: names[index % names.count], cpu: figures.cpu, memory: figures.gib * gib))
        }
        pods.append(Fixtures.pod("queued", of: nil, on: nil, containers: [Fixtures.container("app", cpu: pending.cpu, memory: pending.gib * gib)],
                                 phase: "Pending"))
        pods.append(Fixtures.pod("report-done", of: nil, on: "ip-10-0-1-10", containers: [Fixtures.container("app", cpu: 4, memory: 16 * gib)],
                                 phase: "Succeeded"))
        pods.append(Fixtures.pod("serverless", of: nil, on: "fargate-ip-10-0-9-9.ec2.internal", cpu: 2, memory: 4 * gib))
        var nodes = names.map { node($0) }
        nodes += [deleting, fargate]
        let cluster = makeCluster(nodes: nodes, pods: pods)
        let signal = alert("KubeCPUOvercommit", .capacity, .cluster, "Cluster has overcommitted CPU resource requests.")
        return (incident(.capacity, .cluster, [signal]), context(cluster))
    }

    static func capacityCases() -> [Case] {
        let maxedOut = Observed.Condition(type: "ScalingLimited", status: "True", reason: "TooManyReplicas",
                                          message: "the desired replica count is more than the maximum replica count")
        let noMetrics = Observed.Condition(
            type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric",
            message: "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API")
        let ableToScale = Observed.Condition(type: "AbleToScale", status: "True", reason: "ReadyForNewScale")
        let active = Observed.Condition(type: "ScalingActive", status: "True", reason: "ValidMetricFound")
        // Another HPA on the same Deployment, first in the snapshot: the alert's `horizontalpodautoscaler` picks `web`.
        let other = Observed.HPA(namespace: "shop", name: "keda-hpa-web-queue", target: shopWeb, minReplicas: 1, maxReplicas: 5, currentReplicas: 3,
                                 cpuTargetUtilization: nil, cpuCurrentUtilization: nil, metricNames: ["s0-aws-sqs-queue"])
        let fitting: [(cpu: Double, gib: Int64)] = [(cpu: 2, gib: 8), (cpu: 2, gib: 8), (cpu: 1, gib: 4)]
        return [
            Case(name: "a workload without an HPA", build: { hpaInput("KubeHpaMaxedOut", hpas: []) }, hypothesis: nil),
            Case(name: "a node subject", build: {
                (incident(.capacity, .node("ip-10-0-1-10"),
                          [alert("KubeCPUOvercommit", .capacity, .node("ip-10-0-1-10"), "Cluster has overcommitted CPU resource requests.")]),
                 context(makeCluster()))
            }, hypothesis: nil),

            // 95% against a 70% target: still busy at the maximum.
            Case(name: "HPA at max, busy", build: {
                hpaInput("KubeHpaMaxedOut", hpas: [other, hpa(current: 10, target: 70, utilization: 95, conditions: [ableToScale, maxedOut])])
            }, hypothesis: "hpa-at-max-replicas", confidence: 0.85, actions: ["raise-max-replicas"],
                 evidence: ["firing alert KubeHpaMaxedOut: HPA is running at max replicas",
                            "HPA web: 10 replicas (min 2, max 10); CPU at 95% of requests against a target of 70%",
                            "condition ScalingLimited=True TooManyReplicas: the desired replica count is more than the maximum replica count"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "HPA web runs Deployment shop/web at its maximum of 10 replicas and the replicas are still above their CPU target")
                     XCTAssertEqual(incident.actions.first?.command, describeHPA)
                     XCTAssertEqual(incident.affectedPods, ["shop/web-7d9f8c6b5-k4m2p"])
                 }),
            // 40% against 70%: at the maximum but not busy. No object: the only HPA.
            Case(name: "HPA at max, under target", build: {
                hpaInput("KubeHpaMaxedOut", hpas: [hpa(current: 10, target: 70, utilization: 40, conditions: [maxedOut])], object: nil)
            }, hypothesis: "hpa-at-max-replicas", confidence: 0.7, actions: ["raise-max-replicas"],
                 evidence: ["HPA web: 10 replicas (min 2, max 10); CPU at 40% of requests against a target of 70%"],
                 check: { XCTAssertEqual($0.rootCause?.summary, "HPA web runs Deployment shop/web at its maximum of 10 replicas") }),
            // Scaling on an external metric: no CPU target to be above.
            Case(name: "HPA at max, not on CPU", build: {
                hpaInput("KubeHpaMaxedOut", hpas: [hpa(current: 10, target: nil, utilization: nil, conditions: [])])
            }, hypothesis: "hpa-at-max-replicas", confidence: 0.7, actions: ["raise-max-replicas"],
                 evidence: ["HPA web: 10 replicas (min 2, max 10)"]),
            Case(name: "HPA cannot scale, metrics missing", build: {
                hpaInput("KubeHpaReplicasMismatch", hpas: [hpa(current: 2, target: 70, utilization: nil, conditions: [ableToScale, noMetrics])])
            }, hypothesis: "hpa-cannot-scale", confidence: 0.8, actions: ["inspect-hpa"],
                 evidence: ["HPA web: 2 replicas (min 2, max 10)",
                            "condition ScalingActive=False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "HPA web does not reach the replicas it wants: ScalingActive is False (FailedGetResourceMetric)")
                     XCTAssertEqual(incident.actions.first?.command, describeHPA)
                 }),
            // ScalingLimited=False (DesiredWithinRange) is how a healthy HPA reports: not a blocker.
            Case(name: "HPA cannot scale, no condition says why", build: {
                hpaInput("KubeHpaReplicasMismatch", hpas: [hpa(current: 4, target: 70, utilization: 85, conditions: [
                    ableToScale, active, Observed.Condition(type: "ScalingLimited", status: "False", reason: "DesiredWithinRange"),
                ])])
            }, hypothesis: "hpa-cannot-scale", confidence: 0.5, actions: ["inspect-hpa"],
                 evidence: ["HPA web: 4 replicas (min 2, max 10); CPU at 85% of requests against a target of 70%"],
                 check: { XCTAssertEqual($0.rootCause?.summary, "HPA web does not reach the replicas it wants") }),

            // 2 + 2 + 1 + 1 pending = 6 CPU ≤ 12 − 4 = 8; 8 + 8 + 4 + 4 = 24Gi ≤ 48 − 16 = 32Gi: it fits.
            Case(name: "cluster overcommit not in the snapshot", build: { clusterInput(running: fitting, pending: (cpu: 1, gib: 4)) },
                 hypothesis: "overcommit-not-in-snapshot", confidence: 0.3, actions: ["lower-requests"],
                 evidence: ["firing alert KubeCPUOvercommit: Cluster has overcommitted CPU resource requests.",
                            "pods request 6 CPU of 12 CPU allocatable on 3 nodes; the largest node has 4 CPU",
                            "pods request 24Gi of 48Gi allocatable; the largest node has 16Gi"],
                 check: { XCTAssertEqual($0.actions.first?.command, "detect-waste --detectors over-requested-cpu,over-requested-memory") }),
            // 3 + 3 + 2 + 1 = 9 CPU > 8.
            Case(name: "cluster short of CPU with a node lost", build: {
                clusterInput(running: [(cpu: 3, gib: 8), (cpu: 3, gib: 8), (cpu: 2, gib: 4)], pending: (cpu: 1, gib: 4))
            }, hypothesis: "requests-exceed-n-minus-1", confidence: 0.8, actions: ["add-capacity", "lower-requests"],
                 evidence: ["pods request 9 CPU of 12 CPU allocatable on 3 nodes; the largest node has 4 CPU"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "the pods' CPU requests exceed what the cluster holds with its largest node lost: one node failure leaves pods pending")
                 }),
            // 10 + 10 + 8 + 8 = 36Gi > 32Gi.
            Case(name: "cluster short of memory with a node lost", build: {
                clusterInput(running: [(cpu: 2, gib: 10), (cpu: 2, gib: 10), (cpu: 1, gib: 8)], pending: (cpu: 1, gib: 8))
            }, hypothesis: "requests-exceed-n-minus-1", confidence: 0.8, actions: ["add-capacity", "lower-requests"],
                 evidence: ["pods request 36Gi of 48Gi allocatable; the largest node has 16Gi"],
                 check: { XCTAssertTrue($0.rootCause?.summary.hasPrefix("the pods' memory requests exceed") ?? false) }),
            Case(name: "cluster short of both", build: {
                clusterInput(running: [(cpu: 3, gib: 10), (cpu: 3, gib: 10), (cpu: 2, gib: 8)], pending: (cpu: 1, gib: 8))
            }, hypothesis: "requests-exceed-n-minus-1", confidence: 0.8, actions: ["add-capacity", "lower-requests"],
                 check: { XCTAssertTrue($0.rootCause?.summary.hasPrefix("the pods' CPU and memory requests exceed") ?? false) }),
        ]
    }

    func testCapacityAnalyzerBranches() { verify(CapacityAnalyzer(), Self.capacityCases()) }

    // MARK: StorageAnalyzer

    static let postgres = Observed.WorkloadKey(namespace: "data", kind: "StatefulSet", name: "postgres")

    /// kubernetes-mixin's summaries.
    static func claimAlert(_ name: String, object: String) -> Signal {
        let summaries = ["KubePersistentVolumeFillingUp": "PersistentVolume is filling up.",
                         "KubePersistentVolumeInodesFillingUp": "PersistentVolumeInodes are filling up.",
                         "KubePersistentVolumeErrors": "PersistentVolume is having issues with provisioning."]
        return alert(name, .storage, .workload(postgres), summaries[name] ?? name, object: object)
    }

    /// postgres-0 and postgres-1 mounting data-postgres-0 and -1; `volumes` in the snapshot.
    static func claimInput(_ signals: [Signal], volumes: [Observed.Volume]) -> (Incident, IncidentContext) {
        let pods = ["0", "1"].map { ordinal in
            Fixtures.pod("postgres-\(ordinal)", of: postgres, on: "ip-10-0-1-10", containers: [Fixtures.container("postgres", cpu: 1, memory: 2 * gib)],
                         claims: ["data-postgres-\(ordinal)"])
        }
        let cluster = makeCluster(nodes: [node("ip-10-0-1-10")], pods: pods, volumes: volumes)
        return (incident(.storage, .workload(postgres), signals), context(cluster))
    }

    /// The claim's volume (25Gi gp3), after a claim of the same name in another namespace.
    static var postgresVolumes: [Observed.Volume] {
        [Observed.Volume(name: "pvc-9f8e7d6c", claim: (namespace: "staging", name: "data-postgres-0"), phase: "Bound", volumeType: "gp3",
                         sizeBytes: 50 * gib, storageClass: "gp3"),
         Observed.Volume(name: "pvc-0a1b2c3d", claim: (namespace: "data", name: "data-postgres-0"), phase: "Bound", volumeType: "gp3",
                         sizeBytes: 25 * gib, storageClass: "gp3")]
    }

    /// `pods` running pods and a Succeeded one on node `name`; `node` its record, if the snapshot has one.
    static func nodeDiskInput(_ name: String, node record: Observed.Node?, pods count: Int, signals: [Signal]) -> (Incident, IncidentContext) {
        var pods: [Observed.Pod] = []
        for index in 0..<count { pods.append(Fixtures.pod("app-\(index)", of: nil, on: name, cpu: 0.5, memory: gib)) }
        pods.append(Fixtures.pod("report-done", of: nil, on: name, containers: [Fixtures.container("app", cpu: 1, memory: gib)], phase: "Succeeded"))
        let cluster = makeCluster(nodes: record.map { [$0] } ?? [], pods: pods)
        return (incident(.storage, .node(name), signals), context(cluster))
    }

    /// node-mixin's summaries.
    static func nodeAlert(_ name: String, _ nodeName: String, mountpoint: String?) -> Signal {
        let summaries = ["NodeFilesystemSpaceFillingUp": "Filesystem is predicted to run out of space within the next 24 hours.",
                         "NodeFilesystemFilesFillingUp": "Filesystem is predicted to run out of inodes within the next 24 hours.",
                         "NodeFilesystemAlmostOutOfFiles": "Filesystem has less than 5% inodes left."]
        return alert(name, .storage, .node(nodeName), summaries[name] ?? name, object: mountpoint.map { "mountpoint \($0)" })
    }

    static func storageCases() -> [Case] {
        let volumeEvidence = "volume pvc-0a1b2c3d: 25Gi, gp3, StorageClass gp3, phase Bound"
        return [
            Case(name: "a cluster subject", build: {
                (incident(.storage, .cluster, [claimAlert("KubePersistentVolumeFillingUp", object: "persistentvolumeclaim/data-postgres-0")]),
                 context(makeCluster()))
            }, hypothesis: nil),

            // Grown by half in whole GiB: 25 × 1.5 = 37.5 → 38Gi. The staging claim of the same name is not this one.
            Case(name: "volume filling up", build: {
                claimInput([claimAlert("KubePersistentVolumeFillingUp", object: "persistentvolumeclaim/data-postgres-0")], volumes: postgresVolumes)
            }, hypothesis: "volume-filling-up", confidence: 0.8, actions: ["expand-volume"],
                 evidence: ["firing alert KubePersistentVolumeFillingUp: PersistentVolume is filling up.", volumeEvidence],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "claim data-postgres-0 is filling up")
                     XCTAssertEqual(incident.affectedPods, ["data/postgres-0"])
                     XCTAssertEqual(incident.actions.first?.summary,
                                    "Grow claim data-postgres-0 to 38Gi if its StorageClass allows volume expansion, or delete what it no longer needs")
                     XCTAssertEqual(incident.actions.first?.command,
                                    #"kubectl patch pvc -n 'data' 'data-postgres-0' -p '{"spec":{"resources":{"requests":{"storage":"38Gi"}}}}'"#)
                 }),
            // No volume record: the claim from the alert, no size, no command.
            Case(name: "volume filling up, volume unknown", build: {
                claimInput([claimAlert("KubePersistentVolumeFillingUp", object: "persistentvolumeclaim/data-postgres-0")], volumes: [])
            }, hypothesis: "volume-filling-up", confidence: 0.8, actions: ["expand-volume"],
                 evidence: ["firing alert KubePersistentVolumeFillingUp: PersistentVolume is filling up."],
                 check: { incident in
                     XCTAssertEqual(incident.actions.first?.summary,
                                    "Grow claim data-postgres-0 if its StorageClass allows volume expansion, or delete what it no longer needs")
                     XCTAssertNil(incident.actions.first?.command)
                 }),
            Case(name: "volume inodes filling up", build: {
                claimInput([claimAlert("KubePersistentVolumeInodesFillingUp", object: "persistentvolumeclaim/data-postgres-0")], volumes: postgresVolumes)
            }, hypothesis: "volume-inodes-filling-up", confidence: 0.7, actions: ["clean-up-volume"],
                 evidence: ["firing alert KubePersistentVolumeInodesFillingUp: PersistentVolumeInodes are filling up.", volumeEvidence],
                 check: { XCTAssertEqual($0.rootCause?.summary, "claim data-postgres-0 runs out of inodes: many small files") }),
            // Errors win over filling up; the volume named by `persistentvolume`.
            Case(name: "volume failed", build: {
                claimInput([claimAlert("KubePersistentVolumeFillingUp", object: "persistentvolumeclaim/data-postgres-0"),
                            claimAlert("KubePersistentVolumeErrors", object: "persistentvolume/pvc-0a1b2c3d")], volumes: postgresVolumes)
            }, hypothesis: "volume-failed", confidence: 0.7, actions: ["inspect-volume"],
                 evidence: ["firing alert KubePersistentVolumeErrors: PersistentVolume is having issues with provisioning.", volumeEvidence],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "claim data-postgres-0's volume failed or is stuck Pending: its provisioner or the EBS volume")
                     XCTAssertEqual(incident.actions.first?.command, "kubectl describe pv 'pvc-0a1b2c3d'")
                 }),
            // A volume the snapshot does not hold and no claim named: no command.
            Case(name: "volume failed, volume unknown", build: {
                claimInput([claimAlert("KubePersistentVolumeErrors", object: "persistentvolume/pvc-5e6f7a8b")], volumes: postgresVolumes)
            }, hypothesis: "volume-failed", confidence: 0.7, actions: ["inspect-volume"],
                 evidence: ["firing alert KubePersistentVolumeErrors: PersistentVolume is having issues with provisioning."],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary, "the volume failed or is stuck Pending: its provisioner or the EBS volume")
                     XCTAssertNil(incident.actions.first?.command)
                 }),

            // A Karpenter node with DiskPressure and 2 running pods (the Succeeded one holds nothing).
            Case(name: "node disk filling up", build: {
                var record = Fixtures.node("ip-10-0-3-7", nodepool: "default")
                record.pressures = ["DiskPressure"]
                return nodeDiskInput("ip-10-0-3-7", node: record, pods: 2,
                                     signals: [nodeAlert("NodeFilesystemSpaceFillingUp", "ip-10-0-3-7", mountpoint: "/")])
            }, hypothesis: "node-disk-filling-up", confidence: 0.75, actions: ["grow-node-disk", "replace-node"],
                 evidence: ["firing alert NodeFilesystemSpaceFillingUp: Filesystem is predicted to run out of space within the next 24 hours.",
                            "node ip-10-0-3-7 (m6i.2xlarge, NodePool default) runs 2 pods; conditions DiskPressure"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "node ip-10-0-3-7's filesystem (mountpoint /) is filling up: images, container logs and emptyDir volumes share it")
                     XCTAssertEqual(incident.actions.first?.summary, "Give NodePool default's EC2NodeClass a larger root volume (blockDeviceMappings volumeSize)")
                     XCTAssertEqual(incident.actions.last?.command,
                                    "kubectl cordon 'ip-10-0-3-7' && kubectl drain 'ip-10-0-3-7' --ignore-daemonsets --delete-emptydir-data --timeout=10m")
                     XCTAssertEqual(incident.affectedPods, ["apps/app-0", "apps/app-1"])
                 }),
            // A managed node group's node, one pod, running out of inodes.
            Case(name: "node inodes filling up", build: {
                let record = Fixtures.node("ip-10-0-3-8", type: "m5.xlarge", nodegroup: "ng-general")
                return nodeDiskInput("ip-10-0-3-8", node: record, pods: 1,
                                     signals: [nodeAlert("NodeFilesystemFilesFillingUp", "ip-10-0-3-8", mountpoint: "/var/lib/containerd")])
            }, hypothesis: "node-inodes-filling-up", confidence: 0.75, actions: ["grow-node-disk", "replace-node"],
                 evidence: ["firing alert NodeFilesystemFilesFillingUp: Filesystem is predicted to run out of inodes within the next 24 hours.",
                            "node ip-10-0-3-8 (m5.xlarge, node group ng-general) runs 1 pod"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "node ip-10-0-3-8's filesystem (mountpoint /var/lib/containerd) is filling up with files: images, container logs and emptyDir volumes share it")
                     XCTAssertEqual(incident.actions.first?.summary, "Give the node group's launch template a larger root volume (blockDeviceMappings volumeSize)")
                 }),
            // A node the snapshot does not hold, no mountpoint: out of files all the same.
            Case(name: "node almost out of files, node unknown", build: {
                nodeDiskInput("ip-10-0-9-9", node: nil, pods: 0, signals: [nodeAlert("NodeFilesystemAlmostOutOfFiles", "ip-10-0-9-9", mountpoint: nil)])
            }, hypothesis: "node-inodes-filling-up", confidence: 0.75, actions: ["grow-node-disk", "replace-node"],
                 check: { incident in
                     XCTAssertEqual(incident.rootCause?.summary,
                                    "node ip-10-0-9-9's filesystem is filling up with files: images, container logs and emptyDir volumes share it")
                     XCTAssertEqual(incident.rootCause?.evidence, ["firing alert NodeFilesystemAlmostOutOfFiles: Filesystem has less than 5% inodes left."])
                 }),
        ]
    }

    func testStorageAnalyzerBranches() { verify(StorageAnalyzer(), Self.storageCases()) }
}
