/// Decides which team owns a workload: the first configured label key found on the object, then on
/// its pod template, then on its namespace.
public struct TeamResolver: Sendable {
    /// `team`, then `owner`, then `app.kubernetes.io/part-of`.
    public static let defaultKeys = ["team", "owner", "app.kubernetes.io/part-of"]

    public var keys: [String]

    public init(keys: [String] = TeamResolver.defaultKeys) { self.keys = keys }

    /// The team from the first label set (in order) that carries a key, trying keys in order within each.
    public func team(from labelSets: [[String: String]]) -> String? {
        for labels in labelSets {
            for key in keys {
                if let value = labels[key], !value.isEmpty { return value }
            }
        }
        return nil
    }
}
