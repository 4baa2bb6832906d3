/// The ranges a record's numbers must fall in. Past them a value is not a cluster's, it is a broken or
/// hostile record: reading it would turn into a wrong dollar figure or a crash further down, so the
/// reader reports the field by name and the record is not used.
public enum RecordBounds {
    /// Cores. The largest EC2 instance has 896 vCPUs; a million leaves room and keeps sums in range.
    public static let cores: ClosedRange<Double> = 0...1_000_000
    /// Bytes of memory: at most 64 TiB (the largest instance has 32 TiB), so sums over 100,000 pods fit Int64.
    public static let memoryBytes: ClosedRange<Int64> = 0...(1 << 46)
    /// Bytes of storage: at most 4 EiB (an EFS volume may declare any size).
    public static let storageBytes: ClosedRange<Int64> = 0...(1 << 62)
    /// Replicas, pods, samples, kills, IOPS and other counts.
    public static let count: ClosedRange<Int64> = 0...1_000_000_000
    /// A share of something, 0 to 1 (throttled ratio, confidence).
    public static let ratio: ClosedRange<Double> = 0...1
    /// Dollars a month, either sign (a raise costs money).
    public static let dollars: ClosedRange<Double> = -1_000_000_000...1_000_000_000
}
