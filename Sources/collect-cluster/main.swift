import AutopilotTools

Tools.run("collect-cluster", arguments: Array(CommandLine.arguments.dropFirst()))
