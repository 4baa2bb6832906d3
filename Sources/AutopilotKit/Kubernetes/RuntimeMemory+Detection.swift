import Foundation

extension RuntimeMemory {
    /// JVM option variables, in the order the JVM applies them (a later flag wins): the tool options
    /// first, then the launcher's, then the scripts' variables that end up on the command line, and
    /// `_JAVA_OPTIONS`, which overrides everything.
    static let jvmVariables = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_OPTIONS", "JVM_OPTS", "ES_JAVA_OPTS",
                               "KAFKA_HEAP_OPTS", "CATALINA_OPTS"]
    static let jvmOverride = "_JAVA_OPTIONS"
    /// Image names of JVMs and of products that run on one.
    static let jvmImages = ["openjdk", "adoptopenjdk", "temurin", "corretto", "amazoncorretto", "sapmachine", "zulu", "liberica",
                            "semeru", "graalvm", "jdk", "jre", "java", "spring", "tomcat", "jetty", "wildfly", "keycloak", "elasticsearch", "opensearch", "logstash",
                            "kafka", "zookeeper", "cassandra", "jenkins", "sonarqube", "nexus", "solr", "flink", "spark", "trino"]
    /// Label values that say a pod runs on a JVM (`app.kubernetes.io/runtime: java`, `framework: spring-boot`).
    static let jvmLabelValues: Set<String> = ["java", "jvm", "spring-boot", "springboot", "quarkus", "micronaut"]

    /// The runtime settings of one container spec, or nil when it shows none. `labels` are the pod's.
    static func detect(spec: JSON, labels: [String: String] = [:], limits: ResourceAmounts, requests: ResourceAmounts) -> RuntimeMemory? {
        let env = Environment(spec: spec, limits: limits, requests: requests)
        let commandLine = ((spec["command"]?.array ?? []) + (spec["args"]?.array ?? [])).compactMap(\.string).map(env.expand)

        // JVM: the last heap flag wins, wherever it is.
        var jvm: RuntimeMemory?
        var sawJVMFlags = false
        func scan(_ tokens: [String], source: String, tiedToLimit: Bool) {
            for token in tokens {
                guard var found = jvmFlag(token, source: source) else { continue }
                sawJVMFlags = true
                // `-Xmx$(LIMITS_MEMORY)m` follows the limit: a share of it, not a fixed size.
                if tiedToLimit, let bytes = found.bytes, let limit = limits.memory, limit > 0 {
                    found.percentOfLimit = (Double(bytes) / Double(limit) * 10_000).rounded() / 100
                    found.bytes = nil
                }
                // -Xmx beats a percentage wherever the two appear.
                if found.bytes != nil || jvm?.bytes == nil { jvm = found }
            }
        }
        for name in jvmVariables {
            if let value = env[name] { scan(Self.words(value), source: "env \(name)", tiedToLimit: env.followsLimit(name)) }
        }
        let rawCommandLine = ((spec["command"]?.array ?? []) + (spec["args"]?.array ?? [])).compactMap(\.string).joined(separator: " ")
        scan(commandLine.flatMap(Self.words), source: spec["args"] != nil ? "args" : "command", tiedToLimit: env.refersToLimit(rawCommandLine))
        if let value = env[jvmOverride] { scan(Self.words(value), source: "env \(jvmOverride)", tiedToLimit: env.followsLimit(jvmOverride)) }
        if let jvm { return jvm }

        if let value = env["GOMEMLIMIT"], let bytes = goMemoryLimit(value) {
            return RuntimeMemory(runtime: .go, bytes: bytes, setting: "GOMEMLIMIT=\(value)", source: "env GOMEMLIMIT")
        }
        for (tokens, source) in [(env["NODE_OPTIONS"].map(Self.words) ?? [], "env NODE_OPTIONS"), (commandLine.flatMap(Self.words), "args")] {
            for token in tokens.reversed() where token.hasPrefix("--max-old-space-size=") || token.hasPrefix("--max_old_space_size=") {
                guard let mib = Int64(token.split(separator: "=", maxSplits: 1)[1]), mib > 0, mib < 1 << 26 else { continue }
                return RuntimeMemory(runtime: .node, bytes: mib << 20, setting: token, source: source)
            }
        }
        // A JVM by its image or labels, with no heap flag: since JDK 10 its heap is 25% of the container's limit.
        if !sawJVMFlags, let reason = jvmMarker(image: spec["image"]?.string, labels: labels) {
            return RuntimeMemory(runtime: .jvm, percentOfLimit: 25, setting: "default MaxRAMPercentage=25", source: reason)
        }
        return nil
    }

    /// One JVM heap flag, or nil for any other token.
    static func jvmFlag(_ token: String, source: String) -> RuntimeMemory? {
        func jvm(bytes: Int64? = nil, percent: Double? = nil) -> RuntimeMemory {
            RuntimeMemory(runtime: .jvm, bytes: bytes, percentOfLimit: percent, setting: token, source: source)
        }
        if token.hasPrefix("-Xmx"), let bytes = jvmSize(String(token.dropFirst(4))) { return jvm(bytes: bytes) }
        guard token.hasPrefix("-XX:"), let equals = token.firstIndex(of: "=") else { return nil }
        let name = token[token.index(token.startIndex, offsetBy: 4)..<equals]
        let value = String(token[token.index(after: equals)...])
        switch name {
        case "MaxHeapSize": return jvmSize(value).map { jvm(bytes: $0) }
        case "MaxRAMPercentage":
            guard let percent = Double(value), percent > 0, percent <= 100 else { return nil }
            return jvm(percent: percent)
        case "MaxRAMFraction":
            guard let fraction = Double(value), fraction >= 1 else { return nil }
            return jvm(percent: 100 / fraction)
        // MaxRAM stands in for the machine's memory: the heap is 25% of it unless a percentage says otherwise.
        case "MaxRAM": return jvmSize(value).map { jvm(bytes: $0 / 4) }
        default: return nil
        }
    }

    /// `128m`, `1g`, `1024k`, `1073741824`: binary units, as the JVM reads them.
    static func jvmSize(_ text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let shifts: [Character: Int64] = ["k": 10, "K": 10, "m": 20, "M": 20, "g": 30, "G": 30, "t": 40, "T": 40]
        let (digits, shift) = last.isNumber ? (text, Int64(0)) : (String(text.dropLast()), shifts[last] ?? -1)
        guard shift >= 0, let number = Int64(digits), number > 0, number < (1 << 46) >> shift else { return nil }
        return number << shift
    }

    /// Go's `GOMEMLIMIT`: bytes with an optional `B`, `KiB`, `MiB`, `GiB` or `TiB`; `off` sets none.
    static func goMemoryLimit(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10), ("B", 0)]
        let unit = units.first { text.hasSuffix($0.0) }
        let digits = unit.map { String(text.dropLast($0.0.count)) } ?? text
        guard let number = Int64(digits), number > 0, number < (1 << 46) >> (unit?.1 ?? 0) else { return nil }
        return number << (unit?.1 ?? 0)
    }

    static func jvmMarker(image: String?, labels: [String: String]) -> String? {
        if let image {
            // The repository's last path part, without tag or digest: `eclipse-temurin`, `jenkins/jenkins` → `jenkins`.
            let name = image.split(separator: "@")[0].split(separator: "/").last.map { String($0.split(separator: ":")[0]).lowercased() } ?? ""
            let parts = name.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }).map(String.init)
            // A part that is a JVM's name, or its name and a version (`openjdk17`, `jdk21`).
            func names(_ part: String) -> Bool {
                jvmImages.contains { part == $0 || (part.hasPrefix($0) && part.dropFirst($0.count).allSatisfy(\.isNumber)) }
            }
            if parts.contains(where: names) { return "image \(image)" }
        }
        if let (key, value) = labels.sorted(by: { $0.key < $1.key }).first(where: { jvmLabelValues.contains($0.value.lowercased()) }) {
            return "label \(key)=\(value)"
        }
        return nil
    }

    /// Splits an options string on whitespace, as a shell would an unquoted variable.
    static func words(_ text: String) -> [String] { text.split(whereSeparator: \.isWhitespace).map(String.init) }

    /// A container's environment as the kubelet builds it: literal values with `$(VAR)` expanded from
    /// earlier variables, and `resourceFieldRef`s to its own memory request or limit.
    struct Environment {
        private var values: [String: String] = [:]
        /// Variables whose value follows the memory limit: a `resourceFieldRef` to it, or one built from such.
        private var limitDerived = Set<String>()

        init(spec: JSON, limits: ResourceAmounts, requests: ResourceAmounts) {
            for item in spec["env"]?.array ?? [] {
                guard let name = item["name"]?.string else { continue }
                if let value = item["value"]?.string {
                    values[name] = expand(value)
                    if refersToLimit(value) { limitDerived.insert(name) }
                } else if let field = item["valueFrom", "resourceFieldRef"], let resource = field["resource"]?.string {
                    let amount: Int64? = resource == "limits.memory" ? limits.memory : resource == "requests.memory" ? requests.memory : nil
                    let divisor = field["divisor"]?.string.flatMap { try? Quantity.bytes($0, field: "divisor") } ?? 1
                    if let amount, divisor > 0 { values[name] = String((amount + divisor - 1) / divisor) }
                    if resource == "limits.memory" { limitDerived.insert(name) }
                }
            }
        }

        subscript(name: String) -> String? { values[name] }

        func followsLimit(_ name: String) -> Bool { limitDerived.contains(name) }

        /// Whether unexpanded text uses a variable that follows the memory limit.
        func refersToLimit(_ text: String) -> Bool { limitDerived.contains { text.contains("$(\($0))") } }

        /// `$(NAME)` → its value where defined earlier; `$$(NAME)` stays literal `$(NAME)`, as the kubelet does.
        func expand(_ text: String) -> String {
            guard text.contains("$(") else { return text }
            var result = ""
            var rest = Substring(text)
            while let start = rest.range(of: "$") {
                result += rest[..<start.lowerBound]
                let after = rest[start.upperBound...]
                if after.hasPrefix("$") {
                    result += "$"
                    rest = after.dropFirst()
                } else if after.hasPrefix("("), let close = after.firstIndex(of: ")") {
                    let name = String(after[after.index(after: after.startIndex)..<close])
                    result += values[name] ?? "$(\(name))"
                    rest = after[after.index(after: close)...]
                } else {
                    result += "$"
                    rest = after
                }
            }
            return result + rest
        }
    }
}
