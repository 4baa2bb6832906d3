import AutopilotTools

Tools.run("detect-waste", arguments: Array(CommandLine.arguments.dropFirst()))
