/// What a container tells its language runtime about memory: a JVM's maximum heap (`-Xmx`,
/// `-XX:MaxHeapSize`, `-XX:MaxRAMPercentage`, `-XX:MaxRAM`, `-XX:MaxRAMFraction`), Go's `GOMEMLIMIT`,
/// Node's `--max-old-space-size`. Read from the container's env (literal values, `$(VAR)` references to
/// earlier ones, and `resourceFieldRef`s to its own requests and limits), its command and args, and,
/// for a JVM that sets nothing, its image. Only the flag itself is kept: env values may hold secrets.
///
/// Detected by collect-cluster (`Kubernetes/RuntimeMemory+Detection.swift`), carried on the container
/// records as `runtime`, and read by the memory detector as a floor.
///
/// A right-sizer that ignores this cuts a Java service below its heap (KRR #367, VPA #5029): the heap
/// grows lazily, so the window's peak can sit far below what the JVM will take.
public struct RuntimeMemory: Equatable, Sendable {
    public enum Runtime: String, Sendable { case jvm, go, node }

    public var runtime: Runtime
    /// The heap (JVM), old space (Node) or soft memory limit (Go) in bytes, when the flags fix it.
    public var bytes: Int64?
    /// A JVM heap set as a share of the container's memory limit (`MaxRAMPercentage`; 25 by default).
    public var percentOfLimit: Double?
    /// The flag as written, `-Xmx128m`, `GOMEMLIMIT=152MiB`, or `default MaxRAMPercentage=25`.
    public var setting: String
    /// Where it was found: `env JAVA_OPTS`, `args`, `image eclipse-temurin:21`.
    public var source: String
    /// A JVM's initial heap (`-Xms`, `InitialHeapSize`, `MinHeapSize`; the largest where several are
    /// set): a heap flag lowered below it stops the JVM at start.
    public var initialHeap: InitialHeap?
    /// The setting is one a change can lower without another overriding it: a JVM's `-Xmx`, Go's
    /// `GOMEMLIMIT` or Node's `--max-old-space-size` written once, literally (no `$(VAR)`), in one env
    /// variable the container defines once, with nothing else setting the same (`heapEditable` and the
    /// Go and Node rules in `Kubernetes/RuntimeMemory+Detection.swift`).
    public var editable = false

    public struct InitialHeap: Equatable, Sendable {
        public var bytes: Int64
        /// `-Xms64m`; its source as `source` above. `-Xms` in the heap flag's own variable, written
        /// once, is lowered with it where it would exceed the new heap.
        public var setting: String
        public var source: String
    }

    public init(runtime: Runtime, bytes: Int64? = nil, percentOfLimit: Double? = nil, setting: String, source: String,
                initialHeap: InitialHeap? = nil, editable: Bool = false) {
        self.runtime = runtime
        self.bytes = bytes
        self.percentOfLimit = percentOfLimit
        self.setting = setting
        self.source = source
        self.initialHeap = initialHeap
        self.editable = editable
    }

    /// `initialHeap` and `editable` are written only when set.
    public var json: JSONValue {
        var json: JSONValue = ["runtime": .string(runtime.rawValue), "bytes": .optional(bytes), "percentOfLimit": .optional(percentOfLimit),
                               "setting": .string(setting), "source": .string(source)]
        if let initialHeap {
            json.set("initialHeap", to: ["bytes": .int(initialHeap.bytes), "setting": .string(initialHeap.setting), "source": .string(initialHeap.source)])
        }
        if editable { json.set("editable", to: true) }
        return json
    }

    /// Reads a container record's `runtime` (nil when absent or not one this version knows).
    init?(record json: JSON?) throws(RecordError) {
        guard let json, !json.isNull, let name = json["runtime"]?.string, let runtime = Runtime(rawValue: name) else { return nil }
        self.runtime = runtime
        bytes = try json.integer("bytes", within: RecordBounds.memoryBytes)
        // Above 100 for a heap built from the limit and larger than it (collect-cluster caps it at 1000).
        percentOfLimit = try json.number("percentOfLimit", within: 0...1_000)
        setting = json["setting"]?.string ?? ""
        source = json["source"]?.string ?? ""
        if let initial = json["initialHeap"], let bytes = try initial.integer("bytes", within: RecordBounds.memoryBytes) {
            initialHeap = InitialHeap(bytes: bytes, setting: initial["setting"]?.string ?? "", source: initial["source"]?.string ?? "")
        }
        editable = json["editable"]?.bool ?? false
    }
}
