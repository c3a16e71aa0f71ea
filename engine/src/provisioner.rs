//! A resource's `provisioner "TYPE" { … }` and `connection { … }` blocks:
//! lowering with Terraform's static checks, and evaluating `local-exec`
//! blocks into commands for the apply ([`crate::apply`] runs them).
//!
//! Two kinds of provisioner run:
//! - `local-exec`, on the machine running `stack`, for every managed
//!   resource type: after the object is created (`when = create`, the
//!   default) or before it is destroyed (`when = destroy`), as Terraform
//!   runs it;
//! - `shell`, stack's own, on an `aws_instance`: the engine hands it to the
//!   provider as data (`body::attach_provisioners`) and the EC2 provider
//!   delivers it through user data.
//!
//! `remote-exec`, `file` and `connection` need a connection to the machine,
//! which `stack` never opens: they are errors pointing to `shell`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::visit::{visit_expr, visit_for_expr, Visit};
use hcl_edit::Span as _;

use crate::body::{eval_body, BodyKind};
use crate::config::{block_span, Provisioner, Resource};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::eval::Scope;
use crate::provider::{AttrType, AttributeSchema, Schema};
use crate::value::Value;

/// The provisioner `stack` runs on its own machine.
pub const LOCAL_EXEC: &str = "local-exec";
/// The provisioner the EC2 provider delivers through user data.
pub const SHELL: &str = "shell";

/// When a provisioner runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// After the object is created (not after an update).
    Create,
    /// Before the object is destroyed.
    Destroy,
}

/// What a failed provisioner does to the apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// The apply fails; a created object is tainted, a destroy stops.
    Fail,
    /// The failure is reported and the apply goes on.
    Continue,
}

/// Arguments of a provisioner block that are not its type's own.
const META_ARGUMENTS: &[&str] = &["when", "on_failure"];

/// Whether a body argument is a provisioner meta-argument.
pub fn is_meta_argument(name: &str) -> bool {
    META_ARGUMENTS.contains(&name)
}

/// Lowers a `provisioner "TYPE" { … }` block; `None` (after an error) for
/// types `stack` cannot run.
pub fn lower(block: &Block, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Option<Provisioner> {
    let span = block_span(block, file);
    let Some(kind) = block.labels.first().map(|l| l.as_str().to_string()) else {
        diags.push(
            Diagnostic::error(
                "Missing type for provisioner",
                "All provisioner blocks must have 1 labels (type), as in provisioner \"local-exec\" { … }.",
            )
            .with_span(span),
        );
        return None;
    };
    match kind.as_str() {
        LOCAL_EXEC | SHELL => {}
        "remote-exec" | "file" => {
            let what = format!("A provisioner \"{kind}\" runs on a machine it connects to");
            diags.push(needs_connection(&what).with_span(span));
            return None;
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "Missing required provisioner plugin",
                    format!("stack runs no provisioner of type \"{kind}\". It runs provisioner \"local-exec\" on the machine running stack, and provisioner \"shell\" on aws_instance machines, delivered through user data."),
                )
                .with_span(span),
            );
            return None;
        }
    }
    let mut provisioner = Provisioner {
        kind,
        span,
        body: block.body.clone(),
        when: When::Create,
        on_failure: OnFailure::Fail,
    };
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) if attr.key.as_str() == "when" => {
                let allowed = [("create", When::Create), ("destroy", When::Destroy)];
                if let Some(when) = keyword(attr, &allowed, file, diags) {
                    provisioner.when = when;
                }
            }
            Structure::Attribute(attr) if attr.key.as_str() == "on_failure" => {
                let allowed = [("continue", OnFailure::Continue), ("fail", OnFailure::Fail)];
                if let Some(on_failure) = keyword(attr, &allowed, file, diags) {
                    provisioner.on_failure = on_failure;
                }
            }
            Structure::Block(inner) if inner.ident.as_str() == "connection" => {
                diags.push(connection_block(inner, file));
            }
            _ => {}
        }
    }
    // A destroy-time block that refers to other objects is left out, so
    // that evaluating it reports nothing more than that.
    if provisioner.when == When::Destroy && !only_self_references(&block.body, file, diags) {
        return None;
    }
    Some(provisioner)
}

/// The error for a `connection` block, in a resource or a provisioner.
pub fn connection_block(block: &Block, file: &Arc<PathBuf>) -> Diagnostic {
    needs_connection("A connection block says how to reach a machine")
        .with_span(block_span(block, file))
}

/// Why `remote-exec`, `file` and `connection` cannot be used, and what to
/// write instead.
fn needs_connection(what: &str) -> Diagnostic {
    Diagnostic::error(
        "Unsupported provisioner connection",
        format!("{what}, and stack does not connect to machines. To run commands or write files on an aws_instance, use provisioner \"shell\" {{ inline = [\"…\"] }} or provisioner \"shell\" {{ script = file(\"…\") }}: stack delivers it through the machine's user data and it runs at first boot. To run a command on the machine running stack, use provisioner \"local-exec\" {{ command = \"…\" }}."),
    )
}

/// Reads `when = destroy`, `on_failure = continue`: a bare keyword.
fn keyword<T: Copy>(
    attr: &hcl_edit::structure::Attribute,
    allowed: &[(&str, T)],
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Option<T> {
    let name = attr.key.as_str();
    if let Expression::Variable(word) = &attr.value {
        if let Some((_, value)) = allowed.iter().find(|(k, _)| *k == word.as_str()) {
            return Some(*value);
        }
    }
    let words: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
    diags.push(
        Diagnostic::error(
            format!("Invalid {name:?} keyword"),
            format!(
                "The {name:?} argument requires one of the following keywords: {}. Write it without quotes, as in {name} = {}.",
                words.join(" or "),
                words[words.len() - 1]
            ),
        )
        .with_span(attr.value.span().map(|r| Span::new(file.clone(), r))),
    );
    None
}

/// Terraform's check that destroy-time provisioners refer only to the
/// object itself: `self`, `count.index`, `each.key` (and `path`,
/// `terraform`, which need nothing else to exist). Anything else may be
/// gone, or not yet known, when the object is destroyed.
fn only_self_references(body: &Body, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> bool {
    let mut valid = true;
    for attr in body.attributes() {
        if is_meta_argument(attr.key.as_str()) {
            continue;
        }
        let mut roots = Roots::default();
        roots.visit_expr(&attr.value);
        for (root, first) in roots.found {
            let allowed = match root.as_str() {
                "self" | "path" | "terraform" => true,
                "count" => first.as_deref() == Some("index"),
                "each" => first.as_deref() == Some("key"),
                _ => false,
            };
            if !allowed {
                valid = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid reference from destroy provisioner",
                        "Destroy-time provisioners and their connection configurations may only reference attributes of the related resource, via 'self', 'count.index', or 'each.key'.\n\nReferences to other resources during the destroy phase can cause dependency cycles and interact poorly with create_before_destroy.",
                    )
                    .with_span(attr.value.span().map(|r| Span::new(file.clone(), r))),
                );
            }
        }
    }
    valid
}

/// The root names an expression refers to, with their first attribute
/// (`each.key` is `("each", Some("key"))`), leaving out names bound by
/// `for` expressions, as HCL's `Variables()` does.
#[derive(Default)]
struct Roots {
    found: Vec<(String, Option<String>)>,
    bound: Vec<String>,
}

impl Visit for Roots {
    fn visit_expr(&mut self, expr: &Expression) {
        let (name, operators) = match expr {
            Expression::Variable(name) => (name.as_str(), None),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(name) => (name.as_str(), Some(&t.operators)),
                _ => return visit_expr(self, expr),
            },
            _ => return visit_expr(self, expr),
        };
        if !self.bound.iter().any(|b| b == name) {
            let first = operators
                .and_then(|ops| ops.first())
                .and_then(|op| match op.value() {
                    TraversalOperator::GetAttr(attr) => Some(attr.as_str().to_string()),
                    _ => None,
                });
            self.found.push((name.to_string(), first));
        }
        for op in operators.into_iter().flatten() {
            self.visit_traversal_operator(op);
        }
    }

    fn visit_for_expr(&mut self, expr: &hcl_edit::expr::ForExpr) {
        let intro = &expr.intro;
        let names = intro.key_var.iter().chain([&intro.value_var]);
        let before = self.bound.len();
        self.bound.extend(names.map(|n| n.as_str().to_string()));
        visit_for_expr(self, expr);
        self.bound.truncate(before);
    }
}

/// A `local-exec` provisioner, evaluated: what to run and how.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalExec {
    pub command: String,
    /// The program and its first arguments; the command is the last one.
    pub interpreter: Vec<String>,
    /// Added to the environment `stack` runs in.
    pub environment: BTreeMap<String, String>,
    pub working_dir: Option<String>,
    /// Leaves the "Executing: …" line out.
    pub quiet: bool,
    pub on_failure: OnFailure,
    /// Some value of the block is sensitive: neither the command nor its
    /// output is shown, as in Terraform.
    pub sensitive: bool,
    /// Some value of the block derives from an ephemeral value: its output
    /// is not shown either (Terraform's behaviour).
    pub ephemeral: bool,
    /// The block, for diagnostics.
    pub span: Option<Span>,
}

/// Terraform's default interpreter on Unix.
pub const DEFAULT_INTERPRETER: [&str; 2] = ["/bin/sh", "-c"];

/// The arguments of a `local-exec` block.
fn local_exec_schema() -> Schema {
    Schema::new("Runs a command on the machine running stack.")
        .attr(AttributeSchema::required("command", AttrType::String))
        .attr(AttributeSchema::optional(
            "interpreter",
            AttrType::List(Box::new(AttrType::String)),
        ))
        .attr(AttributeSchema::optional(
            "environment",
            AttrType::Map(Box::new(AttrType::String)),
        ))
        .attr(AttributeSchema::optional("working_dir", AttrType::String))
        .attr(AttributeSchema::optional("quiet", AttrType::Bool))
}

/// The resource's `local-exec` provisioners that run at `when`.
pub fn local_execs(resource: &Resource, when: When) -> impl Iterator<Item = &Provisioner> {
    resource
        .provisioners
        .iter()
        .filter(move |p| p.kind == LOCAL_EXEC && p.when == when)
}

/// Evaluates a resource's `local-exec` blocks at plan time, with `self`
/// standing for the planned object, so that a mistake in them is reported
/// before anything is applied (as Terraform's validation does).
pub fn check_local_execs(
    resource: &Resource,
    scope: &Scope<'_>,
    planned: &Value,
    diags: &mut Diagnostics,
) {
    let mut scope = scope.clone();
    scope.self_value = Some(planned);
    for provisioner in resource
        .provisioners
        .iter()
        .filter(|p| p.kind == LOCAL_EXEC)
    {
        eval_local_exec_body(provisioner, &scope, diags);
    }
}

fn eval_local_exec_body(
    provisioner: &Provisioner,
    scope: &Scope<'_>,
    diags: &mut Diagnostics,
) -> Value {
    eval_body(
        &provisioner.body,
        &local_exec_schema(),
        scope,
        BodyKind::Provisioner,
        "a local-exec provisioner block",
        provisioner.span.clone(),
        diags,
    )
}

/// Evaluates a `local-exec` block now that everything it refers to is
/// known (`self` set in `scope`). `configuration` is the stack's
/// `configuration` map, added to the environment under the block's own.
pub fn eval_local_exec(
    provisioner: &Provisioner,
    scope: &Scope<'_>,
    configuration: Option<&Value>,
    diags: &mut Diagnostics,
) -> Option<LocalExec> {
    let mut local = Diagnostics::new();
    let value = eval_local_exec_body(provisioner, scope, &mut local);
    let failed = local.has_errors();
    diags.extend(local);
    if failed {
        return None;
    }
    let configuration = configuration.cloned().unwrap_or(Value::Null);
    let sensitive = value.contains_sensitive() || configuration.contains_sensitive();
    let problem = |detail: String| {
        Diagnostic::error("Invalid local-exec provisioner configuration", detail)
            .with_span(provisioner.span.clone())
    };
    if !value.is_wholly_known() {
        diags.push(problem("Some of its values are not known yet; a provisioner may only refer to what exists once its resource is created.".to_string()));
        return None;
    }
    let value = value.unmark_deep();
    let Some(command) = value.get_attr("command").and_then(|c| c.as_str()) else {
        diags.push(problem(
            "The command argument must be a string, not null.".to_string(),
        ));
        return None;
    };
    let mut environment = env_map(&configuration.unmark_deep());
    environment.extend(env_map(
        value.get_attr("environment").unwrap_or(&Value::Null),
    ));
    let interpreter = strings(value.get_attr("interpreter").unwrap_or(&Value::Null));
    Some(LocalExec {
        command: command.to_string(),
        interpreter: if interpreter.is_empty() {
            DEFAULT_INTERPRETER.iter().map(|s| s.to_string()).collect()
        } else {
            interpreter
        },
        environment,
        working_dir: value
            .get_attr("working_dir")
            .and_then(|w| w.as_str())
            .filter(|w| !w.is_empty())
            .map(str::to_string),
        quiet: matches!(value.get_attr("quiet"), Some(Value::Bool(true))),
        on_failure: provisioner.on_failure,
        sensitive,
        ephemeral: false,
        span: provisioner.span.clone(),
    })
}

/// Environment variables from a map: strings as they are, numbers and
/// booleans as written, other values as JSON; null values are left out.
fn env_map(value: &Value) -> BTreeMap<String, String> {
    let Some(map) = value.as_map() else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(name, value)| {
            let text = match value {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                Value::Number(n) => crate::value::format_number(n),
                Value::Bool(b) => b.to_string(),
                other => other.to_json().to_string(),
            };
            Some((name.clone(), text))
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::List(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
