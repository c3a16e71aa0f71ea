//! Provider configurations passed to called modules: a module block's
//! `providers = { aws = aws.west }` map.
//!
//! Provider configurations live in the root module, so once a module is
//! loaded the provider reference of each of its resources (and of its own
//! called modules' resources) is rewritten into its caller's terms. A
//! module sees its caller's default (unaliased) configurations without a
//! map, as in Terraform; an aliased one must be passed explicitly.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span as _;

use crate::addrs::ModulePath;
use crate::config::{Config, Module, ModuleCall, ProviderRef};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};

/// One entry of a `providers` map: the name inside the called module, the
/// configuration of the caller it stands for, and where it is written.
#[derive(Debug, Clone)]
pub struct PassedProvider {
    pub inside: ProviderRef,
    pub outside: ProviderRef,
    pub span: Option<Span>,
}

/// Reads a `providers = { … }` map; entries that are not provider
/// references are reported.
pub fn lower_providers_map(
    expr: &Expression,
    span_of: &dyn Fn(Option<std::ops::Range<usize>>) -> Option<Span>,
    diags: &mut Diagnostics,
) -> Vec<PassedProvider> {
    let Expression::Object(object) = expr else {
        diags.push(invalid_map(span_of(expr.span())));
        return Vec::new();
    };
    let mut passed = Vec::new();
    for (key, value) in object.iter() {
        let inside = match key {
            ObjectKey::Ident(name) => Some(ProviderRef {
                name: name.as_str().to_string(),
                alias: None,
            }),
            ObjectKey::Expression(e) => provider_ref(e),
        };
        let span = span_of(value.expr().span());
        match (inside, provider_ref(value.expr())) {
            (Some(inside), Some(outside)) => passed.push(PassedProvider {
                inside,
                outside,
                span,
            }),
            _ => diags.push(invalid_map(span)),
        }
    }
    passed
}

fn invalid_map(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        "Invalid providers argument",
        "providers maps the module's provider names to this module's configurations, such as { aws = aws.west }.",
    )
    .with_span(span)
}

/// `aws` or `aws.west` (and `null`, which parses as the null literal).
fn provider_ref(expr: &Expression) -> Option<ProviderRef> {
    let name = |e: &Expression| match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Null(_) => Some("null".to_string()),
        _ => None,
    };
    match expr {
        Expression::Traversal(t) => match t.operators.as_slice() {
            [op] => match op.value() {
                hcl_edit::expr::TraversalOperator::GetAttr(alias) => Some(ProviderRef {
                    name: name(&t.expr)?,
                    alias: Some(alias.as_str().to_string()),
                }),
                _ => None,
            },
            _ => None,
        },
        other => Some(ProviderRef {
            name: name(other)?,
            alias: None,
        }),
    }
}

/// Rewrites the provider references of the module called by `call` (at
/// `child`) and of every module below it into the caller's terms, and
/// reports the aliased configurations the module uses but is not given.
pub fn pass_providers(
    config: &mut Config,
    caller: &ModulePath,
    call: &ModuleCall,
    diags: &mut Diagnostics,
) {
    let child = caller.child(&call.name);
    let map: BTreeMap<&ProviderRef, &ProviderRef> = call
        .providers
        .iter()
        .map(|p| (&p.inside, &p.outside))
        .collect();
    if let Some(module) = config.modules.get(caller) {
        for passed in &call.providers {
            check_outside(module, passed, diags);
        }
    }
    for module in config.modules.values_mut() {
        if !module.path.starts_with(&child) {
            continue;
        }
        for resource in module.resources.values_mut() {
            match map.get(&resource.provider) {
                Some(outside) => resource.provider = (*outside).clone(),
                None if resource.provider.alias.is_some() => {
                    diags.push(not_passed(call, &resource.provider, resource.span.clone()))
                }
                None => {}
            }
        }
    }
}

/// The caller's side of an entry must be a configuration the caller has:
/// a default one always is, an aliased one must be declared (in the root
/// module) or passed to the caller.
fn check_outside(caller: &Module, passed: &PassedProvider, diags: &mut Diagnostics) {
    let outside = &passed.outside;
    let declared = caller
        .providers
        .iter()
        .any(|p| p.name == outside.name && p.alias == outside.alias);
    if outside.alias.is_none() || declared || !caller.path.is_root() {
        return;
    }
    diags.push(
        Diagnostic::error(
            "Provider configuration not present",
            format!("The providers map passes {outside}, but no provider block with that alias is declared. Declare `provider \"{}\" {{ alias = \"{}\" }}`, or pass another configuration.", outside.name, outside.alias.as_deref().unwrap_or_default()),
        )
        .with_span(passed.span.clone()),
    );
}

fn not_passed(call: &ModuleCall, used: &ProviderRef, span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        "Provider configuration not present",
        format!(
            "This resource uses {used}, which the module block {:?} does not pass. Add it to the module block's providers map, such as providers = {{ {}.{} = {}.{} }}.",
            call.name,
            used.name,
            used.alias.as_deref().unwrap_or_default(),
            used.name,
            used.alias.as_deref().unwrap_or_default(),
        ),
    )
    .with_span(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(main_tf: &str, child_tf: &str) -> (Config, Diagnostics) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
        std::fs::create_dir(dir.path().join("child")).unwrap();
        std::fs::write(dir.path().join("child/main.tf"), child_tf).unwrap();
        crate::config::load(dir.path())
    }

    fn provider_of(config: &Config) -> String {
        let resource = config.all_resources().next().expect("one resource");
        resource.provider.to_string()
    }

    const CALLER: &str = "provider \"null\" {\n  alias = \"second\"\n}\n";

    #[test]
    fn a_passed_configuration_replaces_the_module_s_own_name() {
        let main = format!("{CALLER}module \"m\" {{\n  source = \"./child\"\n  providers = {{\n    null = null.second\n  }}\n}}\n");
        let (config, diags) = load(&main, "resource \"null_resource\" \"a\" {\n}\n");
        assert!(diags.is_empty(), "{diags}");
        assert_eq!(provider_of(&config), "provider.null.second");
    }

    #[test]
    fn default_configurations_are_passed_implicitly() {
        let main = format!("{CALLER}module \"m\" {{\n  source = \"./child\"\n}}\n");
        let (config, diags) = load(&main, "resource \"null_resource\" \"a\" {\n}\n");
        assert!(diags.is_empty(), "{diags}");
        assert_eq!(provider_of(&config), "provider.null");
    }

    #[test]
    fn an_aliased_configuration_must_be_passed() {
        let main = format!("{CALLER}module \"m\" {{\n  source = \"./child\"\n}}\n");
        let child = "resource \"null_resource\" \"a\" {\n  provider = null.second\n}\n";
        let (_, diags) = load(&main, child);
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Provider configuration not present"]);
    }

    #[test]
    fn a_passed_configuration_must_exist() {
        let main = "module \"m\" {\n  source = \"./child\"\n  providers = {\n    null = null.nowhere\n  }\n}\n";
        let (_, diags) = load(main, "resource \"null_resource\" \"a\" {\n}\n");
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Provider configuration not present"]);
        let bad =
            "module \"m\" {\n  source = \"./child\"\n  providers = {\n    null = \"x\"\n  }\n}\n";
        let (_, diags) = load(bad, "");
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Invalid providers argument"]);
    }
}
