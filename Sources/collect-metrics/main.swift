import AutopilotTools

Tools.run("collect-metrics", arguments: Array(CommandLine.arguments.dropFirst()))
