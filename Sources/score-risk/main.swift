import AutopilotTools

Tools.run("score-risk", arguments: Array(CommandLine.arguments.dropFirst()))
