//! Rendering for people: diagnostics with the source line underlined (via
//! `miette`), and plans in Terraform's familiar `+ ~ - -/+` layout.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use engine::config::SourceFile;
use engine::diagnostics::{Diagnostic, Severity};
use engine::plan::{Action, OutputChange, Plan, ResourceChange};
use engine::value::{format_number, quote_string, Value};
use state::Mode;

/// Terminal styling, off under `--no-color`, `NO_COLOR` or a non-terminal.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

#[derive(Debug)]
struct MietteDiagnostic {
    summary: String,
    help: String,
    severity: Severity,
    source: Option<miette::NamedSource<String>>,
    labels: Vec<miette::LabeledSpan>,
}

impl std::fmt::Display for MietteDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.summary)
    }
}

impl std::error::Error for MietteDiagnostic {}

impl miette::Diagnostic for MietteDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn display_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Renders one diagnostic, with `file:line:col` and the source underlined.
pub fn diagnostic(d: &Diagnostic, files: &[SourceFile], base: &Path, style: Style) -> String {
    let file = d
        .span
        .as_ref()
        .and_then(|s| files.iter().find(|f| f.path == s.file));
    let mut help = d.detail.clone();
    let mut labels = Vec::new();
    let mut source = None;
    let mut location = String::new();
    if let (Some(span), Some(file)) = (&d.span, file) {
        let text: &str = &file.text;
        let range = file.locate(&span.range);
        let start = range.start.min(text.len());
        let end = range.end.clamp(start, text.len());
        let (line, col) = line_col(text, start);
        location = format!("{}:{line}:{col}", display_path(&file.path, base));
        source = Some(miette::NamedSource::new(
            display_path(&file.path, base),
            text.to_string(),
        ));
        labels.push(miette::LabeledSpan::new_primary_with_span(
            Some("here".to_string()),
            (
                start,
                end.max(start + 1).min(text.len()).saturating_sub(start),
            ),
        ));
        for related in &d.related {
            if related.span.file == span.file {
                let range = file.locate(&related.span.range);
                let s = range.start.min(text.len());
                let e = range.end.clamp(s, text.len());
                labels.push(miette::LabeledSpan::new_with_span(
                    Some(related.label.clone()),
                    (s, e - s),
                ));
            }
        }
    } else if let Some(span) = &d.span {
        location = display_path(&span.file, base);
    }
    for related in &d.related {
        let same_file = d.span.as_ref().is_some_and(|s| s.file == related.span.file);
        if !same_file {
            if let Some(f) = files.iter().find(|f| f.path == related.span.file) {
                let (line, col) = line_col(&f.text, f.locate(&related.span.range).start);
                let _ = write!(
                    help,
                    "\n{}: {}:{line}:{col}",
                    related.label,
                    display_path(&f.path, base)
                );
            }
        }
    }
    let rendered = MietteDiagnostic {
        summary: d.summary.clone(),
        help,
        severity: d.severity,
        source,
        labels,
    };
    let theme = if style.color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    // Never break a word at a hyphen: lock ids, --options and addresses
    // must stay whole so that they can be copied from the message.
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    if handler.render_report(&mut out, &rendered).is_err() || out.is_empty() {
        out = format!(
            "{}: {}\n  {}\n",
            if d.is_error() { "Error" } else { "Warning" },
            d.summary,
            d.detail
        );
    }
    if !location.is_empty() && !out.contains(&location) {
        out = format!("{location}: {out}");
    }
    out
}

/// The JSON form of a diagnostic, for `--json`.
pub fn diagnostic_json(d: &Diagnostic, files: &[SourceFile], base: &Path) -> serde_json::Value {
    let range = d.span.as_ref().and_then(|span| {
        let file = files.iter().find(|f| f.path == span.file)?;
        let range = file.locate(&span.range);
        let (line, column) = line_col(&file.text, range.start);
        let (end_line, end_column) = line_col(&file.text, range.end);
        Some(serde_json::json!({
            "filename": display_path(&span.file, base),
            "start": {"line": line, "column": column, "byte": range.start},
            "end": {"line": end_line, "column": end_column, "byte": range.end},
        }))
    });
    serde_json::json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "summary": d.summary,
        "detail": d.detail,
        "range": range,
    })
}

fn action_header(change: &ResourceChange) -> String {
    // A deposed object reads as Terraform says it: `x (deposed object ab12)`.
    let addr = change
        .address
        .parse::<engine::addrs::ObjectAddr>()
        .map(|a| a.describe())
        .unwrap_or_else(|_| change.address.clone());
    match (change.action, &change.previous_address, &change.importing) {
        (Action::NoOp, Some(previous), _) => return format!("# {previous} has moved to {addr}"),
        (Action::NoOp, None, Some(_)) => return format!("# {addr} will be imported"),
        _ => {}
    }
    match change.action {
        Action::Create => format!("# {addr} will be created"),
        Action::Update => format!("# {addr} will be updated in-place"),
        Action::Replace => format!("# {addr} must be replaced"),
        Action::Delete => format!("# {addr} will be destroyed"),
        Action::Read => format!("# {addr} will be read during apply"),
        Action::NoOp => format!("# {addr} is unchanged"),
        Action::Forget => {
            format!("# {addr} will no longer be managed by stack; the object is not destroyed")
        }
    }
}

fn marker(action: Action, cbd: bool, style: Style) -> String {
    match action {
        Action::Create => style.green("  +"),
        Action::Update => style.yellow("  ~"),
        Action::Replace if cbd => format!("{}{}", style.green("+"), style.red("/-")),
        Action::Replace => format!("{}{}", style.red("-/"), style.green("+")),
        Action::Delete => style.red("  -"),
        Action::Read => " <=".to_string(),
        Action::NoOp => "   ".to_string(),
        Action::Forget => "  .".to_string(),
    }
}

/// Renders a value compactly on one line, hiding sensitive parts.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::Unknown => "(known after apply)".to_string(),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n),
        Value::String(s) => quote_string(s),
        Value::List(items) | Value::Set(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn key(k: &str) -> String {
    if engine::addrs::is_identifier(k) {
        k.to_string()
    } else {
        quote_string(k)
    }
}

fn is_multiline(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.contains('\n'))
}

fn heredoc_diff(before: &str, after: &str, indent: &str, style: Style) -> String {
    let mut out = String::from("<<-EOT\n");
    let diff = similar::TextDiff::from_lines(before, after);
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let (sign, text) = match change.tag() {
            similar::ChangeTag::Equal => ("  ", line.to_string()),
            similar::ChangeTag::Delete => ("- ", line.to_string()),
            similar::ChangeTag::Insert => ("+ ", line.to_string()),
        };
        let sign = match change.tag() {
            similar::ChangeTag::Delete => style.red(sign),
            similar::ChangeTag::Insert => style.green(sign),
            similar::ChangeTag::Equal => sign.to_string(),
        };
        let _ = writeln!(out, "{indent}    {sign}{text}");
    }
    let _ = write!(out, "{indent}  EOT");
    out
}

fn heredoc(text: &str, indent: &str) -> String {
    let mut out = String::from("<<-EOT\n");
    for line in text.trim_end_matches('\n').split('\n') {
        let _ = writeln!(out, "{indent}      {line}");
    }
    let _ = write!(out, "{indent}  EOT");
    out
}

/// One resource change, Terraform style.
pub fn resource_change(change: &ResourceChange, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  {}", style.bold(&action_header(change)));
    if change.action != Action::NoOp {
        if let Some(previous) = &change.previous_address {
            let _ = writeln!(out, "  # (moved from {previous})");
        }
        if let Some(importing) = &change.importing {
            let _ = writeln!(out, "  # (imported from {})", quote_string(&importing.id));
        }
    }
    if let Some(reason) = &change.action_reason {
        let _ = writeln!(out, "  # ({reason})");
    }
    let data = change.mode == Mode::Data;
    let kind = if data { "data" } else { "resource" };
    let _ = writeln!(
        out,
        "{} {kind} {} {} {{",
        marker(change.action, change.create_before_destroy, style),
        quote_string(&change.resource_type),
        quote_string(&change.name)
    );
    let before = change.before_value().unwrap_or(Value::Null);
    // A forgotten object stays as it is: it is shown unchanged.
    let after = match change.action {
        Action::Forget => before.clone(),
        _ => change.after_value().unwrap_or(Value::Null),
    };
    let empty = BTreeMap::new();
    let before_map = before.as_map().unwrap_or(&empty);
    let after_map = after.as_map().unwrap_or(&empty);
    let mut names: Vec<&String> = before_map.keys().chain(after_map.keys()).collect();
    names.sort();
    names.dedup();
    let shown_names = names.iter().filter(|n| {
        let b = before_map.get(n.as_str()).unwrap_or(&Value::Null);
        let a = after_map.get(n.as_str()).unwrap_or(&Value::Null);
        match change.action {
            Action::Create | Action::Read => !a.is_null(),
            Action::Delete => !b.is_null(),
            _ => {
                !engine::provider::values_equal(b, a) || n.as_str() == "id" || n.as_str() == "name"
            }
        }
    });
    let width = shown_names.map(|n| n.len()).max().unwrap_or(0);
    let mut hidden = 0usize;
    let indent = "      ";
    for name in names {
        let b = before_map.get(name).cloned().unwrap_or(Value::Null);
        let a = after_map.get(name).cloned().unwrap_or(Value::Null);
        let forces = change.requires_replace.iter().any(|r| r == name);
        let suffix = if forces {
            style.red(" # forces replacement")
        } else {
            String::new()
        };
        let pad = format!("{name:width$}");
        let line = match change.action {
            Action::Create | Action::Read => {
                if a.is_null() {
                    continue;
                }
                let shown = if is_multiline(&a) {
                    heredoc(a.as_str().unwrap_or_default(), indent)
                } else {
                    inline(&a)
                };
                format!("{}{} {pad} = {shown}", "      ", style.green("+"))
            }
            Action::Delete => {
                if b.is_null() {
                    continue;
                }
                let shown = if is_multiline(&b) {
                    heredoc(b.as_str().unwrap_or_default(), indent)
                } else {
                    inline(&b)
                };
                format!("{}{} {pad} = {shown} -> null", "      ", style.red("-"))
            }
            Action::Update | Action::Replace | Action::NoOp | Action::Forget => {
                if engine::provider::values_equal(&b, &a) && b.is_sensitive() == a.is_sensitive() {
                    if name == "id" || name == "name" {
                        format!("        {pad} = {}", inline(&b))
                    } else {
                        hidden += 1;
                        continue;
                    }
                } else if b.is_null() {
                    format!(
                        "{}{} {pad} = {}{suffix}",
                        "      ",
                        style.green("+"),
                        inline(&a)
                    )
                } else if a.is_null() {
                    format!(
                        "{}{} {pad} = {} -> null{suffix}",
                        "      ",
                        style.red("-"),
                        inline(&b)
                    )
                } else if is_multiline(&b)
                    && is_multiline(&a)
                    && !b.is_sensitive()
                    && !a.is_sensitive()
                {
                    format!(
                        "{}{} {pad} = {}{suffix}",
                        "      ",
                        style.yellow("~"),
                        heredoc_diff(
                            b.as_str().unwrap_or_default(),
                            a.as_str().unwrap_or_default(),
                            indent,
                            style
                        )
                    )
                } else {
                    format!(
                        "{}{} {pad} = {} -> {}{suffix}",
                        "      ",
                        style.yellow("~"),
                        inline(&b),
                        inline(&a)
                    )
                }
            }
        };
        let _ = writeln!(out, "{line}");
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "        # ({hidden} unchanged attribute{} hidden)",
            if hidden == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out, "    }}");
    out
}

fn output_change(change: &OutputChange, style: Style) -> String {
    let show = |v: &Option<serde_json::Value>, unknown: bool| -> String {
        if change.sensitive {
            "(sensitive value)".to_string()
        } else if unknown {
            "(known after apply)".to_string()
        } else {
            v.as_ref()
                .map(|j| inline(&Value::from_json(j)))
                .unwrap_or_else(|| "null".to_string())
        }
    };
    match change.action {
        Action::Create => format!(
            "  {} {} = {}",
            style.green("+"),
            change.name,
            show(&change.after, change.after_unknown)
        ),
        Action::Update => format!(
            "  {} {} = {} -> {}",
            style.yellow("~"),
            change.name,
            show(&change.before, false),
            show(&change.after, change.after_unknown)
        ),
        Action::Delete => format!(
            "  {} {} = {} -> null",
            style.red("-"),
            change.name,
            show(&change.before, false)
        ),
        _ => String::new(),
    }
}

/// The summary line, exactly as users (and scripts) expect it.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    if !plan.has_changes() {
        return "No changes.".to_string();
    }
    let imports = if s.import > 0 {
        format!("{} to import, ", s.import)
    } else {
        String::new()
    };
    format!(
        "Plan: {imports}{} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    )
}

/// True when the plan moves, forgets or imports objects: then the
/// summary line is shown even when nothing is added, changed or destroyed.
fn refactors(plan: &Plan) -> bool {
    !plan.moves.is_empty()
        || plan
            .resource_changes
            .iter()
            .any(|c| c.importing.is_some() || c.action == Action::Forget)
}

/// What refresh found: changes made outside stack, and the outcome of
/// creates an earlier apply sent but did not record.
fn drift_section(out: &mut String, plan: &Plan, style: Style) {
    let (unfinished, outside): (Vec<_>, Vec<_>) = plan
        .drift
        .iter()
        .partition(|d| d.change == engine::plan::ADOPTED || d.change == engine::plan::ABANDONED);
    if !outside.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.bold("Objects have changed outside of stack:")
        );
        for drift in outside {
            let _ = writeln!(
                out,
                "  # {} has been {} outside of stack",
                drift.address, drift.change
            );
        }
        out.push('\n');
    }
    if !unfinished.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.bold("Creates an earlier apply did not finish recording:")
        );
        for drift in unfinished {
            let what = if drift.change == engine::plan::ADOPTED {
                "was found by its operation id and is adopted into state"
            } else {
                "left no object; it is forgotten (or created again, as planned below)"
            };
            let _ = writeln!(out, "  # {} {what}", drift.address);
        }
        out.push('\n');
    }
}

/// A whole plan for people.
pub fn plan(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    drift_section(&mut out, plan, style);
    let changes: Vec<&ResourceChange> = plan
        .resource_changes
        .iter()
        .filter(|c| c.is_shown() && !(c.mode == Mode::Data && c.action == Action::Delete))
        .collect();
    if !changes.is_empty() {
        let _ = writeln!(out, "stack will perform the following actions:\n");
        for change in changes {
            out.push_str(&resource_change(change, style));
            out.push('\n');
        }
    }
    let outputs: Vec<String> = plan
        .output_changes
        .iter()
        .filter(|o| o.action.is_change())
        .map(|o| output_change(o, style))
        .collect();
    let outputs_change = !outputs.is_empty();
    if outputs_change {
        let _ = writeln!(out, "Changes to Outputs:");
        for line in outputs {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    let s = plan.summary();
    if !plan.has_changes() {
        let _ = writeln!(out, "{}", style.bold("No changes."));
        let _ = writeln!(out, "Your infrastructure matches the configuration.");
    } else if refactors(plan) {
        let _ = writeln!(out, "{}", style.bold(&summary_line(plan)));
    } else if s.add + s.change + s.destroy == 0 && outputs_change {
        // Only outputs change: as Terraform, say so instead of a zero Plan line.
        let _ = writeln!(
            out,
            "You can apply this plan to save these new output values to the state, without changing any real infrastructure."
        );
    } else if s.add + s.change + s.destroy == 0 {
        let _ = writeln!(
            out,
            "You can apply this plan to record in state what refresh found, without changing any real infrastructure."
        );
    } else {
        let _ = writeln!(out, "{}", style.bold(&summary_line(plan)));
    }
    out
}

/// A plan as JSON for machines: the plan's own documented format, with
/// every sensitive value replaced by null (its path stays listed).
pub fn plan_json(plan: &Plan) -> serde_json::Value {
    let mut redacted = plan.clone();
    for change in &mut redacted.resource_changes {
        if let Some(before) = &mut change.before {
            for path in &change.before_sensitive {
                crate::planfile::replace_path(before, path, |_| serde_json::Value::Null);
            }
        }
        if let Some(after) = &mut change.after {
            for path in &change.after_sensitive {
                crate::planfile::replace_path(after, path, |_| serde_json::Value::Null);
            }
        }
    }
    for variable in redacted.variables.values_mut() {
        if variable.sensitive {
            variable.value = serde_json::Value::Null;
        }
    }
    for output in &mut redacted.output_changes {
        if output.sensitive {
            output.before = output.before.as_ref().map(|_| serde_json::Value::Null);
            output.after = output.after.as_ref().map(|_| serde_json::Value::Null);
        }
    }
    let mut json = serde_json::to_value(&redacted).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut json {
        map.insert(
            "summary".to_string(),
            serde_json::to_value(plan.summary()).unwrap_or_default(),
        );
        map.insert(
            "has_changes".to_string(),
            serde_json::Value::Bool(plan.has_changes()),
        );
    }
    json
}
