import Foundation
import XCTest
@testable import AutopilotKit

final class YAMLEditTests: XCTestCase {
    /// Dotted keys as steps, built by hand so these tests do not depend on `YAMLPathStep.parse`.
    private func keys(_ dotted: String) -> [YAMLPathStep] {
        dotted.split(separator: ".").map { .key(String($0)) }
    }

    private let podSpec = "spec.template.spec"

    /// Sets the value and checks that the result parses again, has as many documents, and reads back `text`.
    private func set(_ path: [YAMLPathStep], to text: String, in yaml: String, document: Int = 0,
                     file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let source = try YAMLSource(bytes: Array(yaml.utf8))
        let edited = try YAMLEdit.set(path, to: text, in: source, document: document)
        let reread = try YAMLSource(bytes: edited)
        XCTAssertEqual(reread.documents.count, source.documents.count, "documents after the edit", file: file, line: line)
        XCTAssertEqual(YAMLEdit.value(at: path, in: reread, document: document)?.value, text, "value read back", file: file, line: line)
        return String(decoding: edited, as: UTF8.self)
    }

    private func assertSetThrows(_ path: [YAMLPathStep], in yaml: String, mentioning words: String,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let source = try YAMLSource(bytes: Array(yaml.utf8))
        XCTAssertThrowsError(try YAMLEdit.set(path, to: "1Gi", in: source, document: 0), file: file, line: line) { error in
            XCTAssertTrue(error is YAMLEditError, "\(type(of: error))", file: file, line: line)
            XCTAssertTrue("\(error)".contains(words), "\(error)", file: file, line: line)
        }
    }

    // Two containers in the "indented" sequence style, with plain, single- and double-quoted values.
    private let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: shop
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: api:1.0
                  resources:
                    requests:
                      cpu: 500m  # tuned in March
                      memory: '512Mi'  # keep quoted
                    limits:
                      memory: "1Gi" # hard cap
                - name: web
                  image: web:2.0
                  resources:
                    requests:
                      cpu: 250m

        """

    // The "not indented" sequence style: `- name:` at the parent key's column.
    private let notIndented = """
        spec:
          containers:
          - name: sidecar
            image: envoy:1.29
          - name: web
            image: web:2.0
            resources:
              limits:
                cpu: "1"
                memory: 1Gi
          - name: worker
            image: worker:3

        """

    // MARK: Replacing a scalar

    func testReplacingAPlainScalarKeepsTheTrailingComment() throws {
        let edited = try set(keys(podSpec + ".containers") + [.named("api")] + keys("resources.requests.cpu"), to: "345m", in: deployment)
        XCTAssertEqual(edited, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shop
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      resources:
                        requests:
                          cpu: 345m  # tuned in March
                          memory: '512Mi'  # keep quoted
                        limits:
                          memory: "1Gi" # hard cap
                    - name: web
                      image: web:2.0
                      resources:
                        requests:
                          cpu: 250m

            """)
    }

    func testReplacingASingleQuotedScalarKeepsTheQuotesAndTheComment() throws {
        let edited = try set(keys(podSpec + ".containers") + [.named("api")] + keys("resources.requests.memory"), to: "368Mi", in: deployment)
        XCTAssertEqual(edited, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shop
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      resources:
                        requests:
                          cpu: 500m  # tuned in March
                          memory: '368Mi'  # keep quoted
                        limits:
                          memory: "1Gi" # hard cap
                    - name: web
                      image: web:2.0
                      resources:
                        requests:
                          cpu: 250m

            """)
    }

    func testReplacingADoubleQuotedScalarKeepsTheQuotesAndTheComment() throws {
        let edited = try set(keys(podSpec + ".containers") + [.named("api")] + keys("resources.limits.memory"), to: "704Mi", in: deployment)
        XCTAssertEqual(edited, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shop
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      resources:
                        requests:
                          cpu: 500m  # tuned in March
                          memory: '512Mi'  # keep quoted
                        limits:
                          memory: "704Mi" # hard cap
                    - name: web
                      image: web:2.0
                      resources:
                        requests:
                          cpu: 250m

            """)
    }

    func testAQuotedValueIsWrittenWithItsEscapes() throws {
        // Decoded: -Xmx1g -Dname="a b" -Dpath=C:\tmp it's; written back in each scalar's own quoting.
        let value = #"-Xmx1g -Dname="a b" -Dpath=C:\tmp it's"#
        for (written, expected) in [(#""-Xmx2g -Dname=\"a b\" -Dpath=C:\\tmp it's""#, #""-Xmx1g -Dname=\"a b\" -Dpath=C:\\tmp it's""#),
                                    (#"'-Xmx2g -Dname="a b" -Dpath=C:\tmp it''s'"#, #"'-Xmx1g -Dname="a b" -Dpath=C:\tmp it''s'"#)] {
            let source = try YAMLSource(bytes: Array("env:\n  - name: JAVA_OPTS\n    value: \(written)\n".utf8))
            let path: [YAMLPathStep] = [.key("env"), .named("JAVA_OPTS"), .key("value")]
            let edited = try YAMLEdit.set(path, to: value, in: source, document: 0)
            XCTAssertEqual(String(decoding: edited, as: UTF8.self), "env:\n  - name: JAVA_OPTS\n    value: \(expected)\n")
        }
        // A value that cannot read back (a newline in a double-quoted scalar folds to a space) is refused,
        // and the message does not carry it (an env value may hold a secret).
        let source = try YAMLSource(bytes: Array("opts: \"a\"\n".utf8))
        XCTAssertThrowsError(try YAMLEdit.set([.key("opts")], to: "secret\nvalue", in: source, document: 0)) { error in
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }

    func testSetsAValueInTheSecondDocumentOnly() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              cpu: 500m
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      resources:
                        requests:
                          cpu: 500m

            """
        let edited = try set(keys(podSpec + ".containers") + [.named("api")] + keys("resources.requests.cpu"), to: "345m", in: yaml, document: 1)
        XCTAssertEqual(edited, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              cpu: 500m
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      resources:
                        requests:
                          cpu: 345m

            """)
        let reread = try YAMLSource(bytes: Array(edited.utf8))
        XCTAssertEqual(YAMLEdit.value(at: keys("data.cpu"), in: reread, document: 0)?.value, "500m")
    }

    func testPicksTheNamedContainerInAnIndentedSequence() throws {
        let edited = try set(keys(podSpec + ".containers") + [.named("web")] + keys("resources.requests.cpu"), to: "100m", in: deployment)
        XCTAssertEqual(edited, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shop
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      resources:
                        requests:
                          cpu: 500m  # tuned in March
                          memory: '512Mi'  # keep quoted
                        limits:
                          memory: "1Gi" # hard cap
                    - name: web
                      image: web:2.0
                      resources:
                        requests:
                          cpu: 100m

            """)
    }

    func testPicksTheNamedContainerInANotIndentedSequence() throws {
        let edited = try set(keys("spec.containers") + [.named("web")] + keys("resources.limits.memory"), to: "768Mi", in: notIndented)
        XCTAssertEqual(edited, """
            spec:
              containers:
              - name: sidecar
                image: envoy:1.29
              - name: web
                image: web:2.0
                resources:
                  limits:
                    cpu: "1"
                    memory: 768Mi
              - name: worker
                image: worker:3

            """)
    }

    func testEmptyValueGetsTheValueAfterTheColon() throws {
        let yaml = """
            resources:
              requests:
                cpu:
                memory: 512Mi

            """
        XCTAssertEqual(try set(keys("resources.requests.cpu"), to: "345m", in: yaml), """
            resources:
              requests:
                cpu: 345m
                memory: 512Mi

            """)
    }

    // MARK: Inserting missing keys

    func testInsertsRequestsAtTheColumnOfLimitsAfterTheLastLineOfResources() throws {
        let edited = try set(keys("spec.containers") + [.named("web")] + keys("resources.requests.cpu"), to: "345m", in: notIndented)
        XCTAssertEqual(edited, """
            spec:
              containers:
              - name: sidecar
                image: envoy:1.29
              - name: web
                image: web:2.0
                resources:
                  limits:
                    cpu: "1"
                    memory: 1Gi
                  requests:
                    cpu: 345m
              - name: worker
                image: worker:3

            """)
    }

    func testInsertsAWholeResourcesBlockIntoAContainerThatLacksIt() throws {
        let edited = try set(keys("spec.containers") + [.named("sidecar")] + keys("resources.requests.memory"), to: "64Mi", in: notIndented)
        XCTAssertEqual(edited, """
            spec:
              containers:
              - name: sidecar
                image: envoy:1.29
                resources:
                  requests:
                    memory: 64Mi
              - name: web
                image: web:2.0
                resources:
                  limits:
                    cpu: "1"
                    memory: 1Gi
              - name: worker
                image: worker:3

            """)
    }

    func testInsertsAResourcesBlockIntoTheLastContainerOfTheFile() throws {
        let edited = try set(keys("spec.containers") + [.named("worker")] + keys("resources.requests.memory"), to: "368Mi", in: notIndented)
        XCTAssertEqual(edited, notIndented + """
                resources:
                  requests:
                    memory: 368Mi

            """)
    }

    func testEmptyFlowMappingBecomesABlock() throws {
        let yaml = """
            spec:
              containers:
                - name: web
                  image: web:2.0
                  resources: {}
                - name: log
                  image: fluent-bit:3

            """
        XCTAssertEqual(try set(keys("spec.containers") + [.named("web")] + keys("resources.requests.cpu"), to: "345m", in: yaml), """
            spec:
              containers:
                - name: web
                  image: web:2.0
                  resources:
                    requests:
                      cpu: 345m
                - name: log
                  image: fluent-bit:3

            """)
    }

    /// `resources:` with its `{}` on the next line (a chart's values.yaml writes it so): the braces go, and
    /// no empty line is left where they were.
    func testEmptyFlowMappingOnItsOwnLineBecomesABlock() throws {
        let yaml = """
            controller:
              resources:
                {}
                # limits:
                #   cpu: 100m
              replicas: 1

            """
        XCTAssertEqual(try set(keys("controller.resources.requests.cpu"), to: "50m", in: yaml), """
            controller:
              resources:
                requests:
                  cpu: 50m
                # limits:
                #   cpu: 100m
              replicas: 1

            """)
    }

    func testResourcesWithAnEmptyValueGetsABlock() throws {
        let yaml = """
            spec:
              containers:
                - name: log
                  image: fluent-bit:3
                  resources:
                - name: tail
                  image: busybox

            """
        XCTAssertEqual(try set(keys("spec.containers") + [.named("log")] + keys("resources.requests.memory"), to: "64Mi", in: yaml), """
            spec:
              containers:
                - name: log
                  image: fluent-bit:3
                  resources:
                    requests:
                      memory: 64Mi
                - name: tail
                  image: busybox

            """)
    }

    func testFourSpaceFileGetsFourSpaceInsertedIndentation() throws {
        let yaml = """
            spec:
                template:
                    spec:
                        containers:
                            -   name: web
                                image: web:2.0
                                resources:
                                    limits:
                                        cpu: 500m

            """
        let source = try YAMLSource(bytes: Array(yaml.utf8))
        XCTAssertEqual(YAMLEdit.indentStep(source.documents[0]), 4)
        XCTAssertEqual(try set(keys(podSpec + ".containers") + [.named("web")] + keys("resources.requests.cpu"), to: "345m", in: yaml), """
            spec:
                template:
                    spec:
                        containers:
                            -   name: web
                                image: web:2.0
                                resources:
                                    limits:
                                        cpu: 500m
                                    requests:
                                        cpu: 345m

            """)
    }

    func testInsertingAfterABlockScalarGoesAfterItsLastLine() throws {
        // libyaml ends a block scalar at the next token, on the following line: the new keys must not land there.
        let yaml = """
            spec:
              containers:
                - name: web
                  args: |
                    echo hi
                - name: log
                  image: fluent-bit:3

            """
        XCTAssertEqual(try set(keys("spec.containers") + [.named("web")] + keys("resources.requests.cpu"), to: "345m", in: yaml), """
            spec:
              containers:
                - name: web
                  args: |
                    echo hi
                  resources:
                    requests:
                      cpu: 345m
                - name: log
                  image: fluent-bit:3

            """)
    }

    // MARK: Offsets

    func testNonASCIICommentBeforeTheValueDoesNotShiftTheEdit() throws {
        // libyaml's marks count characters; the edit must land on bytes.
        let yaml = """
            # café ☕ — réglé à la main 🚀
            metadata:
              name: web  # propriétaire: équipe ☕
            spec:
              containers:
                - name: web
                  resources:
                    requests:
                      cpu: 500m
                      memory: 512Mi

            """
        let path = keys("spec.containers") + [.named("web")] + keys("resources.requests")
        XCTAssertEqual(try set(path + keys("memory"), to: "368Mi", in: yaml), """
            # café ☕ — réglé à la main 🚀
            metadata:
              name: web  # propriétaire: équipe ☕
            spec:
              containers:
                - name: web
                  resources:
                    requests:
                      cpu: 500m
                      memory: 368Mi

            """)
        let source = try YAMLSource(bytes: Array(yaml.utf8))
        let scalar = try XCTUnwrap(YAMLEdit.value(at: path + keys("cpu"), in: source, document: 0))
        XCTAssertEqual(String(decoding: source.bytes[scalar.start..<scalar.end], as: UTF8.self), "500m")
    }

    func testNonASCIICommentBeforeAnInsertionDoesNotShiftIt() throws {
        let yaml = """
            # café ☕
            spec:
              containers:
                - name: web  # équipe ☕
                  resources:
                    requests:
                      memory: 512Mi
                - name: log

            """
        XCTAssertEqual(try set(keys("spec.containers") + [.named("web")] + keys("resources.limits.memory"), to: "1Gi", in: yaml), """
            # café ☕
            spec:
              containers:
                - name: web  # équipe ☕
                  resources:
                    requests:
                      memory: 512Mi
                    limits:
                      memory: 1Gi
                - name: log

            """)
    }

    func testByteOrderMarkDoesNotShiftTheEdit() throws {
        // libyaml skips a leading BOM without counting it in its marks.
        let yaml = "\u{FEFF}" + """
            metadata:
              name: web
            spec:
              replicas: 3

            """
        XCTAssertEqual(try set(keys("spec.replicas"), to: "2", in: yaml), "\u{FEFF}" + """
            metadata:
              name: web
            spec:
              replicas: 2

            """)
    }

    // MARK: Anchors, aliases, tags and block scalars

    private let anchored = """
        defaults:
          memory: &mem 512Mi
        spec:
          containers:
            - name: web
              resources:
                requests:
                  memory: *mem
                limits:
                  memory: !!str 1Gi

        """

    func testAnAnchoredValueUsedElsewhereIsNotEdited() throws {
        // `requests.memory: *mem` would silently change too.
        try assertSetThrows(keys("defaults.memory"), in: anchored, mentioning: "anchor &mem")
    }

    func testAnAnchoredValueNobodyUsesKeepsItsAnchor() throws {
        let unused = anchored.replacingOccurrences(of: "memory: *mem", with: "memory: 512Mi")
        XCTAssertEqual(try set(keys("defaults.memory"), to: "368Mi", in: unused), """
            defaults:
              memory: &mem 368Mi
            spec:
              containers:
                - name: web
                  resources:
                    requests:
                      memory: 512Mi
                    limits:
                      memory: !!str 1Gi

            """)
    }

    func testAMappingWithAMergeKeyIsNotEdited() throws {
        let merged = """
            base: &base
              cpu: 500m
            resources:
              requests:
                <<: *base
                memory: 1Gi

            """
        try assertSetThrows(keys("resources.requests.cpu"), in: merged, mentioning: "merges another mapping")
    }


    func testValueWithATagKeepsTheTag() throws {
        let edited = try set(keys("spec.containers") + [.named("web")] + keys("resources.limits.memory"), to: "2Gi", in: anchored)
        XCTAssertEqual(edited, anchored.replacingOccurrences(of: "memory: !!str 1Gi", with: "memory: !!str 2Gi"))
    }

    func testAliasValueIsNotEdited() throws {
        try assertSetThrows(keys("spec.containers") + [.named("web")] + keys("resources.requests.memory"), in: anchored, mentioning: "alias")
    }

    func testPathThroughAnAliasIsNotEdited() throws {
        let yaml = """
            limits: &limits
              cpu: 500m
            spec:
              containers:
                - name: web
                  resources:
                    limits: *limits

            """
        try assertSetThrows(keys("spec.containers") + [.named("web")] + keys("resources.limits.cpu"), in: yaml, mentioning: "alias")
    }

    func testBlockScalarIsNotEdited() throws {
        let yaml = """
            data:
              literal: |
                512Mi
              folded: >
                512Mi
              other: 1

            """
        try assertSetThrows(keys("data.literal"), in: yaml, mentioning: "block scalar")
        try assertSetThrows(keys("data.folded"), in: yaml, mentioning: "block scalar")
    }

    func testMissingNamedItemIsAnError() throws {
        try assertSetThrows(keys("spec.containers") + [.named("nope")] + keys("resources.limits.cpu"), in: notIndented, mentioning: "nope")
    }

    func testInsertingIntoAFlowMappingIsRefused() throws {
        let yaml = """
            resources: {limits: {cpu: "1"}}

            """
        try assertSetThrows(keys("resources.requests.cpu"), in: yaml, mentioning: "flow")
    }

    // MARK: Reading values and paths

    func testValueAtReadsScalarsAndTheirStyle() throws {
        let source = try YAMLSource(bytes: Array(deployment.utf8))
        let api = keys(podSpec + ".containers") + [.named("api")]
        let memory = try XCTUnwrap(YAMLEdit.value(at: api + keys("resources.requests.memory"), in: source, document: 0))
        XCTAssertEqual(memory.value, "512Mi")
        XCTAssertEqual(memory.style, .singleQuoted)
        XCTAssertEqual(String(decoding: source.bytes[memory.start..<memory.end], as: UTF8.self), "'512Mi'")
        XCTAssertEqual(YAMLEdit.value(at: api + keys("resources.limits.memory"), in: source, document: 0)?.style, .doubleQuoted)
        XCTAssertEqual(YAMLEdit.value(at: keys(podSpec + ".containers") + [.named("web")] + keys("resources.requests.cpu"), in: source,
                                      document: 0)?.value, "250m")
        XCTAssertEqual(YAMLEdit.value(at: keys("metadata.name"), in: source, document: 0)?.value, "shop")
        XCTAssertNil(YAMLEdit.value(at: api + keys("resources"), in: source, document: 0), "a mapping is not a value")
        XCTAssertNil(YAMLEdit.value(at: api + keys("resources.limits.cpu"), in: source, document: 0))
        XCTAssertNil(YAMLEdit.value(at: keys(podSpec + ".containers") + [.named("nope"), .key("image")], in: source, document: 0))
    }

    func testPathStepsParseDottedKeys() {
        XCTAssertEqual(YAMLPathStep.parse("scheduler.resources"), [.key("scheduler"), .key("resources")])
        XCTAssertEqual(YAMLPathStep.parse("containers.[name=web].resources"), [.key("containers"), .named("web"), .key("resources")])
    }

    func testPathStepsParseTheDocumentedBracketForm() {
        // The form in YAMLPathStep.parse's own doc comment.
        XCTAssertEqual(YAMLPathStep.parse("spec.template.spec.containers[name=web].resources"),
                       [.key("spec"), .key("template"), .key("spec"), .key("containers"), .named("web"), .key("resources")])
    }
}
