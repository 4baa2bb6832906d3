extension FindingRecord {
    /// Checks a `finding` record read from the stream before any tool acts on it or counts its money:
    /// the fields every reader relies on have their types, amounts lie in range, savings are the cost
    /// before minus after (to the cent: a saving can never exceed the cost it comes from), confidence and
    /// risk (where given) are shares from 0 to 1. A record that fails is reported by field and not used.
    public static func validate(_ record: JSON) throws(RecordError) {
        for key in ["id", "detector", "cluster"] { _ = try record.required(key) }
        _ = try record.required("target", "kind")
        _ = try record.required("target", "name")
        _ = try record.number("confidence", within: RecordBounds.ratio)
        let savings = try record.number("monthlySavings", within: RecordBounds.dollars)
        if let cost = record["monthlyCost"], !cost.isNull {
            guard let before = try record.number("monthlyCost", "current", within: 0...RecordBounds.dollars.upperBound),
                let after = try record.number("monthlyCost", "recommended", within: 0...RecordBounds.dollars.upperBound)
            else { throw RecordError("monthlyCost needs numbers 'current' and 'recommended'") }
            let expected = (Money(dollars: before) - Money(dollars: after)).dollars
            guard let savings, abs(savings - expected) < 0.011 else {
                throw RecordError("monthlySavings \(savings.map { "\($0)" } ?? "null") is not monthlyCost.current − monthlyCost.recommended (\(Money(dollars: expected)))")
            }
        } else if savings != nil {
            throw RecordError("monthlySavings without a monthlyCost to come from")
        }
        for side in ["current", "recommended"] {
            guard let values = record[side], !values.isNull else { continue }
            _ = try record.number(side, "cpu", within: RecordBounds.cores)
            _ = try record.integer(side, "memory", within: RecordBounds.memoryBytes)
            for key in ["replicas", "minReplicas", "maxReplicas"] where values[key]?.isNumber == true {
                _ = try record.integer(side, key, within: RecordBounds.count)
            }
        }
        if let risk = record["risk"], !risk.isNull {
            _ = try record.number("risk", "overall", within: RecordBounds.ratio)
            if let gate = risk["gate"], gate.string.map({ ["auto", "approve", "block"].contains($0) }) != true {
                throw RecordError("risk.gate is \(gate.value.text.prefix(40)), not auto, approve or block")
            }
        }
        try checkMagnitudes(record, path: "")
    }

    /// The finding read from `line`, or nil when it may not be used: then it is reported (`finding: why;
    /// forwarded, not <used>`) and the caller forwards it as it came.
    public static func read(_ record: JSON, at line: InputLine, diagnostics: Diagnostics, otherwise consequence: String = "not used") throws -> FindingRecord? {
        do throws(RecordError) {
            return try FindingRecord(record)
        } catch {
            try diagnostics.error("finding: \(error.message); forwarded, \(consequence)", source: line.source, line: line.number)
            return nil
        }
    }

    /// Every number anywhere in the record stays below 10^15, so no figure a tool derives from one
    /// (whole millicores, bytes, cents) overflows.
    private static func checkMagnitudes(_ json: JSON, path: String) throws(RecordError) {
        if let number = json.double {
            guard abs(number) < 1e15 else { throw RecordError("\(path.isEmpty ? "a number" : path) is \(number), too large to be a figure") }
        } else if json.isObject {
            for (key, value) in json.members { try checkMagnitudes(value, path: path.isEmpty ? key : "\(path).\(key)") }
        } else if json.isArray {
            for (index, value) in json.array.enumerated() { try checkMagnitudes(value, path: "\(path)[\(index)]") }
        }
    }
}
