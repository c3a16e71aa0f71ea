//! Policy tools read stack's Terraform-compatible JSON plan: Checkov (the
//! real one, installed into `.venv-policy` by `scripts/test.sh`) is run on
//! `stack show --format terraform-json` of the `examples/web-platform` plan
//! (planned against the AWS emulator) and must load it and judge it.
//!
//! Terraform itself cannot plan this configuration here (the AWS provider is
//! not available offline), so its plan JSON cannot be produced for a side by
//! side run. The expected verdicts are the ones Checkov documents for these
//! resource types, which it reaches on Terraform's plan JSON from the same
//! attributes: CKV_AWS_16 fails an `aws_db_instance` without
//! `storage_encrypted = true`; CKV_AWS_21 fails an `aws_s3_bucket` without
//! versioning; CKV_AWS_17 passes an `aws_db_instance` whose
//! `publicly_accessible` is false and fails it when true.
//!
//! Checkov is found through `STACK_CHECKOV` or `.venv-policy/bin/checkov`.
//! In CI (`CI=true`) a missing Checkov fails the test; elsewhere the test
//! says how to install it and passes without running.

mod common;
#[path = "../providers/tests/common/emulator.rs"]
mod emulator;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Stack;
use emulator::Emulator;

fn checkov() -> Option<PathBuf> {
    let configured = std::env::var_os("STACK_CHECKOV").map(PathBuf::from);
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-policy/bin/checkov");
    configured.into_iter().chain([local]).find(|p| p.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// (check id, resource address) pairs of one Checkov result list.
type Verdicts = Vec<(String, String)>;

struct Report {
    failed: Verdicts,
    passed: Verdicts,
    summary: serde_json::Value,
}

/// Runs Checkov on a JSON plan file, offline.
fn run_checkov(checkov: &Path, plan: &Path) -> Report {
    let out = Command::new(checkov)
        .args([
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--skip-download",
            "--soft-fail",
            "-f",
        ])
        .arg(plan)
        // No network: Checkov would fetch guidelines and send telemetry.
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("LOG_LEVEL", "ERROR")
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "checkov failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("checkov's report is not JSON ({e}):\n{stdout}"));
    let verdicts = |list: &str| -> Verdicts {
        report["results"][list]
            .as_array()
            .map(|checks| {
                checks
                    .iter()
                    .map(|c| {
                        let id = c["check_id"].as_str().unwrap_or_default().to_string();
                        (id, c["resource"].as_str().unwrap_or_default().to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Report {
        failed: verdicts("failed_checks"),
        passed: verdicts("passed_checks"),
        summary: report["summary"].clone(),
    }
}

fn has(verdicts: &Verdicts, check: &str, resource: &str) -> bool {
    verdicts.iter().any(|(c, r)| c == check && r == resource)
}

/// Plans `examples/web-platform` (with `edit` applied to its main.tf) and
/// writes `stack show --format terraform-json` of the saved plan.
fn terraform_json_plan(
    emulator: &Emulator,
    edit: impl Fn(String) -> String,
) -> (Stack, PathBuf, usize) {
    let stack = Stack::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web-platform");
    common::copy_case(&example, stack.path());
    let main = edit(stack.read("main.tf"));
    stack.write("main.tf", &main);
    let env = [
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY_ID.to_string()),
        (
            "AWS_SECRET_ACCESS_KEY",
            emulator::SECRET_ACCESS_KEY.to_string(),
        ),
        ("AWS_REGION", emulator::REGION.to_string()),
        ("STACK_VAR_db_password", "correct-horse-battery".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let plan = stack.run_with(&["plan", "--out", "plan.bin"], &env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    let created = plan.planned("will be created").len();
    let json = stack.run_with(&["show", "--format", "terraform-json", "plan.bin"], &env);
    assert_eq!(json.code, 0, "{}", json.both());
    assert!(
        !json.stdout.contains("correct-horse-battery"),
        "the password is in the JSON plan"
    );
    let path = stack.path().join("tfplan.json");
    std::fs::write(&path, &json.stdout).unwrap();
    (stack, path, created)
}

#[test]
fn checkov_reads_the_terraform_json_plan_and_reports_the_documented_checks() {
    let Some(checkov) = checkov() else {
        assert!(
            !in_ci(),
            "Checkov is not installed: in CI the policy tests must run. Install it with \
             `bash scripts/test.sh` (it sets up .venv-policy) or point STACK_CHECKOV at it."
        );
        eprintln!("Checkov is not installed (bash scripts/test.sh installs it); not checked here.");
        return;
    };
    let emulator = Emulator::start();
    let (_stack, plan, created) = terraform_json_plan(&emulator, |main| main);
    let report = run_checkov(&checkov, &plan);
    assert_eq!(report.summary["parsing_errors"], 0, "{:#}", report.summary);
    assert_eq!(
        report.summary["resource_count"].as_u64(),
        Some(created as u64),
        "Checkov did not see every planned resource: {:#}",
        report.summary
    );
    assert!(
        has(&report.failed, "CKV_AWS_16", "aws_db_instance.db"),
        "unencrypted RDS not reported: {:?}",
        report.failed
    );
    assert!(
        has(&report.failed, "CKV_AWS_21", "aws_s3_bucket.assets"),
        "unversioned bucket not reported: {:?}",
        report.failed
    );
    assert!(
        has(&report.passed, "CKV_AWS_17", "aws_db_instance.db"),
        "a private RDS instance must pass: {:?}",
        report.passed
    );
}

/// The verdicts follow the planned values: the same database made public
/// fails the check it passed.
#[test]
fn checkov_verdicts_follow_the_planned_values() {
    let Some(checkov) = checkov() else {
        assert!(
            !in_ci(),
            "Checkov is not installed: in CI the policy tests must run."
        );
        eprintln!("Checkov is not installed (bash scripts/test.sh installs it); not checked here.");
        return;
    };
    let emulator = Emulator::start();
    let (_stack, plan, _) = terraform_json_plan(&emulator, |main| {
        main.replacen(
            "  skip_final_snapshot    = true\n",
            "  skip_final_snapshot    = true\n  publicly_accessible    = true\n",
            1,
        )
    });
    let report = run_checkov(&checkov, &plan);
    assert!(
        has(&report.failed, "CKV_AWS_17", "aws_db_instance.db"),
        "a public RDS instance must fail: {:?}",
        report.failed
    );
}
