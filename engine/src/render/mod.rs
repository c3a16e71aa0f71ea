//! Rendering of plans for people and tools, without any terminal: the
//! structural diff of values (`diff`), its Terraform-style layout (`text`),
//! whole plans as text (`plan`), the pull-request comment (`markdown`),
//! Terraform's JSON plan representation (`terraform_json`) and a type's
//! schema for `stack schema` (`schema`).
//!
//! Text comes out as [`Line`]s of toned [`Span`]s: the binary turns tones
//! into terminal colours (or none), the markdown front-end into a diff
//! gutter, and [`Lines::plain`] into plain text.

pub mod diff;
pub mod drift;
pub mod markdown;
pub mod plan;
pub mod schema;
pub mod terraform_json;
pub mod text;

#[cfg(test)]
mod tests;

use crate::provider::Schema;
use diff::Change;

/// What a span of text says, for a front-end to style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// Something created: `+`.
    Create,
    /// Something deleted: `-`.
    Delete,
    /// Something changed: `~`, `->`.
    Update,
    /// Secondary text: `null`, `# (2 unchanged attributes hidden)`.
    Dim,
    /// `# forces replacement`.
    Danger,
    /// Headers and the summary line.
    Strong,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub tone: Tone,
    pub text: String,
}

/// One output line. `change` is what its marker says (for a diff gutter);
/// `None` for lines that are not part of a value's diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub change: Option<Change>,
    pub spans: Vec<Span>,
}

impl Line {
    pub fn plain(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Lines of rendered output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lines(pub Vec<Line>);

impl Lines {
    /// The text without any styling, one `\n` after each line.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for line in &self.0 {
            out.push_str(line.plain().trim_end());
            out.push('\n');
        }
        out
    }

    /// Starts a new line.
    pub fn line(&mut self, change: Option<Change>) {
        self.0.push(Line {
            change,
            spans: Vec::new(),
        });
    }

    /// Appends text to the current line (starting one if there is none).
    pub fn push(&mut self, tone: Tone, text: impl Into<String>) {
        if self.0.is_empty() {
            self.line(None);
        }
        let text = text.into();
        if text.is_empty() {
            return;
        }
        let line = self.0.last_mut().expect("a line was just ensured");
        match line.spans.last_mut() {
            Some(last) if last.tone == tone => last.text.push_str(&text),
            _ => line.spans.push(Span { tone, text }),
        }
    }

    /// A whole line of one tone.
    pub fn text_line(&mut self, tone: Tone, text: impl Into<String>) {
        self.line(None);
        self.push(tone, text);
    }

    pub fn blank(&mut self) {
        self.line(None);
    }

    pub fn extend(&mut self, other: Lines) {
        self.0.extend(other.0);
    }
}

/// Finds the schema of a resource type (`data` true for a data source), so
/// that nested blocks are shown as blocks and typed collections as such.
pub type SchemaLookup<'a> = &'a dyn Fn(&str, bool) -> Option<Schema>;

/// A lookup that knows no schema: values are shown by their own shape.
pub fn no_schemas(_type_name: &str, _data: bool) -> Option<Schema> {
    None
}
