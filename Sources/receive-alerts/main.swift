import AutopilotTools

Tools.run("receive-alerts", arguments: Array(CommandLine.arguments.dropFirst()))
