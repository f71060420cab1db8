#!/usr/bin/env bash
# Redraws docs/report.png, the README's picture of the demo's HTML report: the top
# of the page (counts, coverage, the map) in headless Chromium, 1100x1250 pixels.
# Needs a `chromium` on PATH (Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo run --quiet -- check demo --no-cache --format html --output "$out/report.html" || [ $? -eq 1 ]
timeout 90 chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
  --user-data-dir="$out/profile" --window-size=1100,1250 \
  --screenshot="$PWD/docs/report.png" "file://$out/report.html" 2>/dev/null
ls -l docs/report.png
