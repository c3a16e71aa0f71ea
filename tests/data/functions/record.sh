#!/usr/bin/env bash
# Records what Terraform's `terraform console` answers for every expression
# of the function cases (tests/data/functions/*.txt).
#
# Usage: tests/data/functions/record.sh [CASE_FILE...]   (default: every file)
#
# Needs the real Terraform from /work/shared/tools/terraform/setup.sh (set
# TERRAFORM to use another binary). The test suite never runs Terraform: it
# reads the answers this script writes into the case files, which are
# committed. Expressions are evaluated in files/, whose main.tf declares the
# locals the cases refer to.
#
# A case is a line `> EXPRESSION`, followed by Terraform's answer: the value
# as the console prints it, or `error: SUMMARY: DETAIL` (the detail's lines
# joined by spaces). A line `stack: ...` after the answer says what stack
# answers instead, on purpose; this script keeps those lines, and `#`
# comments, as they are.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TFROOT="${TFROOT:-$HOME/.cache/stack-tools/terraform}"
TERRAFORM="${TERRAFORM:-$TFROOT/bin/terraform}"
export TF_CLI_CONFIG_FILE="$TFROOT/bench/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

if [ "$#" -eq 0 ]; then
  set -- "$HERE"/*.txt
fi

for case_file in "$@"; do
  TERRAFORM="$TERRAFORM" FILES="$HERE/files" python3 - "$case_file" <<'PY'
import os, re, subprocess, sys

path = sys.argv[1]
ansi = re.compile(r"\x1b\[[0-9;]*m")

def answer(expr):
    run = subprocess.run([os.environ["TERRAFORM"], "console"], input=expr + "\n",
                         capture_output=True, text=True, cwd=os.environ["FILES"])
    if run.returncode == 0 and not run.stderr.strip():
        return run.stdout.rstrip("\n").split("\n")
    lines = [ansi.sub("", l) for l in run.stderr.split("\n")]
    body = [l.lstrip("│").strip() for l in lines if l.startswith("│")]
    summary = next(l[len("Error: "):] for l in body if l.startswith("Error: "))
    skip = ("Error: ", "on <console-input>", "(source code not available)", "├", "while calling")
    detail = [l for l in body if l and not l.startswith(skip)]
    return ["error: %s: %s" % (summary, " ".join(detail))]

out, lines, i = [], open(path, encoding="utf-8").read().split("\n"), 0
while i < len(lines):
    line = lines[i]
    out.append(line)
    i += 1
    if not line.startswith("> "):
        continue
    # Drop the old answer, keep the `stack:` lines that follow it.
    while i < len(lines) and lines[i] and not lines[i].startswith(("> ", "#", "stack:")):
        i += 1
    out.extend(answer(line[2:]))
open(path, "w", encoding="utf-8").write("\n".join(out))
PY
done
