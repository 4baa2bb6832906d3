import Foundation
import XCTest
@testable import AutopilotKit

final class YAMLEditTests: XCTestCase {
    // MARK: Data cases

    /// The cases in Data/yaml-edit (its README.md gives the format): `NN-name.yaml`, a header of `#` lines
    /// with the `path`, the `value`, the `document` (default 0) and, for an edit that must be refused, the
    /// words its error mentions, then an empty line and the input; and `NN-name.expected.yaml`, the file after
    /// the edit. Paths are read with `YAMLPathStep.parse`, tested on its own below.
    func testDataCases() throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/AutopilotKitTests/Data/yaml-edit")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let names = files.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".expected.yaml") }.map { String($0.dropLast(".yaml".count)) }
        for file in files where file.hasSuffix(".expected.yaml") {
            XCTAssertTrue(names.contains(String(file.dropLast(".expected.yaml".count))), "\(file): no input beside it")
        }
        XCTAssertGreaterThanOrEqual(names.count, 29, "cases in \(folder.path)")
        for name in names {
            do {
                let file = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name + ".yaml")))
                let expectedURL = folder.appendingPathComponent(name + ".expected.yaml")
                let expected = FileManager.default.fileExists(atPath: expectedURL.path) ? [UInt8](try Data(contentsOf: expectedURL)) : nil
                try check(name, file, expected)
            } catch {
                XCTFail("\(name): \(error)")
            }
        }
    }

    /// Why a case's files cannot be run.
    private struct CaseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs the case `name`: its file `file` (header, empty line, input) and its expected output.
    private func check(_ name: String, _ file: [UInt8], _ expected: [UInt8]?) throws {
        let newline = UInt8(ascii: "\n")
        guard let end = file.indices.dropLast().first(where: { file[$0] == newline && file[$0 + 1] == newline }) else {
            throw CaseError(description: "no empty line after the header")
        }
        var fields: [String: String] = [:]
        for line in String(decoding: file[..<end], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("#") else { throw CaseError(description: "header line not starting with #: \(line)") }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[line.index(after: line.startIndex)..<colon].trimmingCharacters(in: .whitespaces)
            guard ["path", "value", "document", "error mentions"].contains(key) else { continue }
            guard fields[key] == nil else { throw CaseError(description: "\(key) given twice") }
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let path = fields["path"].map(YAMLPathStep.parse), !path.isEmpty, let value = fields["value"] else {
            throw CaseError(description: "the header needs a path and a value")
        }
        guard let document = Int(fields["document"] ?? "0") else { throw CaseError(description: "document is not a number") }
        let input = Array(file[(end + 2)...])
        switch (fields["error mentions"], expected) {
        case (let words?, nil):
            let source = try YAMLSource(bytes: input)
            do {
                _ = try YAMLEdit.set(path, to: value, in: source, document: document)
                XCTFail("\(name): edited; expected an error mentioning \(words)")
            } catch {
                XCTAssertTrue(error.description.contains(words), "\(name): the error does not mention \(words): \(error)")
            }
        case (nil, let expected?):
            let edited = try set(path, to: value, in: input, document: document, case: name)
            XCTAssertTrue(edited == expected, "\(name): the edited file differs from \(name).expected.yaml:\n"
                + String(decoding: edited, as: UTF8.self))
        case (_?, _?): throw CaseError(description: "error mentions given, and an expected file too")
        case (nil, nil): throw CaseError(description: "neither an expected file nor error mentions")
        }
    }

    /// Sets the value and checks that the result parses again, has as many documents, and reads back `text`.
    private func set(_ path: [YAMLPathStep], to text: String, in input: [UInt8], document: Int = 0, case name: String,
                     file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let source = try YAMLSource(bytes: input)
        let edited = try YAMLEdit.set(path, to: text, in: source, document: document)
        let reread = try YAMLSource(bytes: edited)
        XCTAssertEqual(reread.documents.count, source.documents.count, "\(name): documents after the edit", file: file, line: line)
        XCTAssertEqual(YAMLEdit.value(at: path, in: reread, document: document)?.value, text, "\(name): value read back",
                       file: file, line: line)
        return edited
    }

    // MARK: Cases a data file cannot state
    //
    // A value with a line break (a header value is one line), and the words a message must not hold; a byte
    // order mark, invisible in a file and dropped by many editors, which would leave a case passing without
    // testing anything; and the reading tests (`value(at:)`, `YAMLPathStep.parse`), which edit nothing.

    /// Dotted keys as steps, built by hand so these tests do not depend on `YAMLPathStep.parse`.
    private func keys(_ dotted: String) -> [YAMLPathStep] {
        dotted.split(separator: ".").map { .key(String($0)) }
    }

    func testAValueThatCannotReadBackIsRefusedWithoutBeingQuoted() throws {
        // A newline in a double-quoted scalar folds to a space, so the value cannot read back: it is refused,
        // and the message does not carry it (an env value may hold a secret).
        let source = try YAMLSource(bytes: Array("opts: \"a\"\n".utf8))
        XCTAssertThrowsError(try YAMLEdit.set([.key("opts")], to: "secret\nvalue", in: source, document: 0)) { error in
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }

    func testByteOrderMarkDoesNotShiftTheEdit() throws {
        // libyaml skips a leading BOM without counting it in its marks.
        let yaml = "\u{FEFF}" + """
            metadata:
              name: web
            spec:
              replicas: 3

            """
        let edited = try set(keys("spec.replicas"), to: "2", in: Array(yaml.utf8), case: "byte order mark")
        XCTAssertEqual(String(decoding: edited, as: UTF8.self), "\u{FEFF}" + """
            metadata:
              name: web
            spec:
              replicas: 2

            """)
    }

    func testValueAtGivesByteOffsetsPastANonASCIIComment() throws {
        // libyaml's marks count characters; the offsets `value(at:)` gives are bytes.
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
        let source = try YAMLSource(bytes: Array(yaml.utf8))
        let path = keys("spec.containers") + [.named("web")] + keys("resources.requests.cpu")
        let scalar = try XCTUnwrap(YAMLEdit.value(at: path, in: source, document: 0))
        XCTAssertEqual(String(decoding: source.bytes[scalar.start..<scalar.end], as: UTF8.self), "500m")
    }

    // MARK: Reading values and paths

    func testValueAtReadsScalarsAndTheirStyle() throws {
        // Two containers in the "indented" sequence style, with plain, single- and double-quoted values.
        let deployment = """
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
        let source = try YAMLSource(bytes: Array(deployment.utf8))
        let containers = keys("spec.template.spec.containers")
        let api = containers + [.named("api")]
        let memory = try XCTUnwrap(YAMLEdit.value(at: api + keys("resources.requests.memory"), in: source, document: 0))
        XCTAssertEqual(memory.value, "512Mi")
        XCTAssertEqual(memory.style, .singleQuoted)
        XCTAssertEqual(String(decoding: source.bytes[memory.start..<memory.end], as: UTF8.self), "'512Mi'")
        XCTAssertEqual(YAMLEdit.value(at: api + keys("resources.limits.memory"), in: source, document: 0)?.style, .doubleQuoted)
        XCTAssertEqual(YAMLEdit.value(at: containers + [.named("web")] + keys("resources.requests.cpu"), in: source,
                                      document: 0)?.value, "250m")
        XCTAssertEqual(YAMLEdit.value(at: keys("metadata.name"), in: source, document: 0)?.value, "shop")
        XCTAssertNil(YAMLEdit.value(at: api + keys("resources"), in: source, document: 0), "a mapping is not a value")
        XCTAssertNil(YAMLEdit.value(at: api + keys("resources.limits.cpu"), in: source, document: 0))
        XCTAssertNil(YAMLEdit.value(at: containers + [.named("nope"), .key("image")], in: source, document: 0))
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
