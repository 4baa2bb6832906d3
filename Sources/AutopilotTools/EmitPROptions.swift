import ArgumentParser
import AutopilotKit
import Foundation

/// Where in the infra repo emit-pr looks and writes: Helm values maps, the folders each cluster deploys
/// from, the folders to search, and where runbooks go.
struct RepoLayoutOptions: ParsableArguments {
    @Option(help: ArgumentHelp("YAML list mapping Helm-rendered workloads to values keys: {namespace, kind, name, container, file, path}.", valueName: "file"))
    var valuesMap: String?

    @Option(help: ArgumentHelp("The folder of the repo (or file) CLUSTER deploys from (repeatable); wins over what Argo CD and Flux objects say.", valueName: "cluster=dir"))
    var clusterPath: [String] = []

    @Option(help: ArgumentHelp("YAML mapping of cluster name to the folder or folders of the repo it deploys from.", valueName: "file"))
    var clusterPaths: String?

    @Option(help: ArgumentHelp("Folder of the repo for runbook scripts (default runbooks).", valueName: "dir"))
    var runbookDir: String = "runbooks"

    @Option(help: ArgumentHelp("Only look for code under this folder of the repo (repeatable), e.g. clusters/prod in a monorepo.", valueName: "dir"))
    var scope: [String] = []

    func validate() throws {
        if let valuesMap, !FileManager.default.isReadableFile(atPath: valuesMap) { throw ValidationError("--values-map: cannot read \(valuesMap)") }
        for mapping in clusterPath where mapping.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--cluster-path: '\(mapping)' is not CLUSTER=DIR")
        }
    }

    func apply(to settings: inout EmitPRFilter.Settings, repo: String) throws {
        settings.runbookDirectory = runbookDir
        settings.scopes = scope
        if let valuesMap {
            do { settings.valuesMap = try ValuesMapping.load(valuesMap, repo: repo) } catch { throw ValidationError("--values-map: \(error)") }
        }
        if let clusterPaths {
            do { settings.clusterPaths = try ClusterPaths.load(clusterPaths) } catch { throw ValidationError("--cluster-paths: \(error)") }
        }
        for mapping in clusterPath {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            settings.clusterPaths[parts[0], default: []].append(parts[1])
        }
    }
}

/// Where emit-pr publishes: the GitHub repository and API (token from GITHUB_TOKEN), the git remote, and
/// how PR bodies link the evidence packs.
struct GitHubOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Link evidence packs as URL/<finding id>/evidence.html in PR bodies (default: their paths).", valueName: "url"))
    var evidenceUrl: String?

    @Option(help: ArgumentHelp("Push branches and open PRs on this GitHub repository (token from GITHUB_TOKEN).", valueName: "owner/name"))
    var githubRepo: String?

    @Option(help: ArgumentHelp("GitHub API base URL (GitHub Enterprise: https://HOST/api/v3).", valueName: "url"))
    var apiUrl: String = "https://api.github.com"

    @Option(help: ArgumentHelp("The git remote to push to (default origin, else the first).", valueName: "name"))
    var remote: String?

    func validate() throws {
        if let githubRepo, githubRepo.split(separator: "/").count != 2 { throw ValidationError("--github-repo must be OWNER/NAME") }
        if URL(string: apiUrl)?.scheme == nil { throw ValidationError("--api-url: '\(apiUrl)' is not a URL") }
    }

    /// Without GITHUB_TOKEN everything stays local, and the change records say so.
    func apply(to settings: inout EmitPRFilter.Settings) {
        settings.evidenceBaseURL = evidenceUrl
        settings.remote = remote
        guard let githubRepo else { return }
        let token = ProcessInfo.processInfo.environment["GITHUB_TOKEN"] ?? ""
        if token.isEmpty {
            settings.githubWithoutToken = githubRepo
        } else {
            settings.github = GitHubClient(apiURL: apiUrl, repository: githubRepo, token: token)
        }
    }
}
