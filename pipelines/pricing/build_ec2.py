#!/usr/bin/env python3
"""Builds prices-ec2.csv from the transcribed source extracts in this directory.
us-east-1: karpenter zz_generated.pricing_aws.go (us-east-1.txt, exact per size).
other regions: anchors.csv (SkyPilot catalog rows) scaled linearly within a family,
plus a few explicitly flagged knowledge/derived anchors (KNOWLEDGE below)."""
import csv, re, sys
from decimal import Decimal, ROUND_HALF_UP

import os
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../Sources/AutopilotKit/Pricing/prices-ec2.csv")
PROV = HERE + "/provenance.csv"
REGIONS = ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2"]
MCR_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"]
T_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"]
UNITS = {"medium": Decimal("0.5"), "large": 1, "xlarge": 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16,
         "12xlarge": 24, "16xlarge": 32, "24xlarge": 48, "metal": 48, "32xlarge": 64, "48xlarge": 96}
T_UNITS = {"nano": 1, "micro": 2, "small": 4, "medium": 8, "large": 16, "xlarge": 32, "2xlarge": 64}
T_SPEC = {"nano": (2, "0.5"), "micro": (2, "1"), "small": (2, "2"), "medium": (2, "4"),
          "large": (2, "8"), "xlarge": (4, "16"), "2xlarge": (8, "32")}
MEM_PER_VCPU = {"c": 2, "m": 4, "r": 8}
FULL = ["c5", "c5a", "c6g", "c6gd", "c6i", "c7g", "c7gd", "c7i", "m5", "m6g", "m6i", "m7g", "m7i",
        "r5", "r6g", "r6i", "r7i", "t3", "t3a", "t4g"]
USE1_ONLY = ["c5d", "c6a", "c6id", "c7a", "m5a", "m5d", "m6a", "m6gd", "m6id", "m7a", "m7gd",
             "r5a", "r5d", "r6a", "r6gd", "r6id", "r7a", "r7g"]
# (family, size, region, price, note) -- NOT read from a source file; flagged in PRICES.md
KNOWLEDGE = [
    ("t3", "medium", "eu-central-1", "0.048", "knowledge"), ("t3", "medium", "eu-west-1", "0.0456", "knowledge"),
    ("t3a", "medium", "eu-central-1", "0.0432", "knowledge"), ("t3a", "medium", "eu-west-1", "0.0408", "knowledge"),
    ("r5", "2xlarge", "eu-central-1", "0.608", "knowledge (=r6i sourced)"),
    ("r5", "2xlarge", "eu-west-1", "0.564", "knowledge (=r6i sourced)"),
    ("r7i", "2xlarge", "eu-central-1", "0.6384", "derived 1.05 x r6i"),
    ("r7i", "2xlarge", "eu-west-1", "0.5922", "derived 1.05 x r6i"),
]

def fam_size(it):
    f, s = it.split(".", 1)
    return f, s

use1 = {}
for m in re.finditer(r'"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9.]+)', open(HERE + "/us-east-1.txt").read()):
    use1[m.group(1)] = Decimal(m.group(2))

anchors = {}  # (fam, region) -> list of (size, price, src)
for row in csv.DictReader(open(HERE + "/anchors.csv")):
    anchors.setdefault((row["family"], row["region"]), []).append((row["size"], Decimal(row["price"]), "skypilot"))
for f, s, r, p, n in KNOWLEDGE:
    anchors.setdefault((f, r), []).append((s, Decimal(p), n))

def units(fam, size):
    return Decimal(T_UNITS[size]) if fam.startswith("t") else Decimal(UNITS[size])

def decimals(d):
    return max(0, -d.normalize().as_tuple().exponent)

def fmt(d):
    s = format(d.normalize(), "f")
    return s

def price_for(fam, size, region):
    if region == "us-east-1":
        v = use1.get(f"{fam}.{size}")
        return (v, "karpenter") if v is not None else (None, None)
    al = anchors.get((fam, region), [])
    for s, p, src in al:
        if s == size:
            return p, src
    if not al:
        if region == "us-west-2" and fam in ("r5", "r7i", "t3", "t3a"):
            v = use1.get(f"{fam}.{size}")
            return (v, "assumed=us-east-1") if v is not None else (None, None)
        return None, None
    if region == "us-west-2" and all(use1.get(f"{fam}.{s}") == p for s, p, _ in al if f"{fam}.{s}" in use1):
        v = use1.get(f"{fam}.{size}")
        return v, "us-east-1 karpenter value; skypilot us-west-2 anchors identical"
    # scale from the highest-unit anchor (most significant digits)
    s, p, src = max(al, key=lambda a: (units(fam, a[0]), decimals(a[1])))
    dp = max(5, decimals(p))
    v = (p * units(fam, size) / units(fam, s)).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)
    return v, f"{src} scaled from {fam}.{s}"

rows, prov = [], []
for region in REGIONS:
    for fam in sorted(FULL + USE1_ONLY):
        if fam in USE1_ONLY and region != "us-east-1":
            continue
        sizes = T_SIZES if fam.startswith("t") else MCR_SIZES
        for size in sizes:
            if f"{fam}.{size}" not in use1:
                continue  # size does not exist for this family
            p, src = price_for(fam, size, region)
            if p is None:
                continue
            if fam.startswith("t"):
                vcpu, mem = T_SPEC[size]
            else:
                vcpu = int(units(fam, size) * 2)
                mem = str(vcpu * MEM_PER_VCPU[fam[0]])
            rows.append([region, f"{fam}.{size}", str(vcpu), mem, fmt(p)])
            prov.append([region, f"{fam}.{size}", fmt(p), src])

with open(OUT, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["region", "instanceType", "vcpu", "memoryGiB", "onDemandHourly"])
    w.writerows(rows)
with open(PROV, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["region", "instanceType", "onDemandHourly", "source"])
    w.writerows(prov)
print(len(rows), "rows")
