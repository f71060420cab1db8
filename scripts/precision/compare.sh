#!/usr/bin/env bash
# Runs a resilint binary over every held-out sample on this machine and, given a
# base tag, prints which Rust findings moved (docs/precision/method.md, step 4).
#
#   scripts/precision/compare.sh BIN TAG [BASETAG] [--select-all]
#
# Samples are /tmp/rsNN/NAME (one extracted project per folder). The findings of
# each project (rule, path, line, column, message start) go to /tmp/cmp-TAG/rsNN-NAME.tsv
# (/tmp/cmpsel-TAG with --select-all, which turns on the opt-in rules); with BASETAG
# each file is diffed against /tmp/cmp-BASETAG (or cmpsel-) on rule and place.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BIN TAG [BASETAG] [--select-all]" >&2; exit 2; }
bin=$1 tag=$2 base=${3:-} select=() prefix=cmp
if [[ "${*: -1}" == --select-all ]]; then
  select=(--select all) prefix=cmpsel
  [[ "$base" == --select-all ]] && base=
fi
out=/tmp/$prefix-$tag
mkdir -p "$out"
for dir in /tmp/rs[0-9]*/*/; do
  sample=$(basename "$(dirname "$dir")") name=$(basename "$dir")
  (cd "$dir" && timeout 300 "$bin" check "${select[@]}" --format json --no-cache . 2>/dev/null || true) |
    python3 -c '
import json, sys
try:
    findings = json.load(sys.stdin)["findings"]
except Exception:
    print("ERROR"); sys.exit()
for f in findings:
    if f["rule"].startswith("rust/"):
        print(f["rule"], f["path"], f["line"], f["column"], f["message"][:100], sep="\t")
' | sort >"$out/$sample-$name.tsv"
done
if [[ -n "$base" ]]; then
  for f in "/tmp/$prefix-$base"/*.tsv; do
    moved=$(diff <(cut -f1-4 "$f") <(cut -f1-4 "$out/$(basename "$f")" 2>/dev/null) || true)
    [[ -z "$moved" ]] || printf '== %s\n%s\n' "$(basename "$f")" "$moved"
  done
fi
echo "rust findings: $(cat "$out"/*.tsv | wc -l)"
