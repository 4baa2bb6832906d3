/// The PromQL Autopilot sends. Each expression aggregates by (namespace, pod, container) or by node,
/// so a response has one series per pod-container, never one per raw cAdvisor series.
public enum PromQL {
    /// cAdvisor's per-container CPU, as cores, one series per (namespace, pod, container).
    public static func containerCPU(_ selector: String, rate: Duration) -> String {
        "sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{container!=\"\", container!=\"POD\", \(selector)}[\(rate)]))"
    }

    /// cAdvisor's CPU per raw series, in cores: not aggregated, because a `sum by` over a 14-day range
    /// costs Prometheus as much again as the `rate()` itself (measured); the client joins the series.
    public static func containerCPUPerSeries(_ selector: String, rate: Duration) -> String {
        "rate(container_cpu_usage_seconds_total{container!=\"\", container!=\"POD\", \(selector)}[\(rate)])"
    }

    /// cAdvisor's working set per raw series, the highest sample in each `interval` before a point (so
    /// no peak between two steps is missed); not aggregated, for the same reason.
    public static func containerMemoryPeakPerSeries(_ selector: String, over interval: Duration) -> String {
        "max_over_time(container_memory_working_set_bytes{container!=\"\", container!=\"POD\", \(selector)}[\(interval)])"
    }

    /// A node's root-cgroup CPU per raw series, in cores.
    public static func nodeCPUPerSeries(_ selector: String, rate: Duration) -> String {
        "rate(container_cpu_usage_seconds_total{id=\"/\", \(selector)}[\(rate)])"
    }

    /// OOM kills counted by cAdvisor over the window.
    public static func oomEvents(_ selector: String, window: Duration) -> String {
        "sum by (namespace, pod, container) (increase(container_oom_events_total{container!=\"\", \(selector)}[\(window)]))"
    }

    /// 1 where kube-state-metrics saw a container's last termination be OOMKilled during the window.
    public static func oomLastTerminated(_ selector: String, window: Duration) -> String {
        "max by (namespace, pod, container) (max_over_time(kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\", \(selector)}[\(window)]))"
    }

    /// CFS periods (all, or throttled) over the window; their ratio is the throttled share.
    public static func cfsPeriods(_ selector: String, throttled: Bool, window: Duration) -> String {
        let metric = throttled ? "container_cpu_cfs_throttled_periods_total" : "container_cpu_cfs_periods_total"
        return "sum by (namespace, pod, container) (increase(\(metric){container!=\"\", container!=\"POD\", \(selector)}[\(window)]))"
    }

    /// Hourly CPU (average cores over each point's preceding hour), for evidence graphs.
    public static func cpuSeries(_ selector: String, step: Duration) -> String {
        containerCPU(selector, rate: step)
    }

    /// Hourly peak working set, for evidence graphs.
    public static func memorySeries(_ selector: String, step: Duration) -> String {
        "max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{container!=\"\", container!=\"POD\", \(selector)}[\(step)]))"
    }

    /// kube-state-metrics owner series seen at any time in the window, so pods that came and went count.
    public static func owners(_ metric: String, by labels: String, _ selector: String, window: Duration) -> String {
        "max by (\(labels), owner_kind, owner_name) (max_over_time(\(metric){\(selector)}[\(window)]))"
    }

    /// One JVM heap statistic per (namespace, pod, pool) over the window, from Micrometer's and
    /// client_java's `jvm_memory_<what>_bytes` or, where a JVM has none, simpleclient's
    /// `jvm_memory_bytes_<what>`. Each name is aggregated on its own before `or`: a selector matching both
    /// names would lose them under `max_over_time` and clash as one label set (prometheus#14695).
    static func jvmHeapPools(_ what: String, _ selector: String, window: Duration) -> String {
        ["jvm_memory_\(what)_bytes", "jvm_memory_bytes_\(what)"]
            .map { "max by (namespace, pod, id) (max_over_time(\($0){area=\"heap\", \(selector)}[\(window)]))" }
            .joined(separator: " or ")
    }

    /// Each pod's JVM heap maximum, as the JVM reports it: its heap pools with a defined maximum summed
    /// (Micrometer reports one series per pool, -1 where a pool has none; client_java one for the heap).
    public static func jvmHeapMax(_ selector: String, window: Duration) -> String {
        "sum by (namespace, pod) ((\(jvmHeapPools("max", selector, window: window))) > 0)"
    }

    /// Each pod's heap in use at its highest: every pool's highest over the window, summed. The pools
    /// peak at different moments, so this is at or above the true peak of the sum: the safe side, and
    /// no sample between two steps is missed as a subquery would miss it.
    public static func jvmHeapUsed(_ selector: String, window: Duration) -> String {
        "sum by (namespace, pod) ((\(jvmHeapPools("used", selector, window: window))) > 0)"
    }

    /// A node's CPU in use, in cores, from cAdvisor's root cgroup.
    public static func nodeCPU(_ selector: String, nodeLabel: String, rate: Duration) -> String {
        "sum by (\(nodeLabel)) (rate(container_cpu_usage_seconds_total{id=\"/\", \(selector)}[\(rate)]))"
    }

    /// A statistic of a node's working set over the window (cAdvisor's root cgroup, raw samples).
    public static func nodeMemory(_ function: String, _ selector: String, nodeLabel: String, window: Duration) -> String {
        "max by (\(nodeLabel)) (\(function)container_memory_working_set_bytes{id=\"/\", \(selector)}[\(window)]))"
    }

    /// `label=~"^(a|b)$"` for exact names, with regex metacharacters escaped.
    public static func oneOf(_ label: String, _ values: [String]) -> String {
        let escaped = values.map { value in
            value.map { character -> String in
                // A quote ends the string; a backslash is the string's escape and the regex's.
                if character == "\"" { return "\\\"" }
                if character == "\\" { return "\\\\\\\\" }
                return "^$.|?*+()[]{}".contains(character) ? "\\\\\(character)" : String(character)
            }.joined()
        }
        return "\(label)=~\"^(\(escaped.joined(separator: "|")))$\""
    }

    /// `label="value"` with the value's quotes and backslashes escaped, so a name cannot widen a selector.
    public static func equals(_ label: String, _ value: String) -> String {
        "\(label)=\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
