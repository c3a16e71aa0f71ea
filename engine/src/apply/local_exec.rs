//! Running `local-exec` provisioners on the machine running `stack`: the
//! command is started with its interpreter and environment, and its output
//! is streamed line by line as events named after the object, which the
//! binary shows as Terraform does (`ADDR (local-exec): LINE`).
//!
//! A provisioner whose configuration holds a sensitive value shows neither
//! its command nor its output, and its error names neither: Terraform
//! suppresses the output the same way (though its error message still
//! quotes the command and output; ours does not).

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use crate::diagnostics::{Diagnostic, Span};
use crate::provisioner::{LocalExec, OnFailure, LOCAL_EXEC};

use super::{ApplyEvent, EventSink};

/// What is shown instead of each line when the configuration is sensitive.
pub const SUPPRESSED: &str = "(output suppressed due to sensitive value in config)";
/// What is shown instead of each line when the configuration is ephemeral.
pub const SUPPRESSED_EPHEMERAL: &str = "(output suppressed due to ephemeral value in config)";

impl LocalExec {
    /// What replaces each output line, when the output may not be shown.
    fn suppressed(&self) -> Option<&'static str> {
        if self.sensitive {
            Some(SUPPRESSED)
        } else if self.ephemeral {
            Some(SUPPRESSED_EPHEMERAL)
        } else {
            None
        }
    }
}

/// At most this many of the last output lines are quoted in an error.
const ERROR_OUTPUT_LINES: usize = 100;

/// Runs an object's provisioners in order. A failure stops the sequence
/// unless its block says `on_failure = continue`; none starts once the
/// apply is interrupted, and that counts as a failure.
pub async fn run_all(
    provisioners: &[LocalExec],
    label: &str,
    events: &EventSink,
    cancel: &AtomicBool,
) -> Result<(), Failure> {
    for exec in provisioners {
        if cancel.load(Ordering::SeqCst) {
            return Err(Failure::new(
                exec,
                "The apply was interrupted before this provisioner started, so it did not run.",
            ));
        }
        events(ApplyEvent::Progress {
            address: label.to_string(),
            message: format!("Provisioning with '{LOCAL_EXEC}'..."),
        });
        match run(exec, label, events).await {
            Ok(()) => {}
            Err(message) if exec.on_failure == OnFailure::Continue => {
                events(ApplyEvent::Progress {
                    address: label.to_string(),
                    message: format!("Ignoring the failure (on_failure = continue): {message}"),
                });
            }
            Err(message) => return Err(Failure::new(exec, &message)),
        }
    }
    Ok(())
}

/// Why a provisioner failed, and which block it was.
pub struct Failure {
    pub message: String,
    span: Option<Span>,
}

impl Failure {
    fn new(exec: &LocalExec, message: &str) -> Failure {
        Failure {
            message: message.to_string(),
            span: exec.span.clone(),
        }
    }

    /// Terraform's summary; the detail names the object (one of several
    /// instances of the block).
    pub fn diagnostic(&self, label: &str) -> Diagnostic {
        Diagnostic::error(
            "local-exec provisioner error",
            format!("{label}: {}", self.message),
        )
        .with_span(self.span.clone())
    }
}

/// Runs one command to its end, streaming its output (stdout and stderr,
/// as they come); the error is Terraform's message for a failed command.
async fn run(exec: &LocalExec, label: &str, events: &EventSink) -> Result<(), String> {
    let output = |line: String| {
        events(ApplyEvent::Output {
            address: label.to_string(),
            provisioner: LOCAL_EXEC.to_string(),
            line: exec.suppressed().map_or(line, str::to_string),
        })
    };
    let mut argv = exec.interpreter.clone();
    argv.push(exec.command.clone());
    if exec.quiet {
        events(ApplyEvent::Output {
            address: label.to_string(),
            provisioner: LOCAL_EXEC.to_string(),
            line: "local-exec: Executing: Suppressed by quiet=true".to_string(),
        });
    } else {
        output(format!("Executing: {}", go_quoted_list(&argv)));
    }
    let shown_command = if exec.suppressed().is_some() {
        "(not shown: it contains a sensitive or ephemeral value)".to_string()
    } else {
        format!("'{}'", exec.command)
    };
    let mut child =
        spawn(exec, &argv).map_err(|e| format!("Error running command {shown_command}: {e}."))?;
    let tail = stream_output(&mut child, output).await;
    let status = child
        .wait()
        .await
        .map_err(|e| format!("Error running command {shown_command}: {e}."))?;
    if status.success() {
        return Ok(());
    }
    let mut message = format!(
        "Error running command {shown_command}: {}.",
        describe_status(status)
    );
    if exec.suppressed().is_none() {
        message.push_str(&format!(" Output: {}", tail.join("\n")));
    }
    Err(message)
}

/// Starts the interpreter with the command as its last argument, in the
/// block's working directory, with its environment added to ours.
fn spawn(exec: &LocalExec, argv: &[String]) -> Result<tokio::process::Child, String> {
    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .envs(&exec.environment)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &exec.working_dir {
        command.current_dir(dir);
    }
    command.spawn().map_err(|e| {
        let dir = exec
            .working_dir
            .as_ref()
            .map(|d| format!(" in {d:?}"))
            .unwrap_or_default();
        format!("{:?} could not be started{dir}: {e}", argv[0])
    })
}

/// Passes each line the command prints to `output` until both its
/// streams end; returns the last lines, for the error message.
async fn stream_output(child: &mut tokio::process::Child, output: impl Fn(String)) -> Vec<String> {
    let (sender, mut lines) = mpsc::unbounded_channel();
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(forward_lines(stdout, sender.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(forward_lines(stderr, sender));
    }
    let mut tail = std::collections::VecDeque::new();
    while let Some(line) = lines.recv().await {
        if tail.len() == ERROR_OUTPUT_LINES {
            tail.pop_front();
        }
        tail.push_back(line.clone());
        output(line);
    }
    tail.into()
}

/// Sends each line of a stream (without its line ending; bytes that are
/// not UTF-8 replaced) until the stream ends.
async fn forward_lines(stream: impl AsyncRead + Unpin, sender: mpsc::UnboundedSender<String>) {
    let mut reader = BufReader::new(stream);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                while matches!(buffer.last(), Some(b'\n' | b'\r')) {
                    buffer.pop();
                }
                if sender
                    .send(String::from_utf8_lossy(&buffer).into_owned())
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// How a command ended, in Go's words (Terraform's message quotes them).
fn describe_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(2) => "signal: interrupt".to_string(),
        Some(9) => "signal: killed".to_string(),
        Some(15) => "signal: terminated".to_string(),
        Some(n) => format!("signal: {n}"),
        None => status.to_string(),
    }
}

/// A list of strings as Go's `%q` prints it (`["/bin/sh" "-c" "echo"]`),
/// which is how Terraform shows the command it runs.
pub fn go_quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_as_go_quotes_them() {
        let argv = ["/bin/sh", "-c", "echo \"hi\"\tthere\\ é\u{1}"].map(str::to_string);
        assert_eq!(
            go_quoted_list(&argv),
            r#"["/bin/sh" "-c" "echo \"hi\"\tthere\\ é\x01"]"#
        );
    }
}
