//! `local-exec` provisioners at the apply seam, with the in-memory test
//! provider: when they run, what `self` is, what a failure does to state,
//! and what the journal holds while they run.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use state::{JournalEntry, State, Status};

use super::*;
use crate::plan::PlanMode;
use crate::testing::TestStack;

/// `test_thing.a` logs its creation and destruction, with its id, into
/// `${var.out}/log`; changing `name` replaces it, `tag` updates it.
/// Destroy-time provisioners may not refer to variables: the directory is
/// written into the template where it says `@OUT@`.
const LOGGED: &str = r#"
variable "out" {
  type = string
}
variable "name" {
  type    = string
  default = "a"
}
variable "tag" {
  type    = string
  default = "t1"
}
resource "test_thing" "a" {
  name = var.name
  tag  = var.tag
  provisioner "local-exec" {
    command     = "echo \"create ${self.id} ${self.name} $EXTRA $(pwd)\" | tee -a ${var.out}/log"
    environment = { EXTRA = "env-${self.tag}" }
    working_dir = var.out
  }
  provisioner "local-exec" {
    when    = destroy
    command     = "echo \"destroy ${self.id}\" >> log"
    working_dir = "@OUT@"
  }
}
"#;

fn empty_state() -> State {
    State::new("test-lineage".to_string())
}

struct Logged {
    dir: tempfile::TempDir,
}

impl Logged {
    fn new() -> Logged {
        Logged {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn stack(&self, extra: &[(&str, &str)], provider: Option<&TestStack>) -> TestStack {
        self.stack_of(LOGGED, extra, provider)
    }

    fn stack_of(
        &self,
        template: &str,
        extra: &[(&str, &str)],
        provider: Option<&TestStack>,
    ) -> TestStack {
        let out = self.dir.path().to_str().unwrap().to_string();
        let template = template.replace("@OUT@", &out);
        let template = template.as_str();
        let mut vars = vec![("out", out.as_str())];
        vars.extend_from_slice(extra);
        match provider {
            Some(previous) => TestStack::with_provider(template, &vars, previous.provider.clone()),
            None => TestStack::new(template, &vars),
        }
    }

    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn id_of(state: &State, address: &str) -> String {
    state.resources[address].attributes["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn outputs(events: &[ApplyEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ApplyEvent::Output { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn create_time_provisioners_run_after_the_create_with_self_environment_and_working_dir() {
    let logged = Logged::new();
    let stack = logged.stack(&[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let id = id_of(&state, "test_thing.a");
    let dir = logged.dir.path().canonicalize().unwrap();
    let line = format!("create {id} a env-t1 {}", dir.display());
    assert_eq!(logged.log(), std::slice::from_ref(&line));
    assert_eq!(state.resources["test_thing.a"].status, Status::Ready);

    // The output is streamed as events, after Terraform's "Executing" line,
    // and the object is reported created only once provisioned.
    let shown = outputs(&events);
    assert!(
        shown[0].starts_with("Executing: [\"/bin/sh\" \"-c\" \"echo \\\"create "),
        "{shown:?}"
    );
    assert_eq!(shown[1], line);
    let position = |want: &dyn Fn(&ApplyEvent) -> bool| events.iter().position(want).unwrap();
    let provisioning = position(
        &|e| matches!(e, ApplyEvent::Progress { message, .. } if message == "Provisioning with 'local-exec'..."),
    );
    let finished = position(&|e| matches!(e, ApplyEvent::Finished { .. }));
    assert!(provisioning < finished, "{events:?}");
    assert_eq!(outcome.succeeded, 1);
}

#[tokio::test]
async fn provisioners_do_not_run_on_update_and_run_for_both_objects_on_replacement() {
    let logged = Logged::new();
    let first = logged.stack(&[], None);
    let mut state = empty_state();
    first.converge(&mut state).await;
    let old_id = id_of(&state, "test_thing.a");

    let updated = logged.stack(&[("tag", "t2")], Some(&first));
    let outcome = updated.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(updated.provider.log().last().unwrap(), "update a");
    assert_eq!(logged.log().len(), 1, "an update runs no provisioner");

    let replaced = logged.stack(&[("tag", "t2"), ("name", "b")], Some(&first));
    let outcome = replaced.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let new_id = id_of(&state, "test_thing.a");
    let log = logged.log();
    assert_eq!(log[1], format!("destroy {old_id}"));
    assert!(
        log[2].starts_with(&format!("create {new_id} b env-t2")),
        "{log:?}"
    );
    assert_eq!(
        replaced.provider.log()[1..],
        ["update a", "delete a", "create b"]
    );
}

const FAILING: &str = r#"
variable "out" {
  type = string
}
variable "on_failure" {
  type    = string
  default = "fail"
}
resource "test_thing" "a" {
  name = "a"
  provisioner "local-exec" {
    command = "echo before; echo oops >&2; exit 3"
  }
}
resource "test_thing" "after" {
  name = "after"
  tag  = test_thing.a.id
}
"#;

#[tokio::test]
async fn a_failing_provisioner_taints_the_object_fails_the_apply_and_the_next_plan_replaces_it() {
    let logged = Logged::new();
    let stack = logged.stack_of(FAILING, &[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    let error = outcome
        .diagnostics
        .iter()
        .find(|d| d.summary == "local-exec provisioner error")
        .unwrap_or_else(|| panic!("{}", outcome.diagnostics));
    assert_eq!(
        error.detail,
        "test_thing.a: Error running command 'echo before; echo oops >&2; exit 3': exit status 3. Output: before\noops"
    );
    assert!(error.span.is_some());
    assert_eq!(state.resources["test_thing.a"].status, Status::Tainted);
    assert!(!state.resources.contains_key("test_thing.after"));
    assert!(events
        .iter()
        .any(|e| matches!(e, ApplyEvent::Failed { address, .. } if address == "test_thing.a")));
    assert!(!events
        .iter()
        .any(|e| matches!(e, ApplyEvent::Finished { address, .. } if address == "test_thing.a")));
    assert_eq!(outcome.failed, 1);

    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Replace);
}

#[tokio::test]
async fn on_failure_continue_reports_the_failure_and_goes_on() {
    let logged = Logged::new();
    let template = FAILING.replace("exit 3\"", "exit 3\"\n    on_failure = continue");
    let stack = logged.stack_of(&template, &[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(state.resources["test_thing.a"].status, Status::Ready);
    assert!(state.resources.contains_key("test_thing.after"));
    assert!(events.iter().any(|e| matches!(e, ApplyEvent::Progress { message, .. }
        if message.starts_with("Ignoring the failure (on_failure = continue): Error running command"))));
}

/// Records into memory and writes how many entries it holds into a file,
/// so that a provisioner can tell what was durable when it ran.
struct CountingRecorder {
    entries: Arc<Mutex<Vec<JournalEntry>>>,
    count_file: std::path::PathBuf,
}

impl StateRecorder for CountingRecorder {
    fn record(&mut self, entry: &JournalEntry) -> Result<(), String> {
        self.record_all(std::slice::from_ref(entry))
    }

    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), String> {
        let mut held = self.entries.lock().unwrap();
        held.extend_from_slice(entries);
        std::fs::write(&self.count_file, held.len().to_string()).unwrap();
        Ok(())
    }
}

#[tokio::test]
async fn the_object_is_recorded_tainted_before_its_provisioners_run_so_a_crash_leaves_it_tainted() {
    let logged = Logged::new();
    let template = r#"
variable "out" {
  type = string
}
resource "test_thing" "a" {
  name = "a"
  provisioner "local-exec" {
    command = "cp ${var.out}/count ${var.out}/seen"
  }
}
"#;
    let stack = logged.stack_of(template, &[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let entries = Arc::new(Mutex::new(Vec::new()));
    let mut recorder = CountingRecorder {
        entries: entries.clone(),
        count_file: logged.dir.path().join("count"),
    };
    let (outcome, _) = stack
        .apply_with(&plan, &mut state, &mut recorder, ApplyOptions::default())
        .await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let statuses: Vec<Status> = entries
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            JournalEntry::SetResource { resource, .. } => Some(resource.status.clone()),
            _ => None,
        })
        .collect();
    assert!(
        matches!(statuses[0], Status::Pending { .. }),
        "{statuses:?}"
    );
    assert_eq!(statuses[1..], [Status::Tainted, Status::Ready]);

    // What was durable while the provisioner ran is what a crash at that
    // moment leaves: the object, tainted; the next plan replaces it.
    let seen: usize = std::fs::read_to_string(logged.dir.path().join("seen"))
        .unwrap()
        .parse()
        .unwrap();
    let mut crashed = empty_state();
    for entry in &entries.lock().unwrap()[..seen] {
        entry.apply_to(&mut crashed);
    }
    assert_eq!(crashed.resources["test_thing.a"].status, Status::Tainted);
    let plan = stack.plan(&crashed, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Replace);
}

#[tokio::test]
async fn a_failing_destroy_time_provisioner_stops_the_destroy_and_keeps_the_object() {
    let logged = Logged::new();
    let template = r#"
variable "out" {
  type = string
}
resource "test_thing" "a" {
  count = 2
  name  = "a${count.index}"
  provisioner "local-exec" {
    when    = destroy
    command = "echo ${count.index} ${self.id} >> @OUT@/log; test ${count.index} = 0"
  }
}
"#;
    let stack = logged.stack_of(template, &[], None);
    let mut state = empty_state();
    stack.converge(&mut state).await;
    let plan = stack.plan(&state, PlanMode::Destroy).await.unwrap();
    let (outcome, _) = stack.apply(&plan, &mut state).await;
    let errors: Vec<&Diagnostic> = outcome.diagnostics.iter().collect();
    assert_eq!(errors.len(), 1, "{}", outcome.diagnostics);
    assert_eq!(errors[0].summary, "local-exec provisioner error");
    assert!(
        errors[0]
            .detail
            .starts_with("test_thing.a[1]: Error running command"),
        "{}",
        errors[0].detail
    );
    // Each destroy ran its provisioner first; only the one that passed was deleted.
    let mut log = logged.log();
    log.sort();
    assert_eq!(log.len(), 2);
    assert!(
        log[0].starts_with("0 a0-") && log[1].starts_with("1 a1-"),
        "{log:?}"
    );
    assert_eq!(stack.provider.log()[2..], ["delete a0"]);
    assert!(!state.resources.contains_key("test_thing.a[0]"));
    assert_eq!(state.resources["test_thing.a[1]"].status, Status::Ready);
}

#[tokio::test]
async fn tainted_objects_run_no_destroy_time_provisioner() {
    let logged = Logged::new();
    let stack = logged.stack(&[], None);
    let mut state = empty_state();
    stack.converge(&mut state).await;
    state.resources.get_mut("test_thing.a").unwrap().status = Status::Tainted;
    let outcome = stack.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let log = logged.log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|l| l.starts_with("create ")), "{log:?}");
}

#[tokio::test]
async fn an_interrupt_lets_the_running_provisioner_finish_and_starts_no_other() {
    let logged = Logged::new();
    let template = r#"
variable "out" {
  type = string
}
resource "test_thing" "a" {
  name = "a"
  provisioner "local-exec" {
    command = "echo one >> ${var.out}/log; sleep 0.3; echo done >> ${var.out}/log"
  }
  provisioner "local-exec" {
    command = "echo two >> ${var.out}/log"
  }
}
"#;
    let stack = logged.stack_of(template, &[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let options = ApplyOptions::default();
    let cancel = options.cancel.clone();
    let count_file = logged.dir.path().join("count");
    // Interrupt once the first command is running.
    let log = logged.dir.path().join("log");
    tokio::spawn(async move {
        while !log.exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        cancel.store(true, Ordering::SeqCst);
    });
    let mut recorder = CountingRecorder {
        entries: Arc::new(Mutex::new(Vec::new())),
        count_file,
    };
    let (outcome, _) = stack
        .apply_with(&plan, &mut state, &mut recorder, options)
        .await;
    assert_eq!(logged.log(), ["one", "done"]);
    let error = outcome.diagnostics.iter().next().unwrap();
    assert!(error.detail.contains("interrupted"), "{}", error.detail);
    assert_eq!(state.resources["test_thing.a"].status, Status::Tainted);
}

#[tokio::test]
async fn a_sensitive_value_suppresses_the_command_and_its_output_everywhere() {
    let logged = Logged::new();
    let template = r#"
variable "out" {
  type = string
}
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
resource "test_thing" "a" {
  name = "a"
  provisioner "local-exec" {
    command = "echo ${var.secret}; echo second line; exit 1"
  }
}
"#;
    let stack = logged.stack_of(template, &[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    assert_eq!(outputs(&events), [SUPPRESSED, SUPPRESSED, SUPPRESSED]);
    let everything = format!("{events:?} {}", outcome.diagnostics);
    assert!(!everything.contains("hunter2"), "{everything}");
    assert!(!everything.contains("second line"), "{everything}");
    assert!(everything.contains("exit status 1"), "{everything}");
    assert_eq!(state.resources["test_thing.a"].status, Status::Tainted);
}

#[tokio::test]
async fn an_object_whose_create_was_never_recorded_is_adopted_tainted_and_replaced() {
    let logged = Logged::new();
    let stack = logged.stack(&[], None);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    // A process killed after the provider made the object but before its
    // result was recorded: the journal holds only the pending intent, and
    // the provisioners, which start after that record, never ran.
    let entries = Arc::new(Mutex::new(Vec::new()));
    let mut recorder = CountingRecorder {
        entries: entries.clone(),
        count_file: logged.dir.path().join("count"),
    };
    stack
        .apply_with(&plan, &mut state, &mut recorder, ApplyOptions::default())
        .await;
    let mut crashed = empty_state();
    entries.lock().unwrap()[0].apply_to(&mut crashed);
    assert!(matches!(
        crashed.resources["test_thing.a"].status,
        Status::Pending { .. }
    ));
    std::fs::remove_file(logged.dir.path().join("log")).unwrap();

    let plan = stack.plan(&crashed, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.drift[0].change, crate::plan::ADOPTED);
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Replace);
    let (outcome, _) = stack.apply(&plan, &mut crashed).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(stack.provider.log(), ["create a", "delete a", "create a"]);
    assert_eq!(stack.provider.names(), ["a"]);
    let id = id_of(&crashed, "test_thing.a");
    assert!(
        logged.log()[0].starts_with(&format!("create {id} ")),
        "{:?}",
        logged.log()
    );
    assert_eq!(crashed.resources["test_thing.a"].status, Status::Ready);
}
