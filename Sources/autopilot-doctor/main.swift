import AutopilotTools

Tools.run("autopilot-doctor", arguments: Array(CommandLine.arguments.dropFirst()))
