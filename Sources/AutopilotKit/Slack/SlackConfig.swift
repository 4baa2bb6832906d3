import Foundation

/// Where each team's approval requests go and who may approve them, from a YAML file:
///
///     defaultChannel: "#cloud-savings"
///     approvers: [U0PLATFORM]          # may decide for every team
///     teams:
///       checkout: {channel: C0CHECKOUT, approvers: [U01ALICE, U02BOB]}
///
/// or from autopilot.yaml, whose `slack` section holds the same keys (one file for the weekly run and
/// slack-approvals; a site config without one lets nobody decide in Slack).
public struct SlackConfig: Sendable {
    public var defaultChannel: String?
    public var approvers: Set<String> = []
    public var teamChannels: [String: String] = [:]
    public var teamApprovers: [String: Set<String>] = [:]

    public init() {}

    public static func load(_ path: String) throws -> SlackConfig {
        var config = SlackConfig()
        var root: JSON?
        do {
            try YAMLDocuments(bytes: try FileIO.readAll(path)).forEachDocument { document, _ in if root == nil { root = document } }
        } catch let error as YAMLParseError {
            throw ConfigError("\(path):\(error.line):\(error.column): \(error.message)")
        }
        guard var root, root.isObject else { throw ConfigError("\(path): expected a mapping with defaultChannel, approvers and teams") }
        if root["clusters"] != nil {
            // A site config: its slack section (checked by SiteConfig when autopilot-run or the doctor reads it).
            guard let section = root["slack"], section.isObject else { return config }
            root = section
        }
        config.defaultChannel = root["defaultChannel"]?.string
        config.approvers = Self.users(root["approvers"])
        for (team, settings) in root["teams"]?.members ?? [] {
            if let channel = settings["channel"]?.string { config.teamChannels[team] = channel }
            config.teamApprovers[team] = Self.users(settings["approvers"])
        }
        return config
    }

    /// A list of Slack user ids, or one id on its own (autopilot.yaml allows both).
    private static func users(_ value: JSON?) -> Set<String> {
        if let one = value?.string { return [one] }
        return Set(value?.array.compactMap(\.string) ?? [])
    }

    public func channel(team: String?) -> String? { team.flatMap { teamChannels[$0] } ?? defaultChannel }

    /// A Slack user may decide for `team` when listed for it or for every team.
    public func mayDecide(user: String, team: String?) -> Bool {
        approvers.contains(user) || (team.flatMap { teamApprovers[$0] }?.contains(user) ?? false)
    }
}
