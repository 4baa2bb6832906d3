import AutopilotKit
import Foundation
import XCTest

/// The alerts of the stack people run (kube-prometheus / kube-prometheus-stack: kubernetes-mixin and
/// node-mixin), with the label sets those rules produce: the mixin's own unit tests' expected alerts
/// (fixtures/upstream-objects/kubernetes-monitoring-kubernetes-mixin/tests/tests.yaml, read as they are),
/// and for alerts those tests do not cover, the labels of the series their rule expressions keep.
final class MixinAlertsTests: XCTestCase {
    static let upstream = repositoryRoot.appendingPathComponent("fixtures/upstream-objects")

    /// The alert names the issue asks for, each checked to be a rule of kube-prometheus' rule files.
    static let named = [
        "KubePodNotReady", "KubeContainerWaiting", "KubeDeploymentReplicasMismatch", "KubeDeploymentRolloutStuck",
        "KubeStatefulSetReplicasMismatch", "KubeDaemonSetRolloutStuck", "KubeJobFailed", "KubeHpaMaxedOut", "KubeHpaReplicasMismatch",
        "KubeletDown", "KubeNodeUnreachable", "KubeMemoryOvercommit", "KubeCPUOvercommit", "KubePersistentVolumeFillingUp",
        "NodeFilesystemSpaceFillingUp", "CPUThrottlingHigh",
    ]

    /// A cluster holding what the mixin tests' labels name: node `minikube` (NotReady), pods `ns1/pod-ds-…`
    /// (image pull failing), `test/static-web` (crash loop), the Deployment `monitoring/stuck` (a missing
    /// Secret), the DaemonSet `monitoring/node-exporter`, the StatefulSet `test/sts` (a pod that cannot be
    /// placed), Job `ns1/job-1597623120` of CronJob `ns1/job` (failed, exit 1), Job `ns1/job1` (running), claim
    /// `monitoring/somepvc` (10Gi, mounted by `prometheus-k8s-0`); and HPA `ns1/web` at its maximum.
    static let cluster = """
        apiVersion: v1
        kind: Node
        metadata: {name: minikube, labels: {node.kubernetes.io/instance-type: m5.large, topology.kubernetes.io/region: us-east-1}}
        status:
          allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
          addresses: [{type: InternalIP, address: 10.0.2.15}]
          conditions: [{type: Ready, status: Unknown, reason: NodeStatusUnknown, lastTransitionTime: "2026-12-01T09:58:00Z"}]
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: ip-10-0-2-16.ec2.internal, labels: {node.kubernetes.io/instance-type: m5.xlarge, topology.kubernetes.io/region: us-east-1, karpenter.sh/nodepool: default}}
        status:
          allocatable: {cpu: "4", memory: 8Gi, pods: "58"}
          addresses: [{type: InternalIP, address: 10.0.2.16}, {type: Hostname, address: ip-10-0-2-16.ec2.internal}]
          conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-11-30T08:00:00Z"}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: pod-ds, namespace: ns1}
        spec: {replicas: 1, template: {spec: {containers: [{name: app, image: "registry.example/pod-ds:v2", resources: {requests: {cpu: 500m, memory: 256Mi}}}]}}}
        status: {replicas: 1, readyReplicas: 0}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: pod-ds-7cc77d965f, namespace: ns1, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: pod-ds, controller: true}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: pod-ds-7cc77d965f-cgsdv, namespace: ns1, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: pod-ds-7cc77d965f, controller: true}]}
        spec: {nodeName: ip-10-0-2-16.ec2.internal, containers: [{name: app, image: "registry.example/pod-ds:v2", resources: {requests: {cpu: 500m, memory: 256Mi}}}]}
        status:
          phase: Pending
          containerStatuses: [{name: app, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: "Back-off pulling image"}}}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: static-web, namespace: test}
        spec: {nodeName: ip-10-0-2-16.ec2.internal, containers: [{name: script, image: busybox, resources: {requests: {cpu: 250m, memory: 64Mi}}}]}
        status:
          phase: Running
          containerStatuses: [{name: script, restartCount: 7, state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {reason: Error, exitCode: 2, finishedAt: "2026-12-01T09:59:00Z"}}}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: stuck, namespace: monitoring}
        spec: {replicas: 1, template: {spec: {containers: [{name: app, image: "registry.example/stuck:v1", resources: {requests: {cpu: 500m, memory: 512Mi}}}]}}}
        status: {replicas: 1, readyReplicas: 0}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: stuck-5d8f7b9c4-kq2xw, namespace: monitoring, labels: {pod-template-hash: 5d8f7b9c4}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: stuck-5d8f7b9c4, controller: true}]}
        spec: {nodeName: ip-10-0-2-16.ec2.internal, containers: [{name: app, image: "registry.example/stuck:v1", resources: {requests: {cpu: 500m, memory: 512Mi}}}]}
        status:
          phase: Pending
          containerStatuses: [{name: app, restartCount: 0, state: {waiting: {reason: CreateContainerConfigError, message: "secret \\"stuck-token\\" not found"}}}]
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: node-exporter, namespace: monitoring}
        spec: {template: {spec: {containers: [{name: node-exporter, image: "quay.io/prometheus/node-exporter:v1.8.2", resources: {requests: {cpu: 100m, memory: 180Mi}}}]}}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: sts, namespace: test}
        spec: {replicas: 2, template: {spec: {containers: [{name: db, image: "postgres:16", resources: {requests: {cpu: "1", memory: 2Gi}}}]}}}
        status: {replicas: 2, readyReplicas: 1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: sts-1, namespace: test, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: sts, controller: true}]}
        spec: {containers: [{name: db, image: "postgres:16", resources: {requests: {cpu: "1", memory: 2Gi}}}]}
        status:
          phase: Pending
          conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2026-12-01T09:50:00Z", message: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: job, namespace: ns1}
        spec: {schedule: "0 * * * *", jobTemplate: {spec: {template: {spec: {containers: [{name: task, image: busybox}]}}}}}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: job-1597623120, namespace: ns1, ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: job, controller: true}]}
        spec: {template: {spec: {containers: [{name: task, image: busybox}]}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: job-1597623120-x7k2p, namespace: ns1, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: job-1597623120, controller: true}]}
        spec: {nodeName: ip-10-0-2-16.ec2.internal, restartPolicy: Never, containers: [{name: task, image: busybox}]}
        status:
          phase: Failed
          containerStatuses: [{name: task, restartCount: 0, state: {terminated: {reason: Error, exitCode: 1, finishedAt: "2026-12-01T09:55:00Z"}}}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: job1, namespace: ns1}
        spec: {template: {spec: {containers: [{name: task, image: busybox}]}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: job1-8fz2d, namespace: ns1, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: job1, controller: true}]}
        spec: {nodeName: ip-10-0-2-16.ec2.internal, restartPolicy: Never, containers: [{name: task, image: busybox}]}
        status: {phase: Running, containerStatuses: [{name: task, restartCount: 0, state: {running: {startedAt: "2026-11-30T20:00:00Z"}}}]}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: prometheus-k8s, namespace: monitoring}
        spec: {replicas: 1, template: {spec: {containers: [{name: prometheus, image: "quay.io/prometheus/prometheus:v3.0.0", resources: {requests: {cpu: "1", memory: 2Gi}}}]}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: prometheus-k8s-0, namespace: monitoring, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: prometheus-k8s, controller: true}]}
        spec:
          nodeName: ip-10-0-2-16.ec2.internal
          containers: [{name: prometheus, image: "quay.io/prometheus/prometheus:v3.0.0", resources: {requests: {cpu: "1", memory: 2Gi}}}]
          volumes: [{name: data, persistentVolumeClaim: {claimName: somepvc}}]
        status: {phase: Running, containerStatuses: [{name: prometheus, restartCount: 0, state: {running: {}}}]}
        ---
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pvc-4f1c}
        spec:
          capacity: {storage: 10Gi}
          storageClassName: gp3
          claimRef: {namespace: monitoring, name: somepvc}
          csi: {driver: ebs.csi.aws.com, volumeHandle: vol-0a1b2c3d4e5f60718}
        status: {phase: Bound}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ns1}
        spec: {replicas: 10, template: {spec: {containers: [{name: web, image: "registry.example/web:v9", resources: {requests: {cpu: 100m, memory: 128Mi}}}]}}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: ns1}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 10
          metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
        status:
          currentReplicas: 10
          desiredReplicas: 10
          currentMetrics: [{type: Resource, resource: {name: cpu, current: {averageUtilization: 96, averageValue: 96m}}}]
          conditions: [{type: ScalingLimited, status: "True", reason: TooManyReplicas, message: "the desired replica count is more than the maximum replica count"}]
        """

    /// Label values as Alertmanager sends them: strings (the mixin tests write `condition: true`, `quantile: 0.99`).
    static func text(_ value: JSON) -> String { value.string ?? value.value.text }

    /// Every expected alert of the mixin's unit tests: (name, labels).
    static func mixinTestAlerts() throws -> [(String, [String: String])] {
        let bytes = try Array(Data(contentsOf: upstream.appendingPathComponent("kubernetes-monitoring-kubernetes-mixin/tests/tests.yaml")))
        var alerts: [(String, [String: String])] = []
        try YAMLDocuments(bytes: bytes).forEachDocument { document, _ in
            for test in document["tests"]?.array ?? [] {
                for rule in test["alert_rule_test"]?.array ?? [] {
                    guard let name = rule["alertname"]?.string else { continue }
                    for expected in rule["exp_alerts"]?.array ?? [] {
                        let labels = Dictionary((expected["exp_labels"]?.members ?? []).map { ($0.key, text($0.value)) }) { first, _ in first }
                        alerts.append((name, labels))
                    }
                }
            }
        }
        return alerts
    }

    static func alertLine(_ name: String, _ labels: [String: String], startsAt: String = "2026-12-01T10:00:00Z") throws -> String {
        var all = labels
        all["alertname"] = name
        let record: [String: Any] = [
            "kind": "alert", "cluster": "kubernetes", "alertname": name, "status": "firing", "labels": all,
            "annotations": ["summary": "\(name) (mixin test labels)"], "startsAt": startsAt,
            "fingerprint": all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: ","),
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Runs collect-cluster on the cluster and detect-incidents on it with these alerts.
    static func incidents(_ alerts: [String]) throws -> (incidents: [[String: Any]], stderr: String) {
        let collected = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "kubernetes"], stdin: cluster)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let result = try Tool.run("detect-incidents", ["--now", "2026-12-01T11:00:00Z"], stdin: collected.stdout + alerts.joined(separator: "\n") + "\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        return (try decodeRecords(result.lines).filter { $0["kind"] as? String == "incident" }, result.stderr)
    }

    static func describe(_ incident: [String: Any]) -> String {
        let target = incident["target"] as? [String: Any] ?? [:]
        let where_ = (incident["namespace"] as? String).map { "\($0)/" } ?? ""
        let hypothesis = (incident["rootCause"] as? [String: Any])?["hypothesis"] as? String ?? "-"
        return "\(incident["category"] ?? "") \(target["kind"] ?? "")/\(where_)\(target["name"] ?? "") \(hypothesis)"
    }

    /// Each alert the issue names is a rule of kube-prometheus' rule files, and has a category.
    func testTheNamesAreTheMixinsAndEachHasACategory() throws {
        var rules = ""
        for file in ["kubernetesControlPlane-prometheusRule.yaml", "nodeExporter-prometheusRule.yaml"] {
            rules += try String(contentsOf: Self.upstream.appendingPathComponent("prometheus-operator-kube-prometheus/manifests/\(file)"), encoding: .utf8)
        }
        for name in Self.named {
            XCTAssertTrue(rules.contains("- alert: \(name)\n"), "\(name) is not a kube-prometheus alert")
            XCTAssertNotNil(AlertCatalog.categories[name], name)
        }
        for name in AlertCatalog.categories.keys where name.hasPrefix("Kube") || name.hasPrefix("Node") || name == "CPUThrottlingHigh" {
            let shipped = try String(contentsOf: repositoryRoot.appendingPathComponent("pipelines/alerting/prometheus-rules.yaml"), encoding: .utf8)
            XCTAssertTrue(rules.contains("- alert: \(name)\n") || shipped.contains("- alert: \(name)\n"), "\(name) is neither the mixin's nor ours")
        }
    }

    /// The mixin's unit tests' alerts, labels as they are: each lands on the object its labels name (not on
    /// kube-state-metrics' own pod, whose `namespace`/`pod` ride along on node alerts; not on a Kubernetes Job
    /// called `kube-state-metrics` for the scrape job's `job` label), and gets the cause the snapshot shows.
    func testTheMixinsOwnTestAlertsBecomeTheRightIncidents() throws {
        let alerts = try Self.mixinTestAlerts()
        XCTAssertGreaterThanOrEqual(alerts.count, 24, "the mixin's tests hold the expected alerts")
        let (incidents, stderr) = try Self.incidents(try alerts.map { try Self.alertLine($0.0, $0.1) })
        let found = Set(incidents.map(Self.describe))
        for expected in [
            "storage StatefulSet/monitoring/prometheus-k8s volume-filling-up",  // KubePersistentVolume(Inodes)FillingUp, somepvc
            "node-not-ready Node/minikube node-failure",  // KubeNodeNotReady, KubeNodeReadinessFlapping
            "rollout Deployment/ns1/pod-ds image-pull-failing",  // KubePodNotReady
            "rollout DaemonSet/monitoring/node-exporter rollout-stalled",  // KubeDaemonSetRolloutStuck
            "rollout Deployment/monitoring/stuck container-config-error",  // KubeDeploymentRolloutStuck
            "job-failed CronJob/ns1/job job-pods-failing",  // KubeJobFailed, job_name job-1597623120
            "job-failed Job/ns1/job1 job-running-too-long",  // KubeJobNotCompleted
            "crashloop Pod/test/static-web application-error",  // KubePodCrashLooping
            "failed-scheduling StatefulSet/test/sts cluster-full",  // KubeStatefulSetReplicasMismatch, taken in
            "capacity Cluster/kubernetes requests-exceed-n-minus-1",  // KubeCPUOvercommit, KubeMemoryOvercommit
        ] {
            XCTAssertTrue(found.contains(expected), "\(expected) not in \(found.sorted())")
        }
        // Nothing lands on kube-state-metrics, or on a Job named after the scrape job.
        XCTAssertFalse(found.contains { $0.contains("kube-state-metrics") }, "\(found.sorted())")
        func incident(_ description: String) -> [String: Any]? { incidents.first { Self.describe($0) == description } }
        let mismatch = try XCTUnwrap(incident("failed-scheduling StatefulSet/test/sts cluster-full"))
        XCTAssertTrue((mismatch["signals"] as? [[String: Any]])?.contains { $0["name"] as? String == "KubeStatefulSetReplicasMismatch" } ?? false,
                      "the replica alert joins the incident of the pod that cannot be placed")
        let job = try XCTUnwrap(incident("job-failed CronJob/ns1/job job-pods-failing"))
        XCTAssertEqual((job["actions"] as? [[String: Any]])?.first?["command"] as? String, "kubectl logs -n 'ns1' job/'job-1597623120' --all-containers")
        XCTAssertTrue(((job["rootCause"] as? [String: Any])?["summary"] as? String)?.contains("(code 1)") ?? false, "\(job)")
        let volume = try XCTUnwrap(incident("storage StatefulSet/monitoring/prometheus-k8s volume-filling-up"))
        XCTAssertEqual((volume["actions"] as? [[String: Any]])?.first?["command"] as? String,
                       #"kubectl patch pvc -n 'monitoring' 'somepvc' -p '{"spec":{"resources":{"requests":{"storage":"15Gi"}}}}'"#)
        XCTAssertEqual((volume["affected"] as? [String: Any])?["pods"] as? [String], ["monitoring/prometheus-k8s-0"])
        let overcommit = try XCTUnwrap(incident("capacity Cluster/kubernetes requests-exceed-n-minus-1"))
        let evidence = (overcommit["rootCause"] as? [String: Any])?["evidence"] as? [String] ?? []
        // 500m + 250m + 500m + 1 (pending) + 1 = 3250m CPU of 6 on 2 nodes, the largest 4: more than 6 − 4.
        XCTAssertTrue(evidence.contains("pods request 3250m CPU of 6 CPU allocatable on 2 nodes; the largest node has 4 CPU"), "\(evidence)")
        // 256Mi + 64Mi + 512Mi + 2Gi + 2Gi = 4928Mi of 12Gi, the largest 8Gi: more than 12Gi − 8Gi.
        XCTAssertTrue(evidence.contains("pods request 4928Mi of 12Gi allocatable; the largest node has 8Gi"), "\(evidence)")
        XCTAssertEqual((overcommit["signals"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted(),
                       ["KubeCPUOvercommit", "KubeCPUQuotaOvercommit", "KubeMemoryOvercommit", "KubeMemoryQuotaOvercommit"])
        let image = try XCTUnwrap(incident("rollout Deployment/ns1/pod-ds image-pull-failing"))
        XCTAssertEqual((image["actions"] as? [[String: Any]])?.first?["command"] as? String, "kubectl describe pod -n 'ns1' 'pod-ds-7cc77d965f-cgsdv'")
        // The alerts no category fits are named once, on one line.
        XCTAssertTrue(stderr.contains("alerts not classified (kept out of incidents): "), stderr)
        XCTAssertTrue(stderr.contains("KubeletTooManyPods"), stderr)
    }

    /// Alerts the mixin's tests do not cover, with the labels their rules keep (kube-state-metrics' series
    /// labels; node-exporter's `instance` as kube-prometheus-stack leaves it, `IP:9100`, with the target's
    /// `namespace`/`pod` that prometheus-operator adds).
    func testAlertsOutsideTheMixinsTests() throws {
        let ksm = ["job": "kube-state-metrics", "instance": "10.0.2.16:8443", "cluster": "kubernetes"]
        func with(_ labels: [String: String]) -> [String: String] { ksm.merging(labels) { _, new in new } }
        let alerts = try [
            Self.alertLine("KubeHpaMaxedOut", with(["namespace": "ns1", "horizontalpodautoscaler": "web", "severity": "warning"])),
            Self.alertLine("KubeContainerWaiting", with(["namespace": "monitoring", "pod": "stuck-5d8f7b9c4-kq2xw", "container": "app",
                                                          "reason": "CreateContainerConfigError", "severity": "warning"])),
            Self.alertLine("KubeDeploymentReplicasMismatch", with(["namespace": "ns1", "deployment": "pod-ds", "severity": "warning"])),
            Self.alertLine("KubeNodeUnreachable", with(["node": "minikube", "key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
                                                         "namespace": "monitoring", "pod": "kube-state-metrics-b894d84cc-d6htw", "severity": "warning"])),
            Self.alertLine("CPUThrottlingHigh", ["namespace": "ns1", "pod": "pod-ds-7cc77d965f-cgsdv", "container": "app", "instance": "10.0.2.16:10250", "severity": "info"]),
            Self.alertLine("NodeFilesystemSpaceFillingUp", ["device": "/dev/nvme0n1p1", "fstype": "xfs", "instance": "10.0.2.16:9100", "job": "node-exporter",
                                                           "mountpoint": "/", "namespace": "monitoring", "pod": "node-exporter-9xk2p", "service": "node-exporter",
                                                           "severity": "warning"]),
            Self.alertLine("KubeletDown", ["cluster": "kubernetes", "severity": "critical"]),
        ]
        let (incidents, stderr) = try Self.incidents(alerts)
        let found = Set(incidents.map(Self.describe))
        for expected in [
            "capacity Deployment/ns1/web hpa-at-max-replicas",
            "rollout Deployment/monitoring/stuck container-config-error",
            "rollout Deployment/ns1/pod-ds image-pull-failing",
            "node-not-ready Node/minikube node-failure",
            "cpu-saturation Deployment/ns1/pod-ds cpu-spike",
            "storage Node/ip-10-0-2-16.ec2.internal node-disk-filling-up",
            "node-not-ready Cluster/kubernetes kubelet-scrape-failing",
        ] {
            XCTAssertTrue(found.contains(expected), "\(expected) not in \(found.sorted())")
        }
        XCTAssertFalse(stderr.contains("not classified"), stderr)
        func incident(_ description: String) -> [String: Any]? { incidents.first { Self.describe($0) == description } }
        let hpa = try XCTUnwrap(incident("capacity Deployment/ns1/web hpa-at-max-replicas"))
        XCTAssertEqual((hpa["rootCause"] as? [String: Any])?["summary"] as? String,
                       "HPA web runs Deployment ns1/web at its maximum of 10 replicas and the replicas are still above their CPU target")
        let disk = try XCTUnwrap(incident("storage Node/ip-10-0-2-16.ec2.internal node-disk-filling-up"))
        XCTAssertEqual((disk["signals"] as? [[String: Any]])?.first?["object"] as? String, "mountpoint /")
        XCTAssertEqual((disk["signals"] as? [[String: Any]])?.first?["pod"] as? String, nil, "node-exporter's pod is not the subject")
        let kubelets = try XCTUnwrap(incident("node-not-ready Cluster/kubernetes kubelet-scrape-failing"))
        XCTAssertEqual((kubelets["actions"] as? [[String: Any]])?.first?["command"] as? String,
                       "kubectl get --raw /api/v1/nodes/'ip-10-0-2-16.ec2.internal'/proxy/metrics | head -n 5")
    }
}
