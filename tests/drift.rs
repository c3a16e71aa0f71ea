//! `stack drift` end to end through the binary. The first tests use the
//! built-in `local_file` (a file edited or removed by hand is drift); the
//! emulator tests at the end apply AWS resources, change them through the
//! AWS SDK, and check that exactly those changes are reported.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{wait_until, Stack};

const FILES: &str = r#"
resource "local_file" "a" {
  filename = "${path.module}/a.txt"
  content  = "hello"
}
resource "local_file" "b" {
  filename = "${path.module}/b.txt"
  content  = "bee"
}
"#;

fn applied(template: &str) -> Stack {
    let stack = Stack::with_main(template);
    stack.ok(&["apply", "--auto-approve"]);
    stack
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Validates a drift document against `docs/drift-schema.json`.
fn assert_valid(document: &serde_json::Value) {
    let schema = json(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/drift-schema.json"),
        )
        .expect("docs/drift-schema.json"),
    );
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}\n{document:#}", errors.join("\n"));
}

#[test]
fn no_drift_exits_0_and_drift_exits_2_naming_each_change() {
    let stack = applied(FILES);
    let clean = stack.ok(&["drift"]);
    assert!(clean.stdout.contains("No drift."), "{}", clean.stdout);
    stack.write("a.txt", "edited by hand");
    std::fs::remove_file(stack.path().join("b.txt")).unwrap();
    let state_before = std::fs::read(stack.state_file()).unwrap();
    let drift = stack.expect(2, &["drift"]);
    assert!(
        drift
            .stdout
            .contains("content = \"hello\" -> \"edited by hand\""),
        "{}",
        drift.stdout
    );
    assert!(drift
        .stdout
        .contains("local_file.b has been deleted outside of stack"));
    assert!(drift
        .stdout
        .contains("2 of 2 object(s) drifted (1 changed, 1 deleted)"));
    assert_eq!(
        std::fs::read(stack.state_file()).unwrap(),
        state_before,
        "drift writes no state"
    );
    assert!(!stack.exists(".stack/default.lock"));
}

#[test]
fn json_drift_documents_validate_against_the_published_schema() {
    let stack = applied(FILES);
    let clean = json(&stack.ok(&["drift", "--format", "json"]).stdout);
    assert_valid(&clean);
    assert_eq!(clean["status"], "no_drift");
    stack.write("a.txt", "edited");
    std::fs::remove_file(stack.path().join("b.txt")).unwrap();
    let drift = json(&stack.expect(2, &["drift", "--format", "json"]).stdout);
    assert_valid(&drift);
    assert_eq!(drift["status"], "drift");
    assert_eq!(drift["resources"][0]["attributes"][0]["live"], "edited");
    assert_eq!(drift["resources"][1]["change"], "deleted");
    let missing = Stack::with_main(FILES);
    let error = json(&missing.fail(&["drift", "--format", "json"]).stdout);
    assert_valid(&error);
    assert_eq!(error["status"], "error");
    // The schema is strict enough to catch a wrong document.
    let mut wrong = drift.clone();
    wrong["resources"][1]["change"] = "exploded".into();
    let schema = json(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/drift-schema.json"),
        )
        .unwrap(),
    );
    assert!(!jsonschema::validator_for(&schema).unwrap().is_valid(&wrong));
}

#[test]
fn markdown_is_a_table_of_the_drift() {
    let stack = applied(FILES);
    stack.write("a.txt", "edited");
    let markdown = stack.expect(2, &["drift", "--format", "markdown"]).stdout;
    assert!(markdown.starts_with("### stack drift:"), "{markdown}");
    assert!(
        markdown.contains("| ~ | `local_file.a` | `content` | `\"hello\"` | `\"edited\"` |"),
        "{markdown}"
    );
}

#[test]
fn only_attributes_the_template_sets_count_unless_all_attributes() {
    let template = r#"
resource "local_file" "a" {
  filename = "${path.module}/a.txt"
  content  = "hello"
  file_permission = "0644"
  lifecycle {
    ignore_changes = [content]
  }
}
"#;
    let stack = applied(template);
    stack.write("a.txt", "ignored edit");
    let run = stack.ok(&["drift"]);
    assert!(run.stdout.contains("No drift."), "{}", run.both());
    // Every attribute: the file's digests changed with it, but the ignored
    // content itself still does not count.
    let all = stack.expect(2, &["drift", "--all-attributes"]);
    assert!(all.stdout.contains("content_md5"), "{}", all.stdout);
    assert!(
        !all.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("content ")),
        "{}",
        all.stdout
    );
}

#[test]
fn a_missing_state_is_a_one_line_error() {
    let stack = Stack::with_main(FILES);
    let run = stack.fail(&["drift"]);
    let error = run.stderr.trim();
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.contains("no state at .stack/default.state.json"),
        "{error}"
    );
}

#[test]
fn an_invalid_cron_expression_is_a_one_line_error() {
    let stack = applied(FILES);
    for bad in ["every hour", "* * * *", "61 * * * *"] {
        let run = stack.fail(&["drift", "--schedule", bad]);
        let error = run.stderr.trim();
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            error.starts_with("Error: invalid cron expression"),
            "{error}"
        );
    }
    let run = stack.fail(&["drift", "--once", "--notify", "ftp://example.com/hook"]);
    assert!(
        run.stderr.contains("invalid --notify URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_apply_in_progress_is_reported_instead_of_drift_and_never_blocked() {
    let template = r#"
resource "terraform_data" "slow" {
  input = "x"
  provisioner "local-exec" {
    command = "sleep 4"
  }
}
"#;
    let stack = Stack::with_main(template);
    let mut apply = stack.spawn(&["apply", "--auto-approve"], "apply");
    assert!(
        wait_until(Duration::from_secs(20), || stack
            .exists(".stack/default.lock")),
        "the apply took the lock"
    );
    let run = stack.fail(&["drift"]);
    assert!(
        run.stdout.contains("apply in progress by") && run.stdout.contains("(apply, pid"),
        "{}",
        run.both()
    );
    assert!(
        stack.exists(".stack/default.lock"),
        "drift left the lock alone"
    );
    let status = apply.wait().unwrap();
    assert!(status.success(), "the apply was not blocked");
    assert!(stack.ok(&["drift"]).stdout.contains("No drift."));
}

#[test]
fn several_stacks_from_dir_options_and_a_dirs_file() {
    let one = applied(FILES);
    let two = applied(FILES);
    two.write("a.txt", "edited");
    let dir = |s: &Stack| s.path().display().to_string();
    let run = one.expect(
        2,
        &[
            "drift",
            "--dir",
            &dir(&one),
            "--dir",
            &dir(&two),
            "--format",
            "json",
        ],
    );
    let documents = json(&run.stdout);
    assert_valid(&documents);
    let statuses: Vec<&str> = documents
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["no_drift", "drift"]);
    let list = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        list.path(),
        format!("# stacks\n{}\n\n{} default\n", dir(&one), dir(&two)),
    )
    .unwrap();
    let run = one.expect(
        2,
        &[
            "drift",
            "--once",
            "--dirs-file",
            &list.path().display().to_string(),
        ],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].ends_with("no drift (2 checked)"), "{}", lines[0]);
    assert!(
        lines[1].contains("(default): drift: 1 changed, 0 deleted"),
        "{}",
        lines[1]
    );
}

#[test]
fn relative_dirs_and_history_are_read_from_where_stack_was_started() {
    let parent = Stack::new();
    for name in ["a", "b"] {
        parent.write(&format!("{name}/main.tf"), FILES);
        parent.ok(&["-C", name, "apply", "--auto-approve"]);
    }
    parent.write("b/a.txt", "edited");
    let run = parent.expect(
        2,
        &[
            "drift",
            "--once",
            "--dir",
            "a",
            "--dir",
            "b",
            "--history",
            "history.jsonl",
        ],
    );
    assert_eq!(
        run.stdout,
        "a: no drift (2 checked)\nb: drift: 1 changed, 0 deleted (of 2 checked)\n",
        "{}",
        run.both()
    );
    assert_eq!(parent.read("history.jsonl").lines().count(), 2);
}

/// A webhook receiver on a loopback port: every request's body, in order.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/hooks/T000/B000/secret",
            listener.local_addr().unwrap()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                let Ok(mut connection) = connection else {
                    continue;
                };
                if let Some(body) = read_request(&mut connection) {
                    kept.lock().unwrap().push(json(&body));
                }
                let _ = connection.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
        Receiver { url, bodies }
    }

    fn texts(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// One HTTP request's body (by its Content-Length).
fn read_request(connection: &mut std::net::TcpStream) -> Option<String> {
    let mut reader = BufReader::new(connection);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    String::from_utf8(body).ok()
}

fn history_lines(stack: &Stack) -> usize {
    std::fs::read_to_string(stack.path().join("history.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Waits for `more` further checks to be in the history.
fn wait_for_checks(stack: &Stack, more: usize) {
    let target = history_lines(stack) + more;
    assert!(
        wait_until(Duration::from_secs(30), || history_lines(stack) >= target),
        "no further checks"
    );
}

fn wait_for_notifications(receiver: &Receiver, count: usize) {
    assert!(
        wait_until(Duration::from_secs(30), || receiver.texts().len() >= count),
        "expected {count} notifications, got {:?}",
        receiver.texts()
    );
}

#[test]
fn on_a_schedule_each_change_of_drift_status_is_notified_once() {
    let stack = applied(FILES);
    let receiver = Receiver::start();
    let mut scheduled = stack.spawn(
        &[
            "drift",
            "--schedule",
            "* * * * * *",
            "--notify",
            &receiver.url,
            "--history",
            "history.jsonl",
        ],
        "scheduled",
    );
    wait_for_checks(&stack, 2);
    assert!(receiver.texts().is_empty(), "no drift, nothing to say");
    // Drift appears: one notification, however many checks see it.
    stack.write("a.txt", "edited");
    wait_for_notifications(&receiver, 1);
    wait_for_checks(&stack, 3);
    // It changes: one more.
    std::fs::remove_file(stack.path().join("b.txt")).unwrap();
    wait_for_notifications(&receiver, 2);
    wait_for_checks(&stack, 3);
    // It is resolved: one more.
    stack.write("a.txt", "hello");
    stack.write("b.txt", "bee");
    wait_for_notifications(&receiver, 3);
    wait_for_checks(&stack, 3);
    // A failing check is notified once, and the loop goes on.
    let template = stack.read("main.tf");
    stack.write("main.tf", "resource \"local_file\" {\n");
    wait_for_notifications(&receiver, 4);
    wait_for_checks(&stack, 3);
    stack.write("main.tf", &template);
    wait_for_notifications(&receiver, 5);
    wait_for_checks(&stack, 2);
    let texts = receiver.texts();
    assert_eq!(texts.len(), 5, "{texts:#?}");
    assert!(texts[0].starts_with("⚠️ Drift detected"), "{}", texts[0]);
    assert!(texts[0].contains("local_file.a` changed: content \"hello\" → \"edited\""));
    assert!(texts[1].contains("local_file.b` deleted"), "{}", texts[1]);
    assert!(texts[2].starts_with("✅ Drift resolved"), "{}", texts[2]);
    assert!(
        texts[3].starts_with("❌ Drift check failed"),
        "{}",
        texts[3]
    );
    assert!(texts[4].starts_with("✅ No drift"), "{}", texts[4]);

    let pid = scheduled.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = scheduled.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop");
    assert!(!stack.exists(".stack/default.lock"));
    let out = stack.read("scheduled.out");
    assert!(
        out.lines().any(|l| l.ends_with(": no drift (2 checked)")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.contains(": error: ")), "{out}");
    // Every history line is a drift document with its fingerprint.
    for line in stack.read("history.jsonl").lines() {
        let document = json(line);
        assert_valid(&document);
        assert!(document["fingerprint"].is_string());
    }
}

#[test]
fn an_unreachable_webhook_is_retried_logged_and_never_fatal() {
    let stack = applied(FILES);
    stack.write("a.txt", "edited");
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook/secret-path", closed.local_addr().unwrap());
    drop(closed);
    let run = stack.expect(
        2,
        &[
            "drift",
            "--once",
            "--notify",
            &url,
            "--history",
            "history.jsonl",
        ],
    );
    assert!(
        run.stderr
            .contains("the drift notification to 127.0.0.1 failed after 3 attempts"),
        "{}",
        run.stderr
    );
    assert!(
        !run.both().contains("secret-path"),
        "the webhook's path is a secret"
    );
    assert_eq!(history_lines(&stack), 1);
}

#[test]
fn once_runs_do_not_repeat_a_notification_the_history_already_holds() {
    let stack = applied(FILES);
    let receiver = Receiver::start();
    let once = [
        "drift",
        "--once",
        "--notify",
        &receiver.url,
        "--history",
        "history.jsonl",
        "--format",
        "json",
    ];
    stack.ok(&once);
    stack.write("a.txt", "edited");
    let run = stack.expect(2, &once);
    assert_valid(&json(run.stdout.trim()));
    stack.expect(2, &once);
    stack.write("a.txt", "hello");
    stack.ok(&once);
    let texts = receiver.texts();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].starts_with("⚠️ Drift detected"));
    assert!(texts[1].starts_with("✅ Drift resolved"));
}

#[test]
fn refresh_only_accepts_the_live_values_and_plan_would_put_them_back() {
    let stack = applied(FILES);
    stack.write("a.txt", "edited");
    let plan = stack.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(
        plan.stdout.contains("local_file.a must be replaced"),
        "{}",
        plan.stdout
    );
    let refresh_only = stack.expect(
        2,
        &[
            "plan",
            "--refresh-only",
            "--detailed-exitcode",
            "--out",
            "accept.plan",
        ],
    );
    assert!(
        refresh_only
            .stdout
            .contains("You can apply this plan to record in state what refresh found"),
        "{}",
        refresh_only.stdout
    );
    let shown = json(
        &stack
            .ok(&["show", "--format", "json", "accept.plan"])
            .stdout,
    );
    assert_eq!(shown["refresh_only"], true);
    let plan_schema = json(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-schema.json"),
        )
        .unwrap(),
    );
    let validator = jsonschema::validator_for(&plan_schema).unwrap();
    assert!(validator.is_valid(&shown), "{shown:#}");
    stack.ok(&["apply", "accept.plan"]);
    assert_eq!(stack.read("a.txt"), "edited", "nothing real changed");
    assert!(stack.ok(&["drift"]).stdout.contains("No drift."));
    std::fs::remove_file(stack.path().join("b.txt")).unwrap();
    stack.ok(&["apply", "--refresh-only", "--auto-approve"]);
    assert_eq!(stack.state_list(), ["local_file.a"]);
    assert!(!stack.exists("b.txt"), "nothing was created");
}

// ---- Against the AWS emulator ----------------------------------------

/// The environment a user would set to point stack at the emulator.
fn emulator_env(emulator: &aws::Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("STACK_VAR_db_password", "correct-horse-battery".to_string()),
    ]
}

/// Runs `stack ARGS` against the emulator in `workspace`.
fn run_on(stack: &Stack, emulator: &aws::Emulator, workspace: &str, args: &[&str]) -> common::Run {
    let env = emulator_env(emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [&["--workspace", workspace][..], args].concat();
    stack.run_with(&args, &env)
}

fn example(name: &str) -> Stack {
    let stack = Stack::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    common::copy_case(&from, stack.path());
    stack
}

/// An attribute of a resource instance, as the state records it.
fn recorded(stack: &Stack, workspace: &str, address: &str, attribute: &str) -> String {
    let state = json(&stack.read(&format!(".stack/{workspace}.state.json")));
    state["resources"][address]["attributes"][attribute]
        .as_str()
        .unwrap_or_else(|| panic!("{address}.{attribute} in state"))
        .to_string()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The out-of-band changes of the issue, made through the AWS SDK as
/// someone in the console would.
async fn change_out_of_band(emulator: &aws::Emulator, ids: &OutOfBand) {
    use aws_sdk_ec2::types::{AttributeValue, IpPermission, IpRange, Tag};
    let config = aws::sdk_config(emulator).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    ec2.modify_instance_attribute()
        .instance_id(&ids.instance)
        .instance_type(AttributeValue::builder().value("t3.large").build())
        .send()
        .await
        .expect("ModifyInstanceAttribute");
    ec2.create_tags()
        .resources(&ids.vpc)
        .tags(Tag::builder().key("Owner").value("someone").build())
        .send()
        .await
        .expect("CreateTags");
    let ssh = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress()
        .group_id(&ids.security_group)
        .ip_permissions(ssh)
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    aws_sdk_rds::Client::new(&config)
        .modify_db_instance()
        .db_instance_identifier(&ids.database)
        .allocated_storage(50)
        .apply_immediately(true)
        .send()
        .await
        .expect("ModifyDBInstance");
    aws_sdk_elasticache::Client::new(&config)
        .delete_cache_cluster()
        .cache_cluster_id(&ids.cache)
        .send()
        .await
        .expect("DeleteCacheCluster");
    disable_distribution(&config, &ids.distribution).await;
}

async fn disable_distribution(config: &aws_config::SdkConfig, id: &str) {
    let cloudfront = aws_sdk_cloudfront::Client::new(config);
    let current = cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .expect("GetDistributionConfig");
    let mut disabled = current.distribution_config().expect("a config").clone();
    disabled.enabled = false;
    cloudfront
        .update_distribution()
        .id(id)
        .if_match(current.e_tag().unwrap_or_default())
        .distribution_config(disabled)
        .send()
        .await
        .expect("UpdateDistribution");
}

/// The ids of the objects changed out of band.
struct OutOfBand {
    instance: String,
    vpc: String,
    security_group: String,
    database: String,
    cache: String,
    distribution: String,
}

#[test]
fn exactly_the_changes_made_through_the_aws_api_are_reported() {
    let emulator = aws::Emulator::start();
    let stack = example("cdn-web");
    let ws = "staging";
    let apply = run_on(&stack, &emulator, ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let clean = run_on(&stack, &emulator, ws, &["drift"]);
    assert_eq!(clean.code, 0, "freshly applied: {}", clean.both());
    let id = |address: &str| recorded(&stack, ws, address, "id");
    let ids = OutOfBand {
        instance: id("aws_instance.web[0]"),
        vpc: id("aws_vpc.main"),
        security_group: id("aws_security_group.web"),
        database: "cdn-web-staging".to_string(),
        cache: "cdn-web-staging".to_string(),
        distribution: id("aws_cloudfront_distribution.cdn"),
    };
    runtime().block_on(change_out_of_band(&emulator, &ids));

    let run = run_on(&stack, &emulator, ws, &["drift", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.both());
    let report = json(&run.stdout);
    assert_valid(&report);
    let found: Vec<(String, String, Vec<String>)> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let attributes = r["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect();
            (
                r["address"].as_str().unwrap().to_string(),
                r["change"].as_str().unwrap().to_string(),
                attributes,
            )
        })
        .collect();
    let expected: Vec<(String, String, Vec<String>)> = [
        (
            "aws_cloudfront_distribution.cdn",
            "changed",
            vec!["enabled"],
        ),
        ("aws_db_instance.db", "changed", vec!["allocated_storage"]),
        ("aws_elasticache_cluster.cache", "deleted", vec![]),
        ("aws_instance.web[0]", "changed", vec!["instance_type"]),
        ("aws_security_group.web", "changed", vec!["ingress"]),
        ("aws_vpc.main", "changed", vec!["tags"]),
    ]
    .into_iter()
    .map(|(a, c, attrs)| {
        (
            a.to_string(),
            c.to_string(),
            attrs.into_iter().map(str::to_string).collect(),
        )
    })
    .collect();
    assert_eq!(found, expected, "{}", run.stdout);
    let resources = report["resources"].as_array().unwrap();
    let attribute = |address: &str| {
        resources
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["attributes"][0].clone())
            .unwrap()
    };
    assert_eq!(attribute("aws_instance.web[0]")["expected"], "t3.small");
    assert_eq!(attribute("aws_instance.web[0]")["live"], "t3.large");
    assert_eq!(attribute("aws_db_instance.db")["live"], 50);
    assert_eq!(attribute("aws_vpc.main")["live"]["Owner"], "someone");
    assert_eq!(attribute("aws_cloudfront_distribution.cdn")["live"], false);
    assert!(!run.both().contains("correct-horse-battery"));

    // Accepting the drift records it, and then there is none.
    let accept = run_on(
        &stack,
        &emulator,
        ws,
        &["apply", "--refresh-only", "--auto-approve"],
    );
    assert_eq!(accept.code, 0, "{}", accept.both());
    let after = run_on(&stack, &emulator, ws, &["drift"]);
    assert_eq!(after.code, 0, "{}", after.both());
    let destroy = run_on(&stack, &emulator, ws, &["destroy", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

#[test]
fn missing_credentials_are_a_one_line_error() {
    let emulator = aws::Emulator::start();
    let stack =
        Stack::with_main("resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.9.0.0/16\"\n}\n");
    let apply = run_on(&stack, &emulator, "default", &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", String::new()),
        ("AWS_SECRET_ACCESS_KEY", String::new()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        (
            "AWS_CONFIG_FILE",
            home.path().join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials").display().to_string(),
        ),
        ("HOME", home.path().display().to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = stack.run_with(&["drift"], &env);
    assert_eq!(run.code, 1, "{}", run.both());
    let error = run.stderr.trim();
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("No valid AWS credentials"), "{error}");
    let once = stack.run_with(&["drift", "--once"], &env);
    assert_eq!(once.code, 1);
    assert!(once.stdout.starts_with(".: error: "), "{}", once.both());
    assert_eq!(once.stdout.lines().count(), 1);
}

/// Applies an example and checks that drift finds nothing in the default
/// comparison; with every attribute, it finds exactly `settled`: the
/// attributes AWS changes after stack recorded them (a certificate issued
/// once its validation records exist, an address attached to the NAT
/// gateway made after it), which Terraform's refresh-only plan shows too.
fn freshly_applied_has_no_drift(name: &str, workspace: &str, settled: &[(&str, &str)]) {
    let emulator = aws::Emulator::start();
    let stack = example(name);
    let apply = run_on(&stack, &emulator, workspace, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let drift = run_on(&stack, &emulator, workspace, &["drift"]);
    assert_eq!(drift.code, 0, "{name}: {}", drift.both());
    assert!(drift.stdout.contains("No drift."), "{}", drift.stdout);
    let all = run_on(&stack, &emulator, workspace, &["drift", "--all-attributes"]);
    if settled.is_empty() {
        assert_eq!(all.code, 0, "{name} --all-attributes: {}", all.both());
    } else {
        assert_eq!(all.code, 2, "{name} --all-attributes: {}", all.both());
        let drifted = format!("Drift: {} of ", settled.len());
        assert!(all.stdout.contains(&drifted), "{}", all.stdout);
        for (address, attribute) in settled {
            let object = format!("~ {address} has changed outside of stack");
            let line = format!("{attribute} = ");
            assert!(all.stdout.contains(&object), "{}", all.stdout);
            assert!(all.stdout.contains(&line), "{}", all.stdout);
        }
    }
    let destroy = run_on(&stack, &emulator, workspace, &["destroy", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

#[test]
fn freshly_applied_cdn_web_has_no_drift() {
    freshly_applied_has_no_drift(
        "cdn-web",
        "production",
        &[("aws_acm_certificate.site", "status")],
    );
}

#[test]
fn freshly_applied_classroom7_has_no_drift() {
    freshly_applied_has_no_drift("classroom7", "default", &[]);
}

#[test]
fn freshly_applied_kaha_has_no_drift() {
    freshly_applied_has_no_drift("kaha", "dev", &[]);
}

#[test]
fn freshly_applied_koding_has_no_drift() {
    freshly_applied_has_no_drift("koding", "sandbox", &[("aws_eip.nat", "network_interface")]);
}

#[test]
fn freshly_applied_web_platform_has_no_drift() {
    freshly_applied_has_no_drift("web-platform", "default", &[]);
}

#[test]
fn freshly_applied_quickstart_has_no_drift() {
    freshly_applied_has_no_drift("quickstart", "default", &[]);
}

const UNMANAGED_STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.42.1.0/24"
}
resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
}
resource "aws_s3_bucket" "assets" {
  bucket = "unmanaged-test-assets"
}
"#;

async fn alone_config(emulator: &aws::Emulator) -> aws_config::SdkConfig {
    aws::sdk_config(emulator)
        .await
        .into_builder()
        .region(aws_config::Region::new(ALONE_REGION))
        .build()
}

/// Moto makes a region's EC2 objects (its default VPC) on the first
/// request to it; one request first keeps stack's concurrent first calls
/// from racing each other in the emulator.
async fn open_alone_region(emulator: &aws::Emulator) {
    let ec2 = aws_sdk_ec2::Client::new(&alone_config(emulator).await);
    ec2.describe_vpcs().send().await.expect("DescribeVpcs");
}

/// Makes, through the AWS SDK as someone in the console would, a security
/// group tagged `team = data` in the stack's VPC and a bucket; returns the
/// group's id.
async fn make_unmanaged_objects(emulator: &aws::Emulator, vpc: &str) -> String {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let config = alone_config(emulator).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .tags(Tag::builder().key("team").value("data").build())
        .build();
    let group = ec2
        .create_security_group()
        .group_name("made-by-hand")
        .description("made outside stack")
        .vpc_id(vpc)
        .tag_specifications(tags)
        .send()
        .await
        .expect("CreateSecurityGroup");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("extra-logs")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest3)
                .build(),
        )
        .send()
        .await
        .expect("CreateBucket");
    group.group_id().expect("a group id").to_string()
}

/// The emulator is shared by the tests of this file, which make objects of
/// their own in us-east-1: listing them all would see those too. This test
/// works in a region of its own (moto keeps EC2 objects per region and
/// says which region each bucket is in), as a user's stack works in theirs.
const ALONE_REGION: &str = "eu-west-3";

fn run_alone(stack: &Stack, emulator: &aws::Emulator, args: &[&str]) -> common::Run {
    let mut env = emulator_env(emulator);
    env.retain(|(k, _)| *k != "AWS_REGION");
    env.push(("AWS_REGION", ALONE_REGION.to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    stack.run_with(args, &env)
}

#[test]
fn unmanaged_objects_are_reported_and_exclusions_hide_them() {
    let emulator = aws::Emulator::start();
    let stack = Stack::with_main(UNMANAGED_STACK);
    let ws = "default";
    runtime().block_on(open_alone_region(&emulator));
    let apply = run_alone(&stack, &emulator, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    // Only the default VPC, its subnets and default groups exist besides
    // ours: none of them is reported.
    let clean = run_alone(&stack, &emulator, &["drift", "--unmanaged"]);
    assert_eq!(clean.code, 0, "{}", clean.both());
    let vpc = recorded(&stack, ws, "aws_vpc.main", "id");
    let group = runtime().block_on(make_unmanaged_objects(&emulator, &vpc));

    let plain = run_alone(&stack, &emulator, &["drift"]);
    assert_eq!(
        plain.code,
        0,
        "unmanaged objects are only looked for with --unmanaged: {}",
        plain.both()
    );
    let run = run_alone(
        &stack,
        &emulator,
        &["drift", "--unmanaged", "--format", "json"],
    );
    assert_eq!(run.code, 2, "{}", run.both());
    let report = json(&run.stdout);
    assert_valid(&report);
    assert_eq!(
        report["unmanaged"],
        serde_json::json!([
            { "type": "aws_s3_bucket", "id": "extra-logs" },
            { "type": "aws_security_group", "id": group },
        ]),
        "{}",
        run.stdout
    );
    assert_eq!(report["summary"]["unmanaged"], 2);
    assert_eq!(report["resources"], serde_json::json!([]));
    let text = run_alone(&stack, &emulator, &["drift", "--unmanaged"]);
    assert_eq!(text.code, 2);
    assert!(
        text.stdout
            .contains(&format!("+ aws_security_group {group}")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("+ aws_s3_bucket extra-logs"),
        "{}",
        text.stdout
    );

    stack.write(
        "drift.tf",
        "stack {\n  drift {\n    exclude_tags = { team = \"data\" }\n  }\n}\n",
    );
    let by_tag = run_alone(
        &stack,
        &emulator,
        &["drift", "--unmanaged", "--format", "json"],
    );
    assert_eq!(by_tag.code, 2, "{}", by_tag.both());
    assert_eq!(
        json(&by_tag.stdout)["unmanaged"],
        serde_json::json!([{ "type": "aws_s3_bucket", "id": "extra-logs" }])
    );
    stack.write(
        "drift.tf",
        "stack {\n  drift {\n    exclude_tags = { team = \"data\" }\n    exclude_ids  = [\"extra-*\"]\n  }\n}\n",
    );
    let excluded = run_alone(&stack, &emulator, &["drift", "--unmanaged"]);
    assert_eq!(excluded.code, 0, "{}", excluded.both());
    assert!(excluded.stdout.contains("No drift."), "{}", excluded.stdout);
}

#[test]
fn a_misspelt_drift_exclusion_is_a_diagnostic_naming_its_place() {
    let stack = Stack::with_main(&format!(
        "{FILES}\nstack {{\n  drift {{\n    exclude_tag = {{ a = \"b\" }}\n  }}\n}}\n"
    ));
    let run = stack.fail(&["validate"]);
    assert!(
        run.stderr
            .contains("An argument named \"exclude_tag\" is not expected in a drift block"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("exclude_tags"), "{}", run.stderr);
    assert!(run.stderr.contains("main.tf:13"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

const CACHE_AND_CDN_STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.43.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.43.1.0/24"
}
resource "aws_elasticache_subnet_group" "cache" {
  name       = "cache"
  subnet_ids = [aws_subnet.a.id]
}
resource "aws_elasticache_cluster" "cache" {
  cluster_id        = "cache"
  engine            = "redis"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 1
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "sessions"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
}
resource "aws_elastic_beanstalk_application" "app" {
  name = "shop"
}
resource "aws_elastic_beanstalk_environment" "env" {
  name                = "shop-live"
  application         = aws_elastic_beanstalk_application.app.name
  solution_stack_name = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
}
resource "aws_cloudfront_distribution" "cdn" {
  enabled = true
  comment = "shop"
  origin {
    domain_name = aws_elastic_beanstalk_environment.env.cname
    origin_id   = "shop"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "shop"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"#;

/// The ids of the objects made by hand, by type.
struct MadeByHand {
    environment: String,
    distribution: String,
}

/// Makes, through the AWS SDK as someone in the console would, a cache
/// cluster, a replication group, a Beanstalk environment of the stack's
/// application and a CloudFront distribution, all tagged `team = data`.
async fn make_unmanaged_caches_and_cdn(emulator: &aws::Emulator) -> MadeByHand {
    let config = aws::sdk_config(emulator).await;
    let cache = aws_sdk_elasticache::Client::new(&config);
    let cache_tag = || {
        aws_sdk_elasticache::types::Tag::builder()
            .key("team")
            .value("data")
            .build()
    };
    cache
        .create_cache_cluster()
        .cache_cluster_id("by-hand-cache")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(1)
        .tags(cache_tag())
        .send()
        .await
        .expect("CreateCacheCluster");
    cache
        .create_replication_group()
        .replication_group_id("by-hand-sessions")
        .replication_group_description("made outside stack")
        .cache_node_type("cache.t3.micro")
        .engine("redis")
        .tags(cache_tag())
        .send()
        .await
        .expect("CreateReplicationGroup");
    let environment = aws_sdk_elasticbeanstalk::Client::new(&config)
        .create_environment()
        .application_name("shop")
        .environment_name("shop-trial")
        .solution_stack_name("64bit Amazon Linux 2023 v6.1.0 running Node.js 20")
        .tags(
            aws_sdk_elasticbeanstalk::types::Tag::builder()
                .key("team")
                .value("data")
                .build(),
        )
        .send()
        .await
        .expect("CreateEnvironment");
    MadeByHand {
        environment: environment.environment_id().expect("an id").to_string(),
        distribution: make_distribution(&config).await,
    }
}

// Made as Terraform users' distributions still are: with the legacy
// forwarded values, which the SDK marks deprecated.
#[allow(deprecated)]
async fn make_distribution(config: &aws_config::SdkConfig) -> String {
    use aws_sdk_cloudfront::types::{
        CookiePreference, CustomOriginConfig, DefaultCacheBehavior, DistributionConfig,
        DistributionConfigWithTags, ForwardedValues, ItemSelection, Origin, OriginProtocolPolicy,
        Origins, Tag, Tags, ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("elsewhere")
        .domain_name("origin.example.com")
        .custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(80)
                .https_port(443)
                .origin_protocol_policy(OriginProtocolPolicy::HttpOnly)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let behavior = DefaultCacheBehavior::builder()
        .target_origin_id("elsewhere")
        .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
        .forwarded_values(
            ForwardedValues::builder()
                .query_string(false)
                .cookies(
                    CookiePreference::builder()
                        .forward(ItemSelection::None)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let distribution = DistributionConfig::builder()
        .caller_reference("made-by-hand")
        .comment("made outside stack")
        .enabled(true)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(behavior)
        .build()
        .unwrap();
    let tags = Tags::builder()
        .items(Tag::builder().key("team").value("data").build().unwrap())
        .build();
    let made = aws_sdk_cloudfront::Client::new(config)
        .create_distribution_with_tags()
        .distribution_config_with_tags(
            DistributionConfigWithTags::builder()
                .distribution_config(distribution)
                .tags(tags)
                .build(),
        )
        .send()
        .await
        .expect("CreateDistributionWithTags");
    made.distribution()
        .expect("a distribution")
        .id()
        .to_string()
}

#[test]
fn unmanaged_caches_environments_and_distributions_are_reported() {
    let emulator = aws::Emulator::start();
    let stack = Stack::with_main(CACHE_AND_CDN_STACK);
    let ws = "default";
    let apply = run_on(&stack, &emulator, ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let clean = run_on(&stack, &emulator, ws, &["drift", "--unmanaged"]);
    assert_eq!(clean.code, 0, "{}", clean.both());
    let made = runtime().block_on(make_unmanaged_caches_and_cdn(&emulator));

    let run = run_on(
        &stack,
        &emulator,
        ws,
        &["drift", "--unmanaged", "--format", "json"],
    );
    assert_eq!(run.code, 2, "{}", run.both());
    let report = json(&run.stdout);
    assert_valid(&report);
    let unmanaged = report["unmanaged"].as_array().expect("a list");
    let expected = [
        ("aws_elasticache_cluster", "by-hand-cache".to_string()),
        (
            "aws_elasticache_replication_group",
            "by-hand-sessions".to_string(),
        ),
        (
            "aws_elastic_beanstalk_environment",
            made.environment.clone(),
        ),
        ("aws_cloudfront_distribution", made.distribution.clone()),
    ];
    for (resource_type, id) in &expected {
        let entry = serde_json::json!({ "type": resource_type, "id": id });
        assert!(unmanaged.contains(&entry), "{entry} in {}", run.stdout);
    }
    assert_eq!(unmanaged.len(), expected.len(), "{}", run.stdout);
    assert_eq!(report["resources"], serde_json::json!([]), "{}", run.stdout);

    // The tags came with the listing: excluding them leaves nothing.
    stack.write(
        "drift.tf",
        "stack {\n  drift {\n    exclude_tags = { team = \"data\" }\n  }\n}\n",
    );
    let excluded = run_on(&stack, &emulator, ws, &["drift", "--unmanaged"]);
    assert_eq!(excluded.code, 0, "{}", excluded.both());
}

const BUCKETS_AND_CACHES: &str = r#"
resource "aws_s3_bucket" "b" {
  count  = 3
  bucket = "batched-${count.index}"
  tags   = { team = "web" }
}
resource "aws_elasticache_cluster" "c" {
  count           = 3
  cluster_id      = "batched-${count.index}"
  engine          = "redis"
  node_type       = "cache.t3.micro"
  num_cache_nodes = 1
  tags            = { team = "web" }
}
"#;

/// Retags bucket 0 and cluster 0, and deletes bucket 1 and cluster 1,
/// through the AWS SDK.
async fn change_buckets_and_caches(emulator: &aws::Emulator) {
    let config = aws::sdk_config(emulator).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let tag = |k: &str, v: &str| aws_sdk_s3::types::Tag::builder().key(k).value(v).build();
    let current = s3
        .get_bucket_tagging()
        .bucket("batched-0")
        .send()
        .await
        .expect("GetBucketTagging");
    let mut tags: Vec<_> = current
        .tag_set()
        .iter()
        .filter(|t| t.key() != "team")
        .cloned()
        .collect();
    tags.push(tag("team", "data").unwrap());
    s3.put_bucket_tagging()
        .bucket("batched-0")
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(tags))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutBucketTagging");
    s3.delete_bucket()
        .bucket("batched-1")
        .send()
        .await
        .expect("DeleteBucket");
    let cache = aws_sdk_elasticache::Client::new(&config);
    let cluster = cache
        .describe_cache_clusters()
        .cache_cluster_id("batched-0")
        .send()
        .await
        .expect("DescribeCacheClusters");
    let arn = cluster.cache_clusters()[0]
        .arn()
        .expect("an ARN")
        .to_string();
    cache
        .add_tags_to_resource()
        .resource_name(arn)
        .tags(
            aws_sdk_elasticache::types::Tag::builder()
                .key("team")
                .value("data")
                .build(),
        )
        .send()
        .await
        .expect("AddTagsToResource");
    cache
        .delete_cache_cluster()
        .cache_cluster_id("batched-1")
        .send()
        .await
        .expect("DeleteCacheCluster");
}

#[test]
fn many_buckets_and_caches_are_refreshed_by_listing_and_their_tags_compared() {
    let emulator = aws::Emulator::start();
    let stack = Stack::with_main(BUCKETS_AND_CACHES);
    let ws = "default";
    let apply = run_on(&stack, &emulator, ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let clean = run_on(&stack, &emulator, ws, &["drift", "--format", "json"]);
    assert_eq!(clean.code, 0, "freshly applied: {}", clean.both());
    let calls = json(&clean.stdout)["api_calls"].clone();
    for per_object in [
        "s3:HeadBucket",
        "s3:GetBucketTagging",
        "elasticache:ListTagsForResource",
    ] {
        assert!(calls.get(per_object).is_none(), "{per_object}: {calls}");
    }
    assert_eq!(calls["s3:ListBuckets"], 1, "{calls}");
    assert_eq!(calls["elasticache:DescribeCacheClusters"], 1, "{calls}");
    assert_eq!(calls["tagging:GetResources"], 2, "one per service: {calls}");

    runtime().block_on(change_buckets_and_caches(&emulator));
    let run = run_on(&stack, &emulator, ws, &["drift", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.both());
    let report = json(&run.stdout);
    let found: Vec<(String, String)> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let attributes: Vec<&str> = r["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap())
                .collect();
            (
                r["address"].as_str().unwrap().to_string(),
                format!("{} {}", r["change"].as_str().unwrap(), attributes.join(",")),
            )
        })
        .collect();
    let expected = [
        ("aws_elasticache_cluster.c[0]", "changed tags"),
        ("aws_elasticache_cluster.c[1]", "deleted "),
        ("aws_s3_bucket.b[0]", "changed tags"),
        ("aws_s3_bucket.b[1]", "deleted "),
    ]
    .map(|(a, c)| (a.to_string(), c.to_string()));
    assert_eq!(found, expected, "{}", run.stdout);
    for resource in report["resources"].as_array().unwrap() {
        if resource["change"] == "changed" {
            let tags = &resource["attributes"][0];
            assert_eq!(tags["live"]["team"], "data", "{resource}");
            assert_eq!(tags["expected"]["team"], "web", "{resource}");
            assert!(tags["live"].get("stack:intent").is_none(), "{resource}");
        }
    }
}
