//! `stack drift`: checks one or many stacks for changes made outside stack,
//! once or on a cron schedule (`crate::drift_schedule`). The check itself
//! is the engine's (`engine::drift`); this module opens each stack's state
//! without its lock, says so when an apply holds the lock, prints the
//! report and keeps the exit code: 0 no drift, 2 drift, 1 error.

use std::path::{Path, PathBuf};

use engine::diagnostics::Diagnostics;
use engine::drift::{DriftOptions, Outcome};
use engine::render::drift::Document;

use crate::commands::Session;
use crate::render::Style;
use crate::VarArgs;

/// How `stack drift` prints a report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DriftFormat {
    /// For people.
    #[default]
    Text,
    /// stack's JSON drift document (docs/drift-schema.json).
    Json,
    /// A markdown comment (an issue, a job summary).
    Markdown,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct DriftArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Output format: text, json or markdown. On a schedule (and with
    /// --once) each check prints one line: its summary, or with json its
    /// whole document.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    pub format: DriftFormat,
    /// Compare every attribute in state, not only those the templates set.
    #[arg(long)]
    pub all_attributes: bool,
    /// Also report objects of the managed types, in the same account and
    /// region, that no state of this stack knows (found by listing; the
    /// stack block's `drift { exclude_tags, exclude_ids }` leaves some out).
    #[arg(long)]
    pub unmanaged: bool,
    /// Check the stacks this file lists, one a line: `DIR` or `DIR WORKSPACE`
    /// (blank lines and `#` comments skipped; DIR relative to the file).
    #[arg(long, value_name = "FILE")]
    pub dirs_file: Option<PathBuf>,
    /// Check on this cron schedule (UTC), in the foreground until SIGTERM or
    /// SIGINT: the standard 5 fields (minute hour day-of-month month
    /// day-of-week, e.g. "0 */6 * * *"); a 6th leading seconds field is
    /// also accepted.
    #[arg(long, value_name = "CRON", conflicts_with = "once")]
    pub schedule: Option<String>,
    /// One scheduled check and exit (for a Kubernetes CronJob or system
    /// cron): one line per stack, the history line, a notification when the
    /// drift status changed since the last line of --history.
    #[arg(long)]
    pub once: bool,
    /// Append each check's JSON drift document as one line to FILE.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Post a Slack-compatible message (Slack, Mattermost incoming webhooks)
    /// to URL when drift appears, changes or is resolved, or a check fails.
    /// A webhook URL is a secret: prefer the environment variable to the
    /// command line, which other users of the machine can see.
    #[arg(
        long,
        value_name = "URL",
        env = "STACK_DRIFT_WEBHOOK",
        hide_env_values = true
    )]
    pub notify: Option<String>,
}

/// One stack to check: its directory as given (for reports) and made
/// absolute (checking a stack enters its directory, so a relative path
/// would be read from the previous stack's), and the workspace if the dirs
/// file names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRef {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub workspace: Option<String>,
}

impl StackRef {
    fn new(dir: PathBuf, workspace: Option<&str>) -> StackRef {
        StackRef {
            path: std::path::absolute(&dir).unwrap_or_else(|_| dir.clone()),
            dir,
            workspace: workspace.map(str::to_string),
        }
    }
}

impl StackRef {
    /// The name a report shows: the directory as given, with a workspace
    /// named in the dirs file.
    pub fn label(&self) -> String {
        let dir = self.dir.display().to_string();
        match &self.workspace {
            Some(workspace) => format!("{dir} ({workspace})"),
            None => dir,
        }
    }
}

/// One check of one stack, as the history keeps it.
#[derive(Debug, Clone)]
pub struct Record {
    pub stack: String,
    pub workspace: String,
    pub checked_at: String,
    pub outcome: Outcome,
}

impl Record {
    pub fn document(&self) -> Document<'_> {
        Document {
            stack: &self.stack,
            workspace: &self.workspace,
            checked_at: &self.checked_at,
            outcome: &self.outcome,
        }
    }
}

/// `stack drift`.
pub async fn run(dirs: &[PathBuf], workspace: Option<&str>, args: &DriftArgs, style: Style) -> u8 {
    let stacks = match stacks(dirs, args.dirs_file.as_deref(), workspace) {
        Ok(stacks) => stacks,
        Err(e) => return fail(&e),
    };
    if let Some(url) = &args.notify {
        if let Err(e) = crate::drift_schedule::check_url(url) {
            return fail(&e);
        }
    }
    if let Some(expression) = &args.schedule {
        let schedule = match crate::drift_schedule::parse_schedule(expression) {
            Ok(schedule) => schedule,
            Err(e) => return fail(&e),
        };
        return crate::drift_schedule::run_forever(&stacks, args, &schedule).await;
    }
    if args.once {
        let mut watcher = crate::drift_schedule::Watcher::new(args);
        return watcher.round(&stacks, args).await;
    }
    check_and_print(&stacks, args, style).await
}

/// One check of each stack, each report printed in full.
async fn check_and_print(stacks: &[StackRef], args: &DriftArgs, style: Style) -> u8 {
    let mut records = Vec::new();
    for stack in stacks {
        records.push(check(stack, args, style).await);
    }
    let mut watcher = crate::drift_schedule::Watcher::new(args);
    for record in &records {
        watcher.keep(record).await;
    }
    print!("{}", documents(&records, args.format, style));
    combined_exit_code(records.iter().map(|r| &r.outcome))
}

/// The reports of a run, in one format.
fn documents(records: &[Record], format: DriftFormat, style: Style) -> String {
    match format {
        DriftFormat::Json if records.len() == 1 => {
            let json = engine::render::drift::json(&records[0].document());
            format!("{json:#}\n")
        }
        DriftFormat::Json => {
            let all: Vec<serde_json::Value> = records
                .iter()
                .map(|r| engine::render::drift::json(&r.document()))
                .collect();
            format!("{:#}\n", serde_json::Value::Array(all))
        }
        DriftFormat::Markdown => records
            .iter()
            .map(|r| engine::render::drift::markdown(&r.document()))
            .collect::<Vec<_>>()
            .join("\n"),
        DriftFormat::Text => {
            let mut out = String::new();
            for record in records {
                // An error goes to stderr, as every command's errors do.
                if let Outcome::Failed { error } = &record.outcome {
                    eprintln!("Error: {}: {error}", record.stack);
                    continue;
                }
                if records.len() > 1 {
                    out.push_str(&style.bold(&format!("== {} ==", record.stack)));
                    out.push('\n');
                }
                let lines = engine::render::drift::text(&record.document());
                out.push_str(&crate::render::paint(&lines, style));
            }
            out
        }
    }
}

/// Several stacks: an error wins over drift, drift over none.
pub fn combined_exit_code<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> u8 {
    let codes: Vec<u8> = outcomes.map(Outcome::exit_code).collect();
    if codes.contains(&1) {
        1
    } else {
        codes.into_iter().max().unwrap_or(0)
    }
}

fn fail(message: &str) -> u8 {
    eprintln!("Error: {message}");
    1
}

/// The stacks to check: every `--dir`, then the dirs file's lines; the
/// current directory when there are none.
pub fn stacks(
    dirs: &[PathBuf],
    dirs_file: Option<&Path>,
    workspace: Option<&str>,
) -> Result<Vec<StackRef>, String> {
    let mut stacks: Vec<StackRef> = dirs
        .iter()
        .map(|dir| StackRef::new(dir.clone(), workspace))
        .collect();
    if let Some(file) = dirs_file {
        stacks.extend(read_dirs_file(file, workspace)?);
    }
    if stacks.is_empty() {
        stacks.push(StackRef::new(PathBuf::from("."), workspace));
    }
    Ok(stacks)
}

fn read_dirs_file(file: &Path, workspace: Option<&str>) -> Result<Vec<StackRef>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the dirs file {}: {e}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut stacks = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let dir = words.next().unwrap_or_default();
        let named = words.next();
        if words.next().is_some() {
            return Err(format!(
                "{}:{}: expected `DIR` or `DIR WORKSPACE`, found {line:?}",
                file.display(),
                number + 1
            ));
        }
        stacks.push(StackRef::new(base.join(dir), named.or(workspace)));
    }
    Ok(stacks)
}

/// Checks one stack; never fails: a failure is the record's outcome, one
/// line naming the cause (the full diagnostics go to stderr).
pub async fn check(stack: &StackRef, args: &DriftArgs, style: Style) -> Record {
    let checked_at = engine::functions::now_rfc3339();
    let label = stack.label();
    let dir = match stack.path.canonicalize() {
        Ok(dir) => dir,
        Err(e) => {
            let error = format!(
                "the stack directory {} cannot be used: {e}",
                stack.dir.display()
            );
            return failed(label, String::new(), checked_at, error);
        }
    };
    // Relative paths in templates (file(), local_file) are relative to the
    // stack directory; stacks are checked one at a time, so this is safe.
    if let Err(e) = std::env::set_current_dir(&dir) {
        let error = format!("cannot enter {}: {e}", dir.display());
        return failed(label, String::new(), checked_at, error);
    }
    let workspace = crate::workspace_commands::current(&dir, stack.workspace.as_deref());
    let mut session = Session::new(dir, workspace.clone(), style);
    let options = DriftOptions {
        all_attributes: args.all_attributes,
        unmanaged: args.unmanaged,
    };
    let outcome = inspect(&mut session, &args.vars, options)
        .await
        .unwrap_or_else(|error| Outcome::Failed { error });
    tracing::info!(stack = %label, outcome = %engine::render::drift::summary_line(&label, &outcome), "drift check");
    Record {
        stack: label,
        workspace,
        checked_at,
        outcome,
    }
}

fn failed(stack: String, workspace: String, checked_at: String, error: String) -> Record {
    Record {
        stack,
        workspace,
        checked_at,
        outcome: Outcome::Failed { error },
    }
}

/// Reads the state without the lock, and compares the live objects with
/// it. A held lock means an apply is changing things: that is reported
/// instead of drift (checked again after the refresh, which takes a while).
async fn inspect(
    session: &mut Session,
    vars: &VarArgs,
    options: DriftOptions,
) -> Result<Outcome, String> {
    let backend = open_backend(session)?;
    if let Some(outcome) = apply_in_progress(&*backend)? {
        return Ok(outcome);
    }
    let loaded = backend
        .load()
        .map_err(|e| format!("cannot read the state at {}: {e}", backend.location()))?;
    let Some(loaded) = loaded else {
        return Err(format!(
            "no state at {}: nothing was applied in workspace \"{}\" (run `stack apply` first, or check --workspace)",
            backend.location(),
            session.workspace()
        ));
    };
    let (ctx, diags) = crate::commands::load(session, Some(vars), None)
        .map_err(|diags| report_failure(session, &diags))?;
    if diags.has_errors() {
        return Err(report_failure(session, &diags));
    }
    let (report, warnings) = engine::drift::check(&ctx, &loaded.state, options)
        .await
        .map_err(|diags| report_failure(session, &diags))?;
    session.report(&warnings);
    if let Some(outcome) = apply_in_progress(&*backend)? {
        return Ok(outcome);
    }
    Ok(Outcome::Checked(report))
}

fn apply_in_progress(backend: &dyn state::Backend) -> Result<Option<Outcome>, String> {
    let holder = backend
        .lock_holder()
        .map_err(|e| format!("cannot read the state lock at {}: {e}", backend.location()))?;
    Ok(holder.map(|h| Outcome::ApplyInProgress {
        holder: format!(
            "{} ({}, pid {} on {}, since {})",
            h.who, h.operation, h.pid, h.host, h.created
        ),
    }))
}

/// The state backend the templates configure, with one-line errors.
fn open_backend(session: &Session) -> Result<Box<dyn state::Backend>, String> {
    let (config, diags) = engine::config::load(session.dir());
    let configured = match engine::backend::backend_config(&config) {
        Ok(block) => block.unwrap_or_else(crate::workspace::local),
        Err(diags) => return Err(first_error(&diags)),
    };
    session.keep_config(config, diags);
    crate::workspace::check_initialised(session.dir(), session.workspace(), &configured)?;
    crate::workspace::open_backend(session.dir(), session.workspace(), Some(&configured))
        .map_err(|e| format!("cannot open the state backend: {e}"))
}

/// The one line a failed check reports. Problems in the templates are
/// also shown in full on stderr (the source underlined); others (a
/// provider that cannot be reached, expired credentials) say it all in the
/// line.
fn report_failure(session: &Session, diags: &Diagnostics) -> String {
    if diags.iter().any(|d| d.is_error() && d.span.is_some()) {
        session.report(diags);
    }
    first_error(diags)
}

/// The first error, on one line: summary, detail and where.
fn first_error(diags: &Diagnostics) -> String {
    let Some(error) = diags.iter().find(|d| d.is_error()) else {
        return "the check failed".to_string();
    };
    let mut line = format!("{}: {}", error.summary, error.detail);
    if let Some(span) = &error.span {
        let position = std::fs::read_to_string(&*span.file)
            .ok()
            .map(|text| crate::render::line_col(&text, span.range.start));
        if let Some((row, column)) = position {
            line.push_str(&format!(" ({}:{row}:{column})", span.file.display()));
        }
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}
