//! Rendering for people: diagnostics with the source line underlined (via
//! `miette`), and plans in Terraform's familiar `+ ~ - -/+` layout.

use std::fmt::Write as _;
use std::path::Path;

use engine::config::SourceFile;
use engine::diagnostics::{Diagnostic, Severity};
use engine::plan::Plan;
use engine::render::{Lines, Tone};
use engine::value::{quote_string, Value};

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
    pub fn dim(&self, t: &str) -> String {
        self.paint("90", t)
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

/// Renders a value compactly on one line, hiding sensitive parts.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::Unknown => "(known after apply)".to_string(),
        Value::Null => "null".to_string(),
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
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    if engine::addrs::is_identifier(k) {
        k.to_string()
    } else {
        quote_string(k)
    }
}

/// Turns the engine's toned lines into terminal text: colours as Terraform
/// uses them, or none under `--no-color` / `NO_COLOR` / a non-terminal.
pub fn paint(lines: &Lines, style: Style) -> String {
    let mut out = String::new();
    for line in &lines.0 {
        let mut text = String::new();
        for span in &line.spans {
            let painted = match span.tone {
                Tone::Plain => span.text.clone(),
                Tone::Create => style.green(&span.text),
                Tone::Delete | Tone::Danger => style.red(&span.text),
                Tone::Update => style.yellow(&span.text),
                Tone::Dim => style.dim(&span.text),
                Tone::Strong => style.bold(&span.text),
            };
            text.push_str(&painted);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// The schemas of every provider stack knows, for shaping plan diffs
/// (nested blocks, typed collections, nested force-new attributes). Each
/// type is looked up once: making a provider builds all its schemas.
pub struct Schemas {
    registry: engine::context::ProviderRegistry,
    cache: std::cell::RefCell<
        std::collections::HashMap<(String, bool), Option<engine::provider::Schema>>,
    >,
}

impl Schemas {
    pub fn new() -> Schemas {
        Schemas {
            registry: crate::commands::registry(),
            cache: Default::default(),
        }
    }

    pub fn get(&self, type_name: &str, data: bool) -> Option<engine::provider::Schema> {
        let key = (type_name.to_string(), data);
        if let Some(found) = self.cache.borrow().get(&key) {
            return found.clone();
        }
        let mode = if data {
            engine::addrs::ResourceMode::Data
        } else {
            engine::addrs::ResourceMode::Managed
        };
        let found = self
            .registry
            .find_schema(type_name, mode)
            .map(|(_, schema)| schema);
        self.cache.borrow_mut().insert(key, found.clone());
        found
    }
}

/// A whole plan for people.
pub fn plan(plan: &Plan, style: Style) -> String {
    let schemas = Schemas::new();
    let lookup = |t: &str, data: bool| schemas.get(t, data);
    paint(&engine::render::plan::plan(plan, &lookup), style)
}

/// A plan as JSON for machines: the plan's own documented format, with
/// every sensitive value replaced by null (its path stays listed).
pub fn plan_json(plan: &Plan) -> serde_json::Value {
    engine::render::plan::json(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::render::diff::Change;

    fn lines() -> Lines {
        let mut lines = Lines::default();
        lines.line(Some(Change::Create));
        lines.push(Tone::Plain, "      ");
        lines.push(Tone::Create, "+");
        lines.push(Tone::Plain, " id = ");
        lines.push(Tone::Dim, "null");
        lines.push(Tone::Danger, " # forces replacement");
        lines
    }

    #[test]
    fn without_colour_the_text_is_plain() {
        let text = paint(&lines(), Style { color: false });
        assert_eq!(text, "      + id = null # forces replacement\n");
    }

    #[test]
    fn with_colour_markers_are_painted_as_terraform_paints_them() {
        let text = paint(&lines(), Style { color: true });
        assert!(text.contains("\x1b[32m+\x1b[0m"), "{text:?}");
        assert!(
            text.contains("\x1b[31m # forces replacement\x1b[0m"),
            "{text:?}"
        );
        assert!(text.contains("\x1b[90mnull\x1b[0m"), "{text:?}");
    }
}
