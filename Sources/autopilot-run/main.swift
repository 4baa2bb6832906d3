import AutopilotTools

Tools.run("autopilot-run", arguments: Array(CommandLine.arguments.dropFirst()))
