//! Ephemeral values, as Terraform 1.15 has them: a variable declared
//! `ephemeral = true` (and a child module output declared so) may be used
//! during a run but is never stored in a plan file or in state.
//!
//! Terraform tracks ephemerality as a mark on values; `stack` decides it
//! from references, which gives the same answers because every operation
//! keeps the mark in Terraform too, and the one function that drops it,
//! `ephemeralasnull`, is honoured here: references inside it do not count.
//! A local derived from an ephemeral value is ephemeral. Ephemeral values
//! may flow into provider configurations, `local-exec` provisioners,
//! conditions, locals, module inputs declared ephemeral and child module
//! outputs declared ephemeral; anywhere else (resource arguments, `count`
//! and `for_each`, other outputs) is an error, with Terraform's wording.

use std::collections::HashSet;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::visit_mut::{visit_expr_mut, VisitMut};
use hcl_edit::Span as _;

use crate::addrs::ModulePath;
use crate::config::{Config, Expr, Module, Resource};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::graph::{reference_nodes, Graph, Node};

/// The configuration's ephemeral variables, locals and outputs.
#[derive(Debug, Default)]
pub struct Ephemerality {
    nodes: HashSet<Node>,
}

impl Ephemerality {
    /// Works out which values are ephemeral, in dependency order.
    pub fn of(config: &Config, graph: &Graph) -> Ephemerality {
        let mut found = Ephemerality::default();
        let declared = config
            .modules
            .values()
            .any(|m| m.variables.values().any(|v| v.ephemeral));
        if !declared {
            return found; // The common case: nothing to trace.
        }
        for &index in &graph.order {
            let node = graph.node(index);
            let ephemeral = match node {
                Node::Variable(m, name) => config.modules[m].variables[name].ephemeral,
                Node::Local(m, name) => {
                    found.derives(config, m, &config.modules[m].locals[name].expr)
                }
                Node::Output(m, name) => config.modules[m].outputs[name].ephemeral,
                _ => false,
            };
            if ephemeral {
                found.nodes.insert(node.clone());
            }
        }
        found
    }

    /// Whether the value of `expr`, written in `module`, derives from an
    /// ephemeral value (`local-exec` hides its output when it does).
    pub fn derives(&self, config: &Config, module: &ModulePath, expr: &Expr) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let mut stripped = expr.expr.clone();
        DropEphemeralAsNull.visit_expr_mut(&mut stripped);
        crate::eval::references(&stripped).iter().any(|r| {
            reference_nodes(config, module, &r.reference)
                .iter()
                .any(|n| self.nodes.contains(n))
        })
    }

    /// Whether any argument of a body (a provisioner's) derives from an ephemeral value.
    pub fn body_derives(&self, config: &Config, module: &ModulePath, body: &Body) -> bool {
        let file = std::sync::Arc::new(std::path::PathBuf::new());
        body.iter().any(|structure| match structure {
            Structure::Attribute(attr) => {
                self.derives(config, module, &Expr::new(attr.value.clone(), &file))
            }
            Structure::Block(block) => self.body_derives(config, module, &block.body),
        })
    }
}

/// Replaces `ephemeralasnull(...)` calls by `null`: their result is never ephemeral.
struct DropEphemeralAsNull;

impl VisitMut for DropEphemeralAsNull {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        if let Expression::FuncCall(call) = expr {
            if call.name.name.as_str() == "ephemeralasnull" && call.name.namespace.is_empty() {
                *expr = Expression::Null(hcl_edit::expr::Null.into());
                return;
            }
        }
        visit_expr_mut(self, expr);
    }
}

/// Every place the configuration lets an ephemeral value flow where
/// Terraform does not allow it.
pub fn check(config: &Config, graph: &Graph) -> Diagnostics {
    let ephemeral = Ephemerality::of(config, graph);
    let mut diags = Diagnostics::new();
    for module in config.modules.values() {
        check_outputs(config, module, &ephemeral, &mut diags);
        if ephemeral.nodes.is_empty() {
            continue;
        }
        check_module_calls(config, module, &ephemeral, &mut diags);
        for resource in module.resources.values() {
            check_resource(config, resource, &ephemeral, &mut diags);
        }
    }
    diags
}

fn check_outputs(
    config: &Config,
    module: &Module,
    ephemeral: &Ephemerality,
    diags: &mut Diagnostics,
) {
    for output in module.outputs.values() {
        if output.ephemeral && module.path.is_root() {
            diags.push(
                Diagnostic::error(
                    "Ephemeral output not allowed",
                    "Ephemeral outputs are not allowed in context of a root module: a root output is stored in state. Remove `ephemeral = true`, or wrap the value in ephemeralasnull().",
                )
                .with_span(output.ephemeral_span.clone().or(output.span.clone())),
            );
        }
        let Some(expr) = &output.expr else { continue };
        if !output.ephemeral && ephemeral.derives(config, &module.path, expr) {
            diags.push(
                Diagnostic::error(
                    "Ephemeral value not allowed",
                    "This output value is not declared as returning an ephemeral value, so it cannot be set to a result derived from an ephemeral value.",
                )
                .with_span(expr.span.clone()),
            );
        }
    }
}

fn check_module_calls(
    config: &Config,
    module: &Module,
    ephemeral: &Ephemerality,
    diags: &mut Diagnostics,
) {
    for call in module.module_calls.values() {
        let Some(child) = config.modules.get(&module.path.child(&call.name)) else {
            continue;
        };
        for (name, expr) in &call.arguments {
            let accepts = child.variables.get(name).is_some_and(|v| v.ephemeral);
            if !accepts && ephemeral.derives(config, &module.path, expr) {
                diags.push(
                    Diagnostic::error(
                        "Ephemeral value not allowed",
                        format!("The input variable \"{name}\" is not declared as accepting ephemeral values, so it cannot be set to a result derived from an ephemeral value. Declare it with `ephemeral = true`, or pass ephemeralasnull(…)."),
                    )
                    .with_span(expr.span.clone()),
                );
            }
        }
        for (argument, expr) in [("count", &call.count), ("for_each", &call.for_each)] {
            if let Some(expr) = expr {
                if ephemeral.derives(config, &module.path, expr) {
                    diags.push(repetition_error(argument, expr.span.clone()));
                }
            }
        }
    }
}

fn check_resource(
    config: &Config,
    resource: &Resource,
    ephemeral: &Ephemerality,
    diags: &mut Diagnostics,
) {
    let module = &resource.addr.module;
    for (argument, expr) in [("count", &resource.count), ("for_each", &resource.for_each)] {
        if let Some(expr) = expr {
            if ephemeral.derives(config, module, expr) {
                diags.push(repetition_error(argument, expr.span.clone()));
            }
        }
    }
    for structure in resource.body.iter() {
        let (name, derives, span) = match structure {
            Structure::Attribute(attr) => {
                if crate::config::RESOURCE_META_ARGUMENTS.contains(&attr.key.as_str()) {
                    continue;
                }
                let expr = Expr::new(attr.value.clone(), &resource.file);
                let derives = ephemeral.derives(config, module, &expr);
                (attr.key.as_str().to_string(), derives, expr.span)
            }
            Structure::Block(block) => {
                if crate::config::RESOURCE_META_BLOCKS.contains(&block.ident.as_str()) {
                    continue;
                }
                let derives = ephemeral.body_derives(config, module, &block.body);
                let span = block.span().map(|r| Span::new(resource.file.clone(), r));
                (block.ident.as_str().to_string(), derives, span)
            }
        };
        if derives {
            diags.push(stored_argument_error(&name, span));
        }
    }
    // Shell provisioners travel in the machine's user data, which is stored.
    for provisioner in resource
        .provisioners
        .iter()
        .filter(|p| p.kind != "local-exec")
    {
        if ephemeral.body_derives(config, module, &provisioner.body) {
            diags.push(stored_argument_error(
                "provisioner",
                provisioner.span.clone(),
            ));
        }
    }
}

fn stored_argument_error(name: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        "Invalid use of ephemeral value",
        format!("Ephemeral values are not valid for \"{name}\", because it is not a write-only attribute and must be persisted to state. Use ephemeralasnull() if a null value will do."),
    )
    .with_span(span)
}

fn repetition_error(argument: &str, span: Option<Span>) -> Diagnostic {
    let (summary, what) = match argument {
        "count" => ("Invalid count argument", "number of resource instances"),
        _ => ("Invalid for_each argument", "instance keys"),
    };
    Diagnostic::error(
        summary,
        format!("The given \"{argument}\" is derived from an ephemeral value, which means that stack cannot persist it between plan and apply. Use only non-ephemeral values to specify the {what}."),
    )
    .with_span(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(files: &[(&str, &str)]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let (config, diags) = crate::config::load(dir.path());
        assert!(!diags.has_errors(), "{diags}");
        let graph = crate::graph::build(&config).unwrap();
        check(&config, &graph)
            .iter()
            .map(|d| d.summary.clone())
            .collect()
    }

    const TOKEN: &str = "variable \"token\" {\n  type      = string\n  default   = \"x\"\n  ephemeral = true\n}\nlocals {\n  t = \"${var.token}-y\"\n}\n";

    #[test]
    fn ephemeral_values_may_not_reach_what_is_stored() {
        let with = |rest: &str| errors(&[("main.tf", &format!("{TOKEN}{rest}"))]);
        assert_eq!(
            with("resource \"terraform_data\" \"a\" {\n  input = local.t\n}\n"),
            ["Invalid use of ephemeral value"]
        );
        assert_eq!(
            with("output \"o\" {\n  value = var.token == \"x\" ? 1 : 2\n}\n"),
            ["Ephemeral value not allowed"]
        );
        assert_eq!(
            with("resource \"terraform_data\" \"a\" {\n  count = length(local.t)\n}\n"),
            ["Invalid count argument"]
        );
        assert_eq!(
            with("output \"o\" {\n  value     = 1\n  ephemeral = true\n}\n"),
            ["Ephemeral output not allowed"]
        );
    }

    #[test]
    fn ephemeral_values_may_flow_where_terraform_allows_them() {
        let none: [&str; 0] = [];
        let with = |rest: &str| errors(&[("main.tf", &format!("{TOKEN}{rest}"))]);
        assert_eq!(
            with("resource \"terraform_data\" \"a\" {\n  input = ephemeralasnull(local.t)\n  provisioner \"local-exec\" {\n    command = \"echo ${local.t}\"\n  }\n  lifecycle {\n    precondition {\n      condition     = local.t != \"\"\n      error_message = \"empty\"\n    }\n  }\n}\n"),
            none
        );
    }

    #[test]
    fn module_inputs_and_outputs_must_be_declared_ephemeral() {
        let child = "variable \"v\" {\n  type      = string\n  ephemeral = EPH\n}\noutput \"out\" {\n  value     = var.v\n  ephemeral = true\n}\n";
        let root = format!("{TOKEN}module \"c\" {{\n  source = \"./child\"\n  v      = var.token\n}}\nresource \"terraform_data\" \"a\" {{\n  input = module.c.out\n}}\n");
        assert_eq!(
            errors(&[
                ("main.tf", &root),
                ("child/main.tf", &child.replace("EPH", "true"))
            ]),
            ["Invalid use of ephemeral value"],
            "the child's ephemeral output is ephemeral in the caller"
        );
        let accepted = errors(&[
            ("main.tf", &root),
            ("child/main.tf", &child.replace("EPH", "false")),
        ]);
        assert!(
            accepted.contains(&"Ephemeral value not allowed".to_string()),
            "{accepted:?}"
        );
    }
}
