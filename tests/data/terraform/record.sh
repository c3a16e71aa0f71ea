#!/usr/bin/env bash
# Records the real Terraform's verdict on the corpus cases whose manifest.txt
# says `terraform: record` (those using only terraform_data, null_resource and
# built-ins) into the case's terraform.txt:
#
#   verdict: accept | reject
#   plan: Plan: 2 to add, 0 to change, 0 to destroy.   (for an accepted plan/apply case)
#   error: <summary>                                     (one a line, for a rejection)
#
# Usage: tests/data/terraform/record.sh [CASE_DIR...]   (default: every such case)
#
# Needs Terraform from /work/shared/tools/terraform/setup.sh (TERRAFORM to use
# another binary) with the local mirror of hashicorp/null; nothing goes to the
# network. The test suite never runs Terraform: it reads terraform.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TFROOT="${TFROOT:-$HOME/.cache/stack-tools/terraform}"
TERRAFORM="${TERRAFORM:-$TFROOT/bin/terraform}"
export TF_CLI_CONFIG_FILE="$TFROOT/bench/terraformrc_null"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

version="$("$TERRAFORM" version | head -n1)"

# Error summaries and the plan's change summary from Terraform's JSON lines.
digest() {
  python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        doc = json.loads(line)
    except ValueError:
        continue
    if doc.get("type") == "change_summary":
        c = doc["changes"]
        if c["add"] == c["change"] == c["remove"] == 0:
            print("plan: No changes.")
        else:
            print("plan: Plan: %d to add, %d to change, %d to destroy." % (c["add"], c["change"], c["remove"]))
    for d in doc.get("diagnostics") or [doc.get("diagnostic") or {}]:
        summary = " ".join(d.get("summary", "").split())
        if d.get("severity") == "error" and not summary.startswith("Terraform encountered problems"):
            print("error: " + summary)
' "$1"
}

step() {
  local out status=0
  out="$("$TERRAFORM" "$@" -json 2>&1)" || status=$?
  if [ "$1" = validate ]; then
    printf '%s\n' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' >>"$log" 2>/dev/null ||
      printf '%s\n' "$out" >>"$log"
  else
    printf '%s\n' "$out" >>"$log"
  fi
  return "$status"
}

record() {
  local dir="$1" run work status=0
  grep -q '^terraform: record' "$dir/manifest.txt" || return 0
  run="$(sed -n 's/^run: //p' "$dir/manifest.txt")"
  work="$(mktemp -d)"
  log="$work/terraform.log"
  cp -R "$dir"/. "$work/stack"
  rm -f "$work/stack/manifest.txt" "$work/stack/terraform.txt"
  (
    cd "$work/stack"
    step init -backend=false -input=false || exit 1
    step validate || exit 1
    if [ "$run" != validate ]; then step plan -input=false -lock=false || exit 1; fi
  ) || status=1
  {
    echo "# Recorded by record.sh from $version; do not edit by hand."
    if [ "$status" = 0 ]; then echo "verdict: accept"; else echo "verdict: reject"; fi
    # A failed plan still reports an (empty) change summary: left out.
    digest "$log" | sort -u | { if [ "$status" = 0 ]; then cat; else grep -v '^plan:' || true; fi; }
  } >"$dir/terraform.txt"
  rm -rf "$work"
  printf '%-40s %s\n' "$(basename "$dir")" "$(sed -n 's/^verdict: //p' "$dir/terraform.txt")"
}

if [ "$#" -eq 0 ]; then
  set -- "$HERE"/*/
fi
for dir in "$@"; do
  record "${dir%/}"
done
