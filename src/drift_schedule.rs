//! `stack drift --schedule CRON` and `--once`: checks stacks on a cron
//! schedule, keeps a history of JSON lines, and notifies a chat webhook
//! when a stack's drift status changes — never twice for the same drift.
//!
//! The schedule is parsed by `croner` (5 fields, or 6 with leading
//! seconds; times in UTC). Stacks are checked one after another, and the
//! next time is computed after a round ends, so a stack never has two
//! checks running and a slow round skips the times it overran. What was
//! last notified is kept per stack, in memory and in the history file (its
//! `fingerprint`), so that `--once` runs from a CronJob do not repeat a
//! notification either.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::drift_commands::{check, combined_exit_code, DriftArgs, DriftFormat, Record, StackRef};
use crate::render::Style;

/// How many times a notification is tried, and the pause before each retry.
const NOTIFY_ATTEMPTS: u32 = 3;
const NOTIFY_BACKOFF: Duration = Duration::from_millis(500);
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed `--schedule`.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    expression: String,
}

impl Schedule {
    /// The first time after `now` the schedule fires.
    pub fn next_after(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, String> {
        self.cron
            .find_next_occurrence(&now, false)
            .map_err(|e| format!("the schedule {:?} has no next time: {e}", self.expression))
    }
}

/// Parses a cron expression: the standard 5 fields, or 6 with seconds first.
pub fn parse_schedule(expression: &str) -> Result<Schedule, String> {
    let fields = expression.split_whitespace().count();
    let shape = if (5..=6).contains(&fields) || expression.trim().starts_with('@') {
        Ok(())
    } else {
        Err(format!("it has {fields} field(s)"))
    };
    let parser = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .build();
    shape
        .and_then(|()| parser.parse(expression).map_err(|e| e.to_string()))
        .map(|cron| Schedule {
            cron,
            expression: expression.to_string(),
        })
        .map_err(|e| {
            format!("invalid cron expression {expression:?}: {e}. Use 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 */6 * * *\" (a 6th, leading seconds field is accepted)")
        })
}

/// A webhook URL must be http or https; it is never printed whole (a
/// Slack webhook's path is its secret).
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("invalid --notify URL: {e}; give the webhook's http(s) URL"))?;
    match parsed.scheme() {
        "http" | "https" => Ok(()),
        other => Err(format!(
            "invalid --notify URL: the scheme is {other:?}; give the webhook's http(s) URL"
        )),
    }
}

/// The webhook's host, to name it in messages without its secret path.
fn webhook_host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the webhook".to_string())
}

/// Keeps, per stack, the fingerprint of the drift last reported, the
/// history file and the webhook.
pub struct Watcher {
    previous: HashMap<String, String>,
    history: Option<PathBuf>,
    notify: Option<String>,
    client: reqwest::Client,
}

impl Watcher {
    /// Starts from the history file's last line per stack, if there is one.
    pub fn new(args: &DriftArgs) -> Watcher {
        let previous = args
            .history
            .as_deref()
            .map(read_history)
            .unwrap_or_default();
        // Absolute: each check enters its stack's directory.
        let history = args
            .history
            .as_ref()
            .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()));
        Watcher {
            previous,
            history,
            notify: args.notify.clone(),
            client: reqwest::Client::builder()
                .timeout(NOTIFY_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// One scheduled check of every stack: one printed line each, history
    /// and notifications. Returns the combined exit code.
    pub async fn round(&mut self, stacks: &[StackRef], args: &DriftArgs) -> u8 {
        let mut outcomes = Vec::new();
        for stack in stacks {
            let record = check(stack, args, Style { color: false }).await;
            println!("{}", line(&record, args.format));
            self.keep(&record).await;
            outcomes.push(record.outcome);
        }
        combined_exit_code(outcomes.iter())
    }

    /// Appends the record to the history, and notifies when the stack's
    /// drift status changed.
    pub async fn keep(&mut self, record: &Record) {
        let fingerprint = record.outcome.fingerprint();
        if let Some(path) = &self.history {
            if let Err(e) = append_history(path, record, fingerprint.as_deref()) {
                eprintln!(
                    "Warning: cannot append to the history file {}: {e}",
                    path.display()
                );
            }
        }
        let Some(fingerprint) = fingerprint else {
            return; // An apply in progress says nothing about drift.
        };
        let previous = self
            .previous
            .insert(record.stack.clone(), fingerprint.clone())
            .unwrap_or_default();
        if previous == fingerprint {
            return;
        }
        if let Some(url) = &self.notify {
            let had_drift = !previous.is_empty() && !previous.starts_with("error:");
            let payload = engine::render::drift::notification(&record.document(), had_drift);
            notify(&self.client, url, &payload).await;
        }
    }
}

/// What a scheduled check prints: its summary, or its JSON document.
fn line(record: &Record, format: DriftFormat) -> String {
    match format {
        DriftFormat::Json => engine::render::drift::json(&record.document()).to_string(),
        _ => engine::render::drift::summary_line(&record.stack, &record.outcome),
    }
}

/// The history's last fingerprint per stack; lines that are not drift
/// documents are skipped.
fn read_history(path: &std::path::Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut previous = HashMap::new();
    for line in text.lines() {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let (Some(stack), Some(fingerprint)) =
            (json["stack"].as_str(), json["fingerprint"].as_str())
        {
            previous.insert(stack.to_string(), fingerprint.to_string());
        }
    }
    previous
}

fn append_history(
    path: &std::path::Path,
    record: &Record,
    fingerprint: Option<&str>,
) -> std::io::Result<()> {
    let mut json = engine::render::drift::json(&record.document());
    if let Some(fingerprint) = fingerprint {
        json["fingerprint"] = fingerprint.into();
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One write per line, so that concurrent appenders never interleave.
    file.write_all(format!("{json}\n").as_bytes())
}

/// Posts the payload, retrying; a failure is logged, never fatal.
async fn notify(client: &reqwest::Client, url: &str, payload: &serde_json::Value) {
    let host = webhook_host(url);
    let mut failure = String::new();
    for attempt in 1..=NOTIFY_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(NOTIFY_BACKOFF * 2u32.pow(attempt - 2)).await;
        }
        match client.post(url).json(payload).send().await {
            Ok(response) if response.status().is_success() => {
                tracing::info!(host = %host, attempt, "drift notification sent");
                return;
            }
            Ok(response) => failure = format!("it answered {}", response.status()),
            // The error names the URL, whose path is the webhook's secret.
            Err(e) => failure = e.without_url().to_string(),
        }
        tracing::warn!(host = %host, attempt, failure = %failure, "drift notification failed");
    }
    eprintln!(
        "Warning: the drift notification to {host} failed after {NOTIFY_ATTEMPTS} attempts ({failure}); checking goes on."
    );
}

/// SIGTERM or SIGINT, whichever comes first.
struct Stop {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Stop {
    fn new() -> Result<Stop, String> {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind| signal(kind).map_err(|e| format!("cannot listen for signals: {e}"));
        Ok(Stop {
            terminate: listen(SignalKind::terminate())?,
            interrupt: listen(SignalKind::interrupt())?,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Checks the stacks on the schedule until SIGTERM or SIGINT. A check
/// interrupted by the signal is abandoned: drift holds no lock and writes
/// no state, so there is nothing to clean up. Exits 0 when stopped.
pub async fn run_forever(stacks: &[StackRef], args: &DriftArgs, schedule: &Schedule) -> u8 {
    let mut stop = match Stop::new() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let mut watcher = Watcher::new(args);
    eprintln!(
        "Checking {} stack(s) for drift on {:?} (UTC) until stopped.",
        stacks.len(),
        schedule.expression
    );
    loop {
        let now = chrono::Utc::now();
        let next = match schedule.next_after(now) {
            Ok(next) => next,
            Err(e) => {
                eprintln!("Error: {e}");
                return 1;
            }
        };
        let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait() => {
                eprintln!("Stopped.");
                return 0;
            }
        }
        tokio::select! {
            _ = watcher.round(stacks, args) => {}
            _ = stop.wait() => {
                eprintln!("Stopped during a check, which was abandoned (drift takes no lock and writes no state).");
                return 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fields_are_standard_six_have_seconds_and_others_are_refused() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-01T10:07:30Z".parse().unwrap();
        let every_six_hours = parse_schedule("0 */6 * * *").unwrap();
        assert_eq!(
            every_six_hours.next_after(now).unwrap().to_rfc3339(),
            "2026-12-01T12:00:00+00:00"
        );
        let every_second = parse_schedule("* * * * * *").unwrap();
        assert_eq!(
            every_second.next_after(now).unwrap().to_rfc3339(),
            "2026-12-01T10:07:31+00:00"
        );
        for bad in ["* * * *", "61 * * * *", "0 0 1 1 * 2027", "every hour", ""] {
            let error = parse_schedule(bad).unwrap_err();
            assert!(error.starts_with("invalid cron expression"), "{error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn webhook_urls_must_be_http_and_are_named_by_host_only() {
        assert!(check_url("https://hooks.slack.com/services/T0/B0/secret").is_ok());
        assert!(check_url("ftp://example.com/x").is_err());
        assert!(check_url("not a url").is_err());
        assert_eq!(
            webhook_host("https://hooks.slack.com/services/T0/B0/secret"),
            "hooks.slack.com"
        );
    }
}
