import Foundation
import XCTest
@testable import AutopilotKit

/// How emit-pr names objects as kustomize renders them, and which folders a cluster deploys.
final class ClusterPathsTests: XCTestCase {
    private func makeRepo(_ files: [String: String]) throws -> (root: String, index: ManifestIndex) {
        let root = NSTemporaryDirectory() + "cluster-paths-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        for (path, text) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return (root, ManifestIndex(root: root, files: Array(files.keys)))
    }

    private let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: NAME
        spec:
          template:
            spec:
              containers:
                - name: web
                  image: web:1

        """

    /// Prefixes and suffixes of three layers, a component and two namespaces: the names and namespace
    /// kustomize gives, checked against `kubectl kustomize` itself where kubectl is installed.
    func testNamesAreRenderedAsKustomizeBuildsThem() throws {
        let (root, index) = try makeRepo([
            "base/app.yaml": deployment.replacingOccurrences(of: "NAME", with: "web"),
            "base/kustomization.yaml": "resources:\n  - app.yaml\nnamePrefix: base-\n",
            "components/sidecar/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - worker.yaml\n",
            "components/sidecar/worker.yaml": deployment.replacingOccurrences(of: "NAME", with: "worker"),
            "mid/kustomization.yaml": "resources:\n  - ../base\nnameSuffix: -v2\nnamespace: mid\n",
            "overlays/prod/kustomization.yaml": "resources:\n  - ../../mid\ncomponents:\n  - ../../components/sidecar\nnamePrefix: prod-\nnamespace: shop\n",
        ])
        let rendered = index.documents.flatMap { document in
            document.renderings.filter { $0.overlay == "overlays/prod" }.map { "\(document.kind) \($0.namespace ?? "-")/\($0.name)" }
        }.sorted()
        XCTAssertEqual(rendered, ["Deployment shop/prod-base-web-v2", "Deployment shop/prod-worker"])
        XCTAssertEqual(index.documents(kind: "Deployment", name: "prod-base-web-v2", namespace: "shop").map(\.path), ["base/app.yaml"])
        XCTAssertEqual(index.documents(kind: "Deployment", name: "web", namespace: "shop").map(\.path), [], "the written name is not what runs")
        XCTAssertEqual(index.leaves(of: "mid"), ["overlays/prod"])

        // Skipped without kubectl on a developer's machine; under CI (make deps installs it) its absence fails.
        let kubectl = Executables.onPath("kubectl")
        try XCTSkipIf(kubectl == nil && ProcessInfo.processInfo.environment["CI"] == nil, "kubectl is not on PATH (make deps installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try XCTUnwrap(kubectl, "CI: kubectl is not on PATH (make deps installs it)"))
        process.arguments = ["kustomize", root + "/overlays/prod"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        var built: [String] = []
        try YAMLDocuments(bytes: Array(data)).forEachDocument { document, _ in
            built.append("\(document["kind"]?.string ?? "") \(document["metadata", "namespace"]?.string ?? "-")/\(document["metadata", "name"]?.string ?? "")")
        }
        XCTAssertEqual(built.sorted(), rendered, "kubectl kustomize disagrees")
    }

    func testArgoCDListGeneratorsFluxKustomizationsAndTheUsersMappingTieFolders() throws {
        let (_, index) = try makeRepo([
            "argocd/appset.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata:
                  name: shop
                spec:
                  generators:
                    - list:
                        elements:
                          - cluster: prod-use1
                            env: prod
                          - cluster: staging
                            env: staging
                  template:
                    metadata:
                      name: 'shop-{{cluster}}'
                    spec:
                      source:
                        path: apps/shop/overlays/{{.env}}
                        helm:
                          valueFiles:
                            - values-{{env}}.yaml
                      destination:
                        name: '{{cluster}}'

                """,
            "clusters/dev/apps.yaml": """
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata:
                  name: apps
                  namespace: flux-system
                spec:
                  path: ./apps/shop/overlays/dev
                  sourceRef:
                    kind: GitRepository
                    name: flux-system

                """,
        ])
        let paths = ClusterPaths(mapped: ["qa": ["apps/shop/overlays/qa/"]], manifests: index)
        func origin(_ tie: ClusterPaths.Tie) -> String? { if case .claimed(let claim) = tie { claim.origin } else { nil } }
        XCTAssertEqual(origin(paths.tie("apps/shop/overlays/prod", to: "prod-use1")), "argocd/appset.yaml: ApplicationSet shop")
        XCTAssertEqual(origin(paths.tie("apps/shop/overlays/staging/patch.yaml", to: "staging")), "argocd/appset.yaml: ApplicationSet shop")
        XCTAssertEqual(origin(paths.tie("apps/shop/overlays/dev", to: "dev")), "clusters/dev/apps.yaml: Kustomization apps")
        XCTAssertEqual(origin(paths.tie("apps/shop/overlays/qa", to: "qa")), "--cluster-path")
        guard case .otherCluster(let other) = paths.tie("apps/shop/overlays/prod", to: "staging") else { return XCTFail("prod's overlay is another cluster's") }
        XCTAssertEqual(other.cluster, "prod-use1")
        XCTAssertEqual(paths.tie("apps/other/staging", to: "staging"), .namedFolder)
        XCTAssertEqual(paths.tie("apps/other", to: "staging"), .unknown)
        XCTAssertEqual(paths.claims.first { $0.cluster == "prod-use1" }?.valueFiles, ["apps/shop/overlays/prod/values-prod.yaml"])
    }

    func testAClusterPathsFileTakesAFolderOrAList() throws {
        let file = NSTemporaryDirectory() + "cluster-paths-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "prod: clusters/prod\nstaging:\n  - apps/overlays/staging\n  - infra/staging\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ClusterPaths.load(file), ["prod": ["clusters/prod"], "staging": ["apps/overlays/staging", "infra/staging"]])
        try "- prod\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClusterPaths.load(file)) { XCTAssertTrue("\($0)".contains("expected a mapping of cluster to folders"), "\($0)") }
    }
}
