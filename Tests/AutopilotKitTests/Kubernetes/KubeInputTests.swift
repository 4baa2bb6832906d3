import Foundation
import XCTest
@testable import AutopilotKit

final class KubeInputTests: XCTestCase {
    /// Diagnostic lines the last `read` produced.
    private var messages: [String] = []

    private func read(_ text: String, format: KubeInput.Format, strict: Bool = false) throws
        -> (items: [KubeItem], diagnostics: Diagnostics)
    {
        messages = []
        let diagnostics = Diagnostics(tool: "test", strict: strict) { self.messages.append($0) }
        var items: [KubeItem] = []
        try KubeInput.read(bytes: Array(text.utf8), format: format, source: "in", diagnostics: diagnostics) {
            items.append($0)
        }
        return (items, diagnostics)
    }

    private let list = """
        {
            "apiVersion": "v1",
            "items": [
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}},
                {
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "b}]\\"", "namespace": "x"}
                }
            ],
            "kind": "List",
            "metadata": {"resourceVersion": ""}
        }
        """

    func testListItemsAreScannedOneByOneWithTheirLines() throws {
        let (items, diagnostics) = try read(list, format: .json)
        XCTAssertEqual(items.map { $0.object["metadata", "name"]?.string }, ["a", "b}]\""])
        XCTAssertEqual(items.map(\.line), [4, 5])
        XCTAssertEqual(diagnostics.errorCount, 0)
    }

    func testTypedAPIListGivesItsItemsAKind() throws {
        let text = #"{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"n1"}}]}"#
        let (items, _) = try read(text, format: .json)
        XCTAssertEqual(items.first?.kind, "Node")
    }

    func testSingleObjectIsOneItem() throws {
        let (items, _) = try read(#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}"#, format: .json)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items.first?.kind, "Node")
    }

    func testTruncatedListKeepsEarlierItemsAndNamesThePlace() throws {
        let cut = String(list.prefix(list.range(of: "\"metadata\": {\"name\": \"b")!.lowerBound.utf16Offset(in: list)))
        let (items, diagnostics) = try read(cut, format: .json)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(diagnostics.errorCount, 1)
        XCTAssertEqual(messages, ["test: in:7:13: error: unexpected end of file inside \"items\": the file is truncated (the object before it was read); the rest of this input is skipped\n"])
    }

    /// Documents one after another, as `{ kubectl get nodes -o json; kubectl get pods -o json; }` writes
    /// them (and kubectl's own decoder reads them): every one is read, with its own lines.
    func testConcatenatedDocumentsAreReadToTheEnd() throws {
        let node = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}"#
        let (items, diagnostics) = try read(list + "\n" + node + node + "\n\n" + list, format: .json)
        XCTAssertEqual(items.map { $0.object["metadata", "name"]?.string }, ["a", "b}]\"", "n1", "n1", "a", "b}]\""])
        XCTAssertEqual(items.map(\.line), [4, 5, 13, 13, 18, 19])
        XCTAssertEqual(diagnostics.errorCount, 0)
    }

    func testJunkAfterTheDocumentsIsAnErrorAtItsPlace() throws {
        let (items, diagnostics) = try read(list + "\n  nope\n", format: .json)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(diagnostics.errorCount, 1)
        XCTAssertEqual(messages.count, 1)
        XCTAssertTrue(messages.first?.hasPrefix("test: in:13:") == true, "\(messages)")
        XCTAssertTrue(messages.first?.hasSuffix("(the 2 objects before it were read); the rest of this input is skipped\n") == true, "\(messages)")
    }

    /// Two YAML outputs written one after the other without `---` read as one mapping with every key
    /// twice: that is an error naming both lines, never the second List silently instead of the first.
    func testAKeyTwiceInOneYAMLMappingIsAnError() throws {
        let output = "apiVersion: v1\nitems:\n- kind: Node\n  metadata:\n    name: n1\nkind: List\n"
        let (items, diagnostics) = try read(output + output, format: .yaml)
        XCTAssertEqual(items.count, 0)
        XCTAssertEqual(diagnostics.errorCount, 1)
        XCTAssertEqual(messages, ["test: in:7:1: error: the key 'apiVersion' appears a second time in this mapping (first on line 1); "
            + "if two documents were written one after the other, put a line '---' between them; the rest of this file is skipped\n"])
        let (separated, _) = try read(output + "---\n" + output, format: .yaml)
        XCTAssertEqual(separated.count, 2)
    }

    func testCorruptItemIsSkippedWithItsAbsoluteLine() throws {
        let broken = list.replacingOccurrences(of: "\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n", with: "\"apiVersion\": \"v1\" \"kind\": \"Pod\",\n")
        let (items, diagnostics) = try read(broken, format: .json)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(diagnostics.errorCount, 1)
        // The item starts on line 5; jansson finds the fault on its second line, at the stray key.
        XCTAssertEqual(messages.count, 1)
        XCTAssertTrue(messages[0].hasPrefix("test: in:6:"), messages[0])
        XCTAssertTrue(messages[0].hasSuffix("; this item is skipped\n"), messages[0])
        XCTAssertThrowsError(try read(broken, format: .json, strict: true)) { XCTAssertTrue($0 is StrictModeStop) }
    }

    func testNDJSONSkipsABadLineAndKeepsTheRest() throws {
        let text = """
            {"kind":"Pod","metadata":{"name":"a"}}
            {"kind":"Pod","metadata":{"name":
            {"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"c"}},{"metadata":{"name":"d"}}]}
            """
        let (items, diagnostics) = try read(text, format: .ndjson)
        XCTAssertTrue(messages.first?.hasPrefix("test: in:2:") ?? false, "\(messages)")
        XCTAssertEqual(items.map { $0.object["metadata", "name"]?.string }, ["a", "c", "d"])
        XCTAssertEqual(items.map(\.line), [1, 3, 3])
        XCTAssertEqual(diagnostics.errorCount, 1)
    }

    func testMultiDocumentYAML() throws {
        let text = """
            # a comment
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
              namespace: shop
              labels: &labels
                team: payments
            spec:
              replicas: 3
              template:
                metadata:
                  labels: *labels
                spec:
                  containers:
                    - name: api
                      resources:
                        requests: {cpu: 250m, memory: "512Mi"}
                        limits:
                          cpu: 1
                          memory: 1.5Gi
            ---
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {team: "007", enabled: "true"}}
              - {apiVersion: v1, kind: Namespace, metadata: {name: other}}
            """
        let (items, diagnostics) = try read(text, format: .yaml)
        XCTAssertEqual(diagnostics.errorCount, 0)
        XCTAssertEqual(items.map(\.kind), ["Deployment", "Namespace", "Namespace"])
        XCTAssertEqual(items.map(\.line), [2, 24, 24])
        let deployment = items[0].object
        XCTAssertEqual(deployment["spec", "replicas"]?.int, 3)
        XCTAssertEqual(deployment["spec", "template", "metadata", "labels", "team"]?.string, "payments")
        let container = deployment["spec", "template", "spec", "containers"]!.array[0]
        XCTAssertEqual(container["resources", "requests", "cpu"]?.string, "250m")
        XCTAssertEqual(container["resources", "limits", "cpu"]?.int, 1)
        XCTAssertEqual(container["resources", "limits", "memory"]?.string, "1.5Gi")
        XCTAssertEqual(items[1].object["metadata", "labels", "team"]?.string, "007")
    }

    func testYAMLSyntaxErrorKeepsEarlierDocumentsAndNamesLineAndColumn() throws {
        let text = "kind: Namespace\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata:\n  name: [b\n"
        let diagnostics = Diagnostics(tool: "test") { _ in }
        var items: [KubeItem] = []
        try KubeInput.read(bytes: Array(text.utf8), format: .yaml, source: "in", diagnostics: diagnostics) { items.append($0) }
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(diagnostics.errorCount, 1)
        XCTAssertThrowsError(try YAMLDocuments(bytes: Array(text.utf8)).forEachDocument { _, _ in }) { error in
            let yamlError = error as! YAMLParseError
            XCTAssertEqual(yamlError.line, 7)
        }
    }

    func testYAMLScalarsFollowTheCoreSchema() throws {
        let text = "a: 010\nb: 1.5\nc: ~\nd: yes\ne: 'true'\nf: 1e3\ng: 0x1F\nh: .5\ni: 1.2.3\n"
        var document: JSON?
        try YAMLDocuments(bytes: Array(text.utf8)).forEachDocument { json, _ in document = json }
        XCTAssertEqual(document?["a"]?.int, 10)
        XCTAssertEqual(document?["b"]?.double, 1.5)
        XCTAssertTrue(document?["c"]?.isNull ?? false)
        XCTAssertEqual(document?["d"]?.string, "yes")
        XCTAssertEqual(document?["e"]?.string, "true")
        XCTAssertEqual(document?["f"]?.double, 1000)
        XCTAssertEqual(document?["g"]?.int, 31)
        XCTAssertEqual(document?["h"]?.double, 0.5)
        XCTAssertEqual(document?["i"]?.string, "1.2.3")
    }

    func testStandardInputFormatIsSniffed() {
        XCTAssertEqual(KubeInput.sniff(Array("{\n    \"apiVersion\": \"v1\",".utf8)), .json)
        XCTAssertEqual(KubeInput.sniff(Array("{\"kind\":\"Pod\"}\n{\"kind\":\"Pod\"}".utf8)), .ndjson)
        XCTAssertEqual(KubeInput.sniff(Array("apiVersion: v1\nkind: Pod\n".utf8)), .yaml)
        XCTAssertEqual(KubeInput.format(ofPath: "x/pods.YAML"), .yaml)
        XCTAssertEqual(KubeInput.format(ofPath: "x/pods.jsonl"), .ndjson)
        XCTAssertEqual(KubeInput.format(ofPath: "x/pods.json"), .json)
    }
}
