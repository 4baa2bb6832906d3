import AutopilotKit
import Foundation
import XCTest

/// emit-pr on real repositories nobody here wrote (fixtures/upstream-repos, see its SOURCES.md): the demo's
/// records renamed to the real objects, one test a layout. Each either changes the right file and value (and,
/// through EmitPRFixtures.emitPR, no branch holds an edit its record does not list) or refuses with a reason
/// that is true and says what to do.
final class EmitPRUpstreamTests: XCTestCase {
    typealias F = EmitPRFixtures
    static let corpus = repositoryRoot.appendingPathComponent("fixtures/upstream-repos")

    /// A git checkout of one corpus folder, modes kept (`cp -a`).
    func repo(_ folder: String, in scratch: URL, name: String = "infra") throws -> URL {
        let repo = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", Self.corpus.appendingPathComponent(folder).path + "/.", repo.path]
        try copy.run()
        copy.waitUntilExit()
        XCTAssertEqual(copy.terminationStatus, 0)
        try F.git(["init", "--quiet", "--initial-branch=main"], in: repo)
        try F.git(["add", "-A"], in: repo)
        try F.git(["commit", "--quiet", "-m", "upstream as it is"], in: repo)
        return repo
    }

    // MARK: Records

    /// The demo's scored over-requested-cpu finding of checkout-web, renamed to another object.
    static var findingTemplate: [String: Any] {
        let lines = try! String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo/risk.golden.ndjson"), encoding: .utf8)
        let line = lines.split(separator: "\n").first { $0.contains(#""detector":"over-requested-cpu""#) }!
        return try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }

    static func line(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
    }

    static func finding(_ cluster: String, _ id: String, _ detector: String, namespace: String?, kind: String, name: String,
                        container: String?, current: [String: Any], recommended: [String: Any], gate: String = "auto") -> String {
        var finding = findingTemplate
        finding["cluster"] = cluster
        finding["id"] = id
        finding["detector"] = detector
        finding["namespace"] = namespace ?? NSNull()
        finding["target"] = ["kind": kind, "name": name, "container": container ?? NSNull()] as [String: Any]
        finding["current"] = current
        finding["recommended"] = recommended
        var risk = finding["risk"] as! [String: Any]
        risk["gate"] = gate
        finding["risk"] = risk
        return line(finding)
    }

    static func node(_ cluster: String, _ name: String, nodegroup: String, instanceType: String) -> String {
        line(["kind": "node", "cluster": cluster, "name": name, "instanceType": instanceType, "region": "us-east-1", "zone": "us-east-1a",
              "capacityType": "on-demand", "nodepool": NSNull(), "nodegroup": nodegroup, "instanceId": "i-0d0ec88bd7cb3eecd",
              "allocatable": ["cpu": 1.93, "memory": 7_000_000_000, "pods": 29], "capacity": ["cpu": 2.0, "memory": 8_000_000_000],
              "labels": ["eks.amazonaws.com/nodegroup": nodegroup], "taints": [String]()])
    }

    static func idleNode(_ cluster: String, _ name: String, instanceType: String) -> String {
        finding(cluster, "f-idle-\(name)", "idle-node", namespace: nil, kind: "Node", name: name, container: nil,
                current: ["instanceType": instanceType, "nodes": 1], recommended: ["action": "drain and remove", "nodes": 0, "movePods": [String]()],
                gate: "approve")
    }

    static func swap(_ cluster: String, _ name: String, from: String, to: String) -> String {
        finding(cluster, "f-swap-\(name)", "node-consolidation", namespace: nil, kind: "Node", name: name, container: nil,
                current: ["instanceType": from, "capacityType": "on-demand"], recommended: ["instanceType": to, "capacityType": "on-demand"], gate: "approve")
    }

    // MARK: Reading results

    func change(_ result: ToolResult, _ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try F.changes(result).first { ($0["findingIds"] as? [String])?.contains(id) == true }, "no change record for \(id)", file: file, line: line)
    }

    func edits(_ change: [String: Any]) -> [String] {
        (change["edits"] as? [[String: Any]] ?? []).map { edit in
            "\(edit["file"] ?? ""):\(edit["line"] ?? "") \(edit["from"] as? String ?? "-") -> \(edit["to"] as? String ?? "-")"
        }
    }

    /// Line `number` of `path` on `branch`.
    func line(_ number: Int, of path: String, on branch: String, in repo: URL) throws -> String {
        let text = try F.git(["show", "\(branch):\(path)"], in: repo)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false)[number - 1])
    }

    func reason(_ change: [String: Any]) -> String { change["reason"] as? String ?? "" }

    // MARK: Layouts

    /// GoogleCloudPlatform/microservices-demo: the same Deployments in a kustomize base and in a multi-document
    /// release file. Which one the cluster runs is the user's to say; then the right one is edited, two
    /// workloads of one file on two branches.
    func testAReleaseFileAndAKustomizeBaseDefiningTheSameObjectsNeedAClusterPath() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("googlecloudplatform-microservices-demo", in: scratch)
        let stream = Self.finding("online-boutique", "f-cart-cpu", "over-requested-cpu", namespace: "default", kind: "Deployment", name: "cartservice",
                                  container: "server", current: ["cpu": 0.2, "cpuLimit": 0.3], recommended: ["cpu": 0.15, "cpuLimit": 0.3])
            + Self.finding("online-boutique", "f-redis-mem", "over-requested-memory", namespace: "default", kind: "Deployment", name: "redis-cart",
                           container: "redis", current: ["memory": 209_715_200, "memoryLimit": 268_435_456],
                           recommended: ["memory": 157_286_400, "memoryLimit": 268_435_456])

        let unmapped = try F.emitPR(repo, stream)
        XCTAssertEqual(unmapped.status, 0, unmapped.stderr)
        XCTAssertEqual(reason(try change(unmapped, "f-cart-cpu")), "Deployment default/cartservice is defined in 2 places (kustomize/base/cartservice.yaml, "
            + "release/kubernetes-manifests.yaml); not guessing which one this cluster runs: map cluster online-boutique's folder with "
            + "--cluster-path online-boutique=DIR, or narrow the search with --scope DIR")

        let release = try F.emitPR(repo, stream, ["--cluster-path", "online-boutique=release"])
        XCTAssertEqual(release.status, 0, release.stderr)
        let cart = try change(release, "f-cart-cpu")
        XCTAssertEqual(edits(cart), ["release/kubernetes-manifests.yaml:337 200m -> 150m"])
        XCTAssertEqual(edits(try change(release, "f-redis-mem")), ["release/kubernetes-manifests.yaml:421 200Mi -> 150Mi"])
        XCTAssertEqual(try line(337, of: "release/kubernetes-manifests.yaml", on: "autopilot/online-boutique/default/cartservice", in: repo), "            cpu: 150m")

        let kustomize = try F.emitPR(repo, stream, ["--cluster-path", "online-boutique=kustomize"])
        XCTAssertEqual(kustomize.status, 0, kustomize.stderr)
        XCTAssertEqual(edits(try change(kustomize, "f-cart-cpu")), ["kustomize/base/cartservice.yaml:54 200m -> 150m"])
        XCTAssertEqual(edits(try change(kustomize, "f-redis-mem")), ["kustomize/base/cartservice.yaml:138 200Mi -> 150Mi"])
    }

    /// kubernetes-sigs/kustomize examples/springboot: overlays rename the Deployment with namePrefix; the
    /// production overlay's patch sets the memory. The repo also holds a Go-templated YAML file (kyaml test
    /// data): warned about once, it changes nothing unless it could hold the target.
    func testNamePrefixOverlaysAndAnUnparsableTemplateElsewhere() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("kubernetes-sigs-kustomize", in: scratch)
        let production = try F.emitPR(repo, Self.finding("production", "f-prod-mem", "over-requested-memory", namespace: "default", kind: "Deployment",
                                                         name: "production-sbdemo", container: "sbdemo",
                                                         current: ["memory": 1_310_720_000, "memoryLimit": 1_310_720_000],
                                                         recommended: ["memory": 1_048_576_000, "memoryLimit": 1_310_720_000]))
        XCTAssertEqual(production.status, 0, production.stderr)
        XCTAssertEqual(edits(try change(production, "f-prod-mem")), ["examples/springboot/overlays/production/memorylimit_patch.yaml:15 1250Mi -> 1000Mi"])
        let template = "kyaml/fn/framework/testdata/example/templatefiles/deployment.template.yaml"
        XCTAssertEqual(production.errorLines.filter { $0.contains(template) }.count, 1, production.stderr)
        XCTAssertTrue(production.errorLines.allSatisfy { $0.contains("warning:") }, production.stderr)

        let staging = try F.emitPR(repo, Self.finding("staging", "f-stg-cpu", "over-requested-cpu", namespace: "default", kind: "Deployment",
                                                      name: "staging-sbdemo", container: "sbdemo", current: ["cpu": 1.0], recommended: ["cpu": 0.25]))
        XCTAssertEqual(staging.status, 0, staging.stderr)
        let shared = try change(staging, "f-stg-cpu")
        XCTAssertEqual(edits(shared), ["examples/springboot/base/deployment.yaml:26 - -> 250m"])
        XCTAssertTrue((shared["body"] as? String ?? "").contains(
            "examples/springboot/base/deployment.yaml is a kustomize base shared by examples/springboot/overlays/production, examples/springboot/overlays/staging: this change applies to all of them."))

        // Deployment foo is defined only in the template that cannot be parsed: that is an input error.
        let foo = try F.emitPR(repo, Self.finding("production", "f-foo", "over-requested-cpu", namespace: "default", kind: "Deployment", name: "foo",
                                                  container: "foo", current: ["cpu": 1.0], recommended: ["cpu": 0.5]))
        XCTAssertEqual(foo.status, 65, foo.stderr)
        XCTAssertEqual(reason(try change(foo, "f-foo")), "no manifest in the repo defines Deployment default/foo (\(template) could not be read and may define it)")
    }

    /// redhat-appstudio/infra-deployments: an ApplicationSet (clusters generator, no selector) deploys the
    /// staging overlay to every cluster; the overlay sets the memory with JSON 6902 operations.
    func testAnApplicationSetForEveryClusterAndAJSON6902Overlay() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("redhat-appstudio-infra-deployments", in: scratch)
        let result = try F.emitPR(repo, Self.finding("stone-stg-rh01", "f-ksm-cpu", "over-requested-cpu", namespace: "appstudio-monitoring",
                                                     kind: "Deployment", name: "custom-kube-state-metrics", container: "kube-state-metrics",
                                                     current: ["cpu": 0.1, "cpuLimit": 0.25], recommended: ["cpu": 0.05, "cpuLimit": 0.25])
            + Self.finding("stone-stg-rh01", "f-ksm-mem", "over-requested-memory", namespace: "appstudio-monitoring", kind: "Deployment",
                           name: "custom-kube-state-metrics", container: "kube-state-metrics",
                           current: ["memory": 1_073_741_824, "memoryLimit": 1_073_741_824], recommended: ["memory": 536_870_912, "memoryLimit": 1_073_741_824]),
            ["--group-by", "finding"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cpu = try change(result, "f-ksm-cpu")
        XCTAssertEqual(edits(cpu), ["components/monitoring/custom-kube-state-metrics/base/deployment.yaml:59 100m -> 50m"])
        XCTAssertTrue((cpu["body"] as? String ?? "").contains("components/monitoring/custom-kube-state-metrics/staging is deployed to every cluster Argo CD manages "
            + "(argo-cd-apps/base/all-clusters/infra-deployments/monitoring-workload-custom-kube-state-metrics/monitoring-workload-custom-kube-state-metrics.yaml: "
            + "ApplicationSet monitoring-workload-custom-kube-state-metrics)"))
        XCTAssertEqual(reason(try change(result, "f-ksm-mem")), "the JSON 6902 patch components/monitoring/custom-kube-state-metrics/staging/resource-patch.yaml "
            + "sets /spec/template/spec/containers/0/resources/requests/memory (it wins over the base); emit-pr does not rewrite JSON pointers: change it there")
    }

    /// cybozu-go/neco-apps: one Argo CD per cluster, each reading `argocd-config/overlays/<cluster>/`, whose
    /// Application points it at the app's overlay of that cluster. The Deployment's resources are in the
    /// base both overlays build: stage0's finding edits it and says gcp gets it too; a cluster with no
    /// overlay gets nothing.
    func testArgoCDApplicationsPerClusterFolder() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("cybozu-go-neco-apps", in: scratch)
        let index = ManifestIndex(root: repo.path, files: try F.git(["ls-files"], in: repo).split(separator: "\n").map(String.init))
        let paths = ClusterPaths(manifests: index)
        guard case .claimed(let claim) = paths.tie("neco-admission/overlays/stage0", to: "stage0") else {
            return XCTFail("the stage0 Application claims its overlay: \(paths.claims)")
        }
        XCTAssertEqual(claim.origin, "argocd-config/overlays/stage0/neco-admission.yaml: Application neco-admission")

        func run(_ cluster: String) throws -> ToolResult {
            try F.emitPR(repo, Self.finding(cluster, "f-neco", "over-requested-cpu", namespace: "kube-system", kind: "Deployment", name: "neco-admission",
                                            container: "neco-admission", current: ["cpu": 0.1], recommended: ["cpu": 0.05]))
        }
        let stage0 = try run("stage0")
        XCTAssertEqual(stage0.status, 0, stage0.stderr)
        let edit = try change(stage0, "f-neco")
        XCTAssertEqual(edits(edit), ["neco-admission/base/deployment.yaml:55 100m -> 50m"])
        XCTAssertTrue((edit["body"] as? String ?? "").contains("neco-admission/base/deployment.yaml is a kustomize base shared by neco-admission/overlays/gcp, "
            + "neco-admission/overlays/stage0: this change applies to all of them."))
        let tokyo = try run("tokyo0")
        XCTAssertEqual(reason(try change(tokyo, "f-neco")), "neco-admission/base/deployment.yaml is built only by neco-admission/overlays/gcp, "
            + "neco-admission/overlays/stage0, none of them cluster tokyo0's (no folder named after it, no --cluster-path, Argo CD or Flux object maps one "
            + "to it); not edited: map the right one with --cluster-path tokyo0=DIR")
    }

    /// fluxcd/flux2-kustomize-helm-example (both layouts): podinfo is rendered by a HelmRelease whose values
    /// set no resources. emit-pr finds the release through helm-controller's labels and says which file to map;
    /// mapped, it writes there; once the cluster's values patch sets resources, it edits them unasked.
    func testAFluxHelmReleaseIsFoundFromTheWorkloadsLabels() throws {
        let scratch = try makeScratchDirectory(self)
        // The workload as collect-cluster writes it, with the labels and annotations helm-controller gives what it renders.
        let record = Self.line([
            "kind": "workload", "cluster": "staging", "namespace": "podinfo", "name": "podinfo", "workloadKind": "Deployment",
            "replicas": ["desired": 2, "ready": 2], "containers": [["name": "podinfo", "image": "ghcr.io/stefanprodan/podinfo:6.7.1",
                                                                     "requests": ["cpu": 0.001, "memory": 16_777_216], "limits": ["cpu": NSNull(), "memory": NSNull()]]],
            "initContainers": [Any](), "podLabels": ["app.kubernetes.io/name": "podinfo"], "selector": ["matchLabels": ["app.kubernetes.io/name": "podinfo"]],
            "labels": ["app.kubernetes.io/name": "podinfo", "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "podinfo-6.7.1",
                       "helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "podinfo"],
            "annotations": ["meta.helm.sh/release-name": "podinfo", "meta.helm.sh/release-namespace": "podinfo"],
            "team": "unassigned", "schedule": NSNull(), "suspended": NSNull(), "pods": 2, "rollout": NSNull(), "createdAt": "2026-10-20T00:52:00Z",
        ])
        let stream = record + Self.finding("staging", "f-podinfo-cpu", "under-provisioned-cpu", namespace: "podinfo", kind: "Deployment", name: "podinfo",
                                           container: "podinfo", current: ["cpu": 0.001], recommended: ["cpu": 0.05])
        for (index, folder) in ["fluxcd-flux2-kustomize-helm-example-v2.3", "fluxcd-flux2-kustomize-helm-example"].enumerated() {
            let repo = try repo(folder, in: scratch, name: "flux\(index)")
            let result = try F.emitPR(repo, stream)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(reason(try change(result, "f-podinfo-cpu")), "Deployment podinfo/podinfo is rendered by HelmRelease podinfo/podinfo "
                + "(apps/base/podinfo/release.yaml), whose values set no `resources` or `podinfo.resources`, so the chart's defaults apply; "
                + "map the container with --values-map (file: apps/staging/podinfo-values.yaml, path: spec.values.resources)", folder)
        }
        let repo = try repo("fluxcd-flux2-kustomize-helm-example-v2.3", in: scratch)
        let map = scratch.appendingPathComponent("values-map.yaml")
        try "- {namespace: podinfo, kind: Deployment, name: podinfo, file: apps/staging/podinfo-values.yaml, path: spec.values.resources}\n"
            .write(to: map, atomically: true, encoding: .utf8)
        let mapped = try F.emitPR(repo, stream, ["--values-map", map.path])
        XCTAssertEqual(mapped.status, 0, mapped.stderr)
        XCTAssertEqual(edits(try change(mapped, "f-podinfo-cpu")), ["apps/staging/podinfo-values.yaml:21 - -> 50m"])
        XCTAssertTrue((try change(mapped, "f-podinfo-cpu")["body"] as? String ?? "").contains(
            "Mapped by --values-map: the value is in apps/staging/podinfo-values.yaml at `spec.values.resources`."))

        // The team sets resources in the staging values patch: the next run edits them there without a map.
        let patch = repo.appendingPathComponent("apps/staging/podinfo-values.yaml")
        try (try String(contentsOf: patch, encoding: .utf8) + "    resources:\n      requests:\n        cpu: 1m\n").write(to: patch, atomically: true, encoding: .utf8)
        try F.git(["commit", "--quiet", "-am", "podinfo: requests in staging"], in: repo)
        let found = try F.emitPR(repo, stream)
        XCTAssertEqual(found.status, 0, found.stderr)
        let edit = try change(found, "f-podinfo-cpu")
        XCTAssertEqual(edits(edit), ["apps/staging/podinfo-values.yaml:21 1m -> 50m"])
        XCTAssertTrue((edit["body"] as? String ?? "").contains("Rendered by Helm from HelmRelease podinfo/podinfo (apps/base/podinfo/release.yaml): the value is in its values at `resources`."))
        XCTAssertTrue((edit["body"] as? String ?? "").contains("The overlay patch apps/staging/podinfo-values.yaml sets this value"))
    }

    /// Community chart values: metrics-server's `resources` beside the addon resizer's decoy block, and
    /// kube-state-metrics' `resources: {}` followed by commented examples.
    func testCommunityChartValuesThroughAValuesMap() throws {
        let scratch = try makeScratchDirectory(self)
        let map = scratch.appendingPathComponent("values-map.yaml")
        try """
            - {kind: Deployment, namespace: kube-system, name: metrics-server, file: charts/metrics-server/values.yaml, path: resources}
            - {kind: Deployment, namespace: kube-system, name: kube-state-metrics, file: charts/kube-state-metrics/values.yaml, path: resources}
            - {cluster: staging, kind: Deployment, namespace: kube-system, name: metrics-server, file: charts/metrics-server/values.yaml, path: resources}

            """.write(to: map, atomically: true, encoding: .utf8)
        let metrics = try repo("kubernetes-sigs-metrics-server", in: scratch, name: "metrics")
        let result = try F.emitPR(metrics, Self.finding("prod", "f-ms", "over-requested-cpu", namespace: "kube-system", kind: "Deployment", name: "metrics-server",
                                                        container: "metrics-server", current: ["cpu": 0.1], recommended: ["cpu": 0.05]),
                                  ["--values-map", map.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(edits(try change(result, "f-ms")), ["charts/metrics-server/values.yaml:178 100m -> 50m"])
        // The same key feeds staging's metrics-server too: the PR says so.
        XCTAssertTrue((try change(result, "f-ms")["body"] as? String ?? "").contains(
            "charts/metrics-server/values.yaml `resources` is also mapped to staging: Deployment kube-system/metrics-server: this change applies to them too."))

        let ksm = try repo("prometheus-community-helm-charts", in: scratch, name: "ksm")
        let empty = try F.emitPR(ksm, Self.finding("prod", "f-ksm", "under-provisioned-memory", namespace: "kube-system", kind: "Deployment",
                                                   name: "kube-state-metrics", container: "kube-state-metrics", current: ["memory": NSNull()],
                                                   recommended: ["memory": 134_217_728]), ["--values-map", map.path])
        XCTAssertEqual(empty.status, 0, empty.stderr)
        let branch = "autopilot/prod/kube-system/kube-state-metrics"
        XCTAssertEqual(try F.git(["diff", "main", branch], in: ksm).split(separator: "\n").filter { $0.hasPrefix("+") || $0.hasPrefix("-") }.dropFirst(2),
                       ["-resources: {}", "+resources:", "+  requests:", "+    memory: 128Mi"])
    }

    /// terraform-aws-modules/terraform-aws-eks examples: two EKS modules in one root, each naming its cluster
    /// through `"${local.name}-…"`; the karpenter example names it `"ex-${basename(path.cwd)}"`.
    func testTerraformModuleExamplesAreTiedToTheirClusters() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("terraform-aws-modules-terraform-aws-eks", in: scratch)
        let node = "ip-10-0-1-10.ec2.internal"
        let group = "example-20251201120000000000000001"
        let al2023 = try F.emitPR(repo, Self.node("ex-eks-mng-al2023", node, nodegroup: group, instanceType: "m6i.large")
                                    + Self.swap("ex-eks-mng-al2023", node, from: "m6i.large", to: "m6a.large"))
        XCTAssertEqual(al2023.status, 0, al2023.stderr)
        XCTAssertEqual(edits(try change(al2023, "f-swap-\(node)")), ["examples/eks-managed-node-group/eks-al2023.tf:26 m6i.large -> m6a.large"])

        let prod = try F.emitPR(repo, Self.node("prod", node, nodegroup: group, instanceType: "m6i.large") + Self.swap("prod", node, from: "m6i.large", to: "m6a.large"))
        XCTAssertEqual(prod.status, 0, prod.stderr)
        XCTAssertEqual(reason(try change(prod, "f-swap-\(node)")), "no Terraform in the repo defines node group \(group) of cluster prod; it defines one for "
            + "ex-eks-mng-al2023 (examples/eks-managed-node-group/eks-al2023.tf), ex-eks-mng-bottlerocket (examples/eks-managed-node-group/eks-bottlerocket.tf): "
            + "map cluster prod's root with --cluster-path prod=DIR if it is one of them")

        let karpenter = try F.emitPR(repo, Self.node("ex-karpenter", "ip-10-0-1-11.ec2.internal", nodegroup: "karpenter-20251201120000000000000001", instanceType: "m5.large")
            + Self.idleNode("ex-karpenter", "ip-10-0-1-11.ec2.internal", instanceType: "m5.large")
            + Self.finding("ex-karpenter", "f-np", "node-consolidation", namespace: nil, kind: "NodePool", name: "default", container: nil,
                           current: ["consolidationPolicy": "WhenEmpty"], recommended: ["consolidationPolicy": "WhenEmptyOrUnderutilized"], gate: "approve"))
        XCTAssertEqual(karpenter.status, 0, karpenter.stderr)
        XCTAssertEqual(edits(try change(karpenter, "f-idle-ip-10-0-1-11.ec2.internal")), [
            "examples/karpenter/main.tf:87 2 -> 1", "examples/karpenter/main.tf:85 2 -> 1",
            "runbooks/ex-karpenter/scale-karpenter.sh:1 - -> runbooks/ex-karpenter/scale-karpenter.sh",
        ])
        XCTAssertEqual(edits(try change(karpenter, "f-np")), ["examples/karpenter/karpenter.yaml:46 WhenEmpty -> WhenEmptyOrUnderutilized"])
    }

    /// aws-ia/terraform-aws-eks-blueprints: a single-cluster pattern (its workloads deployed by an
    /// ApplicationSet whose path comes from cluster annotations) and a spoke root applied once per
    /// workspace, which is never edited without the user's mapping, and then with a note naming them.
    func testABlueprintAndARootAppliedPerWorkspace() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try repo("aws-ia-terraform-aws-eks-blueprints", in: scratch)
        let node = "ip-10-0-1-12.ec2.internal"
        let single = try F.emitPR(repo, Self.node("getting-started-gitops", node, nodegroup: "initial-20251201120000000000000001", instanceType: "m5.large")
            + Self.idleNode("getting-started-gitops", node, instanceType: "m5.large")
            + Self.finding("getting-started-gitops", "f-game", "under-provisioned-memory", namespace: "game-2048", kind: "Deployment", name: "game-2048",
                           container: "game-2048", current: ["memory": NSNull(), "memoryLimit": NSNull()],
                           recommended: ["memory": 134_217_728, "memoryLimit": 134_217_728]))
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertEqual(edits(try change(single, "f-idle-\(node)")), [
            "patterns/gitops/getting-started-argocd/main.tf:207 2 -> 1",
            "runbooks/getting-started-gitops/scale-initial.sh:1 - -> runbooks/getting-started-gitops/scale-initial.sh",
        ])
        XCTAssertEqual(edits(try change(single, "f-game")), [
            "patterns/gitops/getting-started-argocd/k8s/game-2048.yaml:30 - -> 128Mi", "patterns/gitops/getting-started-argocd/k8s/game-2048.yaml:32 - -> 128Mi",
        ])

        let spokes = "patterns/gitops/multi-cluster-hub-spoke-argocd/spokes"
        let stream = Self.node("spoke-dev", node, nodegroup: "initial-20251201120000000000000001", instanceType: "t3.medium")
            + Self.swap("spoke-dev", node, from: "t3.medium", to: "t3a.medium")
        let refused = try F.emitPR(repo, stream)
        XCTAssertEqual(refused.status, 0, refused.stderr)
        let workspaces = "one cluster per Terraform workspace (the cluster name `\"spoke-${terraform.workspace}\"` depends on the Terraform workspace); "
            + "its .tfvars files name the workspaces dev, prod, staging (\(spokes)/workspaces/dev.tfvars, \(spokes)/workspaces/prod.tfvars, \(spokes)/workspaces/staging.tfvars)"
        XCTAssertEqual(reason(try change(refused, "f-swap-\(node)")), "module.eks: eks_managed_node_groups.initial in \(spokes)/main.tf is applied to \(workspaces); "
            + "editing it changes all of them: give each cluster its own setting, or map the root with --cluster-path spoke-dev=\(spokes) to edit it anyway")

        let mapped = try F.emitPR(repo, stream, ["--cluster-path", "spoke-dev=\(spokes)"])
        XCTAssertEqual(mapped.status, 0, mapped.stderr)
        let edit = try change(mapped, "f-swap-\(node)")
        XCTAssertEqual(edits(edit), ["\(spokes)/main.tf:289 t3.medium -> t3a.medium"])
        XCTAssertTrue((edit["body"] as? String ?? "").contains("\(spokes) is applied to \(workspaces): this change applies to all of them."))
        // The scripts of the root keep their mode on every branch.
        XCTAssertTrue(try F.git(["ls-tree", "autopilot/spoke-dev/f-swap-\(node)", "\(spokes)/deploy.sh"], in: repo).hasPrefix("100755 "))
    }
}
