//! Apply progress. On a terminal: a status line kept at the bottom (done /
//! in flight / waiting, elapsed time) under the per-resource lines. Without
//! one (CI): a line per finished resource and a heartbeat every 10 seconds
//! naming what is still in flight, so a log never goes silent for minutes.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::apply::{ApplyEvent, EventSink, SkipReason};
use engine::plan::Action;

use crate::render::Style;

struct Inner {
    in_flight: BTreeMap<String, (Action, Instant)>,
    done: usize,
    failed: usize,
    total: usize,
    started: Instant,
    tty: bool,
    style: Style,
    status_shown: bool,
}

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
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

impl Progress {
    pub fn new(total: usize, tty: bool, style: Style) -> Progress {
        Progress {
            inner: Arc::new(Mutex::new(Inner {
                in_flight: BTreeMap::new(),
                done: 0,
                failed: 0,
                total,
                started: Instant::now(),
                tty,
                style,
                status_shown: false,
            })),
        }
    }

    fn print(inner: &mut Inner, line: &str) {
        let mut out = std::io::stdout().lock();
        if inner.tty && inner.status_shown {
            let _ = write!(out, "\r\x1b[2K");
        }
        let _ = writeln!(out, "{line}");
        if inner.tty {
            let status = Self::status(inner);
            let _ = write!(out, "{status}");
            inner.status_shown = true;
        }
        let _ = out.flush();
    }

    fn status(inner: &Inner) -> String {
        let waiting = inner
            .total
            .saturating_sub(inner.done + inner.failed + inner.in_flight.len());
        inner.style.bold(&format!(
            "[{} done, {} in flight, {} waiting] {}",
            inner.done,
            inner.in_flight.len(),
            waiting,
            seconds(inner.started.elapsed())
        ))
    }

    pub fn sink(&self) -> EventSink {
        let progress = self.clone();
        Arc::new(move |event| progress.handle(event))
    }

    fn handle(&self, event: ApplyEvent) {
        log_event(&event);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let style = inner.style;
        match event {
            ApplyEvent::Started { address, action } => {
                inner
                    .in_flight
                    .insert(address.clone(), (action, Instant::now()));
                Self::print(&mut inner, &format!("{address}: {}", doing(action)));
            }
            ApplyEvent::Progress { address, message } => {
                Self::print(&mut inner, &format!("{address}: {message}"));
            }
            // Terraform's form for what a provisioner prints.
            ApplyEvent::Output {
                address,
                provisioner,
                line,
            } => {
                Self::print(&mut inner, &format!("{address} ({provisioner}): {line}"));
            }
            ApplyEvent::Finished {
                address,
                action,
                elapsed,
            } => {
                inner.in_flight.remove(&address);
                inner.done += 1;
                Self::print(
                    &mut inner,
                    &format!(
                        "{address}: {} after {}",
                        done_word(action),
                        seconds(elapsed)
                    ),
                );
            }
            ApplyEvent::Failed {
                address,
                action,
                message,
            } => {
                inner.in_flight.remove(&address);
                inner.failed += 1;
                let first_line = message.lines().next().unwrap_or_default().to_string();
                Self::print(
                    &mut inner,
                    &style.red(&format!(
                        "{address}: {} failed: {first_line}",
                        doing(action).trim_end_matches("...")
                    )),
                );
            }
            ApplyEvent::Skipped { address, reason } => {
                let why = match reason {
                    SkipReason::DependencyFailed => "a resource it depends on failed",
                    SkipReason::Interrupted => "the apply was interrupted",
                };
                Self::print(&mut inner, &format!("{address}: skipped because {why}"));
            }
        }
    }

    /// Ticks: the heartbeat without a terminal, the status redraw with one.
    pub fn spawn_ticker(&self) -> tokio::task::JoinHandle<()> {
        let progress = self.clone();
        tokio::spawn(async move {
            let tty = progress.inner.lock().map(|i| i.tty).unwrap_or(false);
            let period = if tty {
                Duration::from_millis(500)
            } else {
                Duration::from_secs(10)
            };
            let mut interval = tokio::time::interval(period);
            interval.tick().await;
            loop {
                interval.tick().await;
                let Ok(mut inner) = progress.inner.lock() else {
                    return;
                };
                if inner.tty {
                    let status = Self::status(&inner);
                    let mut out = std::io::stdout().lock();
                    let _ = write!(out, "\r\x1b[2K{status}");
                    let _ = out.flush();
                    inner.status_shown = true;
                } else if !inner.in_flight.is_empty() {
                    let names: Vec<String> = inner
                        .in_flight
                        .iter()
                        .take(5)
                        .map(|(a, (_, since))| format!("{a} [{}]", seconds(since.elapsed())))
                        .collect();
                    let more = inner.in_flight.len().saturating_sub(5);
                    let line = format!(
                        "Still applying ({} elapsed, {} of {} done): {}{}",
                        seconds(inner.started.elapsed()),
                        inner.done,
                        inner.total,
                        names.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    );
                    Self::print(&mut inner, &line);
                }
            }
        })
    }

    /// Clears the status line before the final summary.
    pub fn finish(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.tty && inner.status_shown {
                print!("\r\x1b[2K");
                let _ = std::io::stdout().flush();
                inner.status_shown = false;
            }
        }
    }
}
