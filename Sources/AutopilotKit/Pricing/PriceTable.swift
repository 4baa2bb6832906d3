import Foundation

/// EC2 and EBS prices by region: the embedded table (see PRICES.md for where the figures come from),
/// overridden or extended row by row by a `--prices` file.
public struct PriceTable: Sendable {
    public struct Instance: Equatable, Sendable {
        public var vcpu: Double
        public var memoryGiB: Double
        public var onDemandHourly: Double
        /// A spot price from a price file; nil means "on-demand × (1 − spot discount)".
        public var spotHourly: Double?
        public init(vcpu: Double, memoryGiB: Double, onDemandHourly: Double, spotHourly: Double? = nil) {
            self.vcpu = vcpu
            self.memoryGiB = memoryGiB
            self.onDemandHourly = onDemandHourly
            self.spotHourly = spotHourly
        }
    }

    public struct Storage: Equatable, Sendable {
        /// Per GiB of provisioned size per month.
        public var gbMonth: Double
        /// Per provisioned IOPS-month above the type's free baseline (gp3: 3,000; io1/io2: none free).
        public var iopsMonth: Double?
        /// Per MiB/s-month above the free baseline (gp3: 125 MiB/s).
        public var throughputMonth: Double?
        public init(gbMonth: Double, iopsMonth: Double? = nil, throughputMonth: Double? = nil) {
            self.gbMonth = gbMonth
            self.iopsMonth = iopsMonth
            self.throughputMonth = throughputMonth
        }
    }

    /// What an instance runs: EC2 charges a Windows instance its license on top of the Linux price.
    public enum OperatingSystem: String, Sendable {
        case linux, windows
    }

    /// Fargate's price per vCPU-hour and per GB-hour of a pod's size.
    public struct FargateRate: Equatable, Sendable {
        public var vcpuHour: Double
        public var gbHour: Double
    }

    /// region → instance type → Linux prices from a `--prices` file, over the embedded catalogue.
    public var instances: [String: [String: Instance]] = [:]
    /// region → instance type → Windows prices from a `--prices` file.
    public var windowsInstances: [String: [String: Instance]] = [:]
    /// region → volume type → prices.
    public var storage: [String: [String: Storage]] = [:]
    /// region → `architecture/os` (`amd64/linux`) → Fargate rates.
    public var fargate: [String: [String: FargateRate]] = [:]
    /// Whether lookups fall back to the compiled-in catalogue (every region and type; see PRICES.md).
    private var usesCatalogue = false

    public init() {}

    /// The table compiled into the tools.
    public static func embedded() -> PriceTable {
        var table = PriceTable()
        table.usesCatalogue = true
        // The embedded CSVs are generated and checked by tests; a failure here is a build defect.
        try! table.merge(csv: embeddedEBSCSV, source: "embedded prices-ebs.csv")
        try! table.merge(csv: embeddedFargateCSV, source: "embedded prices-fargate.csv")
        return table
    }

    /// The embedded table with a `--prices` file (negotiated rates, other regions) merged over it, if any.
    public static func embedded(merging path: String?) throws(PriceFileError) -> PriceTable {
        var table = embedded()
        if let path { try table.merge(file: path) }
        return table
    }

    public func instance(_ type: String, region: String, os: OperatingSystem = .linux) -> Instance? {
        if let row = (os == .windows ? windowsInstances : instances)[region]?[type] { return row }
        return usesCatalogue ? EmbeddedCatalogue.shared.instance(type, region: region, os: os) : nil
    }

    /// The region's instance types for one operating system.
    public func instances(in region: String, os: OperatingSystem = .linux) -> [String: Instance] {
        var all = usesCatalogue ? EmbeddedCatalogue.shared.instances(in: region, os: os) : [:]
        for (type, row) in (os == .windows ? windowsInstances : instances)[region] ?? [:] { all[type] = row }
        return all
    }

    public func volume(_ type: String, region: String) -> Storage? { storage[region]?[type] }

    /// Fargate's rates in a region for a pod's architecture (`amd64`, `arm64`) and operating system.
    public func fargate(region: String, architecture: String, os: OperatingSystem) -> FargateRate? {
        fargate[region]?["\(architecture)/\(os.rawValue)"]
    }

    // MARK: Price files

    /// Merges a CSV whose header names the columns: `region,instanceType,…` rows go to EC2, `region,volumeType,…`
    /// rows to EBS. A row overrides only the columns it fills; a new row must fill them all.
    public mutating func merge(csv text: String, source: String) throws(PriceFileError) {
        // "\r\n" is one Character in Swift: split on either, so a CSV saved on Windows reads the same.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let header = lines.first else { throw PriceFileError(source: source, line: 1, message: "empty price file") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.contains("region") else {
            throw PriceFileError(source: source, line: 1, message: "the header names no region column: expected region,instanceType,… (EC2), "
                + "region,volumeType,… (EBS) or region,architecture,… (Fargate)")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty && !line.hasPrefix("#") {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns.count else {
                throw PriceFileError(source: source, line: index + 1, message: "\(cells.count) cells, header has \(columns.count)")
            }
            var row: [String: String] = [:]
            for (column, cell) in zip(columns, cells) where !cell.isEmpty { row[column] = cell }
            try merge(row: row, source: source, line: index + 1)
        }
    }

    /// Merges a JSON price file: `{"ec2": [{row}…], "ebs": [{row}…]}` or a plain array of rows, with the
    /// CSV's column names as keys (numbers or strings).
    public mutating func merge(json: JSON, source: String) throws(PriceFileError) {
        var rows: [JSON] = json.isArray ? json.array : []
        if json.isObject {
            // A key the file format does not have (`fargate`, `EC2`) would be rows merged as nothing.
            if let unknown = json.members.map(\.key).first(where: { $0 != "ec2" && $0 != "ebs" }) {
                throw PriceFileError(source: source, line: 1, message: "unknown key '\(unknown)': a JSON price file is {\"ec2\": [rows], \"ebs\": [rows]} or one array of rows")
            }
            rows = (json["ec2"]?.array ?? []) + (json["ebs"]?.array ?? [])
        }
        guard json.isArray || json.isObject else { throw PriceFileError(source: source, line: 1, message: "expected an object or an array") }
        for (index, item) in rows.enumerated() {
            var row: [String: String] = [:]
            for (key, value) in item.members {
                if let text = value.string { row[key] = text } else if let number = value.double { row[key] = String(number) }
            }
            try merge(row: row, source: source, line: index + 1)
        }
    }

    private mutating func merge(row: [String: String], source: String, line: Int) throws(PriceFileError) {
        func number(_ column: String) throws(PriceFileError) -> Double? {
            guard let text = row[column] else { return nil }
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw PriceFileError(source: source, line: line, message: "\(column) '\(text)' is not a price (dollars, e.g. 0.096)")
            }
            return value
        }
        guard let region = row["region"] else { throw PriceFileError(source: source, line: line, message: "missing region") }
        if let type = row["instanceType"] {
            let os = try operatingSystem(row["operatingSystem"], source: source, line: line)
            let old = instance(type, region: region, os: os)
            guard let vcpu = try number("vcpu") ?? old?.vcpu, let memory = try number("memoryGiB") ?? old?.memoryGiB,
                let hourly = try number("onDemandHourly") ?? old?.onDemandHourly
            else {
                throw PriceFileError(source: source, line: line, message: "new instance type \(type) in \(region) needs vcpu, memoryGiB and onDemandHourly")
            }
            let row = Instance(vcpu: vcpu, memoryGiB: memory, onDemandHourly: hourly, spotHourly: try number("spotHourly") ?? old?.spotHourly)
            switch os {
            case .linux: instances[region, default: [:]][type] = row
            case .windows: windowsInstances[region, default: [:]][type] = row
            }
        } else if let type = row["volumeType"] {
            let old = storage[region]?[type]
            guard let perGB = try number("gbMonth") ?? old?.gbMonth else {
                throw PriceFileError(source: source, line: line, message: "new volume type \(type) in \(region) needs gbMonth")
            }
            storage[region, default: [:]][type] = Storage(
                gbMonth: perGB, iopsMonth: try number("iopsMonth") ?? old?.iopsMonth,
                throughputMonth: try number("throughputMonth") ?? old?.throughputMonth)
        } else if let architecture = row["architecture"] {
            let os = try operatingSystem(row["operatingSystem"], source: source, line: line)
            guard let cpu = try number("vcpuHour"), let memory = try number("gbHour") else {
                throw PriceFileError(source: source, line: line, message: "a Fargate row needs vcpuHour and gbHour")
            }
            fargate[region, default: [:]]["\(architecture)/\(os.rawValue)"] = FargateRate(vcpuHour: cpu, gbHour: memory)
        } else {
            throw PriceFileError(source: source, line: line, message: "a row needs instanceType or volumeType")
        }
    }

    /// `operatingSystem`: Linux when absent, `Linux`/`Windows` in any case (the AWS Price List's spelling).
    private func operatingSystem(_ text: String?, source: String, line: Int) throws(PriceFileError) -> OperatingSystem {
        guard let text else { return .linux }
        guard let os = OperatingSystem(rawValue: text.lowercased()) else {
            throw PriceFileError(source: source, line: line, message: "operatingSystem '\(text)' is neither Linux nor Windows")
        }
        return os
    }

    /// Reads a `--prices` file (CSV, or JSON when it ends in `.json` or starts with `{`/`[`).
    public mutating func merge(file path: String) throws(PriceFileError) {
        let text: String
        do { text = String(decoding: try FileIO.readAll(path), as: UTF8.self) } catch {
            throw PriceFileError(source: path, line: 0, message: "cannot read: \(error)")
        }
        let trimmed = text.drop { $0.isWhitespace }
        if path.hasSuffix(".json") || trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            do { try merge(json: try JSON.parse(text), source: path) } catch let error as JSONParseError {
                throw PriceFileError(source: path, line: error.line, message: error.message)
            } catch let error as PriceFileError { throw error } catch { throw PriceFileError(source: path, line: 0, message: "\(error)") }
        } else {
            try merge(csv: text, source: path)
        }
    }
}

/// A price file row that cannot be used.
public struct PriceFileError: Error, CustomStringConvertible {
    public let source: String
    public let line: Int
    public let message: String
    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }
    public var description: String { "\(source):\(line): \(message)" }
}

extension Observed.Node {
    /// From `kubernetes.io/os`, which the kubelet sets (`beta.kubernetes.io/os` on old nodes); Linux unless it says windows.
    public var operatingSystem: PriceTable.OperatingSystem {
        (labels["kubernetes.io/os"] ?? labels["beta.kubernetes.io/os"])?.lowercased() == "windows" ? .windows : .linux
    }
}
