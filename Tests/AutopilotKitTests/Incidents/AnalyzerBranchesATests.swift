import XCTest
@testable import AutopilotKit

// Every branch of the OOM, crash-loop, eviction, CPU-saturation, memory-pressure, node-not-ready and anomaly
// analyzers, one table per analyzer: the hypothesis, its confidence, the actions in order, one exact evidence
// line or more, and the finding a raise opens, whose figures are worked out by hand beside each row.

private let mib = Fixtures.mib
private let gib = Fixtures.gib
/// `apps/api`, the workload most rows are about.
private let api = Fixtures.deployment("api")
private let nodeName = "ip-10-0-1-10.ec2.internal"
private let otherNode = "ip-10-0-2-20.ec2.internal"
private let newImage = "registry.example.com/api:1.5.0"
private let oldImage = "registry.example.com/api:1.4.2"

/// `10:10` → 2026-11-20T10:10:00Z (the day of `Fixtures.now`, before it).
private func clockTime(_ clock: String) -> Date { RFC3339.date("2026-11-20T\(clock):00Z")! }

private func makeSignal(_ source: Signal.Source, _ category: IncidentCategory?, _ name: String, at clock: String?,
                        _ subject: IncidentSubject, pod: String? = nil, container: String? = nil, detail: String) -> Signal {
    Signal(source: source, category: category, name: name, at: clock.map(clockTime), subject: subject, pod: pod, container: container,
           detail: detail)
}

private func makeIncident(_ category: IncidentCategory, _ subject: IncidentSubject, _ signals: [Signal]) -> Incident {
    Incident(cluster: "test", category: category, subject: subject, signals: signals)
}

private func incidentContext(_ cluster: ObservedCluster) -> IncidentContext {
    IncidentContext(cluster: cluster, alerts: [], config: IncidentConfig(), detection: Fixtures.context(cluster))
}

/// A container status as a pod reports it: image, restarts, last exit code, waiting reason.
private func status(_ name: String = "app", image: String? = nil, restarts: Int64 = 0, exitCode: Int64? = nil,
                    waiting: String? = nil) -> Observed.Container {
    var container = Observed.Container(name: name, restarts: restarts, waitingReason: waiting)
    container.image = image
    container.lastTermination = exitCode.map { Observed.Termination(reason: $0 == 0 ? "Completed" : "Error", exitCode: $0) }
    return container
}

/// A Deployment rollout of container `app`.
private func rollout(_ revision: Int64, startedAt: String, previous: Int64?, image: String = newImage,
                     previousImage: String = oldImage) -> Observed.Workload.Rollout {
    Observed.Workload.Rollout(revision: revision, startedAt: startedAt, images: ["app": image], previousRevision: previous,
                              previousImages: previous == nil ? [:] : ["app": previousImage])
}

/// A working-set series in MiB, every 5 minutes from 10:00.
private func memorySeries(_ mebibytes: [Double], start: String = "2026-11-20T10:00:00Z") -> Observed.Usage.Series {
    Observed.Usage.Series(start: start, step: "5m", cpu: mebibytes.map { _ -> Double? in 0.1 },
                          memory: mebibytes.map { Optional($0 * Double(mib)) })
}

/// CPU usage figures of container `app` of `apps/api`.
private func cpuUsage(p95: Double, p99: Double, max peak: Double, throttled: Double?) -> Observed.Usage {
    var usage = Fixtures.usage(api, cpu: Fixtures.figures(p95: p95, p99: p99, max: peak))
    usage.throttledRatio = throttled
    return usage
}

private struct ExpectedFinding {
    var detector: String
    var target: Finding.Target
    /// Members of `recommended`; a `.double` is compared within 1e-9, anything else exactly.
    var recommended: [String: JSONValue]
}

/// One row: an incident, what `analyze` returns, and the root cause and actions it must leave.
private struct Branch {
    var name: String
    var incident: Incident
    var context: IncidentContext
    var kept = true
    /// Nil: no root cause may be set (the return-false paths).
    var hypothesis: String? = nil
    var confidence = 0.0
    var actions: [String] = []
    /// Each must be one of the root cause's evidence lines, exactly.
    var evidence: [String] = []
    /// Nil: no action may carry a finding.
    var finding: ExpectedFinding? = nil
}

final class AnalyzerBranchesATests: XCTestCase {

    private func check(_ analyzer: any IncidentAnalyzer, _ branches: [Branch]) {
        for branch in branches {
            var incident = branch.incident
            let kept = analyzer.analyze(&incident, branch.context)
            let name = "\(type(of: analyzer)) – \(branch.name)"
            XCTAssertEqual(kept, branch.kept, "\(name): return value")
            XCTAssertEqual(incident.actions.map(\.type), branch.actions, "\(name): actions")
            guard let hypothesis = branch.hypothesis else {
                XCTAssertNil(incident.rootCause, "\(name): expected no root cause")
                continue
            }
            guard let cause = incident.rootCause else {
                XCTFail("\(name): no root cause")
                continue
            }
            XCTAssertEqual(cause.hypothesis, hypothesis, "\(name): hypothesis")
            XCTAssertEqual(cause.confidence, branch.confidence, accuracy: 1e-9, "\(name): confidence")
            for line in branch.evidence {
                XCTAssertTrue(cause.evidence.contains(line), "\(name): missing evidence «\(line)» in \(cause.evidence)")
            }
            let findings = incident.actions.compactMap(\.finding)
            guard let expected = branch.finding else {
                XCTAssertTrue(findings.isEmpty, "\(name): unexpected findings \(findings.map(\.summary))")
                continue
            }
            XCTAssertEqual(findings.count, 1, "\(name): findings")
            guard let finding = findings.first else { continue }
            XCTAssertEqual(finding.detector, expected.detector, "\(name): detector")
            XCTAssertEqual(finding.target, expected.target, "\(name): finding target")
            for (key, value) in expected.recommended.sorted(by: { $0.key < $1.key }) {
                let actual = finding.recommended[key]
                if case .double(let number) = value {
                    guard let actualNumber = actual?.doubleValue else {
                        XCTFail("\(name): recommended.\(key) is \(String(describing: actual)), expected \(number)")
                        continue
                    }
                    XCTAssertEqual(actualNumber, number, accuracy: 1e-9, "\(name): recommended.\(key)")
                } else {
                    XCTAssertEqual(actual, value, "\(name): recommended.\(key)")
                }
            }
        }
    }

    // MARK: OOM

    func testOOMAnalyzerBranches() {
        func oomKilled(_ clock: String) -> Signal {
            makeSignal(.pod, .oom, "OOMKilled", at: clock, .workload(api), pod: "apps/api-7d9f-x2", container: "app",
                       detail: "pod apps/api-7d9f-x2 container app last terminated OOMKilled (exit code 137), 2 restarts")
        }
        let appFinding = { (memory: Int64, limit: JSONValue) in
            ExpectedFinding(detector: "under-provisioned-memory", target: Finding.Target(kind: "Deployment", name: "api", container: "app"),
                            recommended: ["memory": .int(memory), "memoryLimit": limit])
        }
        var branches: [Branch] = []

        // A node has no container to OOM: not this analyzer's incident.
        branches.append(Branch(name: "node subject", incident: makeIncident(.oom, .node(nodeName), [oomKilled("10:00")]),
                               context: incidentContext(Fixtures.cluster()), kept: false))

        do {
            // Two saw-teeth (100→350Mi, reset to 100Mi, 100→400Mi): two climbs; the longest starts at point 6 =
            // 10:30, 5 minutes after revision 5 rolled out, which has a previous revision 4 → rollback first.
            // Slope 50Mi per 5m step = 600Mi/h.
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.node(nodeName))
            var workload = Fixtures.workload(api, containers: [Fixtures.container("app", memory: 256 * mib, memoryLimit: 512 * mib)])
            workload.rollout = rollout(5, startedAt: "2026-11-20T10:25:00Z", previous: 4)
            cluster.add(workload)
            cluster.add(Fixtures.pod("api-7d9f-x2", of: api, on: nodeName, containers: [status(restarts: 2)]))
            var usage = Fixtures.usage(api, memory: ["max": Double(400 * mib)])
            usage.series = memorySeries([100, 150, 200, 250, 300, 350, 100, 150, 200, 250, 300, 350, 400])
            cluster.add(usage)
            // Raise: peak = max(max 400Mi, limit 512Mi, request 256Mi) = 512Mi; × 1.25 = 640Mi (a 16Mi step);
            // the 512Mi limit is under it → limit 640Mi too.
            branches.append(Branch(
                name: "leak in two climbs after a rollout with a previous revision",
                incident: makeIncident(.oom, .workload(api), [oomKilled("10:29"), oomKilled("11:01")]), context: incidentContext(cluster),
                hypothesis: "memory-leak", confidence: 0.85, actions: ["rollback", "investigate-memory-leak", "raise-memory"],
                evidence: [
                    "2 OOM kills of container app (2 restarts across its pods) from 2026-11-20T10:29:00Z",
                    "memory limit 512Mi; peak working set 400Mi (78% of the limit)",
                    "working set climbs steadily: 100Mi at 2026-11-20T10:30:00Z to 400Mi at 2026-11-20T11:00:00Z, about 600Mi/h (Theil–Sen), in 2 climbs reset by restarts",
                    "revision 5 rolled out at 2026-11-20T10:25:00Z, as the climb began",
                ],
                finding: appFinding(640 * mib, .int(640 * mib))))
        }

        do {
            // One climb 100→350Mi from 10:00; revision 1 rolled out at 09:58 but has no previous revision: no rollback.
            var cluster = Fixtures.cluster()
            var workload = Fixtures.workload(api, containers: [Fixtures.container("app", memory: 256 * mib)])
            workload.rollout = rollout(1, startedAt: "2026-11-20T09:58:00Z", previous: nil)
            cluster.add(workload)
            var usage = Fixtures.usage(api, memory: ["max": Double(350 * mib)])
            usage.series = memorySeries([100, 150, 200, 250, 300, 350])
            cluster.add(usage)
            // Raise: peak = max(350Mi, no limit, request 256Mi) = 350Mi; × 1.25 = 437.5Mi → 16Mi steps → 448Mi; no limit to move.
            branches.append(Branch(
                name: "one climb, rollout without a previous revision",
                incident: makeIncident(.oom, .workload(api), [oomKilled("10:26")]), context: incidentContext(cluster),
                hypothesis: "memory-leak", confidence: 0.75, actions: ["investigate-memory-leak", "raise-memory"],
                evidence: [
                    "no memory limit: killed by the node's OOM killer, the node ran out of memory",
                    "working set climbs steadily: 100Mi at 2026-11-20T10:00:00Z to 350Mi at 2026-11-20T10:25:00Z, about 600Mi/h (Theil–Sen), in 1 climb reset by restarts",
                ],
                finding: appFinding(448 * mib, .null)))
        }

        do {
            // The same climb with no workload record: no spec to raise from, no rollout to blame.
            var cluster = Fixtures.cluster()
            var usage = Fixtures.usage(api, memory: ["max": Double(350 * mib)])
            usage.series = memorySeries([100, 150, 200, 250, 300, 350])
            cluster.add(usage)
            branches.append(Branch(
                name: "one climb, no workload record",
                incident: makeIncident(.oom, .workload(api), [oomKilled("10:27")]), context: incidentContext(cluster),
                hypothesis: "memory-leak", confidence: 0.75, actions: ["investigate-memory-leak"],
                evidence: ["1 OOM kill of container app (0 restarts across its pods) from 2026-11-20T10:27:00Z"]))
        }

        do {
            // A flat 500Mi series (no climb) and a peak of 500Mi ≥ 0.9 × 512Mi = 460.8Mi: near the limit.
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.workload(api, containers: [Fixtures.container("app", memory: 512 * mib, memoryLimit: 512 * mib)]))
            var usage = Fixtures.usage(api, memory: ["max": Double(500 * mib)])
            usage.series = memorySeries(Array(repeating: 500, count: 12))
            cluster.add(usage)
            // Raise: peak = max(500Mi, limit 512Mi, request 512Mi) = 512Mi; × 1.25 = 640Mi; limit 512Mi < 640Mi → 640Mi.
            branches.append(Branch(
                name: "flat working set at 98% of the limit",
                incident: makeIncident(.oom, .workload(api), [oomKilled("11:00")]), context: incidentContext(cluster),
                hypothesis: "memory-limit-too-low", confidence: 0.85, actions: ["raise-memory"],
                evidence: [
                    "memory limit 512Mi; peak working set 500Mi (98% of the limit)",
                    "the working set reaches the limit without a steady climb: the load needs more memory",
                ],
                finding: appFinding(640 * mib, .int(640 * mib))))
        }

        do {
            // Peak 600Mi < 0.9 × 1Gi: a burst between samples; no series at all.
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.workload(api, containers: [Fixtures.container("app", memory: 512 * mib, memoryLimit: gib)]))
            cluster.add(Fixtures.usage(api, memory: ["max": Double(600 * mib)]))
            // Raise: peak = max(600Mi, limit 1024Mi, request 512Mi) = 1024Mi; × 1.25 = 1280Mi (a 64Mi step above 1Gi);
            // limit 1024Mi < 1280Mi → 1280Mi.
            branches.append(Branch(
                name: "peak well under the limit",
                incident: makeIncident(.oom, .workload(api), [oomKilled("11:00")]), context: incidentContext(cluster),
                hypothesis: "memory-limit-too-low", confidence: 0.6, actions: ["raise-memory"],
                evidence: [
                    "memory limit 1Gi; peak working set 600Mi (59% of the limit)",
                    "the sampled peak stays under the limit: a short allocation burst between samples",
                ],
                finding: appFinding(1280 * mib, .int(1280 * mib))))
        }

        do {
            // No usage record: no peak (so not near the limit) and nothing to size a raise from.
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.workload(api, containers: [Fixtures.container("app", memory: 512 * mib, memoryLimit: gib)]))
            branches.append(Branch(
                name: "no usage record",
                incident: makeIncident(.oom, .workload(api), [oomKilled("11:00")]), context: incidentContext(cluster),
                hypothesis: "memory-limit-too-low", confidence: 0.6, actions: [],
                evidence: [
                    "1 OOM kill of container app (0 restarts across its pods) from 2026-11-20T11:00:00Z",
                    "the sampled peak stays under the limit: a short allocation burst between samples",
                ]))
        }

        check(OOMAnalyzer(), branches)
    }

    // MARK: Crash loop

    func testCrashLoopAnalyzerBranches() {
        func crash(_ clock: String?) -> Signal {
            makeSignal(.pod, .crashloop, "CrashLoopBackOff", at: clock, .workload(api), pod: "apps/api-7d9f-x2", container: "app",
                       detail: "pod apps/api-7d9f-x2 container app waiting in CrashLoopBackOff after 4 restarts")
        }
        func probe(_ kind: String, _ clock: String) -> Signal {
            makeSignal(.event, nil, "Unhealthy", at: clock, .workload(api), pod: "apps/api-7d9f-x2", container: "app",
                       detail: "event Unhealthy on pod apps/api-7d9f-x2: \(kind) probe failed: HTTP probe failed with statuscode: 503")
        }
        func cluster(rollout: Observed.Workload.Rollout?, pods: [(String, Observed.Container)]) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.node(nodeName))
            var workload = Fixtures.workload(api, containers: [Fixtures.container("app", cpu: 0.25, memory: 256 * mib)])
            workload.rollout = rollout
            cluster.add(workload)
            for (name, container) in pods { cluster.add(Fixtures.pod(name, of: api, on: nodeName, containers: [container])) }
            return cluster
        }
        var branches: [Branch] = []

        branches.append(Branch(name: "node subject", incident: makeIncident(.crashloop, .node(nodeName), [crash("10:10")]),
                               context: incidentContext(Fixtures.cluster()), kept: false))

        // Revision 7 (1.5.0) at 10:00, first crash 10:10 (lead 10m ≤ 30m); one pod still on 1.4.2 runs fine → 0.9.
        branches.append(Branch(
            name: "rollout 10m before the first crash, a pod on the old image healthy",
            incident: makeIncident(.crashloop, .workload(api), [crash("10:10")]),
            context: incidentContext(cluster(rollout: rollout(7, startedAt: "2026-11-20T10:00:00Z", previous: 6), pods: [
                ("api-7d9f-x2", status(image: newImage, restarts: 4, exitCode: 1, waiting: "CrashLoopBackOff")),
                ("api-5c4b-q8", status(image: oldImage)),
            ])),
            hypothesis: "bad-rollout", confidence: 0.9, actions: ["rollback", "inspect-logs"],
            evidence: [
                "first crash at 2026-11-20T10:10:00Z; 4 restarts across 1 pod; last exit code 1",
                "revision 7 (image registry.example.com/api:1.5.0) rolled out at 2026-11-20T10:00:00Z, 10m before the first crash",
                "revision 6 ran image registry.example.com/api:1.4.2",
                "1 pod still on revision 6's image run without crashing",
            ]))

        // The crash is seen 2 minutes before the rollout's start (within the 5-minute lag allowed): lead clamps to
        // 0m; both revisions run the same image and no pod is healthy → 0.8.
        branches.append(Branch(
            name: "rollout with the same image, no healthy pod",
            incident: makeIncident(.crashloop, .workload(api), [crash("09:58")]),
            context: incidentContext(cluster(rollout: rollout(7, startedAt: "2026-11-20T10:00:00Z", previous: 6, previousImage: newImage),
                                             pods: [])),
            hypothesis: "bad-rollout", confidence: 0.8, actions: ["rollback", "inspect-logs"],
            evidence: [
                "first crash at 2026-11-20T09:58:00Z; 0 restarts across 0 pods",
                "revision 7 (image registry.example.com/api:1.5.0) rolled out at 2026-11-20T10:00:00Z, 0m before the first crash",
                "revision 6 ran image registry.example.com/api:1.5.0 (same image: the pod spec or config changed)",
            ]))

        // No rollout; a Liveness probe failure event → 0.8.
        branches.append(Branch(
            name: "liveness probe failures, no rollout",
            incident: makeIncident(.crashloop, .workload(api), [crash("10:10"), probe("Liveness", "10:08")]),
            context: incidentContext(cluster(rollout: nil, pods: [])),
            hypothesis: "liveness-probe-failing", confidence: 0.8, actions: ["fix-liveness-probe"],
            evidence: [
                "event Unhealthy on pod apps/api-7d9f-x2: Liveness probe failed: HTTP probe failed with statuscode: 503",
                "no rollout in the 30m before the first crash",
            ]))

        // Only exit code 137 and a Readiness (not Liveness) failure, which does not count → 0.55.
        branches.append(Branch(
            name: "exit code 137 only",
            incident: makeIncident(.crashloop, .workload(api), [crash("10:10"), probe("Readiness", "10:08")]),
            context: incidentContext(cluster(rollout: nil, pods: [
                ("api-7d9f-x2", status(image: newImage, restarts: 3, exitCode: 137, waiting: "CrashLoopBackOff")),
            ])),
            hypothesis: "liveness-probe-failing", confidence: 0.55, actions: ["fix-liveness-probe"],
            evidence: [
                "first crash at 2026-11-20T10:10:00Z; 3 restarts across 1 pod; last exit code 137",
                "no rollout in the 30m before the first crash",
            ]))

        // Rollout at 08:00 is 2h10m before the first crash: outside the 30m window.
        branches.append(Branch(
            name: "exit code 1, rollout too long before",
            incident: makeIncident(.crashloop, .workload(api), [crash("10:10")]),
            context: incidentContext(cluster(rollout: rollout(7, startedAt: "2026-11-20T08:00:00Z", previous: 6), pods: [
                ("api-7d9f-x2", status(image: newImage, restarts: 5, exitCode: 1, waiting: "CrashLoopBackOff")),
            ])),
            hypothesis: "application-error", confidence: 0.6, actions: ["inspect-logs"],
            evidence: [
                "first crash at 2026-11-20T10:10:00Z; 5 restarts across 1 pod; last exit code 1",
                "no rollout in the 30m before the first crash and no OOM kill",
            ]))

        // A rollout in the window but with no previous revision to roll back to; two pods exit 1 and 2.
        branches.append(Branch(
            name: "rollout without a previous revision, exit codes 1 and 2",
            incident: makeIncident(.crashloop, .workload(api), [crash("10:10")]),
            context: incidentContext(cluster(rollout: rollout(1, startedAt: "2026-11-20T10:00:00Z", previous: nil), pods: [
                ("api-7d9f-x2", status(image: newImage, restarts: 2, exitCode: 1, waiting: "CrashLoopBackOff")),
                ("api-7d9f-k3", status(image: newImage, restarts: 3, exitCode: 2)),
            ])),
            hypothesis: "application-error", confidence: 0.6, actions: ["inspect-logs"],
            evidence: ["first crash at 2026-11-20T10:10:00Z; 5 restarts across 2 pods; last exit codes 1, 2"]))

        // No signal has a readable time: no first crash, so the rollout cannot be blamed.
        branches.append(Branch(
            name: "no readable time",
            incident: makeIncident(.crashloop, .workload(api), [crash(nil)]),
            context: incidentContext(cluster(rollout: rollout(7, startedAt: "2026-11-20T10:00:00Z", previous: 6), pods: [])),
            hypothesis: "application-error", confidence: 0.6, actions: ["inspect-logs"],
            evidence: [
                "first crash at a time the data does not give; 0 restarts across 0 pods",
                "no rollout in the 30m before the first crash and no OOM kill",
            ]))

        check(CrashLoopAnalyzer(), branches)
    }

    // MARK: Eviction

    func testEvictionAnalyzerBranches() {
        let web = Fixtures.deployment("web")
        let batch = Fixtures.deployment("batch")
        func evicted(_ message: String, source: Signal.Source = .event) -> Signal {
            makeSignal(source, .eviction, "Evicted", at: "10:00", .node(nodeName), pod: "apps/web-5d8f-abc12",
                       detail: source == .event ? "event Evicted on pod apps/web-5d8f-abc12: \(message)"
                           : "pod apps/web-5d8f-abc12 evicted from \(nodeName): \(message)")
        }
        /// A 16Gi node with `web` on it: the evicted pod (Failed) and a running one within its 512Mi request (peak 400Mi).
        func cluster(pressures: [String] = []) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            var node = Fixtures.node(nodeName, memory: 16 * gib)
            node.pressures = pressures
            cluster.add(node)
            let app = Fixtures.container("app", cpu: 0.25, memory: 512 * mib)
            cluster.add(Fixtures.workload(web, containers: [app]))
            cluster.add(Fixtures.pod("web-5d8f-abc12", of: web, on: nodeName, containers: [app], phase: "Failed"))
            cluster.add(Fixtures.pod("web-5d8f-def34", of: web, on: nodeName, containers: [app]))
            cluster.add(Fixtures.usage(web, memory: Fixtures.memoryFigures(max: Double(400 * mib))))
            return cluster
        }
        let memoryMessage = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi."
        let nodeSummary = "1 pod evicted from ip-10-0-1-10.ec2.internal (m6i.2xlarge, 16Gi allocatable)"
        var branches: [Branch] = []

        // An eviction alert that named no node: what is known, and nothing to do.
        branches.append(Branch(
            name: "no node subject",
            incident: makeIncident(.eviction, .cluster, [
                makeSignal(.alert, .eviction, "KubePodEvicted", at: "10:00", .cluster, detail: "firing alert KubePodEvicted: pods evicted"),
            ]),
            context: incidentContext(Fixtures.cluster()),
            hypothesis: "eviction", confidence: 0.3, actions: [], evidence: ["firing alert KubePodEvicted: pods evicted"]))

        // Low on ephemeral storage, no MemoryPressure condition: not memory.
        let storageMessage = "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 8Gi."
        branches.append(Branch(
            name: "ephemeral-storage eviction",
            incident: makeIncident(.eviction, .node(nodeName), [evicted(storageMessage)]), context: incidentContext(cluster()),
            hypothesis: "node-resource-pressure", confidence: 0.5, actions: ["inspect-node"],
            evidence: [nodeSummary, "event Evicted on pod apps/web-5d8f-abc12: \(storageMessage)"]))

        // Memory through the node's MemoryPressure condition only; the running neighbour peaks at 400Mi < its 512Mi request.
        branches.append(Branch(
            name: "MemoryPressure condition, every pod within its request",
            incident: makeIncident(.eviction, .node(nodeName), [evicted("The node had condition: [MemoryPressure].", source: .pod)]),
            context: incidentContext(cluster(pressures: ["MemoryPressure"])),
            hypothesis: "node-memory-pressure", confidence: 0.5, actions: ["inspect-node"],
            evidence: [nodeSummary, "no container on the node used more memory than it requests: the node's system reserve is too small"]))

        // Memory through an EvictionThresholdMet signal, on a node the snapshot does not hold (no pods on it either).
        branches.append(Branch(
            name: "EvictionThresholdMet on a node missing from the snapshot",
            incident: makeIncident(.eviction, .node(nodeName), [
                makeSignal(.event, nil, "EvictionThresholdMet", at: "09:59", .node(nodeName),
                           detail: "event EvictionThresholdMet on node \(nodeName): Attempting to reclaim memory"),
                evicted("The node was low on resource: pids."),
            ]),
            context: incidentContext(Fixtures.cluster()),
            hypothesis: "node-memory-pressure", confidence: 0.5, actions: ["inspect-node"],
            evidence: ["1 pod evicted from ip-10-0-1-10.ec2.internal",
                       "event EvictionThresholdMet on node \(nodeName): Attempting to reclaim memory"]))

        do {
            // apps/batch worker requests 1Gi and peaks at 3Gi: 2Gi over, the worst on the node (web is under its request).
            var neighbours = cluster()
            let worker = Fixtures.container("worker", cpu: 0.5, memory: gib, memoryLimit: 3 * gib)
            neighbours.add(Fixtures.workload(batch, containers: [worker]))
            neighbours.add(Fixtures.pod("batch-0", of: batch, on: nodeName, containers: [worker]))
            neighbours.add(Fixtures.usage(batch, container: "worker", memory: Fixtures.memoryFigures(max: Double(3 * gib))))
            // Request: max(1Gi, roundUp(3072Mi × 1.15 = 3532.8Mi)) → 64Mi steps → 56 × 64 = 3584Mi.
            // Limit 3072Mi < 3584Mi → max(3584Mi, roundUp(3072Mi × 1.3 = 3993.6Mi) = 63 × 64 = 4032Mi) = 4032Mi.
            branches.append(Branch(
                name: "a neighbour 2Gi over its request",
                incident: makeIncident(.eviction, .node(nodeName), [evicted(memoryMessage)]), context: incidentContext(neighbours),
                hypothesis: "noisy-neighbour", confidence: 0.75, actions: ["raise-memory"],
                evidence: [
                    nodeSummary,
                    "apps/batch container worker on the same node peaks at 3Gi against a request of 1Gi (2Gi more than it reserves)",
                ],
                finding: ExpectedFinding(detector: "under-provisioned-memory",
                                         target: Finding.Target(kind: "Deployment", name: "batch", container: "worker"),
                                         recommended: ["memory": .int(3584 * mib), "memoryLimit": .int(4032 * mib)])))
        }

        check(EvictionAnalyzer(), branches)
    }

    // MARK: CPU saturation

    func testCPUSaturationAnalyzerBranches() {
        let throttlingAlert = makeSignal(.alert, .cpuSaturation, "CPUThrottlingHigh", at: "10:00", .workload(api), pod: "apps/api-7d9f-x2",
                                         container: "app",
                                         detail: "firing alert CPUThrottlingHigh: 40% throttling of CPU in namespace apps for container app in pod api-7d9f-x2.")
        let latencyAlert = makeSignal(.alert, .latency, "ServiceLatencyHigh", at: "10:05", .workload(api),
                                      detail: "firing alert ServiceLatencyHigh: p99 latency above 500ms")
        func cluster(request: Double?, limit: Double?, usage: Observed.Usage?) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.workload(api, containers: [Fixtures.container("app", cpu: request, memory: 256 * mib, cpuLimit: limit)]))
            if let usage { cluster.add(usage) }
            return cluster
        }
        let appTarget = Finding.Target(kind: "Deployment", name: "api", container: "app")
        var branches: [Branch] = []

        branches.append(Branch(name: "node subject", incident: makeIncident(.cpuSaturation, .node(nodeName), [throttlingAlert]),
                               context: incidentContext(Fixtures.cluster()), kept: false))
        branches.append(Branch(name: "workload not in the snapshot", incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert]),
                               context: incidentContext(Fixtures.cluster()), kept: false))
        // The signals name container `sidecar`; the workload's spec has only `app`.
        branches.append(Branch(
            name: "container not in the workload's spec",
            incident: makeIncident(.cpuSaturation, .workload(api), [
                makeSignal(.alert, .cpuSaturation, "CPUThrottlingHigh", at: "10:00", .workload(api), container: "sidecar", detail: "throttled"),
            ]),
            context: incidentContext(cluster(request: 0.5, limit: 1, usage: cpuUsage(p95: 0.6, p99: 0.8, max: 0.95, throttled: 0.4))),
            kept: false))

        // Throttled 40% ≥ 25% at a 1-core limit → 0.85.
        // Request: p95 0.6 > 0.5 → roundUp(0.6 × 1.15 = 0.69) → 690m (5m steps) = 0.69.
        // Limit: roundUp(max(1 × 1.5, p99 0.8 × 1.5 = 1.2, 0.69)) = 1.5 (50m steps).
        branches.append(Branch(
            name: "throttled 40% at the limit",
            incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert]),
            context: incidentContext(cluster(request: 0.5, limit: 1, usage: cpuUsage(p95: 0.6, p99: 0.8, max: 0.95, throttled: 0.4))),
            hypothesis: "cpu-limit-too-low", confidence: 0.85, actions: ["raise-cpu"],
            evidence: [
                "CPU limit 1; usage p95 600m, peak 950m (95% of the limit)",
                "CPU request 500m",
                "throttled in 40% of CFS periods over the window",
                throttlingAlert.detail,
            ],
            finding: ExpectedFinding(detector: "under-provisioned-cpu", target: appTarget,
                                     recommended: ["cpu": .double(0.69), "cpuLimit": .double(1.5)])))

        // Throttled only 10%, but the peak 0.92 ≥ 0.9 × 1 core → 0.65.
        // Request: p95 0.4 ≤ 0.5 → kept 0.5. Limit: roundUp(max(1.5, 0.5 × 1.5 = 0.75, 0.5)) = 1.5.
        branches.append(Branch(
            name: "peak at 92% of the limit, little throttling",
            incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert]),
            context: incidentContext(cluster(request: 0.5, limit: 1, usage: cpuUsage(p95: 0.4, p99: 0.5, max: 0.92, throttled: 0.1))),
            hypothesis: "cpu-limit-too-low", confidence: 0.65, actions: ["raise-cpu"],
            evidence: ["CPU limit 1; usage p95 400m, peak 920m (92% of the limit)", "throttled in 10% of CFS periods over the window"],
            finding: ExpectedFinding(detector: "under-provisioned-cpu", target: appTarget,
                                     recommended: ["cpu": .double(0.5), "cpuLimit": .double(1.5)])))

        // No limit; p95 0.4 > request 0.25 → 0.7. Request: roundUp(0.4 × 1.15 = 0.46) = 460m; no limit → null.
        branches.append(Branch(
            name: "no limit, p95 above the request",
            incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert]),
            context: incidentContext(cluster(request: 0.25, limit: nil, usage: cpuUsage(p95: 0.4, p99: 0.5, max: 0.6, throttled: nil))),
            hypothesis: "cpu-request-too-low", confidence: 0.7, actions: ["raise-cpu"],
            evidence: ["CPU request 250m"],
            finding: ExpectedFinding(detector: "under-provisioned-cpu", target: appTarget,
                                     recommended: ["cpu": .double(0.46), "cpuLimit": .null])))

        // A 2-core limit far above the 0.6 peak (< 1.8) and 2% throttled: the request branch; the raise lifts the
        // limit too: request roundUp(0.46) = 0.46; limit roundUp(max(2 × 1.5 = 3, 0.75, 0.46)) = 3.
        branches.append(Branch(
            name: "limit far off, p95 above the request",
            incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert]),
            context: incidentContext(cluster(request: 0.25, limit: 2, usage: cpuUsage(p95: 0.4, p99: 0.5, max: 0.6, throttled: 0.02))),
            hypothesis: "cpu-request-too-low", confidence: 0.7, actions: ["raise-cpu"],
            evidence: ["CPU limit 2; usage p95 400m, peak 600m (30% of the limit)", "throttled in 2% of CFS periods over the window"],
            finding: ExpectedFinding(detector: "under-provisioned-cpu", target: appTarget,
                                     recommended: ["cpu": .double(0.46), "cpuLimit": .double(3)])))

        // Peak 1 core < 0.9 × 2, throttled 5%, p95 0.3 ≤ request 0.5: a spike; a latency alert rides along.
        branches.append(Branch(
            name: "spike within request and limit, with a latency alert",
            incident: makeIncident(.cpuSaturation, .workload(api), [throttlingAlert, latencyAlert]),
            context: incidentContext(cluster(request: 0.5, limit: 2, usage: cpuUsage(p95: 0.3, p99: 0.5, max: 1, throttled: 0.05))),
            hypothesis: "cpu-spike", confidence: 0.5, actions: ["investigate-load"],
            evidence: ["CPU limit 2; usage p95 300m, peak 1 (50% of the limit)", "latency alerts in the same stretch: ServiceLatencyHigh"]))

        // No usage record and a signal naming no container (the spec's first, `app`, is taken): every figure 0.
        branches.append(Branch(
            name: "no usage record",
            incident: makeIncident(.cpuSaturation, .workload(api), [
                makeSignal(.alert, .cpuSaturation, "ContainerCPUNearLimit", at: "10:00", .workload(api), detail: "firing alert ContainerCPUNearLimit: near"),
            ]),
            context: incidentContext(cluster(request: 0.5, limit: 2, usage: nil)),
            hypothesis: "cpu-spike", confidence: 0.5, actions: ["investigate-load"],
            evidence: ["CPU limit 2; usage p95 0m, peak 0m (0% of the limit)", "CPU request 500m", "firing alert ContainerCPUNearLimit: near"]))

        check(CPUSaturationAnalyzer(), branches)
    }

    // MARK: Memory pressure

    func testMemoryPressureAnalyzerBranches() {
        func nearLimit(_ container: String = "app") -> Signal {
            makeSignal(.alert, .memoryPressure, "ContainerMemoryNearLimit", at: "10:30", .workload(api), pod: "apps/api-7d9f-x2",
                       container: container, detail: "firing alert ContainerMemoryNearLimit: container \(container) of apps/api-7d9f-x2 near its memory limit")
        }
        func cluster(request: Int64, limit: Int64, usage: Observed.Usage?) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            cluster.add(Fixtures.workload(api, containers: [Fixtures.container("app", cpu: 0.25, memory: request, memoryLimit: limit)]))
            if let usage { cluster.add(usage) }
            return cluster
        }
        var branches: [Branch] = []

        branches.append(Branch(name: "node subject", incident: makeIncident(.memoryPressure, .node(nodeName), [nearLimit()]),
                               context: incidentContext(Fixtures.cluster()), kept: false))
        branches.append(Branch(name: "workload not in the snapshot", incident: makeIncident(.memoryPressure, .workload(api), [nearLimit()]),
                               context: incidentContext(Fixtures.cluster()), kept: false))

        // A spec but no usage record: nothing more to say than the alert.
        branches.append(Branch(
            name: "no usage record",
            incident: makeIncident(.memoryPressure, .workload(api), [nearLimit()]),
            context: incidentContext(cluster(request: 512 * mib, limit: gib, usage: nil)),
            hypothesis: "memory-near-limit", confidence: 0.4, actions: [], evidence: [nearLimit().detail]))

        // The alert names `sidecar`, which the spec lacks (usage of `app` exists): same fallback.
        branches.append(Branch(
            name: "container not in the spec",
            incident: makeIncident(.memoryPressure, .workload(api), [nearLimit("sidecar")]),
            context: incidentContext(cluster(request: 512 * mib, limit: gib,
                                             usage: Fixtures.usage(api, memory: Fixtures.memoryFigures(max: Double(900 * mib))))),
            hypothesis: "memory-near-limit", confidence: 0.4, actions: [], evidence: [nearLimit("sidecar").detail]))

        do {
            // 100→350Mi in 6 points from 10:00: a climb of 50Mi per 5m = 600Mi/h.
            var usage = Fixtures.usage(api, memory: ["max": Double(350 * mib)])
            usage.series = memorySeries([100, 150, 200, 250, 300, 350])
            branches.append(Branch(
                name: "steady climb",
                incident: makeIncident(.memoryPressure, .workload(api), [nearLimit()]),
                context: incidentContext(cluster(request: 256 * mib, limit: 512 * mib, usage: usage)),
                hypothesis: "memory-leak", confidence: 0.7, actions: ["investigate-memory-leak"],
                evidence: [
                    "memory limit 512Mi; peak working set 350Mi (68% of it)",
                    nearLimit().detail,
                    "working set climbs about 600Mi/h since 2026-11-20T10:00:00Z",
                ]))
        }

        // Peak 900Mi, no series. Request: max(512Mi, roundUp(900Mi × 1.15 = 1035Mi)) → above 1Gi, 64Mi steps → 17 × 64 =
        // 1088Mi. Limit 1024Mi < 1088Mi → max(1088Mi, roundUp(900Mi × 1.3 = 1170Mi) = 19 × 64 = 1216Mi) = 1216Mi.
        branches.append(Branch(
            name: "flat near the limit, raise",
            incident: makeIncident(.memoryPressure, .workload(api), [nearLimit()]),
            context: incidentContext(cluster(request: 512 * mib, limit: gib,
                                             usage: Fixtures.usage(api, memory: Fixtures.memoryFigures(max: Double(900 * mib))))),
            hypothesis: "memory-near-limit", confidence: 0.7, actions: ["raise-memory"],
            evidence: ["memory limit 1Gi; peak working set 900Mi (88% of it)"],
            finding: ExpectedFinding(detector: "under-provisioned-memory", target: Finding.Target(kind: "Deployment", name: "api", container: "app"),
                                     recommended: ["memory": .int(1088 * mib), "memoryLimit": .int(1216 * mib)])))

        // Peak 1Gi against a 2Gi request and 4Gi limit: roundUp(1Gi × 1.15) = 1216Mi < 2048Mi keeps the request;
        // the limit is neither under it nor within 15% of the peak (1Gi < 0.85 × 4Gi): no finding.
        branches.append(Branch(
            name: "nothing to raise",
            incident: makeIncident(.memoryPressure, .workload(api), [nearLimit()]),
            context: incidentContext(cluster(request: 2 * gib, limit: 4 * gib,
                                             usage: Fixtures.usage(api, memory: Fixtures.memoryFigures(max: Double(gib))))),
            hypothesis: "memory-near-limit", confidence: 0.7, actions: [],
            evidence: ["memory limit 4Gi; peak working set 1Gi (25% of it)"]))

        check(MemoryPressureAnalyzer(), branches)
    }

    // MARK: Node not Ready

    func testNodeNotReadyAnalyzerBranches() {
        let kubeletDown = makeSignal(.alert, .nodeNotReady, "KubeletDown", at: "10:00", .cluster,
                                     detail: "firing alert KubeletDown: Target disappeared from Prometheus target discovery.")
        let notReadyEvent = makeSignal(.event, .nodeNotReady, "NodeNotReady", at: "10:00", .node(nodeName),
                                       detail: "event NodeNotReady on node \(nodeName): Node \(nodeName) status is now: NodeNotReady")
        func nodes(_ list: [Observed.Node]) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            for node in list { cluster.add(node) }
            return cluster
        }
        /// The incident's node, not Ready since 10:00.
        func downNode(capacityType: String = "spot", nodepool: String? = "default", nodegroup: String? = nil,
                      pressures: [String] = []) -> Observed.Node {
            var node = Fixtures.node(nodeName, capacityType: capacityType, nodepool: nodepool, nodegroup: nodegroup, ready: false)
            node.readyCondition = .init(status: "False", reason: "NodeStatusUnknown", since: "2026-11-20T10:00:00Z")
            node.pressures = pressures
            return node
        }
        let spotLine = "node ip-10-0-1-10.ec2.internal (m6i.2xlarge, spot, NodePool default) not Ready since 2026-11-20T10:00:00Z"
        var branches: [Branch] = []

        // Cluster subject (KubeletDown counted by cluster): what the API server says of the nodes decides.
        branches.append(Branch(
            name: "cluster: no node Ready",
            incident: makeIncident(.nodeNotReady, .cluster, [kubeletDown]),
            context: incidentContext(nodes([Fixtures.node(nodeName, ready: false), Fixtures.node(otherNode, ready: false)])),
            hypothesis: "node-failure", confidence: 0.7, actions: ["inspect-nodes"],
            evidence: [kubeletDown.detail,
                       "0 of 2 nodes Ready in the snapshot; not Ready: ip-10-0-1-10.ec2.internal, ip-10-0-2-20.ec2.internal"]))
        // A Fargate node not Ready is left out: every EC2 node is Ready.
        branches.append(Branch(
            name: "cluster: every EC2 node Ready",
            incident: makeIncident(.nodeNotReady, .cluster, [kubeletDown]),
            context: incidentContext(nodes([
                Fixtures.node(nodeName), Fixtures.node(otherNode),
                Fixtures.node("fargate-ip-10-0-3-30.ec2.internal", labels: ["eks.amazonaws.com/compute-type": "fargate"], ready: false),
            ])),
            hypothesis: "kubelet-scrape-failing", confidence: 0.75, actions: ["fix-monitoring"],
            evidence: ["2 of 2 nodes Ready in the snapshot"]))
        branches.append(Branch(
            name: "cluster: one node of two not Ready",
            incident: makeIncident(.nodeNotReady, .cluster, [kubeletDown]),
            context: incidentContext(nodes([Fixtures.node(nodeName), Fixtures.node(otherNode, ready: false)])),
            hypothesis: "kubelet-scrape-failing", confidence: 0.5, actions: ["fix-monitoring"],
            evidence: ["1 of 2 nodes Ready in the snapshot; not Ready: ip-10-0-2-20.ec2.internal"]))
        // No node at all: none is not Ready, so not all of them are down.
        branches.append(Branch(
            name: "cluster: no nodes in the snapshot",
            incident: makeIncident(.nodeNotReady, .cluster, [kubeletDown]),
            context: incidentContext(Fixtures.cluster()),
            hypothesis: "kubelet-scrape-failing", confidence: 0.75, actions: ["fix-monitoring"],
            evidence: ["0 of 0 nodes Ready in the snapshot"]))

        // Neither the cluster nor a node.
        branches.append(Branch(name: "workload subject", incident: makeIncident(.nodeNotReady, .workload(api), [notReadyEvent]),
                               context: incidentContext(Fixtures.cluster()), kept: false))

        // A pressure condition wins over a spot interruption signal.
        let interruption = makeSignal(.event, nil, "SpotInterrupted", at: "09:58", .node(nodeName),
                                      detail: "event SpotInterrupted on node \(nodeName): Spot interruption warning received")
        branches.append(Branch(
            name: "MemoryPressure condition",
            incident: makeIncident(.nodeNotReady, .node(nodeName), [notReadyEvent, interruption]),
            context: incidentContext(nodes([downNode(pressures: ["MemoryPressure"])])),
            hypothesis: "node-memory-pressure", confidence: 0.75, actions: ["replace-node"], evidence: [spotLine, notReadyEvent.detail]))
        branches.append(Branch(
            name: "DiskPressure condition",
            incident: makeIncident(.nodeNotReady, .node(nodeName), [notReadyEvent]),
            context: incidentContext(nodes([downNode(pressures: ["DiskPressure", "MemoryPressure"])])),
            hypothesis: "node-disk-pressure", confidence: 0.75, actions: ["replace-node"], evidence: [spotLine]))

        branches.append(Branch(
            name: "spot interruption",
            incident: makeIncident(.nodeNotReady, .node(nodeName), [notReadyEvent, interruption]),
            context: incidentContext(nodes([downNode()])),
            hypothesis: "spot-interruption", confidence: 0.9, actions: ["replace-node"], evidence: [spotLine, interruption.detail]))

        do {
            // Nothing names a cause. A Deployment pod and a DaemonSet pod on it: only the Deployment is a workload to move.
            var cluster = nodes([downNode(capacityType: "on-demand", nodepool: nil, nodegroup: "ng-general")])
            let web = Fixtures.deployment("web")
            cluster.add(Fixtures.workload(web, containers: [Fixtures.container("app", cpu: 0.25, memory: 256 * mib)]))
            cluster.add(Fixtures.pod("web-5d8f-abc12", of: web, on: nodeName, cpu: 0.25, memory: 256 * mib))
            cluster.add(Fixtures.pod("aws-node-7x2k", of: Fixtures.daemonSet("aws-node"), on: nodeName, cpu: 0.05, memory: 64 * mib))
            let taintEviction = makeSignal(.event, nil, "TaintManagerEviction", at: "10:05", .node(nodeName), pod: "apps/web-5d8f-abc12",
                                           detail: "event TaintManagerEviction on pod apps/web-5d8f-abc12: Marking for deletion Pod apps/web-5d8f-abc12")
            branches.append(Branch(
                name: "kubelet stopped reporting",
                incident: makeIncident(.nodeNotReady, .node(nodeName), [notReadyEvent, taintEviction]),
                context: incidentContext(cluster),
                hypothesis: "node-failure", confidence: 0.75, actions: ["replace-node"],
                evidence: [
                    "node ip-10-0-1-10.ec2.internal (m6i.2xlarge, on-demand, node group ng-general) not Ready since 2026-11-20T10:00:00Z",
                    "1 pod eviction from the node",
                    "workloads with pods on it: apps/Deployment/web",
                ]))
        }

        // The node is not in the snapshot: no node line, the signals alone.
        branches.append(Branch(
            name: "node missing from the snapshot",
            incident: makeIncident(.nodeNotReady, .node(nodeName), [notReadyEvent]),
            context: incidentContext(Fixtures.cluster()),
            hypothesis: "node-failure", confidence: 0.75, actions: ["replace-node"], evidence: [notReadyEvent.detail]))

        check(NodeNotReadyAnalyzer(), branches)
    }

    // MARK: Anomaly

    func testAnomalyAnalyzerBranches() {
        func anomaly(_ resource: String, _ clock: String) -> Signal {
            makeSignal(.usage, .anomaly, "\(resource)-anomaly", at: clock, .workload(api), container: "app",
                       detail: "\(resource) anomaly from 2026-11-20T\(clock):00Z")
        }
        func cluster(rollout: Observed.Workload.Rollout?) -> ObservedCluster {
            var cluster = Fixtures.cluster()
            var workload = Fixtures.workload(api, containers: [Fixtures.container("app", cpu: 0.25, memory: 256 * mib)])
            workload.rollout = rollout
            cluster.add(workload)
            return cluster
        }
        var branches: [Branch] = []

        branches.append(Branch(name: "node subject", incident: makeIncident(.anomaly, .node(nodeName), [anomaly("cpu", "10:00")]),
                               context: incidentContext(Fixtures.cluster()), kept: false))
        branches.append(Branch(
            name: "CPU anomaly, no rollout",
            incident: makeIncident(.anomaly, .workload(api), [anomaly("cpu", "10:00")]),
            context: incidentContext(cluster(rollout: nil)),
            hypothesis: "unexplained-cpu-anomaly", confidence: 0.4, actions: ["investigate-load"],
            evidence: ["cpu anomaly from 2026-11-20T10:00:00Z", "no alert, event, restart or rollout of apps/api in the same stretch"]))
        // Both resources (sorted: cpu, memory); revision 3 rolled out 5 minutes before the first anomaly.
        branches.append(Branch(
            name: "CPU and memory anomalies just after a rollout",
            incident: makeIncident(.anomaly, .workload(api), [anomaly("memory", "10:05"), anomaly("cpu", "10:00")]),
            context: incidentContext(cluster(rollout: rollout(3, startedAt: "2026-11-20T09:55:00Z", previous: 2))),
            hypothesis: "unexplained-cpu-and-memory-anomaly", confidence: 0.4, actions: ["investigate-load"],
            evidence: ["memory anomaly from 2026-11-20T10:05:00Z", "revision 3 rolled out at 2026-11-20T09:55:00Z, just before"]))
        // A rollout 2 hours before is outside the 30m window.
        branches.append(Branch(
            name: "memory anomaly, rollout long before",
            incident: makeIncident(.anomaly, .workload(api), [anomaly("memory", "10:00")]),
            context: incidentContext(cluster(rollout: rollout(3, startedAt: "2026-11-20T08:00:00Z", previous: 2))),
            hypothesis: "unexplained-memory-anomaly", confidence: 0.4, actions: ["investigate-load"],
            evidence: ["no alert, event, restart or rollout of apps/api in the same stretch"]))

        check(AnomalyAnalyzer(), branches)
    }
}
