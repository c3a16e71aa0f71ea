//! The drift recipes in `examples/ci/` work as shipped: the Kubernetes
//! CronJob validates against Kubernetes' JSON schema (no cluster runs here)
//! and its container's arguments run `stack drift`; the GitHub Actions
//! workflow's schedule is a valid cron expression and its drift step,
//! run with bash as the runner would, reports drift as a result.
//!
//! `kubernetes-validate` (PyPI; it bundles Kubernetes' schemas) and PyYAML
//! come from the emulator's venv (`tests/emulator/requirements.txt`), found
//! through `STACK_KUBERNETES_VALIDATE`, next to `STACK_EMULATOR_PYTHON`, or
//! in `.venv/bin`. In CI (`CI=true`) a missing one fails the test; elsewhere
//! the test says how to install it and passes without running.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Stack;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The venv's `bin` directory holding `kubernetes-validate` and `python`.
fn venv_bin() -> Option<PathBuf> {
    let configured = std::env::var_os("STACK_KUBERNETES_VALIDATE")
        .map(PathBuf::from)
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let emulator = std::env::var_os("STACK_EMULATOR_PYTHON")
        .map(PathBuf::from)
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin");
    let found = configured
        .into_iter()
        .chain(emulator)
        .chain([local])
        .find(|bin| bin.join("kubernetes-validate").is_file());
    if found.is_none() {
        let message = "kubernetes-validate is not installed: run `bash scripts/test.sh` (it installs tests/emulator/requirements.txt into .venv) or point STACK_KUBERNETES_VALIDATE at it";
        assert!(!in_ci(), "{message}");
        eprintln!("skipped: {message}");
    }
    found
}

fn recipe(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name)
}

/// A YAML file as JSON, read with the venv's PyYAML.
fn yaml(bin: &Path, path: &Path) -> serde_json::Value {
    let out = Command::new(bin.join("python"))
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn validate(bin: &Path, path: &Path) -> std::process::Output {
    Command::new(bin.join("kubernetes-validate"))
        .args(["--strict", "--kubernetes-version", "1.37.0"])
        .arg(path)
        .output()
        .expect("kubernetes-validate")
}

/// A stack applied with the built-in `local_file`.
fn applied_stack() -> Stack {
    let stack = Stack::with_main(
        "resource \"local_file\" \"a\" {\n  filename = \"${path.module}/a.txt\"\n  content  = \"hello\"\n}\n",
    );
    stack.ok(&["apply", "--auto-approve"]);
    stack
}

/// `stack drift --schedule CRON` accepts the expression: it starts waiting
/// for the first time (and stops cleanly on SIGTERM).
fn assert_schedule_accepted(stack: &Stack, cron: &str) {
    let mut child = stack.spawn(&["drift", "--schedule", cron], "schedule");
    assert!(common::wait_until(Duration::from_secs(10), || stack
        .read("schedule.err")
        .contains("until stopped")));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(
        child.wait().unwrap().code(),
        Some(0),
        "{}",
        stack.read("schedule.err")
    );
}

#[test]
fn the_kubernetes_cronjob_validates_against_the_kubernetes_schema() {
    let Some(bin) = venv_bin() else { return };
    let manifest = recipe("kubernetes-cronjob.yaml");
    let out = validate(&bin, &manifest);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The validator does catch a wrong manifest.
    let wrong = tempfile::NamedTempFile::new().unwrap();
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        wrong.path(),
        text.replace(
            "restartPolicy: Never",
            "restartPolicy: Never\n          restartPolicyy: Never",
        ),
    )
    .unwrap();
    assert!(!validate(&bin, wrong.path()).status.success());
}

#[test]
fn the_kubernetes_cronjob_runs_stack_drift_once_on_a_valid_schedule() {
    let Some(bin) = venv_bin() else { return };
    let manifest = yaml(&bin, &recipe("kubernetes-cronjob.yaml"));
    let stack = applied_stack();
    let job = &manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let args: Vec<String> = job["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            // The pod's paths, here in a scratch directory.
            a.as_str()
                .unwrap()
                .replace("/stacks/drift-stacks.txt", "drift-stacks.txt")
                .replace("/var/lib/stack-drift/", "")
        })
        .collect();
    assert_eq!(args[..2], ["drift", "--once"]);
    stack.write("drift-stacks.txt", ".\n");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = &job["containers"][0]["env"];
    assert!(
        env.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "STACK_DRIFT_WEBHOOK"),
        "the webhook comes from the secret, through the environment"
    );
    let run = stack.ok(&args);
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON line");
    assert_eq!(line["status"], "no_drift");
    assert_eq!(stack.read("history.jsonl").lines().count(), 1);
    stack.write("a.txt", "edited");
    let drift = stack.expect(2, &args);
    assert!(
        drift.stdout.contains("\"status\":\"drift\""),
        "{}",
        drift.stdout
    );
    // Exit 2 is a result the Job's pod failure policy ignores.
    let ignored = &job["containers"][0]["name"];
    let rule = &manifest["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"][0];
    assert_eq!(rule["onExitCodes"]["containerName"], *ignored);
    assert_eq!(rule["onExitCodes"]["values"], serde_json::json!([2]));
    assert_schedule_accepted(&stack, manifest["spec"]["schedule"].as_str().unwrap());
}

#[test]
fn the_github_actions_workflow_runs_its_drift_step() {
    let Some(bin) = venv_bin() else { return };
    let workflow = yaml(&bin, &recipe("drift-github-actions.yml"));
    let stack = applied_stack();
    // PyYAML reads the key `on` as true (YAML 1.1).
    let cron = workflow["true"]["schedule"][0]["cron"].as_str().unwrap();
    assert_schedule_accepted(&stack, cron);
    let step = workflow["jobs"]["drift"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "drift")
        .expect("the drift step");
    stack.write("drift-stacks.txt", ".\n");
    stack.write("a.txt", "edited");
    let output = stack.path().join("github_output");
    let summary = stack.path().join("step_summary");
    let binary_dir = Path::new(common::bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap()
    );
    let run = Command::new("bash")
        .args(["-e", "-c", step["run"].as_str().unwrap()])
        .current_dir(stack.path())
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "code=2\n");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.contains("| ~ | `local_file.a` | `content` |"),
        "{markdown}"
    );
}
