import Foundation
import XCTest

/// `make install` into a temporary prefix, then pipelines/check-install.sh on it: every tool through its
/// link with an empty environment and the toolchain's folder hidden (no Swift library needed), and the
/// installed tools giving the demo's golden findings. `make test` links the multi-call binary the way `make dist`
/// does (Swift runtime inside); `make dist` runs the same check on its archive.
final class InstallTests: XCTestCase {
    func testInstalledToolsRunWithoutTheSwiftToolchain() throws {
        let binary = Tool.binDirectory.appendingPathComponent("autopilot")
        let dynamic = try PrometheusServer.run("/bin/sh", ["-c", "readelf -d \"$0\" | grep -c 'libswiftCore' || true", binary.path])
        try MissingComponent.check(dynamic.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                                   "\(binary.path) needs the Swift runtime: make test links it with --static-swift-stdlib")
        let scratch = try makeScratchDirectory(self)
        let install = try PrometheusServer.run("/usr/bin/make", [
            "-s", "-C", repositoryRoot.path, "install-files", "DESTDIR=\(scratch.path)", "PREFIX=/opt/autopilot",
            "AUTOPILOT_BIN=\(binary.path)",
        ])
        XCTAssertEqual(install.status, 0, install.output)
        let prefix = scratch.appendingPathComponent("opt/autopilot")
        let bin = prefix.appendingPathComponent("bin")
        let tools = try FileManager.default.contentsOfDirectory(atPath: bin.path).sorted()
        XCTAssertEqual(tools, ([
            "autopilot", "autopilot-doctor", "autopilot-run", "build-evidence", "collect-cluster", "collect-metrics", "detect-incidents",
            "detect-waste", "emit-pr", "ledger", "notify-slack", "receive-alerts", "render-report", "render-site", "score-risk", "slack-approvals",
            "synth-cluster",
        ]))
        for tool in tools where tool != "autopilot" {
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: bin.appendingPathComponent(tool).path), "autopilot", tool)
        }
        for file in ["share/autopilot/examples", "share/autopilot/deploy/kubernetes/kustomization.yaml", "share/autopilot/deploy/systemd",
                     "share/autopilot/docs/onboarding.md", "share/autopilot/docs/site-config.md", "share/autopilot/docs/prices-and-bills.md",
                     "share/autopilot/docs/tools/detect-waste.md", "share/autopilot/README.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), file)
        }

        let check = try PrometheusServer.run("/bin/sh", ["-c", "cd \"$0\" && pipelines/check-install.sh \"$1\"", repositoryRoot.path, prefix.path])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("16 tools run under env -i"), check.output)
        XCTAssertTrue(check.output.contains("48 demo findings as golden"), check.output)
        // As root, with mount namespaces allowed (here and in CI), the toolchain was out of sight.
        if getuid() == 0, try PrometheusServer.run("/usr/bin/unshare", ["-m", "true"]).status == 0 {
            XCTAssertTrue(check.output.contains("with /opt/swift hidden"), check.output)
        }
        let needed = try XCTUnwrap(check.output.components(separatedBy: "needs only: ").last)
        XCTAssertFalse(needed.lowercased().contains("swift") || needed.contains("Foundation"), "no Swift library among those needed: \(needed)")
    }
}
