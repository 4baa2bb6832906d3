import AutopilotTools

Tools.run("notify-slack", arguments: Array(CommandLine.arguments.dropFirst()))
