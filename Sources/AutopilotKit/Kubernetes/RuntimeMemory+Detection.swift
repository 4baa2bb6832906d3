import Foundation

extension RuntimeMemory {
    /// JVM option variables, in the order the JVM applies them (a later flag wins): the tool options
    /// first, then the launcher's, then the scripts' variables that end up on the command line, and
    /// `_JAVA_OPTIONS`, which overrides everything.
    /// The products' own (OpenSearch, Logstash, ZooKeeper, Solr, Flink) are read by their start scripts.
    static let jvmVariables = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_OPTIONS", "JVM_OPTS", "ES_JAVA_OPTS",
                               "OPENSEARCH_JAVA_OPTS", "LS_JAVA_OPTS", "KAFKA_HEAP_OPTS", "CATALINA_OPTS", "JVMFLAGS", "SERVER_JVMFLAGS",
                               "SOLR_JAVA_MEM", "FLINK_ENV_JAVA_OPTS"]
    static let jvmOverride = "_JAVA_OPTIONS"
    /// Variables whose heap flag a change may lower: read as they are by the JVM or its launcher script.
    static let editableVariables: Set<String> = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_OPTIONS", "JVM_OPTS",
                                                 "KAFKA_HEAP_OPTS", "CATALINA_OPTS", jvmOverride]
    /// Products whose launchers add defaults of their own before the variable (`jvm.options`' `-Xms1g`):
    /// editable only with an `-Xms` in the same variable, which overrides those. Solr's (`SOLR_HEAP`
    /// replaces it) and Flink's (it computes its own heap flags) are never edited.
    static let productVariables: Set<String> = ["ES_JAVA_OPTS", "OPENSEARCH_JAVA_OPTS", "LS_JAVA_OPTS", "JVMFLAGS", "SERVER_JVMFLAGS"]
    /// Image names of JVMs and of products that run on one.
    static let jvmImages = ["openjdk", "adoptopenjdk", "temurin", "corretto", "amazoncorretto", "sapmachine", "zulu", "liberica",
                            "semeru", "graalvm", "jdk", "jre", "java", "spring", "tomcat", "jetty", "wildfly", "keycloak",
                            "elasticsearch", "opensearch", "logstash", "kafka", "zookeeper", "cassandra", "jenkins", "sonarqube",
                            "nexus", "solr", "flink", "spark", "trino"]
    /// Name parts of images that serve a JVM product without being one (its exporters are Go, its
    /// dashboards Node). Operators and UIs are left in: many are JVMs themselves (Flink's operator, kafka-ui),
    /// and a floor too many costs savings, one too few an outage.
    static let notJVM: Set<String> = ["exporter", "dashboards", "dashboard"]
    /// Label values that say a pod runs on a JVM (`app.kubernetes.io/runtime: java`, `framework: spring-boot`).
    static let jvmLabelValues: Set<String> = ["java", "jvm", "spring-boot", "springboot", "quarkus", "micronaut"]

    /// The runtime settings of one container spec, or nil when it shows none. `labels` are the pod's.
    static func detect(spec: JSON, labels: [String: String] = [:], limits: Observed.Resources, requests: Observed.Resources) -> RuntimeMemory? {
        let env = Environment(spec: spec, limits: limits, requests: requests)
        let commandLine = ((spec["command"]?.array ?? []) + (spec["args"]?.array ?? [])).compactMap(\.string).map(env.expand)

        // JVM: HotSpot's rule. The last -Xmx / MaxHeapSize sets the heap; without one, the heap is
        // MaxRAMPercentage (25 by default) of MaxRAM where given, else of the container's limit.
        var heap = JVMHeap()
        for name in jvmVariables {
            if let value = env[name] { heap.scan(Self.words(value), source: "env \(name)", tiedToLimit: env.followsLimit(name)) }
        }
        let rawCommandLine = ((spec["command"]?.array ?? []) + (spec["args"]?.array ?? [])).compactMap(\.string).joined(separator: " ")
        heap.scan(commandLine.flatMap(Self.words), source: "command line", tiedToLimit: env.refersToLimit(rawCommandLine))
        if let value = env[jvmOverride] { heap.scan(Self.words(value), source: "env \(jvmOverride)", tiedToLimit: env.followsLimit(jvmOverride)) }
        if var jvm = heap.resolved(limit: limits.memory) {
            if let largest = heap.initials.max(by: { $0.bytes < $1.bytes }) {
                jvm.initialHeap = InitialHeap(bytes: largest.bytes, setting: largest.token, source: largest.source)
            }
            // A reference left unexpanded (a ConfigMap's or Secret's value) may carry flags unseen.
            let unresolved = (jvmVariables + [jvmOverride]).contains { env[$0]?.contains("$(") ?? false } || commandLine.contains { $0.contains("$(") }
            jvm.editable = !unresolved && heapEditable(jvm, heap, spec: spec)
            return jvm
        }

        // GOMEMLIMIT taken from the limit itself (a resourceFieldRef) guards the limit; it states no need.
        // Editable: written once, literally, in a variable defined once (env wins over envFrom for the same name).
        if let value = env["GOMEMLIMIT"], !env.followsLimit("GOMEMLIMIT"), let bytes = goMemoryLimit(value) {
            return RuntimeMemory(runtime: .go, bytes: bytes, setting: "GOMEMLIMIT=\(value)", source: "env GOMEMLIMIT",
                                 editable: writtenOnce(value, inVariable: "GOMEMLIMIT", of: spec))
        }
        let commandWords = commandLine.flatMap(Self.words)
        for (tokens, source) in [(commandWords, "command line"), (env["NODE_OPTIONS"].map(Self.words) ?? [], "env NODE_OPTIONS")] {
            // Options on node's command line win over NODE_OPTIONS; the last of each wins.
            for token in tokens.reversed() where isOldSpace(token) {
                guard let mib = Int64(token.drop { $0 != "=" }.dropFirst()), mib > 0, mib < 1 << 26 else { continue }
                // Editable in NODE_OPTIONS alone: the one such option, none on the command line (even one
                // not read here) and no shell variable there, no reference or quoting left in the value.
                let value = env["NODE_OPTIONS"] ?? ""
                let editable = source == "env NODE_OPTIONS" && tokens.filter(isOldSpace).count == 1
                    && !commandWords.contains(where: isOldSpace) && !commandWords.contains { $0.contains("$") }
                    && !value.contains("$(") && !value.contains("\"") && !value.contains("\\")
                    && writtenOnce(token, inVariable: "NODE_OPTIONS", of: spec)
                return RuntimeMemory(runtime: .node, bytes: mib << 20, setting: token, source: source, editable: editable)
            }
        }
        // A JVM by its image or labels, with no heap flag: since JDK 10 its heap is 25% of the container's limit.
        if !heap.sawFlags, let reason = jvmMarker(image: spec["image"]?.string, labels: labels) {
            return RuntimeMemory(runtime: .jvm, percentOfLimit: 25, setting: "default MaxRAMPercentage=25", source: reason)
        }
        return nil
    }

    /// Whether the one heap flag is where a change can lower it and nothing else can undo or contradict
    /// that: an `-Xmx` written once in an editable variable, the only heap-size flag; no initial heap but
    /// an `-Xms` written once beside it (required for a product's variable); no RAM percentage, other sizing
    /// flag or options file; no env from ConfigMaps or Secrets (`envFrom`, `valueFrom`, an unexpanded
    /// `$(VAR)`) that could add flags unseen.
    static func heapEditable(_ jvm: RuntimeMemory, _ heap: JVMHeap, spec: JSON) -> Bool {
        guard heap.sizeFlags == 1, !heap.otherSizing, heap.percent == nil, heap.maxRAM == nil, jvm.bytes != nil, jvm.setting.hasPrefix("-Xmx"),
            jvm.source.hasPrefix("env ")
        else { return false }
        let variable = String(jvm.source.dropFirst(4))
        let isProduct = productVariables.contains(variable)
        guard editableVariables.contains(variable) || isProduct, writtenOnce(jvm.setting, inVariable: variable, of: spec) else { return false }
        if !(spec["envFrom"]?.array ?? []).isEmpty { return false }
        let jvmNames = Set(jvmVariables + [jvmOverride])
        if (spec["env"]?.array ?? []).contains(where: { jvmNames.contains($0["name"]?.string ?? "") && $0["valueFrom"] != nil }) { return false }
        switch heap.initials.count {
        case 0: return !isProduct
        case 1:
            let initial = heap.initials[0]
            return initial.source == jvm.source && initial.token.hasPrefix("-Xms") && writtenOnce(initial.token, inVariable: variable, of: spec)
        default: return false
        }
    }

    /// `--max-old-space-size=…` in any of Node's spellings (it reads `_` as `-` in option names).
    static func isOldSpace(_ token: String) -> Bool {
        token.prefix { $0 != "=" }.replacingOccurrences(of: "_", with: "-") == "--max-old-space-size" && token.contains("=")
    }

    /// Whether env `name` is defined once in the container spec, as a literal value (no `$(VAR)`) holding
    /// `token` as exactly one of its words: where an edit of that word is the whole change.
    static func writtenOnce(_ token: String, inVariable name: String, of spec: JSON) -> Bool {
        let definitions = (spec["env"]?.array ?? []).filter { $0["name"]?.string == name }
        guard definitions.count == 1, let value = definitions[0]["value"]?.string, !value.contains("$(") else { return false }
        return words(value).filter { $0 == token }.count == 1
    }

    /// The heap flags of one JVM, gathered in the order the JVM reads them.
    struct JVMHeap {
        /// The last `-Xmx` / `-XX:MaxHeapSize`, whether it was built from the limit, its token and source.
        var size: (bytes: Int64, tiedToLimit: Bool, token: String, source: String)?
        /// How many heap-size flags the JVM reads in all (one, for a heap a change can lower safely).
        var sizeFlags = 0
        /// Every initial-heap flag (`-Xms`, `InitialHeapSize`, `MinHeapSize`).
        var initials: [(bytes: Int64, token: String, source: String)] = []
        var percent: (value: Double, token: String, source: String)?
        var maxRAM: (bytes: Int64, token: String)?
        var sawFlags = false
        /// Young generation or soft heap sizes (which must stay under the heap), or options read from a
        /// file: a heap flag lowered alone could contradict them.
        var otherSizing = false
        static let sizingOptions: Set<String> = ["NewSize", "MaxNewSize", "SoftMaxHeapSize", "Flags", "VMOptionsFile", "InitialRAMPercentage",
                                                 "MinRAMPercentage"]

        mutating func scan(_ tokens: [String], source: String, tiedToLimit: Bool) {
            for token in tokens {
                if token.hasPrefix("-Xmx"), let bytes = jvmSize(String(token.dropFirst(4))) {
                    set(size: bytes, token, source, tiedToLimit)
                    continue
                }
                if token.hasPrefix("-Xms"), let bytes = jvmSize(String(token.dropFirst(4))) {
                    initials.append((bytes, token, source))
                    continue
                }
                if token.hasPrefix("-Xmn") || token.hasPrefix("@") {
                    otherSizing = true
                    continue
                }
                guard token.hasPrefix("-XX:"), let equals = token.firstIndex(of: "=") else { continue }
                let name = token[token.index(token.startIndex, offsetBy: 4)..<equals]
                let value = String(token[token.index(after: equals)...])
                switch name {
                case "MaxHeapSize":
                    if let bytes = jvmSize(value) { set(size: bytes, token, source, tiedToLimit) }
                case "InitialHeapSize", "MinHeapSize":
                    if let bytes = jvmSize(value) { initials.append((bytes, token, source)) }
                case _ where Self.sizingOptions.contains(String(name)):
                    otherSizing = true
                case "MaxRAMPercentage":
                    if let share = Double(value), share > 0, share <= 100 { (percent, sawFlags) = ((share, token, source), true) }
                case "MaxRAMFraction":
                    if let fraction = Double(value), fraction >= 1, fraction <= 1_000 { (percent, sawFlags) = ((100 / fraction, token, source), true) }
                case "MaxRAM":
                    if let bytes = jvmSize(value) { (maxRAM, sawFlags) = ((bytes, token), true) }
                default:
                    continue
                }
            }
        }

        private mutating func set(size bytes: Int64, _ token: String, _ source: String, _ tiedToLimit: Bool) {
            sawFlags = true
            sizeFlags += 1
            size = (bytes, tiedToLimit, token, source)
        }

        /// The heap as the JVM will size it, or nil when no flag said anything.
        func resolved(limit: Int64?) -> RuntimeMemory? {
            if let size {
                // `-Xmx$(LIMITS_MEMORY)m` follows the limit: a share of it (capped at 10×), not a fixed size.
                if size.tiedToLimit, let limit, limit > 0 {
                    let share = min((Double(size.bytes) / Double(limit) * 10_000).rounded() / 100, 1_000)
                    return RuntimeMemory(runtime: .jvm, percentOfLimit: share, setting: size.token, source: size.source)
                }
                return RuntimeMemory(runtime: .jvm, bytes: size.bytes, setting: size.token, source: size.source)
            }
            let share = percent?.value ?? 25
            if let maxRAM {
                let setting = [maxRAM.token, percent?.token].compactMap { $0 }.joined(separator: " ")
                return RuntimeMemory(runtime: .jvm, bytes: Int64(Double(maxRAM.bytes) * share / 100), setting: setting,
                                     source: percent?.source ?? "flags")
            }
            if let percent { return RuntimeMemory(runtime: .jvm, percentOfLimit: percent.value, setting: percent.token, source: percent.source) }
            return nil
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
        // Digits only: Go refuses a sign, and a program that refuses its GOMEMLIMIT does not start.
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int64(digits), number > 0,
            number < (1 << 46) >> (unit?.1 ?? 0)
        else { return nil }
        return number << (unit?.1 ?? 0)
    }

    static func jvmMarker(image: String?, labels: [String: String]) -> String? {
        if let image {
            // The repository's last path part, without tag or digest: `eclipse-temurin`, `jenkins/jenkins` → `jenkins`.
            let repository = image.split(separator: "@").first?.split(separator: "/").last ?? ""
            let name = (repository.split(separator: ":").first).map { String($0).lowercased() } ?? ""
            let parts = name.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }).map(String.init)
            // `kafka-exporter`, `opensearch-dashboards`: tools around a JVM, not one.
            if parts.contains(where: notJVM.contains) { return nil }
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

        init(spec: JSON, limits: Observed.Resources, requests: Observed.Resources) {
            for item in spec["env"]?.array ?? [] {
                guard let name = item["name"]?.string else { continue }
                if let value = item["value"]?.string {
                    values[name] = expand(value)
                    if refersToLimit(value) { limitDerived.insert(name) }
                } else if let field = item["valueFrom", "resourceFieldRef"], let resource = field["resource"]?.string {
                    let amount: Int64? = resource == "limits.memory" ? limits.memory : resource == "requests.memory" ? requests.memory : nil
                    let divisor = field["divisor"]?.string.flatMap { try? Quantity.bytes($0, field: "divisor") } ?? 1
                    if let amount, divisor > 0 { values[name] = String(amount / divisor + (amount % divisor == 0 ? 0 : 1)) }
                    if resource == "limits.memory" { limitDerived.insert(name) }
                }
            }
        }

        /// No option string is longer: a value built past it keeps the reference unexpanded.
        static let maxValueBytes = 65_536

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
                    // Values that double themselves through references stop growing at a size no flag needs.
                    let value = values[name] ?? "$(\(name))"
                    result += result.utf8.count + value.utf8.count <= Self.maxValueBytes ? value : "$(\(name))"
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
