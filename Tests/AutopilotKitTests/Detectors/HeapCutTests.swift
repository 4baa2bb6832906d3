import XCTest
@testable import AutopilotKit

/// A JVM's heap lowered with its memory request (`HeapCut`), figures worked by hand: 8Gi requested under a
/// 10Gi limit (the JVM's default heap would be 2.5Gi: not the flag's size), peak working set 1.2Gi,
/// `-Xmx4g` in JAVA_OPTS, the JVM reporting a 4Gi heap max and at most 1.5Gi in use.
final class HeapCutTests: XCTestCase {
    private let mib: Int64 = 1 << 20
    private let key = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "orders")

    private func runtime(_ setting: String = "-Xmx4g", bytes: Int64 = 4096 << 20, source: String = "env JAVA_OPTS",
                         initial: RuntimeMemory.InitialHeap? = nil, editable: Bool = true) -> RuntimeMemory {
        RuntimeMemory(runtime: .jvm, bytes: bytes, setting: setting, source: source, initialHeap: initial, editable: editable)
    }

    private func finding(_ runtime: RuntimeMemory, reported: (max: Int64, usedMax: Int64?)? = (4096 << 20, 1536 << 20),
                         sidecar: RuntimeMemory? = nil, config: DetectionConfig = DetectionConfig(), limit: Int64? = 10240 << 20,
                         peak: Int64 = 1229 << 20) throws -> Finding {
        var container = Fixtures.container("app", cpu: 0.5, memory: 8192 * mib, memoryLimit: limit)
        container.runtime = runtime
        var containers = [container]
        if let sidecar {
            var other = Fixtures.container("agent", cpu: 0.1, memory: 256 * mib)
            other.runtime = sidecar
            containers.append(other)
        }
        var usage = Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(peak)))
        usage.jvmHeap = reported
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("n1"))
        cluster.add(Fixtures.workload(key, replicas: 1, containers: containers))
        cluster.add(Fixtures.pod("orders-0", of: key, on: "n1", containers: containers))
        cluster.add(usage)
        return try XCTUnwrap(OverRequestedMemory().detect(in: Fixtures.context(cluster, config: config)).first { $0.target.container == "app" })
    }

    func testTheHeapGoesDownHalfwayAtMostAndTheRequestFollowsIt() throws {
        // 1536Mi × 1.25 = 1920Mi, but at most 50% lower in one change: 2048Mi. Floor 2048 + max(512, 192)
        // = 2560Mi (a 64Mi step already). Without the cut the floor is 4096 + 1024 = 5120Mi.
        let cut = try finding(runtime())
        XCTAssertEqual(cut.recommended["memory"]?.intValue, 2560 * mib)
        XCTAssertEqual(cut.current["runtimeFlag"], ["runtime": "jvm", "env": "JAVA_OPTS", "value": "-Xmx4g", "initial": .null, "heap": .int(4096 * mib)])
        XCTAssertEqual(cut.recommended["runtimeFlag"], ["runtime": "jvm", "env": "JAVA_OPTS", "value": "-Xmx2048m", "initial": .null, "heap": .int(2048 * mib)])
        XCTAssertEqual(cut.basis["runtime"]?["floor"]?.intValue, 2560 * mib)
        XCTAssertEqual(cut.basis["runtime"]?["heapUsedMax"]?.intValue, 1536 * mib)
        let note = try XCTUnwrap(cut.notes.first { $0.hasPrefix("the JVM's heap goes down with the request") })
        XCTAssertTrue(note.contains("(-Xmx4g → -Xmx2048m in env JAVA_OPTS of this container"), note)
        XCTAssertTrue(note.contains("it used at most 1.5Gi of its 4Gi over the window"), note)
        XCTAssertTrue(cut.basis["formula"]?.stringValue?.contains("runtime floor with the lowered setting 2684354560") ?? false, "\(cut.basis)")
        // With a full step allowed, the heap goes to what it used + 25%: 1920Mi + 480Mi = 2400Mi → 2432Mi.
        var config = DetectionConfig()
        config.memory.maxHeapReductionPerStep = 1
        let whole = try finding(runtime(), config: config)
        XCTAssertEqual(whole.recommended["runtimeFlag"]?["value"], "-Xmx1920m")
        XCTAssertEqual(whole.recommended["memory"]?.intValue, 2432 * mib)
    }

    func testTheMarginAndStepAreConfiguredWithinSafeBounds() throws {
        var config = DetectionConfig()
        try config.apply(yaml: Array("memory: {heapMargin: 0.5, maxHeapReductionPerStep: 0.25}\n".utf8), source: "autopilot.yaml")
        XCTAssertEqual(config.memory.heapMargin, 0.5)
        XCTAssertEqual(config.memory.maxHeapReductionPerStep, 0.25)
        // At most a quarter lower: 4096 × 0.75 = 3072Mi.
        XCTAssertEqual(try finding(runtime(), config: config).recommended["runtimeFlag"]?["value"], "-Xmx3072m")
        // A heap sized to just what it used would spend its time collecting garbage.
        XCTAssertThrowsError(try config.apply(yaml: Array("memory: {heapMargin: 0.05}\n".utf8), source: "autopilot.yaml")) { error in
            XCTAssertTrue("\(error)".contains("heapMargin"), "\(error)")
        }
    }

    func testAnInitialHeapIsLoweredWithItOrHoldsItUp() throws {
        // -Xms4g in the same variable: lowered to the new heap with -Xmx.
        let same = try finding(runtime(initial: .init(bytes: 4096 * mib, setting: "-Xms4g", source: "env JAVA_OPTS")))
        XCTAssertEqual(same.current["runtimeFlag"]?["initial"], "-Xms4g")
        XCTAssertEqual(same.recommended["runtimeFlag"]?["initial"], "-Xms2048m")
        // -Xms1g in the same variable is below the new heap: left alone.
        let below = try finding(runtime(initial: .init(bytes: 1024 * mib, setting: "-Xms1g", source: "env JAVA_OPTS")))
        XCTAssertEqual(below.recommended["runtimeFlag"]?["initial"], .null)
        // -Xms3g set elsewhere: the heap stays at 3072Mi; floor 3072 + 768 = 3840Mi.
        let elsewhere = try finding(runtime(initial: .init(bytes: 3072 * mib, setting: "-Xms3g", source: "env JAVA_TOOL_OPTIONS")))
        XCTAssertEqual(elsewhere.recommended["runtimeFlag"]?["value"], "-Xmx3072m")
        XCTAssertEqual(elsewhere.recommended["memory"]?.intValue, 3840 * mib)
    }

    func testNoHeapCutWithoutEveryCheck() throws {
        let held: Int64 = 5120 * mib
        // Not editable (collect-cluster saw another heap flag, a reference, a twice-defined variable).
        XCTAssertEqual(try finding(runtime(editable: false)).recommended["memory"]?.intValue, held)
        // The flag on the command line.
        XCTAssertEqual(try finding(runtime(source: "command line")).recommended["memory"]?.intValue, held)
        // No heap figures, or no heap in use among them.
        XCTAssertEqual(try finding(runtime(), reported: nil).recommended["memory"]?.intValue, held)
        XCTAssertEqual(try finding(runtime(), reported: (4096 * mib, nil)).recommended["memory"]?.intValue, held)
        // A reported max far from the flag: the flag is not the one in effect (3Gi is 75% of it)…
        let other = try finding(runtime(), reported: (3072 * mib, 1536 * mib))
        XCTAssertNil(other.recommended["runtimeFlag"])
        XCTAssertEqual(other.recommended["memory"]?.intValue, held)
        // …or two JVMs' heaps summed (the reported max above the flag becomes the floor's heap: 5120 + 1280).
        XCTAssertEqual(try finding(runtime(), reported: (5120 * mib, 1536 * mib)).recommended["memory"]?.intValue, 6400 * mib)
        // Parallel GC reports the heap less a survivor space: 3.6Gi of 4Gi is the flag in effect.
        XCTAssertEqual(try finding(runtime(), reported: (3686 * mib, 1536 * mib)).recommended["runtimeFlag"]?["value"], "-Xmx2048m")
        // Two JVM containers in the pod: whose heap the figures are is not known.
        let sidecar = RuntimeMemory(runtime: .jvm, percentOfLimit: 25, setting: "default MaxRAMPercentage=25", source: "image openjdk:21")
        XCTAssertNil(try finding(runtime(), sidecar: sidecar).recommended["runtimeFlag"])
        // A heap nearly all in use: 3.8Gi × 1.25 is above 4Gi − 128Mi; the floor stays.
        XCTAssertNil(try finding(runtime(), reported: (4096 * mib, 3891 * mib)).recommended["runtimeFlag"])
    }

    func testAReportTheJVMsDefaultCouldGiveProvesNothing() throws {
        // The JVM's default heap for the limit: 25%, at least 124.8Mi; 50% of a limit under 249.6Mi.
        XCTAssertEqual(HeapCut.defaultHeaps(limit: 16384 * mib), [4096.0 * Double(mib), 4096.0 * Double(mib)])
        XCTAssertEqual(HeapCut.defaultHeaps(limit: 400 * mib)[0], Double(96 * mib) * 1.3)
        XCTAssertEqual(HeapCut.defaultHeaps(limit: 200 * mib)[0], Double(100 * mib))
        // A 16Gi limit: the default heap is 4Gi, the flag's size too; no limit: the default is a share of the
        // node's memory. Either way a report of a 4Gi heap does not show that JAVA_OPTS reaches the JVM.
        for limit in [16384 * mib, nil] {
            let held = try finding(runtime(), limit: limit)
            XCTAssertNil(held.recommended["runtimeFlag"], "limit \(limit.map(String.init) ?? "none")")
            XCTAssertEqual(held.recommended["memory"]?.intValue, 5120 * mib)
        }
    }

    func testTheHeapGoesNoLowerThanTheRequestNeeds() throws {
        // Peak 2.9Gi: the window says 2970 × 1.15 → 3456Mi; the heap whose floor fits it: min(3456 ÷ 1.25,
        // 3456 − 192) = 2764.8 → 2752Mi on a 16Mi step, above the 2048Mi the JVM's use would allow.
        let fitted = try finding(runtime(), peak: 2970 * mib)
        XCTAssertEqual(fitted.recommended["runtimeFlag"]?["value"], "-Xmx2752m")
        XCTAssertEqual(fitted.recommended["memory"]?.intValue, 3456 * mib)
    }

    func testWhereTheWindowAloneHoldsTheRequestTheHeapIsNotTouched() throws {
        // -Xmx512m: floor 512 + 192 = 704Mi, below the window's 1229Mi × 1.15 → 1472Mi. The heap holds nothing up.
        let cut = try finding(runtime("-Xmx512m", bytes: 512 * mib), reported: (512 * mib, 100 * mib))
        XCTAssertNil(cut.recommended["runtimeFlag"])
        XCTAssertEqual(cut.recommended["memory"]?.intValue, 1472 * mib)
    }
}
