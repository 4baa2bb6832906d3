import AutopilotTools

Tools.run("render-site", arguments: Array(CommandLine.arguments.dropFirst()))
