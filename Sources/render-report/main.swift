import AutopilotTools

Tools.run("render-report", arguments: Array(CommandLine.arguments.dropFirst()))
