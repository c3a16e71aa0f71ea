#!/usr/bin/env bash
# Records Terraform's verdict on every parity case into the case's expected.txt.
#
# Usage: tests/data/parity/record.sh [CASE_DIR...]   (default: every case)
#
# Needs the real Terraform from /work/shared/tools/terraform/setup.sh (set
# TERRAFORM to use another binary). The test suite never runs Terraform: it
# reads the expected.txt files this script writes, which are committed.
#
# A case is a directory holding main.tf (and maybe more files or modules).
# A first line `# command: plan` in main.tf asks for `terraform plan` after
# `terraform validate`, for problems validate alone does not report; the
# default is validate. Every case runs `terraform init -backend=false` first,
# which is where Terraform checks required_version. KEEP_LOGS=1 keeps
# Terraform's output beside each case as CASE.terraform.log (not committed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TFROOT="${TFROOT:-$HOME/.cache/stack-tools/terraform}"
TERRAFORM="${TERRAFORM:-$TFROOT/bin/terraform}"
# The null provider is the only one installed (from a local mirror); the
# built-in terraform_data needs none, so nothing goes to the network. The
# variable is set unconditionally: a caller's own setting may point elsewhere.
export TF_CLI_CONFIG_FILE="${PARITY_TF_CLI_CONFIG:-$TFROOT/bench/terraformrc_null}"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

version="$("$TERRAFORM" version | head -n1)"

# Prints the error summaries in a log of Terraform's JSON output, one a line.
# init's preamble ("Terraform encountered problems during initialisation…")
# only announces the errors that follow, so it is left out.
summaries() {
  python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith("{"):
        continue
    try:
        doc = json.loads(line)
    except ValueError:
        continue
    for d in doc.get("diagnostics") or [doc.get("diagnostic") or {}]:
        summary = " ".join(d.get("summary", "").split())
        if summary.startswith("Cycle: "):
            # Terraform lists a cycle from no fixed member: sort for stable files.
            summary = "Cycle: " + ", ".join(sorted(summary[7:].split(", ")))
        if d.get("severity") == "error" and not summary.startswith("Terraform encountered problems"):
            print(summary)
' "$1"
}

# Runs one Terraform step with JSON output, appended to $log on one line per
# message (validate prints one indented document, so it is flattened).
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
  local dir="$1" command=validate work status=0
  if [ -f "$dir/main.tf" ] && head -n1 "$dir/main.tf" | grep -q '^# command: plan'; then command=plan; fi
  work="$(mktemp -d)"
  log="$work/terraform.log"
  cp -R "$dir"/. "$work/stack"
  rm -f "$work/stack/expected.txt"
  (
    cd "$work/stack"
    step init -backend=false -input=false || exit 1
    step validate || exit 1
    if [ "$command" = plan ]; then step plan -input=false -lock=false -refresh=false || exit 1; fi
  ) || status=1
  {
    echo "# Recorded by record.sh from $version; do not edit by hand."
    echo "command: $command"
    if [ "$status" = 0 ]; then echo "verdict: accept"; else echo "verdict: reject"; fi
    # A crash is a Terraform bug: the test then compares only the verdict.
    if grep -q 'TERRAFORM CRASH' "$log"; then echo "crashed: yes"; fi
    summaries "$log" | sort -u | sed 's/^/error: /'
  } >"$dir/expected.txt"
  if [ -n "${KEEP_LOGS:-}" ]; then cp "$log" "$dir.terraform.log"; fi
  rm -rf "$work"
  printf '%-50s %s\n' "$(basename "$dir")" "$(sed -n 's/^verdict: //p' "$dir/expected.txt")"
}

if [ "$#" -eq 0 ]; then
  set -- "$HERE"/*/
fi
for dir in "$@"; do
  record "${dir%/}"
done
