#!/usr/bin/env bash
# Before/after screenshots of `init-parity report --models t5,bart`: the HTML report and the terminal
# output, as headless Chromium renders them, into docs/example/screenshots/.
#   before: the code at BEFORE (default 1c46c59, main before issue 23), exported with `git archive`
#   after:  this working tree
# Both run with the same Python (PYTHON, default: python) through PYTHONPATH, so the installed
# packages are the same; only init_parity differs. Needs chromium (apt-get install chromium).
#
#   docs/example/regenerate.sh            # from the repository root
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python}
BEFORE=${BEFORE:-1c46c59}
CHROMIUM=${CHROMIUM:-chromium}
OUT="$ROOT/docs/example/screenshots"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$WORK/before"
git -C "$ROOT" archive "$BEFORE" src | tar -x -C "$WORK/before"

shoot() {  # shoot PAGE PNG HEIGHT
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$WORK")" --hide-scrollbars \
    --screenshot="$2" --window-size="1280,$3" "file://$1" >/dev/null 2>&1
}

terminal_page() {  # terminal_page TEXT HTML: the terminal output as a dark, monospaced page
  "$PYTHON" - "$1" "$2" <<'EOF'
import html, sys
text = open(sys.argv[1], encoding="utf-8").read()
page = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
    "body{margin:0;background:#1e1e1e}pre{color:#ddd;font:12px/1.35 'DejaVu Sans Mono',monospace;"
    "padding:12px;margin:0;white-space:pre}</style></head><body><pre>" + html.escape(text) + "</pre></body></html>"
)
open(sys.argv[2], "w", encoding="utf-8").write(page)
EOF
}

for side in before after; do
  if [ "$side" = before ]; then src="$WORK/before/src"; else src="$ROOT/src"; fi
  folder="$WORK/report-$side"
  # the terminal output as a user sees it (stdout: the tables and the verdicts), 160 columns wide
  COLUMNS=160 PYTHONPATH="$src" "$PYTHON" -m init_parity report --models t5,bart --format terminal,html \
    --output "$folder" --quiet > "$OUT/terminal-$side.txt" || true
  lines=$(wc -l < "$OUT/terminal-$side.txt")
  terminal_page "$OUT/terminal-$side.txt" "$WORK/terminal-$side.html"
  shoot "$WORK/terminal-$side.html" "$OUT/terminal-$side.png" $(( lines * 16 + 40 < 4000 ? lines * 16 + 40 : 4000 ))
  shoot "$folder/report.html" "$OUT/report-$side.png" 2000
  echo "wrote $OUT/terminal-$side.txt ($lines lines), terminal-$side.png, report-$side.png"
done
