import AutopilotKit
import Foundation
import XCTest

/// What ships for running Autopilot: the Kubernetes manifests (valid against Kubernetes' own schemas, offline;
/// a ClusterRole of exactly what collect-cluster lists; commands and flags the tools have), the systemd
/// units, and the example site configs.
final class DeployFilesTests: XCTestCase {
    private let kubernetes = repositoryRoot.appendingPathComponent("deploy/kubernetes")

    private func sh(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        try PrometheusServer.run("/bin/sh", ["-c", script, "sh"] + arguments)
    }

    private func manifests() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: kubernetes.path).filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
            .sorted().map { kubernetes.appendingPathComponent($0) }
    }

    /// Every document of every manifest, as JSON.
    private func documents() throws -> [JSON] {
        var all: [JSON] = []
        for file in try manifests() {
            try YAMLDocuments(bytes: try FileIO.readAll(file.path)).forEachDocument { document, _ in all.append(document) }
        }
        return all
    }

    func testManifestsValidateAgainstTheKubernetesSchemasOffline() throws {
        let validator = try MissingComponent.executable("kubernetes-validate", "make deps installs it (pip install kubernetes-validate)")
        _ = try MissingComponent.executable("kubectl", "make deps installs it")
        for file in try manifests() {
            let result = try sh("\"$1\" --strict --quiet -k 1.32.0 \"$2\"", [validator, file.path])
            XCTAssertEqual(result.status, 0, "\(file.lastPathComponent): \(result.output)")
        }
        // What `kubectl apply -k deploy/kubernetes` applies: built by kustomize, valid as a whole.
        let scratch = try makeScratchDirectory(self)
        let built = scratch.appendingPathComponent("built.yaml")
        let build = try sh("kubectl kustomize \"$1\" > \"$2\"", [kubernetes.path, built.path])
        XCTAssertEqual(build.status, 0, build.output)
        let result = try sh("\"$1\" --strict --quiet -k 1.32.0 \"$2\"", [validator, built.path])
        XCTAssertEqual(result.status, 0, result.output)
        let kinds = try String(contentsOf: built, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("kind: ") }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(Set(kinds), ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
                                    "PersistentVolumeClaim", "CronJob", "Deployment", "Service"])
        // A strict validator is one that refuses: a misspelt field in a copy is an error.
        let broken = scratch.appendingPathComponent("broken.yaml")
        try String(contentsOf: kubernetes.appendingPathComponent("pvc.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "accessModes:", with: "accessMode:").write(to: broken, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try sh("\"$1\" --strict --quiet -k 1.32.0 \"$2\"", [validator, broken.path]).status, 0)
    }

    func testTheClusterRoleGrantsListOnExactlyWhatCollectClusterReads() throws {
        let role = try XCTUnwrap(try documents().first { $0["kind"]?.string == "ClusterRole" })
        var granted: Set<String> = []
        for rule in role["rules"]?.array ?? [] {
            XCTAssertEqual(rule["verbs"]?.array.compactMap(\.string), ["list"], "list only: no get, watch or writes")
            for group in rule["apiGroups"]?.array.compactMap(\.string) ?? [] {
                for resource in rule["resources"]?.array.compactMap(\.string) ?? [] {
                    granted.insert(group.isEmpty ? resource : "\(resource).\(group)")
                }
            }
        }
        XCTAssertEqual(granted, Set(Kubectl.resources.map(\.name)))
        XCTAssertFalse(granted.contains("secrets") || granted.contains("configmaps"))
        let binding = try XCTUnwrap(try documents().first { $0["kind"]?.string == "ClusterRoleBinding" })
        XCTAssertEqual(binding["roleRef"]?["name"]?.string, role["metadata"]?["name"]?.string)
        XCTAssertEqual(binding["subjects"]?.array.first?["name"]?.string, "autopilot")
    }

    func testWorkloadsRunTheToolsWithFlagsTheyHaveAndTheConfigMapIsAValidSiteConfig() throws {
        for document in try documents() where ["CronJob", "Deployment"].contains(document["kind"]?.string ?? "") {
            let pod = document["kind"]?.string == "CronJob" ? document["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"] : document["spec"]?["template"]?["spec"]
            for container in pod?["containers"]?.array ?? [] {
                let command = container["command"]?.array.compactMap(\.string) ?? []
                let tool = try XCTUnwrap(command.first)
                let help = try Tool.run(tool, ["--help"])
                XCTAssertEqual(help.status, 0, "\(tool) is a tool")
                let flags = (command.dropFirst() + (container["args"]?.array.compactMap(\.string) ?? [])).filter { $0.hasPrefix("--") }
                for flag in flags {
                    let name = String(flag.prefix { $0 != "=" })
                    XCTAssertTrue(help.stdout.contains(name + " ") || help.stdout.contains(name + "\n"), "\(tool) has no \(name)")
                }
                XCTAssertEqual(container["securityContext"]?["readOnlyRootFilesystem"]?.bool, true, tool)
                XCTAssertEqual(container["securityContext"]?["allowPrivilegeEscalation"]?.bool, false, tool)
            }
            XCTAssertEqual(pod?["securityContext"]?["runAsNonRoot"]?.bool, true)
        }
        let configMap = try XCTUnwrap(try documents().first { $0["kind"]?.string == "ConfigMap" })
        let site = try XCTUnwrap(configMap["data"]?["autopilot.yaml"]?.string)
        let config = try SiteConfig.parse(Array(site.utf8), path: "/etc/autopilot/autopilot.yaml")
        XCTAssertTrue(config.clusters.allSatisfy(\.inCluster), "the CronJob runs with its service account")
        XCTAssertEqual(config.output, "/var/lib/autopilot", "the PVC's mount")
    }

    func testExampleConfigsAreValidAndGiveTheirPipelines() throws {
        let examples = repositoryRoot.appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files, ["amp-flux.yaml", "kube-prometheus-stack-argocd.yaml", "terraform-karpenter.yaml"])
        for file in files {
            let result = try Tool.run("autopilot-run", ["--config", examples.appendingPathComponent(file).path, "--dry-run"])
            XCTAssertEqual(result.status, 0, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("collect-cluster --cluster "), file)
            XCTAssertTrue(result.stdout.contains("render-report --out "), file)
        }
    }

    func testSystemdUnitsVerify() throws {
        let analyze = try MissingComponent.executable("systemd-analyze", "systemd's own tool; on Debian it comes with systemd")
        let scratch = try makeScratchDirectory(self)
        let units = repositoryRoot.appendingPathComponent("deploy/systemd")
        var copies: [String] = []
        for unit in try FileManager.default.contentsOfDirectory(atPath: units.path).sorted() {
            // The units name the installed tools; verify checks that the programs exist, so point them at the build.
            let text = try String(contentsOf: units.appendingPathComponent(unit), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/", with: Tool.binDirectory.path + "/")
            let copy = scratch.appendingPathComponent(unit)
            try text.write(to: copy, atomically: true, encoding: .utf8)
            copies.append(copy.path)
        }
        XCTAssertEqual(copies.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["autopilot-receive-alerts.service", "autopilot-slack-approvals.service", "autopilot-weekly.service", "autopilot-weekly.timer"])
        let verify = try sh("dir=$1 bin=$2; shift 2; cd \"$dir\" && \"$bin\" verify --man=no \"$@\" 2>&1", [scratch.path, analyze] + copies)
        let problems = verify.output.split(separator: "\n").filter { !$0.contains("Failed to connect to bus") && !$0.contains("System has not been booted") }
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(problems.isEmpty, problems.joined(separator: "\n"))
    }

    /// make deps installs Prometheus, Alertmanager, node_exporter and PostgreSQL for the tests, which start
    /// their own on 127.0.0.1: none of the packages' services may be left enabled (pipelines/install-packages.sh).
    /// On a workstation an enabled one may be the owner's choice, so only CI fails on it.
    func testNoServiceOfTheTestStackIsLeftEnabled() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemctl") || FileManager.default.isExecutableFile(atPath: "/bin/systemctl") else {
            throw XCTSkip("no systemctl: nothing can be enabled")
        }
        let units = try sh("systemctl list-unit-files --no-legend 'prometheus*' 'postgresql*' | awk '$2 == \"enabled\" {print $1}'")
        let enabled = units.output.split(separator: "\n").map(String.init)
        try MissingComponent.check(enabled.isEmpty, "enabled on this host: \(enabled.joined(separator: ", ")) (pipelines/disable-services.sh disables them)")
    }
}
