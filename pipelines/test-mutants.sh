#!/usr/bin/env bash
# Mutation controls for the formulas users act on: applies one one-line mutation at a time to a scratch
# copy of the tree, rebuilds it (its own build folder, incremental), runs the tests that guard money,
# recommendations and the gate, and reports each mutation as caught (a test failed) or SURVIVED (every
# test passed: no test would notice that formula changing). Not part of CI: about a minute a mutation.
#
#   make test-mutants                 # all mutations
#   pipelines/test-mutants.sh NAME…   # only these
#
# Exit status: 0 when every mutation is caught, 1 when any survives, 2 on a setup failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${MUTANTS_DIR:-$root/.build-mutants}
# The tests with independent expectations: not the golden files (update-golden.sh writes them from the
# tools, so they catch every change and judge none) nor the README-defaults check (a documentation check).
tests=${MUTANT_TESTS:-'AutopilotKitTests\.(OverRequestedCPUTests|OverRequestedMemoryTests|IdleNodeTests|NodeConsolidationTests|OrphanVolumeTests|MisconfiguredAutoscalingTests|PricingTests|Risk[A-Za-z]*Tests|StepLimitTests|AnalyzerBranches[AB]Tests|StuckTerminatingTests)|DemoFiguresIndependentTests|DetectWasteDemoTests/(testThePlantedFindingsAndNoTrap|testNoRecommendationBelowObservedUsage|testStderrTotalEqualsTheSumOfTheRecordsToTheCent)'}

# name | file | the exact text | what it becomes
mutations=$(cat <<'LIST'
cpu-margin|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var margin = 0.15
        public var floorCores|public var margin = 0.16
        public var floorCores
cpu-floor|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var floorCores = 0.01|public var floorCores = 0.02
cpu-min-reduction|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var minReductionRatio = 0.20
        public var minReductionCores|public var minReductionRatio = 0.25
        public var minReductionCores
cpu-step|Sources/AutopilotKit/Vocabulary/RequestRounding.swift|let step = millis < 1000 ? 5.0 : 50.0|let step = millis < 1000 ? 10.0 : 50.0
latency-margin|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var latencySensitiveMargin = 0.50|public var latencySensitiveMargin = 0.40
memory-margin|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var margin = 0.15
        public var floorBytes|public var margin = 0.14
        public var floorBytes
memory-floor|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var floorBytes: Int64 = 100 << 20|public var floorBytes: Int64 = 90 << 20
memory-step|Sources/AutopilotKit/Vocabulary/RequestRounding.swift|let step = bytes <= 1024 * mib ? 16 * mib : 64 * mib|let step = bytes <= 1024 * mib ? 32 * mib : 64 * mib
memory-step-large|Sources/AutopilotKit/Vocabulary/RequestRounding.swift|let step = bytes <= 1024 * mib ? 16 * mib : 64 * mib|let step = bytes <= 1024 * mib ? 16 * mib : 128 * mib
oom-margin|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var oomMargin = 0.25|public var oomMargin = 0.20
rate-split|Sources/AutopilotKit/Pricing/CostModel.swift|public static let cpuWeight = 0.031611|public static let cpuWeight = 0.03
hours-per-month|Sources/AutopilotKit/Pricing/CostModel.swift|public static let hoursPerMonth = 730.0|public static let hoursPerMonth = 720.0
spot-discount|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var spotDiscount = 0.65|public var spotDiscount = 0.60
idle-requested|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var maxRequestedRatio = 0.30|public var maxRequestedRatio = 0.35
consolidation-requested|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var maxRequestedRatio = 0.40|public var maxRequestedRatio = 0.45
orphan-age|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var minAge = Duration(seconds: 7 * 86_400)|public var minAge = Duration(seconds: 6 * 86_400)
risk-weight|Sources/AutopilotKit/Risk/RiskAssessment.swift|("blastRadius", 0.25), ("latencyImpact", 0.25)|("blastRadius", 0.3), ("latencyImpact", 0.2)
gate-auto-below|Sources/AutopilotKit/Risk/RiskPolicy.swift|public var autoBelow = 0.3|public var autoBelow = 0.35
gate-block-above|Sources/AutopilotKit/Risk/RiskPolicy.swift|public var blockAbove = 0.8|public var blockAbove = 0.85
stuck-after|Sources/AutopilotKit/Detectors/DetectionConfig.swift|public var after = Duration(seconds: 3_600)|public var after = Duration(seconds: 7_200)
LIST
)

# Records are separated by the line of the next name; a mutation's text may span lines (an indented
# continuation line belongs to the record before it).
python3 - "$root" "$work" "$tests" "$mutations" "$@" <<'PY'
import os, re, shutil, subprocess, sys
root, work, tests, text, wanted = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
records = []
for line in text.split("\n"):
    if re.match(r"^[a-z-]+\|", line):
        records.append(line)
    else:
        records[-1] += "\n" + line
mutations = [tuple(record.split("|")) for record in records]
if wanted:
    unknown = [name for name in wanted if name not in {m[0] for m in mutations}]
    if unknown:
        sys.exit(f"test-mutants: unknown mutation {', '.join(unknown)}; known: {', '.join(m[0] for m in mutations)}")
    mutations = [m for m in mutations if m[0] in wanted]

tree = os.path.join(work, "tree")
os.makedirs(work, exist_ok=True)
# A scratch copy of the sources and tests (not the build folders); its own build folder stays warm.
# (copy2 keeps modification times, so an unchanged file is not rebuilt.)
shutil.rmtree(tree, ignore_errors=True)
shutil.copytree(root, tree, copy_function=shutil.copy2, symlinks=True,
                ignore=lambda folder, names: [n for n in names if folder == root and (n.startswith(".build") or n in (".git", "out"))])
env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
def build():
    return subprocess.run(["swift", "build", "--build-tests", "--scratch-path", os.path.join(work, "build")], cwd=tree, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
def test():
    return subprocess.run(["swift", "test", "--skip-build", "--disable-swift-testing", "--scratch-path", os.path.join(work, "build"),
                           "--filter", tests], cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

base = build()
if base.returncode != 0:
    print(base.stdout[-3000:]); sys.exit(2)
clean = test()
if clean.returncode != 0:
    print("test-mutants: the unmutated tree fails its tests:\n" + clean.stdout[-3000:]); sys.exit(2)

survivors = []
for name, path, original, mutated in mutations:
    file = os.path.join(tree, path)
    source = open(file).read()
    if source.count(original) != 1:
        print(f"{name:26} SETUP: the text to mutate occurs {source.count(original)} times in {path}")
        survivors.append(name)
        continue
    open(file, "w").write(source.replace(original, mutated))
    try:
        built = build()
        if built.returncode != 0:
            print(f"{name:26} SETUP: the mutant does not build"); survivors.append(name); continue
        result = test()
        failed = sorted(set(re.findall(r"error: (\w+)\.(\w+) :", result.stdout)))
        if result.returncode == 0:
            print(f"{name:26} SURVIVED: no test failed")
            survivors.append(name)
        else:
            shown = ", ".join(f"{c}.{t}" for c, t in failed[:3]) + (" …" if len(failed) > 3 else "")
            print(f"{name:26} caught by {len(failed)} test(s): {shown}")
    finally:
        open(file, "w").write(source)
build()  # leave the scratch build unmutated
print(f"test-mutants: {len(mutations) - len(survivors)} of {len(mutations)} mutations caught" + (f"; survived: {', '.join(survivors)}" if survivors else ""))
sys.exit(1 if survivors else 0)
PY
