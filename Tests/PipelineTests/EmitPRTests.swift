import AutopilotKit
import Foundation
import XCTest

/// emit-pr over the four fixture repos (plain manifests, kustomize overlays, Helm values, Terraform): every
/// patch byte for byte against its golden file, read back as YAML, one branch per workload, and the paths
/// that must refuse: a dirty checkout, a malformed manifest, a target not in the repo.
final class EmitPRTests: XCTestCase {
    typealias F = EmitPRFixtures

    func testPlainManifestsArePatchedByteForByteAndReadBack() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        let result = try F.emitPR(repo, F.demoStream, ["--summary"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(F.demoStream), "the stream is forwarded unchanged, then the changes")
        let changes = try F.changes(result)
        let local = changes.filter { F.string($0, "state") == "local" }
        let branches = Set(local.compactMap { F.string($0, "branch") })
        XCTAssertEqual(branches, [
            "autopilot/demo/checkout/checkout-web", "autopilot/demo/checkout/redis", "autopilot/demo/data/feature-store-api",
            "autopilot/demo/payments/webhook-relay", "autopilot/demo/data/etl-transformer", "autopilot/demo/payments/fraud-scorer",
            "autopilot/demo/f-3c1842adac7ecbad",  // the NodePool
            "autopilot/demo/f-642a04ee062ac90b",  // idle Karpenter node: a runbook
            "autopilot/demo/f-d9b91c40a89cd64c", "autopilot/demo/f-854652e59dded173", "autopilot/demo/f-126cb9cd292eb217",
            "autopilot/demo/f-b22bfebc1f7ad8f1",  // four orphan volumes, none in this repo's code: runbooks
        ])
        // CPU and memory of one workload are one branch, one commit on top of main.
        let web = try XCTUnwrap(local.first { F.string($0, "branch") == "autopilot/demo/checkout/checkout-web" })
        XCTAssertEqual((web["findingIds"] as? [String])?.count, 2)
        XCTAssertEqual(web["files"] as? [String], ["apps/checkout/checkout-web.yaml"])
        XCTAssertEqual(try F.git(["rev-parse", "autopilot/demo/checkout/checkout-web"], in: repo), web["commit"] as? String)
        XCTAssertEqual(try F.git(["rev-parse", "autopilot/demo/checkout/checkout-web^"], in: repo), try F.git(["rev-parse", "main"], in: repo))
        XCTAssertTrue(web["url"] is NSNull, "no PR without --github-repo")
        let body = try XCTUnwrap(F.string(web, "body"))
        for part in ["| web CPU request | `apps/checkout/checkout-web.yaml:65` | `500m` | `345m` |", "**Monthly savings:**", "gate **auto**",
                     "### Rollback", "`apps/checkout/checkout-web.yaml:65` web CPU request: `500m`", "### Reviewer checklist", "- [ ] "] {
            XCTAssertTrue(body.contains(part), "PR body lacks \(part):\n\(body)")
        }
        XCTAssertEqual(F.string(web, "title"), "Right-size checkout/checkout-web [demo]: save $5.52/month")

        // Not patchable: the EKS add-on kube-proxy is in no manifest; the HPA's problem is not a value.
        let notPatchable = changes.filter { F.string($0, "state") == "not-patchable" }
        XCTAssertTrue(notPatchable.contains { F.string($0, "reason") == "no manifest in the repo defines DaemonSet kube-system/kube-proxy" })
        XCTAssertTrue(notPatchable.contains { (F.string($0, "reason") ?? "").hasPrefix("nothing to change in code: the HPA's bounds stay as they are; fix ScalingActive=False (AmbiguousSelector)") })

        // Once every branch is merged, the repo equals the goldens; nothing else changed but the runbooks.
        _ = try F.mergeAll(repo)
        try F.assertMatchesGoldens("manifests", repo)
        let changed = try F.changedFiles(repo)
        XCTAssertEqual(changed.filter { !$0.hasPrefix("runbooks/") }, try F.expectedFiles("manifests"))
        XCTAssertEqual(changed.filter { $0.hasPrefix("runbooks/") }.count, 5)

        // Read back: the new requests are the recommendations (rounded up, never below).
        let findings = try decodeRecords(F.demoStream.split(separator: "\n").map(String.init).filter { $0.hasPrefix(#"{"kind":"finding""#) })
        for finding in findings where (finding["detector"] as? String)?.hasPrefix("over-requested") == true {
            let target = finding["target"] as! [String: Any]
            guard let file = ["checkout-web": "apps/checkout/checkout-web.yaml", "redis": "apps/checkout/redis.yaml",
                              "feature-store-api": "apps/data/feature-store-api.yaml"][target["name"] as! String] else { continue }
            let container = try XCTUnwrap(try F.container(repo.appendingPathComponent(file), kind: target["kind"] as! String,
                                                          name: target["name"] as! String, container: target["container"] as! String))
            let recommended = finding["recommended"] as! [String: Any]
            if let cores = recommended["cpu"] as? Double, finding["detector"] as? String == "over-requested-cpu" {
                let written = try Quantity.cores(XCTUnwrap(container["resources", "requests", "cpu"]), field: "cpu")
                XCTAssertGreaterThanOrEqual(written, cores - 1e-9, file)
                XCTAssertLessThan(written, cores + 0.001, file)
            }
            if let bytes = (recommended["memory"] as? NSNumber)?.int64Value, finding["detector"] as? String == "over-requested-memory" {
                let written = try Quantity.bytes(XCTUnwrap(container["resources", "requests", "memory"]), field: "memory")
                XCTAssertGreaterThanOrEqual(written, bytes, file)
                XCTAssertLessThan(written, bytes + 1_048_576, file)
            }
        }
        let runbook = try String(contentsOf: repo.appendingPathComponent("runbooks/demo/delete-volume-pvc-a226a192-9237-5838-ab56-b18137a4319e.sh"), encoding: .utf8)
        let snapshot = try XCTUnwrap(runbook.range(of: "aws ec2 create-snapshot"))
        XCTAssertTrue(runbook.contains("VOLUME_ID='vol-0fcbd3705272a07ba'\nPV='pvc-a226a192-9237-5838-ab56-b18137a4319e'\n"), runbook)
        let delete = try XCTUnwrap(runbook.range(of: "aws ec2 delete-volume --region \"$REGION\" --volume-id \"$VOLUME_ID\""))
        XCTAssertLessThan(snapshot.lowerBound, delete.lowerBound, "snapshot first")
        XCTAssertTrue(runbook.contains("kubectl --context \"$CONTEXT\" delete pv \"$PV\""))
        XCTAssertTrue(runbook.contains("set -euo pipefail"))
    }

    func testKustomizeOverlayPatchWinsOverTheBase() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["kustomize"], in: scratch)
        let result = try F.emitPR(repo, F.demoStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let changes = try F.changes(result).filter { F.string($0, "state") == "local" && !(F.string($0, "branch") ?? "").contains("/f-") }
        XCTAssertEqual(Set(changes.compactMap { F.string($0, "branch") }),
                       ["autopilot/demo/search/search-api", "autopilot/demo/search/query-suggest", "autopilot/demo/web/frontend"])
        let suggest = try XCTUnwrap(changes.first { F.string($0, "branch") == "autopilot/demo/search/query-suggest" })
        XCTAssertEqual(suggest["files"] as? [String], ["base/search/query-suggest.yaml", "overlays/demo/query-suggest-memory.yaml"])
        let body = try XCTUnwrap(F.string(suggest, "body"))
        XCTAssertTrue(body.contains("base/search/query-suggest.yaml is a kustomize base shared by overlays/demo, overlays/staging"), body)
        XCTAssertTrue(body.contains("The overlay patch overlays/demo/query-suggest-memory.yaml sets this value"), body)
        _ = try F.mergeAll(repo)
        try F.assertMatchesGoldens("kustomize", repo)
        XCTAssertEqual(try F.changedFiles(repo).filter { !$0.hasPrefix("runbooks/") }, try F.expectedFiles("kustomize"))

        // What the cluster gets: kustomize itself renders the merged overlay with the recommended values.
        let kubectl = try MissingComponent.executable("kubectl", "make deps installs it (Debian's kubernetes-client)")
        let render = Process()
        render.executableURL = URL(fileURLWithPath: kubectl)
        render.arguments = ["kustomize", repo.appendingPathComponent("overlays/demo").path]
        let output = Pipe()
        render.standardOutput = output
        try render.run()
        let rendered = output.fileHandleForReading.readDataToEndOfFile()
        render.waitUntilExit()
        XCTAssertEqual(render.terminationStatus, 0)
        var requests: [String: String] = [:]
        try YAMLDocuments(bytes: Array(rendered)).forEachDocument { document, _ in
            guard document["kind"]?.string == "Deployment", let name = document["metadata", "name"]?.string else { return }
            for container in document["spec", "template", "spec", "containers"]?.array ?? [] {
                let values = container["resources", "requests"]
                requests[name] = "\(values?["cpu"]?.string ?? "-") \(values?["memory"]?.string ?? "-")"
            }
        }
        XCTAssertEqual(requests["search-api"], "750m 768Mi")
        XCTAssertEqual(requests["query-suggest"], "125m 544Mi")
    }

    /// An overlay that sets the value inline (`patches: - patch: |`) or with JSON 6902 operations wins over
    /// the base: editing the base would change nothing, so the change is not patchable, with where it is set.
    /// Operations on other fields do not stand in the way.
    func testInlineAndJSON6902OverlayPatchesAreNotSilentlyBypassed() throws {
        let scratch = try makeScratchDirectory(self)
        func overlayRepo(_ name: String, patches: String) throws -> URL {
            let repo = try F.makeRepo(["kustomize"], in: scratch, name: name)
            let overlay = repo.appendingPathComponent("overlays/demo")
            var text = try String(contentsOf: overlay.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
            let start = try XCTUnwrap(text.range(of: "patches:"))
            text = String(text[..<start.lowerBound]) + patches
            try text.write(to: overlay.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
            for file in ["search-api-resources.yaml", "query-suggest-memory.yaml"] {
                try FileManager.default.removeItem(at: overlay.appendingPathComponent(file))
            }
            try F.git(["commit", "--quiet", "-am", "patches inline"], in: repo)
            return repo
        }
        let findings = try decodeRecords(F.demoStream.split(separator: "\n").map(String.init).filter { $0.hasPrefix(#"{"kind":"finding""#) })
        /// The change records of the findings on Deployment search/`name`.
        func changes(_ result: ToolResult, _ name: String) throws -> [[String: Any]] {
            let ids = Set(findings.filter { $0["namespace"] as? String == "search" && ($0["target"] as? [String: Any])?["name"] as? String == name }
                .compactMap { $0["id"] as? String })
            let found = try F.changes(result).filter { !ids.isDisjoint(with: ($0["findingIds"] as? [String]) ?? []) }
            XCTAssertFalse(found.isEmpty, "no change for \(name)")
            return found
        }

        let inline = try overlayRepo("inline", patches: """
            patches:
              - target:
                  kind: Deployment
                  name: query-suggest
                patch: |-
                  - op: replace
                    path: /spec/template/spec/containers/0/image
                    value: 381492150734.dkr.ecr.us-east-1.amazonaws.com/query-suggest:1.1.1
              - patch: |-
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata:
                    name: search-api
                    namespace: search
                  spec:
                    template:
                      spec:
                        containers:
                        - name: api
                          resources:
                            requests:
                              cpu: "1500m"
                              memory: 1536Mi

            """)
        let first = try F.emitPR(inline, F.demoStream)
        XCTAssertEqual(first.status, 0, first.stderr)
        for searchAPI in try changes(first, "search-api") {
            XCTAssertEqual(F.string(searchAPI, "state"), "not-patchable", "\(searchAPI)")
            XCTAssertTrue((F.string(searchAPI, "reason") ?? "").contains("the inline patch overlays/demo/kustomization.yaml patches[1] sets this value"),
                          F.string(searchAPI, "reason") ?? "")
        }
        let suggest = try changes(first, "query-suggest")
        XCTAssertEqual(suggest.map { F.string($0, "state") }, ["local"], "an image operation does not set memory: \(suggest)")
        XCTAssertEqual(suggest.first?["files"] as? [String], ["base/search/query-suggest.yaml"])

        let operations = try overlayRepo("operations", patches: """
            patchesJson6902:
              - target:
                  group: apps
                  version: v1
                  kind: Deployment
                  name: query-.*
                  labelSelector: app.kubernetes.io/part-of=search-platform
                patch: |-
                  [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/memory", "value": "768Mi"}]

            """)
        let second = try F.emitPR(operations, F.demoStream)
        XCTAssertEqual(second.status, 0, second.stderr)
        // The memory request is the operation's; the CPU request is still the base's to change.
        let split = try changes(second, "query-suggest")
        let blocked = try XCTUnwrap(split.first { F.string($0, "state") == "not-patchable" }, "\(split)")
        XCTAssertTrue((F.string(blocked, "reason") ?? "").contains(
            "the JSON 6902 patch overlays/demo/kustomization.yaml patchesJson6902[0] sets /spec/template/spec/containers/0/resources/requests/memory"),
                      "\(blocked)")
        let cpu = try XCTUnwrap(split.first { F.string($0, "state") == "local" }, "\(split)")
        XCTAssertEqual((cpu["edits"] as? [[String: Any]])?.map { $0["field"] as? String }, ["suggest CPU request"])

        // An inline patch of the CPU alone leaves the memory to the base; an operation on another container's
        // index, or a test operation, blocks nothing.
        let partial = try overlayRepo("partial", patches: """
            patches:
              - patch: |-
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata:
                    name: search-api
                  spec:
                    template:
                      spec:
                        containers:
                        - name: api
                          resources:
                            requests:
                              cpu: "1500m"
              - target:
                  kind: Deployment
                  labelSelector: app=query-suggest,app.kubernetes.io/part-of=search-platform
                patch: |-
                  - op: replace
                    path: /spec/template/spec/containers/1/resources/requests/memory
                    value: 64Mi
                  - op: test
                    path: /spec/template/spec/containers/0/resources/requests/cpu
                    value: 250m

            """)
        let third = try F.emitPR(partial, F.demoStream)
        XCTAssertEqual(third.status, 0, third.stderr)
        let api = try changes(third, "search-api")
        let apiBlocked = api.filter { F.string($0, "state") == "not-patchable" }
        XCTAssertEqual(apiBlocked.count, 1, "\(api)")
        XCTAssertTrue((apiBlocked.first.flatMap { F.string($0, "reason") } ?? "").hasPrefix("the inline patch overlays/demo/kustomization.yaml patches[0]"),
                      "\(apiBlocked)")
        let apiMemory = try XCTUnwrap(api.first { F.string($0, "state") == "local" }, "\(api)")
        XCTAssertEqual(apiMemory["files"] as? [String], ["base/search/search-api.yaml"])
        XCTAssertEqual((apiMemory["edits"] as? [[String: Any]])?.map { $0["field"] as? String }, ["api memory request"])
        let suggestAll = try changes(third, "query-suggest")
        XCTAssertEqual(suggestAll.map { F.string($0, "state") }, ["local"], "index 1 is not suggest, a test op sets nothing: \(suggestAll)")
        XCTAssertEqual((suggestAll.first?["edits"] as? [[String: Any]])?.count, 2)
    }

    func testHelmValuesAreFoundThroughTheMapAndTheAnnotation() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["helm"], in: scratch)
        // The webserver is mapped by its workload's annotation, as the chart's values would set it.
        let stream = F.demoStream.split(separator: "\n").map { line -> String in
            guard line.hasPrefix(#"{"kind":"workload""#), line.contains(#""name":"airflow-webserver""#) else { return String(line) }
            return line.replacingOccurrences(of: #""annotations":{"#, with: #""annotations":{"autopilot.io/values":"releases/data/airflow/values.yaml#webserver.resources","#)
        }.joined(separator: "\n") + "\n"
        let result = try F.emitPR(repo, stream, ["--values-map", repo.appendingPathComponent("autopilot-values-map.yaml").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("templates/"), "chart templates are Go templates, skipped without a word: \(result.stderr)")
        let changes = try F.changes(result)
        XCTAssertEqual(Set(changes.filter { F.string($0, "state") == "local" && !(F.string($0, "branch") ?? "").contains("/f-") }.compactMap { F.string($0, "branch") }),
                       ["autopilot/demo/monitoring/grafana", "autopilot/demo/data/airflow-scheduler", "autopilot/demo/data/airflow-webserver"])
        XCTAssertTrue(changes.contains {
            F.string($0, "reason") == "Deployment monitoring/kube-state-metrics is rendered by Helm (chart kube-state-metrics-5.27.0); map it to its values key with --values-map or the autopilot.io/values annotation"
        })
        _ = try F.mergeAll(repo)
        try F.assertMatchesGoldens("helm", repo)
        XCTAssertEqual(try F.changedFiles(repo).filter { !$0.hasPrefix("runbooks/") }, try F.expectedFiles("helm"))
    }

    /// Two workloads (and, by finding, four findings) share one values file: each branch starts from the
    /// base and carries only its own edit (emit-pr once planned a group on the previous group's commit, so
    /// later branches carried earlier ones, an approve-gated cut among them). An edited file keeps its mode.
    func testEachBranchCarriesOnlyItsOwnEditsAndFilesKeepTheirMode() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["helm"], in: scratch)
        let values = "releases/data/airflow/values.yaml"
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: repo.appendingPathComponent(values).path)
        try F.git(["commit", "--quiet", "-am", "values are executable upstream"], in: repo)
        let result = try F.emitPR(repo, F.demoStream, ["--group-by", "finding", "--values-map", repo.appendingPathComponent("autopilot-values-map.yaml").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let airflow = try F.changes(result).filter { ($0["files"] as? [String]) == [values] }
        XCTAssertEqual(airflow.count, 2, "scheduler CPU and memory, a branch each")
        for change in airflow {
            let branch = try XCTUnwrap(F.string(change, "branch"))
            XCTAssertEqual((change["edits"] as? [Any])?.count, 1, branch)
            XCTAssertTrue(try F.git(["ls-tree", branch, values], in: repo).hasPrefix("100755 "), "\(branch) changed the file's mode")
        }
    }

    /// An Argo CD Application renders a chart with a values file of the repo: the workload (tracked by its
    /// `app.kubernetes.io/instance` label) is edited there, no map needed. Values written as helm.values
    /// text are refused, saying so.
    func testAnArgoCDApplicationsValuesFileIsEditedWithoutAMap() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = scratch.appendingPathComponent("gitops")
        func write(_ path: String, _ text: String) throws {
            let url = repo.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        func application(_ name: String, helm: String) -> String {
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: \(name)
              namespace: argocd
            spec:
              destination:
                name: prod
                namespace: monitoring
              source:
                repoURL: https://github.com/acme/gitops.git
                path: charts/\(name)
                helm:
            \(helm)

            """
        }
        try write("argocd/grafana.yaml", application("grafana", helm: "      valueFiles:\n        - values-prod.yaml"))
        try write("argocd/loki.yaml", application("loki", helm: "      values: |\n        resources:\n          requests:\n            cpu: 1"))
        try write("charts/grafana/Chart.yaml", "apiVersion: v2\nname: grafana\nversion: 1.0.0\n")
        try write("charts/grafana/values-prod.yaml", "replicas: 2\nresources:\n  requests:\n    cpu: 500m  # sized for the launch\n")
        try write("charts/loki/Chart.yaml", "apiVersion: v2\nname: loki\nversion: 1.0.0\n")
        try F.git(["init", "--quiet", "--initial-branch=main"], in: repo)
        try F.git(["add", "-A"], in: repo)
        try F.git(["commit", "--quiet", "-m", "apps"], in: repo)
        typealias U = EmitPRUpstreamTests
        func workload(_ name: String) -> String {
            U.line(["kind": "workload", "cluster": "prod", "namespace": "monitoring", "name": name, "workloadKind": "Deployment",
                    "replicas": ["desired": 2, "ready": 2], "containers": [["name": name, "image": "\(name):1", "requests": ["cpu": 0.5, "memory": NSNull()],
                                                                            "limits": ["cpu": NSNull(), "memory": NSNull()]]],
                    "initContainers": [Any](), "podLabels": ["app": name], "selector": ["matchLabels": ["app": name]],
                    "labels": ["app.kubernetes.io/instance": name, "helm.sh/chart": "\(name)-1.0.0"], "annotations": [String: String](),
                    "team": "platform", "schedule": NSNull(), "suspended": NSNull(), "pods": 2, "rollout": NSNull(), "createdAt": "2026-10-20T00:52:00Z"])
        }
        let stream = workload("grafana") + workload("loki")
            + U.finding("prod", "f-grafana", "over-requested-cpu", namespace: "monitoring", kind: "Deployment", name: "grafana", container: "grafana",
                        current: ["cpu": 0.5], recommended: ["cpu": 0.25])
            + U.finding("prod", "f-loki", "over-requested-cpu", namespace: "monitoring", kind: "Deployment", name: "loki", container: "loki",
                        current: ["cpu": 1.0], recommended: ["cpu": 0.5])
        let result = try F.emitPR(repo, stream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let grafana = try XCTUnwrap(try F.changes(result).first { ($0["findingIds"] as? [String]) == ["f-grafana"] })
        XCTAssertEqual(grafana["files"] as? [String], ["charts/grafana/values-prod.yaml"])
        XCTAssertEqual(try F.git(["show", "autopilot/prod/monitoring/grafana:charts/grafana/values-prod.yaml"], in: repo),
                       "replicas: 2\nresources:\n  requests:\n    cpu: 250m  # sized for the launch")
        XCTAssertTrue((grafana["body"] as? String ?? "").contains(
            "Rendered by Helm from Application argocd/grafana (argocd/grafana.yaml): the value is in its values file charts/grafana/values-prod.yaml at `resources`."))
        let loki = try XCTUnwrap(try F.changes(result).first { ($0["findingIds"] as? [String]) == ["f-loki"] })
        XCTAssertEqual(F.string(loki, "reason"), "Deployment monitoring/loki is rendered by Application argocd/loki (argocd/loki.yaml), whose values set no "
            + "`resources` or `loki.resources` emit-pr can edit (argocd/loki.yaml sets values in helm.values, a block of text emit-pr does not "
            + "edit (valuesObject or a values file can be edited)); map the container with --values-map (file: argocd/loki.yaml, path: spec.source.helm.valuesObject.resources)")
    }

    func testTerraformNodeGroupsAndVolumesInBothStyles() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["terraform"], in: scratch)
        // A finding for the demo's `memory` node group (aws_eks_node_group), built on the real node record.
        let swap = #"{"kind":"finding","cluster":"demo","id":"f-memory-swap","detector":"node-consolidation","severity":"info","namespace":null,"target":{"kind":"Node","name":"ip-10-0-20-117.ec2.internal","container":null},"team":"platform","summary":"Replace r6i.2xlarge with r6a.2xlarge","current":{"instanceType":"r6i.2xlarge","capacityType":"on-demand"},"recommended":{"instanceType":"r6a.2xlarge","capacityType":"on-demand"},"monthlyCost":{"current":367.92,"recommended":331.13},"monthlySavings":36.79,"confidence":0.8,"basis":{},"risk":{"overall":0.4,"level":"medium","gate":"approve","reasons":["replaces a node"]}}"#
        let demo = try F.emitPR(repo, F.demoStream + swap + "\n")
        XCTAssertEqual(demo.status, 0, demo.stderr)
        let staging = try F.emitPR(repo, F.stagingStream)
        XCTAssertEqual(staging.status, 0, staging.stderr)
        let changes = try F.changes(demo) + F.changes(staging)
        let swapChange = try XCTUnwrap(changes.first { ($0["findingIds"] as? [String]) == ["f-memory-swap"] })
        XCTAssertEqual(swapChange["files"] as? [String], ["clusters/demo/node-groups.tf"])
        let idle = try XCTUnwrap(changes.first { F.string($0, "branch")?.hasPrefix("autopilot/staging/f-") == true && ($0["files"] as? [String])?.contains("clusters/staging/eks.tf") == true })
        XCTAssertEqual(idle["files"] as? [String], ["clusters/staging/eks.tf", "runbooks/staging/scale-general.sh"],
                       "the module ignores desired_size after creation: the code keeps the intent, the runbook scales")
        let volume = try XCTUnwrap(changes.first { ($0["files"] as? [String]) == ["clusters/demo/volumes.tf"] })
        XCTAssertTrue((F.string(volume, "body") ?? "").contains("aws ec2 create-snapshot --volume-id 'vol-0c8acfb1f903d4e61'"))
        XCTAssertTrue(changes.contains { (F.string($0, "reason") ?? "").hasPrefix("Karpenter (NodePool default) chooses ip-10-0-39-24.ec2.internal's instance type") })
        _ = try F.mergeAll(repo)
        try F.assertMatchesGoldens("terraform", repo)
        XCTAssertEqual(try F.changedFiles(repo).filter { !$0.hasPrefix("runbooks/") }, try F.expectedFiles("terraform"))
        let script = try String(contentsOf: repo.appendingPathComponent("runbooks/staging/scale-general.sh"), encoding: .utf8)
        XCTAssertTrue(script.contains("NODEGROUP='general'\n"), script)
        XCTAssertTrue(script.contains("--nodegroup-name \"$NODEGROUP\""))
        XCTAssertTrue(script.contains("--scaling-config desiredSize=2,maxSize=5"), script)
        let mode = try FileManager.default.attributesOfItem(atPath: repo.appendingPathComponent("runbooks/staging/scale-general.sh").path)[.posixPermissions] as? Int
        XCTAssertEqual(mode.map { $0 & 0o111 != 0 }, true, "runbooks are executable")
    }

    // MARK: GitHub

    func testPullRequestsAreOpenedOnceThenUpdatedAndAMergedOneIsLeftAlone() throws {
        let scratch = try makeScratchDirectory(self)
        let (repo, remote) = try F.makeRepoWithRemote(["manifests"], in: scratch)
        try F.git(["push", "--quiet", "origin", "main"], in: repo)
        let github = try FakeGitHub(scratch: scratch, token: "ghp-test-token", extraArguments: ["--rate-limit-once"])
        defer { github.stop() }
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_TOKEN"] = "ghp-test-token"
        let arguments = ["--github-repo", "acme/infra", "--api-url", github.baseURL, "--base", "main", "--only-auto"]

        let first = try F.emitPR(repo, F.demoStream, arguments, environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        let opened = try F.changes(first).filter { F.string($0, "branch") != nil }
        XCTAssertEqual(opened.count, 5, "auto-gated groups with code in this repo")
        let requests = try github.requests()
        XCTAssertEqual(requests.first?["status"] as? Int, 403, "the first call met the rate limit, waited Retry-After and went on")
        let creates = requests.filter { $0["method"] as? String == "POST" && $0["path"] as? String == "/repos/acme/infra/pulls" && $0["status"] as? Int == 201 }
        XCTAssertEqual(creates.count, 5)
        for request in requests {
            let headers = request["headers"] as? [String: String] ?? [:]
            XCTAssertEqual(headers["authorization"], "Bearer ghp-test-token")
            XCTAssertEqual(headers["accept"], "application/vnd.github+json")
            XCTAssertEqual(headers["x-github-api-version"], "2022-11-28")
            XCTAssertNotNil(headers["user-agent"])
        }
        for create in creates {
            let json = try XCTUnwrap(create["json"] as? [String: Any])
            XCTAssertEqual(json["base"] as? String, "main")
            XCTAssertEqual(json["draft"] as? Bool, false, "auto-gated: ready for review")
            let branch = try XCTUnwrap(json["head"] as? String)
            let change = try XCTUnwrap(opened.first { F.string($0, "branch") == branch })
            XCTAssertEqual(json["title"] as? String, F.string(change, "title"))
            XCTAssertEqual(json["body"] as? String, F.string(change, "body"))
            // Pushed to the checkout's remote, at the recorded commit.
            XCTAssertEqual(try F.git(["rev-parse", "refs/heads/" + branch], in: remote), F.string(change, "commit"))
            XCTAssertEqual(F.string(change, "state"), "open")
            XCTAssertTrue((F.string(change, "url") ?? "").hasPrefix("https://github.example/acme/infra/pull/"))
        }
        let labels = requests.filter { ($0["path"] as? String)?.hasSuffix("/labels") == true }
        XCTAssertEqual(labels.count, 5)
        XCTAssertEqual((labels.first?["json"] as? [String: Any])?["labels"] as? [String], ["autopilot", "cost-optimization", "risk:low", "gate:auto"])

        // The same findings again: the same branches and commits, the PRs updated, none opened.
        let second = try F.emitPR(repo, F.demoStream, arguments, environment: environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try F.changes(second).filter { F.string($0, "branch") != nil }.map { F.string($0, "commit") }, opened.map { F.string($0, "commit") })
        let again = try github.requests().dropFirst(requests.count)
        XCTAssertFalse(again.contains { $0["method"] as? String == "POST" && $0["path"] as? String == "/repos/acme/infra/pulls" })
        XCTAssertEqual(again.filter { $0["method"] as? String == "PATCH" }.count, 5)
        XCTAssertEqual(try github.pulls().count, 5)

        // A merged PR is reported as merged, and its branch is not pushed again.
        let merged = try XCTUnwrap(opened.first { F.string($0, "branch") == "autopilot/demo/checkout/checkout-web" })
        try github.merge(try XCTUnwrap(merged["pr"] as? Int))
        let third = try F.emitPR(repo, F.demoStream, arguments, environment: environment)
        XCTAssertEqual(third.status, 0, third.stderr)
        let afterMerge = try XCTUnwrap(try F.changes(third).first { F.string($0, "branch") == "autopilot/demo/checkout/checkout-web" })
        XCTAssertEqual(F.string(afterMerge, "state"), "merged")
        XCTAssertEqual(try github.pulls().count, 5)

        // Without --only-auto the approve-gated groups open too, as drafts: a person approves them first.
        let all = try F.emitPR(repo, F.demoStream, Array(arguments.dropLast()), environment: environment)
        XCTAssertEqual(all.status, 0, all.stderr)
        let drafts = try github.pulls().filter { $0["draft"] as? Bool == true }
        XCTAssertEqual(Set(drafts.compactMap { ($0["head"] as? [String: Any])?["ref"] as? String }),
                       ["autopilot/demo/checkout/redis", "autopilot/demo/f-3c1842adac7ecbad", "autopilot/demo/f-642a04ee062ac90b",
                        "autopilot/demo/f-d9b91c40a89cd64c", "autopilot/demo/f-854652e59dded173", "autopilot/demo/f-126cb9cd292eb217",
                        "autopilot/demo/f-b22bfebc1f7ad8f1"])
        XCTAssertTrue(try F.changes(all).filter { F.string($0, "state") == "draft" }.allSatisfy { $0["draft"] as? Bool == true })
    }

    /// GitHub created the PR but its answer was lost (502): the retried POST meets 422 "already exists",
    /// and emit-pr takes that open PR as its own instead of failing the branch.
    func testALostCreateAnswerIsRecoveredFromTheRetrysAlreadyExists() throws {
        let scratch = try makeScratchDirectory(self)
        let (repo, _) = try F.makeRepoWithRemote(["manifests"], in: scratch)
        let github = try FakeGitHub(scratch: scratch, token: "ghp-test-token", extraArguments: ["--lose-first-create"])
        defer { github.stop() }
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_TOKEN"] = "ghp-test-token"
        let result = try F.emitPR(repo, F.demoStream, ["--github-repo", "acme/infra", "--api-url", github.baseURL, "--base", "main", "--only-auto"],
                                  environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let creates = try github.requests().filter { $0["method"] as? String == "POST" && $0["path"] as? String == "/repos/acme/infra/pulls" }
        XCTAssertEqual(creates.prefix(2).map { $0["status"] as? Int }, [502, 422], "the lost answer, then the retry's refusal")
        let pulls = try github.pulls()
        XCTAssertEqual(pulls.count, 5, "one PR per branch, none twice")
        let changes = try F.changes(result).filter { F.string($0, "branch") != nil }
        XCTAssertEqual(changes.count, 5)
        for change in changes {
            XCTAssertEqual(F.string(change, "state"), "open", "\(change)")
            let pull = try XCTUnwrap(pulls.first { ($0["head"] as? [String: Any])?["ref"] as? String == F.string(change, "branch") })
            XCTAssertEqual(change["pr"] as? Int, pull["number"] as? Int)
            XCTAssertTrue(((pull["labels"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "gate:auto" }, "labelled too")
        }
    }

    func testGitHubDownLeavesTheBranchesAndSays69() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_TOKEN"] = "ghp-test-token"
        // A port held by the test where nothing listens.
        let down = try RefusingPort(self).port
        let result = try F.emitPR(repo, F.demoStream, ["--github-repo", "acme/infra", "--api-url", "http://127.0.0.1:\(down)", "--base", "main", "--only-auto"],
                                  environment: environment)
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertTrue(result.errorLines.allSatisfy { $0.hasPrefix("emit-pr: ") }, result.stderr)
        let changes = try F.changes(result).filter { F.string($0, "branch") != nil }
        XCTAssertEqual(changes.count, 5)
        for change in changes {
            XCTAssertEqual(F.string(change, "state"), "local")
            XCTAssertTrue((F.string(change, "reason") ?? "").contains("GitHub API unreachable"), F.string(change, "reason") ?? "")
            XCTAssertNoThrow(try F.git(["rev-parse", "--verify", F.string(change, "branch")!], in: repo), "the branch is kept")
        }
    }

    // MARK: Refusals

    func testUncommittedChangesAreRefusedAndTheUsersCheckoutIsLeftAlone() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        try F.git(["checkout", "--quiet", "-b", "feature/tweak"], in: repo)
        let edited = repo.appendingPathComponent("apps/checkout/checkout-web.yaml")
        var text = try String(contentsOf: edited, encoding: .utf8)
        text += "# work in progress\n"
        try text.write(to: edited, atomically: true, encoding: .utf8)
        try "scratch notes\n".write(to: repo.appendingPathComponent("NOTES.txt"), atomically: true, encoding: .utf8)
        let statusBefore = try F.git(["status", "--porcelain"], in: repo)
        let headBefore = try F.git(["rev-parse", "HEAD"], in: repo)

        let result = try F.emitPR(repo, F.demoStream)
        XCTAssertEqual(result.status, 65, "the refused finding sets the exit status")
        let refusal = result.errorLines.filter { $0.contains("refused") }
        XCTAssertEqual(refusal.count, 1, result.stderr)
        XCTAssertTrue(refusal[0].hasPrefix("emit-pr: apps/checkout/checkout-web.yaml: error: f-"), refusal[0])
        XCTAssertTrue(refusal[0].hasSuffix("has uncommitted changes in \(try F.git(["rev-parse", "--show-toplevel"], in: repo)); commit or stash them, then rerun"), refusal[0])
        let changes = try F.changes(result)
        XCTAssertEqual(changes.filter { F.string($0, "state") == "refused" }.count, 1)
        XCTAssertTrue(changes.contains { F.string($0, "branch") == "autopilot/demo/checkout/redis" && F.string($0, "state") == "local" }, "the others go on")
        // The user's branch, HEAD, working tree and untracked file are exactly as they were; no worktree is left.
        XCTAssertEqual(try F.git(["symbolic-ref", "--short", "HEAD"], in: repo), "feature/tweak")
        XCTAssertEqual(try F.git(["rev-parse", "HEAD"], in: repo), headBefore)
        XCTAssertEqual(try F.git(["status", "--porcelain"], in: repo), statusBefore)
        XCTAssertEqual(try String(contentsOf: edited, encoding: .utf8), text)
        XCTAssertEqual(try F.git(["worktree", "list", "--porcelain"], in: repo).components(separatedBy: "worktree ").count - 1, 1)
        XCTAssertThrowsError(try F.git(["rev-parse", "--verify", "autopilot/demo/checkout/checkout-web"], in: repo))
    }

    func testABranchSomeoneCommittedToIsLeftAlone() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        XCTAssertEqual(try F.emitPR(repo, F.demoStream).status, 0)
        // A reviewer pushes a fix-up onto the branch; then main moves on, so emit-pr would rebuild the branch.
        try F.git(["checkout", "--quiet", "autopilot/demo/checkout/checkout-web"], in: repo)
        try "reviewed\n".write(to: repo.appendingPathComponent("REVIEW.md"), atomically: true, encoding: .utf8)
        try F.git(["add", "REVIEW.md"], in: repo)
        try F.git(["commit", "--quiet", "-m", "review notes"], in: repo)
        let theirs = try F.git(["rev-parse", "HEAD"], in: repo)
        try F.git(["checkout", "--quiet", "main"], in: repo)
        try "ops\n".write(to: repo.appendingPathComponent("OWNERS"), atomically: true, encoding: .utf8)
        try F.git(["add", "OWNERS"], in: repo)
        try F.git(["commit", "--quiet", "-m", "owners"], in: repo)

        let result = try F.emitPR(repo, F.demoStream)
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.errorLines.contains { $0.contains("refused: branch autopilot/demo/checkout/checkout-web has commits by someone else") }, result.stderr)
        XCTAssertEqual(try F.git(["rev-parse", "autopilot/demo/checkout/checkout-web"], in: repo), theirs, "their commit is still there")
        let redis = try XCTUnwrap(try F.changes(result).first { F.string($0, "branch") == "autopilot/demo/checkout/redis" })
        XCTAssertEqual(try F.git(["rev-parse", "autopilot/demo/checkout/redis^"], in: repo), try F.git(["rev-parse", "main"], in: repo),
                       "our own branches are rebuilt on the new main")
        XCTAssertEqual(F.string(redis, "state"), "local")
    }

    /// Without GitHub a merge is seen in git: the next run reports the merged branch's findings as merged
    /// (a fast-forward too, and also a run with nothing to patch), a branch not merged stays a local branch, a
    /// merge reverted is no longer reported, and a finding still reported whose values main already sets
    /// (merged, not deployed yet) is not patchable, not an empty commit.
    func testABranchMergedInGitIsReportedMerged() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        let first = try F.emitPR(repo, F.demoStream)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse(try F.changes(first).contains { F.string($0, "state") == "merged" }, "nothing is merged yet")
        let web = try XCTUnwrap(try F.changes(first).first { F.string($0, "branch") == "autopilot/demo/checkout/checkout-web" })
        let webIds = try XCTUnwrap(web["findingIds"] as? [String])
        try F.git(["merge", "--quiet", "--ff-only", "autopilot/demo/checkout/checkout-web"], in: repo)
        XCTAssertEqual(try F.git(["rev-parse", "main"], in: repo), F.string(web, "commit"), "main is the branch's tip")

        let second = try F.emitPR(repo, F.demoStream, ["--summary"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let changes = try F.changes(second)
        let merged = changes.filter { F.string($0, "state") == "merged" }
        XCTAssertEqual(merged.map { $0["findingIds"] as? [String] ?? [] }, [webIds])
        XCTAssertEqual(merged.first.flatMap { F.string($0, "branch") }, "autopilot/demo/checkout/checkout-web")
        XCTAssertEqual(merged.first.flatMap { F.string($0, "commit") }, F.string(web, "commit"))
        let waiting = try XCTUnwrap(changes.first { ($0["findingIds"] as? [String]) == webIds && F.string($0, "state") != "merged" })
        XCTAssertEqual(F.string(waiting, "state"), "not-patchable")
        XCTAssertEqual(F.string(waiting, "reason"), "the base already sets these values (merged, not deployed yet?)")
        XCTAssertTrue(changes.contains { F.string($0, "branch") == "autopilot/demo/checkout/redis" && F.string($0, "state") == "local" })
        XCTAssertTrue(second.stderr.contains(", 1 merged"), second.stderr)

        // Deployed, and the file edited since elsewhere: the run no longer reports any finding, and still
        // says the branch was merged (the base holds its edits).
        let manifest = repo.appendingPathComponent("apps/checkout/checkout-web.yaml")
        try (String(contentsOf: manifest, encoding: .utf8) + "# owned by checkout\n").write(to: manifest, atomically: true, encoding: .utf8)
        try F.git(["commit", "--quiet", "-am", "owner comment"], in: repo)
        let quiet = F.demoStream.split(separator: "\n").filter { !$0.hasPrefix(#"{"kind":"finding""#) }.joined(separator: "\n") + "\n"
        let third = try F.emitPR(repo, quiet)
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(try F.changes(third).map { F.string($0, "state") }, ["merged"])
        // redis merged, then reverted before any run saw it: main no longer holds it, so it is no merge.
        try F.git(["merge", "--quiet", "--no-ff", "-m", "Merge redis", "autopilot/demo/checkout/redis"], in: repo)
        XCTAssertEqual(try F.changes(try F.emitPR(repo, quiet)).count, 2)
        try F.git(["revert", "--no-edit", "-m", "1", "HEAD"], in: repo)
        XCTAssertEqual(try F.changes(try F.emitPR(repo, quiet)).compactMap { F.string($0, "branch") }, ["autopilot/demo/checkout/checkout-web"])
        // A branch someone else made and merged is not Autopilot's: not reported.
        try F.git(["checkout", "--quiet", "-b", "autopilot/demo/hand-made"], in: repo)
        try "x\n".write(to: repo.appendingPathComponent("NOTE.md"), atomically: true, encoding: .utf8)
        try F.git(["add", "NOTE.md"], in: repo)
        try F.git(["commit", "--quiet", "-m", "note\n\nAutopilot-Findings: f-0000000000000000"], in: repo)
        try F.git(["checkout", "--quiet", "main"], in: repo)
        try F.git(["merge", "--quiet", "--no-ff", "-m", "Merge hand-made", "autopilot/demo/hand-made"], in: repo)
        XCTAssertEqual(try F.changes(try F.emitPR(repo, quiet)).count, 1)
    }

    func testAMalformedManifestAndATargetNotInTheRepo() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests"], in: scratch)
        let broken = repo.appendingPathComponent("apps/checkout/redis.yaml")
        let text = try String(contentsOf: broken, encoding: .utf8).replacingOccurrences(of: "  serviceName: redis", with: "  serviceName: [redis")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        try F.git(["commit", "--quiet", "-am", "typo"], in: repo)
        let result = try F.emitPR(repo, F.demoStream)
        XCTAssertEqual(result.status, 65, result.stderr)
        let warning = try XCTUnwrap(result.errorLines.first { $0.contains("redis.yaml") && $0.contains("warning") }, result.stderr)
        XCTAssertTrue(warning.hasPrefix("emit-pr: apps/checkout/redis.yaml:"), warning)
        XCTAssertTrue(warning.contains("cannot parse"), warning)
        let changes = try F.changes(result)
        let redis = changes.filter { F.string($0, "state") == "not-patchable" && (F.string($0, "reason") ?? "").contains("checkout/redis") }
        XCTAssertEqual(redis.count, 2, "both redis findings")
        XCTAssertTrue(redis.allSatisfy { F.string($0, "reason") == "no manifest in the repo defines StatefulSet checkout/redis (apps/checkout/redis.yaml could not be read and may define it)" })
        XCTAssertTrue(result.errorLines.contains { $0.contains("error:") && $0.contains("checkout/redis") }, "an unreadable file may hide a target: an input error")
        XCTAssertTrue(changes.contains { F.string($0, "branch") == "autopilot/demo/checkout/checkout-web" && F.string($0, "state") == "local" })
    }

    /// What emit-pr appends flows on: the ledger links each patched finding to its local branch and counts
    /// none of them implemented (nothing was pushed, let alone merged).
    func testChangesFlowIntoTheLedger() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try F.makeRepo(["manifests", "kustomize", "helm", "terraform"], in: scratch, asFolders: true)
        let result = try F.emitPR(repo, F.demoStream, ["--github-repo", "acme/infra"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let changes = try F.changes(result)
        let local = changes.filter { F.string($0, "state") == "local" }
        XCTAssertTrue(local.allSatisfy { (F.string($0, "reason") ?? "").hasPrefix("no GITHUB_TOKEN in the environment") })
        let patched = Set(local.flatMap { $0["findingIds"] as! [String] })
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        let autoGated = Set(findings.filter { ($0["risk"] as? [String: Any])?["gate"] as? String == "auto" }.compactMap { $0["id"] as? String })
        let db = scratch.appendingPathComponent("ledger.db")
        let ledger = try Tool.run("ledger", ["record", "--db", db.path, "--now", F.now], stdin: result.stdout)
        XCTAssertEqual(ledger.status, 0, ledger.stderr)
        let entries = try decodeRecords(ledger.lines.filter { $0.hasPrefix(#"{"kind":"ledger""#) })
        // Nothing is implemented: auto-gated findings are approved with their branch ready, approve-gated ones
        // keep their branch and wait for a person.
        XCTAssertEqual(entries.filter { $0["status"] as? String == "implemented" }.count, 0)
        for entry in entries where patched.contains(entry["id"] as? String ?? "") {
            let id = entry["id"] as? String ?? ""
            XCTAssertEqual(entry["status"] as? String, autoGated.contains(id) ? "approved" : "detected", id)
            let change = entry["change"] as? [String: Any]
            XCTAssertEqual(change?["state"] as? String, "local", id)
            XCTAssertNotNil(change?["branch"] as? String, id)
        }
        XCTAssertFalse(patched.subtracting(autoGated).isEmpty)
        XCTAssertFalse(patched.intersection(autoGated).isEmpty)
    }
}
