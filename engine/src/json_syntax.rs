//! Terraform's JSON configuration syntax (`*.tf.json`, `*.hcl.json`).
//!
//! A JSON file is translated into native-syntax text, which the loader then
//! parses with hcl-edit and lowers like any `.tf` file, so every check,
//! diagnostic and feature of the loader applies to JSON files unchanged.
//! The translation follows Terraform's documented mapping
//! (`language/syntax/json`) and HCL's JSON specification: block labels are
//! nested object keys, blocks may be objects or arrays of objects, `"//"`
//! properties of block bodies are comments, and a JSON string is read
//! according to the argument it is the value of ([`Mode`]).
//!
//! Why text and not hcl-edit nodes: hcl-edit records spans only while it
//! parses (its span setters are private), and the loader and the evaluator
//! take every location from those spans. The parsed nodes therefore carry
//! offsets into the translated text; [`SpanMap`] maps them back into the
//! JSON file, and the renderer applies it (`SourceFile::locate`).
//!
//! The JSON itself is parsed with `jsonc-parser` (with every extension
//! turned off, so only RFC 8259 JSON is accepted) because it keeps the byte
//! range of every key and value and keeps duplicate properties in their
//! order, both of which HCL's JSON syntax needs and `serde_json`'s maps lose.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsonc_parser::ast::{Object, ObjectProp, ObjectPropName, StringLit, Value as Json};

use crate::diagnostics::{Diagnostic, Diagnostics, Span};

/// True for the JSON template files: `*.tf.json` and `*.hcl.json`.
pub fn is_json_template(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy());
    name.is_some_and(|n| n.ends_with(".tf.json") || n.ends_with(".hcl.json"))
}

/// How a JSON string is read where it is the value of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A string template: `"${var.x}"` is the variable's value (the default).
    Template,
    /// A literal value: `${` means nothing (variable defaults, descriptions,
    /// module sources, `terraform` settings).
    Literal,
    /// The whole string is an expression: a reference, a keyword or a type
    /// (`depends_on`, `provider`, `type`, `ignore_changes`, `moved.from`).
    Expr,
}

/// What a block's body holds: its label count, the arguments read other
/// than as templates, and its nested block types. Properties not named here
/// are arguments read with `default`; the nested blocks of resource and
/// provider types are only known from provider schemas, so they are written
/// as object arguments and read as blocks by `body::eval_body`.
struct Spec {
    labels: usize,
    args: &'static [(&'static str, Mode)],
    blocks: &'static [(&'static str, &'static Spec)],
    default: Mode,
}

impl Spec {
    const fn new(labels: usize) -> Spec {
        Spec {
            labels,
            args: &[],
            blocks: &[],
            default: Mode::Template,
        }
    }

    fn block(&self, name: &str) -> Option<&'static Spec> {
        self.blocks
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
    }

    fn mode(&self, name: &str) -> Mode {
        let found = self.args.iter().find(|(n, _)| *n == name);
        found.map_or(self.default, |(_, m)| *m)
    }
}

use Mode::{Expr, Literal};

static CONDITION: Spec = Spec::new(0);
static LOCALS: Spec = Spec::new(0);
static VARIABLE: Spec = Spec {
    args: &[
        ("type", Expr),
        ("default", Literal),
        ("description", Literal),
        ("sensitive", Literal),
        ("nullable", Literal),
        ("ephemeral", Literal),
        ("const", Literal),
        ("deprecated", Literal),
    ],
    blocks: &[("validation", &CONDITION)],
    ..Spec::new(1)
};
static OUTPUT: Spec = Spec {
    args: &[
        ("description", Literal),
        ("sensitive", Literal),
        ("ephemeral", Literal),
        ("deprecated", Literal),
        ("depends_on", Expr),
        ("type", Expr),
    ],
    blocks: &[("precondition", &CONDITION), ("postcondition", &CONDITION)],
    ..Spec::new(1)
};
static CONNECTION: Spec = Spec {
    args: &[("type", Literal)],
    ..Spec::new(0)
};
static PROVISIONER: Spec = Spec {
    args: &[("when", Expr), ("on_failure", Expr)],
    blocks: &[("connection", &CONNECTION)],
    ..Spec::new(1)
};
static LIFECYCLE: Spec = Spec {
    args: &[
        ("create_before_destroy", Literal),
        ("prevent_destroy", Literal),
        ("ignore_changes", Expr),
        ("replace_triggered_by", Expr),
    ],
    blocks: &[("precondition", &CONDITION), ("postcondition", &CONDITION)],
    ..Spec::new(0)
};
static CONTENT: Spec = Spec {
    blocks: &[("dynamic", &DYNAMIC)],
    ..Spec::new(0)
};
static DYNAMIC: Spec = Spec {
    args: &[("iterator", Expr)],
    blocks: &[("content", &CONTENT)],
    ..Spec::new(1)
};
static RESOURCE: Spec = Spec {
    args: &[("depends_on", Expr), ("provider", Expr)],
    blocks: &[
        ("lifecycle", &LIFECYCLE),
        ("provisioner", &PROVISIONER),
        ("connection", &CONNECTION),
        ("dynamic", &DYNAMIC),
    ],
    ..Spec::new(2)
};
static PROVIDER: Spec = Spec {
    args: &[("alias", Literal), ("version", Literal)],
    blocks: &[("dynamic", &DYNAMIC)],
    ..Spec::new(1)
};
static MODULE: Spec = Spec {
    args: &[
        ("source", Literal),
        ("version", Literal),
        ("providers", Expr),
        ("depends_on", Expr),
    ],
    ..Spec::new(1)
};
static LITERAL_BODY: Spec = Spec {
    default: Literal,
    ..Spec::new(0)
};
static BACKEND: Spec = Spec {
    default: Literal,
    ..Spec::new(1)
};
static CLOUD: Spec = Spec {
    default: Literal,
    blocks: &[("workspaces", &LITERAL_BODY)],
    ..Spec::new(0)
};
static SETTINGS_BLOCKS: &[(&str, &Spec)] = &[
    ("required_providers", &LITERAL_BODY),
    ("backend", &BACKEND),
    ("cloud", &CLOUD),
    ("provider_meta", &BACKEND),
];
static TERRAFORM: Spec = Spec {
    args: &[("experiments", Expr)],
    blocks: SETTINGS_BLOCKS,
    default: Literal,
    ..Spec::new(0)
};
/// `stack`'s own settings block: `configuration` is an expression.
static STACK: Spec = Spec {
    args: &[("configuration", Mode::Template)],
    blocks: SETTINGS_BLOCKS,
    default: Literal,
    ..Spec::new(0)
};
static MOVED: Spec = Spec {
    args: &[("from", Expr), ("to", Expr)],
    ..Spec::new(0)
};
static REMOVED: Spec = Spec {
    args: &[("from", Expr)],
    blocks: &[
        ("lifecycle", &LITERAL_BODY),
        ("provisioner", &PROVISIONER),
        ("connection", &CONNECTION),
    ],
    ..Spec::new(0)
};
static IMPORT: Spec = Spec {
    args: &[("to", Expr), ("provider", Expr)],
    ..Spec::new(0)
};
static CHECK: Spec = Spec {
    blocks: &[("data", &RESOURCE), ("assert", &CONDITION)],
    ..Spec::new(1)
};
static ROOT: Spec = Spec {
    blocks: &[
        ("variable", &VARIABLE),
        ("output", &OUTPUT),
        ("locals", &LOCALS),
        ("resource", &RESOURCE),
        ("data", &RESOURCE),
        ("provider", &PROVIDER),
        ("module", &MODULE),
        ("terraform", &TERRAFORM),
        ("stack", &STACK),
        ("moved", &MOVED),
        ("removed", &REMOVED),
        ("import", &IMPORT),
        ("check", &CHECK),
    ],
    ..Spec::new(0)
};

/// A JSON file in native syntax, with the map from its offsets back to the
/// JSON text.
#[derive(Debug)]
pub struct Translation {
    pub hcl: String,
    pub map: SpanMap,
}

/// Maps offsets in a translation back to offsets in the JSON file.
#[derive(Debug, Clone, Default)]
pub struct SpanMap {
    /// Sorted by `hcl`. From `hcl` on, the translation is a copy of the
    /// JSON text at `json` for `len` bytes; generated text (`len` 0) maps
    /// to `json`, the JSON construct it stands for.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    hcl: usize,
    json: usize,
    len: usize,
}

impl SpanMap {
    /// The JSON range a range of the translation stands for.
    pub fn locate(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.offset(range.start, false);
        let end = self.offset(range.end, true).max(start);
        start..end
    }

    /// A range's end belongs to the segment before it: the end of a copied
    /// value is the end of its JSON text, not where the next token maps.
    fn offset(&self, at: usize, is_end: bool) -> usize {
        let after = self
            .segments
            .partition_point(|s| if is_end { s.hcl < at } else { s.hcl <= at });
        match after.checked_sub(1).map(|i| self.segments[i]) {
            Some(s) => s.json + (at - s.hcl).min(s.len),
            None => 0,
        }
    }
}

/// Translates a JSON configuration file. `None` when the text is not JSON
/// (the diagnostic points into the JSON text; there is no map); otherwise
/// the diagnostics of structural mistakes point into the translation.
pub fn translate(text: &str, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Option<Translation> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = match jsonc_parser::parse_to_ast(text, &Default::default(), &options) {
        Ok(parsed) => parsed,
        Err(err) => {
            let range = err.range();
            diags.push(
                Diagnostic::error(
                    crate::config::SYNTAX_ERROR,
                    format!(
                        "The JSON could not be parsed: {}. A .tf.json file holds one JSON object (RFC 8259: no comments, no trailing commas).",
                        err.kind()
                    ),
                )
                .with_span(Some(Span::new(file.clone(), range.start..range.end.max(range.start + 1)))),
            );
            return None;
        }
    };
    let mut out = Writer {
        json: text,
        hcl: String::with_capacity(text.len() * 2),
        map: SpanMap::default(),
        file: file.clone(),
        diags,
    };
    match &parsed.value {
        Some(root @ (Json::Object(_) | Json::Array(_))) => out.body(root, &ROOT, "the file"),
        other => {
            let at = other.as_ref().map_or(0, |v| range(v).start);
            out.error(
                at..at + 1,
                JSON_SHAPE,
                "The root of a JSON configuration file must be a JSON object whose properties are block types, such as {\"resource\": {…}}.",
            );
        }
    }
    Some(Translation {
        hcl: out.hcl,
        map: out.map,
    })
}

fn range(value: &Json) -> Range<usize> {
    let r = match value {
        Json::StringLit(v) => v.range,
        Json::NumberLit(v) => v.range,
        Json::BooleanLit(v) => v.range,
        Json::Object(v) => v.range,
        Json::Array(v) => v.range,
        Json::NullKeyword(v) => v.range,
    };
    r.start..r.end
}

fn name_lit<'a>(prop: &'a ObjectProp<'a>) -> &'a StringLit<'a> {
    match &prop.name {
        ObjectPropName::String(lit) => lit,
        // Unquoted names are refused by the parse options.
        ObjectPropName::Word(_) => unreachable!("loose property names are not allowed"),
    }
}

/// The writer of a translation: native text, the span map and diagnostics.
struct Writer<'t, 'd> {
    json: &'t str,
    hcl: String,
    map: SpanMap,
    file: Arc<PathBuf>,
    diags: &'d mut Diagnostics,
}

impl Writer<'_, '_> {
    /// Writes generated text standing for the JSON at `json`.
    fn generate(&mut self, text: &str, json: usize) {
        self.mark(json, 0);
        self.hcl.push_str(text);
    }

    /// Copies JSON text that means the same in native syntax.
    fn copy(&mut self, range: Range<usize>) {
        self.mark(range.start, range.len());
        self.hcl.push_str(&self.json[range]);
    }

    fn mark(&mut self, json: usize, len: usize) {
        let hcl = self.hcl.len();
        let segments = &mut self.map.segments;
        if segments.last().is_some_and(|s| s.hcl == hcl) {
            segments.pop();
        }
        segments.push(Segment { hcl, json, len });
    }

    /// Reports a structural mistake at a JSON range. The diagnostic's span
    /// is a space written into the translation that maps to that range.
    fn error(&mut self, json: Range<usize>, summary: &str, detail: &str) {
        let at = self.hcl.len();
        self.mark(json.start, json.len().max(1));
        self.hcl.push(' ');
        self.diags.push(
            Diagnostic::error(summary, detail)
                .with_span(Some(Span::new(self.file.clone(), at..at + 1))),
        );
    }

    /// A block body: an object, or an array of objects read in order.
    fn body(&mut self, value: &Json, spec: &Spec, what: &str) {
        match value {
            Json::Object(object) => self.properties(object, spec),
            Json::Array(items) => {
                for item in &items.elements {
                    match item {
                        Json::Object(object) => self.properties(object, spec),
                        other => self.not_object(other, what),
                    }
                }
            }
            other => self.not_object(other, what),
        }
    }

    fn not_object(&mut self, value: &Json, what: &str) {
        self.error(
            range(value),
            JSON_SHAPE,
            &format!("Either a JSON object or a JSON array of objects is required here, representing the contents of {what}."),
        );
    }

    fn properties(&mut self, object: &Object, spec: &Spec) {
        for prop in &object.properties {
            let name = name_lit(prop);
            let key = name.value.as_ref();
            if key == "//" {
                continue;
            }
            match spec.block(key) {
                Some(block) => {
                    let mut labels = Vec::new();
                    self.blocks(name, block, &prop.value, &mut labels);
                }
                // The file's properties are all block types.
                None if std::ptr::eq(spec, &ROOT) => self.extraneous(name, spec),
                None => self.attribute(name, &prop.value, spec.mode(key), spec),
            }
        }
    }

    /// The blocks of one type: label levels as nested objects (or arrays
    /// of objects), then one body or an array of bodies.
    fn blocks<'a>(
        &mut self,
        ident: &StringLit,
        spec: &Spec,
        value: &'a Json<'a>,
        labels: &mut Vec<&'a StringLit<'a>>,
    ) {
        let what = format!("one or more {:?} blocks", ident.value);
        let objects: Vec<&Object> = match value {
            Json::Object(object) => vec![object],
            Json::Array(items) => {
                let mut objects = Vec::new();
                for item in &items.elements {
                    match item {
                        Json::Object(object) => objects.push(object),
                        other => self.not_object(other, &what),
                    }
                }
                objects
            }
            other => {
                let levels = spec.labels - labels.len();
                if levels > 0 {
                    self.error(
                        range(other),
                        JSON_SHAPE,
                        &format!("A JSON object is required here, whose property names are the {:?} block's labels ({levels} more level(s) of nesting).", ident.value),
                    );
                } else {
                    self.not_object(other, &what);
                }
                return;
            }
        };
        for object in objects {
            if labels.len() < spec.labels {
                for prop in &object.properties {
                    labels.push(name_lit(prop));
                    self.blocks(ident, spec, &prop.value, labels);
                    labels.pop();
                }
            } else {
                self.block(ident, labels, spec, object);
            }
        }
    }

    fn block(&mut self, ident: &StringLit, labels: &[&StringLit], spec: &Spec, body: &Object) {
        let key = ident.range.start..ident.range.end;
        self.generate("\n", key.start);
        // The block type is a known identifier; it stands for the key.
        self.name(ident);
        for label in labels {
            self.generate(" ", label.range.start);
            self.quoted_label(label);
        }
        self.generate(" {\n", body.range.start);
        self.properties(body, spec);
        self.generate("\n}\n", body.range.end.saturating_sub(1));
    }

    /// An identifier written as a JSON key: copied from inside the quotes
    /// when the key has no escapes.
    fn name(&mut self, key: &StringLit) {
        let raw = &self.json[key.range.start..key.range.end];
        if raw.contains('\\') {
            self.generate(&key.value, key.range.start);
        } else {
            self.copy(key.range.start + 1..key.range.end - 1);
        }
    }

    fn quoted_label(&mut self, label: &StringLit) {
        let raw = &self.json[label.range.start..label.range.end];
        if raw.contains('\\') {
            self.generate(&quote_literal(&label.value), label.range.start);
        } else {
            self.copy(label.range.start..label.range.end);
        }
    }

    /// A property that names no block type the body takes (Terraform's
    /// summary); it is left out.
    fn extraneous(&mut self, key: &StringLit, spec: &Spec) {
        let names = spec.blocks.iter().map(|(n, _)| *n);
        let hint = crate::diagnostics::did_you_mean(&key.value, names);
        self.error(
            key.range.start..key.range.end,
            "Extraneous JSON object property",
            &format!("No block type is named {:?} here.{hint}", key.value),
        );
    }

    fn attribute(&mut self, key: &StringLit, value: &Json, mode: Mode, spec: &Spec) {
        if !crate::addrs::is_identifier(&key.value) {
            let summary = if std::ptr::eq(spec, &LOCALS) {
                "Invalid local value name"
            } else {
                "Extraneous JSON object property"
            };
            self.error(
                key.range.start..key.range.end,
                summary,
                &format!("{:?} is not a valid name: names are letters, digits, underscores and dashes, starting with a letter or underscore.", key.value),
            );
            return;
        }
        self.generate("\n", key.range.start);
        self.name(key);
        self.generate(" = ", key.range.end);
        self.value(value, mode);
        self.generate("\n", range(value).end);
    }

    /// A JSON value as an expression read in `mode`.
    fn value(&mut self, value: &Json, mode: Mode) {
        match value {
            Json::StringLit(s) => match mode {
                Mode::Template => self.template(s),
                Mode::Literal => self.literal(s),
                Mode::Expr => self.expression(s),
            },
            Json::NumberLit(_) | Json::BooleanLit(_) | Json::NullKeyword(_) => {
                self.copy(range(value))
            }
            Json::Array(items) => {
                self.generate("[", items.range.start);
                for (i, item) in items.elements.iter().enumerate() {
                    if i > 0 {
                        self.generate(", ", range(item).start);
                    }
                    self.value(item, mode);
                }
                self.generate("]", items.range.end - 1);
            }
            Json::Object(object) => {
                self.generate("{", object.range.start);
                for prop in &object.properties {
                    let key = name_lit(prop);
                    self.generate("\n", key.range.start);
                    self.value(&Json::StringLit(key.clone()), mode);
                    self.generate(" = ", key.range.end);
                    self.value(&prop.value, mode);
                }
                self.generate("\n}", object.range.end - 1);
            }
        }
    }

    /// A string template. A JSON string without escapes is already a valid
    /// native quoted template; otherwise the literal parts are re-escaped.
    fn template(&mut self, s: &StringLit) {
        let raw_range = s.range.start..s.range.end;
        if !self.json[raw_range.clone()].contains('\\') {
            self.copy(raw_range);
        } else {
            self.generate(&quote_template(&s.value), s.range.start);
        }
    }

    /// A literal string: template sequences are escaped so they stay text.
    fn literal(&mut self, s: &StringLit) {
        let raw_range = s.range.start..s.range.end;
        let raw = &self.json[raw_range.clone()];
        if !raw.contains('\\') && !raw.contains("${") && !raw.contains("%{") {
            self.copy(raw_range);
        } else {
            self.generate(&quote_literal(&s.value), s.range.start);
        }
    }

    /// A string whose content is native expression syntax.
    fn expression(&mut self, s: &StringLit) {
        let inner = s.range.start + 1..s.range.end - 1;
        if let Err(err) = hcl_edit::parser::parse_expr(&s.value) {
            let detail = format!(
                "{:?} is not a reference or expression ({}). Here the whole string is read as one, without ${{ }}: a reference such as \"aws_instance.web\", a keyword or a type such as \"list(string)\".",
                s.value,
                err.message()
            );
            self.error(
                s.range.start..s.range.end,
                crate::config::SYNTAX_ERROR,
                &detail,
            );
            // Something that parses, so that the mistake is reported once.
            self.generate("null", s.range.start);
        } else if self.json[inner.clone()].contains('\\') {
            self.generate(&s.value, inner.start);
        } else {
            self.copy(inner);
        }
    }
}

/// A nested block read from a JSON object, with the span of the object.
pub type ArgumentBlock = (hcl_edit::structure::Block, Option<Range<usize>>);

/// Reads a JSON file's argument as nested blocks, for the block types only
/// a provider schema knows (`ingress`, `root_block_device`, …), which the
/// translation wrote as object arguments: an object is one block, an array
/// of objects one block each, `null` none.
pub fn argument_blocks(
    attr: &hcl_edit::structure::Attribute,
) -> Result<Vec<ArgumentBlock>, Diagnostic> {
    use hcl_edit::expr::Expression;
    let name = attr.key.as_str();
    let objects: Vec<&hcl_edit::expr::Object> = match &attr.value {
        Expression::Object(object) => vec![object],
        Expression::Null(_) => Vec::new(),
        Expression::Array(items) => items
            .iter()
            .map(|item| match item {
                Expression::Object(object) => Ok(object),
                _ => Err(not_block(name)),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(not_block(name)),
    };
    objects
        .into_iter()
        .map(|object| object_block(name, object))
        .collect()
}

/// One block of type `name` whose arguments are the object's properties;
/// `"//"` properties are comments, as in any JSON block body.
fn object_block(name: &str, object: &hcl_edit::expr::Object) -> Result<ArgumentBlock, Diagnostic> {
    use hcl_edit::expr::{Expression, ObjectKey};
    use hcl_edit::Span as _;
    let mut block = hcl_edit::structure::Block::new(hcl_edit::Ident::new(name));
    for (key, value) in object.iter() {
        let key = match key {
            ObjectKey::Expression(Expression::String(s)) => s.as_str(),
            ObjectKey::Ident(ident) => ident.as_str(),
            _ => "",
        };
        if key == "//" {
            continue;
        }
        let ident = hcl_edit::Ident::try_new(key).map_err(|_| {
            Diagnostic::error(
                "Extraneous JSON object property",
                format!("{key:?} is not a valid argument or block name in a {name:?} block."),
            )
        })?;
        let attribute = hcl_edit::structure::Attribute::new(ident, value.expr().clone());
        block.body.push(attribute);
    }
    Ok((block, object.span()))
}

fn not_block(name: &str) -> Diagnostic {
    Diagnostic::error(
        JSON_SHAPE,
        format!("{name:?} is a block type: its value must be a JSON object (one block) or an array of objects (one block each)."),
    )
}

const JSON_SHAPE: &str = crate::config::JSON_SHAPE_ERROR;

/// A native quoted string whose value is `text`, template sequences included.
fn quote_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if (c == '$' || c == '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
        escape_char(c, &mut out);
    }
    out.push('"');
    out
}

/// A native quoted template for a template's text: its literal parts are
/// escaped for a quoted string, its interpolations and directives kept as
/// written (a nested `"` inside `${…}` must stay a quote).
fn quote_template(text: &str) -> String {
    let Ok(template) = hcl_edit::parser::parse_template(text) else {
        // Not a valid template: quoted as it is, so that the native parser
        // reports the mistake at this string.
        let mut out = String::from("\"");
        text.chars().for_each(|c| escape_char(c, &mut out));
        out.push('"');
        return out;
    };
    let mut literals = LiteralRanges(Vec::new());
    hcl_edit::visit::Visit::visit_template(&mut literals, &template);
    let mut out = String::from("\"");
    let mut at = 0;
    for literal in literals.0 {
        out.push_str(&text[at..literal.start]);
        text[literal.clone()]
            .chars()
            .for_each(|c| escape_char(c, &mut out));
        at = literal.end;
    }
    out.push_str(&text[at..]);
    out.push('"');
    out
}

/// Collects the ranges of a template's literal parts, directives' bodies
/// included, but not the strings inside interpolated expressions.
struct LiteralRanges(Vec<Range<usize>>);

impl hcl_edit::visit::Visit for LiteralRanges {
    fn visit_expr(&mut self, _: &hcl_edit::expr::Expression) {}

    fn visit_element(&mut self, element: &hcl_edit::template::Element) {
        use hcl_edit::Span as _;
        match element {
            hcl_edit::template::Element::Literal(literal) => self.0.extend(literal.span()),
            other => hcl_edit::visit::visit_element(self, other),
        }
    }
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests;
