/// Decides which team owns a workload: the first configured label key found on the object, then on
/// its pod template, then on its namespace; else the fallback team (`unassigned`), so every
/// workload's cost lands in some team's column of the report.
public struct TeamResolver: Sendable {
    /// `team`, then `owner`, then `app.kubernetes.io/part-of`.
    public static let defaultKeys = ["team", "owner", "app.kubernetes.io/part-of"]

    public var keys: [String]
    public var fallback: String

    public init(keys: [String] = TeamResolver.defaultKeys, fallback: String = "unassigned") {
        self.keys = keys
        self.fallback = fallback
    }

    /// The team from the first label set (in order) that carries a key, trying keys in order within each.
    public func team(from labelSets: [[String: String]]) -> String {
        for labels in labelSets {
            for key in keys {
                if let value = labels[key], !value.isEmpty { return value }
            }
        }
        return fallback
    }
}
