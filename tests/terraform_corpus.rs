//! The Terraform corpus (issue 8): every case in `tests/data/terraform/` is
//! a directory written the way real stacks are (several files, a committed
//! `.terraform.lock.hcl`, `terraform.tfvars` and `*.auto.tfvars`, `.tf.json`,
//! modules) and a `manifest.txt` saying what to run and what to expect:
//!
//! ```text
//! run: apply                  validate, plan or apply (each runs the ones before it)
//! aws: yes                    the case needs the AWS emulator
//! plan: 3 to add, 0 to change, 0 to destroy
//! exit: 1                     the last step fails (default 0)
//! error: Summary @ file:line:column        an error the failing step reports
//! alias: Terraform's summary = stack's     where the wording differs on purpose
//! pending: what                a feature being built; `error:` lines are today's refusal
//! secret: VALUE               a secret the variables hold: never printed or stored in clear
//! ```
//!
//! An applied case must then plan "No changes." and destroy cleanly. Where
//! `record.sh` ran the real Terraform (cases using only `terraform_data`,
//! `null_resource` and built-ins), its verdict is in `terraform.txt` and
//! `stack` must agree: the same plan line, or a rejection with Terraform's
//! error summaries. A pending case asserts today's refusal, so the test
//! fails when the feature lands and the manifest must be updated.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::path::Path;

use common::{Run, Stack};

#[derive(Debug, Default)]
struct Manifest {
    run: String,
    aws: bool,
    plan: Option<String>,
    exit: i32,
    errors: Vec<(String, String)>,
    aliases: Vec<(String, String)>,
    pending: Option<String>,
    /// A secret the case's variables hold: never in output or state.
    secret: Option<String>,
}

fn read_manifest(case: &Path) -> Manifest {
    let path = case.join("manifest.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut m = Manifest {
        run: "plan".to_string(),
        ..Manifest::default()
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.trim().to_string();
        match key {
            "run" => m.run = value,
            "aws" => m.aws = value == "yes",
            "plan" => m.plan = Some(format!("Plan: {value}.")),
            "exit" => m.exit = value.parse().expect("exit: a number"),
            "error" => m.errors.push(split(&value, " @ ")),
            "alias" => m.aliases.push(split(&value, " = ")),
            "pending" => m.pending = Some(value),
            "secret" => m.secret = Some(value),
            "terraform" => {}
            other => panic!("{}: unknown key {other:?}", path.display()),
        }
    }
    assert!(matches!(m.run.as_str(), "validate" | "plan" | "apply"));
    m
}

fn split(value: &str, separator: &str) -> (String, String) {
    let (a, b) = value
        .split_once(separator)
        .unwrap_or_else(|| panic!("{value:?} has no {separator:?}"));
    (a.trim().to_string(), b.trim().to_string())
}

/// Terraform's verdict as `record.sh` wrote it.
#[derive(Debug, Default)]
struct Terraform {
    accept: bool,
    plan: Option<String>,
    errors: Vec<String>,
}

fn read_terraform(case: &Path) -> Option<Terraform> {
    let text = std::fs::read_to_string(case.join("terraform.txt")).ok()?;
    let mut t = Terraform::default();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("verdict: ") {
            t.accept = v == "accept";
        } else if let Some(v) = line.strip_prefix("plan: ") {
            t.plan = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("error: ") {
            t.errors.push(v.to_string());
        }
    }
    Some(t)
}

/// The environment pointing `stack`'s AWS provider at the emulator.
fn aws_env() -> Vec<(&'static str, String)> {
    let emulator = aws::Emulator::start();
    vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        (
            "AWS_ACCESS_KEY_ID",
            aws::emulator::ACCESS_KEY_ID.to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            aws::emulator::SECRET_ACCESS_KEY.to_string(),
        ),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

/// Runs the case's steps; returns the runs, the last one being the one
/// that failed or the final step.
fn run_steps(stack: &Stack, m: &Manifest) -> Vec<Run> {
    let env = if m.aws { aws_env() } else { Vec::new() };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let steps: &[&[&str]] = match m.run.as_str() {
        "validate" => &[&["validate"]],
        "plan" => &[&["validate"], &["plan"]],
        _ => &[
            &["validate"],
            &["plan"],
            &["apply", "--auto-approve"],
            &["plan", "--detailed-exitcode"],
            &["destroy", "--auto-approve"],
        ],
    };
    let mut runs = Vec::new();
    for args in steps {
        let run = stack.run_with(args, &env);
        let failed = run.code != 0;
        runs.push(run);
        if failed {
            break;
        }
    }
    runs
}

fn error_summaries(run: &Run) -> Vec<String> {
    let summaries = run.stderr.lines().filter_map(|l| l.strip_prefix("  × "));
    summaries.map(|s| s.trim().to_string()).collect()
}

/// Checks one case; `Err` says what differs.
fn check_case(case: &Path) -> Result<(), String> {
    let m = read_manifest(case);
    let stack = Stack::new();
    common::copy_case(case, stack.path());
    let runs = run_steps(&stack, &m);
    let last = runs.last().expect("a run");
    let output = || runs.iter().map(Run::both).collect::<Vec<_>>().join("\n");
    let expected_exit = if m.pending.is_some() { 1 } else { m.exit };
    if last.code != expected_exit {
        let landed = match &m.pending {
            Some(feature) if last.code == 0 => format!(
                " The pending feature ({feature}) seems to have landed: make the manifest expect success."
            ),
            _ => String::new(),
        };
        return Err(format!(
            "`stack {}` exited {} (expected {expected_exit}).{landed}\n{}",
            last.args.join(" "),
            last.code,
            output()
        ));
    }
    check_errors(&m, last).map_err(|e| format!("{e}\n{}", output()))?;
    if let Some(secret) = &m.secret {
        let state = std::fs::read_to_string(stack.state_file()).unwrap_or_default();
        if output().contains(secret.as_str()) || state.contains(secret.as_str()) {
            return Err(format!(
                "the secret {secret:?} was printed or stored in clear"
            ));
        }
    }
    if expected_exit == 0 {
        check_success(&m, &runs).map_err(|e| format!("{e}\n{}", output()))?;
    }
    if let Some(terraform) = read_terraform(case) {
        check_terraform(&m, &terraform, &runs)?;
    }
    Ok(())
}

/// Each `error:` line is reported, at its location.
fn check_errors(m: &Manifest, last: &Run) -> Result<(), String> {
    if m.exit == 0 && m.pending.is_none() {
        return Ok(());
    }
    let blocks: Vec<&str> = last.stderr.split("  × ").skip(1).collect();
    for (summary, location) in &m.errors {
        let found = blocks.iter().any(|b| {
            b.lines().next().is_some_and(|l| l.trim() == summary)
                && b.contains(&format!("╭─[{location}]"))
        });
        if !found {
            return Err(format!("no error {summary:?} at {location}"));
        }
    }
    if m.errors.is_empty() {
        return Err("a failing case must list its errors".to_string());
    }
    Ok(())
}

/// The plan line, and for an applied case: no changes after apply, and a
/// clean destroy.
fn check_success(m: &Manifest, runs: &[Run]) -> Result<(), String> {
    if let Some(plan) = &m.plan {
        let got = runs[1].plan_line().unwrap_or_default();
        if got != plan {
            return Err(format!("the plan says {got:?}, not {plan:?}"));
        }
    }
    if m.run == "apply" {
        if !runs[2].stdout.contains("Apply complete!") {
            return Err("apply did not complete".to_string());
        }
        if !runs[3].stdout.contains("No changes.") {
            return Err("a plan right after apply must show no changes".to_string());
        }
        if !runs[4].stdout.contains("Destroy complete!") {
            return Err("destroy did not complete".to_string());
        }
    }
    Ok(())
}

/// `stack` agrees with Terraform's recorded verdict.
fn check_terraform(m: &Manifest, terraform: &Terraform, runs: &[Run]) -> Result<(), String> {
    if let Some(feature) = &m.pending {
        // Terraform accepts what stack refuses until the feature lands.
        return match terraform.accept {
            true => Ok(()),
            false => Err(format!(
                "pending on {feature}, but Terraform rejects it too"
            )),
        };
    }
    if terraform.accept != (m.exit == 0) {
        return Err(format!(
            "Terraform {} the case (errors {:?})",
            if terraform.accept {
                "accepts"
            } else {
                "rejects"
            },
            terraform.errors
        ));
    }
    if let (Some(ours), Some(theirs)) = (&m.plan, &terraform.plan) {
        if ours != theirs {
            return Err(format!("Terraform plans {theirs:?}, stack {ours:?}"));
        }
    }
    let summaries = error_summaries(runs.last().expect("a run"));
    for error in &terraform.errors {
        let alias = m.aliases.iter().find(|(tf, _)| tf == error);
        let want = alias.map_or(error.as_str(), |(_, ours)| ours.as_str());
        if !summaries.iter().any(|s| s == want) {
            return Err(format!(
                "Terraform's error {error:?} is not among stack's {summaries:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_corpus_runs_as_its_manifests_say() {
    let cases = common::cases("terraform");
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().to_string();
            check_case(case).err().map(|e| format!("[{name}] {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The corpus holds what issue 8 asks of it.
#[test]
fn the_corpus_covers_what_real_stacks_use() {
    let cases = common::cases("terraform");
    let has_file = |pred: &dyn Fn(&str) -> bool| cases.iter().filter(|c| dir_has(c, pred)).count();
    assert!(has_file(&|n| n == ".terraform.lock.hcl") >= 10);
    assert!(has_file(&|n| n == "terraform.tfvars") >= 5);
    assert!(has_file(&|n| n.ends_with(".auto.tfvars")) >= 3);
    assert!(has_file(&|n| n.ends_with(".tf.json")) >= 3);
    let valid = cases.iter().filter(|c| read_manifest(c).exit == 0).count();
    assert!(valid >= 20, "only {valid} valid cases");
    let applied = cases
        .iter()
        .filter(|c| read_manifest(c).run == "apply")
        .count();
    assert!(applied >= 10, "only {applied} applied cases");
}

/// True when `dir` or a directory under it holds a file named per `pred`.
fn dir_has(dir: &Path, pred: &dyn Fn(&str) -> bool) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        let name = e.file_name().to_string_lossy().to_string();
        if e.path().is_dir() {
            dir_has(&e.path(), pred)
        } else {
            pred(&name)
        }
    })
}
