import XCTest
@testable import AutopilotKit

final class DetectionConfigTests: XCTestCase {
    private let source = "autopilot.yaml"

    private func config(_ yaml: String) throws -> DetectionConfig {
        var config = DetectionConfig()
        try config.apply(yaml: Array(yaml.utf8), source: source)
        return config
    }

    /// The ConfigError `yaml` throws, or a failure.
    private func error(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            _ = try config(yaml)
            XCTFail("expected a ConfigError for \(yaml.debugDescription)", file: file, line: line)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testDefaults() {
        let config = DetectionConfig()
        XCTAssertEqual(config.cpu.percentile, "p95")
        XCTAssertEqual(config.cpu.margin, 0.15)
        XCTAssertEqual(config.cpu.floorCores, 0.01)
        XCTAssertEqual(config.cpu.minReductionRatio, 0.20)
        XCTAssertEqual(config.cpu.minReductionCores, 0.05)
        XCTAssertEqual(config.memory.floorBytes, 100 * 1_048_576)
        XCTAssertEqual(config.memory.minReductionBytes, 128 * 1_048_576)
        XCTAssertEqual(config.orphanVolume.minAge.seconds, 7 * 86_400)
        XCTAssertEqual(config.minSamples, 100)
        XCTAssertEqual(config.minSavings, .zero)
        XCTAssertEqual(config.markers.ignore, "autopilot.io/ignore")
        XCTAssertEqual(config.platformTeam, "platform")
    }

    func testYAMLOverridesTakeEffect() throws {
        let config = try self.config("cpu:\n  margin: 0.3\nmemory:\n  minReduction: 256Mi\norphanVolume:\n  minAge: 14d\n")
        XCTAssertEqual(config.cpu.margin, 0.3)
        XCTAssertEqual(config.memory.minReductionBytes, 256 * 1_048_576)
        XCTAssertEqual(config.orphanVolume.minAge.seconds, 14 * 86_400)
        XCTAssertEqual(config.orphanVolume.minAge.description, "2w")
        // Everything else keeps its default.
        XCTAssertEqual(config.cpu.minReductionRatio, 0.20)
        XCTAssertEqual(config.memory.margin, 0.15)
        XCTAssertEqual(config.memory.minReductionRatio, 0.20)
        XCTAssertEqual(config.minSamples, 100)
    }

    func testMoreSettings() throws {
        let config = try self.config("""
            cpu:
              percentile: p90
              floor: 25m
              minReduction: 0.1
            memory:
              floor: 128Mi
              oomMargin: 0.5
            idleNode:
              maxUsageRatio: 0.1
            autoscaling:
              minCooldownPeriod: 60
            consolidation:
              minReplacementSavingsRatio: 0.3
            markers:
              ignore: example.com/skip
            minSamples: 50
            minSavings: 25
            spotDiscount: 0.5
            platformTeam: infra
            """)
        XCTAssertEqual(config.cpu.percentile, "p90")
        XCTAssertEqual(config.cpu.floorCores, 0.025, accuracy: 1e-12)
        XCTAssertEqual(config.cpu.minReductionCores, 0.1)
        XCTAssertEqual(config.memory.floorBytes, 128 * 1_048_576)
        XCTAssertEqual(config.memory.oomMargin, 0.5)
        XCTAssertEqual(config.idleNode.maxUsageRatio, 0.1)
        XCTAssertEqual(config.autoscaling.minCooldownPeriod, 60)
        XCTAssertEqual(config.consolidation.minReplacementSavingsRatio, 0.3)
        XCTAssertEqual(config.markers.ignore, "example.com/skip")
        XCTAssertEqual(config.minSamples, 50)
        XCTAssertEqual(config.minSavings, Money(cents: 2_500))
        XCTAssertEqual(config.spotDiscount, 0.5)
        XCTAssertEqual(config.platformTeam, "infra")
    }

    func testEmptyDocumentChangesNothing() throws {
        let config = try self.config("# nothing to change\n")
        XCTAssertEqual(config.cpu.margin, 0.15)
    }

    func testOverridesChangeTheDetectors() throws {
        let config = try self.config("cpu:\n  margin: 0.3\nmemory:\n  minReduction: 256Mi\n")
        let key = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("ip-10-0-1-10.ec2.internal"))
        // 576Mi request, peak 300Mi: 352Mi saves 224Mi, enough for the default 128Mi but not for 256Mi.
        let container = Fixtures.container("app", cpu: 1.5, memory: 576 * Fixtures.mib)
        cluster.add(Fixtures.workload(key, containers: [container]))
        cluster.add(Fixtures.pod("web-0", of: key, on: "ip-10-0-1-10.ec2.internal", containers: [container]))
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.18), memory: Fixtures.memoryFigures(max: Double(300 * Fixtures.mib))))

        let defaults = Fixtures.context(cluster)
        let tuned = Fixtures.context(cluster, config: config)
        XCTAssertEqual(OverRequestedCPU().detect(in: defaults).first?.recommended["cpu"]?.doubleValue ?? 0, 0.21, accuracy: 1e-9)
        // 0.18 × 1.3 = 0.234 → 235m.
        XCTAssertEqual(OverRequestedCPU().detect(in: tuned).first?.recommended["cpu"]?.doubleValue ?? 0, 0.235, accuracy: 1e-9)
        XCTAssertEqual(OverRequestedMemory().detect(in: defaults).first?.recommended["memory"]?.intValue, 352 * Fixtures.mib)
        XCTAssertEqual(OverRequestedMemory().detect(in: tuned).count, 0)
    }

    // MARK: Errors

    func testUnknownKeyIsNamed() {
        let error = self.error("cpu:\n  margn: 0.3\n")
        XCTAssertEqual(error?.message.contains("cpu.margn"), true, "\(String(describing: error))")
        XCTAssertEqual(error?.message.hasPrefix(source), true, "\(String(describing: error))")
        let section = self.error("cpux:\n  margin: 0.3\n")
        XCTAssertEqual(section?.message.contains("'cpux'"), true, "\(String(describing: section))")
    }

    func testWrongTypeNamesTheSetting() {
        let margin = error("cpu:\n  margin: lots\n")
        XCTAssertEqual(margin?.message.contains("cpu.margin"), true, "\(String(describing: margin))")
        let age = error("orphanVolume:\n  minAge: soon\n")
        XCTAssertEqual(age?.message.contains("orphanVolume.minAge"), true, "\(String(describing: age))")
        let bytes = error("memory:\n  minReduction: [1]\n")
        XCTAssertEqual(bytes?.message.contains("memory.minReduction"), true, "\(String(describing: bytes))")
        let percentile = error("cpu:\n  percentile: p97\n")
        XCTAssertEqual(percentile?.message.contains("cpu.percentile"), true, "\(String(describing: percentile))")
        let ratio = error("cpu:\n  minReductionRatio: 1.5\n")
        XCTAssertEqual(ratio?.message.contains("cpu.minReductionRatio"), true, "\(String(describing: ratio))")
        let section = error("cpu: 5\n")
        XCTAssertEqual(section?.message.contains("'cpu' must be a mapping"), true, "\(String(describing: section))")
        let samples = error("minSamples: many\n")
        XCTAssertEqual(samples?.message.contains("minSamples"), true, "\(String(describing: samples))")
        let team = error("platformTeam: 5\n")
        XCTAssertEqual(team?.message.contains("platformTeam"), true, "\(String(describing: team))")
    }

    func testMalformedYAMLReportsTheLine() {
        let mapping = error("cpu:\n  margin: 0.3: x\n")
        XCTAssertEqual(mapping?.message.hasPrefix("\(source):2:14:"), true, "\(String(describing: mapping))")
        XCTAssertEqual(mapping?.message.contains("mapping values are not allowed"), true, "\(String(describing: mapping))")
        let flow = error("cpu:\n  margin: [0.3\nmemory:\n  floor: 1Gi\n")
        XCTAssertEqual(flow?.message.hasPrefix("\(source):3:"), true, "\(String(describing: flow))")
    }

    func testRootMustBeAMapping() {
        let list = error("- cpu\n- memory\n")
        XCTAssertEqual(list?.message.contains("expected a mapping"), true, "\(String(describing: list))")
    }
}
