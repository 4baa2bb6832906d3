import AutopilotTools

Tools.run("emit-pr", arguments: Array(CommandLine.arguments.dropFirst()))
