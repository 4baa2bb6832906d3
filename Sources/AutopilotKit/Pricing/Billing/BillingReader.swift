import Foundation

/// Reads `--billing PATH`: one export file (`.csv` or `.csv.gz`) or a directory of them, as AWS Data
/// Exports writes them to S3 (`…/data/BILLING_PERIOD=2026-11/…-00001.csv.gz`), each file's format told
/// by its header.
public enum BillingReader {
    /// A line that could not be read is skipped and counted, never guessed; `warn` gets one message per
    /// file with the first such line. A file that is not a billing export fails the whole read.
    public static func read(path: String, warn: (String) -> Void) throws(BillingError) -> Bill {
        var bill = Bill()
        for file in try files(at: path) {
            try read(file: file, into: &bill, warn: warn)
        }
        if bill.files.isEmpty {
            throw BillingError(file: path, message: "no .csv or .csv.gz billing export in it")
        }
        // A FOCUS export, a CUR 2.0 and a legacy CUR of one account carry the same charges: read together,
        // every dollar would count twice.
        let formats = Set(bill.files.map(\.format))
        if formats.count > 1 {
            throw BillingError(file: path, message: "holds \(formats.map(\.rawValue).sorted().joined(separator: " and ")) exports, which carry "
                + "the same charges: point --billing at one of them")
        }
        bill.applyDiscounts()
        if abs(bill.unattributedDiscount) >= 0.01 {
            warn("\(path): \(Money(dollars: abs(bill.unattributedDiscount))) of discount lines name no instance or volume in the bill; they price nothing")
        }
        if bill.unreadableInstanceLines > 0 {
            warn("\(path): \(bill.unreadableInstanceLines) instance-hour lines name no instance type or region: they price their instance "
                + "by id but no instance type")
        }
        return bill
    }

    /// The export files at a path: the path itself, or every `.csv`/`.csv.gz` under a directory, in name order.
    static func files(at path: String) throws(BillingError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BillingError(file: path, message: "no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw BillingError(file: path, message: "cannot list the directory")
        }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".csv") || relative.hasSuffix(".csv.gz") { found.append(path + "/" + relative) }
        }
        return found.sorted()
    }

    /// An on-demand or spot line's effective cost that cannot be right: zero or above what was invoiced, or
    /// a whole number of dollars where the invoice has cents. Below the invoice is a discount, and fine.
    static func implausible(effective: Double, billed: Double) -> Bool {
        let tolerance = max(0.01, abs(billed) * 0.01)
        if billed > 0.005 && effective == 0 { return true }
        if effective > billed + tolerance { return true }
        return effective == effective.rounded() && abs(billed - effective) >= 0.01 && billed != billed.rounded()
    }

    static func read(file: String, into bill: inout Bill, warn: (String) -> Void) throws(BillingError) {
        var columns: BillingColumns?
        var count = 0
        var skipped = 0
        var firstSkipped: String?
        var inconsistent = 0
        var firstInconsistent: Int?
        do {
            let input = try ChunkedFile(path: file)
            try CSVReader.read(file: input) { record in
                guard let mapping = columns else {
                    columns = try BillingColumns(header: record.fields)
                    return
                }
                do {
                    var line = try mapping.line(record, file: file)
                    if let billed = line.billedCost, line.kind == .instanceHours, line.purchase == .onDemand || line.purchase == .spot,
                        Self.implausible(effective: line.effectiveCost, billed: billed)
                    {
                        // FOCUS: usage no commitment covers costs what it was billed, less the discounts the
                        // export states. An effective cost of nothing, above the invoice, or rounded to whole
                        // dollars (seen in a real sample) is a broken export: priced by what was invoiced.
                        inconsistent += 1
                        if firstInconsistent == nil { firstInconsistent = record.line }
                        line.effectiveCost = billed
                    }
                    bill.add(line)
                    count += 1
                } catch {
                    skipped += 1
                    if firstSkipped == nil { firstSkipped = "\(file):\(record.line): \((error as? BillingError)?.message ?? "\(error)")" }
                }
            }
        } catch let error as BillingError {
            throw BillingError(file: file, line: error.line, message: error.message)
        } catch let error as CSVError {
            throw BillingError(file: file, line: error.line, message: error.message)
        } catch let error as CorruptFile {
            throw BillingError(file: file, message: error.message)
        } catch let error as IOFailure {
            throw BillingError(file: file, message: "cannot \(error.operation) it: \(String(cString: strerror(error.code)))")
        } catch {
            throw BillingError(file: file, message: "\(error)")
        }
        guard let format = columns?.format else {
            throw BillingError(file: file, message: "empty: no header line")
        }
        bill.files.append((file, format, count))
        if let firstSkipped {
            let which = skipped == 1 ? "that line is skipped" : "it and \(skipped - 1) more lines of this file are skipped"
            warn("\(firstSkipped); \(which): fix or re-export the file (the other lines are used)")
        }
        if let firstInconsistent {
            warn("\(file):\(firstInconsistent): EffectiveCost differs from BilledCost on \(inconsistent) on-demand or spot instance lines "
                 + "(zero, above BilledCost, or rounded to whole dollars: a broken export?); those are priced at BilledCost")
        }
    }
}
