//! Terraform's layout of a structural diff: one attribute per line with
//! `+`/`-`/`~`, nested values indented by four spaces, unchanged parts
//! folded into `# (N unchanged … hidden)`, multi-line strings as heredocs
//! and JSON strings as `jsonencode(…)`. Every line starts with `base` (two
//! spaces inside a plan), then four spaces per level, then the marker.

use super::diff::{BlockGroup, Change, Diff, Marking, Node, TextLine};
use super::{Lines, Tone};
use crate::value::{quote_string, Value};

/// Attributes shown even when unchanged, as Terraform does: they say which
/// object is being looked at.
const IMPORTANT: [&str; 3] = ["id", "name", "tags"];

/// How a node is rendered in its parent.
#[derive(Debug, Clone, Copy, Default)]
struct Opts {
    /// Do not write ` -> null` after a deleted value (its parent says so).
    no_null_suffix: bool,
    /// Show unchanged children in full (context elements, important attributes).
    show_unchanged: bool,
    /// Write `# forces replacement` here (a force-new block's instances).
    forces: bool,
}

/// Lays out diffs into [`Lines`].
pub struct Writer {
    pub lines: Lines,
    base: String,
}

impl Writer {
    pub fn new(base: &str) -> Writer {
        Writer {
            lines: Lines::default(),
            base: base.to_string(),
        }
    }

    fn push(&mut self, tone: Tone, text: impl Into<String>) {
        self.lines.push(tone, text);
    }

    /// Starts a line at `indent` levels with `change`'s marker.
    fn marked_line(&mut self, change: Change, indent: usize) {
        self.lines.line(Some(change));
        let pad = format!("{}{}", self.base, "    ".repeat(indent));
        self.push(Tone::Plain, pad);
        let (symbol, tone) = symbol(change);
        self.push(tone, symbol);
        self.push(Tone::Plain, " ");
    }

    /// A note line (`# (2 unchanged attributes hidden)`) at `indent` levels.
    fn note_line(&mut self, indent: usize, note: &str) {
        self.marked_line(Change::NoOp, indent);
        self.push(Tone::Dim, note);
    }

    /// The closing line of a nested value: `}` or `]` or `EOT`.
    fn close(&mut self, indent: usize, closing: &str) {
        self.marked_line(Change::NoOp, indent);
        self.push(Tone::Plain, closing);
    }

    /// Terraform's warning above a value whose sensitive mark comes or
    /// goes: the reviewer cannot see the value, so the plan says whether it
    /// changes at all and what the mark will do to later output.
    fn marking_warning(&mut self, diff: &Diff, indent: usize) {
        let Node::Sensitive {
            marking,
            same_value,
        } = diff.node
        else {
            return;
        };
        let (first, second) = match marking {
            Marking::Kept => return,
            Marking::Added => (
                ": this attribute value will be marked as sensitive and will not",
                "# display in UI output after applying this change.",
            ),
            Marking::Removed => (
                ": this attribute value will no longer be marked as sensitive",
                "# after applying this change.",
            ),
        };
        // Terraform colours only the word "Warning", in the colour of `~`.
        self.marked_line(Change::NoOp, indent);
        self.push(Tone::Plain, "# ");
        self.push(Tone::Update, "Warning");
        self.push(Tone::Plain, first);
        self.marked_line(Change::NoOp, indent);
        self.push(Tone::Plain, second);
        if same_value {
            self.push(Tone::Plain, " The value is unchanged.");
        }
    }

    fn null_suffix(&mut self, diff: &Diff, opts: Opts) {
        if !opts.no_null_suffix && diff.change == Change::Delete {
            self.push(Tone::Dim, " -> null");
        }
    }

    fn forces_suffix(&mut self, diff: &Diff, opts: Opts) {
        if diff.replace || opts.forces {
            self.push(Tone::Danger, " # forces replacement");
        }
    }

    /// One `name = value` line of a block or object.
    pub fn attribute(&mut self, name: &str, width: usize, diff: &Diff, indent: usize) {
        self.entry(&attribute_name(name), width, diff, indent, Opts::default());
    }

    fn entry(&mut self, key: &str, width: usize, diff: &Diff, indent: usize, opts: Opts) {
        self.marking_warning(diff, indent);
        self.marked_line(diff.change, indent);
        self.push(Tone::Plain, format!("{key:width$} = "));
        self.value(diff, indent, opts);
    }

    /// Writes `diff` from the current position of the current line; its
    /// nested lines are at `indent + 1` levels.
    fn value(&mut self, diff: &Diff, indent: usize, opts: Opts) {
        match &diff.node {
            Node::Primitive { before, after } => self.primitive(diff, before, after, opts),
            Node::Lines(lines) => self.heredoc(diff, lines, indent, opts),
            Node::Json {
                inner,
                whitespace_only,
            } => self.json(diff, inner, *whitespace_only, indent, opts),
            Node::Object(entries) => self.object(diff, entries, indent, opts, false),
            Node::Map(entries) => self.object(diff, entries, indent, opts, true),
            Node::List(elements) => self.list(diff, elements, indent, opts),
            Node::Set(elements) => self.set(diff, elements, indent, opts),
            Node::Block { attributes, blocks } => {
                self.block(diff, attributes, blocks, indent, opts)
            }
            Node::Sensitive { .. } => {
                self.push(Tone::Plain, "(sensitive value)");
                self.null_suffix(diff, opts);
                self.forces_suffix(diff, opts);
            }
            Node::SensitiveBlock => self.sensitive_block(diff, indent, opts),
            Node::Unknown { before } => {
                if let Some(before) = before {
                    let before_opts = Opts {
                        no_null_suffix: true,
                        ..opts
                    };
                    self.value(before, indent, before_opts);
                    self.push(Tone::Update, " ->");
                    self.push(Tone::Plain, " ");
                }
                self.push(Tone::Plain, "(known after apply)");
                self.forces_suffix(diff, opts);
            }
            Node::TypeChange { before, after } => {
                let inner = Opts {
                    no_null_suffix: true,
                    ..Opts::default()
                };
                self.value(before, indent, inner);
                self.push(Tone::Update, " ->");
                self.push(Tone::Plain, " ");
                self.value(after, indent, inner);
                self.forces_suffix(diff, opts);
            }
        }
    }

    fn primitive(
        &mut self,
        diff: &Diff,
        before: &Option<Value>,
        after: &Option<Value>,
        opts: Opts,
    ) {
        match diff.change {
            Change::Create => self.scalar(after),
            Change::Delete => {
                self.scalar(before);
                self.null_suffix(diff, opts);
            }
            Change::NoOp => self.scalar(before),
            Change::Update => {
                self.scalar(before);
                self.push(Tone::Update, " ->");
                self.push(Tone::Plain, " ");
                self.scalar(after);
            }
        }
        self.forces_suffix(diff, opts);
    }

    fn scalar(&mut self, value: &Option<Value>) {
        match value {
            None => self.push(Tone::Dim, "null"),
            Some(v) => match v.as_str() {
                Some(s) => self.push(Tone::Plain, quote_string(s)),
                None => self.push(Tone::Plain, v.to_string()),
            },
        }
    }

    fn heredoc(&mut self, diff: &Diff, lines: &[TextLine], indent: usize, opts: Opts) {
        self.push(Tone::Plain, "<<-EOT");
        self.forces_suffix(diff, opts);
        for line in lines {
            match line {
                TextLine::Same(text) => self.text_line(Change::NoOp, text, indent + 1),
                TextLine::Removed(text) => self.text_line(Change::Delete, text, indent + 1),
                TextLine::Added(text) => self.text_line(Change::Create, text, indent + 1),
                TextLine::Hidden(n) => {
                    self.note_line(indent + 1, &unchanged(*n, "line"));
                }
            }
        }
        self.close(indent, "EOT");
        self.null_suffix(diff, opts);
    }

    fn text_line(&mut self, change: Change, text: &str, indent: usize) {
        self.marked_line(change, indent);
        self.push(Tone::Plain, text);
    }

    fn json(
        &mut self,
        diff: &Diff,
        inner: &Diff,
        whitespace_only: bool,
        indent: usize,
        opts: Opts,
    ) {
        let mut inner_opts = Opts {
            no_null_suffix: opts.no_null_suffix,
            ..Opts::default()
        };
        let mut marker = inner.change;
        let mut note = "";
        if whitespace_only {
            note = if diff.replace {
                " # whitespace changes force replacement"
            } else {
                " # whitespace changes"
            };
            inner_opts.show_unchanged = true;
            marker = Change::NoOp;
        }
        if matches!(diff.change, Change::Create | Change::Delete) {
            // The attribute's own marker says it; the JSON value has none.
            marker = Change::NoOp;
        }
        if !is_multiline(inner) {
            self.push(Tone::Plain, "jsonencode(");
            self.value(inner, indent + 1, inner_opts);
            self.push(Tone::Plain, ")");
            self.push(Tone::Dim, note);
            if !whitespace_only {
                self.forces_suffix(diff, opts);
            }
            return;
        }
        self.push(Tone::Plain, "jsonencode(");
        self.push(Tone::Dim, note);
        self.marked_line(marker, indent + 1);
        self.value(inner, indent + 1, inner_opts);
        if !whitespace_only {
            self.forces_suffix(diff, opts);
        }
        // Terraform writes no `-> null` after the parenthesis: the JSON
        // value inside already says it.
        self.close(indent, ")");
    }

    fn object(
        &mut self,
        diff: &Diff,
        entries: &[(String, Diff)],
        indent: usize,
        opts: Opts,
        is_map: bool,
    ) {
        if entries.is_empty() {
            self.push(Tone::Plain, "{}");
            self.null_suffix(diff, opts);
            self.forces_suffix(diff, opts);
            return;
        }
        self.push(Tone::Plain, "{");
        self.forces_suffix(diff, opts);
        let keys: Vec<String> = entries
            .iter()
            .map(|(k, _)| {
                if is_map {
                    quote_string(k)
                } else {
                    attribute_name(k)
                }
            })
            .collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        let mut hidden = 0;
        for ((name, child), key) in entries.iter().zip(&keys) {
            let important = !is_map && IMPORTANT.contains(&name.as_str());
            if child.change == Change::NoOp && !opts.show_unchanged && !important {
                hidden += 1;
                continue;
            }
            let child_opts = Opts {
                // Objects say `-> null` once, on the attribute that holds them;
                // a map's entries only when the whole map is not deleted.
                no_null_suffix: !is_map || diff.change == Change::Delete,
                show_unchanged: opts.show_unchanged || important,
                forces: false,
            };
            self.entry(key, width, child, indent + 1, child_opts);
            if is_map && matches!(child.node, Node::Object(_)) {
                self.push(Tone::Plain, ",");
            }
        }
        if hidden > 0 {
            let what = if is_map { "element" } else { "attribute" };
            self.note_line(indent + 1, &unchanged(hidden, what));
        }
        self.close(indent, "}");
        self.null_suffix(diff, opts);
    }

    /// A list: unchanged elements are folded, except the one just before
    /// and just after each change, which say where in the list it is.
    fn list(&mut self, diff: &Diff, elements: &[Diff], indent: usize, opts: Opts) {
        if elements.is_empty() {
            self.push(Tone::Plain, "[]");
            self.null_suffix(diff, opts);
            self.forces_suffix(diff, opts);
            return;
        }
        self.push(Tone::Plain, "[");
        self.forces_suffix(diff, opts);
        let element_opts = Opts {
            no_null_suffix: true,
            ..Opts::default()
        };
        let context_opts = Opts {
            show_unchanged: true,
            ..element_opts
        };
        let mut skipped: Vec<&Diff> = Vec::new();
        let mut show_next = false;
        for element in elements {
            if element.change == Change::NoOp && !show_next && !opts.show_unchanged {
                skipped.push(element);
                continue;
            }
            show_next = false;
            if skipped.len() > 1 {
                self.note_line(indent + 1, &unchanged(skipped.len() - 1, "element"));
            }
            if let Some(last) = skipped.last() {
                self.element(last, indent + 1, context_opts);
            }
            skipped.clear();
            if element.change == Change::NoOp {
                self.element(element, indent + 1, context_opts);
            } else {
                self.element(element, indent + 1, element_opts);
                show_next = true;
            }
        }
        if !skipped.is_empty() {
            self.note_line(indent + 1, &unchanged(skipped.len(), "element"));
        }
        self.close(indent, "]");
        self.null_suffix(diff, opts);
    }

    fn set(&mut self, diff: &Diff, elements: &[Diff], indent: usize, opts: Opts) {
        if elements.is_empty() {
            self.push(Tone::Plain, "[]");
            self.null_suffix(diff, opts);
            self.forces_suffix(diff, opts);
            return;
        }
        self.push(Tone::Plain, "[");
        self.forces_suffix(diff, opts);
        let element_opts = Opts {
            no_null_suffix: true,
            show_unchanged: opts.show_unchanged,
            forces: false,
        };
        let mut hidden = 0;
        for element in elements {
            if element.change == Change::NoOp && !opts.show_unchanged {
                hidden += 1;
                continue;
            }
            self.element(element, indent + 1, element_opts);
        }
        if hidden > 0 {
            self.note_line(indent + 1, &unchanged(hidden, "element"));
        }
        self.close(indent, "]");
        self.null_suffix(diff, opts);
    }

    fn element(&mut self, element: &Diff, indent: usize, opts: Opts) {
        self.marked_line(element.change, indent);
        self.value(element, indent, opts);
        self.push(Tone::Plain, ",");
    }

    /// A resource body or a nested block: attributes, then blocks.
    fn block(
        &mut self,
        diff: &Diff,
        attributes: &[(String, Diff)],
        blocks: &[BlockGroup],
        indent: usize,
        opts: Opts,
    ) {
        if attributes.is_empty() && blocks.is_empty() {
            self.push(Tone::Plain, "{}");
            self.forces_suffix(diff, opts);
            return;
        }
        self.push(Tone::Plain, "{");
        self.forces_suffix(diff, opts);
        self.block_attributes(attributes, indent, opts);
        let mut hidden_blocks = 0;
        for group in blocks {
            let mut first = true;
            for element in &group.elements {
                if element.change == Change::NoOp && !opts.show_unchanged {
                    hidden_blocks += 1;
                    continue;
                }
                if first && !attributes.is_empty() {
                    self.lines.blank();
                }
                first = false;
                self.marked_line(element.change, indent + 1);
                self.push(Tone::Plain, format!("{} ", attribute_name(&group.name)));
                let element_opts = Opts {
                    forces: group.replace,
                    ..opts
                };
                self.value(element, indent + 1, element_opts);
            }
        }
        if hidden_blocks > 0 {
            self.lines.blank();
            self.note_line(indent + 1, &unchanged(hidden_blocks, "block"));
        }
        self.close(indent, "}");
    }

    fn block_attributes(&mut self, attributes: &[(String, Diff)], indent: usize, opts: Opts) {
        let width = attributes
            .iter()
            .map(|(k, _)| attribute_name(k).chars().count())
            .max()
            .unwrap_or(0);
        let mut hidden = 0;
        for (name, child) in attributes {
            let important = IMPORTANT.contains(&name.as_str());
            if child.change == Change::NoOp && !opts.show_unchanged && !important {
                hidden += 1;
                continue;
            }
            let child_opts = Opts {
                show_unchanged: opts.show_unchanged || important,
                ..Opts::default()
            };
            self.entry(&attribute_name(name), width, child, indent + 1, child_opts);
        }
        if hidden > 0 {
            self.note_line(indent + 1, &unchanged(hidden, "attribute"));
        }
    }

    fn sensitive_block(&mut self, diff: &Diff, indent: usize, opts: Opts) {
        self.push(Tone::Plain, "{");
        self.forces_suffix(diff, opts);
        for note in [
            "  # At least one attribute in this block is (or was) sensitive,",
            "  # so its contents will not be displayed.",
        ] {
            self.marked_line(Change::NoOp, indent);
            self.push(Tone::Dim, note);
        }
        self.close(indent, "}");
    }

    /// Continues the current line (`  ~ resource "T" "N" `) with the
    /// resource's body, from its opening brace to its closing one.
    pub fn resource(&mut self, diff: &Diff) {
        self.value(diff, 0, Opts::default());
    }

    /// Starts a line that is not part of a value (a header), with `change`
    /// for a diff gutter.
    pub fn start_line(&mut self, change: Option<Change>) {
        self.lines.line(change);
    }

    /// Appends to the current line.
    pub fn write(&mut self, tone: Tone, text: impl Into<String>) {
        self.push(tone, text);
    }

    /// Writes `diff` as the value of an output (`+ name = value`).
    pub fn output(&mut self, name: &str, width: usize, diff: &Diff) {
        self.entry(&attribute_name(name), width, diff, 0, Opts::default());
    }
}

/// True when the value is written over several lines.
fn is_multiline(diff: &Diff) -> bool {
    match &diff.node {
        Node::Object(entries) | Node::Map(entries) => !entries.is_empty(),
        Node::List(elements) | Node::Set(elements) => !elements.is_empty(),
        Node::Lines(_) | Node::SensitiveBlock => true,
        Node::Block { attributes, blocks } => !attributes.is_empty() || !blocks.is_empty(),
        Node::Json { inner, .. } => is_multiline(inner),
        Node::Unknown { before } => before.as_deref().is_some_and(is_multiline),
        Node::TypeChange { before, after } => is_multiline(before) || is_multiline(after),
        Node::Primitive { .. } | Node::Sensitive { .. } => false,
    }
}

fn symbol(change: Change) -> (&'static str, Tone) {
    match change {
        Change::Create => ("+", Tone::Create),
        Change::Delete => ("-", Tone::Delete),
        Change::Update => ("~", Tone::Update),
        Change::NoOp => (" ", Tone::Plain),
    }
}

fn unchanged(n: usize, what: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("# ({n} unchanged {what}{plural} hidden)")
}

/// An attribute name as HCL accepts it: quoted unless an identifier.
fn attribute_name(name: &str) -> String {
    if crate::addrs::is_identifier(name) {
        name.to_string()
    } else {
        quote_string(name)
    }
}
