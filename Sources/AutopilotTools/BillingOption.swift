import ArgumentParser
import AutopilotKit

/// `--billing PATH`, the same for detect-waste, ledger and render-report: read before any input, so a
/// file that is not a billing export is a usage error (exit 64) naming the file and line.
enum BillingOption {
    static func read(_ path: String?, _ diagnostics: Diagnostics) throws -> Bill? {
        guard let path else { return nil }
        let bill: Bill
        do { bill = try BillingReader.read(path: path) { diagnostics.warning("--billing: \($0)") } } catch {
            throw ValidationError("--billing: \(error)")
        }
        if bill.instances.isEmpty && bill.volumes.isEmpty {
            diagnostics.warning("--billing \(path): no EC2 instance-hours or EBS volume charges in it; findings stay at list prices")
        }
        return bill
    }
}
