#!/usr/bin/env python3
"""The tables of a held-out doc (docs/precision/method.md, step 5).

    python3 scripts/precision/mkrows.py rsNN BIN_AFTER > rows-doc.md

Reads /tmp/rsNN/rows.tsv (the assembler's rows), /tmp/rsNN/judged-*.md (the judges'
tables: | row | service | place | rule | verdict | class | reason |) and
/tmp/rsNN/NAME.json (each project's run on the sample's first binary), runs BIN_AFTER
on each project, and prints the per-service table (findings and timeout coverage,
before and after) and the judged rows with a "reported after" column. The verdict
counts, before and after, go to stderr: count them here, not from the judges'
summaries, which can miscount."""
import json, subprocess, sys, glob, re, os, collections
sample, binary = sys.argv[1], sys.argv[2]
root = f"/tmp/{sample}"
rows = {}
for line in open(f"{root}/rows.tsv").read().splitlines()[1:]:
    r, svc, place, rule, msg = line.split("\t")[:5]
    rows[int(r)] = dict(svc=svc, place=place, rule=rule)
verdicts = {}
for path in sorted(glob.glob(f"{root}/judged-*.md")):
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and cells[0].isdigit() and cells[4] in "CDF" and cells[4]:
            verdicts[int(cells[0])] = dict(verdict=cells[4], cls=cells[5], reason="|".join(cells[6:]).strip())
services = list(dict.fromkeys(r["svc"] for r in rows.values()))
def run(name):
    out = subprocess.run([binary, "check", "--format", "json", "--no-cache", "."], cwd=f"{root}/{name}",
                         capture_output=True, text=True).stdout
    return json.loads(out)
def rust(d):
    return {(f["rule"], f"{f['path']}:{f['line']}:{f['column']}") for f in d["findings"] if f["rule"].startswith("rust/")}
def cov(d):
    t = d["coverage"]["timeout"]; return f"{t['covered']}/{t['total']}"
after_sets = {}
print("| service | findings before | timeout covered before | findings after | after |")
print("|---|---:|---:|---:|---:|")
for s in services:
    before = json.load(open(f"{root}/{s}.json"))
    after = run(s)
    after_sets[s] = rust(after)
    print(f"| {s} | {len(rust(before))} | {cov(before)} | {len(after_sets[s])} | {cov(after)} |")
print()
cnt_b, cnt_a = collections.Counter(), collections.Counter()
print("| row | service | place | rule | verdict | class | reported after | reason |")
print("|---:|---|---|---|---|---|---|---|")
for n in sorted(rows):
    r = rows[n]; v = verdicts.get(n, dict(verdict="?", cls="?", reason="(not judged)"))
    rep = (r["rule"], r["place"]) in after_sets[r["svc"]]
    cnt_b[v["verdict"]] += 1
    if rep: cnt_a[v["verdict"]] += 1
    path, line, _ = r["place"].rsplit(":", 2)
    print(f"| {n} | {r['svc']} | `{path}:{line}` | {r['rule'].removeprefix('rust/')} | {v['verdict']} | {v['cls'] or '-'} | {'yes' if rep else '**no**'} | {v['reason']} |")
def pct(c): t = c['C']+c['D']+c['F']; return f"C {c['C']}, D {c['D']}, F {c['F']} = {100*c['C']/t:.1f}%" if t else "-"
print(f"\nbefore: {pct(cnt_b)}; after: {pct(cnt_a)}; missing verdicts: {sorted(set(rows)-set(verdicts))}", file=sys.stderr)
