import AutopilotTools

Tools.run("synth-cluster", arguments: Array(CommandLine.arguments.dropFirst()))
