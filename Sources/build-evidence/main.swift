import AutopilotTools

Tools.run("build-evidence", arguments: Array(CommandLine.arguments.dropFirst()))
