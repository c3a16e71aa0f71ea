//! Evaluation of a resource, data source or provider body against its
//! schema: arguments, nested blocks and `dynamic` blocks become one object
//! value, and every mistake (unsupported argument, missing required
//! argument, wrong type) becomes a diagnostic with a span. It keeps going
//! after a mistake so that one run reports them all.

use std::collections::BTreeMap;

use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;

use crate::config::{RESOURCE_META_ARGUMENTS, RESOURCE_META_BLOCKS};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::eval::{Namespace, Scope};
use crate::provider::{AttrType, BlockSchema, Nesting, Presence, Schema};
use crate::types::{convert, Type};
use crate::value::Value;

impl AttrType {
    /// The equivalent type constraint, for conversion.
    pub fn to_type(&self) -> Type {
        match self {
            AttrType::String => Type::String,
            AttrType::Number => Type::Number,
            AttrType::Bool => Type::Bool,
            AttrType::List(t) => Type::List(Box::new(t.to_type())),
            AttrType::Set(t) => Type::Set(Box::new(t.to_type())),
            AttrType::Map(t) => Type::Map(Box::new(t.to_type())),
            AttrType::Any => Type::Any,
        }
    }
}

/// Whether meta-arguments (`count`, `lifecycle`, …) are skipped: yes in
/// resource bodies (and `when`, `on_failure`, `connection` in provisioner
/// bodies), no in nested blocks and provider bodies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Resource,
    Nested,
    Provider,
    Provisioner,
}

pub fn eval_body(
    body: &Body,
    schema: &Schema,
    scope: &Scope<'_>,
    kind: BodyKind,
    what: &str,
    block_span: Option<Span>,
    diags: &mut Diagnostics,
) -> Value {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let mut blocks: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    let span_of = |r: Option<std::ops::Range<usize>>| r.map(|r| Span::new(scope.file.clone(), r));
    let json = crate::json_syntax::is_json_template(&scope.file);
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let name = attr.key.as_str();
                if kind == BodyKind::Resource && RESOURCE_META_ARGUMENTS.contains(&name) {
                    continue;
                }
                if kind == BodyKind::Provider && name == "alias" {
                    continue;
                }
                if kind == BodyKind::Provisioner && crate::provisioner::is_meta_argument(name) {
                    continue;
                }
                if json && schema.attribute(name).is_none() && schema.nested_block(name).is_some() {
                    // JSON writes nested blocks as properties; only the schema tells them apart.
                    match crate::json_syntax::argument_blocks(attr) {
                        Ok(found) => {
                            for (block, span) in found {
                                let span = span_of(span);
                                eval_nested(&block, span, schema, scope, &mut blocks, diags);
                            }
                        }
                        Err(d) => diags.push(d.with_span(span_of(attr.value.span()))),
                    }
                    continue;
                }
                if let Some(value) = eval_argument(attr, schema, scope, what, diags) {
                    out.insert(name.to_string(), value);
                }
            }
            Structure::Block(block) => {
                let name = block.ident.as_str();
                if kind == BodyKind::Resource && RESOURCE_META_BLOCKS.contains(&name) {
                    continue;
                }
                if kind == BodyKind::Provisioner && name == "connection" {
                    // Reported when the provisioner block is lowered.
                    continue;
                }
                if name == "dynamic" {
                    eval_dynamic(block, schema, scope, what, diags, &mut blocks);
                    continue;
                }
                if name == "_" && matches!(kind, BodyKind::Resource | BodyKind::Provider) {
                    // Terraform's escaping block: provider arguments whose names
                    // are meta-arguments (`count`, `provider`, …) are written in it.
                    for attr in block.body.attributes() {
                        if let Some(value) = eval_argument(attr, schema, scope, what, diags) {
                            out.insert(attr.key.as_str().to_string(), value);
                        }
                    }
                    continue;
                }
                if schema.nested_block(name).is_none() {
                    let hint = if schema.attribute(name).is_some() {
                        format!(" {name} is an argument: write `{name} = …`.")
                    } else {
                        did_you_mean(name, schema.blocks.iter().map(|b| b.name))
                    };
                    diags.push(
                        Diagnostic::error(
                            "Unsupported block type",
                            format!("Blocks of type \"{name}\" are not expected in {what}.{hint}"),
                        )
                        .with_span(span_of(block.ident.span())),
                    );
                    continue;
                }
                eval_nested(
                    block,
                    span_of(block.ident.span()),
                    schema,
                    scope,
                    &mut blocks,
                    diags,
                );
            }
        }
    }
    for attribute in &schema.attributes {
        if attribute.presence == Presence::Required && !out.contains_key(attribute.name) {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument \"{}\" is required in {what}, but no definition was found. Add `{} = …`.",
                        attribute.name, attribute.name
                    ),
                )
                .with_span(block_span.clone()),
            );
        }
    }
    for block_schema in &schema.blocks {
        let items = blocks.remove(block_schema.name).unwrap_or_default();
        check_block_count(block_schema, items.len(), what, &block_span, diags);
        let value = match block_schema.nesting {
            Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set_from(items),
        };
        out.insert(block_schema.name.to_string(), value);
    }
    Value::Map(out)
}

/// Evaluates a nested block of a type the schema declares, adding its
/// value to `blocks`.
fn eval_nested(
    block: &Block,
    span: Option<Span>,
    schema: &Schema,
    scope: &Scope<'_>,
    blocks: &mut BTreeMap<&'static str, Vec<Value>>,
    diags: &mut Diagnostics,
) {
    let name = block.ident.as_str();
    let Some(block_schema) = schema.nested_block(name) else {
        return;
    };
    let value = eval_body(
        &block.body,
        &block_schema.schema,
        scope,
        BodyKind::Nested,
        &format!("a {name} block"),
        span,
        diags,
    );
    blocks.entry(block_schema.name).or_default().push(value);
}

/// Evaluates one argument of a body against the schema: `None` (with a
/// diagnostic) when the schema has no such settable argument.
fn eval_argument(
    attr: &Attribute,
    schema: &Schema,
    scope: &Scope<'_>,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let name = attr.key.as_str();
    let span_of = |r: Option<std::ops::Range<usize>>| r.map(|r| Span::new(scope.file.clone(), r));
    let Some(attribute) = schema.attribute(name) else {
        let candidates = schema
            .attributes
            .iter()
            .filter(|a| a.user_settable())
            .map(|a| a.name)
            .chain(schema.blocks.iter().map(|b| b.name));
        let hint = if schema.nested_block(name).is_some() {
            format!(" {name} is a block: write `{name} {{ … }}` instead of `{name} = …`.")
        } else {
            did_you_mean(name, candidates)
        };
        diags.push(
            Diagnostic::error(
                "Unsupported argument",
                format!("An argument named \"{name}\" is not expected in {what}.{hint}"),
            )
            .with_span(span_of(attr.key.span().or_else(|| attr.value.span()))),
        );
        return None;
    };
    if attribute.presence == Presence::Computed {
        diags.push(
            Diagnostic::error(
                "Value for unconfigurable attribute",
                format!("The attribute \"{name}\" of {what} is computed by the provider and cannot be set. Remove it."),
            )
            .with_span(span_of(attr.key.span().or_else(|| attr.value.span()))),
        );
        return None;
    }
    let value = match scope.eval(&attr.value) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            Value::Unknown
        }
    };
    let value = match convert(value, &attribute.ty.to_type()) {
        Ok(v) => v,
        Err(err) => {
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!(
                        "Inappropriate value for attribute \"{name}\": {err} The attribute takes {}.",
                        describe_type(&attribute.ty)
                    ),
                )
                .with_span(span_of(attr.value.span())),
            );
            Value::Unknown
        }
    };
    Some(value.mark_if(attribute.sensitive))
}

fn check_block_count(
    block: &BlockSchema,
    count: usize,
    what: &str,
    span: &Option<Span>,
    diags: &mut Diagnostics,
) {
    if count < block.min_items {
        diags.push(
            Diagnostic::error(
                "Missing required block",
                format!(
                    "At least {} \"{}\" block(s) are required in {what}.",
                    block.min_items, block.name
                ),
            )
            .with_span(span.clone()),
        );
    }
    let max = match block.nesting {
        Nesting::Single => Some(1),
        _ => block.max_items,
    };
    if let Some(max) = max {
        if count > max {
            diags.push(
                Diagnostic::error(
                    "Too many blocks",
                    format!(
                        "No more than {max} \"{}\" block(s) are allowed in {what}.",
                        block.name
                    ),
                )
                .with_span(span.clone()),
            );
        }
    }
}

/// Expands `dynamic "NAME" { for_each = …, iterator = it, content { … } }`.
fn eval_dynamic(
    block: &Block,
    schema: &Schema,
    scope: &Scope<'_>,
    what: &str,
    diags: &mut Diagnostics,
    blocks: &mut BTreeMap<&'static str, Vec<Value>>,
) {
    let span = block.ident.span().map(|r| Span::new(scope.file.clone(), r));
    let Some(label) = block.labels.first().map(|l| l.as_str().to_string()) else {
        diags.push(
            Diagnostic::error(
                "Missing block label",
                "A dynamic block needs the name of the block it generates: dynamic \"NAME\" { … }.",
            )
            .with_span(span),
        );
        return;
    };
    let Some(block_schema) = schema.nested_block(&label) else {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{label}\" are not expected in {what}.{}",
                    did_you_mean(&label, schema.blocks.iter().map(|b| b.name))
                ),
            )
            .with_span(span),
        );
        return;
    };
    let Some(for_each) = block.body.get_attribute("for_each") else {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                "A dynamic block needs a for_each argument.",
            )
            .with_span(span),
        );
        return;
    };
    let iterator = block
        .body
        .get_attribute("iterator")
        .and_then(|a| match &a.value {
            hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_string()),
            _ => None,
        })
        .unwrap_or_else(|| label.clone());
    let Some(content) = block.body.get_blocks("content").next() else {
        diags.push(
            Diagnostic::error(
                "Missing required block",
                "A dynamic block needs a content { … } block.",
            )
            .with_span(span),
        );
        return;
    };
    let collection = match scope.eval(&for_each.value) {
        Ok(v) => v.unmark().0,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    let pairs: Vec<(Value, Value)> = match collection {
        Value::Unknown => {
            // The number of blocks is not known yet: the whole block list is unknown.
            blocks
                .entry(block_schema.name)
                .or_default()
                .push(Value::Unknown);
            return;
        }
        Value::List(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::number(i), v))
            .collect(),
        Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
        Value::Map(map) => map
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect(),
        Value::Null => Vec::new(),
        other => {
            diags.push(
                Diagnostic::error(
                    "Invalid dynamic for_each value",
                    format!(
                        "Cannot use a {} value in for_each; a collection is required.",
                        other.type_name()
                    ),
                )
                .with_span(
                    for_each
                        .value
                        .span()
                        .map(|r| Span::new(scope.file.clone(), r)),
                ),
            );
            return;
        }
    };
    for (key, value) in pairs {
        let mut iterator_value = BTreeMap::new();
        iterator_value.insert("key".to_string(), key);
        iterator_value.insert("value".to_string(), value);
        let inner = scope.with_binding(&iterator, Value::Map(iterator_value));
        let item = eval_body(
            &content.body,
            &block_schema.schema,
            &inner,
            BodyKind::Nested,
            &format!("a {label} block"),
            span.clone(),
            diags,
        );
        blocks.entry(block_schema.name).or_default().push(item);
    }
}

fn describe_type(ty: &AttrType) -> String {
    match ty {
        AttrType::String => "a string".to_string(),
        AttrType::Number => "a number".to_string(),
        AttrType::Bool => "a bool".to_string(),
        AttrType::List(t) => format!("a list of {}", describe_type(t).trim_start_matches("a ")),
        AttrType::Set(t) => format!("a set of {}", describe_type(t).trim_start_matches("a ")),
        AttrType::Map(t) => format!("a map of {}", describe_type(t).trim_start_matches("a ")),
        AttrType::Any => "any value".to_string(),
    }
}

/// A value with every attribute of a schema unknown: what a resource looks
/// like before anything about it is known (e.g. in `stack validate`).
pub fn unknown_object(schema: &Schema) -> Value {
    let mut out = BTreeMap::new();
    for attribute in &schema.attributes {
        out.insert(attribute.name.to_string(), Value::Unknown);
    }
    for block in &schema.blocks {
        out.insert(block.name.to_string(), Value::Unknown);
    }
    Value::Map(out)
}

impl Scope<'_> {
    /// A copy of the scope with one more name bound (dynamic block iterators).
    pub fn with_binding(&self, name: &str, value: Value) -> Self {
        let mut scope = self.clone();
        scope.bind(name, value);
        scope
    }
}

/// An empty namespace for evaluating constants.
pub fn empty_namespace() -> Namespace {
    Namespace::default()
}

/// The provisioners a resource's provider runs (`shell`, delivered by the
/// EC2 provider through user data); `local-exec` ones are run by the apply.
fn provider_provisioners(
    resource: &crate::config::Resource,
) -> impl Iterator<Item = &crate::config::Provisioner> {
    resource
        .provisioners
        .iter()
        .filter(|p| p.kind != crate::provisioner::LOCAL_EXEC)
}

/// Evaluates a resource's `provisioner "shell" { … }` blocks into a list of
/// objects (`type` plus the block's arguments, `environment` holding the
/// stack's configuration map merged with the block's own), for providers
/// whose schema has a `provisioners` attribute (shell provisioners run at
/// boot through EC2 user data).
pub fn eval_provisioners(
    resource: &crate::config::Resource,
    scope: &Scope<'_>,
    configuration: Option<&Value>,
    diags: &mut Diagnostics,
) -> Value {
    let mut out = Vec::new();
    for provisioner in provider_provisioners(resource) {
        let mut object = BTreeMap::new();
        object.insert("type".to_string(), Value::String(provisioner.kind.clone()));
        for attr in provisioner.body.attributes() {
            if crate::provisioner::is_meta_argument(attr.key.as_str()) {
                continue;
            }
            match scope.eval(&attr.value) {
                Ok(v) => {
                    object.insert(attr.key.as_str().to_string(), v);
                }
                Err(d) => diags.push(d),
            }
        }
        let mut environment: BTreeMap<String, Value> = configuration
            .and_then(|c| c.as_map().cloned())
            .unwrap_or_default();
        if let Some(own) = object.get("environment").and_then(|e| e.as_map().cloned()) {
            environment.extend(own);
        }
        object.insert("environment".to_string(), Value::Map(environment));
        out.push(Value::Map(object));
    }
    Value::List(out)
}

/// Adds evaluated provider provisioners to a resource's configuration, or
/// reports that its type cannot run them.
pub fn attach_provisioners(
    config: Value,
    resource: &crate::config::Resource,
    schema: &Schema,
    scope: &Scope<'_>,
    configuration: Option<&Value>,
    diags: &mut Diagnostics,
) -> Value {
    let Some(first) = provider_provisioners(resource).next() else {
        return config;
    };
    if schema.attribute("provisioners").is_none() {
        diags.push(
            Diagnostic::error(
                "Unsupported provisioner",
                format!(
                    "The resource type \"{}\" cannot run \"{}\" provisioners. Shell provisioners run on machines (aws_instance), delivered at boot through user data; to run a command on the machine running stack, use provisioner \"local-exec\".",
                    resource.addr.resource_type, first.kind
                ),
            )
            .with_span(first.span.clone()),
        );
        return config;
    }
    let provisioners = eval_provisioners(resource, scope, configuration, diags);
    match config {
        Value::Map(mut map) => {
            map.insert("provisioners".to_string(), provisioners);
            Value::Map(map)
        }
        other => other,
    }
}
