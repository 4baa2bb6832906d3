import XCTest
@testable import AutopilotKit

/// What collect-cluster reads of a container's runtime memory settings, and the floor the memory
/// detector keeps above them, figures worked by hand.
final class RuntimeMemoryTests: XCTestCase {
    private let mib: Int64 = 1 << 20

    private func detect(_ spec: String, labels: [String: String] = [:], limit: Int64? = nil) throws -> RuntimeMemory? {
        RuntimeMemory.detect(spec: try JSON.parse(spec), labels: labels, limits: Observed.Resources(memory: limit), requests: Observed.Resources())
    }

    func testJVMSizesAreBinaryAndTheLastHeapFlagWins() throws {
        XCTAssertEqual(RuntimeMemory.jvmSize("128m"), 128 << 20)
        XCTAssertEqual(RuntimeMemory.jvmSize("1G"), 1 << 30)
        XCTAssertEqual(RuntimeMemory.jvmSize("1024k"), 1 << 20)
        XCTAssertEqual(RuntimeMemory.jvmSize("1073741824"), 1 << 30)
        for bad in ["", "m", "12x", "-1g", "99999999999t"] { XCTAssertNil(RuntimeMemory.jvmSize(bad), bad) }
        // JAVA_TOOL_OPTIONS is read first, the command line after it: -Xmx2g on the command line wins.
        let found = try XCTUnwrap(try detect(#"""
            {"name":"app","image":"registry/app:1","args":["java","-Xmx2g","-jar","app.jar"],
             "env":[{"name":"JAVA_TOOL_OPTIONS","value":"-Xmx512m -XX:+UseG1GC"}]}
            """#))
        XCTAssertEqual(found, RuntimeMemory(runtime: .jvm, bytes: 2 << 30, setting: "-Xmx2g", source: "command line"))
        // _JAVA_OPTIONS overrides even the command line.
        let overridden = try XCTUnwrap(try detect(#"""
            {"name":"app","command":["sh","-c","exec java -Xmx2g -jar app.jar"],"env":[{"name":"_JAVA_OPTIONS","value":"-Xmx1g"}]}
            """#))
        XCTAssertEqual(overridden.bytes, 1 << 30)
        XCTAssertEqual(overridden.source, "env _JAVA_OPTIONS")
    }

    func testAHeapFlagIsEditableOnlyWhereOneLiteralWordSetsIt() throws {
        // The one -Xmx, written once in JAVA_OPTS, defined once: editable; -Xms is recorded with its source.
        let literal = try XCTUnwrap(try detect(#"""
            {"name":"app","env":[{"name":"JAVA_OPTS","value":"-Xms64m -Xmx128m -XX:+UseG1GC"}]}
            """#))
        XCTAssertTrue(literal.editable)
        XCTAssertEqual(literal.initialHeap, RuntimeMemory.InitialHeap(bytes: 64 * mib, setting: "-Xms64m", source: "env JAVA_OPTS"))
        XCTAssertEqual(literal.json["editable"], true)
        // Several initial heaps: the largest is recorded (the last one wins in HotSpot, per flag: which
        // is effective is not worth guessing), and the heap is not editable.
        let initials = try XCTUnwrap(try detect(#"""
            {"name":"app","env":[{"name":"JAVA_TOOL_OPTIONS","value":"-XX:InitialHeapSize=1g"},{"name":"JAVA_OPTS","value":"-Xms64m -Xmx2g"}]}
            """#))
        XCTAssertEqual(initials.initialHeap?.bytes, 1 << 30)
        XCTAssertEqual(initials.initialHeap?.source, "env JAVA_TOOL_OPTIONS")
        XCTAssertFalse(initials.editable)
        // Not editable: a second heap-size flag, a $(VAR) in the value, a variable defined twice, the
        // command line, a heap built from the limit, MaxHeapSize (emit-pr writes -Xmx only), two -Xms, an
        // initial heap elsewhere, young-generation or soft sizes, an options file, env from a ConfigMap
        // (envFrom, or a JVM variable's valueFrom), a product variable without its -Xms, Solr's and Flink's.
        let notEditable = [
            #"{"name":"a","env":[{"name":"JAVA_TOOL_OPTIONS","value":"-Xmx1g"},{"name":"JAVA_OPTS","value":"-Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"HEAP","value":"-Xmx1g"},{"name":"JAVA_OPTS","value":"$(HEAP) -XX:+UseG1GC"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx1g"},{"name":"JAVA_OPTS","value":"-Xmx1g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx1g -Xmx1g"}]}"#,
            #"{"name":"a","args":["java","-Xmx1g","-jar","a.jar"]}"#,
            #"{"name":"a","env":[{"name":"LIMIT","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}},{"name":"JAVA_OPTS","value":"-Xmx$(LIMIT)m"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-XX:MaxHeapSize=1g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xms2g -Xmx2g -Xms1g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_TOOL_OPTIONS","value":"-Xms1g"},{"name":"JAVA_OPTS","value":"-Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx2g -Xmn1g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx2g -XX:SoftMaxHeapSize=1g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx2g -XX:Flags=/etc/jvm.flags"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx2g @/etc/jvm.args"}]}"#,
            #"{"name":"a","envFrom":[{"configMapRef":{"name":"jvm"}}],"env":[{"name":"JAVA_OPTS","value":"-Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_TOOL_OPTIONS","valueFrom":{"configMapKeyRef":{"name":"jvm","key":"opts"}}},{"name":"JAVA_OPTS","value":"-Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"OPENSEARCH_JAVA_OPTS","value":"-Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"SOLR_JAVA_MEM","value":"-Xms2g -Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"FLINK_ENV_JAVA_OPTS","value":"-Xms2g -Xmx2g"}]}"#,
            #"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx2g -XX:MaxRAMPercentage=50"}]}"#,
            #"{"name":"a","env":[{"name":"EXTRA","valueFrom":{"configMapKeyRef":{"name":"jvm","key":"opts"}}},{"name":"JAVA_OPTS","value":"-Xmx2g"}],"args":["$(EXTRA)"]}"#,
            #"{"name":"a","env":[{"name":"EXTRA","valueFrom":{"secretKeyRef":{"name":"jvm","key":"opts"}}},{"name":"JAVA_TOOL_OPTIONS","value":"$(EXTRA)"},{"name":"JAVA_OPTS","value":"-Xmx2g"}]}"#,
        ]
        for spec in notEditable {
            let found = try XCTUnwrap(try detect(spec, limit: 2 << 30), spec)
            XCTAssertFalse(found.editable, spec)
            XCTAssertNil(found.json["editable"], spec)
        }
        // A product's own variable: OpenSearch's, as the OpenTelemetry demo sets it.
        let opensearch = try XCTUnwrap(try detect(#"""
            {"name":"opensearch","image":"opensearchproject/opensearch:2.19.0","env":[{"name":"OPENSEARCH_JAVA_OPTS","value":"-Xms400m -Xmx400m"}]}
            """#, limit: 1100 * mib))
        XCTAssertEqual(opensearch.bytes, 400 * mib)
        XCTAssertTrue(opensearch.editable)
        XCTAssertEqual(opensearch.initialHeap?.source, "env OPENSEARCH_JAVA_OPTS")
        // Read back from a record as written.
        let record = try JSON.parse(literal.json.text)
        XCTAssertEqual(try RuntimeMemory(record: record), literal)
    }

    func testPercentagesFractionsAndTheImageDefault() throws {
        let percent = try XCTUnwrap(try detect(#"{"name":"ui","env":[{"name":"JAVA_OPTS","value":"-XX:MaxRAMPercentage=75.0"}]}"#))
        XCTAssertEqual(percent.percentOfLimit, 75)
        XCTAssertNil(percent.bytes)
        XCTAssertEqual(try detect(#"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-XX:MaxRAMFraction=2"}]}"#)?.percentOfLimit, 50)
        // -Xmx beats a percentage given after it.
        XCTAssertEqual(try detect(#"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx1g -XX:MaxRAMPercentage=80"}]}"#)?.bytes, 1 << 30)
        // A JVM image that sets nothing: 25% of the limit, JDK 10+'s default.
        let image = try XCTUnwrap(try detect(#"{"name":"a","image":"eclipse-temurin:21-jre"}"#))
        XCTAssertEqual(image, RuntimeMemory(runtime: .jvm, percentOfLimit: 25, setting: "default MaxRAMPercentage=25",
                                            source: "image eclipse-temurin:21-jre"))
        XCTAssertEqual(try detect(#"{"name":"a","image":"docker.io/library/openjdk17:slim"}"#)?.runtime, .jvm)
        XCTAssertNil(try detect(#"{"name":"a","image":"ghcr.io/acme/javascript-frontend:2"}"#), "javascript is not java")
        XCTAssertNil(try detect(#"{"name":"a","image":"nginx:1.27"}"#))
        XCTAssertEqual(try detect(#"{"name":"a","image":"acme/orders:3"}"#, labels: ["app.kubernetes.io/runtime": "java"])?.source,
                       "label app.kubernetes.io/runtime=java")
    }

    func testEnvReferencesExpandAndAHeapBuiltFromTheLimitFollowsIt() throws {
        // Jenkins' sample: -Xmx$(LIMITS_MEMORY)m with LIMITS_MEMORY the limit in Mi: 100% of the limit.
        let jenkins = try XCTUnwrap(try detect(#"""
            {"name":"jenkins","env":[{"name":"LIMITS_MEMORY","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}},
             {"name":"JAVA_OPTS","value":"-Xmx$(LIMITS_MEMORY)m -XshowSettings:vm"}]}
            """#, limit: 1 << 30))
        XCTAssertEqual(jenkins.percentOfLimit, 100)
        XCTAssertNil(jenkins.bytes)
        XCTAssertEqual(jenkins.setting, "-Xmx1024m")
        // A literal reference expands; $$( stays literal; an unknown one is left as written (and is no size).
        let literal = try XCTUnwrap(try detect(#"""
            {"name":"a","env":[{"name":"HEAP","value":"768m"},{"name":"JAVA_OPTS","value":"-Xmx$(HEAP) -Dx=$$(HEAP)"}]}
            """#))
        XCTAssertEqual(literal.bytes, 768 << 20)
        XCTAssertNil(try detect(#"{"name":"a","env":[{"name":"JAVA_OPTS","value":"-Xmx$(UNSET)"}]}"#))
        let environment = RuntimeMemory.Environment(spec: try JSON.parse(#"{"env":[{"name":"A","value":"1"}]}"#),
                                                    limits: Observed.Resources(), requests: Observed.Resources())
        XCTAssertEqual(environment.expand("$(A)-$$(A)-$(B)-$"), "1-$(A)-$(B)-$")
    }

    func testGoAndNodeSettings() throws {
        XCTAssertEqual(RuntimeMemory.goMemoryLimit("152MiB"), 152 << 20)
        XCTAssertEqual(RuntimeMemory.goMemoryLimit("1GiB"), 1 << 30)
        XCTAssertEqual(RuntimeMemory.goMemoryLimit("1000000"), 1_000_000)
        XCTAssertNil(RuntimeMemory.goMemoryLimit("off"))
        XCTAssertNil(RuntimeMemory.goMemoryLimit("1.5GiB"), "Go itself refuses a fraction")
        XCTAssertNil(RuntimeMemory.goMemoryLimit("+152MiB"), "and a sign")
        XCTAssertEqual(try detect(#"{"name":"otel","env":[{"name":"GOMEMLIMIT","value":"152MiB"}]}"#),
                       RuntimeMemory(runtime: .go, bytes: 152 << 20, setting: "GOMEMLIMIT=152MiB", source: "env GOMEMLIMIT", editable: true))
        XCTAssertEqual(try detect(#"{"name":"web","env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128"}]}"#),
                       RuntimeMemory(runtime: .node, bytes: 128 << 20, setting: "--max-old-space-size=128", source: "env NODE_OPTIONS", editable: true))
        XCTAssertEqual(try detect(#"{"name":"web","args":["node","--max-old-space-size=2048","server.js"]}"#)?.bytes, 2048 << 20)
        // Node's command line wins over NODE_OPTIONS; only NODE_OPTIONS alone is editable.
        let both = try XCTUnwrap(try detect(#"""
            {"name":"web","args":["node","--max-old-space-size=2048","server.js"],"env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128"}]}
            """#))
        XCTAssertEqual(both.bytes, 2048 << 20)
        XCTAssertFalse(both.editable)
        // Node reads `_` as `-` in option names.
        XCTAssertEqual(try detect(#"{"name":"web","env":[{"name":"NODE_OPTIONS","value":"--max-old_space_size=96"}]}"#)?.bytes, 96 << 20)
        for spec in [#"{"name":"web","env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128 --max-old-space-size=256"}]}"#,
                     // A command-line value not read here (a shell or ConfigMap variable) is the one node uses.
                     #"{"name":"web","args":["node","--max-old-space-size=$(HEAP_MB)","app.js"],"env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128"}]}"#,
                     #"{"name":"web","command":["sh","-c","exec node $NODE_ARGS app.js"],"env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128"}]}"#,
                     #"{"name":"web","env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=128 --title=\"a b\""}]}"#,
                     #"{"name":"otel","env":[{"name":"GOMEMLIMIT","value":"152MiB"},{"name":"GOMEMLIMIT","value":"152MiB"}]}"#,
                     #"{"name":"otel","env":[{"name":"L","value":"152"},{"name":"GOMEMLIMIT","value":"$(L)MiB"}]}"#] {
            XCTAssertEqual(try detect(spec)?.editable, false, spec)
        }
    }

    func testTheFloorIsHeapPlusOverheadAndNeverAGuess() throws {
        let config = DetectionConfig.Memory()
        // -Xmx128m: 128 + max(32, 192) = 320Mi.
        let small = try XCTUnwrap(RuntimeFloor(RuntimeMemory(runtime: .jvm, bytes: 128 * mib, setting: "-Xmx128m", source: "env JAVA_OPTS"),
                                               limit: 500 * mib, config: config))
        XCTAssertEqual(small.bytes, 320 * mib)
        XCTAssertEqual(small.description, "JVM heap 128Mi (-Xmx128m, env JAVA_OPTS) + 192Mi overhead = 320Mi")
        // -Xmx4g: 4096 + max(1024, 192) = 5120Mi.
        XCTAssertEqual(RuntimeFloor(RuntimeMemory(runtime: .jvm, bytes: 4096 * mib, setting: "-Xmx4g", source: "args"), limit: nil, config: config)?.bytes,
                       5120 * mib)
        // 75% of a 1536Mi limit = 1152Mi heap + 288Mi = 1440Mi.
        let percent = RuntimeMemory(runtime: .jvm, percentOfLimit: 75, setting: "-XX:MaxRAMPercentage=75.0", source: "env JAVA_OPTS")
        XCTAssertEqual(RuntimeFloor(percent, limit: 1536 * mib, config: config)?.bytes, 1440 * mib)
        XCTAssertNil(RuntimeFloor(percent, limit: nil, config: config), "a share of no limit says nothing")
        // Node: 128 + max(32, 64) = 192Mi. Go: GOMEMLIMIT itself.
        XCTAssertEqual(RuntimeFloor(RuntimeMemory(runtime: .node, bytes: 128 * mib, setting: "--max-old-space-size=128", source: "env NODE_OPTIONS"),
                                    limit: nil, config: config)?.bytes, 192 * mib)
        XCTAssertEqual(RuntimeFloor(RuntimeMemory(runtime: .go, bytes: 152 * mib, setting: "GOMEMLIMIT=152MiB", source: "env GOMEMLIMIT"),
                                    limit: nil, config: config)?.bytes, 152 * mib)
        XCTAssertNil(RuntimeFloor(nil, limit: 1 << 30, config: config))
    }

    func testTheHeapTheJVMReportsRaisesTheFloorAndFindsAJVMNoFlagShowed() throws {
        let config = DetectionConfig.Memory()
        // The image default says 25% of a 4Gi limit = 1Gi; the JVM reports 2Gi (a flag set in a ConfigMap):
        // 2048 + 512 = 2560Mi, and the setting says where the figure came from.
        let byImage = RuntimeMemory(runtime: .jvm, percentOfLimit: 25, setting: "default MaxRAMPercentage=25", source: "image eclipse-temurin:21")
        let floor = try XCTUnwrap(RuntimeFloor(byImage, limit: 4096 * mib, measured: (2048 * mib, 900 * mib), config: config))
        XCTAssertEqual(floor.bytes, 2560 * mib)
        XCTAssertEqual(floor.heapUsed, 900 * mib)
        XCTAssertEqual(floor.description, "JVM heap 2Gi (default MaxRAMPercentage=25; reported heap max 2Gi, image eclipse-temurin:21; "
            + "Prometheus, at most 900Mi in use in the window) + 512Mi overhead = 2.5Gi")
        // A smaller reported heap never lowers what the flags say.
        let flag = RuntimeMemory(runtime: .jvm, bytes: 3072 * mib, setting: "-Xmx3g", source: "env KAFKA_HEAP_OPTS")
        XCTAssertEqual(RuntimeFloor(flag, limit: nil, measured: (2048 * mib, nil), config: config)?.heap, 3072 * mib)
        // No flag, no image, but the JVM reports a heap: a JVM all the same.
        let unseen = try XCTUnwrap(RuntimeFloor(nil, limit: nil, measured: (512 * mib, 300 * mib), config: config))
        XCTAssertEqual(unseen.bytes, (512 + 192) * mib)
        XCTAssertEqual(unseen.runtime.source, "Prometheus")
        // Go and Node are not JVMs: the JVM figures do not apply.
        let go = RuntimeMemory(runtime: .go, bytes: 152 * mib, setting: "GOMEMLIMIT=152MiB", source: "env GOMEMLIMIT")
        XCTAssertEqual(RuntimeFloor(go, limit: nil, measured: (2048 * mib, nil), config: config)?.bytes, 152 * mib)
    }

    func testAJVMCutStopsAtItsHeapAndSaysTheFlagMustMoveToGoLower() throws {
        // 2Gi requested, peak 300Mi: the window alone says 352Mi; -Xmx1g says 1024 + 256 = 1280Mi.
        let key = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "orders")
        var container = Fixtures.container("app", cpu: 0.5, memory: 2048 * mib)
        container.runtime = RuntimeMemory(runtime: .jvm, bytes: 1024 * mib, setting: "-Xmx1g", source: "env JAVA_OPTS")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("n1"))
        cluster.add(Fixtures.workload(key, replicas: 1, containers: [container]))
        cluster.add(Fixtures.pod("orders-0", of: key, on: "n1", containers: [container]))
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(300 * mib))))
        let finding = try XCTUnwrap(OverRequestedMemory().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.recommended["memory"]?.intValue, 1280 * mib)
        XCTAssertEqual(finding.basis["runtime"]?["floor"]?.intValue, 1280 * mib)
        let note = try XCTUnwrap(finding.notes.first { $0.hasPrefix("runtime floor") })
        XCTAssertTrue(note.contains("JVM heap 1Gi (-Xmx1g, env JAVA_OPTS) + 256Mi overhead = 1.25Gi"), note)
        XCTAssertTrue(note.contains("though the window's peak would allow 352Mi"), note)
        XCTAssertTrue(note.contains("the heap flag (env JAVA_OPTS of this container, in the same manifest) lowered in the same change"), note)
        // Without the heap flag the same container is cut to the window's 352Mi: the floor is what stops it.
        container.runtime = nil
        var plain = Fixtures.cluster()
        plain.add(Fixtures.node("n1"))
        plain.add(Fixtures.workload(key, replicas: 1, containers: [container]))
        plain.add(Fixtures.pod("orders-0", of: key, on: "n1", containers: [container]))
        plain.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(300 * mib))))
        XCTAssertEqual(OverRequestedMemory().detect(in: Fixtures.context(plain)).first?.recommended["memory"]?.intValue, 352 * mib)
    }
}

/// The raises detect-incidents opens keep the same guarantees: a backtest, and the runtime's floor.
final class ProvisioningFindingsTests: XCTestCase {
    private let mib: Int64 = 1 << 20
    private let key = Observed.WorkloadKey(namespace: "shop", kind: "Deployment", name: "orders")

    private func context(_ container: Observed.Container, usage: Observed.Usage) -> DetectionContext {
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("n1"))
        cluster.add(Fixtures.workload(key, replicas: 1, containers: [container]))
        cluster.add(Fixtures.pod("orders-0", of: key, on: "n1", containers: [container]))
        cluster.add(usage)
        return Fixtures.context(cluster)
    }

    func testAMemoryRaiseForAJVMReachesItsHeapPlusOverhead() throws {
        // Peak 600Mi × 1.15 = 690Mi → 704Mi; the JVM's -Xmx1g needs 1024 + 256 = 1280Mi.
        var container = Fixtures.container("app", cpu: 0.5, memory: 512 * mib, memoryLimit: 2048 * mib)
        container.runtime = RuntimeMemory(runtime: .jvm, bytes: 1024 * mib, setting: "-Xmx1g", source: "env JAVA_TOOL_OPTIONS")
        let usage = Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(600 * mib)))
        let workload = try XCTUnwrap(context(container, usage: usage).cluster.workloads[key])
        let finding = try XCTUnwrap(ProvisioningFindings.memoryRequest(workload, container, usage, why: "memory pressure",
                                                                       context(container, usage: usage)))
        XCTAssertEqual(finding.recommended["memory"]?.intValue, 1280 * mib)
        XCTAssertEqual(finding.backtest["stepsAbove"]?.intValue, 0)
        XCTAssertEqual(finding.backtest["crossesLimit"], .bool(false))
        XCTAssertTrue(finding.notes.contains { $0.hasPrefix("runtime floor: JVM heap 1Gi (-Xmx1g, env JAVA_TOOL_OPTIONS)") }, "\(finding.notes)")
    }

    func testACPURaiseCarriesItsBacktest() throws {
        // p95 0.6 over a 0.5 request: 0.6 × 1.15 = 0.69 (on a 5m step), above the max 0.65: exactly no step above.
        let container = Fixtures.container("app", cpu: 0.5, memory: 512 * mib)
        let usage = Fixtures.usage(key, cpu: Fixtures.figures(p50: 0.4, p90: 0.55, p95: 0.6, p99: 0.62, max: 0.65))
        let workload = try XCTUnwrap(context(container, usage: usage).cluster.workloads[key])
        let finding = try XCTUnwrap(ProvisioningFindings.cpu(workload, container, usage, why: "saturated", context(container, usage: usage)))
        XCTAssertEqual(finding.recommended["cpu"]?.doubleValue ?? 0, 0.69, accuracy: 1e-9)
        XCTAssertEqual(finding.backtest["stepsAbove"]?.intValue, 0)
        XCTAssertEqual(finding.backtest["bound"]?.stringValue, "exact")
    }
}
