//! The `stack` command line end to end: sensitive values, saved plans,
//! confirmation, fmt, graph, outputs, colours, help, variable sources.

mod common;

use common::{plan_summary, Stack};

const SECRET: &str = "Hunter2-Very-Secret-Value";

const SENSITIVE: &str = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

resource "random_password" "admin" {
  length  = 24
  special = false
}

resource "terraform_data" "db" {
  input = var.db_password
}

output "admin_password" {
  value     = random_password.admin.result
  sensitive = true
}

output "db_id" {
  value = terraform_data.db.id
}
"#;

/// Every file under the stack directory (state, journal, backups, plans), recursively.
fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_nowhere_on_disk(s: &Stack, secret: &str) {
    let mut files = Vec::new();
    all_files(s.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(secret),
            "{} holds the secret in clear",
            file.display()
        );
    }
}

#[test]
fn sensitive_values_are_never_printed_or_stored_in_clear() {
    let s = Stack::with_main(SENSITIVE);
    let var = format!("db_password={SECRET}");
    let plan = s.plan(&["--var", &var, "--out", "p.plan"]);
    assert!(
        plan.stdout.contains("input  = (sensitive value)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("result      = (sensitive value)"),
        "{}",
        plan.stdout
    );
    let shown_plan = s.ok(&["show", "p.plan"]);
    let shown_plan_json = s.ok(&["show", "--json", "p.plan"]);
    let plan_json = s.ok(&["plan", "--json", "--var", &var]);
    let apply = s.ok(&["apply", "p.plan"]);
    assert!(
        apply.stdout.contains("admin_password = <sensitive>"),
        "{}",
        apply.stdout
    );

    let password = s
        .ok(&["output", "admin_password", "--raw", "--show-sensitive"])
        .stdout;
    assert_eq!(password.len(), 24, "{password:?}");
    assert!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "special = false: {password:?}"
    );

    let show = s.ok(&["show"]);
    let show_json = s.ok(&["show", "--json"]);
    let state_show = s.ok(&["state", "show", "terraform_data.db"]);
    let output_all = s.ok(&["output"]);
    let output_json = s.ok(&["output", "--json"]);
    let output_one = s.ok(&["output", "admin_password"]);
    assert_eq!(output_one.stdout.trim(), "<sensitive>");
    assert!(
        output_one.stderr.contains("--show-sensitive"),
        "{}",
        output_one.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&output_json.stdout).unwrap();
    assert_eq!(
        v["admin_password"],
        serde_json::json!({"sensitive": true, "value": null})
    );
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.stdout);
    let replan = s.plan(&["--var", &var]);
    let destroy_plan = s.plan(&["--destroy", "--var", &var]);

    for (what, run) in [
        ("plan", &plan),
        ("show PLAN", &shown_plan),
        ("show --json PLAN", &shown_plan_json),
        ("plan --json", &plan_json),
        ("apply", &apply),
        ("show", &show),
        ("show --json", &show_json),
        ("state show", &state_show),
        ("output", &output_all),
        ("output --json", &output_json),
        ("output NAME", &output_one),
        ("re-plan", &replan),
        ("plan --destroy", &destroy_plan),
    ] {
        for secret in [SECRET, password.as_str()] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{what} prints a secret:\n{}",
                run.both()
            );
        }
    }
    assert_nowhere_on_disk(&s, SECRET);
    assert_nowhere_on_disk(&s, &password);

    let destroy = s.ok(&["destroy", "--auto-approve", "--var", &var]);
    assert!(
        !destroy.stdout.contains(SECRET) && !destroy.stdout.contains(&password),
        "{}",
        destroy.stdout
    );
}

#[test]
fn saved_plan_applies_once() {
    let s = Stack::with_main(
        r#"
variable "v" {
  type    = string
  default = "one"
}

resource "terraform_data" "d" {
  input = var.v
}

output "v" {
  value = terraform_data.d.output
}
"#,
    );
    let plan = s.plan(&["--out", "p.plan", "--var", "v=two"]);
    assert!(
        plan.stdout.contains("Saved the plan to p.plan"),
        "{}",
        plan.stdout
    );
    assert!(s.state_list().is_empty());
    // `show PLAN` prints the same plan.
    let shown = s.ok(&["show", "p.plan"]);
    assert!(
        shown.stdout.contains(&plan_summary(1, 0, 0)),
        "{}",
        shown.stdout
    );
    // Applying the plan uses the variables it was made with and needs no --auto-approve.
    let apply = s.ok(&["apply", "p.plan"]);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert_eq!(s.output("v"), "two");
    // A second time it is stale.
    let again = s.fail(&["apply", "p.plan"]);
    assert!(
        again.stderr.contains("Saved plan is stale"),
        "{}",
        again.stderr
    );
    assert_eq!(s.state_list(), ["terraform_data.d"]);

    // A plan made before the templates changed is refused.
    s.plan(&["--out", "q.plan", "--var", "v=three"]);
    let text = s
        .read("main.tf")
        .replace("default = \"one\"", "default = \"uno\"");
    s.write("main.tf", &text);
    let changed = s.fail(&["apply", "q.plan"]);
    assert!(
        changed
            .stderr
            .contains("Saved plan does not match the templates"),
        "{}",
        changed.stderr
    );
    assert_eq!(s.output("v"), "two");

    // A missing or corrupt plan file is an error, not a crash.
    let missing = s.fail(&["apply", "nope.plan"]);
    assert!(
        missing.stderr.contains("Cannot read the plan"),
        "{}",
        missing.stderr
    );
    s.write("bad.plan", "not a plan");
    let bad = s.fail(&["apply", "bad.plan"]);
    assert!(
        bad.stderr.contains("Cannot read the plan"),
        "{}",
        bad.stderr
    );
}

#[test]
fn apply_without_terminal_or_auto_approve_refuses() {
    let s = Stack::with_main("resource \"terraform_data\" \"d\" {\n  input = \"x\"\n}\n");
    let r = s.fail(&["apply"]);
    assert!(
        r.stderr.contains("No confirmation possible"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("--auto-approve"),
        "{}",
        r.stderr
    );
    assert!(s.state_list().is_empty(), "nothing was applied");
    s.apply(&[]);
    let r = s.fail(&["destroy"]);
    assert!(
        r.stderr.contains("No confirmation possible"),
        "{}",
        r.stderr
    );
    assert_eq!(
        s.state_list(),
        ["terraform_data.d"],
        "nothing was destroyed"
    );
    // With nothing to do there is nothing to confirm.
    let r = s.ok(&["apply"]);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
}

#[test]
fn fmt_check_and_rewrite() {
    let s = Stack::new();
    s.write(
        "main.tf",
        "resource   \"terraform_data\" \"x\" {\ninput=\"a\"\n    triggers_replace = [1,2]\n}\n",
    );
    s.write("modules/m/main.tf", "output \"o\" {\nvalue=1\n}\n");
    s.write("ok.tf", "locals {\n  fine = true\n}\n");
    let check = s.fail(&["fmt", "--check"]);
    assert_eq!(
        check.stdout.trim(),
        "main.tf",
        "only the unformatted file is listed"
    );
    assert!(
        s.read("main.tf").contains("input=\"a\""),
        "--check does not write"
    );
    let diff = s.fail(&["fmt", "--check", "--diff"]);
    assert!(diff.stdout.contains("-input=\"a\""), "{}", diff.stdout);
    assert!(diff.stdout.contains("+  input"), "{}", diff.stdout);

    s.ok(&["fmt"]);
    let formatted = s.read("main.tf");
    assert!(
        formatted.contains("resource \"terraform_data\" \"x\" {\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("\n  input            = \"a\"\n"),
        "{formatted}"
    );
    assert_eq!(s.ok(&["fmt", "--check"]).stdout, "");
    assert_eq!(s.read("ok.tf"), "locals {\n  fine = true\n}\n");
    // Formatting is idempotent and keeps the meaning.
    s.ok(&["fmt"]);
    assert_eq!(s.read("main.tf"), formatted);

    // Modules only with --recursive.
    assert!(s.read("modules/m/main.tf").contains("value=1"));
    let rec = s.fail(&["fmt", "--check", "--recursive"]);
    assert!(rec.stdout.contains("modules/m/main.tf"), "{}", rec.stdout);
    s.ok(&["fmt", "--recursive"]);
    s.ok(&["fmt", "--check", "--recursive"]);
    assert!(s.read("modules/m/main.tf").contains("  value = 1"));

    // A file that does not parse is an error with a location.
    s.write("broken.tf", "resource \"x\" \"y\" {\n  a = \n}\n");
    let broken = s.fail(&["fmt", "--check"]);
    assert!(broken.stderr.contains("broken.tf:"), "{}", broken.stderr);
}

#[test]
fn graph_prints_dot() {
    let s = Stack::with_main(
        r#"
variable "name" {
  default = "x"
}

resource "terraform_data" "a" {
  input = var.name
}

resource "terraform_data" "b" {
  input = terraform_data.a.output
}

output "b" {
  value = terraform_data.b.output
}
"#,
    );
    let g = s.ok(&["graph"]);
    let dot = g.stdout.trim();
    assert!(dot.starts_with("digraph") && dot.ends_with('}'), "{dot}");
    assert!(
        dot.contains("\"terraform_data.b\" -> \"terraform_data.a\""),
        "{dot}"
    );
    assert!(
        dot.contains("\"terraform_data.a\" -> \"var.name\""),
        "{dot}"
    );
    assert!(
        dot.contains("\"output.b\" -> \"terraform_data.b\""),
        "{dot}"
    );
    // A stack with errors has no graph.
    s.write("bad.tf", "resource \"terraform_data\" \"c\" {\n  input = terraform_data.d.output\n}\nresource \"terraform_data\" \"d\" {\n  input = terraform_data.c.output\n}\n");
    let bad = s.fail(&["graph"]);
    assert!(
        bad.stderr.contains("Cycle in dependencies"),
        "{}",
        bad.stderr
    );
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
}

/// A module block's `providers` map decides which configuration the
/// module's resources use (it was ignored: they used the default one).
#[test]
fn module_resources_use_the_provider_configuration_passed_to_them() {
    let s = Stack::with_main(
        r#"
provider "null" {
}

provider "null" {
  alias = "second"
}

module "m" {
  source = "./child"
  providers = {
    null = null.second
  }
}
"#,
    );
    s.write("child/main.tf", "resource \"null_resource\" \"a\" {\n}\n");
    let dot = s.ok(&["graph"]).stdout;
    assert!(
        dot.contains("\"module.m.null_resource.a\" -> \"provider.null.second\""),
        "{dot}"
    );
    assert!(
        !dot.contains("\"module.m.null_resource.a\" -> \"provider.null\";"),
        "{dot}"
    );
    s.plan(&[]);
}

#[test]
fn output_json_and_raw() {
    let s = Stack::with_main(
        r#"
output "text" {
  value = "hello"
}

output "number" {
  value = 42
}

output "object" {
  value = { list = [1, 2], name = "n", flag = true }
}
"#,
    );
    // Before apply: no outputs.
    assert_eq!(s.outputs(), serde_json::json!({}));
    s.apply(&[]);
    assert_eq!(
        s.outputs(),
        serde_json::json!({
            "number": {"sensitive": false, "value": 42},
            "object": {"sensitive": false, "value": {"flag": true, "list": [1, 2], "name": "n"}},
            "text": {"sensitive": false, "value": "hello"},
        })
    );
    assert_eq!(s.ok(&["output", "text", "--raw"]).stdout, "hello");
    assert_eq!(s.ok(&["output", "text"]).stdout.trim(), "\"hello\"");
    let one: serde_json::Value =
        serde_json::from_str(&s.ok(&["output", "object", "--json"]).stdout).unwrap();
    assert_eq!(
        one,
        serde_json::json!({"flag": true, "list": [1, 2], "name": "n"})
    );
    let missing = s.fail(&["output", "txet"]);
    assert!(
        common::flat(&missing.stderr).contains("Did you mean"),
        "{}",
        missing.stderr
    );
    let raw_object = s.fail(&["output", "object", "--raw"]);
    assert!(raw_object.stderr.contains("--raw"), "{}", raw_object.stderr);
}

fn has_escape(r: &common::Run) -> bool {
    r.stdout.contains('\u{1b}') || r.stderr.contains('\u{1b}')
}

#[test]
fn no_color_means_no_escape_codes() {
    let s = Stack::with_main("resource \"terraform_data\" \"d\" {\n  input = \"x\"\n}\n");
    s.write(
        "bad/main.tf",
        "resource \"terraform_data\" \"d\" {\n  inptu = \"x\"\n}\n",
    );
    // --no-color (always passed by the helper) and NO_COLOR without it.
    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["show"],
        &["-C", "bad", "validate"],
        &["-C", "bad", "plan"],
    ] {
        let r = s.run(args);
        assert!(
            !has_escape(&r),
            "--no-color {args:?} printed escape codes:\n{}",
            r.both()
        );
        let mut cmd = std::process::Command::new(common::bin());
        cmd.current_dir(s.path())
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("STACK_WORKSPACE");
        let out = cmd.output().unwrap();
        let r = common::Run::from_output(vec![], out);
        assert!(
            !has_escape(&r),
            "NO_COLOR=1 {args:?} printed escape codes:\n{}",
            r.both()
        );
    }
    // On a terminal (via `script`, when available) colours do appear, and
    // NO_COLOR / --no-color turn them off there too.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let in_tty = |cmd: &str, no_color_env: bool| {
            let mut c = std::process::Command::new("script");
            c.args(["-qec", &format!("{} {cmd}", common::bin()), "/dev/null"])
                .current_dir(s.path())
                .stdin(std::process::Stdio::null());
            c.env_remove("NO_COLOR");
            if no_color_env {
                c.env("NO_COLOR", "1");
            }
            String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
        };
        let coloured = in_tty("plan --destroy", false);
        assert!(
            coloured.contains('\u{1b}'),
            "no colours on a terminal:\n{coloured}"
        );
        assert!(!in_tty("plan --destroy", true).contains('\u{1b}'));
        assert!(!in_tty("--no-color plan --destroy", false).contains('\u{1b}'));
    }
}

#[test]
fn help_works_on_every_subcommand() {
    let s = Stack::new();
    let top = s.ok(&["--help"]);
    let mut subcommands = Vec::new();
    let mut in_commands = false;
    for line in top.stdout.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            match line.split_whitespace().next() {
                Some(name) if line.starts_with("  ") => subcommands.push(name.to_string()),
                _ => break,
            }
        }
    }
    for expected in [
        "validate",
        "fmt",
        "plan",
        "apply",
        "destroy",
        "show",
        "output",
        "graph",
        "state",
        "force-unlock",
        "schema",
    ] {
        assert!(
            subcommands.iter().any(|c| c == expected),
            "--help does not list {expected}:\n{}",
            top.stdout
        );
    }
    subcommands.retain(|c| c != "help");
    subcommands.push("state list".to_string());
    subcommands.push("state show".to_string());
    for sub in &subcommands {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("--help");
        let r = s.ok(&args);
        assert!(
            r.stdout.contains("Usage: stack "),
            "{sub} --help:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("--help"), "{sub} --help:\n{}", r.stdout);
    }
    assert!(s.ok(&["--version"]).stdout.starts_with("stack "));
    let unknown = s.expect(2, &["frobnicate"]);
    assert!(unknown.stderr.contains("frobnicate"), "{}", unknown.stderr);
}

const VARS: &str = r#"
variable "from_env" {
  type = string
}

variable "from_file" {
  type = number
}

variable "from_auto" {
  type = string
}

variable "overridden" {
  type    = string
  default = "default"
}

output "all" {
  value = "${var.from_env}/${var.from_file}/${var.from_auto}/${var.overridden}"
}
"#;

#[test]
fn variables_from_env_var_files_and_workspace_file() {
    let s = Stack::with_main(VARS);
    s.write("extra.tfvars", "from_file  = 42\noverridden = \"file\"\n");
    s.write(
        "default.vars.hcl",
        "from_auto  = \"auto\"\noverridden = \"auto\"\n",
    );
    s.write("staging.vars.hcl", "from_auto = \"staging-auto\"\n");
    let env = [
        ("STACK_VAR_from_env", "env"),
        ("STACK_VAR_overridden", "env"),
    ];

    // Precedence: environment < <workspace>.vars.hcl < --var-file < --var.
    let r = s.run_with(
        &["apply", "--auto-approve", "--var-file", "extra.tfvars"],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.both());
    assert_eq!(s.output("all"), "env/42/auto/file");
    let r = s.run_with(
        &[
            "plan",
            "--var-file",
            "extra.tfvars",
            "--var",
            "overridden=flag",
        ],
        &env,
    );
    assert!(
        r.stdout
            .contains("~ all = \"env/42/auto/file\" -> \"env/42/auto/flag\""),
        "{}",
        r.both()
    );

    // Another workspace reads its own vars file and has its own state.
    let r = s.run_with(
        &[
            "--workspace",
            "staging",
            "apply",
            "--auto-approve",
            "--var-file",
            "extra.tfvars",
        ],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.both());
    let staging = s.run_with(&["--workspace", "staging", "output", "all", "--raw"], &[]);
    assert_eq!(staging.stdout, "env/42/staging-auto/file");
    assert_eq!(
        s.output("all"),
        "env/42/auto/file",
        "the default workspace is untouched"
    );

    // A value for an undeclared variable given with --var is an error, as in
    // Terraform (most likely a typo); the plan stops.
    let r = s.run_with(
        &["plan", "--var-file", "extra.tfvars", "--var", "nope=1"],
        &env,
    );
    assert_eq!(r.code, 1, "{}", r.both());
    assert!(
        r.stderr.contains("× Value for undeclared variable"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("\"nope\" (--var)"),
        "{}",
        r.stderr
    );

    // A number variable given text is an error.
    let r = s.run_with(&["plan", "--var", "from_file=abc"], &env);
    assert_eq!(r.code, 1, "{}", r.both());
    assert!(
        r.stderr.contains("Invalid value for input variable"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_required_variable_is_an_error_not_a_prompt() {
    let s = Stack::with_main(VARS);
    // stdin is /dev/null: a prompt would read EOF; it must fail with all three named.
    let r = s.fail(&["plan"]);
    for name in ["from_env", "from_file", "from_auto"] {
        assert!(
            r.stderr
                .contains(&format!("The variable \"{name}\" has no default")),
            "{name}:\n{}",
            r.stderr
        );
    }
    assert!(
        !r.stderr.contains("The variable \"overridden\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("main.tf:2:1"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    // An error is exit 1 with --detailed-exitcode too (2 means changes).
    let r = s.fail(&["plan", "--detailed-exitcode"]);
    assert!(
        r.stderr.contains("No value for required variable"),
        "{}",
        r.stderr
    );
    // Also with a terminal-less stdin that has data: no prompt reads it.
    let mut cmd = s.command(&["plan"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(b"typed\n42\nx\n");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let bad_var = s.fail(&["plan", "--var", "novalue"]);
    assert!(
        bad_var.stderr.contains("Invalid --var option"),
        "{}",
        bad_var.stderr
    );
}

#[test]
fn state_commands_and_schema() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "web" {
  count = 2
  input = "w${count.index}"
}

resource "null_resource" "other" {}
"#,
    );
    assert_eq!(
        s.ok(&["state", "list"]).stdout,
        "",
        "empty state lists nothing"
    );
    assert!(s.ok(&["show"]).stdout.contains("The state is empty"));
    s.apply(&[]);
    assert_eq!(
        s.ok(&["state", "list", "terraform_data.web"]).stdout,
        "terraform_data.web[0]\nterraform_data.web[1]\n"
    );
    let show = s.ok(&["state", "show", "terraform_data.web[1]"]);
    assert!(
        show.stdout.contains("input") && show.stdout.contains("\"w1\""),
        "{}",
        show.stdout
    );
    let missing = s.fail(&["state", "show", "terraform_data.web[7]"]);
    assert!(
        missing.stderr.contains("No such resource instance"),
        "{}",
        missing.stderr
    );

    let schema = s.ok(&["schema", "random_password"]);
    assert!(
        schema.stdout.contains("length (number, required"),
        "{}",
        schema.stdout
    );
    assert!(
        schema
            .stdout
            .contains("result (string, computed, sensitive"),
        "{}",
        schema.stdout
    );
    let unknown = s.fail(&["schema", "random_passwrd"]);
    assert!(
        unknown.stderr.contains("Unknown resource type"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn targeted_and_excluded_plans() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "base" {
  input = "base"
}

resource "terraform_data" "app" {
  input = terraform_data.base.output
}

resource "terraform_data" "other" {
  input = "other"
}
"#,
    );
    let target = s.plan(&["--target", "terraform_data.app"]);
    assert_eq!(
        target.planned("will be created"),
        ["terraform_data.app", "terraform_data.base"],
        "{}",
        target.stdout
    );
    let exclude = s.plan(&["--exclude", "terraform_data.base"]);
    assert_eq!(
        exclude.planned("will be created"),
        ["terraform_data.other"],
        "{}",
        exclude.stdout
    );
    s.apply(&["--target", "terraform_data.other"]);
    assert_eq!(s.state_list(), ["terraform_data.other"]);
    let bad = s.fail(&["plan", "--target", "???"]);
    assert!(
        bad.stderr.contains("Invalid target address"),
        "{}",
        bad.stderr
    );
}

#[test]
fn not_a_stack_directory() {
    let s = Stack::new();
    let r = s.fail(&["plan"]);
    assert!(
        r.stderr.contains("holds no *.tf, *.tf.json or *.hcl files"),
        "{}",
        r.stderr
    );
    let r = s.fail(&["-C", "does/not/exist", "plan"]);
    assert!(r.stderr.contains("cannot be used"), "{}", r.stderr);
}

/// `plantimestamp()` is known while planning (Terraform prints it in the
/// plan) and a saved plan carries it: applying the plan a few seconds later
/// stores the time of planning, not of applying. `stack validate` leaves it
/// unknown and does not fail.
#[test]
fn plantimestamp_is_the_time_of_the_saved_plan() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "d" {
  input = plantimestamp()
}

output "planned" {
  value = plantimestamp()
}

output "year" {
  value = formatdate("YYYY", plantimestamp())
}
"#,
    );
    s.ok(&["validate"]);
    let plan = s.plan(&["--out", "p.plan"]);
    let shown = plan
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("+ planned = "))
        .unwrap_or_else(|| panic!("no planned output in the plan:\n{}", plan.stdout))
        .trim_matches('"')
        .to_string();
    assert_eq!(shown.len(), "2026-01-31T10:00:00Z".len(), "{shown}");
    assert!(shown.ends_with('Z'), "{shown}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.ok(&["apply", "p.plan"]);
    assert_eq!(s.output("planned"), shown.as_str());
    assert_eq!(s.output("year"), &shown[..4]);
    let state = s.ok(&["state", "show", "terraform_data.d"]);
    assert!(state.stdout.contains(&shown), "{}", state.stdout);
}

/// Numbers keep Terraform's precision through outputs, `output --json`,
/// state and the next plan. The expected texts are Terraform 1.15.5's for
/// the same configuration (`terraform apply`, `terraform output -json`).
#[test]
fn numbers_keep_terraforms_precision_through_apply_state_and_outputs() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "big" {
  input = 9007199254740993
}

output "big" {
  value = terraform_data.big.output
}

output "sum" {
  value = 0.1 + 0.2
}

output "third" {
  value = 1 / 3
}

output "pow" {
  value = pow(2, 64)
}

output "list" {
  value = [1e30, -0.25, 12345678901234567890123]
}
"#,
    );
    let third = format!("0.{}5", "3".repeat(154));
    let apply = s.apply(&[]);
    for line in [
        "big = 9007199254740993",
        "pow = 18446744073709550000",
        "sum = 0.3",
        &format!("third = {third}"),
        "1000000000000000000000000000000",
        "12345678901234567890123",
    ] {
        assert!(apply.stdout.contains(line), "{line} in:\n{}", apply.stdout);
    }
    // `output --json` writes the numbers with every digit.
    let json = s.ok(&["output", "--json"]).stdout;
    for text in [
        "9007199254740993",
        "18446744073709550000",
        "0.3",
        third.as_str(),
        "1000000000000000000000000000000",
        "12345678901234567890123",
    ] {
        assert!(json.contains(text), "{text} in:\n{json}");
    }
    assert!(!json.contains("9007199254740992"), "{json}");
    // The state keeps the attribute exactly, and the next plan finds nothing to do.
    let state = s.read(".stack/default.state.json");
    assert!(state.contains("9007199254740993"), "{state}");
    let plan = s.plan(&[]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}
