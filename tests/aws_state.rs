//! Shared state on S3 through the binary, against the AWS emulator: the
//! examples with S3 state and a KMS key (no secret in any object or local
//! file), concurrent applies that never both write, a killed holder taken
//! over, and history with rollback and a damaged latest version.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::path::Path;

use aws::Emulator;
use common::{Run, Stack};

const CANARY: &str = "correct-horse-battery";

struct Shared {
    emulator: Emulator,
    runtime: tokio::runtime::Runtime,
    bucket: String,
}

impl Shared {
    fn start(bucket: &str) -> Shared {
        let shared = Shared {
            emulator: Emulator::start(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            bucket: bucket.to_string(),
        };
        let s3 = shared.s3();
        shared
            .runtime
            .block_on(s3.create_bucket().bucket(bucket).send())
            .expect("CreateBucket");
        shared
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        self.runtime.block_on(async {
            let config = aws::sdk_config(&self.emulator).await;
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            )
        })
    }

    fn kms_key(&self) -> String {
        self.runtime.block_on(async {
            let config = aws::sdk_config(&self.emulator).await;
            let kms = aws_sdk_kms::Client::new(&config);
            let key = kms.create_key().send().await.expect("CreateKey");
            key.key_metadata().unwrap().key_id().to_string()
        })
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.emulator.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("STACK_VAR_db_password", CANARY.to_string()),
            ("STACK_VAR_secret", CANARY.to_string()),
        ]
    }

    fn run(&self, stack: &Stack, args: &[&str]) -> Run {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        stack.run_with(args, &env)
    }

    fn ok(&self, stack: &Stack, args: &[&str]) -> Run {
        let run = self.run(stack, args);
        assert_eq!(run.code, 0, "stack {args:?}:\n{}", run.both());
        run
    }

    /// Every object in the bucket, with its bytes.
    fn objects(&self) -> Vec<(String, Vec<u8>)> {
        let s3 = self.s3();
        self.runtime.block_on(async {
            let listed = s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .send()
                .await
                .expect("ListObjectsV2");
            let mut out = Vec::new();
            for object in listed.contents() {
                let key = object.key().unwrap().to_string();
                let body = s3
                    .get_object()
                    .bucket(&self.bucket)
                    .key(&key)
                    .send()
                    .await
                    .expect("GetObject");
                let bytes = body.body.collect().await.unwrap().into_bytes().to_vec();
                out.push((key, bytes));
            }
            out
        })
    }
}

fn backend_block(bucket: &str, extra: &str) -> String {
    format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket = \"{bucket}\"\n    key    = \"team/stack.tfstate\"\n    region = \"us-east-1\"\n{extra}  }}\n}}\n"
    )
}

/// No file under `dir` holds `needle` (the stack directory, `.stack` included).
fn assert_not_in_files(dir: &Path, needle: &str) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            assert_not_in_files(&path, needle);
        } else if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "the secret is in clear in {}",
                path.display()
            );
        }
    }
}

#[test]
fn an_example_applies_replans_and_destroys_with_s3_state_sealed_by_kms() {
    let shared = Shared::start("team-state-kms");
    let key = shared.kms_key();
    let stack = Stack::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/classroom7");
    common::copy_case(&example, stack.path());
    stack.write(
        "backend.tf",
        &backend_block(&shared.bucket, &format!("    kms_key_id = \"{key}\"\n")),
    );
    let apply = shared.ok(&stack, &["apply", "--auto-approve"]);
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    let plan = shared.ok(&stack, &["plan", "--detailed-exitcode"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert!(
        !stack.path().join(".stack/default.state.json").exists(),
        "the state is not local"
    );
    let objects = shared.objects();
    assert!(
        objects.iter().any(|(k, _)| k == "team/stack.tfstate.stack"),
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    for (key, bytes) in &objects {
        assert!(
            !String::from_utf8_lossy(bytes).contains(CANARY),
            "the secret is in clear in s3://{key}"
        );
    }
    assert_not_in_files(stack.path(), CANARY);
    shared.ok(&stack, &["destroy", "--auto-approve"]);
    assert_eq!(shared.ok(&stack, &["state", "list"]).stdout.trim(), "");
}

const COUNTER: &str = r#"
variable "generation" {
  type    = number
  default = 0
}
variable "secret" {
  type      = string
  sensitive = true
}
resource "terraform_data" "counter" {
  input = { generation = var.generation, secret = var.secret }
}
resource "time_sleep" "hold" {
  create_duration = "1s"
  triggers        = { generation = tostring(var.generation) }
}
"#;

fn counter_stack(shared: &Shared, extra: &str) -> Stack {
    let stack = Stack::with_main(COUNTER);
    stack.write("backend.tf", &backend_block(&shared.bucket, extra));
    stack
}

#[test]
fn two_applies_at_once_never_both_write() {
    let shared = Shared::start("team-state-race");
    let stack = counter_stack(&shared, "    state_key_file = \"state.key\"\n");
    stack.write(
        "state.key",
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
    );
    shared.ok(&stack, &["apply", "--auto-approve"]);
    let mut last_serial = 0;
    for round in 1..=20 {
        let env = shared.env();
        let spawn = |generation: usize| {
            let mut command = stack.command(&[
                "apply",
                "--auto-approve",
                "--var",
                &format!("generation={generation}"),
            ]);
            for (k, v) in &env {
                command.env(k, v);
            }
            command.output().expect("run stack")
        };
        let (first, second) = std::thread::scope(|scope| {
            let a = scope.spawn(|| spawn(round * 2));
            let b = scope.spawn(|| spawn(round * 2 + 1));
            (a.join().unwrap(), b.join().unwrap())
        });
        let outcomes = [&first, &second];
        let applied = outcomes.iter().filter(|o| o.status.success()).count();
        let refused: Vec<String> = outcomes
            .iter()
            .filter(|o| !o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert_eq!(
            applied, 1,
            "round {round}: exactly one applies; refused: {refused:?}"
        );
        assert!(
            refused[0].contains("Error acquiring the state lock") && refused[0].contains("lock id"),
            "round {round}: the other names the holder:\n{}",
            refused[0]
        );
        let history = shared.ok(&stack, &["state", "history", "--json"]);
        let entries: Vec<serde_json::Value> = serde_json::from_str(&history.stdout).unwrap();
        let serial = entries[0]["serial"].as_u64().unwrap();
        assert!(
            serial > last_serial,
            "round {round}: the serial moves on ({last_serial} -> {serial})"
        );
        last_serial = serial;
    }
    // No lost write: the state holds the generation the winner applied.
    let pulled = shared.ok(&stack, &["state", "show", "terraform_data.counter"]);
    assert!(pulled.stdout.contains("generation"), "{}", pulled.stdout);
}

#[test]
fn a_killed_holder_is_taken_over_and_nothing_it_recorded_is_lost() {
    let shared = Shared::start("team-state-kill");
    let stack = counter_stack(
        &shared,
        "    state_key_file = \"state.key\"\n    lock_lease     = \"2s\"\n",
    );
    stack.write(
        "state.key",
        "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n",
    );
    let env = shared.env();
    let mut command = stack.command(&["apply", "--auto-approve"]);
    for (k, v) in &env {
        command.env(k, v);
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // The counter is created at once; the sleep holds the lock a second.
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    // The counter's creation was journaled on S3 before the kill.
    let recorded = shared.ok(&stack, &["state", "show", "terraform_data.counter"]);
    let id_line = |text: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with("id "))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let recorded_id = id_line(&recorded.stdout);
    assert!(!recorded_id.is_empty(), "{}", recorded.stdout);
    let again = shared.ok(&stack, &["apply", "--auto-approve"]);
    assert!(
        again.stderr.contains("took over the state lock"),
        "{}",
        again.stderr
    );
    assert!(
        !again.stdout.contains("terraform_data.counter: Creating"),
        "{}",
        again.stdout
    );
    let after = shared.ok(&stack, &["state", "show", "terraform_data.counter"]);
    assert_eq!(
        id_line(&after.stdout),
        recorded_id,
        "the recorded object is kept"
    );
    let list = shared.ok(&stack, &["state", "list"]);
    assert!(list.stdout.contains("time_sleep.hold"), "{}", list.stdout);
}

#[test]
fn history_on_s3_lists_versions_rolls_back_and_a_damaged_latest_is_a_clear_error() {
    let shared = Shared::start("team-state-history");
    let stack = counter_stack(&shared, "    state_key_file = \"state.key\"\n");
    stack.write(
        "state.key",
        "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\n",
    );
    for generation in 1..=5 {
        shared.ok(
            &stack,
            &[
                "apply",
                "--auto-approve",
                "--var",
                &format!("generation={generation}"),
            ],
        );
    }
    let history = shared.ok(&stack, &["state", "history", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(entries.len(), 5, "{}", history.stdout);
    let second = entries[3]["serial"].as_u64().unwrap();
    shared.ok(
        &stack,
        &["state", "rollback", "--serial", &second.to_string()],
    );
    let shown = shared.ok(&stack, &["state", "show", "terraform_data.counter"]);
    assert!(
        common::flat(&shown.stdout).contains("generation = 2"),
        "{}",
        shown.stdout
    );

    let s3 = shared.s3();
    shared
        .runtime
        .block_on(
            s3.put_object()
                .bucket(&shared.bucket)
                .key("team/stack.tfstate.stack")
                .body(b"{\"format_version\": 1, oops".to_vec().into())
                .send(),
        )
        .expect("PutObject");
    let plan = shared.run(&stack, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.both());
    assert!(
        plan.stderr
            .contains("s3://team-state-history/team/stack.tfstate.stack"),
        "{}",
        plan.stderr
    );
    let objects = shared.objects();
    let latest = objects
        .iter()
        .find(|(k, _)| k == "team/stack.tfstate.stack")
        .unwrap();
    assert_eq!(
        latest.1, b"{\"format_version\": 1, oops",
        "never overwritten"
    );
}

#[test]
fn init_migrates_local_state_to_s3_and_back_with_its_history() {
    let shared = Shared::start("team-state-migrate");
    let stack = Stack::with_main(COUNTER);
    stack.write(
        "state.key",
        "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=\n",
    );
    let env = shared.env();
    let key_env: Vec<(&str, &str)> = env
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain([(
            "STACK_STATE_KEY",
            "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=",
        )])
        .collect();
    let run = |args: &[&str]| stack.run_with(args, &key_env);
    for generation in 1..=3 {
        let apply = run(&[
            "apply",
            "--auto-approve",
            "--var",
            &format!("generation={generation}"),
        ]);
        assert_eq!(apply.code, 0, "{}", apply.both());
    }
    stack.write("backend.tf", &backend_block(&shared.bucket, ""));
    let refused = run(&["plan"]);
    assert_eq!(refused.code, 1, "{}", refused.both());
    assert!(
        refused.stderr.contains("stack init --migrate-state"),
        "{}",
        refused.stderr
    );

    let init = run(&["init", "--migrate-state"]);
    assert_eq!(init.code, 0, "{}", init.both());
    assert!(
        init.stdout.contains("Moved 3 version(s)"),
        "{}",
        init.stdout
    );
    let history = run(&["state", "history", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(entries.len(), 3, "{}", history.stdout);
    let plan = run(&["plan", "--var", "generation=3"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    assert!(shared
        .objects()
        .iter()
        .any(|(k, _)| k == "team/stack.tfstate.stack"));

    // One more apply on S3, then back to local: the newer version moves too.
    let apply = run(&["apply", "--auto-approve", "--var", "generation=4"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    std::fs::remove_file(stack.path().join("backend.tf")).unwrap();
    let back = run(&["init", "--migrate-state"]);
    assert_eq!(back.code, 0, "{}", back.both());
    let plan = run(&["plan", "--var", "generation=4"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    assert!(stack.path().join(".stack/default.state.json").exists());
}
