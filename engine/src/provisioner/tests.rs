//! Lowering and evaluating provisioner blocks.

use super::*;
use crate::eval::Namespace;

fn load(template: &str) -> (crate::config::Config, Diagnostics) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), template).unwrap();
    crate::config::load(dir.path())
}

fn errors(template: &str) -> Vec<(String, usize)> {
    let (_, diags) = load(template);
    diags
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .map(|d| {
            let line = d.span.as_ref().map(|s| line_of(template, s.range.start));
            (d.summary.clone(), line.unwrap_or(0))
        })
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

#[test]
fn when_and_on_failure_are_keywords() {
    let (config, diags) = load(
        r#"
resource "terraform_data" "a" {
  provisioner "local-exec" {
    command    = "true"
    when       = destroy
    on_failure = continue
  }
  provisioner "local-exec" {
    command = "true"
  }
}
"#,
    );
    assert!(!diags.has_errors(), "{diags}");
    let resource = config.root().resources.values().next().unwrap();
    let p = &resource.provisioners;
    assert_eq!(
        (p[0].when, p[0].on_failure),
        (When::Destroy, OnFailure::Continue)
    );
    assert_eq!(
        (p[1].when, p[1].on_failure),
        (When::Create, OnFailure::Fail)
    );
    let template = r#"
resource "terraform_data" "a" {
  provisioner "local-exec" {
    command    = "true"
    when       = "destroy"
    on_failure = maybe
  }
}
"#;
    assert_eq!(
        errors(template),
        [
            ("Invalid \"when\" keyword".to_string(), 5),
            ("Invalid \"on_failure\" keyword".to_string(), 6)
        ]
    );
}

#[test]
fn destroy_time_provisioners_may_refer_only_to_the_object() {
    let template = r#"
variable "v" {
  default = "x"
}
resource "terraform_data" "o" {}
resource "terraform_data" "d" {
  count = 1
  provisioner "local-exec" {
    when        = destroy
    command     = "echo ${self.id} ${count.index} ${path.module} ${terraform.workspace}"
    environment = { A = join(",", [for x in self.output : x]) }
    working_dir = var.v
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo ${terraform_data.o.id} ${count.count}"
  }
}
"#;
    let summary = "Invalid reference from destroy provisioner".to_string();
    assert_eq!(
        errors(template),
        [(summary.clone(), 12), (summary.clone(), 16), (summary, 16)]
    );
}

#[test]
fn remote_exec_file_and_connection_point_to_the_shell_provisioner() {
    let template = r#"
resource "terraform_data" "a" {
  provisioner "remote-exec" {
    inline = ["true"]
  }
  provisioner "file" {
    source      = "a"
    destination = "b"
  }
  provisioner "local-exec" {
    command = "true"
    connection {
      host = "h"
    }
  }
  connection {
    host = "h"
  }
  provisioner "chef" {}
}
"#;
    let (_, diags) = load(template);
    let lines: Vec<(String, usize)> = errors(template);
    let summary = "Unsupported provisioner connection".to_string();
    assert_eq!(
        lines,
        [
            (summary.clone(), 3),
            (summary.clone(), 6),
            (summary.clone(), 12),
            (summary, 16),
            ("Missing required provisioner plugin".to_string(), 19),
        ]
    );
    let detail = &diags.iter().next().unwrap().detail;
    assert!(detail.starts_with("A provisioner \"remote-exec\" runs on a machine it connects to, and stack does not connect to machines."), "{detail}");
    assert!(
        detail.contains("provisioner \"shell\" { inline = [\"…\"] }"),
        "{detail}"
    );
    assert!(detail.contains("user data"), "{detail}");
}

fn provisioner(template: &str) -> Provisioner {
    let (config, diags) = load(template);
    assert!(!diags.has_errors(), "{diags}");
    let resource = config.root().resources.values().next().unwrap();
    resource.provisioners[0].clone()
}

#[test]
fn local_exec_blocks_evaluate_with_self_and_terraform_defaults() {
    let p = provisioner(
        r#"
resource "terraform_data" "a" {
  provisioner "local-exec" {
    command     = "echo ${self.id}"
    environment = { N = 1, B = true, S = "s", GONE = null }
  }
}
"#,
    );
    let namespace = Namespace::default();
    let mut scope = Scope::new(&namespace, Arc::new(PathBuf::from("main.tf")));
    let object = Value::Map([("id".to_string(), Value::String("i-1".into()))].into());
    scope.self_value = Some(&object);
    let configuration = Value::Map(
        [
            ("S".to_string(), Value::String("from stack".into())),
            ("C".to_string(), Value::String("c".into())),
        ]
        .into(),
    );
    let mut diags = Diagnostics::new();
    let exec = eval_local_exec(&p, &scope, Some(&configuration), &mut diags).unwrap();
    assert!(!diags.has_errors(), "{diags}");
    assert_eq!(exec.command, "echo i-1");
    assert_eq!(exec.interpreter, ["/bin/sh", "-c"]);
    let environment: Vec<(&str, &str)> = exec
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        environment,
        [("B", "true"), ("C", "c"), ("N", "1"), ("S", "s")]
    );
    assert!(!exec.sensitive && !exec.quiet);
    assert_eq!(exec.working_dir, None);
}

#[test]
fn local_exec_arguments_are_checked_against_their_schema() {
    let p = provisioner(
        r#"
resource "terraform_data" "a" {
  provisioner "local-exec" {
    interpreter = "bash"
    bogus       = 1
  }
}
"#,
    );
    let namespace = Namespace::default();
    let scope = Scope::new(&namespace, Arc::new(PathBuf::from("main.tf")));
    let mut diags = Diagnostics::new();
    assert!(eval_local_exec(&p, &scope, None, &mut diags).is_none());
    let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Incorrect attribute value type",
            "Unsupported argument",
            "Missing required argument"
        ]
    );
}
