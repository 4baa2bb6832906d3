import XCTest
@testable import AutopilotKit

/// `PatchPlanner.blockRemovalRange`: deleting a Terraform block leaves the file as if it had never been there.
final class PatchPlannerInfrastructureTests: XCTestCase {
    /// The text with the block labelled `label` removed, and the removed text.
    private func removing(_ label: String, from text: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> (kept: String, removed: String)
    {
        let bytes = Array(text.utf8)
        let block = try XCTUnwrap(try HCL.parse(bytes).blocks.first(where: { $0.labels.last == label }), file: file, line: line)
        let range = PatchPlanner.blockRemovalRange(block, in: bytes)
        return (String(decoding: Array(bytes[..<range.lowerBound]) + Array(bytes[range.upperBound...]), as: UTF8.self),
                String(decoding: bytes[range], as: UTF8.self))
    }

    func testRemovesTheCommentsAboveAndOneFollowingBlankLine() throws {
        let (kept, removed) = try removing("old", from: """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            # Orphaned since the 2024 migration.
            // Owner: data team
            resource "aws_ebs_volume" "old" {
              size = 100
              tags = {
                Name = "pv-data-old"
              }
            }

            resource "aws_ebs_volume" "other" {
              size = 20
            }

            """)
        XCTAssertEqual(kept, """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            resource "aws_ebs_volume" "other" {
              size = 20
            }

            """)
        XCTAssertEqual(removed, """
            # Orphaned since the 2024 migration.
            // Owner: data team
            resource "aws_ebs_volume" "old" {
              size = 100
              tags = {
                Name = "pv-data-old"
              }
            }


            """)
    }

    func testKeepsACommentSeparatedFromTheBlockByABlankLine() throws {
        let (kept, _) = try removing("old", from: """
            # EBS volumes of the data team.

            resource "aws_ebs_volume" "old" {
              size = 100
            }

            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
        XCTAssertEqual(kept, """
            # EBS volumes of the data team.

            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
    }

    func testRemovingTheFirstBlockTakesTheBlankLineAfterIt() throws {
        let (kept, _) = try removing("old", from: """
            resource "aws_ebs_volume" "old" {
              size = 100
            }

            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
        XCTAssertEqual(kept, """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
    }

    func testRemovingTheLastBlockLeavesNoTrailingBlankLine() throws {
        let (kept, removed) = try removing("old", from: """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            # Orphaned.
            resource "aws_ebs_volume" "old" {
              size = 100
            }

            """)
        XCTAssertTrue(removed.hasSuffix("resource \"aws_ebs_volume\" \"old\" {\n  size = 100\n}\n"), removed)
        XCTAssertEqual(kept, """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
    }

    func testRemovingTheLastBlockOfAFileWithoutAFinalNewline() throws {
        let (kept, removed) = try removing("old", from: """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }
            resource "aws_ebs_volume" "old" {
              size = 100
            }
            """)
        XCTAssertEqual(removed, "resource \"aws_ebs_volume\" \"old\" {\n  size = 100\n}")
        XCTAssertEqual(kept, """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            """)
    }

    func testBlockWithNoBlankLineBeforeItKeepsTheBlankLineAfterIt() throws {
        let (kept, removed) = try removing("old", from: """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }
            resource "aws_ebs_volume" "old" {
              size = 100
            }

            resource "aws_ebs_volume" "other" {
              size = 20
            }

            """)
        XCTAssertEqual(removed, "resource \"aws_ebs_volume\" \"old\" {\n  size = 100\n}\n")
        XCTAssertEqual(kept, """
            resource "aws_ebs_volume" "keep" {
              size = 10
            }

            resource "aws_ebs_volume" "other" {
              size = 20
            }

            """)
    }
}
