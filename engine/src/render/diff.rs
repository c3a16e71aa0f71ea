//! The structural diff of one value: its before and after (with unknown and
//! sensitive marks) and its shape from the provider schema become a tree of
//! [`Diff`] nodes that says, at every depth, what is created, deleted,
//! updated or unchanged. The tree is display-neutral: `text` lays it out as
//! Terraform does, `markdown` wraps that layout for pull requests.
//!
//! Matching follows Terraform's renderer: objects and maps by key, list
//! attributes by a longest common subsequence (an object element changed in
//! place is paired with its old self), tuples in values of `Any` type by
//! position while their length stays (else like lists), list blocks by
//! position, sets and set blocks by value. Sensitive and unknown parts
//! stop the descent at exactly the depth of their mark.

use state::{AttrPath, PathStep};

use crate::provider::{values_equal, AttrType, BlockSchema, Nesting, Schema};
use crate::value::Value;

/// What happens to one node of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    NoOp,
    Create,
    Update,
    Delete,
}

/// One node of the structural diff.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub change: Change,
    /// A change of this node forces the resource to be replaced.
    pub replace: bool,
    pub node: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number, bool or one-line string; `None` when absent on that side.
    Primitive {
        before: Option<Value>,
        after: Option<Value>,
    },
    /// A multi-line string, as a line diff (a heredoc when shown).
    Lines(Vec<TextLine>),
    /// A string holding a JSON object or array, diffed as a structure.
    Json {
        inner: Box<Diff>,
        /// Both sides hold the same JSON, written differently.
        whitespace_only: bool,
    },
    /// An object (or a value of `Any` type holding one): one entry per key.
    Object(Vec<(String, Diff)>),
    /// A map attribute: keys are shown quoted.
    Map(Vec<(String, Diff)>),
    /// A list or tuple; `context` shows the elements next to a change.
    List(Vec<Diff>),
    /// A set: elements matched by value.
    Set(Vec<Diff>),
    /// A resource body or one nested block.
    Block {
        attributes: Vec<(String, Diff)>,
        blocks: Vec<BlockGroup>,
    },
    /// A value marked sensitive: never shown. The marking says whether the
    /// mark itself comes or goes, which the reviewer is warned about, and
    /// `same_value` whether only the mark changes.
    Sensitive { marking: Marking, same_value: bool },
    /// A nested block marked sensitive as a whole.
    SensitiveBlock,
    /// Known after apply; `before` is what it was, if anything.
    Unknown { before: Option<Box<Diff>> },
    /// The value changes type (a string becomes JSON, an object a list).
    TypeChange { before: Box<Diff>, after: Box<Diff> },
}

/// How a sensitive value's mark changes between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    /// Sensitive on both sides (or on the only side there is).
    Kept,
    /// Not sensitive before, sensitive after.
    Added,
    /// Sensitive before, not after.
    Removed,
}

/// The instances of one nested block type, in the order of the value.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockGroup {
    pub name: String,
    pub elements: Vec<Diff>,
    /// The block as a whole forces replacement (a force-new block).
    pub replace: bool,
}

/// One line of a multi-line string's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextLine {
    Same(String),
    Removed(String),
    Added(String),
    /// A long unchanged stretch, folded.
    Hidden(usize),
}

/// Lines of context kept around a change inside a multi-line string.
pub const CONTEXT_LINES: usize = 3;

/// An unchanged stretch is folded only when it would hide at least this
/// many lines; folding fewer would not make the diff shorter to read.
const MIN_FOLDED_LINES: usize = 3;

/// The shape a value is expected to have, from the schema.
#[derive(Debug, Clone, Copy)]
enum Shape<'s> {
    /// No schema knowledge: a value of `Any` type, an output.
    Any,
    /// The inside of a JSON string: arrays are matched like list attributes.
    Json,
    Attr(&'s AttrType),
    Block(&'s Schema),
}

/// The diff of a resource's whole value (a `None` side does not exist),
/// shaped by its schema when the type is known. `replace` lists the paths
/// whose change forces the replacement.
pub fn resource(
    schema: Option<&Schema>,
    before: Option<&Value>,
    after: Option<&Value>,
    replace: &[AttrPath],
) -> Diff {
    let empty = Schema::default();
    let mut builder = Builder {
        replace,
        path: Vec::new(),
    };
    builder.diff(before, after, Shape::Block(schema.unwrap_or(&empty)), false)
}

/// The diff of a value without a schema (an output value).
pub fn value(before: Option<&Value>, after: Option<&Value>) -> Diff {
    let mut builder = Builder {
        replace: &[],
        path: Vec::new(),
    };
    builder.diff(before, after, Shape::Any, false)
}

struct Builder<'a> {
    replace: &'a [AttrPath],
    path: AttrPath,
}

/// `None` for an absent or null value (looking through a sensitive mark).
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn empty_or_null(value: Option<&Value>) -> bool {
    match value.map(Value::peel) {
        None | Some(Value::Null) => true,
        Some(Value::List(items) | Value::Set(items)) => items.is_empty(),
        Some(Value::Map(map)) => map.is_empty(),
        _ => false,
    }
}

/// The change between two sides, from their presence and equality.
fn change_of(before: Option<&Value>, after: Option<&Value>) -> Change {
    match (before, after) {
        (None, None) => Change::NoOp,
        (None, Some(_)) => Change::Create,
        (Some(_), None) => Change::Delete,
        (Some(b), Some(a)) if same(b, a) => Change::NoOp,
        _ => Change::Update,
    }
}

/// Whether the sensitive mark comes or goes. Only a value present on both
/// sides can change its mark; a created or deleted one keeps what it has.
fn marking(before: Option<&Value>, after: Option<&Value>) -> Marking {
    match (
        before.map(Value::is_sensitive),
        after.map(Value::is_sensitive),
    ) {
        (Some(false), Some(true)) => Marking::Added,
        (Some(true), Some(false)) => Marking::Removed,
        _ => Marking::Kept,
    }
}

/// Equal values with the same sensitive marks, both wholly known.
fn same(before: &Value, after: &Value) -> bool {
    before.is_sensitive() == after.is_sensitive()
        && after.is_wholly_known()
        && values_equal(before, after)
        && before.contains_sensitive() == after.contains_sensitive()
}

/// The change of a collection from its parts: created or deleted as a
/// whole, else updated when any part changes.
fn aggregate<'d>(
    before: Option<&Value>,
    after: Option<&Value>,
    parts: impl IntoIterator<Item = &'d Diff>,
) -> Change {
    match (before, after) {
        (None, Some(_)) => Change::Create,
        (Some(_), None) => Change::Delete,
        _ if parts.into_iter().any(|d| d.change != Change::NoOp) => Change::Update,
        _ => Change::NoOp,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    List,
    Set,
    String,
    Scalar,
}

fn kind(value: &Value) -> Kind {
    match value.peel() {
        Value::Map(_) => Kind::Map,
        Value::List(_) => Kind::List,
        Value::Set(_) => Kind::Set,
        Value::String(_) => Kind::String,
        _ => Kind::Scalar,
    }
}

impl Builder<'_> {
    fn forces(&self) -> bool {
        self.replace.contains(&self.path)
    }

    fn at<T>(&mut self, step: PathStep, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(step);
        let out = f(self);
        self.path.pop();
        out
    }

    /// The diff of one node. `in_update` is true when the parent exists on
    /// both sides: then an empty collection and null are the same (state
    /// round trips turn one into the other) and such a node is skipped.
    fn diff(
        &mut self,
        before: Option<&Value>,
        after: Option<&Value>,
        shape: Shape<'_>,
        in_update: bool,
    ) -> Diff {
        let (mut before, mut after) = (present(before), present(after));
        if in_update && empty_or_null(before) && empty_or_null(after) {
            (before, after) = (None, None);
        }
        let replace = self.forces();
        let node = |change, node| Diff {
            change,
            replace,
            node,
        };
        if before.is_some_and(Value::is_sensitive) || after.is_some_and(Value::is_sensitive) {
            let hidden = match shape {
                Shape::Block(_) => Node::SensitiveBlock,
                _ => Node::Sensitive {
                    marking: marking(before, after),
                    same_value: match (before, after) {
                        (Some(b), Some(a)) => a.is_wholly_known() && values_equal(b, a),
                        _ => false,
                    },
                },
            };
            return node(change_of(before, after), hidden);
        }
        if after.is_some_and(Value::is_unknown) {
            let change = if before.is_some() {
                Change::Update
            } else {
                Change::Create
            };
            let before = before.map(|b| Box::new(self.diff(Some(b), None, shape, false)));
            return node(change, Node::Unknown { before });
        }
        let (b_kind, a_kind) = (before.map(kind), after.map(kind));
        if let (Some(b), Some(a)) = (&b_kind, &a_kind) {
            let lists = |k: &Kind| matches!(k, Kind::List | Kind::Set);
            if b != a && !(lists(b) && lists(a)) {
                return self.type_change(before, after, shape, replace);
            }
        }
        let Some(k) = a_kind.or(b_kind) else {
            return node(
                Change::NoOp,
                Node::Primitive {
                    before: None,
                    after: None,
                },
            );
        };
        let mut diff = match (k, shape) {
            (_, Shape::Block(schema)) if k == Kind::Map => self.block(before, after, schema),
            (Kind::Map, Shape::Attr(AttrType::Map(element))) => {
                self.map(before, after, Shape::Attr(element), true)
            }
            (Kind::Map, _) => self.map(before, after, element_shape(shape), false),
            (Kind::List | Kind::Set, _) => self.sequence(before, after, shape),
            (Kind::String, _) => string(before, after),
            _ => primitive(before, after),
        };
        diff.replace = replace;
        diff
    }

    fn type_change(
        &mut self,
        before: Option<&Value>,
        after: Option<&Value>,
        shape: Shape<'_>,
        replace: bool,
    ) -> Diff {
        let b = self.diff(before, None, shape, false);
        let a = self.diff(None, after, shape, false);
        Diff {
            change: Change::Update,
            replace,
            node: Node::TypeChange {
                before: Box::new(b),
                after: Box::new(a),
            },
        }
    }

    /// Objects and maps: one entry per key, sorted.
    fn map(
        &mut self,
        before: Option<&Value>,
        after: Option<&Value>,
        element: Shape<'_>,
        is_map: bool,
    ) -> Diff {
        let b = before.and_then(Value::as_map);
        let a = after.and_then(Value::as_map);
        let mut keys: Vec<&String> = b.into_iter().chain(a).flat_map(|m| m.keys()).collect();
        keys.sort();
        keys.dedup();
        let both = before.is_some() && after.is_some();
        let mut entries = Vec::new();
        for key in keys {
            let (bv, av) = (b.and_then(|m| m.get(key)), a.and_then(|m| m.get(key)));
            let child = self.at(PathStep::Key(key.clone()), |s| {
                s.diff(bv, av, element, both)
            });
            if !is_absent(&child) {
                entries.push((key.clone(), child));
            }
        }
        let change = aggregate(before, after, entries.iter().map(|(_, d)| d));
        let node = if is_map {
            Node::Map(entries)
        } else {
            Node::Object(entries)
        };
        Diff {
            change,
            replace: false,
            node,
        }
    }

    /// Lists, tuples and sets.
    fn sequence(
        &mut self,
        before: Option<&Value>,
        after: Option<&Value>,
        shape: Shape<'_>,
    ) -> Diff {
        let b = before.and_then(Value::as_list).unwrap_or_default();
        let a = after.and_then(Value::as_list).unwrap_or_default();
        let is_set = matches!(shape, Shape::Attr(AttrType::Set(_)))
            || before.is_some_and(|v| kind(v) == Kind::Set)
            || after.is_some_and(|v| kind(v) == Kind::Set);
        let element = element_shape(shape);
        // A value of `Any` type keeps its tuple type when its length does
        // not change, and Terraform then compares it element by element;
        // otherwise it is matched like a list.
        let typed_list = matches!(shape, Shape::Attr(AttrType::List(_)) | Shape::Json);
        let pairs = if is_set {
            match_by_value(b, a)
        } else if typed_list || b.len() != a.len() {
            match_by_subsequence(b, a)
        } else {
            match_by_position(b.len(), a.len())
        };
        let elements: Vec<Diff> = pairs
            .into_iter()
            .map(|(i, j)| {
                let index = j.or(i).unwrap_or_default();
                self.at(PathStep::Index(index), |s| {
                    s.diff(i.map(|i| &b[i]), j.map(|j| &a[j]), element, false)
                })
            })
            .collect();
        let change = aggregate(before, after, &elements);
        let node = if is_set {
            Node::Set(elements)
        } else {
            Node::List(elements)
        };
        Diff {
            change,
            replace: false,
            node,
        }
    }

    /// A resource body or one nested block: its attributes (sorted, as
    /// Terraform shows them) and its nested blocks in schema order.
    fn block(&mut self, before: Option<&Value>, after: Option<&Value>, schema: &Schema) -> Diff {
        let b = before.and_then(Value::as_map);
        let a = after.and_then(Value::as_map);
        let both = before.is_some() && after.is_some();
        let mut names: Vec<&String> = b.into_iter().chain(a).flat_map(|m| m.keys()).collect();
        names.sort();
        names.dedup();
        let mut attributes = Vec::new();
        for name in names {
            if schema.nested_block(name).is_some() {
                continue;
            }
            let shape = schema
                .attribute(name)
                .map(|attr| Shape::Attr(&attr.ty))
                .unwrap_or(Shape::Any);
            let (bv, av) = (b.and_then(|m| m.get(name)), a.and_then(|m| m.get(name)));
            let child = self.at(PathStep::Key(name.clone()), |s| s.diff(bv, av, shape, both));
            if !is_absent(&child) {
                attributes.push((name.clone(), child));
            }
        }
        let mut blocks = Vec::new();
        for block in &schema.blocks {
            let (bv, av) = (
                b.and_then(|m| m.get(block.name)),
                a.and_then(|m| m.get(block.name)),
            );
            let group = self.at(PathStep::Key(block.name.to_string()), |s| {
                s.block_group(block, bv, av)
            });
            if !group.elements.is_empty() {
                blocks.push(group);
            }
        }
        let parts = attributes
            .iter()
            .map(|(_, d)| d)
            .chain(blocks.iter().flat_map(|g| &g.elements));
        let change = aggregate(before, after, parts);
        Diff {
            change,
            replace: false,
            node: Node::Block { attributes, blocks },
        }
    }

    fn block_group(
        &mut self,
        block: &BlockSchema,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> BlockGroup {
        let replace = self.forces();
        let shape = Shape::Block(&block.schema);
        let elements = match block.nesting {
            Nesting::Single => {
                let diff = self.diff(single(before), single(after), shape, false);
                vec![diff]
            }
            Nesting::List | Nesting::Set => {
                let b = before.and_then(Value::as_list).unwrap_or_default();
                let a = after.and_then(Value::as_list).unwrap_or_default();
                let pairs = if block.nesting == Nesting::Set {
                    match_by_value(b, a)
                } else {
                    match_by_position(b.len(), a.len())
                };
                pairs
                    .into_iter()
                    .map(|(i, j)| {
                        let index = j.or(i).unwrap_or_default();
                        self.at(PathStep::Index(index), |s| {
                            s.diff(i.map(|i| &b[i]), j.map(|j| &a[j]), shape, false)
                        })
                    })
                    .collect()
            }
        };
        BlockGroup {
            name: block.name.to_string(),
            elements: elements.into_iter().filter(|d| !is_absent(d)).collect(),
            replace,
        }
    }
}

/// A node that exists on neither side.
fn is_absent(diff: &Diff) -> bool {
    matches!(
        diff.node,
        Node::Primitive {
            before: None,
            after: None
        }
    )
}

/// A single nested block's object; some states keep it as a list of one.
fn single(value: Option<&Value>) -> Option<&Value> {
    match value.map(Value::peel) {
        Some(Value::List(items)) => items.first(),
        _ => value,
    }
}

fn element_shape(shape: Shape<'_>) -> Shape<'_> {
    match shape {
        Shape::Attr(AttrType::List(t) | AttrType::Set(t) | AttrType::Map(t)) => Shape::Attr(t),
        Shape::Json => Shape::Json,
        _ => Shape::Any,
    }
}

/// Pairs of (before index, after index) matched by position.
fn match_by_position(before: usize, after: usize) -> Vec<(Option<usize>, Option<usize>)> {
    (0..before.max(after))
        .map(|i| ((i < before).then_some(i), (i < after).then_some(i)))
        .collect()
}

/// Set elements: equal, known elements match; the rest of the before side
/// is deleted and the rest of the after side created.
fn match_by_value(before: &[Value], after: &[Value]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut taken = vec![false; after.len()];
    let mut pairs = Vec::new();
    for (i, b) in before.iter().enumerate() {
        let found = (0..after.len()).find(|&j| !taken[j] && same(b, &after[j]));
        if let Some(j) = found {
            taken[j] = true;
        }
        pairs.push((Some(i), found));
    }
    pairs.extend(
        (0..after.len())
            .filter(|&j| !taken[j])
            .map(|j| (None, Some(j))),
    );
    pairs
}

/// List elements matched by a longest common subsequence; where a run of
/// elements differs, objects are paired in place (an object changed in a
/// list shows as an update of that element) and the rest are deleted, then
/// created.
fn match_by_subsequence(before: &[Value], after: &[Value]) -> Vec<(Option<usize>, Option<usize>)> {
    // Debug output is deterministic (maps are sorted) and includes marks,
    // so it serves as an equality key for values that are not `Hash`.
    let key = |v: &Value| format!("{v:?}");
    let ops = similar::capture_diff_slices_by_key(similar::Algorithm::Myers, before, after, key);
    let mut pairs = Vec::new();
    for op in ops {
        let (_, old, new) = op.as_tag_tuple();
        let (mut old, mut new) = (old.peekable(), new.peekable());
        if op.tag() == similar::DiffTag::Equal {
            pairs.extend(old.zip(new).map(|(i, j)| (Some(i), Some(j))));
            continue;
        }
        while let (Some(&i), Some(&j)) = (old.peek(), new.peek()) {
            if kind(&before[i]) != Kind::Map || kind(&after[j]) != Kind::Map {
                break;
            }
            pairs.push((Some(i), Some(j)));
            old.next();
            new.next();
        }
        pairs.extend(old.map(|i| (Some(i), None)));
        pairs.extend(new.map(|j| (None, Some(j))));
    }
    pairs
}

/// A string attribute: JSON is diffed as a structure, multi-line text as
/// lines, anything else as one value.
fn string(before: Option<&Value>, after: Option<&Value>) -> Diff {
    let b = before.and_then(Value::as_str);
    let a = after.and_then(Value::as_str);
    let (bj, aj) = (b.and_then(parse_json), a.and_then(parse_json));
    let change = change_of(before, after);
    let json_sides = (b.is_none() || bj.is_some()) && (a.is_none() || aj.is_some());
    if json_sides && (bj.is_some() || aj.is_some()) {
        let mut builder = Builder {
            replace: &[],
            path: Vec::new(),
        };
        let inner = builder.diff(bj.as_ref(), aj.as_ref(), Shape::Json, false);
        let whitespace_only = change == Change::Update && inner.change == Change::NoOp;
        return Diff {
            change,
            replace: false,
            node: Node::Json {
                inner: Box::new(inner),
                whitespace_only,
            },
        };
    }
    if let (Some(_), Some(_)) = (b, a) {
        if bj.is_some() != aj.is_some() {
            return Diff {
                change: Change::Update,
                replace: false,
                node: Node::TypeChange {
                    before: Box::new(primitive(before, None)),
                    after: Box::new(primitive(None, after)),
                },
            };
        }
    }
    let multiline = |s: Option<&str>| s.is_some_and(|s| s.contains('\n'));
    if multiline(b) || multiline(a) {
        return Diff {
            change,
            replace: false,
            node: Node::Lines(line_diff(b, a)),
        };
    }
    primitive(before, after)
}

fn primitive(before: Option<&Value>, after: Option<&Value>) -> Diff {
    Diff {
        change: change_of(before, after),
        replace: false,
        node: Node::Primitive {
            before: before.cloned(),
            after: after.cloned(),
        },
    }
}

/// A JSON object or array held in a string, as Terraform recognises them.
fn parse_json(text: &str) -> Option<Value> {
    if !(text.starts_with('{') || text.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|json| Value::from_json(&json))
}

/// Splits a multi-line string as Terraform shows it: surrounding blank
/// space trimmed, one entry per line.
fn lines_of(text: &str) -> Vec<&str> {
    let text = if text.contains('\n') {
        text.trim()
    } else {
        text
    };
    text.split('\n').collect()
}

/// The line diff of two strings (a created or deleted string is all
/// unchanged lines: the attribute's own marker says what happens to it).
fn line_diff(before: Option<&str>, after: Option<&str>) -> Vec<TextLine> {
    let (b, a) = match (before, after) {
        (Some(b), Some(a)) => (lines_of(b), lines_of(a)),
        (Some(only), None) | (None, Some(only)) => {
            return lines_of(only)
                .into_iter()
                .map(|l| TextLine::Same(l.to_string()))
                .collect();
        }
        (None, None) => return Vec::new(),
    };
    let mut lines = Vec::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &b, &a) {
        for change in op.iter_changes(&b, &a) {
            let text = change.value().to_string();
            lines.push(match change.tag() {
                similar::ChangeTag::Equal => TextLine::Same(text),
                similar::ChangeTag::Delete => TextLine::Removed(text),
                similar::ChangeTag::Insert => TextLine::Added(text),
            });
        }
    }
    fold(lines)
}

/// Folds long unchanged stretches, keeping [`CONTEXT_LINES`] lines next to
/// each change.
fn fold(lines: Vec<TextLine>) -> Vec<TextLine> {
    let near = near_a_change(&lines);
    let mut out = Vec::new();
    let mut run: Vec<TextLine> = Vec::new();
    let flush = |run: &mut Vec<TextLine>, out: &mut Vec<TextLine>| {
        if run.len() >= MIN_FOLDED_LINES {
            out.push(TextLine::Hidden(run.len()));
        } else {
            out.append(run);
        }
        run.clear();
    };
    for (line, near) in lines.into_iter().zip(near) {
        if near {
            flush(&mut run, &mut out);
            out.push(line);
        } else {
            run.push(line);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// For each line: is it a change, or within [`CONTEXT_LINES`] of one?
fn near_a_change(lines: &[TextLine]) -> Vec<bool> {
    let changed = |l: &TextLine| !matches!(l, TextLine::Same(_));
    let mut near = vec![false; lines.len()];
    let mut since = usize::MAX;
    for (i, line) in lines.iter().enumerate() {
        since = if changed(line) {
            0
        } else {
            since.saturating_add(1)
        };
        near[i] = since <= CONTEXT_LINES;
    }
    since = usize::MAX;
    for (i, line) in lines.iter().enumerate().rev() {
        since = if changed(line) {
            0
        } else {
            since.saturating_add(1)
        };
        near[i] |= since <= CONTEXT_LINES;
    }
    near
}
