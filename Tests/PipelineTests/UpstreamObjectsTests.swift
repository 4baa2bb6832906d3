import AutopilotKit
import Foundation
import XCTest

/// collect-cluster on real objects nobody here wrote (fixtures/upstream-objects, see its SOURCES.md):
/// the shapes the API server and users write, read as the API server means them.
final class UpstreamObjectsTests: XCTestCase {
    static let objects = repositoryRoot.appendingPathComponent("fixtures/upstream-objects")

    /// The records collect-cluster writes for one corpus file, fed on stdin.
    func records(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let text = try String(contentsOf: Self.objects.appendingPathComponent(path), encoding: .utf8)
        let result = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "upstream"], stdin: text)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "", file: file, line: line)
        return try decodeRecords(result.lines)
    }

    /// autoscaling/v1 keeps conditions and current metrics in annotations (argo-cd's health test data): they
    /// are read, in v2's shape, so an HPA that cannot scale is seen.
    func testAutoscalingV1AnnotationsAreRead() throws {
        let healthy = try XCTUnwrap(try records("argoproj-argo-cd/gitops-engine/pkg/health/testdata/hpa-v1-healthy-toofew.yaml").first)
        XCTAssertEqual((healthy["conditions"] as? [[String: Any]])?.map { "\($0["type"] ?? "")=\($0["status"] ?? "") \($0["reason"] ?? "")" },
                       ["AbleToScale=True ReadyForNewScale", "ScalingActive=True ValidMetricFound", "ScalingLimited=True TooFewReplicas"])
        let current = try XCTUnwrap(healthy["currentMetrics"] as? [[String: Any]])
        XCTAssertEqual(current.compactMap { ($0["resource"] as? [String: Any])?["name"] as? String }, ["memory", "cpu"])
        XCTAssertEqual(((current[1]["resource"] as? [String: Any])?["current"] as? [String: Any])?["averageUtilization"] as? Int, 1)
        XCTAssertEqual(((current[1]["resource"] as? [String: Any])?["current"] as? [String: Any])?["averageValue"] as? String, "1m")
        let target = ((healthy["metrics"] as? [[String: Any]])?.first?["resource"] as? [String: Any])?["target"] as? [String: Any]
        XCTAssertEqual(target?["averageUtilization"] as? Int, 80)

        let degraded = try XCTUnwrap(try records("argoproj-argo-cd/gitops-engine/pkg/health/testdata/hpa-v1-degraded.yaml").first)
        let active = (degraded["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "ScalingActive" }
        XCTAssertEqual(active?["status"] as? String, "False")
        XCTAssertEqual(active?["reason"] as? String, "FailedGetResourceMetric")
    }

    /// A pod being deleted says since when (argo-cd's pod-deletion test data).
    func testAPodBeingDeletedSaysSo() throws {
        let pod = try XCTUnwrap(try records("argoproj-argo-cd/gitops-engine/pkg/health/testdata/pod-deletion.yaml").first)
        XCTAssertEqual(pod["name"] as? String, "image-pull-backoff")
        XCTAssertEqual(pod["deletingSince"] as? String, "2018-12-03T10:16:04Z")
    }

    /// The same pod, still there long after its deletion began, is stuck: a finding that says since when and
    /// why (its node `minikube` is not in the snapshot: nothing will confirm the kill); an hour is allowed.
    func testAPodStuckTerminatingIsAFinding() throws {
        let text = try String(contentsOf: Self.objects.appendingPathComponent("argoproj-argo-cd/gitops-engine/pkg/health/testdata/pod-deletion.yaml"), encoding: .utf8)
        let cluster = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "upstream"], stdin: text)
        XCTAssertEqual(cluster.status, 0, cluster.stderr)
        func findings(now: String) throws -> [[String: Any]] {
            let result = try Tool.run("detect-waste", ["--quiet", "--now", now, "--detectors", "stuck-terminating"], stdin: cluster.stdout)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }
        }
        XCTAssertEqual(try findings(now: "2018-12-03T11:00:00Z").count, 0, "44 minutes is within the hour allowed")
        let stuck = try XCTUnwrap(try findings(now: "2018-12-05T12:16:04Z").first)
        XCTAssertEqual(stuck["detector"] as? String, "stuck-terminating")
        XCTAssertEqual(stuck["namespace"] as? String, "argocd")
        XCTAssertEqual((stuck["target"] as? [String: Any])?["name"] as? String, "image-pull-backoff")
        XCTAssertEqual(stuck["summary"] as? String,
                       "Pod argocd/image-pull-backoff has been terminating for 2d 2h past its grace period (since 2018-12-03T10:16:04Z) on node minikube.")
        XCTAssertEqual((stuck["current"] as? [String: Any])?["terminatingSeconds"] as? Int, 2 * 86_400 + 7_200)
        XCTAssertTrue((stuck["notes"] as? [String])?.first?.hasPrefix("its node minikube is gone") ?? false, "\(stuck)")
        XCTAssertEqual((stuck["recommended"] as? [String: Any])?["command"] as? String, "kubectl describe pod -n 'argocd' 'image-pull-backoff'")
    }

    /// stuck-terminating's findings on files of the corpus read as one stream.
    func stuckFindings(_ paths: [String], now: String) throws -> [[String: Any]] {
        // JSON documents follow one another; YAML ones take a separator.
        let separator = paths.allSatisfy { $0.hasSuffix(".json") } ? "\n" : "\n---\n"
        let text = try paths.map { try String(contentsOf: Self.objects.appendingPathComponent($0), encoding: .utf8) }.joined(separator: separator)
        let cluster = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "upstream"], stdin: text)
        XCTAssertEqual(cluster.status, 0, cluster.stderr)
        let result = try Tool.run("detect-waste", ["--quiet", "--now", now, "--detectors", "stuck-terminating,orphan-volume"], stdin: cluster.stdout)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }
    }

    /// A Harvester support bundle (rancher/support-bundle-kit's test data): two claims deleted 14 days before
    /// the bundle, held by kubernetes.io/pvc-protection because their pods still run, their volumes by
    /// pv-protection and Longhorn's attacher. One finding a claim, saying why; no orphan-volume finding.
    /// k9s' pv_terminating.json: a Bound PV held by pv-protection, its claim not in the snapshot.
    func testVolumesAndClaimsStuckTerminatingSayWhatHoldsThem() throws {
        let bundle = "rancher-support-bundle-kit/tests/integration/sampleSupportBundle/yamls"
        let findings = try stuckFindings(["\(bundle)/cluster/v1/persistentvolumes.yaml",
                                          "\(bundle)/namespaced/cattle-monitoring-system/v1/persistentvolumeclaims.yaml",
                                          "\(bundle)/namespaced/cattle-monitoring-system/v1/pods.yaml"], now: "2022-03-22T23:49:32Z")
        XCTAssertEqual(findings.map { $0["detector"] as? String }, ["stuck-terminating", "stuck-terminating"])
        let grafana = try XCTUnwrap(findings.first { ($0["target"] as? [String: Any])?["name"] as? String == "rancher-monitoring-grafana" })
        XCTAssertEqual((grafana["target"] as? [String: Any])?["kind"] as? String, "PersistentVolumeClaim")
        XCTAssertEqual(grafana["namespace"] as? String, "cattle-monitoring-system")
        XCTAssertEqual(grafana["summary"] as? String,
                       "Claim cattle-monitoring-system/rancher-monitoring-grafana (volume pvc-ce3fa571-6642-4018-b7fd-9eb2c1e56191, 10Mi) has been terminating for 14d 23h (since 2022-03-08T00:02:31Z), held by kubernetes.io/pvc-protection.")
        XCTAssertEqual(grafana["notes"] as? [String], [
            "claim cattle-monitoring-system/rancher-monitoring-grafana: held by finalizer kubernetes.io/pvc-protection, waiting for a pod that still mounts the claim",
            "volume pvc-ce3fa571-6642-4018-b7fd-9eb2c1e56191: held by finalizer kubernetes.io/pv-protection, waiting for a claim still bound to the volume",
            "volume pvc-ce3fa571-6642-4018-b7fd-9eb2c1e56191: held by finalizer external-attacher/driver-longhorn-io, waiting for the CSI driver detaching the volume from its node",
            "mounted by cattle-monitoring-system/rancher-monitoring-grafana-d9c56d79b-rt4pt: those pods must stop first",
        ])
        XCTAssertEqual((grafana["recommended"] as? [String: Any])?["action"] as? String,
                       "stop the pods that mount the claim (scale their workload down); the claim and its volume then go")

        let pv = try XCTUnwrap(try stuckFindings(["derailed-k9s/internal/render/testdata/pv_terminating.json"], now: "2022-07-22T14:11:00Z").first)
        XCTAssertEqual((pv["target"] as? [String: Any])?["kind"] as? String, "PersistentVolume")
        XCTAssertEqual(pv["summary"] as? String,
                       "Volume pvc-a4d86f51-916c-476b-83af-b551c91a8ac0 (1Gi, no volume id) has been terminating for 24h (since 2022-07-21T14:11:00Z), held by kubernetes.io/pv-protection.")
    }

    /// Pods whose grace period ended long ago (sonobuoy's health-summary test data, a kind cluster): on the
    /// NotReady `kind-worker` no kubelet will confirm the kill; on Ready nodes the kubelet has not.
    /// kubectl-status' `test1/web-0`: its node is not in the snapshot.
    func testPodsStuckTerminatingSayWhy() throws {
        let resources = "vmware-tanzu-sonobuoy/pkg/discovery/testdata/healthsummary/resources"
        let findings = try stuckFindings(["\(resources)/cluster/core_v1_nodes.json", "\(resources)/ns/sonobuoy/core_v1_pods.json"],
                                         now: "2022-02-03T00:00:00Z")
        XCTAssertEqual(findings.count, 4, "four of the five pods are being deleted")
        func notes(_ pod: String) -> String? {
            (findings.first { ($0["target"] as? [String: Any])?["name"] as? String == pod }?["notes"] as? [String])?.first
        }
        XCTAssertEqual(notes("sonobuoy-systemd-logs-daemon-set-7a10f4effeb44d32-7n2cj"),
                       "its node kind-worker is NotReady: no kubelet confirms the pod stopped; once the node is confirmed down, force-delete it")
        XCTAssertTrue(notes("sonobuoy-systemd-logs-daemon-set-7a10f4effeb44d32-jrn9s")?.hasPrefix("the kubelet on kind-control-plane has not confirmed the kill") ?? false)
        let web = try XCTUnwrap(try stuckFindings(["bergerx-kubectl-status/tests/artifacts/pod-marked-for-deletion.yaml"], now: "2020-03-25T12:00:00Z").first)
        XCTAssertEqual(web["summary"] as? String, "Pod test1/web-0 has been terminating for 2h 50m past its grace period (since 2020-03-25T09:09:56Z) on node minikube.")
        XCTAssertEqual(try stuckFindings(["bergerx-kubectl-status/tests/artifacts/pod-marked-for-deletion.yaml"], now: "2020-03-25T10:00:00Z").count, 0,
                       "50 minutes past the grace period is not stuck yet")
    }

    /// A bare pod (argo-cd's pod-crashloop test data) is its own workload: its crash loop counts its
    /// restarts (it said "0 restarts across 0 pods").
    func testABarePodsCrashLoopCountsItsRestarts() throws {
        let text = try String(contentsOf: Self.objects.appendingPathComponent("argoproj-argo-cd/gitops-engine/pkg/health/testdata/pod-crashloop.yaml"), encoding: .utf8)
        let cluster = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "upstream"], stdin: text)
        let result = try Tool.run("detect-incidents", ["--quiet", "--now", "2018-12-02T10:00:00Z"], stdin: cluster.stdout)
        XCTAssertEqual(result.status, 0, result.stderr)
        let incident = try XCTUnwrap(try decodeRecords(result.lines).first { $0["kind"] as? String == "incident" })
        XCTAssertEqual(incident["category"] as? String, "crashloop")
        let evidence = (incident["rootCause"] as? [String: Any])?["evidence"] as? [String]
        XCTAssertEqual(evidence?.first, "first crash at 2018-12-02T09:20:25Z; 3 restarts across 1 pod; last exit code 1")
    }

    /// A time that cannot be read is a warning at its line, and the signal it would date has none: not
    /// `--now`, not the snapshot's. (The crash-loop pod above, its termination time made unreadable.)
    func testAnUnreadableTimeIsAWarningAndDatesNothing() throws {
        let text = try String(contentsOf: Self.objects.appendingPathComponent("argoproj-argo-cd/gitops-engine/pkg/health/testdata/pod-crashloop.yaml"), encoding: .utf8)
        let cluster = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "upstream"], stdin: text)
        XCTAssertEqual(cluster.status, 0, cluster.stderr)
        XCTAssertTrue(cluster.stdout.contains("\"2018-12-02T09:20:25Z\""))
        let garbled = cluster.stdout.replacingOccurrences(of: "\"2018-12-02T09:20:25Z\"", with: "\"yesterday\"")
        let result = try Tool.run("detect-incidents", ["--now", "2018-12-02T10:00:00Z"], stdin: garbled)
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try XCTUnwrap(garbled.split(separator: "\n").firstIndex { $0.contains("yesterday") }) + 1
        XCTAssertTrue(result.errorLines.contains(
            "detect-incidents: <stdin>:\(line): warning: pod argocd/my-pod: containers[main].lastTermination.at \"yesterday\" is not an RFC 3339 time; what it would date has no time"),
            result.stderr)
        let incident = try XCTUnwrap(try decodeRecords(result.lines).first { $0["kind"] as? String == "incident" })
        XCTAssertEqual(incident["category"] as? String, "crashloop", "the crash loop is still seen")
        XCTAssertTrue(incident["start"] is NSNull, "\(incident["start"] ?? "")")
        XCTAssertEqual((incident["signals"] as? [[String: Any]])?.map { $0["at"] is NSNull }, [true])
        XCTAssertFalse(result.stdout.contains("2018-12-02T10:00:00Z"), "--now dates nothing")
        let evidence = (incident["rootCause"] as? [String: Any])?["evidence"] as? [String]
        XCTAssertEqual(evidence?.first, "first crash at a time the data does not give; 3 restarts across 1 pod; last exit code 1")
    }

    /// Istio's injected pod: `istio-init` runs alone, `istio-proxy` and `other-sidecar` are native sidecars.
    /// The app container asks nothing; the proxy runs beside it: 100m and 128Mi in all (the plain init
    /// step, 100m/128Mi alone, is no larger). The pod names no namespace: `default`.
    func testNativeSidecarsAreLongRunningContainers() throws {
        let records = try records("istio-istio/pkg/kube/inject/testdata/inject/native-sidecar.yaml.injected")
        let pod = try XCTUnwrap(records.first { $0["kind"] as? String == "pod" })
        XCTAssertEqual(pod["namespace"] as? String, "default")
        let sidecars = (pod["initContainers"] as? [[String: Any]])?.map { "\($0["name"] ?? "") \($0["sidecar"] as? Bool ?? false)" }
        XCTAssertEqual(sidecars, ["istio-init false", "istio-proxy true", "other-sidecar true"])
        let line = String(decoding: try JSONSerialization.data(withJSONObject: pod), as: UTF8.self)
        let requests = try Observed.Pod(JSON.parse(line)).requests
        XCTAssertEqual(requests.cpu ?? 0, 0.1, accuracy: 1e-9)
        XCTAssertEqual(requests.memory, 134_217_728)
    }

    /// NodePools as users write them, v1 and v1beta1, get the defaults the API server fills in.
    func testKarpenterNodePoolDefaults() throws {
        func pool(_ path: String) throws -> [String: Any] {
            try XCTUnwrap(try records(path).first { $0["kind"] as? String == "nodepool" })
        }
        func summary(_ pool: [String: Any]) -> String {
            let budgets = (pool["budgets"] as? [[String: Any]])?.compactMap { $0["nodes"] as? String } ?? []
            return "\(pool["apiVersion"] ?? "") \(pool["consolidationPolicy"] ?? "") after \(pool["consolidateAfter"] ?? "") "
                + "expire \(pool["expireAfter"] ?? "") budgets \(budgets)"
        }
        XCTAssertEqual(summary(try pool("aws-karpenter-provider-aws/examples/v1/general-purpose.yaml")),
                       "karpenter.sh/v1 WhenEmptyOrUnderutilized after 0s expire 720h budgets [\"10%\"]")
        XCTAssertEqual(summary(try pool("aws-karpenter-provider-aws/examples/v1beta1/general-purpose.yaml")),
                       "karpenter.sh/v1beta1 WhenEmptyOrUnderutilized after 0s expire 720h budgets [\"10%\"]")
        XCTAssertEqual(summary(try pool("aws-karpenter-provider-aws/examples/v1beta1/node-ttls.yaml")),
                       "karpenter.sh/v1beta1 WhenEmpty after 60s expire 168h budgets [\"10%\"]")
        XCTAssertEqual(summary(try pool("kubernetes-sigs-karpenter/test/pkg/environment/common/default_nodepool.yaml")),
                       "karpenter.sh/v1 WhenEmptyOrUnderutilized after Never expire Never budgets [\"100%\"]")
    }
}
