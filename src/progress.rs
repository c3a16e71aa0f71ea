//! Apply progress, in one of three forms:
//!
//! - **Bar** (stderr is a terminal and not CI): an `indicatif` progress bar
//!   on stderr (done of total, what is in flight, elapsed time), with the
//!   per-resource lines printed on stdout above it.
//! - **Lines** (CI, or no terminal): a line per resource event on stdout and
//!   a heartbeat every 10 seconds naming what is still in flight, so that a
//!   log never goes silent for minutes.
//! - **Json** (`--format json`): one JSON object per event on stdout
//!   (newline-delimited; docs/apply-json.md), nothing else.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::apply::{ApplyEvent, EventSink, SkipReason};
use engine::plan::Action;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render::Style;

/// How progress is shown.
pub enum Mode {
    Bar,
    Lines,
    Json,
}

impl Mode {
    /// A bar when a person watches stderr; lines in CI (`CI` set, as every
    /// CI service does) or when stderr goes to a file or pipe.
    pub fn detect(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stderr().is_terminal() && !in_ci() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

struct Inner {
    in_flight: BTreeMap<String, (Action, Instant)>,
    done: usize,
    failed: usize,
    total: usize,
    started: Instant,
    style: Style,
}

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
    /// The bar, in `Mode::Bar`.
    bar: Option<ProgressBar>,
    json: bool,
}

fn doing(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating...",
        Action::Update => "Modifying...",
        Action::Replace => "Replacing...",
        Action::Delete => "Destroying...",
        Action::Read => "Reading...",
        Action::NoOp => "Recording...",
        Action::Forget => "Forgetting...",
    }
}

fn done_word(action: Action) -> &'static str {
    match action {
        Action::Create => "Creation complete",
        Action::Update => "Modifications complete",
        Action::Replace => "Replacement complete",
        Action::Delete => "Destruction complete",
        Action::Read => "Read complete",
        Action::NoOp => "Recorded",
        Action::Forget => "Forgotten",
    }
}

pub fn seconds(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A debug log line per operation started, finished, failed or skipped:
/// addresses, actions and times only. Provider messages and provisioner
/// output are left out of logs (the terminal shows them, redacted).
fn log_event(event: &ApplyEvent) {
    match event {
        ApplyEvent::Started { address, action } => {
            tracing::debug!(%address, ?action, "operation started")
        }
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
        } => {
            tracing::debug!(%address, ?action, elapsed_ms = elapsed.as_millis() as u64, "operation finished")
        }
        ApplyEvent::Failed {
            address, action, ..
        } => tracing::debug!(%address, ?action, "operation failed"),
        ApplyEvent::Skipped { address, reason } => {
            tracing::debug!(%address, ?reason, "operation skipped")
        }
        ApplyEvent::Progress { .. } | ApplyEvent::Output { .. } => {}
    }
}

/// An event as a line of `--format json` output (docs/apply-json.md).
fn event_json(event: &ApplyEvent) -> serde_json::Value {
    use serde_json::json;
    match event {
        ApplyEvent::Started { address, action } => {
            json!({"type": "apply_start", "address": address, "action": action})
        }
        ApplyEvent::Progress { address, message } => {
            json!({"type": "apply_progress", "address": address, "message": message})
        }
        ApplyEvent::Output {
            address,
            provisioner,
            line,
        } => {
            json!({"type": "provision_output", "address": address, "provisioner": provisioner, "line": line})
        }
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
        } => {
            json!({"type": "apply_complete", "address": address, "action": action, "elapsed_seconds": elapsed.as_secs_f64()})
        }
        ApplyEvent::Failed {
            address,
            action,
            message,
        } => {
            json!({"type": "apply_errored", "address": address, "action": action, "message": message})
        }
        ApplyEvent::Skipped { address, reason } => json!({
            "type": "apply_skipped",
            "address": address,
            "reason": match reason {
                SkipReason::DependencyFailed => "dependency_failed",
                SkipReason::Interrupted => "interrupted",
            }
        }),
    }
}

/// Prints one JSON object as one line of stdout.
pub fn print_json_line(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

impl Progress {
    pub fn new(total: usize, mode: Mode, style: Style) -> Progress {
        let bar = match mode {
            Mode::Bar => Some(new_bar(total, ProgressDrawTarget::stderr())),
            Mode::Lines | Mode::Json => None,
        };
        Progress::with_bar(total, bar, matches!(mode, Mode::Json), style)
    }

    fn with_bar(total: usize, bar: Option<ProgressBar>, json: bool, style: Style) -> Progress {
        Progress {
            inner: Arc::new(Mutex::new(Inner {
                in_flight: BTreeMap::new(),
                done: 0,
                failed: 0,
                total,
                started: Instant::now(),
                style,
            })),
            bar,
            json,
        }
    }

    /// Prints a resource line on stdout; with a bar, while the bar is
    /// hidden, so that the two never mix on the terminal.
    fn print(&self, line: &str) {
        let write = || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// The bar's message: what is in flight.
    fn update_bar(&self, inner: &Inner) {
        if let Some(bar) = &self.bar {
            bar.set_position((inner.done + inner.failed) as u64);
            bar.set_message(in_flight_names(inner));
        }
    }

    pub fn sink(&self) -> EventSink {
        let progress = self.clone();
        Arc::new(move |event| progress.handle(event))
    }

    fn handle(&self, event: ApplyEvent) {
        log_event(&event);
        if self.json {
            print_json_line(&event_json(&event));
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let line = apply_line(&mut inner, event);
        if !self.json {
            self.print(&line);
        }
        self.update_bar(&inner);
    }

    /// The CI heartbeat (in `Mode::Lines` only: a bar shows the same live).
    pub fn spawn_ticker(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.bar.is_some() || self.json {
            return None;
        }
        let progress = self.clone();
        Some(tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(10));
            interval.tick().await;
            loop {
                interval.tick().await;
                let line = match progress.inner.lock() {
                    Ok(inner) => heartbeat(&inner),
                    Err(_) => return,
                };
                if let Some(line) = line {
                    progress.print(&line);
                }
            }
        }))
    }

    /// Removes the bar before the final summary.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn new_bar(total: usize, target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    // The template is a constant: it cannot fail to parse.
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} done [{elapsed}] {wide_msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Updates the counts for an event and returns its line.
fn apply_line(inner: &mut Inner, event: ApplyEvent) -> String {
    let style = inner.style;
    match event {
        ApplyEvent::Started { address, action } => {
            let line = format!("{address}: {}", doing(action));
            inner.in_flight.insert(address, (action, Instant::now()));
            line
        }
        ApplyEvent::Progress { address, message } => format!("{address}: {message}"),
        // Terraform's form for what a provisioner prints.
        ApplyEvent::Output {
            address,
            provisioner,
            line,
        } => format!("{address} ({provisioner}): {line}"),
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
        } => {
            inner.in_flight.remove(&address);
            inner.done += 1;
            format!(
                "{address}: {} after {}",
                done_word(action),
                seconds(elapsed)
            )
        }
        ApplyEvent::Failed {
            address,
            action,
            message,
        } => {
            inner.in_flight.remove(&address);
            inner.failed += 1;
            let first_line = message.lines().next().unwrap_or_default();
            style.red(&format!(
                "{address}: {} failed: {first_line}",
                doing(action).trim_end_matches("...")
            ))
        }
        ApplyEvent::Skipped { address, reason } => {
            let why = match reason {
                SkipReason::DependencyFailed => "a resource it depends on failed",
                SkipReason::Interrupted => "the apply was interrupted",
            };
            format!("{address}: skipped because {why}")
        }
    }
}

/// Up to five of the operations in flight, with how long each has run.
fn in_flight_names(inner: &Inner) -> String {
    let names: Vec<String> = inner
        .in_flight
        .iter()
        .take(5)
        .map(|(a, (_, since))| format!("{a} [{}]", seconds(since.elapsed())))
        .collect();
    let more = inner.in_flight.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

/// The heartbeat line, when something is in flight.
fn heartbeat(inner: &Inner) -> Option<String> {
    if inner.in_flight.is_empty() {
        return None;
    }
    Some(format!(
        "Still applying ({} elapsed, {} of {} done): {}",
        seconds(inner.started.elapsed()),
        inner.done,
        inner.total,
        in_flight_names(inner)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(address: &str) -> ApplyEvent {
        ApplyEvent::Started {
            address: address.to_string(),
            action: Action::Create,
        }
    }

    fn finished(address: &str) -> ApplyEvent {
        ApplyEvent::Finished {
            address: address.to_string(),
            action: Action::Create,
            elapsed: Duration::from_secs(2),
        }
    }

    #[test]
    fn the_bar_counts_finished_operations_and_names_those_in_flight() {
        let bar = new_bar(3, ProgressDrawTarget::hidden());
        let progress = Progress::with_bar(3, Some(bar.clone()), false, Style { color: false });
        let sink = progress.sink();
        sink(started("aws_vpc.main"));
        sink(started("aws_s3_bucket.assets"));
        sink(finished("aws_vpc.main"));
        assert_eq!(bar.position(), 1);
        assert_eq!(bar.length(), Some(3));
        assert!(
            bar.message().starts_with("aws_s3_bucket.assets ["),
            "{}",
            bar.message()
        );
        progress.finish();
        assert!(bar.is_finished());
    }

    #[test]
    fn the_ci_heartbeat_names_what_is_in_flight() {
        let progress = Progress::with_bar(7, None, false, Style { color: false });
        let mut inner = progress.inner.lock().unwrap();
        assert_eq!(heartbeat(&inner), None);
        for n in 0..6 {
            apply_line(&mut inner, started(&format!("null_resource.n{n}")));
        }
        apply_line(&mut inner, finished("null_resource.n0"));
        let line = heartbeat(&inner).unwrap();
        assert!(
            line.starts_with("Still applying (0s elapsed, 1 of 7 done): null_resource.n1 [0s]"),
            "{line}"
        );
        assert!(line.ends_with("null_resource.n5 [0s]"), "{line}");
        apply_line(&mut inner, started("null_resource.n6"));
        assert!(heartbeat(&inner).unwrap().ends_with(" and 1 more"));
    }

    #[test]
    fn json_events_carry_the_address_action_and_time() {
        assert_eq!(
            event_json(&finished("aws_vpc.main")).to_string(),
            r#"{"type":"apply_complete","address":"aws_vpc.main","action":"create","elapsed_seconds":2.0}"#
        );
        let skipped = ApplyEvent::Skipped {
            address: "a.b".to_string(),
            reason: SkipReason::DependencyFailed,
        };
        assert_eq!(event_json(&skipped)["reason"], "dependency_failed");
    }
}
