//! Static checks Terraform makes before evaluating anything, so that a
//! configuration Terraform rejects is not silently accepted (issue 15; the
//! corpus in `tests/data/parity` holds Terraform's verdicts).
//!
//! Checks of one block are called by the loader as it lowers the block
//! ([`variable_declaration`], [`condition_block`]); checks that need the
//! whole module run once it is loaded ([`check`]); the `ignore_changes`
//! check needs the providers' schemas ([`check_schemas`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Block;
use hcl_edit::visit::{visit_expr, Visit};
use hcl_edit::Span as _;

use crate::addrs::{ModulePath, ResourceAddr, ResourceMode};
use crate::config::{literal, Config, Expr, IgnoreChanges, Module, Variable};
use crate::context::ProviderRegistry;
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::eval::{references, Reference};
use crate::provider::Provider;
use crate::types::convert;
use crate::value::Value;
use crate::version::{self, ConstraintError, Version, TERRAFORM_LANGUAGE_VERSION};

/// Runs the checks that need a whole loaded configuration.
pub fn check(config: &Config) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for module in config.modules.values() {
        required_version(module, &mut diags);
        state_storage(module, &mut diags);
        deprecations(config, module, &mut diags);
        for variable in module.variables.values() {
            validation_conditions(variable, &mut diags);
        }
        for resource in module.resources.values() {
            depends_on(module, &resource.depends_on, &mut diags);
            for expr in &resource.lifecycle.replace_triggered_by {
                replace_triggered_by(module, expr, &mut diags);
            }
        }
        for output in module.outputs.values() {
            depends_on(module, &output.depends_on, &mut diags);
        }
        for call in module.module_calls.values() {
            depends_on(module, &call.depends_on, &mut diags);
        }
    }
    diags
}

// ---------------------------------------------------------------------------
// required_version

fn required_version(module: &Module, diags: &mut Diagnostics) {
    let implemented = Version::implemented();
    for (constraint, span) in &module.settings.required_version {
        match version::parse_constraints(constraint) {
            Ok(list) if version::allows_all(&list, &implemented) => {}
            Ok(_) => diags.push(unsupported_version(module, constraint).with_span(span.clone())),
            Err(err) => diags.push(invalid_constraint(&err).with_span(span.clone())),
        }
    }
}

fn unsupported_version(module: &Module, constraint: &str) -> Diagnostic {
    let whose = if module.path.is_root() {
        "This configuration".to_string()
    } else {
        format!("The module {} (from {})", module.path, module.dir.display())
    };
    Diagnostic::error(
        "Unsupported Terraform Core version",
        format!(
            "{whose} requires Terraform {constraint:?}, but stack implements the language of Terraform {TERRAFORM_LANGUAGE_VERSION}. Use a configuration written for that version, or widen the required_version constraint if the configuration works with it."
        ),
    )
}

fn invalid_constraint(err: &ConstraintError) -> Diagnostic {
    match err {
        ConstraintError::Malformed(text) => Diagnostic::error(
            "Invalid version constraint",
            format!("{text:?} is not a version constraint. Write one or more comma-separated constraints such as \">= 1.5, < 2.0\" or \"~> 1.15\"."),
        ),
        ConstraintError::Prerelease(text) => Diagnostic::error(
            "Invalid required_version constraint",
            format!("Prerelease versions are not supported in required_version ({text}). Remove the prerelease part, such as -beta1."),
        ),
    }
}

/// A module's state goes to HCP Terraform (`cloud`) or to a backend, not both.
fn state_storage(module: &Module, diags: &mut Diagnostics) {
    let settings = &module.settings;
    if let (Some(cloud), Some(backend)) = (&settings.cloud_block, &settings.backend_block) {
        diags.push(
            Diagnostic::error(
                "Conflicting 'cloud' and 'backend' configuration blocks are present",
                "State is stored either in HCP Terraform (a cloud block) or in a backend, not both. Remove one of the two blocks.",
            )
            .with_span(Some(backend.clone()))
            .with_related(cloud.clone(), "cloud block here"),
        );
    }
}

/// A root module's output cannot be deprecated (nobody calls the root
/// module to be warned), and a module call that sets a deprecated variable
/// is warned, as Terraform does.
fn deprecations(config: &Config, module: &Module, diags: &mut Diagnostics) {
    for output in module.outputs.values() {
        match &output.deprecated {
            Some((_, span)) if module.path.is_root() => diags.push(
                Diagnostic::error(
                    "Root module output deprecated",
                    "Only the outputs of called modules can be deprecated: the root module has no caller to warn. Remove `deprecated`, or describe the change in the description.",
                )
                .with_span(span.clone()),
            ),
            _ => {}
        }
    }
    for call in module.module_calls.values() {
        let Some(child) = config.modules.get(&module.path.child(&call.name)) else {
            continue;
        };
        for (name, expr) in &call.arguments {
            let deprecated = child
                .variables
                .get(name)
                .and_then(|v| v.deprecated.as_ref());
            if let Some((message, _)) = deprecated {
                diags.push(
                    Diagnostic::warning(
                        "Deprecated variable got a value",
                        format!(
                            "The variable {name:?} of module {:?} is deprecated: {message}",
                            call.name
                        ),
                    )
                    .with_span(expr.span.clone()),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Variables

/// Names a variable cannot take because a `module` block gives them another
/// meaning (a caller could not set such a variable).
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
    "ignore_nested_deprecations",
    "lifecycle",
    "locals",
    "provider",
    "_",
];

/// Checks a variable declaration on its own: its name, and its default
/// against its type and `nullable`.
pub fn variable_declaration(variable: &Variable, diags: &mut Diagnostics) {
    if RESERVED_VARIABLE_NAMES.contains(&variable.name.as_str()) {
        diags.push(
            Diagnostic::error(
                "Invalid variable name",
                format!(
                    "The variable name {:?} is reserved because module blocks use it as a meta-argument, so no caller could set it. Choose another name.",
                    variable.name
                ),
            )
            .with_span(variable.span.clone()),
        );
    }
    if variable.constant && variable.sensitive {
        diags.push(
            Diagnostic::error(
                "Const variable cannot be sensitive",
                "A const variable's value may be used where nothing can be hidden (such as module sources), so it cannot be sensitive. Remove one of `const` and `sensitive`.",
            )
            .with_span(variable.span.clone()),
        );
    }
    let Some(default) = &variable.default else {
        return;
    };
    if let Some(d) = not_constant(&default.expr) {
        return diags.push(d.with_span(default.span.clone()));
    }
    let Some(value) = literal(&default.expr) else {
        return;
    };
    let problem = match (&value, &variable.ty) {
        (Value::Null, _) if !variable.nullable => Some(
            "The default is null, but the variable is declared with nullable = false. Give a non-null default, or remove the default to make the variable required.".to_string(),
        ),
        (Value::Null, _) | (_, None) => None,
        (_, Some(ty)) => convert(value.clone(), ty).err().map(|err| {
            format!("The default does not match the variable's type: {err} Change the default or the type.")
        }),
    };
    if let Some(detail) = problem {
        diags.push(
            Diagnostic::error("Invalid default value for variable", detail)
                .with_span(default.span.clone()),
        );
    }
}

/// A variable's validation conditions must test the variable: a condition
/// that does not mention it can never catch a bad value.
fn validation_conditions(variable: &Variable, diags: &mut Diagnostics) {
    for validation in &variable.validations {
        let condition = &validation.condition;
        let refers_to_self = references(&condition.expr)
            .iter()
            .any(|r| r.reference == Reference::Var(variable.name.clone()));
        if refers_to_self {
            continue;
        }
        diags.push(
            Diagnostic::error(
                "Invalid variable validation condition",
                format!(
                    "The condition for variable {:?} must refer to var.{} to test the value it is given.",
                    variable.name, variable.name
                ),
            )
            .with_span(condition.span.clone()),
        );
    }
}

// ---------------------------------------------------------------------------
// Conditions (precondition, postcondition, validation)

/// Collects every reference in an expression as its root name and first
/// attribute (`each.key` is `("each", Some("key"))`), including `for`
/// variables, which Terraform counts too.
#[derive(Default)]
struct Refs(Vec<(String, Option<String>)>);

impl Visit for Refs {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(name) => self.0.push((name.as_str().to_string(), None)),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(name) => {
                    let ops: Vec<&TraversalOperator> =
                        t.operators.iter().map(|o| o.value()).collect();
                    let attr = attr_name(ops.first()).map(str::to_string);
                    self.0.push((name.as_str().to_string(), attr));
                    t.operators
                        .iter()
                        .for_each(|op| self.visit_traversal_operator(op));
                }
                _ => visit_expr(self, expr),
            },
            _ => visit_expr(self, expr),
        }
    }
}

/// Finds whether an expression calls a function.
#[derive(Default)]
struct Calls(bool);

impl Visit for Calls {
    fn visit_func_call(&mut self, call: &hcl_edit::expr::FuncCall) {
        self.0 = true;
        hcl_edit::visit::visit_func_call(self, call);
    }
}

/// Why an argument that takes a constant (a variable's default, a lifecycle
/// flag, a description) is not one, as Terraform says it; `None` if it is.
pub fn not_constant(expr: &Expression) -> Option<Diagnostic> {
    if !refs(expr).is_empty() {
        return Some(Diagnostic::error(
            "Variables not allowed",
            "This argument takes a constant value, known before anything is evaluated: variables, locals and other references may not be used here.",
        ));
    }
    let mut calls = Calls::default();
    calls.visit_expr(expr);
    calls.0.then(|| {
        Diagnostic::error(
            "Function calls not allowed",
            "This argument takes a constant value, known before anything is evaluated: write the value itself instead of a function call.",
        )
    })
}

fn refs(expr: &Expression) -> Vec<(String, Option<String>)> {
    let mut refs = Refs::default();
    refs.visit_expr(expr);
    refs.0
}

/// Checks a `precondition`, `postcondition`, `validation` or `assert`
/// block: both arguments present, a condition that refers to something (a
/// constant checks nothing), `self` only in postconditions, and no
/// reference to the resource `owner` by name.
pub fn condition_block(
    block: &Block,
    owner: Option<&ResourceAddr>,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) {
    let kind = block.ident.as_str();
    let at = |expr: &Expression| expr.span().map(|r| Span::new(file.clone(), r));
    for name in ["condition", "error_message"] {
        if block.body.get_attribute(name).is_none() {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("A {kind} block needs a `{name} = …` argument."),
                )
                .with_span(block.ident.span().map(|r| Span::new(file.clone(), r))),
            );
        }
    }
    let Some(condition) = block.body.get_attribute("condition") else {
        return;
    };
    if let Some(d) = condition_problem(kind, &refs(&condition.value)) {
        diags.push(d.with_span(at(&condition.value)));
    }
    let owner = owner.map(|a| Reference::Resource(a.mode, a.resource_type.clone(), a.name.clone()));
    for attr in block.body.attributes() {
        let names_owner = owner
            .as_ref()
            .is_some_and(|o| references(&attr.value).iter().any(|r| &r.reference == o));
        if names_owner {
            diags.push(
                Diagnostic::error(
                    format!("Invalid reference in {kind}"),
                    format!("A resource's {kind} cannot name the resource itself. Use `self` (in a postcondition) to refer to the object being checked."),
                )
                .with_span(at(&attr.value)),
            );
        }
    }
}

/// What is wrong with a condition's references, if anything.
fn condition_problem(kind: &str, refs: &[(String, Option<String>)]) -> Option<Diagnostic> {
    if refs.is_empty() {
        return Some(Diagnostic::error(
            format!("Invalid {kind} expression"),
            "The condition refers to nothing, so its result is a constant and checks nothing. Refer to the values it should test.",
        ));
    }
    if kind != "postcondition" && refs.iter().any(|(root, _)| root == "self") {
        return Some(Diagnostic::error(
            "Invalid \"self\" reference",
            format!("`self` is only available in postconditions (after the object exists), not in a {kind}. Refer to the resource's arguments through variables or locals, or move the check to a postcondition."),
        ));
    }
    None
}

// ---------------------------------------------------------------------------
// depends_on and replace_triggered_by

/// A reference's root name and the traversal operators after it.
fn traversal(expr: &Expression) -> Option<(String, Vec<&TraversalOperator>)> {
    match expr {
        Expression::Variable(name) => Some((name.as_str().to_string(), Vec::new())),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(name) => Some((
                name.as_str().to_string(),
                t.operators.iter().map(|o| o.value()).collect(),
            )),
            _ => None,
        },
        _ => None,
    }
}

fn attr_name<'a>(op: Option<&&'a TraversalOperator>) -> Option<&'a str> {
    match op {
        Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
        _ => None,
    }
}

/// What a `depends_on` or `replace_triggered_by` element names.
#[derive(Debug, PartialEq)]
enum Target {
    Resource(ResourceMode, String, String),
    Module(String),
    Variable(String),
    Local(String),
}

/// Splits a reference into the object it names and how many operators
/// follow the object's address (an instance key counts as address).
fn target(root: &str, ops: &[&TraversalOperator]) -> Option<(Target, usize)> {
    let (target, used) = match root {
        "var" => (Target::Variable(attr_name(ops.first())?.to_string()), 1),
        "local" => (Target::Local(attr_name(ops.first())?.to_string()), 1),
        "module" => (Target::Module(attr_name(ops.first())?.to_string()), 1),
        "data" => {
            let (t, n) = (attr_name(ops.first())?, attr_name(ops.get(1))?);
            (Target::Resource(ResourceMode::Data, t.into(), n.into()), 2)
        }
        "count" | "each" | "self" | "path" | "terraform" => return None,
        type_name => {
            let name = attr_name(ops.first())?;
            let resource = Target::Resource(ResourceMode::Managed, type_name.into(), name.into());
            (resource, 1)
        }
    };
    let keyed = matches!(target, Target::Resource(..) | Target::Module(_))
        && matches!(ops.get(used), Some(TraversalOperator::Index(_)));
    Some((target, ops.len() - used - usize::from(keyed)))
}

impl Target {
    /// The block that would declare the target, for the "what to do" sentence.
    fn declaration(&self) -> String {
        match self {
            Target::Resource(ResourceMode::Data, t, n) => format!("a data {t:?} {n:?} block"),
            Target::Resource(_, t, n) => format!("a resource {t:?} {n:?} block"),
            Target::Module(m) => format!("a module {m:?} block"),
            Target::Variable(v) => format!("a variable {v:?} block"),
            Target::Local(l) => format!("{l} = … in a locals block"),
        }
    }

    /// Terraform's summary for a reference to an undeclared object of this kind.
    fn undeclared_summary(&self) -> &'static str {
        match self {
            Target::Resource(..) => "Reference to undeclared resource",
            Target::Module(_) => "Reference to undeclared module",
            Target::Variable(_) => "Reference to undeclared input variable",
            Target::Local(_) => "Reference to undeclared local value",
        }
    }

    /// Whether the module declares the target (a lookup, so that checking
    /// every reference of a large stack stays linear).
    fn exists_in(&self, module: &Module) -> bool {
        match self {
            Target::Resource(mode, t, n) => {
                let addr = ResourceAddr::new(module.path.clone(), *mode, t, n);
                module.resources.contains_key(&addr)
            }
            Target::Module(m) => module.module_calls.contains_key(m),
            Target::Variable(v) => module.variables.contains_key(v),
            Target::Local(l) => module.locals.contains_key(l),
        }
    }

    /// The references to every object of this kind the module declares.
    fn declared_in(&self, module: &Module) -> Vec<String> {
        let names = |keys: Vec<&String>, prefix: &str| {
            keys.into_iter().map(|k| format!("{prefix}{k}")).collect()
        };
        match self {
            Target::Resource(mode, ..) => (module.resources.keys())
                .filter(|a| a.mode == *mode)
                // Written as in the module itself, without the module's path.
                .map(|a| Target::Resource(a.mode, a.resource_type.clone(), a.name.clone()))
                .map(|t| t.to_string())
                .collect(),
            Target::Module(_) => names(module.module_calls.keys().collect(), "module."),
            Target::Variable(_) => names(module.variables.keys().collect(), "var."),
            Target::Local(_) => names(module.locals.keys().collect(), "local."),
        }
    }
}

/// The reference as written: `var.x`, `module.m`, `data.t.n`, `t.n`.
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Resource(ResourceMode::Data, t, n) => write!(f, "data.{t}.{n}"),
            Target::Resource(_, t, n) => write!(f, "{t}.{n}"),
            Target::Module(m) => write!(f, "module.{m}"),
            Target::Variable(v) => write!(f, "var.{v}"),
            Target::Local(l) => write!(f, "local.{l}"),
        }
    }
}

/// Whether the module declares the target; `Err` is the diagnostic if not.
fn declared(module: &Module, target: &Target) -> Result<(), Diagnostic> {
    if target.exists_in(module) {
        return Ok(());
    }
    let declared = target.declared_in(module);
    let written = target.to_string();
    let hint = did_you_mean(&written, declared.iter().map(String::as_str));
    Err(Diagnostic::error(
        target.undeclared_summary(),
        format!(
            "{written} is not declared in {}. Add {}, or correct the reference.{hint}",
            module_name(&module.path),
            target.declaration()
        ),
    ))
}

fn module_name(path: &ModulePath) -> String {
    if path.is_root() {
        "the root module".to_string()
    } else {
        path.to_string()
    }
}

/// Each `depends_on` element must name a whole declared object.
fn depends_on(module: &Module, exprs: &[Expr], diags: &mut Diagnostics) {
    for expr in exprs {
        let parsed = traversal(&expr.expr).and_then(|(root, ops)| target(&root, &ops));
        let result = match parsed {
            None => Err(invalid_depends_on(
                "depends_on names resources, data sources, modules, variables or locals, such as aws_instance.web.",
            )),
            Some((target, 0)) => declared(module, &target),
            Some((target, _)) => declared(module, &target).and(Err(invalid_depends_on(
                "depends_on names whole objects, not their attributes: Terraform orders by object. Remove the attribute, as in [aws_instance.web].",
            ))),
        };
        if let Err(d) = result {
            diags.push(d.with_span(expr.span.clone()));
        }
    }
}

fn invalid_depends_on(detail: &str) -> Diagnostic {
    Diagnostic::error("Invalid depends_on reference", detail)
}

/// Each `replace_triggered_by` element must be a reference to one declared
/// resource (or an attribute of one); `count.index` and `each.key` may pick
/// the instance.
fn replace_triggered_by(module: &Module, expr: &Expr, diags: &mut Diagnostics) {
    let invalid = |detail: &str| {
        Diagnostic::error("Invalid replace_triggered_by expression", detail)
            .with_span(expr.span.clone())
    };
    let Some((root, ops)) = traversal(&expr.expr) else {
        return diags.push(invalid(
            "replace_triggered_by takes references to resources or their attributes, such as aws_instance.web.id, not other expressions.",
        ));
    };
    match target(&root, &ops) {
        Some((target @ Target::Resource(..), _)) => {
            if let Err(d) = declared(module, &target) {
                diags.push(d.with_span(expr.span.clone()));
            }
            for op in &ops {
                if let TraversalOperator::Index(key) = op {
                    instance_key_refs(key, expr, diags);
                }
            }
        }
        _ => {
            diags.push(invalid_trigger_reference().with_span(expr.span.clone()));
            diags.push(invalid(
                "The expression names no resource: replace_triggered_by replaces this resource when the named resource changes.",
            ));
        }
    }
}

fn invalid_trigger_reference() -> Diagnostic {
    Diagnostic::error(
        "Invalid reference in replace_triggered_by expression",
        "Only resources, count.index and each.key may be used in replace_triggered_by.",
    )
}

/// The key picking an instance in `replace_triggered_by` may use only
/// `count.index` and `each.key`: the trigger is resolved before anything
/// else of the resource is evaluated.
fn instance_key_refs(key: &Expression, expr: &Expr, diags: &mut Diagnostics) {
    for (root, attr) in refs(key) {
        let problem = match (root.as_str(), attr.as_deref()) {
            ("count", Some("index")) | ("each", Some("key")) => continue,
            ("each", _) => Diagnostic::error(
                "Invalid each reference in replace_triggered_by expression",
                "Only each.key may be used in replace_triggered_by, to pick the instance with the same key.",
            ),
            ("count", _) => Diagnostic::error(
                "Invalid count reference in replace_triggered_by expression",
                "Only count.index may be used in replace_triggered_by, to pick the instance with the same index.",
            ),
            _ => invalid_trigger_reference(),
        };
        diags.push(problem.with_span(expr.span.clone()));
    }
}

// ---------------------------------------------------------------------------
// Checks that need the providers' schemas

/// Checks each managed resource's `ignore_changes` names against its
/// type's schema. Types no provider offers are reported elsewhere.
pub fn check_schemas(config: &Config, providers: &ProviderRegistry) -> Diagnostics {
    let mut diags = Diagnostics::new();
    // One instance per provider: making one builds its whole schema.
    let mut instances: BTreeMap<&str, Option<Arc<dyn Provider>>> = BTreeMap::new();
    for resource in config.all_resources() {
        if resource.addr.mode != ResourceMode::Managed
            || !matches!(
                resource.lifecycle.ignore_changes,
                IgnoreChanges::Attributes(_)
            )
        {
            continue;
        }
        let name = resource.provider.name.as_str();
        let instance = instances
            .entry(name)
            .or_insert_with(|| providers.instantiate(name));
        let Some(provider) = instance else {
            continue;
        };
        let schemas = &provider.schema().resources;
        let Some(schema) = schemas.get(resource.addr.resource_type.as_str()) else {
            continue;
        };
        for (name, span) in &resource.lifecycle.ignore_changes_at {
            if schema.attribute(name).is_some() || schema.nested_block(name).is_some() {
                continue;
            }
            let names = schema.attributes.iter().map(|a| a.name);
            let hint = did_you_mean(name, names.chain(schema.blocks.iter().map(|b| b.name)));
            diags.push(
                Diagnostic::error(
                    "Unsupported attribute",
                    format!("ignore_changes names {name:?}, but {} has no argument, nested block or attribute of that name.{hint}", resource.addr.resource_type),
                )
                .with_span(span.clone()),
            );
        }
    }
    diags
}

/// The checks that need the dependency graph: ephemeral values where
/// Terraform forbids them, and references to data sources scoped to a
/// `check` block from outside it.
pub fn graph_checks(config: &Config, graph: &crate::graph::Graph) -> Diagnostics {
    let mut diags = crate::ephemeral::check(config, graph);
    for resource in config.all_resources() {
        let Some(check) = &resource.check else {
            continue;
        };
        let node = crate::graph::Node::Resource(resource.addr.clone());
        let Some(&index) = graph.index.get(&node) else {
            continue;
        };
        for dependent in graph.dependents(index) {
            diags.push(Diagnostic::error(
                "Reference to scoped resource",
                format!("{} refers to {}, which is scoped to check block \"{check}\": only that check block's assertions may refer to it. Declare the data source outside the check block to use it elsewhere.", graph.node(dependent), resource.addr),
            )
            .with_span(resource.span.clone()));
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loads a one-file stack and returns the summaries of its errors,
    /// including the schema checks against the built-in providers.
    fn errors(main_tf: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
        let (config, mut diags) = crate::config::load(dir.path());
        diags.extend(check_schemas(&config, &ProviderRegistry::builtin()));
        diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.summary.clone())
            .collect()
    }

    const NONE: &[&str] = &[];

    #[test]
    fn required_version_is_checked_against_the_implemented_version() {
        let with = |c: &str| errors(&format!("terraform {{\n  required_version = {c:?}\n}}\n"));
        assert_eq!(with(">= 1.0, < 2.0"), NONE);
        assert_eq!(with("~> 1.15"), NONE);
        assert_eq!(with(">= 2.0"), ["Unsupported Terraform Core version"]);
        assert_eq!(with("~> 1.14.0"), ["Unsupported Terraform Core version"]);
        assert_eq!(with("newest"), ["Invalid version constraint"]);
        assert_eq!(
            with(">= 1.15.0-beta1"),
            ["Invalid required_version constraint"]
        );
    }

    #[test]
    fn unsupported_version_names_the_implemented_one() {
        let dir = tempfile::tempdir().unwrap();
        let tf = "terraform {\n  required_version = \"< 1.0\"\n}\n";
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
        let (_, diags) = crate::config::load(dir.path());
        let d = diags.iter().next().unwrap();
        assert!(
            d.detail.contains(TERRAFORM_LANGUAGE_VERSION),
            "{}",
            d.detail
        );
        assert!(d.span.is_some());
    }

    #[test]
    fn depends_on_must_name_declared_whole_objects() {
        let with = |deps: &str| {
            errors(&format!(
                "resource \"terraform_data\" \"a\" {{\n  count = 2\n}}\nvariable \"v\" {{\n  default = 1\n}}\nresource \"terraform_data\" \"b\" {{\n  depends_on = [{deps}]\n}}\n"
            ))
        };
        assert_eq!(with("terraform_data.a, terraform_data.a[0], var.v"), NONE);
        assert_eq!(
            with("null_resource.previous"),
            ["Reference to undeclared resource"]
        );
        assert_eq!(with("module.nowhere"), ["Reference to undeclared module"]);
        assert_eq!(
            with("var.nowhere"),
            ["Reference to undeclared input variable"]
        );
        assert_eq!(
            with("local.nowhere"),
            ["Reference to undeclared local value"]
        );
        assert_eq!(
            with("terraform_data.a.output"),
            ["Invalid depends_on reference"]
        );
        assert_eq!(
            with("terraform_data.a[0].id"),
            ["Invalid depends_on reference"]
        );
        assert_eq!(with("path.module"), ["Invalid depends_on reference"]);
        // A quoted reference is read as the reference (with a warning), as Terraform does.
        assert_eq!(with("\"terraform_data.a\""), NONE);
    }

    #[test]
    fn depends_on_in_a_called_module_names_that_module_s_objects() {
        let dir = tempfile::tempdir().unwrap();
        let main = "module \"m\" {\n  source = \"./child\"\n}\n";
        let child = "resource \"terraform_data\" \"a\" {\n}\nresource \"terraform_data\" \"b\" {\n  depends_on = [terraform_data.a]\n}\n";
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        std::fs::create_dir(dir.path().join("child")).unwrap();
        std::fs::write(dir.path().join("child/main.tf"), child).unwrap();
        let (_, diags) = crate::config::load(dir.path());
        assert!(diags.is_empty(), "{diags}");
    }

    #[test]
    fn outputs_and_module_calls_check_depends_on_too() {
        let output =
            "output \"o\" {\n  value      = 1\n  depends_on = [terraform_data.nowhere]\n}\n";
        assert_eq!(errors(output), ["Reference to undeclared resource"]);
    }

    #[test]
    fn replace_triggered_by_must_name_a_declared_resource() {
        let with = |item: &str| {
            errors(&format!(
                "variable \"v\" {{\n  default = 1\n}}\nresource \"terraform_data\" \"a\" {{\n}}\nresource \"terraform_data\" \"b\" {{\n  lifecycle {{\n    replace_triggered_by = [{item}]\n  }}\n}}\n"
            ))
        };
        assert_eq!(with("terraform_data.a, terraform_data.a.output"), NONE);
        assert_eq!(with("terraform_data.a[count.index]"), NONE);
        assert_eq!(
            with("terraform_data.a[each.value]"),
            ["Invalid each reference in replace_triggered_by expression"]
        );
        assert_eq!(
            with("terraform_data.a[var.v]"),
            ["Invalid reference in replace_triggered_by expression"]
        );
        assert_eq!(
            with("terraform_data.nowhere"),
            ["Reference to undeclared resource"]
        );
        assert_eq!(
            with("upper(terraform_data.a.id)"),
            ["Invalid replace_triggered_by expression"]
        );
        assert_eq!(
            with("var.v"),
            [
                "Invalid reference in replace_triggered_by expression",
                "Invalid replace_triggered_by expression"
            ]
        );
    }

    #[test]
    fn variable_declarations() {
        let variable = |body: &str| errors(&format!("variable \"x\" {{\n{body}\n}}\n"));
        assert_eq!(variable("type = number\ndefault = 1"), NONE);
        assert_eq!(
            variable("type = number\ndefault = \"large\""),
            ["Invalid default value for variable"]
        );
        assert_eq!(
            variable("nullable = false\ndefault = null"),
            ["Invalid default value for variable"]
        );
        assert_eq!(variable("default = null"), NONE);
        assert_eq!(
            errors("variable \"count\" {\n}\n"),
            ["Invalid variable name"]
        );
        assert_eq!(variable("const = true\ndefault = 1"), NONE);
        assert_eq!(
            variable("const = true\nsensitive = true"),
            ["Const variable cannot be sensitive"]
        );
    }

    #[test]
    fn constant_arguments_take_no_references_or_calls() {
        let variable = |body: &str| errors(&format!("variable \"x\" {{\n{body}\n}}\n"));
        assert_eq!(variable("default = [1, \"a\"]"), NONE);
        assert_eq!(variable("default = var.y"), ["Variables not allowed"]);
        assert_eq!(
            variable("default = upper(\"a\")"),
            ["Function calls not allowed"]
        );
        assert_eq!(variable("description = local.d"), ["Variables not allowed"]);
        assert_eq!(variable("sensitive = \"yes\""), ["Unsuitable value type"]);
        assert_eq!(variable("sensitive = \"true\""), NONE);
        let cbd = "resource \"terraform_data\" \"a\" {\n  lifecycle {\n    create_before_destroy = var.c\n  }\n}\n";
        assert_eq!(errors(cbd), ["Variables not allowed"]);
    }

    #[test]
    fn validation_conditions_must_test_their_variable() {
        let validation = |condition: &str| {
            errors(&format!(
                "variable \"o\" {{\n  default = 1\n}}\nvariable \"x\" {{\n  default = 1\n  validation {{\n    condition     = {condition}\n    error_message = \"Bad.\"\n  }}\n}}\n"
            ))
        };
        assert_eq!(validation("var.x > var.o"), NONE);
        assert_eq!(
            validation("var.o > 0"),
            ["Invalid variable validation condition"]
        );
        assert_eq!(
            validation("true"),
            [
                "Invalid validation expression",
                "Invalid variable validation condition"
            ]
        );
    }

    #[test]
    fn condition_blocks_need_both_arguments_and_self_only_after() {
        let lifecycle = |block: &str| {
            errors(&format!(
                "resource \"terraform_data\" \"a\" {{\n  lifecycle {{\n{block}\n  }}\n}}\n"
            ))
        };
        let post = "postcondition {\n condition = self.input == null\n error_message = \"x\"\n}";
        assert_eq!(lifecycle(post), NONE);
        let pre = "precondition {\n condition = self.input == null\n error_message = \"x\"\n}";
        assert_eq!(lifecycle(pre), ["Invalid \"self\" reference"]);
        let missing = "precondition {\n error_message = \"x\"\n}";
        assert_eq!(lifecycle(missing), ["Missing required argument"]);
        let constant = "precondition {\n condition = true\n error_message = \"x\"\n}";
        assert_eq!(lifecycle(constant), ["Invalid precondition expression"]);
        let by_name = "postcondition {\n condition = terraform_data.a.output == null\n error_message = \"x\"\n}";
        assert_eq!(lifecycle(by_name), ["Invalid reference in postcondition"]);
    }

    #[test]
    fn ignore_changes_names_attributes_of_the_schema() {
        let with = |names: &str| {
            errors(&format!(
                "resource \"terraform_data\" \"a\" {{\n  lifecycle {{\n    ignore_changes = [{names}]\n  }}\n}}\n"
            ))
        };
        assert_eq!(with("input, output, triggers_replace"), NONE);
        assert_eq!(with("inptu"), ["Unsupported attribute"]);
    }

    #[test]
    fn root_outputs_cannot_be_deprecated() {
        let output = "output \"o\" {\n  value      = 1\n  deprecated = \"Use p.\"\n}\n";
        assert_eq!(errors(output), ["Root module output deprecated"]);
    }

    #[test]
    fn one_backend_and_one_provider_configuration_per_alias() {
        let backends = "terraform {\n  backend \"local\" {\n  }\n}\nterraform {\n  backend \"local\" {\n  }\n}\n";
        assert_eq!(
            errors(backends),
            ["Duplicate 'backend' configuration block"]
        );
        let providers =
            "provider \"null\" {\n  alias = \"b\"\n}\nprovider \"null\" {\n  alias = \"b\"\n}\n";
        assert_eq!(errors(providers), ["Duplicate provider configuration"]);
        let aliases = "provider \"null\" {\n}\nprovider \"null\" {\n  alias = \"b\"\n}\n";
        assert_eq!(errors(aliases), NONE);
        let both = "terraform {\n  cloud {\n  }\n  backend \"local\" {\n  }\n}\n";
        assert_eq!(
            errors(both),
            ["Conflicting 'cloud' and 'backend' configuration blocks are present"]
        );
    }
}
