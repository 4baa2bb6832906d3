import AutopilotTools

Tools.multiCall()
