#!/usr/bin/env python3
"""Builds the embedded AWS price table from the public source files stored in pipelines/pricing/sources/.

    python3 pipelines/pricing/build_prices.py [--offers DIR]
    python3 pipelines/pricing/build_prices.py --self-test

Writes Sources/AutopilotKit/Pricing/prices-ec2.csv, prices-ebs.csv, prices-fargate.csv and
pipelines/pricing/provenance.csv (one line per price row), then runs generate_embedded.py.
Every figure comes from a file under sources/ (see sources/SOURCES.md), from anchors.csv, from the one web page
named in SOURCES.md (Fargate us-east-1), or from AWS Price List offer files given with --offers; derivations
are rules over those figures, written out in each row's provenance. Nothing is typed in from memory.

--offers DIR: AWS Price List bulk files as AWS publishes them, DIR/AmazonEC2/<region>/index.csv (EC2 and EBS)
and/or DIR/AmazonECS/<region>/index.csv (Fargate). Their rows win over every other source.
Python 3 standard library only.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "sources")
PRICING = os.path.normpath(os.path.join(HERE, "../../Sources/AutopilotKit/Pricing"))
OUT_EC2 = os.path.join(PRICING, "prices-ec2.csv")
OUT_EBS = os.path.join(PRICING, "prices-ebs.csv")
OUT_FARGATE = os.path.join(PRICING, "prices-fargate.csv")
OUT_PROV = os.path.join(HERE, "provenance.csv")
OUT_METHODS = os.path.join(HERE, "methods.csv")
GENERATOR = os.path.join(PRICING, "generate_embedded.py")

KARPENTER = "aws+karpenter-provider-aws/pkg/providers/pricing/zz_generated.pricing_aws.go"
KARPENTER_DOCS = "aws+karpenter-provider-aws/website/content/en/preview/reference/instance-types.md"
TEDIVM = "tedivm+ec2details/api/ec2instances.json"
AUTOSCALER = "kubernetes+autoscaler/cluster-autoscaler/cloudprovider/aws/ec2_instance_types.go"
CLOUDKEEP = "cloudkeep-io+ebs-pricing/docs/ebs_pricing.json"
CLOUDKEEP_DATE = "cloudkeep-io+ebs-pricing/docs/last_updated"
BOTOCORE = "boto+botocore/botocore/data/partitions.json"
ANCHORS = os.path.join(HERE, "anchors.csv")

# Source ids and data dates; SOURCES.md defines each id (repository, full commit, path, licence).
SID_KARPENTER = "karpenter@1d92708"
SID_KARPENTER_DOCS = "karpenter-docs@1d92708"
SID_TEDIVM = "tedivm@0535a3f"
SID_AUTOSCALER = "autoscaler@55c37cd"
SID_CLOUDKEEP = "cloudkeep@d76ed27"
SID_VANTAGE = "vantage-fargate-page"
DATE_TEDIVM = "2022-11-22"        # commit b7df874 (last change of api/ec2instances.json); no date inside the file
DATE_AUTOSCALER = "2026-01-22"    # StaticListLastUpdateTime inside the file
DATE_KARPENTER_DOCS = "2026-07-11"  # commit 692ccdd (last change of instance-types.md)
DATE_VANTAGE = "2021-04-22"       # the page's "Originally published April 22, 2021" (its figures are unchanged since)

# Fargate, us-east-1, from https://www.vantage.sh/blog/fargate-pricing (see SOURCES.md for the wording).
# (architecture, OS) -> (per vCPU-hour, per GB-hour).
FARGATE_US_EAST_1 = {
    ("amd64", "Linux"): (Decimal("0.04048"), Decimal("0.004445")),
    ("arm64", "Linux"): (Decimal("0.03238"), Decimal("0.00356")),
    ("amd64", "Windows"): (Decimal("0.09148"), Decimal("0.01005")),
}
# The same page: the Windows/x86 vCPU-hour figure includes an OS licence fee of $0.046 per vCPU-hour.
FARGATE_WINDOWS_OS_FEE = Decimal("0.046")
FARGATE_RATIO_FAMILY = "m5"

EBS_TYPES = ["gp2", "gp3", "io1", "io2", "sc1", "st1", "standard"]
SIX = Decimal("0.000001")


def log(*a):
    print(*a, file=sys.stderr)


def fmt(d):
    """A Decimal as a plain decimal: no exponent, no trailing zeros."""
    if d is None:
        return ""
    d = Decimal(d)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def round6(d):
    return d.quantize(SIX, rounding=ROUND_HALF_UP)


def median(values):
    return statistics.median(sorted(values))


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as fh:
        return fh.read()


# ----------------------------------------------------------------------------------------------------------
# Source readers


def load_karpenter():
    text = read(KARPENTER)
    m = re.search(r"^// generated at (\d{4}-\d{2}-\d{2})T[0-9:]+Z for us-east-1$", text, re.M)
    assert m, "karpenter file: no 'generated at ... for us-east-1' line"
    date = m.group(1)
    block = re.search(r'"us-east-1": \{\n(.*?)\n\t\},', text, re.S)
    assert block, "karpenter file: no us-east-1 block"
    prices = {}
    for t, p in re.findall(r'"([a-z0-9-]+\.[a-z0-9-]+)": ([0-9.]+)', block.group(1)):
        assert t not in prices, t
        prices[t] = Decimal(p)
    assert len(prices) > 1000, len(prices)
    return date, prices


def load_autoscaler():
    text = read(AUTOSCALER)
    m = re.search(r'StaticListLastUpdateTime = "([0-9-]+)"', text)
    assert m and m.group(1) == DATE_AUTOSCALER, "autoscaler file changed: update DATE_AUTOSCALER and SOURCES.md"
    specs = {}
    for name, body in re.findall(r'\n\t"([^"]+)": \{\n(.*?)\n\t\},', text, re.S):
        f = dict(re.findall(r"^\t\t(\w+):\s+(.+?),?$", body, re.M))
        assert f["InstanceType"].strip('"') == name, name
        specs[name] = (int(f["VCPU"]), Decimal(f["MemoryMb"]) / 1024, f["Architecture"].strip('"'))
    assert len(specs) > 1000, len(specs)
    return specs


def load_karpenter_docs():
    text = read(KARPENTER_DOCS)
    parts = re.split(r"^### `([^`]+)`\n", text, flags=re.M)
    specs = {}
    for i in range(1, len(parts), 2):
        body = parts[i + 1]

        def label(key):
            m = re.search(r"^ \|" + re.escape(key) + r"\|([^|]*)\|$", body, re.M)
            return m.group(1) if m else None

        cpu, mem, arch = label("karpenter.k8s.aws/instance-cpu"), label("karpenter.k8s.aws/instance-memory"), label("kubernetes.io/arch")
        if cpu and mem and arch:
            specs[parts[i]] = (int(cpu), Decimal(mem) / 1024, arch)
    assert len(specs) > 1000, len(specs)
    return specs


def load_region_names():
    """Commercial ('aws' partition) region codes and their location names, from botocore and cloudkeep."""
    parts = json.loads(read(BOTOCORE))["partitions"]
    aws = [p for p in parts if p["id"] == "aws"][0]
    codes = {c for c in aws["regions"] if re.match(aws["regionRegex"], c)}
    names = {v["description"]: c for c, v in aws["regions"].items() if c in codes}
    for rec in json.loads(read(CLOUDKEEP)):
        if rec["rzType"] == "region" and rec.get("partition") == "aws":
            prev = names.setdefault(rec["location"], rec["rzCode"])
            assert prev == rec["rzCode"], (rec["location"], prev, rec["rzCode"])
    return codes, names


def load_tedivm(codes, names):
    """type -> {'vcpu','memory','arch','linux':{region:price},'windows':{region:price},'windows_any':bool}."""
    data = json.loads(read(TEDIVM), parse_float=Decimal)
    zones = {rec["location"].lower(): rec["rzType"] for rec in json.loads(read(CLOUDKEEP)) if rec["rzType"] != "region"}
    skipped = {}
    mapping = {}

    def region_of(key):
        if key in mapping:
            return mapping[key]
        if key in codes:
            r = key
        elif key in names:
            r = names[key]
        else:
            r = None
            k = key.strip()
            if k.startswith("us-gov-") or "GovCloud" in k:
                why = "GovCloud (not commercial)"
            elif k.startswith("cn-") or k.startswith("China"):
                why = "China (not commercial)"
            elif re.match(r"^[a-z]{2}-[a-z]+-\d+-", k):
                why = "zone-suffixed code (Local Zone)"
            elif k.lower() in zones:
                why = f"cloudkeep lists this location as a {zones[k.lower()]}"
            elif re.search(r"\((Verizon|Vodafone|KDDI|SKT|BELL)\)", k, re.I):
                why = "Wavelength Zone (carrier name in the location)"
            else:
                why = "no region of this name in partitions.json or cloudkeep (left out)"
            skipped[key] = why
        mapping[key] = r
        return r

    out = {}
    for t, v in data.items():
        if "." not in t:
            continue
        rec = {"vcpu": int(v["vcpu"]), "memory": Decimal(v["memory"].split()[0].replace(",", "")),
               "arch": "arm64" if re.search(r"Graviton|Apple", v.get("physicalProcessor", "")) else "amd64",
               "linux": {}, "windows": {}, "windows_any": bool(v["prices"].get("Windows"))}
        for os_key, dest in (("Linux", "linux"), ("Windows", "windows")):
            for key, tenancies in v["prices"].get(os_key, {}).items():
                r = region_of(key)
                if r is None or "Shared" not in tenancies:
                    continue
                p = Decimal(tenancies["Shared"])
                if r in rec[dest]:
                    assert rec[dest][r] == p, (t, os_key, r)
                rec[dest][r] = p
        out[t] = rec
    used = sorted({r for r in mapping.values() if r})
    named = sorted((k, r) for k, r in mapping.items() if r and k != r)
    return out, used, named, skipped


def load_anchors():
    rows = {}
    with open(ANCHORS, newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["region"], f'{row["family"]}.{row["size"]}')
            p = Decimal(row["price"])
            assert rows.get(key, p) == p, key
            rows[key] = p
    return rows


def check_against_anchors(rows):
    """The SkyPilot catalogue rows in anchors.csv carry no data date, and every price row must have one, so
    they price nothing: they are the cross-check of the table (PRICES.md). Prints how many Linux rows of
    the table equal them, and the largest difference."""
    anchors = load_anchors()
    diffs = []
    for (r, t), p in sorted(anchors.items()):
        row = rows.get((r, t, "Linux"))
        if row is None:
            continue
        diffs.append(abs(Decimal(str(row[0])) - p) / p)
    exact = sum(1 for d in diffs if d == 0)
    worst = max(diffs) * 100 if diffs else 0
    log(f"cross-check against {len(anchors)} SkyPilot rows: {len(diffs)} in the table, {exact} equal, largest difference {worst:.2f}%")


def load_cloudkeep():
    date = read(CLOUDKEEP_DATE).strip()[:10]
    out = {}
    for rec in json.loads(read(CLOUDKEEP)):
        if rec["rzType"] != "region" or rec.get("partition") != "aws":
            continue
        r = rec["rzCode"]
        for vt, p in rec["ebs_prices"].items():
            if vt not in EBS_TYPES:
                continue
            usd = lambda k: Decimal(p[k]["USD"]) if k in p else None
            gb = usd("pricePerGBMonth")
            iops = usd("pricePerIOPSMonth") if vt in ("gp3", "io1") else usd("pricePerTier1IOPSMonth") if vt == "io2" else None
            tp = usd("pricePerGiBpsMonth") / 1024 if vt == "gp3" and "pricePerGiBpsMonth" in p else None
            if gb is None:
                continue
            out[(r, vt)] = (gb, iops, tp)
    return date, out


# ----------------------------------------------------------------------------------------------------------
# AWS Price List offer files (--offers)


def _norm(col):
    return re.sub(r"[^a-z0-9]", "", col.lower())


def read_offer(path):
    """Returns (publication date 'YYYY-MM-DD', rows as dicts keyed by normalised column name)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        meta, header = {}, None
        for row in reader:
            if row and row[0] == "SKU":
                header = [_norm(c) for c in row]
                break
            if len(row) >= 2:
                meta[_norm(row[0])] = row[1]
        assert header, f"{path}: no header line starting with SKU"
        pub = meta.get("publicationdate", "")
        m = re.match(r"\d{4}-\d{2}-\d{2}", pub)
        assert m, f"{path}: no 'Publication Date' metadata line"
        rows = [dict(zip(header, r)) for r in reader if len(r) == len(header)]
    return m.group(0), rows


def on_demand_rows(rows, region):
    """An offer file's on-demand rows of one AWS Region (not a Local or Wavelength Zone), in file order."""
    for row in rows:
        g = lambda k: row.get(k, "").strip()
        if g("termtype") != "OnDemand":
            continue
        if g("regioncode") and g("regioncode") != region:
            continue
        if g("locationtype") and g("locationtype") != "AWS Region":
            continue
        yield row


def parse_ec2_offer(path, region):
    """EC2 on-demand (Linux, Windows licence included) and EBS rows of one AmazonEC2 offer file.

    Recipe of Cyclenerd/aws-pricing build/instance-shared-prices.sql and storage-prices.sql: TermType OnDemand,
    Tenancy Shared, CapacityStatus Used, Pre Installed S/W NA, Unit Hrs; Linux with License Model
    'No License required'; Windows with 'License Included' or 'No License required' (AWS labels licence-included
    Windows so, and Cyclenerd selects it so), never 'Bring your own license'."""
    date, rows = read_offer(path)
    ec2, specs, ebs, conflicts = {}, {}, {}, []
    iops_rows = {}
    for row in on_demand_rows(rows, region):
        g = lambda k: row.get(k, "").strip()
        if g("currency") and g("currency") != "USD":
            continue
        try:
            price = Decimal(g("priceperunit"))
        except Exception:
            continue
        fam = g("productfamily")
        if fam.startswith("Compute Instance"):
            if g("tenancy") != "Shared" or g("capacitystatus") != "Used" or g("preinstalledsw") != "NA" or g("unit") != "Hrs":
                continue
            if g("marketoption") not in ("", "OnDemand") or price <= 0:
                continue
            os_name, lic = g("operatingsystem"), g("licensemodel")
            if os_name == "Linux" and lic == "No License required":
                osn = "Linux"
            elif os_name == "Windows" and lic in ("License Included", "No License required"):
                osn = "Windows"
            else:
                continue
            t = g("instancetype")
            if not t:
                continue
            key = (t, osn)
            if key in ec2 and ec2[key] != price:
                conflicts.append((t, osn, ec2[key], price))
                price = min(price, ec2[key])
            ec2[key] = price
            mem = re.match(r"([0-9.,]+)\s*GiB", g("memory"))
            if g("vcpu").isdigit() and mem:
                specs[t] = (int(g("vcpu")), Decimal(mem.group(1).replace(",", "")))
        elif fam == "Storage" and g("unit").startswith("GB"):
            vt = g("volumeapiname")
            if vt in EBS_TYPES:
                ebs.setdefault(vt, {})["gb"] = price
        elif fam == "System Operation" and g("group") == "EBS IOPS" and g("unit").upper().startswith("IOPS"):
            vt = g("volumeapiname")
            if vt in EBS_TYPES:
                start = Decimal(g("startingrange") or "0")
                if vt not in iops_rows or start < iops_rows[vt][0]:
                    iops_rows[vt] = (start, price)  # tiered io2: the first tier
        elif fam == "Provisioned Throughput" and g("group") == "EBS Throughput" and g("unit").startswith("GiBps"):
            vt = g("volumeapiname")
            if vt in EBS_TYPES:
                ebs.setdefault(vt, {})["tp"] = price / 1024  # per GiBps-month -> per MiB/s-month
    for vt, (_, p) in iops_rows.items():
        ebs.setdefault(vt, {})["iops"] = p
    for t, osn, a, b in conflicts:
        log(f"warning: {path}: {t} {osn}: several on-demand prices ({a}, {b}); the lowest is used")
    return date, ec2, specs, ebs


FARGATE_USAGE = re.compile(r"(?:^|-)Fargate-(ARM-|Windows-)?(vCPU-Hours:perCPU|GB-Hours|OS-Hours:perCPU)$")


def parse_ecs_offer(path, region):
    """Fargate on-demand rates of one AmazonECS offer file: usage types [<PREFIX>-]Fargate-vCPU-Hours:perCPU,
    Fargate-GB-Hours, Fargate-ARM-…, Fargate-Windows-… and Fargate-Windows-OS-Hours:perCPU (the Windows licence,
    added to the Windows vCPU-hour rate so the figure matches the table's Windows vCPU-hour meaning)."""
    date, rows = read_offer(path)
    found = {}
    for row in on_demand_rows(rows, region):
        g = lambda k: row.get(k, "").strip()
        m = FARGATE_USAGE.search(g("usagetype"))
        if not m:
            continue
        kind = (m.group(1) or "").rstrip("-") or "x86"
        if m.group(2) == "OS-Hours:perCPU" and kind != "Windows":
            continue
        found[(kind, m.group(2))] = Decimal(g("priceperunit"))
    out = {}
    for kind, arch, osn in (("x86", "amd64", "Linux"), ("ARM", "arm64", "Linux"), ("Windows", "amd64", "Windows")):
        cpu, gb = found.get((kind, "vCPU-Hours:perCPU")), found.get((kind, "GB-Hours"))
        if cpu is None or gb is None:
            continue
        if kind == "Windows":
            fee = found.get(("Windows", "OS-Hours:perCPU"))
            if fee is None:
                log(f"warning: {path}: no Fargate-Windows-OS-Hours row; Windows Fargate left to the estimate")
                continue
            cpu += fee
        out[(arch, osn)] = (cpu, gb)
    return date, out


def load_offers(root):
    ec2, specs, ebs, fargate, dates = {}, {}, {}, {}, {}
    for service in ("AmazonEC2", "AmazonECS"):
        base = os.path.join(root, service)
        if not os.path.isdir(base):
            continue
        for region in sorted(os.listdir(base)):
            path = os.path.join(base, region, "index.csv")
            if not os.path.isfile(path):
                continue
            if service == "AmazonEC2":
                date, e, s, b = parse_ec2_offer(path, region)
                for (t, osn), p in e.items():
                    ec2[(region, t, osn)] = p
                specs.update(s)
                for vt, v in b.items():
                    if "gb" in v:
                        ebs[(region, vt)] = (v["gb"], v.get("iops"), v.get("tp"))
            else:
                date, f = parse_ecs_offer(path, region)
                for k, v in f.items():
                    fargate[(region,) + k] = v
            dates[(service, region)] = date
            log(f"offers: {service}/{region}: published {date}")
    return ec2, specs, ebs, fargate, dates


def offer_sid(service, region):
    return f"offers:{service}/{region}"


# ----------------------------------------------------------------------------------------------------------
# Family rules


def split_family(fam):
    m = re.match(r"^([a-z]+)(\d+)(.*)$", fam)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else None


def proc_letter(attrs):
    return attrs[0] if attrs and attrs[0] in "agi" else ""


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def proxy_family(fam, known):
    """The tedivm family whose regional presence and price ratios stand in for `fam`, and the rule used.

    Family names split into category letters, generation and attribute letters (m7gd: m, 7, gd); the processor
    letter is the first attribute letter when it is a (AMD), g (Graviton) or i (Intel), else none.
    1. the family itself;
    2. the nearest older generation with the same category letters and the same attribute letters
       (m8g -> m7g -> m6g, c7gn -> c6gn, r8gd -> r6gd);
    3. the nearest older generation with the same category letters and the same processor letter
       (m7i-flex -> m6i, r7iz -> r6i, m8idn -> m6id, x8g -> x2gd);
    4. a family of the same generation with the same category letters and processor letter (c6in -> c6i,
       trn1n -> trn1);
    5. the nearest generation at or below with the same first category letter and processor letter (i4g -> im4gn).
    Within a rule: nearest generation, then the longest common attribute prefix, then the shortest attribute
    letters, then alphabetical. None when no rule applies."""
    if fam in known:
        return fam, "same family"
    sp = split_family(fam)
    if not sp:
        return None, None
    cat, gen, attrs = sp
    pl = proc_letter(attrs)
    cands = [(f,) + split_family(f) for f in sorted(known) if split_family(f)]
    order = lambda c: (-c[2], -common_prefix(c[3], attrs), len(c[3]), c[0])
    rules = [
        (lambda c: c[1] == cat and c[3] == attrs and c[2] < gen, f"nearest older family of {fam} with the same letters"),
        (lambda c: c[1] == cat and proc_letter(c[3]) == pl and c[2] < gen, f"nearest older relative of {fam}"),
        (lambda c: c[1] == cat and proc_letter(c[3]) == pl and c[2] == gen, f"same-generation sibling of {fam}"),
        (lambda c: c[1][0] == cat[0] and proc_letter(c[3]) == pl and c[2] <= gen, f"nearest relative of {fam}"),
    ]
    for test, why in rules:
        found = sorted((c for c in cands if test(c)), key=order)
        if found:
            return found[0][0], why
    return None, None


# ----------------------------------------------------------------------------------------------------------
# Build


def build(offers_dir=None):
    k_date, karpenter = load_karpenter()
    autoscaler = load_autoscaler()
    kdocs = load_karpenter_docs()
    codes, names = load_region_names()
    tedivm, tedivm_regions, tedivm_named, tedivm_skipped = load_tedivm(codes, names)
    ck_date, cloudkeep = load_cloudkeep()
    o_ec2, o_specs, o_ebs, o_fargate, o_dates = load_offers(offers_dir) if offers_dir else ({}, {}, {}, {}, {})

    # Types retired since tedivm's snapshot: priced in us-east-1 by tedivm, absent from karpenter's us-east-1 list.
    retired = sorted(t for t, v in tedivm.items()
                     if "us-east-1" in v["linux"] and t not in karpenter and not any(k[1] == t for k in o_ec2))
    for t in retired:
        del tedivm[t]
    tedivm = {t: v for t, v in tedivm.items() if v["linux"] or v["windows"]}

    fam_of = lambda t: t.split(".", 1)[0]
    t_fams = {}
    for t in tedivm:
        t_fams.setdefault(fam_of(t), []).append(t)

    # Linux price ratio region / us-east-1 per tedivm family, and per region over all families.
    fam_ratio = {}
    for f, types in t_fams.items():
        by_region = {}
        for t in types:
            lin = tedivm[t]["linux"]
            if "us-east-1" not in lin:
                continue
            for r, p in lin.items():
                by_region.setdefault(r, []).append(p / lin["us-east-1"])
        for r, ratios in by_region.items():
            fam_ratio[(r, f)] = median(ratios)
    region_ratio = {}
    for (r, f), x in fam_ratio.items():
        region_ratio.setdefault(r, []).append(x)
    region_ratio = {r: median(v) for r, v in region_ratio.items()}
    fam_regions = {f: {r for t in types for r in tedivm[t]["linux"]} for f, types in t_fams.items()}

    # Windows licence: per type (median over regions of licence-included Windows - Linux) and per region per vCPU.
    # tedivm's Windows price equals its Linux price where its scraper (bin/instance_details.js, which does not
    # filter License Model) kept the 'Bring your own license' SKU: those rows are not licence-included prices.
    li_type, li_region = {}, {}
    for t, v in tedivm.items():
        for r, w in v["windows"].items():
            l = v["linux"].get(r)
            if l is not None and w > l:
                li_type.setdefault(t, []).append(w - l)
                li_region.setdefault(r, []).append((w - l) / v["vcpu"])
    li_type = {t: median(x) for t, x in li_type.items()}
    li_all = median([x for v in li_region.values() for x in v])
    li_region = {r: median(x) for r, x in li_region.items()}

    # Specs: offer files, autoscaler, karpenter docs, tedivm.
    def spec(t):
        if t in o_specs:
            arch = (autoscaler.get(t) or kdocs.get(t) or (None, None, tedivm.get(t, {}).get("arch", "amd64")))[2]
            return o_specs[t] + (arch, "offers:AmazonEC2")
        if t in autoscaler:
            return autoscaler[t] + (SID_AUTOSCALER,)
        if t in kdocs:
            return kdocs[t] + (SID_KARPENTER_DOCS,)
        if t in tedivm:
            v = tedivm[t]
            return (v["vcpu"], v["memory"], v["arch"], SID_TEDIVM)
        return None

    all_types = sorted(set(karpenter) | set(tedivm) | {k[1] for k in o_ec2})
    no_spec = [t for t in all_types if spec(t) is None]
    types = [t for t in all_types if spec(t) is not None]

    regions = sorted(r for r in (set(tedivm_regions) | {"us-east-1"} | {k[0] for k in o_ec2})
                     if r in codes)

    proxies = {}
    for f in sorted({fam_of(t) for t in types}):
        proxies[f] = proxy_family(f, t_fams)

    rows = {}  # (region, type, OS) -> (price, source, dataDate, method)

    def put(key, val):
        if key not in rows:
            rows[key] = val

    # 1. offer files
    for (r, t, osn), p in o_ec2.items():
        if r in codes and t in types:
            put((r, t, osn), (p, offer_sid("AmazonEC2", r), o_dates[("AmazonEC2", r)], "exact"))
    # 2. karpenter, us-east-1 Linux
    for t in types:
        if t in karpenter:
            put(("us-east-1", t, "Linux"), (karpenter[t], SID_KARPENTER, k_date, "exact"))
    # 3. tedivm exact, Linux
    for t in types:
        for r, p in tedivm.get(t, {}).get("linux", {}).items():
            if r in regions:
                put((r, t, "Linux"), (p, SID_TEDIVM, DATE_TEDIVM, "exact"))
    # 5. derived Linux: karpenter us-east-1 x family ratio
    fallback_relative, fallback_why = {}, {}
    for f in t_fams:
        rel, why = proxy_family(f, [x for x in t_fams if x != f])
        fallback_relative[f] = rel
        fallback_why[f] = why
    exact_fam_regions = {}
    for (r, t, osn), v in rows.items():
        if v[1] != SID_KARPENTER:
            exact_fam_regions.setdefault(fam_of(t), set()).add(r)
    no_proxy_fams = set()
    for t in types:
        if t not in karpenter:
            continue
        f = fam_of(t)
        pf, rule = proxies[f]
        if pf is None:
            no_proxy_fams.add(f)
            continue
        for r in regions:
            if r == "us-east-1" or (r, t, "Linux") in rows:
                continue
            # Offered there: tedivm lists the family (or the relative used) in the region, or an exact row
            # (SkyPilot anchor, offer file) shows another size of the family itself there.
            if r not in fam_regions[pf] and r not in exact_fam_regions.get(f, set()):
                continue
            rel = fallback_relative.get(pf)
            if (r, pf) in fam_ratio:
                ratio = fam_ratio[(r, pf)]
                how = f"x median over sizes of tedivm {r}/us-east-1 Linux price ratio of family {pf}"
                if rule != "same family":
                    how += f" ({rule})"
            elif rel and (r, rel) in fam_ratio:
                ratio = fam_ratio[(r, rel)]
                how = (f"x median over sizes of tedivm {r}/us-east-1 Linux price ratio of family {rel} "
                       f"(tedivm has no {pf} size priced in both regions; {rel} is the {fallback_why[pf]})")
            else:
                ratio = region_ratio[r]
                how = (f"x median over all families of tedivm {r}/us-east-1 Linux price ratios "
                       f"(tedivm has no {pf} size priced in both regions)")
            put((r, t, "Linux"), (round6(karpenter[t] * ratio), f"{SID_KARPENTER}+{SID_TEDIVM}", f"{k_date}+{DATE_TEDIVM}",
                                  f"derived: karpenter us-east-1 price {how}, rounded to 6 decimals; estimate"))
    # Windows: offered unless arm64 or mac, and unless tedivm shows the type (or its proxy family) without Windows.
    def windows_offered(t, arch):
        if arch == "arm64" or t.startswith("mac"):
            return False
        if t in tedivm:
            return tedivm[t]["windows_any"]
        pf = proxies[fam_of(t)][0]
        if pf is not None:
            return any(tedivm[x]["windows_any"] for x in t_fams[pf])
        return True

    # 6. tedivm exact, Windows (licence-included rows only: Windows price above tedivm's Linux price)
    byol_rejected = 0
    for t in types:
        v = tedivm.get(t)
        if not v:
            continue
        for r, w in v["windows"].items():
            if r not in regions:
                continue
            l = v["linux"].get(r)
            if l is not None and w <= l:
                byol_rejected += 1
                continue
            put((r, t, "Windows"), (w, SID_TEDIVM, DATE_TEDIVM, "exact"))
    # 7. derived Windows: Linux row + licence
    for (r, t, osn) in sorted(list(rows)):
        if osn != "Linux" or (r, t, "Windows") in rows:
            continue
        vcpu, _, arch, _ = spec(t)
        if not windows_offered(t, arch):
            continue
        lp, lsrc, ldate, lmeth = rows[(r, t, "Linux")]
        base = "Linux price (exact)" if lmeth == "exact" else "derived Linux price"
        if t in li_type:
            add = li_type[t]
            how = f"{base} + this type's Windows licence (median over regions of tedivm licence-included Windows minus Linux)"
        else:
            rate = li_region.get(r, li_all)
            add = vcpu * rate
            where = r if r in li_region else "all regions"
            how = f"{base} + vCPU x median tedivm Windows licence per vCPU-hour in {where}"
        src = lsrc if SID_TEDIVM in lsrc else f"{lsrc}+{SID_TEDIVM}"
        date = ldate if DATE_TEDIVM in ldate else f"{ldate}+{DATE_TEDIVM}"
        rows[(r, t, "Windows")] = (round6(lp + add), src, date, f"derived: {how}, rounded to 6 decimals; estimate")

    # EBS
    ebs = {}
    for (r, vt), v in o_ebs.items():
        if r in codes:
            ebs[(r, vt)] = v + (offer_sid("AmazonEC2", r), o_dates[("AmazonEC2", r)], "exact")
    for (r, vt), (gb, iops, tp) in cloudkeep.items():
        if r in codes and (r, vt) not in ebs:
            meth = "exact" if tp is None else "exact (throughput: per GiBps-month / 1024)"
            ebs[(r, vt)] = (gb, iops, tp, SID_CLOUDKEEP, ck_date, meth)

    # Fargate
    fargate = {}
    for (r, arch, osn), (cpu, gb) in o_fargate.items():
        if r in codes:
            fargate[(r, arch, osn)] = (cpu, gb, offer_sid("AmazonECS", r), o_dates[("AmazonECS", r)], "exact")
    for (arch, osn), (cpu, gb) in FARGATE_US_EAST_1.items():
        if ("us-east-1", arch, osn) not in fargate:
            fargate[("us-east-1", arch, osn)] = (cpu, gb, SID_VANTAGE, DATE_VANTAGE, "exact")
    fargate_no_ratio = []
    for r in regions:
        if r == "us-east-1":
            continue
        ratio = fam_ratio.get((r, FARGATE_RATIO_FAMILY))
        for (arch, osn), (cpu, gb) in FARGATE_US_EAST_1.items():
            if (r, arch, osn) in fargate:
                continue
            if ratio is None:
                fargate_no_ratio.append(r)
                continue
            m5 = f"median over m5 sizes of tedivm {r}/us-east-1 Linux price ratio ({fmt(round6(ratio))})"
            if osn == "Windows":
                v_cpu = round6((cpu - FARGATE_WINDOWS_OS_FEE) * ratio + FARGATE_WINDOWS_OS_FEE)
                meth = (f"derived: vCPU-hour = (us-east-1 figure - 0.046 OS licence) x {m5} + 0.046; "
                        f"GB-hour = us-east-1 figure x the same ratio; rounded to 6 decimals; estimate")
            else:
                v_cpu = round6(cpu * ratio)
                meth = f"derived: us-east-1 figures x {m5}, rounded to 6 decimals; estimate"
            fargate[(r, arch, osn)] = (v_cpu, round6(gb * ratio), f"{SID_VANTAGE}+{SID_TEDIVM}",
                                       f"{DATE_VANTAGE}+{DATE_TEDIVM}", meth)

    # ---- write
    ec2_lines, prov = [], []
    for (r, t, osn) in sorted(rows):
        p, src, date, meth = rows[(r, t, osn)]
        vcpu, mem, arch, ssrc = spec(t)
        ec2_lines.append([r, t, osn, str(vcpu), fmt(mem), fmt(p)])
        prov.append(["ec2", r, t, osn, f"{src};specs={ssrc}", date, meth])
    ebs_lines = []
    for (r, vt) in sorted(ebs):
        gb, iops, tp, src, date, meth = ebs[(r, vt)]
        ebs_lines.append([r, vt, fmt(gb), fmt(iops), fmt(tp)])
        prov.append(["ebs", r, vt, "", src, date, meth])
    fg_lines = []
    for (r, arch, osn) in sorted(fargate):
        cpu, gb, src, date, meth = fargate[(r, arch, osn)]
        fg_lines.append([r, arch, osn, fmt(cpu), fmt(gb)])
        prov.append(["fargate", r, arch, osn, src, date, meth])

    def write(path, header, lines):
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(lines)

    write(OUT_EC2, ["region", "instanceType", "operatingSystem", "vcpu", "memoryGiB", "onDemandHourly"], ec2_lines)
    write(OUT_EBS, ["region", "volumeType", "gbMonth", "iopsMonth", "throughputMonth"], ebs_lines)
    write(OUT_FARGATE, ["region", "architecture", "operatingSystem", "vcpuHour", "gbHour"], fg_lines)
    # The derivations' wording is long and repeats: provenance.csv names each by an id, methods.csv spells it out.
    methods = {}
    for row in prov:
        if row[6] != "exact":
            row[6] = methods.setdefault(row[6], f"d{len(methods) + 1}")
    write(OUT_PROV, ["table", "region", "key", "operatingSystem", "source", "dataDate", "method"], prov)
    write(OUT_METHODS, ["method", "meaning"], [[code, text] for text, code in methods.items()])

    check_outputs(karpenter)

    # ---- report
    report = {
        "karpenter_date": k_date, "regions": regions, "types": types, "rows": rows, "ebs": ebs, "fargate": fargate,
        "no_spec": no_spec, "retired": retired, "tedivm_named": tedivm_named, "tedivm_skipped": tedivm_skipped,
        "codes": codes, "no_proxy_fams": sorted(no_proxy_fams), "proxies": proxies, "byol_rejected": byol_rejected,
        "fargate_no_ratio": sorted(set(fargate_no_ratio)), "li_all": li_all, "karpenter": karpenter, "tedivm": tedivm,
    }
    print_report(report)
    check_against_anchors(rows)
    newest = max([k_date] + list(o_dates.values()))
    subprocess.run([sys.executable, GENERATOR, "--date", newest], check=True)
    return report


def check_outputs(karpenter):
    """One provenance line per price row, same keys in the same order; every karpenter type in us-east-1."""
    def read_csv(path):
        with open(path, newline="") as fh:
            return list(csv.reader(fh))
    ec2, ebs, fg, prov = read_csv(OUT_EC2), read_csv(OUT_EBS), read_csv(OUT_FARGATE), read_csv(OUT_PROV)
    meanings = {row[0]: row[1] for row in read_csv(OUT_METHODS)[1:]}
    keys = ([("ec2", r[0], r[1], r[2]) for r in ec2[1:]] + [("ebs", r[0], r[1], "") for r in ebs[1:]]
            + [("fargate", r[0], r[1], r[2]) for r in fg[1:]])
    pkeys = [tuple(r[:4]) for r in prov[1:]]
    assert keys == pkeys, "provenance.csv does not have exactly one line per price row"
    assert len(set(keys)) == len(keys), "duplicate price rows"
    for r in prov[1:]:
        method = meanings.get(r[6], r[6])
        assert r[4] and r[5] and (method.startswith("exact") or (method.startswith("derived: ") and method.endswith("; estimate"))), r
    for table in (ec2, ebs, fg):
        for r in table:
            for c in r:
                assert '"' not in c and "\\" not in c and "," not in c, r
    use1 = {r[1] for r in ec2[1:] if r[0] == "us-east-1" and r[2] == "Linux"}
    missing = sorted(set(karpenter) - use1)
    if missing:
        log(f"note: {len(missing)} karpenter types have no us-east-1 row (no vCPU/memory in any source): {' '.join(missing)}")


def print_report(rep):
    rows = rep["rows"]
    from collections import Counter
    by_method = Counter()
    for (r, t, osn), (p, src, date, meth) in rows.items():
        kind = "exact" if meth == "exact" else "derived"
        by_method[(osn, kind, src.split("+")[0].split("/")[0] if kind == "exact" else src)] += 1
    print(f"EC2: {len(rep['regions'])} regions, {len({t for _, t, _ in rows})} instance types, {len(rows)} rows")
    print("  regions: " + " ".join(rep["regions"]))
    for (osn, kind, src), n in sorted(by_method.items()):
        print(f"  {osn:7} {kind:7} {src:35} {n}")
    for osn in ("Linux", "Windows"):
        n = Counter(rows[k][3] == "exact" for k in rows if k[2] == osn)
        print(f"  {osn}: {n[True]} exact, {n[False]} derived")
    per_region = Counter((k[0], k[2]) for k in rows)
    print("  rows per region (Linux/Windows): " + ", ".join(
        f"{r} {per_region[(r, 'Linux')]}/{per_region[(r, 'Windows')]}" for r in rep["regions"]))
    gaps = sorted(rep["codes"] - set(rep["regions"]))
    print(f"  commercial regions (botocore partitions.json) without EC2 data: {' '.join(gaps) or 'none'}")
    print(f"  tedivm location names mapped: " + ", ".join(f"{k!r}->{r}" for k, r in rep["tedivm_named"]))
    why = Counter(rep["tedivm_skipped"].values())
    print("  tedivm keys skipped: " + "; ".join(f"{n} {w}" for w, n in sorted(why.items())))
    print(f"  tedivm Windows rows rejected as BYOL (price equal to Linux): {rep['byol_rejected']}")
    print(f"  retired types dropped (tedivm us-east-1 price, absent from karpenter): {' '.join(rep['retired'])}")
    print(f"  types without vCPU/memory in any source ({len(rep['no_spec'])}): {' '.join(rep['no_spec']) or 'none'}")
    print(f"  families priced in us-east-1 only (no tedivm family or relative): {' '.join(rep['no_proxy_fams'])}")
    rel = [(f, p, why) for f, (p, why) in sorted(rep["proxies"].items()) if p and why != "same family"]
    print("  families derived through a relative: " + ", ".join(f"{f}->{p}" for f, p, _ in rel))
    stale = [t for t in sorted(rep["karpenter"]) if t in rep["tedivm"] and "us-east-1" in rep["tedivm"][t]["linux"]
             and rep["tedivm"][t]["linux"]["us-east-1"] != rep["karpenter"][t]]
    print(f"  types whose us-east-1 price changed since tedivm (other regions keep tedivm's 2022 figure): {' '.join(stale)}")
    ebs = rep["ebs"]
    ebs_regions = sorted({r for r, _ in ebs})
    print(f"EBS: {len(ebs_regions)} regions, {len(ebs)} rows; EC2 regions without EBS: "
          + " ".join(r for r in rep["regions"] if r not in ebs_regions))
    missing_io2 = [r for r in ebs_regions if (r, "io2") not in ebs]
    print(f"  regions without io2: {' '.join(missing_io2)}")
    fg = rep["fargate"]
    n = Counter(v[4] == "exact" for v in fg.values())
    print(f"Fargate: {len({k[0] for k in fg})} regions, {len(fg)} rows ({n[True]} exact, {n[False]} derived); "
          f"regions without m5 ratio: {' '.join(rep['fargate_no_ratio']) or 'none'}")
    print(f"Windows licence rate, all regions (median per vCPU-hour): {fmt(rep['li_all'])}")


# ----------------------------------------------------------------------------------------------------------
# Self-test of the offer-file parsers


def self_test():
    # FORMAT EXAMPLE ONLY. These lines show the layout of an AWS Price List bulk CSV (5 metadata lines, the
    # header, then rows); the SKUs and prices are made up (1.111, 2.222, …) and never reach the price table.
    ec2_example = (
        '"FormatVersion","v1.0"\n'
        '"Disclaimer","FORMAT EXAMPLE - not price data"\n'
        '"Publication Date","2001-02-03T04:05:06Z"\n'
        '"Version","20010203040506"\n'
        '"OfferCode","AmazonEC2"\n'
        '"SKU","OfferTermCode","RateCode","TermType","PriceDescription","EffectiveDate","StartingRange","EndingRange",'
        '"Unit","PricePerUnit","Currency","Product Family","serviceCode","Location","Location Type","Instance Type",'
        '"vCPU","Memory","Tenancy","Operating System","License Model","Group","usageType","operation","CapacityStatus",'
        '"Pre Installed S/W","Region Code","Volume API Name"\n'
        '"A1","JRTCKXETXF","A1.J.6YS6EN2CT7","OnDemand","example","2001-01-01","0","Inf","Hrs","1.111","USD",'
        '"Compute Instance","AmazonEC2","Example","AWS Region","x9.large","2","8 GiB","Shared","Linux",'
        '"No License required","","XX-BoxUsage:x9.large","RunInstances","Used","NA","zz-test-1",""\n'
        '"A2","JRTCKXETXF","A2.J.6YS6EN2CT7","OnDemand","example","2001-01-01","0","Inf","Hrs","2.222","USD",'
        '"Compute Instance","AmazonEC2","Example","AWS Region","x9.large","2","8 GiB","Shared","Windows",'
        '"No License required","","XX-BoxUsage:x9.large","RunInstances:0002","Used","NA","zz-test-1",""\n'
        '"A3","JRTCKXETXF","A3.J.6YS6EN2CT7","OnDemand","example","2001-01-01","0","Inf","Hrs","1.111","USD",'
        '"Compute Instance","AmazonEC2","Example","AWS Region","x9.large","2","8 GiB","Shared","Windows",'
        '"Bring your own license","","XX-BoxUsage:x9.large","RunInstances:0800","Used","NA","zz-test-1",""\n'
        '"A4","JRTCKXETXF","A4.J.6YS6EN2CT7","OnDemand","example","2001-01-01","0","Inf","Hrs","3.333","USD",'
        '"Compute Instance","AmazonEC2","Example","AWS Region","x9.large","2","8 GiB","Dedicated","Linux",'
        '"No License required","","XX-DedicatedUsage:x9.large","RunInstances","Used","NA","zz-test-1",""\n'
        '"A5","4NA7Y494T4","A5.4.6YS6EN2CT7","Reserved","example","2001-01-01","0","Inf","Hrs","0.555","USD",'
        '"Compute Instance","AmazonEC2","Example","AWS Region","x9.large","2","8 GiB","Shared","Linux",'
        '"No License required","","XX-BoxUsage:x9.large","RunInstances","Used","NA","zz-test-1",""\n'
        '"A6","JRTCKXETXF","A6.J.6YS6EN2CT7","OnDemand","example","2001-01-01","0","Inf","GB-Mo","0.444","USD",'
        '"Storage","AmazonEC2","Example","AWS Region","","","","","","","","XX-EBS:VolumeUsage.gp3","","","",'
        '"zz-test-1","gp3"\n'
    )
    ecs_example = (
        '"FormatVersion","v1.0"\n"Disclaimer","FORMAT EXAMPLE - not price data"\n'
        '"Publication Date","2001-02-03T04:05:06Z"\n"Version","20010203040506"\n"OfferCode","AmazonECS"\n'
        '"SKU","OfferTermCode","RateCode","TermType","PriceDescription","EffectiveDate","StartingRange","EndingRange",'
        '"Unit","PricePerUnit","Currency","Product Family","serviceCode","Location","Location Type","usageType",'
        '"Region Code"\n'
        '"B1","JRTCKXETXF","B1.J.1","OnDemand","example","2001-01-01","0","Inf","hours","0.111","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-vCPU-Hours:perCPU","zz-test-1"\n'
        '"B2","JRTCKXETXF","B2.J.1","OnDemand","example","2001-01-01","0","Inf","GB-Hours","0.011","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-GB-Hours","zz-test-1"\n'
        '"B3","JRTCKXETXF","B3.J.1","OnDemand","example","2001-01-01","0","Inf","hours","0.222","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-Windows-vCPU-Hours:perCPU","zz-test-1"\n'
        '"B4","JRTCKXETXF","B4.J.1","OnDemand","example","2001-01-01","0","Inf","GB-Hours","0.022","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-Windows-GB-Hours","zz-test-1"\n'
        '"B5","JRTCKXETXF","B5.J.1","OnDemand","example","2001-01-01","0","Inf","hours","0.333","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-Windows-OS-Hours:perCPU","zz-test-1"\n'
        '"B6","JRTCKXETXF","B6.J.1","OnDemand","example","2001-01-01","0","Inf","GB-Hours","0.999","USD","Compute",'
        '"AmazonECS","Example","AWS Region","XX-Fargate-EphemeralStorage-GB-Hours","zz-test-1"\n'
    )
    with tempfile.TemporaryDirectory() as d:
        for service, text in (("AmazonEC2", ec2_example), ("AmazonECS", ecs_example)):
            os.makedirs(os.path.join(d, service, "zz-test-1"))
            with open(os.path.join(d, service, "zz-test-1", "index.csv"), "w") as fh:
                fh.write(text)
        ec2, specs, ebs, fargate, dates = load_offers(d)
    D = Decimal
    assert ec2 == {("zz-test-1", "x9.large", "Linux"): D("1.111"), ("zz-test-1", "x9.large", "Windows"): D("2.222")}, ec2
    assert specs == {"x9.large": (2, D(8))}, specs
    assert ebs == {("zz-test-1", "gp3"): (D("0.444"), None, None)}, ebs
    assert fargate == {("zz-test-1", "amd64", "Linux"): (D("0.111"), D("0.011")),
                       ("zz-test-1", "amd64", "Windows"): (D("0.555"), D("0.022"))}, fargate
    assert dates == {("AmazonEC2", "zz-test-1"): "2001-02-03", ("AmazonECS", "zz-test-1"): "2001-02-03"}, dates
    assert proxy_family("m8g", {"m6g": 1, "m5": 1}) == ("m6g", "nearest older family of m8g with the same letters")
    assert proxy_family("i4g", {"im4gn": 1, "is4gen": 1, "i3": 1})[0] == "im4gn"
    assert proxy_family("m7i-flex", {"m6i": 1, "m6id": 1})[0] == "m6i"
    assert fmt(D("0.500000")) == "0.5" and fmt(D("100")) == "100" and fmt(D("15.25")) == "15.25"
    print("self-test: offer-file parsers and family rules OK (format example only, no table written)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offers", metavar="DIR", help="AWS Price List offer files: DIR/AmazonEC2|AmazonECS/<region>/index.csv")
    ap.add_argument("--self-test", action="store_true", help="check the offer-file parser on a built-in format example")
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return
    if a.offers and not os.path.isdir(a.offers):
        sys.exit(f"--offers {a.offers}: not a directory")
    build(a.offers)


if __name__ == "__main__":
    main()
