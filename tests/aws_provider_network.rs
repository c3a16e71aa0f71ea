//! How the `provider "aws"` block reaches AWS, through the `stack` binary
//! against the emulator: a private certificate authority trusted through
//! `custom_ca_bundle` or `AWS_CA_BUNDLE` (the emulator behind a TLS front
//! whose certificate that authority signed), calls tunnelled through
//! `https_proxy` unless `no_proxy` names the host (the proxy's log says
//! which), credentials from the instance metadata service at
//! `ec2_metadata_service_endpoint` (moto serves one), a role session
//! from `assume_role_with_web_identity` (STS says whose calls they are,
//! and it is asked once per run), and the retry settings' checks.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws::Emulator;
use common::Stack;

/// Runs `stack ARGS` with only the AWS settings given (none of the
/// caller's AWS_* variables, HOME in the stack directory).
fn run(stack: &Stack, args: &[&str], env: &[(&str, String)]) -> common::Run {
    let mut cmd = stack.command(args);
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("AWS_") || name.to_ascii_lowercase().ends_with("_proxy") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", stack.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run stack");
    common::Run::from_output(args.iter().map(|s| s.to_string()).collect(), out)
}

fn keys_and_region() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

/// `tests/support/tls_front.py`: TLS in front of the emulator with a
/// certificate of its own throw-away authority, and a tunnelling proxy.
struct TlsFront {
    child: Child,
    dir: tempfile::TempDir,
    tls_port: u16,
    proxy_port: u16,
}

impl TlsFront {
    fn start(emulator: &Emulator) -> TlsFront {
        let root = aws::emulator::repository_root();
        let python = aws::emulator::python(&root);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(&python)
            .arg(root.join("tests/support/tls_front.py"))
            .arg(emulator.port().to_string())
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("start {} tests/support/tls_front.py: {e}", python.display())
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("READY line");
        let ports: Vec<u16> = line
            .split_whitespace()
            .skip(1)
            .map(|p| p.parse().expect("port"))
            .collect();
        assert_eq!(ports.len(), 2, "tls_front.py said {line:?}");
        TlsFront {
            child,
            dir,
            tls_port: ports[0],
            proxy_port: ports[1],
        }
    }

    fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.tls_port)
    }

    fn ca(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }

    fn proxy(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy_port)
    }

    /// The tunnels opened since the last call, then forgets them.
    fn take_tunnels(&self) -> Vec<String> {
        let log = self.dir.path().join("proxy.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text.lines().map(str::to_string).collect()
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The CIDR block of a VPC, read from the emulator directly.
fn vpc_cidr(emulator: &Emulator, vpc_id: &str) -> Option<String> {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
        let out = ec2
            .describe_vpcs()
            // A filter, not an id: a deleted VPC is an empty answer, not an error.
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(vpc_id)
                    .build(),
            )
            .send()
            .await
            .expect("DescribeVpcs");
        out.vpcs()
            .first()
            .and_then(|v| v.cidr_block())
            .map(str::to_string)
    })
}

fn network_template(provider_lines: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
{provider_lines}
}}

resource "aws_vpc" "net" {{
  cidr_block = "10.71.0.0/16"
}}

output "vpc" {{
  value = aws_vpc.net.id
}}
"#
    )
}

#[test]
fn a_private_ca_is_trusted_and_calls_go_through_the_proxy_unless_excluded() {
    let emulator = Emulator::start();
    let front = TlsFront::start(&emulator);
    let mut env = keys_and_region();
    env.push(("AWS_ENDPOINT_URL", front.endpoint()));

    // Without the authority the handshake fails, said in one line.
    let stack = Stack::with_main(&network_template(""));
    let refused = run(&stack, &["plan"], &env);
    assert_eq!(refused.code, 1, "{}", refused.both());
    let said = common::flat(&refused.stderr).to_lowercase();
    assert!(said.contains("certificate"), "{}", refused.both());
    assert!(
        !refused.stderr.contains("{ "),
        "no debug dump: {}",
        refused.both()
    );

    // With it, the VPC is made through the TLS front.
    let ca = front.ca();
    stack.write(
        "main.tf",
        &network_template(&format!("  custom_ca_bundle = \"{ca}\"")),
    );
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let vpc = stack.output("vpc").as_str().expect("vpc id").to_string();
    assert_eq!(vpc_cidr(&emulator, &vpc).as_deref(), Some("10.71.0.0/16"));

    // AWS_CA_BUNDLE does the same as the argument.
    stack.write("main.tf", &network_template(""));
    let mut with_env_bundle = env.clone();
    with_env_bundle.push(("AWS_CA_BUNDLE", ca.clone()));
    let plan = run(&stack, &["plan"], &with_env_bundle);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());

    // Through the proxy: every call is a tunnel to the TLS front.
    let proxy = front.proxy();
    stack.write(
        "main.tf",
        &network_template(&format!(
            "  custom_ca_bundle = \"{ca}\"\n  https_proxy = \"{proxy}\""
        )),
    );
    front.take_tunnels();
    let plan = run(&stack, &["plan"], &env);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    let tunnels = front.take_tunnels();
    let target = format!("CONNECT 127.0.0.1:{}", front.tls_port);
    assert!(!tunnels.is_empty(), "no call went through the proxy");
    assert!(tunnels.iter().all(|t| *t == target), "{tunnels:?}");

    // HTTPS_PROXY from the environment, with NO_PROXY naming the host:
    // nothing is tunnelled.
    stack.write(
        "main.tf",
        &network_template(&format!("  custom_ca_bundle = \"{ca}\"")),
    );
    let mut excluded = env.clone();
    excluded.push(("HTTPS_PROXY", proxy.clone()));
    excluded.push(("NO_PROXY", "127.0.0.1".to_string()));
    let plan = run(&stack, &["plan"], &excluded);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    assert_eq!(front.take_tunnels(), Vec::<String>::new());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &with_env_bundle);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
    assert_eq!(vpc_cidr(&emulator, &vpc), None);
}

const IDENTITY: &str = r#"
data "aws_caller_identity" "me" {}

output "arn" {
  value = data.aws_caller_identity.me.arn
}
"#;

#[test]
fn credentials_come_from_the_metadata_endpoint_the_block_names() {
    let emulator = Emulator::start();
    let env = vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    // No keys anywhere and the metadata service skipped: no credentials.
    let stack = Stack::with_main(&format!(
        "provider \"aws\" {{\n  max_retries = 0\n  skip_metadata_api_check = true\n}}\n{IDENTITY}"
    ));
    let refused = run(&stack, &["plan"], &env);
    assert_eq!(refused.code, 1, "{}", refused.both());
    assert!(
        refused.stderr.contains("No valid AWS credentials"),
        "{}",
        refused.both()
    );

    // The emulator answers the instance metadata service's API (IMDSv2
    // token, then the role's credentials).
    stack.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  max_retries = 0\n  ec2_metadata_service_endpoint = \"{}\"\n}}\n{IDENTITY}",
            emulator.endpoint()
        ),
    );
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert!(
        stack
            .output("arn")
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:")),
        "{}",
        stack.outputs()
    );

    // A mode that is neither IPv4 nor IPv6 is refused before any call.
    stack.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  ec2_metadata_service_endpoint_mode = \"IPv5\"\n}}\n{IDENTITY}"
        ),
    );
    let bad = run(&stack, &["plan"], &env);
    assert_eq!(bad.code, 1, "{}", bad.both());
    assert!(bad.stderr.contains("\"IPv4\""), "{}", bad.both());
}

#[test]
fn a_web_identity_token_becomes_a_role_session_asked_for_once() {
    let emulator = Emulator::start();
    let mut env = vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    let stack = Stack::new();
    let token = "eyJ-web-identity-canary";
    stack.write("token", token);
    let token_file = stack.path().join("token").display().to_string();
    stack.write(
        "main.tf",
        &format!(
            r#"
provider "aws" {{
  max_retries = 0
  assume_role_with_web_identity {{
    role_arn                = "arn:aws:iam::123456789012:role/ci"
    session_name            = "pipeline"
    web_identity_token_file = "{token_file}"
    duration                = "1h"
  }}
}}
{IDENTITY}"#
        ),
    );
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert_eq!(
        stack.output("arn"),
        "arn:aws:sts::123456789012:assumed-role/ci/pipeline"
    );
    let stats = run(&stack, &["plan", "--stats"], &env);
    assert_eq!(stats.code, 0, "{}", stats.both());
    let asked: Vec<&str> = stats
        .stderr
        .lines()
        .filter(|l| l.contains("AssumeRoleWithWebIdentity"))
        .collect();
    assert_eq!(asked.len(), 1, "{}", stats.both());
    assert!(
        asked[0].trim_end().ends_with(" 1"),
        "asked once per run: {}",
        stats.both()
    );

    // The role and token file may come from the environment instead.
    stack.write(
        "main.tf",
        &format!("provider \"aws\" {{\n  max_retries = 0\n  assume_role_with_web_identity {{}}\n}}\n{IDENTITY}"),
    );
    env.push((
        "AWS_ROLE_ARN",
        "arn:aws:iam::123456789012:role/ci".to_string(),
    ));
    env.push(("AWS_ROLE_SESSION_NAME", "pipeline".to_string()));
    env.push(("AWS_WEB_IDENTITY_TOKEN_FILE", token_file));
    let plan = run(&stack, &["plan"], &env);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());

    // The token never reaches output, state or plan files.
    for path in walk(stack.path()) {
        if path.file_name().is_some_and(|n| n == "token") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "{} holds the token",
            path.display()
        );
    }
    assert!(!apply.both().contains(token) && !stats.both().contains(token));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn retry_and_endpoint_choices_are_checked_before_any_call() {
    let emulator = Emulator::start();
    let mut env = keys_and_region();
    env.push(("AWS_ENDPOINT_URL", emulator.endpoint()));
    for (line, named) in [
        ("retry_mode = \"eager\"", "retry_mode"),
        (
            "s3_us_east_1_regional_endpoint = \"global\"",
            "s3_us_east_1_regional_endpoint",
        ),
        ("insecure = true", "custom_ca_bundle"),
        (
            "custom_ca_bundle = \"/nonexistent/ca.pem\"",
            "/nonexistent/ca.pem",
        ),
    ] {
        let stack = Stack::with_main(&network_template(&format!("  {line}")));
        let run = run(&stack, &["plan"], &env);
        assert_eq!(run.code, 1, "{line}: {}", run.both());
        assert!(run.stderr.contains(named), "{line}: {}", run.both());
        assert!(
            run.stderr.contains("main.tf") || run.stderr.contains("provider"),
            "{}",
            run.both()
        );
    }
    let mut attempts = env.clone();
    attempts.push(("AWS_MAX_ATTEMPTS", "many".to_string()));
    let stack = Stack::with_main(&network_template("").replace("  max_retries = 0\n", ""));
    let run = run(&stack, &["plan"], &attempts);
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(run.stderr.contains("AWS_MAX_ATTEMPTS"), "{}", run.both());
}
