#!/usr/bin/env bash
# The main job on an example model: set up, analyze, and write the design-review exports to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
MODEL="${1:-models/rag-support-assistant.yaml}"
TM=.venv/bin/threatmodel
$TM validate "$MODEL"
$TM analyze "$MODEL"
mkdir -p out
stem="$(basename "$MODEL" .yaml)"
if $TM report --help >/dev/null 2>&1; then
  for fmt in md html json sarif stix; do
    $TM report "$MODEL" --format "$fmt" -o "out/$stem.$fmt"
  done
fi
if $TM diagram --help >/dev/null 2>&1; then
  $TM diagram "$MODEL" --format svg -o "out/$stem.svg"
fi
echo "reports written to out/ ($(ls out | tr '\n' ' '))" >&2
