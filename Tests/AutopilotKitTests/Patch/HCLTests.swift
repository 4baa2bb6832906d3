import XCTest
@testable import AutopilotKit

final class HCLTests: XCTestCase {
    private let terraform = """
        # Managed node groups for the prod cluster.
        resource "aws_eks_node_group" "general" {
          cluster_name    = "prod" // spelled out
          node_group_name = "general-workers"
          /* Sizes: the autoscaler
             moves desired_size { } */
          scaling_config {
            desired_size = 3
            min_size     = 2
            max_size     = 6
          }
          instance_types       = ["m5.xlarge", "m5a.xlarge"]
          launch_template_name = "${var.x}-y"
          user_data            = <<-EOT
            #!/bin/bash
            echo "{ not a block"
          EOT
          lifecycle {
            ignore_changes = [scaling_config[0].desired_size]
          }
        }

        module "eks" {
          source       = "terraform-aws-modules/eks/aws"
          cluster_name = "prod"
          eks_managed_node_groups = {
            general = { min_size = 1, desired_size = 2 }
            batch = {
              min_size       = 0
              desired_size   = 1
              instance_types = ["c5.2xlarge"]
            }
          }
        }

        """

    private func parsed() throws -> (file: HCL.Block, resource: HCL.Block, module: HCL.Block) {
        let file = try HCL.parse(Array(terraform.utf8))
        XCTAssertEqual(file.blocks.count, 2)
        let resource = try XCTUnwrap(file.blocks.first)
        let module = try XCTUnwrap(file.blocks.last)
        return (file, resource, module)
    }

    /// Where `needle` is in `text`, found just after `prefix`, which with it must occur exactly once.
    private func range(of needle: String, after prefix: String = "", in text: String,
                       file: StaticString = #filePath, line: UInt = #line) -> Range<Int>? {
        let haystack = Array(text.utf8)
        let pattern = Array((prefix + needle).utf8)
        guard pattern.count <= haystack.count else {
            XCTFail("\(prefix + needle) is longer than the text", file: file, line: line)
            return nil
        }
        let starts = (0...(haystack.count - pattern.count)).filter { haystack[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        XCTAssertEqual(starts.count, 1, "\(prefix + needle) occurs \(starts.count) times", file: file, line: line)
        guard let start = starts.first.map({ $0 + prefix.utf8.count }) else { return nil }
        return start..<(start + needle.utf8.count)
    }

    private func assertLiteral(_ expression: HCL.Expression?, _ text: String, quoted: Bool, at range: Range<Int>?,
                               file: StaticString = #filePath, line: UInt = #line) {
        guard case .literal(let value, let isQuoted, let start, let end)? = expression else {
            return XCTFail("not a literal: \(String(describing: expression))", file: file, line: line)
        }
        XCTAssertEqual(value, text, file: file, line: line)
        XCTAssertEqual(isQuoted, quoted, file: file, line: line)
        XCTAssertEqual(start..<end, range, "the literal's bytes", file: file, line: line)
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: Array(terraform.utf8)[start..<end], as: UTF8.self)
    }

    // MARK: Structure

    func testBlocksHaveTheirTypesAndLabels() throws {
        let (file, resource, module) = try parsed()
        XCTAssertEqual(file.type, "")
        XCTAssertEqual(file.end, terraform.utf8.count)
        XCTAssertEqual(resource.type, "resource")
        XCTAssertEqual(resource.labels, ["aws_eks_node_group", "general"])
        XCTAssertEqual(resource.blocks.map(\.type), ["scaling_config", "lifecycle"])
        XCTAssertEqual(resource.blocks.map(\.labels), [[], []])
        XCTAssertEqual(resource.attributes.map(\.name),
                       ["cluster_name", "node_group_name", "instance_types", "launch_template_name", "user_data"])
        XCTAssertEqual(module.type, "module")
        XCTAssertEqual(module.labels, ["eks"])
        XCTAssertEqual(module.attributes.map(\.name), ["source", "cluster_name", "eks_managed_node_groups"])
    }

    func testBlockRangeRunsFromItsTypeToItsClosingBrace() throws {
        let (_, resource, module) = try parsed()
        let scaling = try XCTUnwrap(resource.blocks.first)
        XCTAssertEqual(text(scaling.start, scaling.end), """
            scaling_config {
                desired_size = 3
                min_size     = 2
                max_size     = 6
              }
            """)
        XCTAssertTrue(text(resource.start, resource.end).hasPrefix("resource \"aws_eks_node_group\" \"general\" {\n"))
        XCTAssertTrue(text(resource.start, resource.end).hasSuffix("    ignore_changes = [scaling_config[0].desired_size]\n  }\n}"))
        XCTAssertEqual(resource.start, range(of: "resource \"aws_eks_node_group\"", in: terraform)?.lowerBound)
        XCTAssertTrue(text(module.start, module.end).hasPrefix("module \"eks\" {"))
        XCTAssertEqual(module.end, terraform.utf8.count - 1, "the module's closing brace is the last byte before the final newline")
    }

    // MARK: Literals and their byte ranges

    func testQuotedStringRangeIncludesItsQuotesAndNotTheComment() throws {
        let (_, resource, _) = try parsed()
        assertLiteral(resource["cluster_name"], "prod", quoted: true, at: range(of: "\"prod\"", after: "cluster_name    = ", in: terraform))
        assertLiteral(resource["node_group_name"], "general-workers", quoted: true,
                      at: range(of: "\"general-workers\"", after: "node_group_name = ", in: terraform))
    }

    func testNumberRangeIsItsDigits() throws {
        let (_, resource, _) = try parsed()
        let scaling = try XCTUnwrap(resource.blocks.first)
        assertLiteral(scaling["desired_size"], "3", quoted: false, at: range(of: "3", after: "desired_size = ", in: terraform))
        assertLiteral(scaling["min_size"], "2", quoted: false, at: range(of: "2", after: "min_size     = ", in: terraform))
        assertLiteral(scaling["max_size"], "6", quoted: false, at: range(of: "6", after: "max_size     = ", in: terraform))
    }

    func testListOfStringsHasEachItemsRange() throws {
        let (_, resource, _) = try parsed()
        guard case .list(let items, let start, let end)? = resource["instance_types"] else {
            return XCTFail("instance_types is not a list: \(String(describing: resource["instance_types"]))")
        }
        XCTAssertEqual(start..<end, range(of: "[\"m5.xlarge\", \"m5a.xlarge\"]", in: terraform))
        XCTAssertEqual(items.count, 2)
        assertLiteral(items.first, "m5.xlarge", quoted: true, at: range(of: "\"m5.xlarge\"", in: terraform))
        assertLiteral(items.last, "m5a.xlarge", quoted: true, at: range(of: "\"m5a.xlarge\"", in: terraform))
    }

    func testInterpolatedStringIsNotALiteral() throws {
        let (_, resource, _) = try parsed()
        guard case .other(let start, let end)? = resource["launch_template_name"] else {
            return XCTFail("not opaque: \(String(describing: resource["launch_template_name"]))")
        }
        XCTAssertNil(resource["launch_template_name"]?.literalText)
        XCTAssertEqual(text(start, end), "\"${var.x}-y\"")
    }

    func testHeredocIsOneOpaqueValue() throws {
        let (_, resource, _) = try parsed()
        guard case .other(let start, let end)? = resource["user_data"] else {
            return XCTFail("not opaque: \(String(describing: resource["user_data"]))")
        }
        XCTAssertEqual(text(start, end), """
            <<-EOT
                #!/bin/bash
                echo "{ not a block"
              EOT
            """)
    }

    func testIgnoreChangesHoldsAnOpaqueTraversal() throws {
        let (_, resource, _) = try parsed()
        let lifecycle = try XCTUnwrap(resource.blocks.last)
        guard case .list(let items, _, _)? = lifecycle["ignore_changes"], items.count == 1, case .other(let start, let end) = items[0] else {
            return XCTFail("ignore_changes: \(String(describing: lifecycle["ignore_changes"]))")
        }
        XCTAssertEqual(text(start, end), "scaling_config[0].desired_size")
    }

    func testObjectOnOneLineWithCommas() throws {
        let (_, _, module) = try parsed()
        guard case .object(let groups, _, _)? = module["eks_managed_node_groups"] else {
            return XCTFail("not an object: \(String(describing: module["eks_managed_node_groups"]))")
        }
        XCTAssertEqual(groups.map(\.key), ["general", "batch"])
        let general = module["eks_managed_node_groups"]?["general"]
        guard case .object(let items, let start, let end)? = general else { return XCTFail("general: \(String(describing: general))") }
        XCTAssertEqual(items.map(\.key), ["min_size", "desired_size"])
        XCTAssertEqual(text(start, end), "{ min_size = 1, desired_size = 2 }")
        assertLiteral(general?["min_size"], "1", quoted: false, at: range(of: "1", after: "{ min_size = ", in: terraform))
        assertLiteral(general?["desired_size"], "2", quoted: false, at: range(of: "2", after: "min_size = 1, desired_size = ", in: terraform))
    }

    func testObjectOnSeveralLines() throws {
        let (_, _, module) = try parsed()
        let batch = module["eks_managed_node_groups"]?["batch"]
        assertLiteral(batch?["min_size"], "0", quoted: false, at: range(of: "0", after: "min_size       = ", in: terraform))
        assertLiteral(batch?["desired_size"], "1", quoted: false, at: range(of: "1", after: "desired_size   = ", in: terraform))
        guard case .list(let types, _, _)? = batch?["instance_types"] else { return XCTFail("batch instance_types") }
        assertLiteral(types.first, "c5.2xlarge", quoted: true, at: range(of: "\"c5.2xlarge\"", in: terraform))
        assertLiteral(module["source"], "terraform-aws-modules/eks/aws", quoted: true,
                      at: range(of: "\"terraform-aws-modules/eks/aws\"", in: terraform))
    }

    // MARK: Errors

    private func assertParseError(_ text: String, at offset: Int? = nil, mentioning words: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try HCL.parse(Array(text.utf8)), file: file, line: line) { error in
            guard let error = error as? HCL.ParseError else { return XCTFail("\(type(of: error))", file: file, line: line) }
            XCTAssertTrue(error.description.contains(words), error.description, file: file, line: line)
            if let offset { XCTAssertEqual(error.offset, offset, file: file, line: line) }
        }
    }

    func testUnterminatedStringIsAnError() {
        let text = """
            resource "aws_ebs_volume" "data" {
              type = "gp3
              size = 100
            }

            """
        assertParseError(text, at: range(of: "\"gp3", in: text)?.lowerBound, mentioning: "unterminated string")
        assertParseError("name = \"gp3", at: 7, mentioning: "unterminated string")
    }

    func testMissingClosingBraceIsAnError() {
        assertParseError("""
            resource "aws_ebs_volume" "data" {
              size = 100
              tags = {
                Name = "data"
              }

            """, mentioning: "missing }")
    }

    func testMissingClosingBracketIsAnError() {
        assertParseError("""
            instance_types = ["m5.xlarge",

            """, mentioning: "missing ]")
    }

    func testUnterminatedHeredocIsAnError() {
        assertParseError("""
            user_data = <<EOT
            echo hi

            """, mentioning: "unterminated heredoc")
    }

    func testStrayClosingBraceIsAnError() {
        assertParseError("""
            size = 100
            }

            """, mentioning: "unexpected }")
    }
}
