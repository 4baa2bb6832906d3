import Foundation

/// One charge of a billing export in the terms autopilot prices with, whatever the export's format
/// (see `BillingColumns` for how each format's columns map here).
public struct BillingLine: Sendable {
    /// How the capacity was bought.
    public enum Purchase: String, Sendable, CaseIterable {
        case onDemand = "on-demand"
        case spot
        case reserved = "reserved-instance"
        case savingsPlan = "savings-plan"
    }

    public enum Kind: Sendable, Equatable {
        /// EC2 instance running hours (`BoxUsage:m5.large`, `SpotUsage:…`), covered by a commitment or not.
        case instanceHours
        /// An EBS volume's storage, provisioned IOPS or throughput.
        case volume
        /// The part of a Reserved Instance or Savings Plan the period did not use: paid for, covering nothing.
        case unusedCommitment
        /// A negotiated discount (EDP, private rate) that the export lists on its own line.
        case discount
        /// Anything else: other services, taxes, credits, commitment purchases already amortised into usage.
        case other
    }

    public var kind: Kind
    public var start: Date?
    public var end: Date?
    /// `i-…` or `vol-…` (an ARN is cut to its last path part).
    public var resourceId: String?
    public var region: String?
    public var instanceType: String?
    /// Nil when the instance runs a licensed OS other than plain Linux or Windows (RHEL, SUSE, SQL Server).
    public var operatingSystem: PriceTable.OperatingSystem?
    public var purchase: Purchase?
    /// Instance-hours for `instanceHours`; the export's own unit otherwise.
    public var quantity: Double
    /// What the line was invoiced at before amortisation (FOCUS `BilledCost`, CUR's unblended cost), where
    /// the export has it.
    public var billedCost: Double?
    /// The public on-demand price of the line, where the export has it.
    public var listCost: Double?
    /// What the line cost, amortised: a commitment's covered usage at its effective rate, after
    /// negotiated discounts where the export states them per line.
    public var effectiveCost: Double
    /// A Reserved Instance's or Savings Plan's id (ARN), for covered usage and unused commitment.
    public var commitmentId: String?
    /// The resource's tags as the export has them: a JSON object (FOCUS `Tags`, CUR 2.0 `resource_tags`)
    /// and, in a legacy CUR, one column per tag. Parsed only when a resource's cluster is not known yet.
    public var tagsJSON = ""
    public var columnTags: [String: String] = [:]
    /// Where the line is in its file, for messages.
    public var file: String
    public var line: Int

    public init(kind: Kind, file: String, line: Int) {
        self.kind = kind
        self.file = file
        self.line = line
        quantity = 0
        effectiveCost = 0
    }

    /// The EKS cluster the resource belongs to, from its `aws:eks:cluster-name` / `eks:cluster-name` tag.
    public func clusterTag() -> String? {
        guard !tagsJSON.isEmpty || !columnTags.isEmpty else { return nil }
        var tags = BillingColumns.tags(json: tagsJSON)
        for (key, value) in columnTags { tags[key] = value }
        return Self.cluster(tags: tags)
    }

}

extension BillingLine {
    /// `m5.large` from a usage type such as `USE2-BoxUsage:m5.large`, `SpotUsage:c7g.xlarge` or
    /// `DedicatedUsage:r6i.2xlarge`; nil for anything that is not instance running time.
    static func instanceType(usageType: String) -> String? {
        guard let colon = usageType.lastIndex(of: ":") else { return nil }
        let prefix = usageType[..<colon]
        let running = ["BoxUsage", "SpotUsage", "DedicatedUsage", "HostBoxUsage", "UnusedBox", "UnusedDed"]
        guard running.contains(where: { prefix.hasSuffix($0) }) else { return nil }
        let type = String(usageType[usageType.index(after: colon)...])
        return looksLikeInstanceType(type) ? type : nil
    }

    /// `m5.large`, `m7i-flex.xlarge`, `u-6tb1.metal`: a family, a dot and a size.
    static func looksLikeInstanceType(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let family = parts.first, let size = parts.last, !family.isEmpty, !size.isEmpty,
            family.first!.isLetter, family.contains(where: \.isNumber)
        else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
    }

    /// The instance type named in a charge description: AWS writes "$0.096 per On Demand Linux m5.large
    /// Instance Hour", "USD 0.0416 per Linux t3.medium Spot Instance-hour" (FOCUS without AWS columns).
    static func instanceType(description: String) -> String? {
        description.split(separator: " ").map(String.init).first(where: looksLikeInstanceType)
    }

    /// The operating system an `Operation` names: `RunInstances` is Linux, `RunInstances:0002` Windows;
    /// other codes carry a license (RHEL `:0010`, SUSE `:000g`, Windows with SQL Server `:0102`, …).
    static func operatingSystem(operation: String) -> PriceTable.OperatingSystem? {
        switch operation {
        case "RunInstances", "": return .linux
        case "RunInstances:0002": return .windows
        default: return operation.hasPrefix("RunInstances") ? nil : .linux
        }
    }

    /// `i-0abc…` from `arn:aws:ec2:us-east-1:123456789012:instance/i-0abc…`; ids pass through.
    static func resourceId(_ text: String) -> String? {
        guard !text.isEmpty else { return nil }
        if let slash = text.lastIndex(of: "/") { return String(text[text.index(after: slash)...]) }
        return text
    }

    /// The EKS cluster in a resource's tags, by the tag EKS sets on the instances and volumes it creates
    /// (`aws:eks:cluster-name`), or the one eksctl and Karpenter set (`eks:cluster-name`), in any of the
    /// spellings the exports use (`resourceTags/aws:eks:cluster-name`, `user_eks_cluster_name`, …).
    static func cluster(tags: [String: String]) -> String? {
        var found: (rank: Int, name: String)?
        for (key, value) in tags where !value.isEmpty {
            let normalized = key.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
            let rank: Int
            if normalized.hasSuffix("aws_eks_cluster_name") { rank = 0 } else if normalized.hasSuffix("eks_cluster_name") { rank = 1 } else { continue }
            if found == nil || rank < found!.rank { found = (rank, value) }
        }
        return found?.name
    }
}
