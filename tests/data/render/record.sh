#!/usr/bin/env bash
# Records Terraform's plan text for every case here: each case is a stack
# applied as v1.tf, then planned as v2.tf; terraform.txt is what Terraform
# 1.15.5 prints (`terraform plan -no-color`), from "Terraform will perform"
# (or "Changes to Outputs") to the end. tests/render.rs compares stack's
# plan of the same steps with it; terraform.json is `terraform show -json`
# of that plan, compared with `stack show --format terraform-json`. Needs the real Terraform with the null
# provider mirrored (TF_CLI_CONFIG_FILE pointing at a filesystem mirror).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tf="${TERRAFORM:-terraform}"
for case in "$here"/*/; do
  work="$(mktemp -d)"
  cp "$case/v1.tf" "$work/main.tf"
  (cd "$work" && "$tf" init -input=false >/dev/null && "$tf" apply -auto-approve -input=false -no-color >/dev/null)
  cp "$case/v2.tf" "$work/main.tf"
  (cd "$work" && "$tf" plan -input=false -no-color -out=plan.bin) \
    | sed -n '/^Terraform will perform\|^Changes to Outputs/,$p' \
    | sed '/^─/,$d' >"$case/terraform.txt"
  # Terraform's JSON plan, for tests/render.rs's check of --format terraform-json.
  (cd "$work" && "$tf" show -json plan.bin) | python3 -m json.tool --sort-keys >"$case/terraform.json"
  rm -rf "$work"
done
