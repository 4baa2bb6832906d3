import AutopilotTools

Tools.run("slack-approvals", arguments: Array(CommandLine.arguments.dropFirst()))
