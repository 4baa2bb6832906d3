import AutopilotTools

Tools.run("ledger", arguments: Array(CommandLine.arguments.dropFirst()))
