import Foundation
import XCTest
@testable import AutopilotKit

final class TerraformIndexTests: XCTestCase {
    /// Writes `files` under a fresh temporary root and indexes them (the index reads everything in `init`).
    private func makeIndex(_ files: [String: String]) throws -> TerraformIndex {
        let root = NSTemporaryDirectory() + "/terraform-index-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (path, text) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return TerraformIndex(root: root, files: Array(files.keys))
    }

    private let resources = """
        resource "aws_eks_node_group" "general" {
          cluster_name    = "prod"
          node_group_name = "general"
          scaling_config {
            desired_size = 3
            min_size     = 2
            max_size     = 6
          }
          instance_types = ["m5.xlarge"]
          lifecycle {
            ignore_changes = [scaling_config[0].desired_size]
          }
        }

        resource "aws_eks_node_group" "batch" {
          cluster_name = "prod"
          scaling_config {
            desired_size = 1
            min_size     = 0
            max_size     = 4
          }
          lifecycle {
            ignore_changes = [tags]
          }
        }

        resource "aws_eks_node_group" "spot" {
          cluster_name    = "prod"
          node_group_name = "spot-workers"
          scaling_config {
            desired_size = 2
            min_size     = 1
            max_size     = 3
          }
        }

        """

    private let modules = """
        module "eks" {
          source       = "terraform-aws-modules/eks/aws"
          cluster_name = "staging"

          eks_managed_node_group_defaults = {
            instance_types = ["m6i.large"]
          }

          eks_managed_node_groups = {
            general = { min_size = 1, desired_size = 2 }
            gpu = {
              name           = "gpu-a10"
              min_size       = 0
              desired_size   = 1
              instance_types = ["g5.xlarge"]
            }
          }
        }

        module "shared" {
          source = "./modules/eks"
          eks_managed_node_groups = {
            general = {
              desired_size = 5
            }
          }
        }

        """

    private let volumes = """
        resource "aws_ebs_volume" "data" {
          availability_zone = "us-east-1b"
          size              = 100
          tags = {
            Name = "pv-data-old"
            Team = "data"
          }
        }

        resource "aws_ebs_volume" "scratch" {
          availability_zone = "us-east-1b"
          size              = 20
        }

        """

    private func repo() throws -> TerraformIndex {
        try makeIndex(["infra/prod/eks.tf": resources, "modules.tf": modules, "volumes.tf": volumes, "README.md": "not { terraform"])
    }

    private func group(_ address: String, in index: TerraformIndex, file: StaticString = #filePath, line: UInt = #line) throws
        -> TerraformIndex.NodeGroup
    {
        try XCTUnwrap(index.nodeGroups.first(where: { $0.address == address }), "no \(address) in \(index.nodeGroups.map(\.address))", file: file, line: line)
    }

    func testIndexesTfFilesInPathOrder() throws {
        let index = try repo()
        XCTAssertEqual(index.failures.count, 0, "README.md is not Terraform")
        XCTAssertEqual(index.nodeGroups.map(\.address), [
            "aws_eks_node_group.general", "aws_eks_node_group.batch", "aws_eks_node_group.spot",
            "module.eks: eks_managed_node_groups.general", "module.eks: eks_managed_node_groups.gpu",
            "module.shared: eks_managed_node_groups.general",
        ])
        XCTAssertEqual(index.nodeGroups.map(\.path), ["infra/prod/eks.tf", "infra/prod/eks.tf", "infra/prod/eks.tf", "modules.tf", "modules.tf", "modules.tf"])
    }

    func testResourceNodeGroupIsNamedByNodeGroupNameElseByItsLabel() throws {
        let index = try repo()
        XCTAssertEqual(index.nodeGroups.prefix(3).map(\.name), ["general", "batch", "spot-workers"])
        XCTAssertEqual(index.nodeGroups.prefix(3).map(\.clusterName), ["prod", "prod", "prod"])
    }

    func testResourceNodeGroupCarriesItsScalingAndInstanceTypes() throws {
        let general = try group("aws_eks_node_group.general", in: try repo())
        XCTAssertEqual(general.desiredSize?.literalText, "3")
        XCTAssertEqual(general.minSize?.literalText, "2")
        XCTAssertEqual(general.maxSize?.literalText, "6")
        guard case .list(let types, _, _)? = general.instanceTypes else { return XCTFail("instance_types") }
        XCTAssertEqual(types.compactMap(\.literalText), ["m5.xlarge"])
    }

    func testResourceIgnoresDesiredSizeOnlyWhenItsLifecycleSaysSo() throws {
        let index = try repo()
        XCTAssertTrue(try group("aws_eks_node_group.general", in: index).ignoresDesiredSize)
        XCTAssertFalse(try group("aws_eks_node_group.batch", in: index).ignoresDesiredSize, "ignore_changes = [tags]")
        XCTAssertFalse(try group("aws_eks_node_group.spot", in: index).ignoresDesiredSize, "no lifecycle")
    }

    func testIgnoreChangesAllIgnoresDesiredSize() throws {
        let index = try makeIndex(["eks.tf": """
            resource "aws_eks_node_group" "general" {
              cluster_name = "prod"
              scaling_config {
                desired_size = 3
              }
              lifecycle {
                ignore_changes = all
              }
            }

            """])
        XCTAssertTrue(try group("aws_eks_node_group.general", in: index).ignoresDesiredSize)
    }

    func testModuleNodeGroupsAreNamedByMapKeyElseByName() throws {
        let index = try repo()
        let general = try group("module.eks: eks_managed_node_groups.general", in: index)
        XCTAssertEqual(general.name, "general")
        XCTAssertEqual(general.clusterName, "staging")
        XCTAssertEqual(general.minSize?.literalText, "1")
        XCTAssertEqual(general.desiredSize?.literalText, "2")
        XCTAssertNil(general.maxSize)
        XCTAssertTrue(general.ignoresDesiredSize, "the module's node groups ignore desired_size")
        guard case .list(let defaults, _, _)? = general.instanceTypes else { return XCTFail("instance_types from the defaults") }
        XCTAssertEqual(defaults.compactMap(\.literalText), ["m6i.large"])

        let gpu = try group("module.eks: eks_managed_node_groups.gpu", in: index)
        XCTAssertEqual(gpu.name, "gpu-a10")
        XCTAssertEqual(gpu.desiredSize?.literalText, "1")
        XCTAssertTrue(gpu.ignoresDesiredSize)
        guard case .list(let own, _, _)? = gpu.instanceTypes else { return XCTFail("instance_types") }
        XCTAssertEqual(own.compactMap(\.literalText), ["g5.xlarge"])

        let shared = try group("module.shared: eks_managed_node_groups.general", in: index)
        XCTAssertNil(shared.clusterName, "the module does not name its cluster")
        XCTAssertEqual(shared.desiredSize?.literalText, "5")
    }

    func testClusterNameGivenByAReferenceIsNotALiteralName() throws {
        let index = try makeIndex(["eks.tf": """
            resource "aws_eks_node_group" "general" {
              cluster_name    = aws_eks_cluster.main.name
              node_group_name = "general"
              scaling_config {
                desired_size = 3
              }
            }

            module "eks" {
              source       = "terraform-aws-modules/eks/aws"
              cluster_name = local.cluster_name
              eks_managed_node_groups = {
                batch = { desired_size = 1 }
              }
            }

            """])
        XCTAssertEqual(index.nodeGroups.map(\.clusterName), [nil, nil])
        XCTAssertEqual(index.nodeGroups.map(\.clusterExpression), ["aws_eks_cluster.main.name", "local.cluster_name"])
        // Neither reference leads anywhere in this root: the groups could be any cluster's, so none is prod's.
        let general = index.nodeGroups(named: "general", cluster: "prod")
        XCTAssertEqual(general.groups.map(\.address), [])
        XCTAssertEqual(general.untied.map(\.reason), ["its cluster is `aws_eks_cluster.main.name`, which emit-pr does not evaluate"])
        // Mapped by the user, it is.
        let mapped = index.nodeGroups(named: "batch", cluster: "prod", paths: ClusterPaths(mapped: ["prod": ["."]]))
        XCTAssertEqual(mapped.groups.map(\.address), ["module.eks: eks_managed_node_groups.batch"])
    }

    // MARK: Which cluster a root is applied to

    func testReferencesAreFollowedToTheClusterName() throws {
        let index = try makeIndex([
            "live/prod/main.tf": """
                locals {
                  name = "prod-${var.region}"
                }
                variable "region" {
                  default = "use1"
                }
                resource "aws_eks_cluster" "main" {
                  name = local.name
                }
                resource "aws_eks_node_group" "general" {
                  cluster_name    = aws_eks_cluster.main.name
                  node_group_name = "general"
                  scaling_config {
                    desired_size = 3
                  }
                }

                """,
            "examples/karpenter/main.tf": """
                locals {
                  name = "ex-${basename(path.cwd)}"
                }
                module "eks" {
                  name = local.name
                  eks_managed_node_groups = {
                    karpenter = { desired_size = 2 }
                  }
                }

                """,
        ])
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "prod-use1").groups.map(\.address), ["aws_eks_node_group.general"])
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "prod").groups.map(\.address), [], "another cluster's")
        XCTAssertEqual(index.nodeGroups(named: "karpenter", cluster: "ex-karpenter").groups.map(\.address), ["module.eks: eks_managed_node_groups.karpenter"])
    }

    func testARootAppliedToSeveralClustersIsSharedAndOnlyAMappingEditsIt() throws {
        let main = """
            variable "cluster_name" {
              default = "dev"
            }
            module "eks" {
              cluster_name = var.cluster_name
              eks_managed_node_groups = {
                general = { min_size = 2, desired_size = 3 }
              }
            }

            """
        let index = try makeIndex(["eks/main.tf": main, "eks/dev.tfvars": "cluster_name = \"dev\"\n",
                                   "eks/prod.tfvars": "cluster_name = \"prod\"\n"])
        let dev = index.nodeGroups(named: "general", cluster: "dev")
        XCTAssertEqual(dev.groups.map(\.address), [], "dev.tfvars and prod.tfvars apply the same group to two clusters")
        XCTAssertEqual(dev.shared.map(\.binding.clusters), [["dev": ["eks/dev.tfvars"], "prod": ["eks/prod.tfvars"]]])
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "staging").groups.map(\.address), [])
        XCTAssertTrue(index.nodeGroups(named: "general", cluster: "staging").shared.isEmpty, "staging is not among them")
        let mapped = index.nodeGroups(named: "general", cluster: "dev", paths: ClusterPaths(mapped: ["dev": ["eks"]]))
        XCTAssertEqual(mapped.groups.map(\.address), ["module.eks: eks_managed_node_groups.general"])
        XCTAssertEqual(mapped.notes, ["eks is applied to clusters dev (eks/dev.tfvars), prod (eks/prod.tfvars): this change applies to all of them."])

        // A .tfvars value that cannot be told may name another cluster: the root is shared, not dev's alone.
        let unknown = try makeIndex(["eks/main.tf": main, "eks/dev.tfvars": "cluster_name = \"dev\"\n",
                                     "eks/other.tfvars": "cluster_name = \"${var.env}-eks\"\n"])
        XCTAssertEqual(unknown.nodeGroups(named: "general", cluster: "dev").groups.map(\.address), [])
        XCTAssertEqual(unknown.nodeGroups(named: "general", cluster: "dev").shared.count, 1)

        // Without .tfvars, the variable's default names the one cluster.
        let single = try makeIndex(["eks/main.tf": main])
        XCTAssertEqual(single.nodeGroups(named: "general", cluster: "dev").groups.map(\.address), ["module.eks: eks_managed_node_groups.general"])

        // A workspace-named cluster: any number of clusters, none to be edited silently.
        let workspaces = try makeIndex(["spokes/main.tf": """
            locals {
              name = "spoke-${terraform.workspace}"
            }
            module "eks" {
              cluster_name = local.name
              eks_managed_node_groups = {
                initial = { desired_size = 3 }
              }
            }

            """])
        let spoke = workspaces.nodeGroups(named: "initial", cluster: "spoke-dev")
        XCTAssertEqual(spoke.groups.map(\.address), [])
        XCTAssertEqual(spoke.shared.map(\.binding.byWorkspace), [true])
    }

    // MARK: Looking a node group up

    func testNodeGroupsNamedExcludesAnotherClustersGroup() throws {
        let index = try repo()
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "prod").groups.map(\.address), ["aws_eks_node_group.general"],
                       "the staging group is excluded, and so is the one that does not say")
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "staging").groups.map(\.address), ["module.eks: eks_managed_node_groups.general"])
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "dev").groups.map(\.address), [])
        XCTAssertEqual(index.nodeGroups(named: "general", cluster: "dev").untied.map(\.group.address), ["module.shared: eks_managed_node_groups.general"],
                       "the group that names no cluster may be dev's: said, not edited")
        XCTAssertEqual(index.nodeGroups(named: "gpu-a10", cluster: "prod").groups.map(\.address), [])
    }

    func testNodeGroupsNamedMatchesAGeneratedSuffix() throws {
        let index = try repo()
        XCTAssertEqual(index.nodeGroups(named: "general-20261001123456789", cluster: "prod").groups.map(\.address), ["aws_eks_node_group.general"])
        XCTAssertEqual(index.nodeGroups(named: "gpu-a10-20261001123456789000000001", cluster: "staging").groups.map(\.address),
                       ["module.eks: eks_managed_node_groups.gpu"])
        XCTAssertEqual(index.nodeGroups(named: "spot-workers", cluster: "prod").groups.map(\.address), ["aws_eks_node_group.spot"])
    }

    func testNodeGroupsNamedDoesNotMatchOtherSuffixes() throws {
        let index = try repo()
        XCTAssertEqual(index.nodeGroups(named: "general-batch", cluster: "prod").groups.map(\.address), [])
        XCTAssertEqual(index.nodeGroups(named: "general-1234", cluster: "prod").groups.map(\.address), [], "too short to be generated")
        XCTAssertEqual(index.nodeGroups(named: "spot", cluster: "prod").groups.map(\.address), [], "named by node_group_name, not its label")
    }

    // MARK: Volumes and failures

    func testVolumesCarryTheirNameTag() throws {
        let index = try repo()
        XCTAssertEqual(index.volumes.map(\.address), ["aws_ebs_volume.data", "aws_ebs_volume.scratch"])
        XCTAssertEqual(index.volumes.map(\.tagName), ["pv-data-old", nil])
        XCTAssertEqual(index.volumes.map(\.path), ["volumes.tf", "volumes.tf"])
        let data = try XCTUnwrap(index.volumes.first)
        XCTAssertEqual(data.block.labels, ["aws_ebs_volume", "data"])
        XCTAssertEqual(data.block.start, 0)
        XCTAssertEqual(String(decoding: Array(volumes.utf8)[data.block.start..<data.block.end], as: UTF8.self), """
            resource "aws_ebs_volume" "data" {
              availability_zone = "us-east-1b"
              size              = 100
              tags = {
                Name = "pv-data-old"
                Team = "data"
              }
            }
            """)
    }

    func testUnparsableFileIsAFailureWithItsLineAndTheRestIsIndexed() throws {
        let index = try makeIndex([
            "broken.tf": """
                resource "aws_ebs_volume" "data" {
                  size = 100
                  tags = { Name = "pv-data-old }
                }

                """,
            "volumes.tf": volumes,
        ])
        XCTAssertEqual(index.failures.count, 1)
        XCTAssertEqual(index.failures.first?.path, "broken.tf")
        XCTAssertEqual(index.failures.first?.line, 3)
        XCTAssertEqual(index.failures.first?.message, "unterminated string")
        XCTAssertEqual(index.volumes.map(\.address), ["aws_ebs_volume.data", "aws_ebs_volume.scratch"])
        XCTAssertEqual(index.volumes.map(\.path), ["volumes.tf", "volumes.tf"])
    }
}
