import Foundation

/// A billing export's header, recognised and mapped to `BillingLine`s.
///
/// - **FOCUS 1.x** (AWS Data Exports "FOCUS 1.0 with AWS columns", or any FOCUS export): `ChargeCategory`,
///   `PricingCategory` (`Standard` on-demand, `Dynamic` spot, `Committed` covered by `CommitmentDiscountType`
///   `Reserved Instance`/`Savings Plan`), `EffectiveCost` (amortised), `ListCost`, `PricingQuantity`,
///   `CommitmentDiscountStatus` `Unused` for the unused part of a commitment; the instance type from AWS's
///   `x_UsageType` or else the `ChargeDescription`.
/// - **CUR 2.0** (`line_item_line_item_type`, `reservation_effective_cost`, `savings_plan_savings_plan_effective_cost`,
///   …) and the **legacy CUR** (`lineItem/LineItemType`, …: the same columns in camel case, renamed here
///   to CUR 2.0's snake case).
public struct BillingColumns: Sendable {
    public enum Format: String, Sendable {
        case focus = "FOCUS"
        case cur2 = "CUR 2.0"
        case legacyCUR = "legacy CUR"
    }

    public let format: Format
    static let largestFigure = 1e9
    private let index: [String: Int]
    /// Tag columns of a legacy CUR (`resourceTags/user:team`): column index → tag key.
    private let tagColumns: [(Int, String)]

    /// Recognises the header, or says what a billing export's header should have.
    public init(header: [String]) throws(BillingError) {
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        let has = Set(names)
        if has.contains("ChargeCategory") && has.contains("EffectiveCost") && has.contains("BilledCost") {
            format = .focus
            index = Self.positions(names)
            tagColumns = []
        } else if has.contains("line_item_line_item_type") && has.contains("line_item_unblended_cost") {
            format = .cur2
            index = Self.positions(names)
            tagColumns = []
        } else if has.contains("lineItem/LineItemType") && has.contains("lineItem/UnblendedCost") {
            format = .legacyCUR
            index = Self.positions(names.map(Self.snakeCase))
            tagColumns = names.enumerated().compactMap { column, name in
                name.hasPrefix("resourceTags/") ? (column, String(name.dropFirst("resourceTags/".count))) : nil
            }
        } else {
            throw BillingError(
                message: "the header is neither FOCUS (ChargeCategory, BilledCost, EffectiveCost) nor CUR 2.0 "
                    + "(line_item_line_item_type, line_item_unblended_cost) nor legacy CUR (lineItem/LineItemType): "
                    + "export FOCUS 1.0 with AWS columns or CUR 2.0 as CSV (see docs/prices-and-bills.md)")
        }
    }

    private static func positions(_ names: [String]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (column, name) in names.enumerated() where index[name] == nil { index[name] = column }
        return index
    }

    /// `lineItem/UnblendedCost` → `line_item_unblended_cost`, as CUR 2.0 renamed the legacy columns.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        var previousLower = false
        for character in name {
            if character == "/" {
                out.append("_")
                previousLower = false
            } else if character.isUppercase {
                if previousLower { out.append("_") }
                out.append(contentsOf: character.lowercased())
                previousLower = false
            } else {
                out.append(character)
                previousLower = character.isLowercase || character.isNumber
            }
        }
        return out
    }

    // MARK: Reading a record

    private func text(_ record: CSVReader.Record, _ column: String) -> String {
        guard let position = index[column] else { return "" }
        var value = record[position]
        if value.first == " " || value.last == " " { value = value.trimmingCharacters(in: .whitespaces) }
        // Exports written by databases spell a missing value NULL.
        return value == "NULL" || value == "null" ? "" : value
    }

    private func number(_ record: CSVReader.Record, _ column: String) throws(BillingError) -> Double? {
        let value = text(record, column)
        guard !value.isEmpty else { return nil }
        guard let number = Double(value), number.isFinite else {
            throw BillingError(line: record.line, message: "\(column) '\(value.prefix(40))' is not a number")
        }
        // No single line of a bill is a billion dollars or hours: such a figure is a broken export, and
        // sums of it would leave what money can hold.
        guard abs(number) < Self.largestFigure else {
            throw BillingError(line: record.line, message: "\(column) '\(value.prefix(40))' is too large for one line of a bill")
        }
        return number
    }

    private func date(_ record: CSVReader.Record, _ column: String) -> Date? { Self.date(text(record, column)) }

    /// `2024-09-01T00:00:00Z`, `2024-09-01T00:00:00.000Z`, or without a zone (`2024-09-01 00:00:00.000`, UTC).
    static func date(_ text: String) -> Date? {
        guard text.utf8.count >= 19 else { return nil }
        if let date = RFC3339.date(text) { return date }
        var value = text.replacingOccurrences(of: " ", with: "T")
        let time = value.dropFirst(19)
        if !time.contains("Z") && !time.contains("+") && !time.contains("-") { value += "Z" }
        return RFC3339.date(value)
    }

    /// The line a record holds.
    public func line(_ record: CSVReader.Record, file: String) throws(BillingError) -> BillingLine {
        switch format {
        case .focus: return try focusLine(record, file: file)
        case .cur2, .legacyCUR: return try curLine(record, file: file)
        }
    }

    /// Only the lines that price something are read in full: an export is mostly other services' lines.
    private func focusLine(_ record: CSVReader.Record, file: String) throws(BillingError) -> BillingLine {
        var line = BillingLine(kind: .other, file: file, line: record.line)
        let resourceId = BillingLine.resourceId(text(record, "ResourceId"))
        if text(record, "CommitmentDiscountStatus") == "Unused" {
            line.kind = .unusedCommitment
            line.commitmentId = text(record, "CommitmentDiscountId").nilIfEmpty
            line.purchase = Self.commitment(text(record, "CommitmentDiscountType")) ?? Self.commitment(line.commitmentId ?? "")
        } else {
            // Purchases are amortised into usage (their EffectiveCost is 0); credits, taxes and adjustments are not prices.
            guard text(record, "ChargeCategory") == "Usage" else { return line }
            let isEC2 = text(record, "ServiceName") == "Amazon Elastic Compute Cloud" || text(record, "x_ServiceCode") == "AmazonEC2"
            let usageType = text(record, "x_UsageType")
            let unit = text(record, "PricingUnit").nilIfEmpty ?? text(record, "ConsumedUnit")
            let isHours = ["Hour", "Hours", "Hrs", "Hrs.", "Instance-hours"].contains(unit)
            let description = isEC2 ? text(record, "ChargeDescription") : ""
            let instanceType = usageType.isEmpty
                ? (isEC2 && isHours ? BillingLine.instanceType(description: description) : nil)
                : BillingLine.instanceType(usageType: usageType)
            // An export without ServiceName (the FOCUS specification's own examples) is read as compute by the hour.
            let isInstance = isEC2 ? instanceType != nil : (index["ServiceName"] == nil && isHours && resourceId != nil)
            if isInstance {
                line.kind = .instanceHours
                line.instanceType = instanceType
                let operation = text(record, "x_Operation")
                line.operatingSystem = operation.isEmpty ? Self.operatingSystem(description: description) : BillingLine.operatingSystem(operation: operation)
                switch text(record, "PricingCategory") {
                case "Committed":
                    line.purchase = Self.commitment(text(record, "CommitmentDiscountType"))
                        ?? (text(record, "CommitmentDiscountCategory") == "Spend" ? .savingsPlan : .reserved)
                    line.commitmentId = text(record, "CommitmentDiscountId").nilIfEmpty
                case "Dynamic": line.purchase = .spot
                default: line.purchase = usageType.contains("SpotUsage") || description.contains("Spot") ? .spot : .onDemand
                }
            } else if isEC2, let id = resourceId, id.hasPrefix("vol-") || usageType.contains("EBS:Volume") {
                line.kind = .volume
            } else {
                return line
            }
        }
        line.resourceId = resourceId
        line.start = date(record, "ChargePeriodStart")
        line.end = date(record, "ChargePeriodEnd")
        line.region = text(record, "RegionId").nilIfEmpty
        line.effectiveCost = try number(record, "EffectiveCost") ?? 0
        line.billedCost = try number(record, "BilledCost")
        line.listCost = try number(record, "ListCost")
        let consumedQuantity = try number(record, "ConsumedQuantity")
        line.quantity = try number(record, "PricingQuantity") ?? consumedQuantity ?? 0
        line.tagsJSON = text(record, "Tags")
        return line
    }

    private func curLine(_ record: CSVReader.Record, file: String) throws(BillingError) -> BillingLine {
        var line = BillingLine(kind: .other, file: file, line: record.line)
        let type = text(record, "line_item_line_item_type")
        let resourceId = BillingLine.resourceId(text(record, "line_item_resource_id"))
        // Net columns (after EDP and private-rate discounts) exist when the account has such discounts.
        func cost(_ net: String, _ gross: String) throws(BillingError) -> Double {
            if let value = try number(record, net) { return value }
            return try number(record, gross) ?? 0
        }
        switch type {
        case "Usage", "DiscountedUsage", "SavingsPlanCoveredUsage":
            guard text(record, "line_item_product_code") == "AmazonEC2" else { return line }
            let usageType = text(record, "line_item_usage_type")
            if let instanceType = BillingLine.instanceType(usageType: usageType) {
                line.kind = .instanceHours
                line.instanceType = text(record, "product_instance_type").nilIfEmpty ?? instanceType
                line.operatingSystem = BillingLine.operatingSystem(operation: text(record, "line_item_operation"))
            } else if resourceId?.hasPrefix("vol-") == true || usageType.contains("EBS:Volume") {
                line.kind = .volume
            } else {
                return line
            }
            if type == "DiscountedUsage" {
                line.effectiveCost = try cost("reservation_net_effective_cost", "reservation_effective_cost")
                line.purchase = .reserved
                line.commitmentId = text(record, "reservation_reservation_a_r_n").nilIfEmpty
            } else if type == "SavingsPlanCoveredUsage" {
                line.effectiveCost = try cost("savings_plan_net_savings_plan_effective_cost", "savings_plan_savings_plan_effective_cost")
                line.purchase = .savingsPlan
                line.commitmentId = text(record, "savings_plan_savings_plan_a_r_n").nilIfEmpty
            } else {
                line.effectiveCost = try cost("line_item_net_unblended_cost", "line_item_unblended_cost")
                line.purchase = usageType.contains("SpotUsage") || text(record, "pricing_term") == "Spot" ? .spot : .onDemand
            }
        case "RIFee":
            line.kind = .unusedCommitment
            line.purchase = .reserved
            line.commitmentId = text(record, "reservation_reservation_a_r_n").nilIfEmpty ?? resourceId
            line.effectiveCost = (try number(record, "reservation_unused_amortized_upfront_fee_for_billing_period") ?? 0)
                + (try number(record, "reservation_unused_recurring_fee") ?? 0)
        case "SavingsPlanRecurringFee":
            line.kind = .unusedCommitment
            line.purchase = .savingsPlan
            line.commitmentId = text(record, "savings_plan_savings_plan_a_r_n").nilIfEmpty ?? resourceId
            let total = try number(record, "savings_plan_total_commitment_to_date") ?? 0
            let used = try number(record, "savings_plan_used_commitment") ?? 0
            line.effectiveCost = max(0, total - used)
        case "EdpDiscount", "PrivateRateDiscount", "BundledDiscount", "SppDiscount", "DistributorDiscount":
            // Already in the net columns when those are present; otherwise applied by resource id.
            guard index["line_item_net_unblended_cost"] == nil else { return line }
            line.kind = .discount
            line.effectiveCost = try number(record, "line_item_unblended_cost") ?? 0
        default:
            // SavingsPlanNegation cancels the on-demand cost of covered usage (which is read at the plan's
            // rate instead); Fee, SavingsPlanUpfrontFee and the like are purchases, amortised into usage;
            // Tax, Credit and Refund are not prices.
            return line
        }
        line.resourceId = resourceId
        line.start = date(record, "line_item_usage_start_date")
        line.end = date(record, "line_item_usage_end_date")
        // CUR 2.0 has product_region_code; older exports product/regionCode or product/region (a code there too).
        line.region = text(record, "product_region_code").nilIfEmpty
            ?? Self.productMap(text(record, "product"))["region_code"]
            ?? text(record, "product_region").nilIfEmpty.flatMap { $0.contains(" ") ? nil : $0 }
            ?? Self.region(zone: text(record, "line_item_availability_zone"))
        line.quantity = try number(record, "line_item_usage_amount") ?? 0
        line.listCost = try number(record, "pricing_public_on_demand_cost")
        line.billedCost = try cost("line_item_net_unblended_cost", "line_item_unblended_cost")
        line.tagsJSON = text(record, "resource_tags")
        for (column, key) in tagColumns where !record[column].isEmpty { line.columnTags[key] = record[column] }
        return line
    }

    // MARK: Helpers

    static func commitment(_ text: String) -> BillingLine.Purchase? {
        let lowered = text.lowercased()
        if lowered.contains("savings") || lowered.contains("savingsplan") { return .savingsPlan }
        if lowered.contains("reserv") { return .reserved }
        return nil
    }

    /// "…per On Demand Windows m5.large Instance Hour" → Windows; RHEL, SUSE and SQL Server → nil.
    static func operatingSystem(description: String) -> PriceTable.OperatingSystem? {
        if description.contains("SQL") || description.contains("RHEL") || description.contains("SUSE") || description.contains("Red Hat") { return nil }
        return description.contains("Windows") ? .windows : .linux
    }

    /// `us-east-1` from the zone `us-east-1a`.
    static func region(zone: String) -> String? {
        guard let last = zone.last, last.isLetter, zone.count > 2 else { return nil }
        return String(zone.dropLast())
    }

    /// A JSON object of tags (FOCUS `Tags`, CUR 2.0 `resource_tags`); anything else is no tags.
    static func tags(json text: String) -> [String: String] {
        guard text.hasPrefix("{"), let object = try? JSON.parse(text) else { return [:] }
        return object.stringMap
    }

    /// CUR 2.0's `product` map column, serialised as JSON in CSV.
    static func productMap(_ text: String) -> [String: String] { tags(json: text) }
}

/// A billing file or line that cannot be read.
public struct BillingError: Error, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public let message: String
    public init(file: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String {
        [file, line.map(String.init)].compactMap { $0 }.joined(separator: ":") + (file == nil && line == nil ? "" : ": ") + message
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
