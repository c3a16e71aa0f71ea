//! Secret canaries, through the binary: a sensitive variable's value, chosen
//! to be unique, must appear in no output of any format, no file `stack`
//! writes (state, history, journal, saved plans, logs) and no error message;
//! and a sensitive value bound for EC2 user data is refused at plan.

mod common;
#[path = "../providers/tests/common/emulator.rs"]
mod emulator;

use std::path::Path;

use common::{flat, Run, Stack};

/// The secret. Nothing `stack` prints or writes may contain it.
const CANARY: &str = "canary-7f3a9c21";

const TEMPLATE: &str = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

variable "name" {
  type    = string
  default = "app"
}

resource "terraform_data" "db" {
  input = {
    name     = var.name
    password = var.db_password
    url      = "postgres://admin:${var.db_password}@db.internal/app"
  }

  provisioner "local-exec" {
    command = "test -n '${var.db_password}'"
  }
}

resource "terraform_data" "app" {
  input = var.name
}

output "password" {
  value     = var.db_password
  sensitive = true
}

output "url" {
  value     = terraform_data.db.output.url
  sensitive = true
}

output "name" {
  value = terraform_data.app.output
}
"#;

const FORMATS: [&str; 4] = ["text", "json", "markdown", "terraform-json"];

/// Runs every command a team runs, in every format, logging at debug into a
/// file inside the stack directory, and checks each run's output.
struct Canary {
    stack: Stack,
    runs: usize,
}

impl Canary {
    fn run(&mut self, args: &[&str]) -> Run {
        self.runs += 1;
        let log = format!("logs/{}.log", self.runs);
        let mut all = vec!["--log-level", "debug", "--log-file", &log];
        all.extend_from_slice(args);
        let run = self
            .stack
            .run_with(&all, &[("STACK_VAR_db_password", CANARY)]);
        assert!(
            !run.stdout.contains(CANARY) && !run.stderr.contains(CANARY),
            "stack {args:?} printed the secret:\n{}",
            run.both()
        );
        run
    }

    fn ok(&mut self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "stack {args:?}:\n{}", run.both());
        run
    }
}

/// No file under `dir` holds `needle`; returns how many files were read.
fn assert_not_in_files(dir: &Path, needle: &str) -> usize {
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            read += assert_not_in_files(&path, needle);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "the secret is in clear in {}",
                path.display()
            );
            read += 1;
        }
    }
    read
}

#[test]
fn a_sensitive_value_appears_in_no_output_no_file_and_no_log() {
    let mut canary = Canary {
        stack: Stack::with_main(TEMPLATE),
        runs: 0,
    };
    std::fs::create_dir_all(canary.stack.path().join("logs")).unwrap();
    canary.ok(&["validate"]);
    for format in FORMATS {
        canary.ok(&["plan", "--format", format]);
    }
    canary.ok(&["plan", "--out", "pr.plan"]);
    for format in FORMATS {
        canary.ok(&["show", "pr.plan", "--format", format]);
    }
    let apply = canary.ok(&["apply", "pr.plan"]);
    assert!(
        apply
            .stdout
            .contains("(output suppressed due to sensitive value in config)"),
        "{}",
        apply.stdout
    );
    for format in FORMATS {
        canary.ok(&["show", "--format", format]);
    }
    canary.ok(&["output"]);
    canary.ok(&["output", "--json"]);
    canary.ok(&["output", "password"]);
    canary.ok(&["output", "url", "--json"]);
    canary.ok(&["state", "show", "terraform_data.db"]);
    canary.ok(&["state", "pull"]);
    canary.ok(&["state", "history"]);
    // A change that replaces the object, applied with a plan shown in each format.
    for (i, format) in FORMATS.iter().enumerate() {
        let var = format!("name=app{i}");
        canary.ok(&["apply", "--auto-approve", "--var", &var, "--format", format]);
    }
    canary.ok(&["plan", "--destroy", "--out", "destroy.plan"]);
    canary.ok(&["show", "destroy.plan", "--format", "markdown"]);
    canary.ok(&["destroy", "--auto-approve", "--format", "json"]);
    let files = assert_not_in_files(canary.stack.path(), CANARY);
    let logs = std::fs::read_dir(canary.stack.path().join("logs"))
        .unwrap()
        .count();
    assert_eq!(logs, canary.runs, "every run wrote its debug log");
    assert!(
        files > canary.runs + 4,
        "state, history, plans and logs were read"
    );
    let logs: String = (1..=canary.runs)
        .map(|n| canary.stack.read(&format!("logs/{n}.log")))
        .collect();
    assert!(
        logs.contains(" DEBUG "),
        "the logs are at debug level:\n{logs}"
    );
}

const BAD_INPUT: &str = r#"
variable "db_password" {
  type      = number
  sensitive = true
}

variable "token" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.token) > 40
    error_message = "The token ${var.token} is too short."
  }
}

resource "terraform_data" "guarded" {
  input = var.token
  lifecycle {
    precondition {
      condition     = startswith(var.token, "tok-")
      error_message = "The token ${var.token} must start with tok-."
    }
  }
}
"#;

#[test]
fn errors_about_a_sensitive_value_withhold_it_as_terraform_does() {
    let stack = Stack::with_main(BAD_INPUT);
    let password = format!("db_password={CANARY}");
    let token = format!("token={CANARY}");
    for command in ["validate", "plan", "apply"] {
        let mut args = vec![command, "--var", &password, "--var", &token];
        if command == "validate" {
            args = vec![command];
        }
        let run = stack.run_with(&args, &[("STACK_VAR_token", CANARY)]);
        assert!(
            !run.stdout.contains(CANARY) && !run.stderr.contains(CANARY),
            "stack {args:?} printed the secret:\n{}",
            run.both()
        );
        if command == "validate" {
            continue;
        }
        assert_eq!(run.code, 1, "{}", run.both());
        let text = flat(&run.stderr);
        // Terraform 1.15: "The given value is not suitable for
        // var.db_password, which is sensitive: a number is required."
        assert!(
            text.contains("The value given for variable \"db_password\", which is sensitive, is not of type number: a number is required."),
            "{text}"
        );
        // Terraform 1.15: "The error message included a sensitive value, so
        // it will not be displayed." and "Error message refers to sensitive values".
        assert!(
            text.contains(
                "The error message included a sensitive value, so it will not be displayed."
            ),
            "{text}"
        );
        assert!(
            text.contains("Error message refers to sensitive values"),
            "{text}"
        );
        assert!(
            text.contains("main.tf:11:21"),
            "the validation is located: {text}"
        );
    }
    // The precondition's message is withheld too.
    let long = format!("token=x{CANARY}{CANARY}{CANARY}");
    let run = stack.run(&["plan", "--var", "db_password=1", "--var", &long]);
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(!run.stderr.contains(CANARY), "{}", run.stderr);
    assert!(
        flat(&run.stderr)
            .contains("The error message included a sensitive value, so it will not be displayed."),
        "{}",
        run.stderr
    );
}

fn machine_template(endpoint: &str, user_data: &str, environment: &str) -> String {
    format!(
        r#"
stack {{
  name = "machines"
  configuration = {{
    APP_ENV = "canary"
{environment}  }}
}}

variable "db_password" {{
  type      = string
  sensitive = true
}}

provider "aws" {{
  region     = "us-east-1"
  access_key = "testing"
  secret_key = "testing"
  endpoints {{
    ec2 = "{endpoint}"
    sts = "{endpoint}"
  }}
}}

resource "aws_instance" "web" {{
  ami           = "ami-12c6146b"
  instance_type = "t3.micro"
{user_data}
  provisioner "shell" {{
    inline = ["echo ready"]
  }}
}}
"#
    )
}

#[test]
fn a_sensitive_value_bound_for_user_data_is_refused_at_plan() {
    let emulator = emulator::Emulator::start();
    let endpoint = emulator.endpoint();
    let cases = [
        (
            machine_template(
                &endpoint,
                "  user_data     = \"#!/bin/bash\\necho ${var.db_password} > /etc/app\\n\"\n",
                "",
            ),
            "The user_data argument holds a sensitive value",
        ),
        (
            machine_template(&endpoint, "", "    DB_PASSWORD = var.db_password\n"),
            "The environment variable DB_PASSWORD of shell provisioner 1 holds a sensitive value",
        ),
    ];
    for (template, what) in cases {
        let line = 1 + template
            .lines()
            .position(|l| l.starts_with("resource \"aws_instance\""))
            .unwrap();
        let stack = Stack::with_main(&template);
        let run = stack.run_with(
            &["plan", "--out", "pr.plan"],
            &[("STACK_VAR_db_password", CANARY)],
        );
        assert_eq!(run.code, 1, "{}", run.both());
        assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
        let text = flat(&run.stderr);
        assert!(text.contains("Sensitive value in user data"), "{text}");
        assert!(text.contains(what), "{text}");
        assert!(
            text.contains("anyone allowed to describe the instance (ec2:DescribeInstanceAttribute) can read it"),
            "{text}"
        );
        assert!(
            text.contains(&format!("main.tf:{line}:1")),
            "the diagnostic points at the resource block: {text}"
        );
        assert!(!stack.exists("pr.plan"), "no plan was saved");
    }
    // The same machine without the secret plans.
    let stack = Stack::with_main(&machine_template(&endpoint, "", ""));
    let run = stack.run_with(&["plan"], &[("STACK_VAR_db_password", CANARY)]);
    assert_eq!(run.code, 0, "{}", run.both());
}
