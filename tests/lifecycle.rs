//! End-to-end life cycles of a stack with the real `stack` binary: plan,
//! apply, change, re-plan, destroy; count and for_each; modules;
//! replacement order; prevent_destroy; an apply killed half-way; and two
//! applies racing for the lock.

mod common;

use std::time::{Duration, Instant};

use common::{plan_summary, Stack};

const ROUND_TRIP: &str = r#"
variable "message" {
  type    = string
  default = "hello"
}

variable "generation" {
  type    = string
  default = "1"
}

resource "terraform_data" "app" {
  input            = var.message
  triggers_replace = var.generation
}

resource "local_file" "note" {
  filename = "${path.module}/out/note.txt"
  content  = "note: ${var.message}\n"
}

output "app_id" {
  value = terraform_data.app.id
}

output "app_output" {
  value = terraform_data.app.output
}
"#;

#[test]
fn plan_apply_change_replan_destroy_round_trip() {
    let s = Stack::with_main(ROUND_TRIP);

    // An empty state: everything is to be created.
    let plan = s.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.plan_line(),
        Some(plan_summary(2, 0, 0).as_str()),
        "{}",
        plan.stdout
    );
    assert_eq!(
        plan.planned("will be created"),
        ["local_file.note", "terraform_data.app"]
    );
    assert!(s.state_list().is_empty(), "plan must not write state");
    assert!(!s.exists("out/note.txt"), "plan must not create files");

    let apply = s.apply(&[]);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert!(
        apply
            .stdout
            .contains("terraform_data.app: Creation complete"),
        "{}",
        apply.stdout
    );
    assert_eq!(s.state_list(), ["local_file.note", "terraform_data.app"]);
    assert_eq!(s.read("out/note.txt"), "note: hello\n");
    assert_eq!(s.output("app_output"), "hello");
    let first_id = s.output("app_id");
    assert!(
        first_id.as_str().is_some_and(|id| !id.is_empty()),
        "{first_id}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.state_file()).unwrap())
            .expect("state file is JSON");
    assert!(state.is_object());

    // Nothing changed: "No changes." and exit 0 with --detailed-exitcode.
    let again = s.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert_eq!(again.plan_line(), None, "{}", again.stdout);

    // A changed input: an in-place update, same id.
    let update = s.expect(2, &["plan", "--detailed-exitcode", "--var", "message=bye"]);
    assert_eq!(
        update.planned("will be updated in-place"),
        ["terraform_data.app"],
        "{}",
        update.stdout
    );
    assert!(
        update
            .stdout
            .contains("  ~ resource \"terraform_data\" \"app\" {"),
        "{}",
        update.stdout
    );
    assert!(
        // Names are padded to the longest attribute, hidden ones included,
        // as Terraform does (`triggers_replace`).
        update
            .stdout
            .contains("~ input            = \"hello\" -> \"bye\""),
        "{}",
        update.stdout
    );
    // local_file content cannot change in place.
    assert_eq!(
        update.planned("must be replaced"),
        ["local_file.note"],
        "{}",
        update.stdout
    );
    assert_eq!(update.plan_line(), Some(plan_summary(1, 1, 1).as_str()));
    let applied = s.apply(&["--var", "message=bye"]);
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 1 added, 1 changed, 1 destroyed."),
        "{}",
        applied.stdout
    );
    assert_eq!(
        s.output("app_id"),
        first_id,
        "an in-place update keeps the id"
    );
    assert_eq!(s.output("app_output"), "bye");
    assert_eq!(s.read("out/note.txt"), "note: bye\n");
    let again = s.expect(0, &["plan", "--detailed-exitcode", "--var", "message=bye"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    // A changed triggers_replace: a replacement, new id.
    let replace = s.expect(
        2,
        &[
            "plan",
            "--detailed-exitcode",
            "--var",
            "message=bye",
            "--var",
            "generation=2",
        ],
    );
    assert_eq!(
        replace.planned("must be replaced"),
        ["terraform_data.app"],
        "{}",
        replace.stdout
    );
    assert!(
        replace
            .stdout
            .contains("-/+ resource \"terraform_data\" \"app\" {"),
        "{}",
        replace.stdout
    );
    assert!(
        replace.stdout.contains("# forces replacement"),
        "{}",
        replace.stdout
    );
    assert_eq!(replace.plan_line(), Some(plan_summary(1, 0, 1).as_str()));
    s.apply(&["--var", "message=bye", "--var", "generation=2"]);
    assert_ne!(s.output("app_id"), first_id, "a replacement gets a new id");

    // Destroy: plan --destroy, then destroy; files removed, state empty.
    let plan_destroy = s.plan(&["--destroy", "--var", "message=bye", "--var", "generation=2"]);
    assert_eq!(
        plan_destroy.plan_line(),
        Some(plan_summary(0, 0, 2).as_str()),
        "{}",
        plan_destroy.stdout
    );
    assert_eq!(
        plan_destroy.planned("will be destroyed"),
        ["local_file.note", "terraform_data.app"]
    );
    let destroy = s.ok(&[
        "destroy",
        "--auto-approve",
        "--var",
        "message=bye",
        "--var",
        "generation=2",
    ]);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 2 destroyed."),
        "{}",
        destroy.stdout
    );
    assert!(s.state_list().is_empty());
    assert!(!s.exists("out/note.txt"), "destroy removes the file");
    assert_eq!(s.outputs(), serde_json::json!({}));
    let after = s.plan(&[]);
    assert_eq!(after.plan_line(), Some(plan_summary(2, 0, 0).as_str()));
}

#[test]
fn count_grows_and_shrinks() {
    let s = Stack::with_main(
        r#"
variable "n" {
  type    = number
  default = 3
}

resource "terraform_data" "node" {
  count = var.n
  input = "node-${count.index}"
}

output "inputs" {
  value = terraform_data.node[*].input
}
"#,
    );
    s.apply(&[]);
    assert_eq!(
        s.state_list(),
        [
            "terraform_data.node[0]",
            "terraform_data.node[1]",
            "terraform_data.node[2]"
        ]
    );
    assert_eq!(
        s.output("inputs"),
        serde_json::json!(["node-0", "node-1", "node-2"])
    );
    let ids: Vec<String> = (0..3)
        .map(|i| {
            s.ok(&["state", "show", &format!("terraform_data.node[{i}]")])
                .stdout
        })
        .collect();

    let shrink = s.plan(&["--var", "n=1"]);
    assert_eq!(
        shrink.planned("will be destroyed"),
        ["terraform_data.node[1]", "terraform_data.node[2]"],
        "{}",
        shrink.stdout
    );
    assert_eq!(
        shrink.plan_headers().len(),
        2,
        "only [1] and [2] change:\n{}",
        shrink.stdout
    );
    assert_eq!(shrink.plan_line(), Some(plan_summary(0, 0, 2).as_str()));
    s.apply(&["--var", "n=1"]);
    assert_eq!(s.state_list(), ["terraform_data.node[0]"]);
    assert_eq!(
        s.ok(&["state", "show", "terraform_data.node[0]"]).stdout,
        ids[0],
        "node[0] is untouched"
    );
    assert_eq!(s.output("inputs"), serde_json::json!(["node-0"]));

    let grow = s.plan(&["--var", "n=2"]);
    assert_eq!(
        grow.planned("will be created"),
        ["terraform_data.node[1]"],
        "{}",
        grow.stdout
    );
    assert_eq!(grow.plan_line(), Some(plan_summary(1, 0, 0).as_str()));
}

#[test]
fn for_each_key_removal_destroys_only_that_instance() {
    let s = Stack::with_main(
        r#"
variable "names" {
  type    = set(string)
  default = ["alpha", "beta", "gamma"]
}

variable "sizes" {
  type    = map(number)
  default = { small = 1, large = 3 }
}

resource "terraform_data" "by_name" {
  for_each = var.names
  input    = "hello ${each.key}"
}

resource "null_resource" "by_size" {
  for_each = var.sizes
  triggers = {
    size = each.value
  }
}
"#,
    );
    s.apply(&[]);
    assert_eq!(
        s.state_list(),
        [
            "null_resource.by_size[\"large\"]",
            "null_resource.by_size[\"small\"]",
            "terraform_data.by_name[\"alpha\"]",
            "terraform_data.by_name[\"beta\"]",
            "terraform_data.by_name[\"gamma\"]",
        ]
    );
    let plan = s.plan(&[
        "--var",
        "names=[\"alpha\", \"gamma\"]",
        "--var",
        "sizes={ small = 1, large = 4 }",
    ]);
    assert_eq!(
        plan.planned("will be destroyed"),
        ["terraform_data.by_name[\"beta\"]"],
        "{}",
        plan.stdout
    );
    // null_resource triggers force replacement of that key only.
    assert_eq!(
        plan.planned("must be replaced"),
        ["null_resource.by_size[\"large\"]"],
        "{}",
        plan.stdout
    );
    assert_eq!(plan.plan_headers().len(), 2, "{}", plan.stdout);
    assert_eq!(plan.plan_line(), Some(plan_summary(1, 0, 2).as_str()));
    s.apply(&[
        "--var",
        "names=[\"alpha\", \"gamma\"]",
        "--var",
        "sizes={ small = 1, large = 4 }",
    ]);
    assert_eq!(
        s.state_list(),
        [
            "null_resource.by_size[\"large\"]",
            "null_resource.by_size[\"small\"]",
            "terraform_data.by_name[\"alpha\"]",
            "terraform_data.by_name[\"gamma\"]",
        ]
    );
}

#[test]
fn modules_inputs_outputs_and_nesting() {
    let s = Stack::with_main(
        r#"
variable "env" {
  type    = string
  default = "dev"
}

module "web" {
  source   = "./modules/web"
  name     = "shop-${var.env}"
  replicas = 2
}

resource "terraform_data" "uses_module" {
  input = module.web.db_name
}

output "urls" {
  value = module.web.urls
}

output "db_name" {
  value = terraform_data.uses_module.output
}
"#,
    );
    s.write(
        "modules/web/main.tf",
        r#"
variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = "${var.name}-${count.index}"
}

module "db" {
  source = "./db"
  name   = "${var.name}-db"
}

output "urls" {
  value = [for r in terraform_data.replica : "https://${r.output}.example"]
}

output "db_name" {
  value = module.db.name
}
"#,
    );
    s.write(
        "modules/web/db/main.tf",
        r#"
variable "name" {
  type = string
}

resource "terraform_data" "db" {
  input = var.name
}

output "name" {
  value = terraform_data.db.output
}
"#,
    );
    let plan = s.plan(&[]);
    assert_eq!(
        plan.plan_line(),
        Some(plan_summary(4, 0, 0).as_str()),
        "{}",
        plan.stdout
    );
    s.apply(&[]);
    assert_eq!(
        s.state_list(),
        [
            "module.web.module.db.terraform_data.db",
            "module.web.terraform_data.replica[0]",
            "module.web.terraform_data.replica[1]",
            "terraform_data.uses_module",
        ]
    );
    assert_eq!(s.output("db_name"), "shop-dev-db");
    assert_eq!(
        s.output("urls"),
        serde_json::json!(["https://shop-dev-0.example", "https://shop-dev-1.example"])
    );
    assert!(s.plan(&[]).stdout.contains("No changes."));

    // A changed root variable flows through both module levels as in-place updates.
    let change = s.plan(&["--var", "env=prod"]);
    assert_eq!(
        change.planned("will be updated in-place"),
        [
            "module.web.module.db.terraform_data.db",
            "module.web.terraform_data.replica[0]",
            "module.web.terraform_data.replica[1]",
            "terraform_data.uses_module",
        ],
        "{}",
        change.stdout
    );
    s.apply(&["--var", "env=prod"]);
    assert_eq!(s.output("db_name"), "shop-prod-db");
    s.ok(&["destroy", "--auto-approve", "--var", "env=prod"]);
    assert!(s.state_list().is_empty());
}

const REPLACEMENTS: &str = r#"
variable "generation" {
  type    = string
  default = "1"
}

resource "terraform_data" "cbd" {
  triggers_replace = var.generation
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "plain" {
  triggers_replace = var.generation
}

resource "terraform_data" "bystander" {
  input = "stays"
}

output "cbd" {
  value = terraform_data.cbd.id
}

output "plain" {
  value = terraform_data.plain.id
}

output "bystander" {
  value = terraform_data.bystander.id
}
"#;

#[test]
fn create_before_destroy_orders_replacement() {
    let s = Stack::with_main(REPLACEMENTS);
    s.apply(&[]);
    let before = s.outputs();

    let plan = s.plan(&["--var", "generation=2"]);
    assert!(
        plan.stdout
            .contains("+/- resource \"terraform_data\" \"cbd\""),
        "create_before_destroy shows +/-:\n{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("-/+ resource \"terraform_data\" \"plain\""),
        "{}",
        plan.stdout
    );
    assert_eq!(plan.plan_line(), Some(plan_summary(2, 0, 2).as_str()));

    let apply = s.apply(&["--var", "generation=2"]);
    // With create_before_destroy: the replacement first, then the old
    // (deposed) object goes.
    let created = apply.line_index("terraform_data.cbd: Creation complete");
    let destroying = apply.line_index("terraform_data.cbd (deposed object ");
    assert!(created < destroying, "{}", apply.stdout);
    assert!(
        apply
            .stdout
            .lines()
            .any(|l| l.contains("terraform_data.cbd (deposed object ")
                && l.contains("Destruction complete")),
        "{}",
        apply.stdout
    );
    // Without it: the old one goes first.
    let old_gone = apply.line_index("terraform_data.plain: Destruction complete");
    let then_create = apply.line_index("terraform_data.plain: Creating...");
    assert!(old_gone < then_create, "{}", apply.stdout);
    assert!(
        !apply.stdout.contains("terraform_data.bystander:"),
        "the bystander is untouched:\n{}",
        apply.stdout
    );

    let after = s.outputs();
    assert_ne!(after["cbd"]["value"], before["cbd"]["value"]);
    assert_ne!(after["plain"]["value"], before["plain"]["value"]);
    assert_eq!(after["bystander"]["value"], before["bystander"]["value"]);
    // No deposed object is left behind.
    assert_eq!(
        s.state_list(),
        [
            "terraform_data.bystander",
            "terraform_data.cbd",
            "terraform_data.plain"
        ]
    );
    assert!(s
        .plan(&["--var", "generation=2"])
        .stdout
        .contains("No changes."));
}

#[test]
fn replace_flag_forces_one_replacement() {
    let s = Stack::with_main(REPLACEMENTS);
    s.apply(&[]);
    let before = s.outputs();
    let plan = s.plan(&["--replace", "terraform_data.bystander"]);
    assert_eq!(
        plan.planned("must be replaced"),
        ["terraform_data.bystander"],
        "{}",
        plan.stdout
    );
    assert_eq!(plan.plan_headers().len(), 1, "{}", plan.stdout);
    assert_eq!(plan.plan_line(), Some(plan_summary(1, 0, 1).as_str()));
    let apply = s.apply(&["--replace", "terraform_data.bystander"]);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        apply.stdout
    );
    let after = s.outputs();
    assert_ne!(after["bystander"]["value"], before["bystander"]["value"]);
    assert_eq!(after["cbd"]["value"], before["cbd"]["value"]);
    assert_eq!(after["plain"]["value"], before["plain"]["value"]);

    // A --replace address that is not an instance address is refused.
    let bad = s.fail(&["plan", "--replace", "not an address"]);
    assert!(
        bad.stderr.contains("Invalid --replace address"),
        "{}",
        bad.stderr
    );
}

#[test]
fn prevent_destroy_blocks_destroy_and_replace() {
    let s = Stack::with_main(
        r#"
variable "env" {
  type    = string
  default = "dev"
}

variable "generation" {
  type    = string
  default = "1"
}

resource "terraform_data" "always" {
  input = "precious"
  lifecycle {
    prevent_destroy = true
  }
}

resource "terraform_data" "by_env" {
  triggers_replace = var.generation
  lifecycle {
    prevent_destroy = var.env == "prod"
  }
}
"#,
    );
    s.apply(&[]);
    let list = s.state_list();
    let state_before = std::fs::read_to_string(s.state_file()).unwrap();

    // Destroying a protected resource fails, in plan --destroy and destroy.
    for args in [
        &["plan", "--destroy"][..],
        &["destroy", "--auto-approve"][..],
    ] {
        let r = s.fail(args);
        assert!(
            r.stderr.contains("Instance cannot be destroyed"),
            "{args:?}:\n{}",
            r.stderr
        );
        assert!(r.stderr.contains("terraform_data.always"), "{}", r.stderr);
        assert!(r.stderr.contains("main.tf:"), "{}", r.stderr);
    }
    assert_eq!(s.state_list(), list, "nothing was destroyed");
    assert_eq!(
        std::fs::read_to_string(s.state_file()).unwrap(),
        state_before,
        "state untouched"
    );

    // prevent_destroy = var.env == "prod": a replacement is fine in dev ...
    let dev = s.plan(&["--var", "generation=2"]);
    assert_eq!(
        dev.planned("must be replaced"),
        ["terraform_data.by_env"],
        "{}",
        dev.stdout
    );
    // ... and refused in prod, in plan and apply.
    for cmd in ["plan", "apply"] {
        let mut args = vec![cmd, "--var", "env=prod", "--var", "generation=2"];
        if cmd == "apply" {
            args.push("--auto-approve");
        }
        let r = s.fail(&args);
        assert!(
            r.stderr.contains("Instance cannot be destroyed"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("terraform_data.by_env"), "{}", r.stderr);
        assert!(
            r.stderr.contains("prevent_destroy = var.env == \"prod\""),
            "the source line is shown:\n{}",
            r.stderr
        );
        assert!(!r.stdout.contains("Apply complete"), "{}", r.stdout);
    }
    assert_eq!(
        std::fs::read_to_string(s.state_file()).unwrap(),
        state_before,
        "state untouched"
    );
    // In prod without a change, nothing is destroyed, so it plans fine.
    assert!(s
        .plan(&["--var", "env=prod"])
        .stdout
        .contains("No changes."));
}

/// The `id` of the current lock holder, from `.stack/default.lock`.
fn lock_id(s: &Stack) -> Option<String> {
    let text = std::fs::read_to_string(s.path().join(".stack/default.lock")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["id"].as_str().map(str::to_string)
}

#[test]
fn interrupted_apply_loses_nothing() {
    // A resource applied beforehand, so that a state file exists when killed.
    let s = Stack::with_main("resource \"terraform_data\" \"seed\" {\n  input = \"seed\"\n}\n");
    s.apply(&[]);
    let mut main = s.read("main.tf");
    // A chain of five 1 s sleeps (at least 5 s in all) and three independent ones.
    for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        main.push_str(&format!(
            "resource \"time_sleep\" \"{name}\" {{\n  create_duration = \"1s\"\n"
        ));
        if i > 0 {
            main.push_str(&format!(
                "  depends_on      = [time_sleep.{}]\n",
                ["a", "b", "c", "d"][i - 1]
            ));
        }
        main.push_str("}\n");
    }
    for name in ["x", "y", "z"] {
        main.push_str(&format!(
            "resource \"time_sleep\" \"{name}\" {{\n  create_duration = \"1s\"\n}}\n"
        ));
    }
    s.write("main.tf", &main);
    let all: Vec<String> = ["a", "b", "c", "d", "e", "x", "y", "z"]
        .iter()
        .map(|n| format!("time_sleep.{n}"))
        .collect();

    let start = Instant::now();
    let mut child = s.spawn(&["apply", "--auto-approve"], "apply");
    // Wait until something was created (or 20 s on a very loaded machine), and at least 2.5 s.
    let created_some = common::wait_until(Duration::from_secs(20), || {
        s.read("apply.out").contains("Creation complete")
    });
    assert!(
        created_some,
        "nothing was created in 20 s:\n{}",
        s.read("apply.out")
    );
    while start.elapsed() < Duration::from_millis(2500) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the apply finished before it could be killed:\n{}",
        s.read("apply.out")
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let out = s.read("apply.out");
    let completed: Vec<String> = all
        .iter()
        .filter(|a| out.contains(&format!("{a}: Creation complete")))
        .cloned()
        .collect();
    assert!(
        !completed.is_empty() && completed.len() < all.len(),
        "{out}"
    );

    // The state file is still valid JSON.
    let text = std::fs::read_to_string(s.state_file()).expect("the state file survives");
    serde_json::from_str::<serde_json::Value>(&text)
        .expect("the state file is valid JSON after kill -9");

    // Everything reported complete is in the state.
    let list = s.state_list();
    for a in &completed {
        assert!(
            list.contains(a),
            "{a} was created but is not in the state {list:?}\n{out}"
        );
    }
    assert!(
        list.contains(&"terraform_data.seed".to_string()),
        "{list:?}"
    );

    // The killed process left its lock; its process is gone, so the next
    // run takes it over, warning and naming the previous holder.
    let id = lock_id(&s).expect("the killed apply's lock is left behind");

    // The plan only adds what is missing: nothing completed is touched; an
    // instance whose creation was cut short is replaced.
    let plan = s.plan(&[]);
    assert!(
        common::flat(&plan.stderr).contains("took over the state lock")
            && common::flat(&plan.stderr).contains(&id),
        "{}",
        plan.stderr
    );
    let headers = plan.plan_headers();
    for (addr, what) in &headers {
        assert!(
            !completed.contains(addr) && addr != "terraform_data.seed",
            "{addr} {what} although it was created:\n{}",
            plan.stdout
        );
        assert!(
            what == "will be created" || what == "must be replaced",
            "{addr} {what}:\n{}",
            plan.stdout
        );
        if what == "must be replaced" {
            assert!(list.contains(addr), "{addr}");
            assert!(
                out.contains(&format!("{addr}: Creating...")),
                "{addr} replaced but was never started:\n{out}"
            );
        }
    }
    let missing: Vec<&String> = all.iter().filter(|a| !completed.contains(a)).collect();
    assert_eq!(
        headers.len(),
        missing.len(),
        "the plan covers exactly the missing instances:\n{}",
        plan.stdout
    );
    let replaced = plan.planned("must be replaced").len();
    assert_eq!(
        plan.plan_line(),
        Some(plan_summary(missing.len(), 0, replaced).as_str()),
        "{}",
        plan.stdout
    );

    // A later apply completes, and then nothing is left to do.
    let apply = s.apply(&[]);
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    let mut want = all.clone();
    want.push("terraform_data.seed".to_string());
    want.sort();
    assert_eq!(s.state_list(), want);
    assert!(s.plan(&[]).stdout.contains("No changes."));
    serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(s.state_file()).unwrap())
        .unwrap();
}

#[test]
fn concurrent_applies_are_serialised_by_the_lock() {
    let s = Stack::with_main(
        r#"
resource "time_sleep" "slow" {
  create_duration = "8s"
}

resource "terraform_data" "quick" {
  input = "q"
}
"#,
    );
    let mut holder = s.spawn(&["apply", "--auto-approve"], "holder");
    let locked = common::wait_until(Duration::from_secs(30), || {
        lock_id(&s).is_some()
            && s.read("holder.out")
                .contains("time_sleep.slow: Creating...")
    });
    assert!(
        locked,
        "the first apply never took the lock:\n{}",
        s.read("holder.out")
    );
    let id = lock_id(&s).unwrap();

    // A second apply fails at once, naming the holder.
    let second = s.fail(&["apply", "--auto-approve"]);
    assert!(
        holder.try_wait().unwrap().is_none(),
        "the second apply waited for the first one to finish"
    );
    assert!(
        second.stderr.contains("Error acquiring the state lock"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains(&id),
        "lock id missing:\n{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("operation \"apply\""),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains(&format!("pid {}", holder.id())),
        "{}",
        second.stderr
    );
    assert!(!second.stdout.contains("Creating..."), "{}", second.stdout);

    // force-unlock with a wrong id refuses and leaves the lock.
    let wrong = s.fail(&["force-unlock", "00000000-0000-0000-0000-000000000000"]);
    assert!(
        wrong.stderr.contains("Refusing to unlock"),
        "{}",
        wrong.stderr
    );
    assert_eq!(lock_id(&s).as_deref(), Some(id.as_str()));

    // With --lock-timeout the third one waits for the lock and succeeds.
    let third = s.ok(&["apply", "--auto-approve", "--lock-timeout", "60s"]);
    let status = holder
        .try_wait()
        .unwrap()
        .expect("the waiting apply ran only after the holder finished");
    assert!(
        status.success(),
        "the holder failed:\n{}\n{}",
        s.read("holder.out"),
        s.read("holder.err")
    );
    assert!(
        s.read("holder.out")
            .contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        s.read("holder.out")
    );
    assert!(
        third.stdout.contains("No changes."),
        "the waiting apply saw the holder's result:\n{}",
        third.stdout
    );

    // The state is intact and the lock released.
    assert_eq!(s.state_list(), ["terraform_data.quick", "time_sleep.slow"]);
    serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(s.state_file()).unwrap())
        .unwrap();
    assert!(lock_id(&s).is_none(), "the lock was released");
    assert!(s.plan(&[]).stdout.contains("No changes."));
}

#[test]
fn taint_untaint_and_state_rm_work_as_in_terraform() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "a" {
  input = "a"
}
resource "terraform_data" "b" {
  input = "b"
}
"#,
    );
    s.apply(&[]);
    let taint = s.ok(&["taint", "terraform_data.a"]);
    assert!(
        taint.stdout.contains("marked as tainted"),
        "{}",
        taint.stdout
    );
    let plan = s.plan(&[]);
    assert!(
        plan.stdout.contains("# terraform_data.a must be replaced")
            && plan.stdout.contains("tainted"),
        "{}",
        plan.stdout
    );
    s.ok(&["untaint", "terraform_data.a"]);
    assert!(s.plan(&[]).stdout.contains("No changes."));

    let missing = s.run(&["taint", "terraform_data.nope"]);
    assert_eq!(missing.code, 1, "{}", missing.both());
    assert!(
        missing
            .stderr
            .contains("no resource instance terraform_data.nope"),
        "{}",
        missing.stderr
    );
    let not_tainted = s.run(&["untaint", "terraform_data.b"]);
    assert_eq!(not_tainted.code, 1);
    assert!(
        not_tainted.stderr.contains("is not tainted"),
        "{}",
        not_tainted.stderr
    );

    let rm = s.ok(&["state", "rm", "terraform_data.b"]);
    assert!(
        rm.stdout.contains("Removed terraform_data.b"),
        "{}",
        rm.stdout
    );
    assert_eq!(s.state_list(), ["terraform_data.a"]);
    // Forgotten, not destroyed: the next plan creates it as new.
    assert!(s
        .plan(&[])
        .stdout
        .contains("# terraform_data.b will be created"));
}
