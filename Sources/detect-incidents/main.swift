import AutopilotTools

Tools.run("detect-incidents", arguments: Array(CommandLine.arguments.dropFirst()))
