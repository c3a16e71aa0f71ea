//! Terraform's JSON plan representation (`terraform show -json PLANFILE`,
//! format 1.2), so that policy and cost tools written for Terraform read
//! `stack` plans unchanged: `resource_changes` with before/after and their
//! unknown and sensitive masks, `planned_values`, `prior_state`,
//! `output_changes` and `configuration`.
//!
//! Secrets stay hidden as in every `stack` output: a value under a
//! sensitive mark is written as `null` (the masks still say where it was),
//! where Terraform writes it in clear.

use std::collections::BTreeMap;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use serde_json::{json, Map, Value as Json};
use state::Mode;

use super::SchemaLookup;
use crate::addrs::{InstanceAddr, InstanceKey, ModulePath, ResourceMode};
use crate::config::{Config, Module};
use crate::eval::Reference;
use crate::plan::{Action, OutputChange, Plan, ResourceChange};
use crate::provider::Schema;
use crate::value::Value;

/// The format version of Terraform's JSON plan this writes.
pub const FORMAT_VERSION: &str = "1.2";

/// The JSON plan. `config` adds the `configuration` section's expressions
/// when the templates the plan was made from are at hand.
pub fn plan(plan: &Plan, config: Option<&Config>, schemas: SchemaLookup<'_>) -> Json {
    let changes: Vec<&ResourceChange> = plan.resource_changes.iter().collect();
    let mut out = json!({
        "format_version": FORMAT_VERSION,
        "terraform_version": crate::version::TERRAFORM_LANGUAGE_VERSION,
        "planned_values": planned_values(plan, &changes, schemas),
        "resource_changes": changes.iter().map(|c| resource_change(c, plan, schemas)).collect::<Vec<_>>(),
        "output_changes": output_changes(&plan.output_changes),
        "prior_state": prior_state(plan, &changes),
        "configuration": configuration(config, &changes, schemas),
        "applyable": plan.has_changes(),
        "complete": plan.targets.is_empty() && plan.excludes.is_empty(),
        "errored": false,
    });
    // As Terraform, a plan that changes no output has no `output_changes`.
    if plan.output_changes.is_empty() {
        if let Json::Object(map) = &mut out {
            map.remove("output_changes");
        }
    }
    out
}

/// Terraform's provider source address for a local provider name.
fn provider_name(provider: &str) -> String {
    let name = provider
        .trim_start_matches("provider.")
        .split('.')
        .next()
        .unwrap_or(provider);
    match name {
        "terraform" => "terraform.io/builtin/terraform".to_string(),
        other => format!("registry.terraform.io/hashicorp/{other}"),
    }
}

/// A value as JSON with sensitive parts nulled and unknown parts left out
/// (`None` when the value itself is unknown).
fn known_json(value: &Value) -> Option<Json> {
    match value {
        Value::Unknown => None,
        Value::Sensitive(_) => Some(Json::Null),
        Value::List(items) | Value::Set(items) => Some(Json::Array(
            items
                .iter()
                .map(|v| known_json(v).unwrap_or(Json::Null))
                .collect(),
        )),
        Value::Map(map) => Some(Json::Object(
            map.iter()
                .filter_map(|(k, v)| known_json(v).map(|j| (k.clone(), j)))
                .collect(),
        )),
        other => Some(other.to_json()),
    }
}

/// Terraform's mask of a value: `true` where `hit` holds, objects and
/// arrays mirroring containers, `false` for other leaves; object entries
/// that are `false` are left out.
fn mask(value: &Value, hit: &dyn Fn(&Value) -> bool) -> Json {
    if hit(value) {
        return Json::Bool(true);
    }
    match value.peel() {
        Value::List(items) | Value::Set(items) => {
            Json::Array(items.iter().map(|v| mask(v, hit)).collect())
        }
        Value::Map(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, hit)))
                .filter(|(_, m)| *m != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

fn unknown_mask(value: &Value) -> Json {
    mask(value, &|v| matches!(v, Value::Unknown))
}

/// A resource's sensitivity mask. Terraform writes `{}` for an unknown
/// value of dynamic type (an `Any` attribute), whose shape is not known yet.
fn resource_sensitive_mask(
    change: &ResourceChange,
    value: &Value,
    schemas: SchemaLookup<'_>,
) -> Json {
    let mut mask = sensitive_mask(value);
    let schema = schemas(&change.resource_type, change.mode == Mode::Data);
    if let (Json::Object(entries), Some(schema), Some(map)) = (&mut mask, schema, value.as_map()) {
        for (name, attribute) in map {
            let dynamic = schema
                .attribute(name)
                .is_some_and(|a| a.ty == crate::provider::AttrType::Any);
            if dynamic && matches!(attribute, Value::Unknown) {
                entries.insert(name.clone(), json!({}));
            }
        }
    }
    mask
}

fn sensitive_mask(value: &Value) -> Json {
    mask(value, &|v| v.is_sensitive())
}

/// The masks of an absent side: Terraform writes `false`.
fn masks(value: Option<&Value>, f: fn(&Value) -> Json) -> Json {
    value.map(f).unwrap_or(Json::Bool(false))
}

fn actions(change: &ResourceChange) -> Vec<&'static str> {
    match change.action {
        Action::NoOp => vec!["no-op"],
        Action::Create => vec!["create"],
        Action::Read => vec!["read"],
        Action::Update => vec!["update"],
        Action::Replace if change.create_before_destroy => vec!["create", "delete"],
        Action::Replace => vec!["delete", "create"],
        Action::Delete => vec!["delete"],
        Action::Forget => vec!["forget"],
    }
}

/// Address parts: the module address, the index, the deposed key.
struct Parts {
    module: ModulePath,
    index: Option<Json>,
    deposed: Option<String>,
}

fn parts(change: &ResourceChange) -> Parts {
    let object = change.address.parse::<crate::addrs::ObjectAddr>().ok();
    let instance: Option<InstanceAddr> = object
        .as_ref()
        .map(|o| o.instance.clone())
        .or_else(|| change.instance_addr());
    let index = instance.as_ref().and_then(|i| match &i.key {
        InstanceKey::None => None,
        InstanceKey::Index(n) => Some(json!(n)),
        InstanceKey::Key(k) => Some(json!(k)),
    });
    Parts {
        module: instance
            .map(|i| i.resource.module)
            .unwrap_or_else(ModulePath::root),
        index,
        deposed: object.and_then(|o| o.deposed),
    }
}

fn resource_change(change: &ResourceChange, plan: &Plan, schemas: SchemaLookup<'_>) -> Json {
    let parts = parts(change);
    let before = change.before_value();
    let after = match change.action {
        Action::Delete => None,
        Action::Forget => before.clone(),
        _ => change.after_value(),
    };
    let mut body = Map::new();
    body.insert("actions".into(), json!(actions(change)));
    body.insert(
        "before".into(),
        before.as_ref().and_then(known_json).unwrap_or(Json::Null),
    );
    body.insert(
        "after".into(),
        after.as_ref().and_then(known_json).unwrap_or(Json::Null),
    );
    // Nothing is unknown about an object that will not exist: `{}`.
    let after_unknown = after.as_ref().map_or(json!({}), unknown_mask);
    body.insert("after_unknown".into(), after_unknown);
    body.insert(
        "before_sensitive".into(),
        masks(before.as_ref(), sensitive_mask),
    );
    body.insert(
        "after_sensitive".into(),
        after.as_ref().map_or(Json::Bool(false), |a| {
            resource_sensitive_mask(change, a, schemas)
        }),
    );
    if change.action == Action::Replace {
        let schema = schemas(&change.resource_type, change.mode == Mode::Data);
        let paths =
            super::plan::replace_paths(change, schema.as_ref(), before.as_ref(), after.as_ref());
        body.insert("replace_paths".into(), json!(paths));
    }
    if let Some(importing) = &change.importing {
        body.insert("importing".into(), json!({ "id": importing.id }));
    }
    let mut out = Map::new();
    out.insert("address".into(), json!(change.address));
    if let Some(previous) = &change.previous_address {
        out.insert("previous_address".into(), json!(previous));
    }
    if !parts.module.is_root() {
        out.insert("module_address".into(), json!(parts.module.to_string()));
    }
    out.insert("mode".into(), json!(mode_name(change.mode)));
    out.insert("type".into(), json!(change.resource_type));
    out.insert("name".into(), json!(change.name));
    if let Some(index) = parts.index {
        out.insert("index".into(), index);
    }
    if let Some(deposed) = parts.deposed {
        out.insert("deposed".into(), json!(deposed));
    }
    out.insert(
        "provider_name".into(),
        json!(provider_name(&change.provider)),
    );
    out.insert("change".into(), Json::Object(body));
    if let Some(reason) = action_reason(change, plan) {
        out.insert("action_reason".into(), json!(reason));
    }
    Json::Object(out)
}

/// Terraform's `action_reason` codes, as far as the plan tells them.
fn action_reason(change: &ResourceChange, plan: &Plan) -> Option<&'static str> {
    let reason = change.action_reason.as_deref().unwrap_or_default();
    match change.action {
        Action::Replace if plan.replace.contains(&change.address) => Some("replace_by_request"),
        Action::Replace if reason.contains("tainted") => Some("replace_because_tainted"),
        Action::Replace if reason.contains("replace_triggered_by") => Some("replace_by_triggers"),
        Action::Replace => Some("replace_because_cannot_update"),
        Action::Delete if reason.contains("configuration") => {
            Some("delete_because_no_resource_config")
        }
        _ => None,
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Managed => "managed",
        Mode::Data => "data",
    }
}

/// Who a resource is, for the values representation.
struct Identity<'a> {
    address: &'a str,
    mode: Mode,
    resource_type: &'a str,
    name: &'a str,
    index: Option<Json>,
    provider: &'a str,
}

impl<'a> Identity<'a> {
    fn of(change: &'a ResourceChange) -> Identity<'a> {
        Identity {
            address: &change.address,
            mode: change.mode,
            resource_type: &change.resource_type,
            name: &change.name,
            index: parts(change).index,
            provider: &change.provider,
        }
    }
}

/// A resource in Terraform's values representation.
fn resource_values(change: &ResourceChange, value: &Value, schemas: SchemaLookup<'_>) -> Json {
    let mut entry = values_entry(Identity::of(change), value);
    entry["sensitive_values"] = resource_sensitive_mask(change, value, schemas);
    entry
}

fn values_entry(id: Identity<'_>, value: &Value) -> Json {
    let mut out = Map::new();
    out.insert("address".into(), json!(id.address));
    out.insert("mode".into(), json!(mode_name(id.mode)));
    out.insert("type".into(), json!(id.resource_type));
    out.insert("name".into(), json!(id.name));
    if let Some(index) = id.index {
        out.insert("index".into(), index);
    }
    out.insert("provider_name".into(), json!(provider_name(id.provider)));
    out.insert("schema_version".into(), json!(0));
    out.insert("values".into(), known_json(value).unwrap_or(Json::Null));
    out.insert("sensitive_values".into(), sensitive_mask(value));
    Json::Object(out)
}

/// The state in Terraform's JSON state representation (`terraform show
/// -json` without a plan file). Deposed objects are left out, as Terraform
/// lists only current objects in `values`.
pub fn state(state: &state::State) -> Json {
    let resources = state
        .resources
        .iter()
        .filter_map(|(address, resource)| {
            let instance: InstanceAddr = address.parse().ok()?;
            let value = crate::encoding::from_state(resource);
            let index = match &instance.key {
                InstanceKey::None => None,
                InstanceKey::Index(n) => Some(json!(n)),
                InstanceKey::Key(k) => Some(json!(k)),
            };
            let id = Identity {
                address,
                mode: resource.mode,
                resource_type: &resource.resource_type,
                name: &instance.resource.name,
                index,
                provider: &resource.provider,
            };
            Some((instance.resource.module.clone(), values_entry(id, &value)))
        })
        .collect();
    let outputs: Map<String, Json> = state
        .outputs
        .iter()
        .map(|(name, output)| {
            let value = if output.sensitive {
                Json::Null
            } else {
                output.value.clone()
            };
            (
                name.clone(),
                json!({ "sensitive": output.sensitive, "value": value }),
            )
        })
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": crate::version::TERRAFORM_LANGUAGE_VERSION,
        "values": with_outputs(outputs, module_tree(resources)),
    })
}

/// Resources grouped into Terraform's module tree: `root_module` with its
/// `resources` and nested `child_modules`.
fn module_tree(resources: Vec<(ModulePath, Json)>) -> Json {
    let mut by_module: BTreeMap<ModulePath, Vec<Json>> = BTreeMap::new();
    for (module, resource) in resources {
        let mut path = Some(module.clone());
        // Every ancestor exists in the tree, even one without resources.
        while let Some(p) = path {
            by_module.entry(p.clone()).or_default();
            path = p.parent();
        }
        by_module.entry(module).or_default().push(resource);
    }
    module_node(&ModulePath::root(), &by_module)
}

fn module_node(path: &ModulePath, by_module: &BTreeMap<ModulePath, Vec<Json>>) -> Json {
    let mut out = Map::new();
    if !path.is_root() {
        out.insert("address".into(), json!(path.to_string()));
    }
    // As Terraform, empty sections are left out.
    if let Some(resources) = by_module.get(path).filter(|r| !r.is_empty()) {
        out.insert("resources".into(), json!(resources));
    }
    let children: Vec<Json> = by_module
        .keys()
        .filter(|p| p.parent().as_ref() == Some(path))
        .map(|p| module_node(p, by_module))
        .collect();
    if !children.is_empty() {
        out.insert("child_modules".into(), json!(children));
    }
    Json::Object(out)
}

fn planned_values(plan: &Plan, changes: &[&ResourceChange], schemas: SchemaLookup<'_>) -> Json {
    let resources = changes
        .iter()
        .filter(|c| !matches!(c.action, Action::Delete | Action::Forget))
        .filter(|c| parts(c).deposed.is_none())
        .filter_map(|c| {
            let after = c.after_value()?;
            Some((parts(c).module, resource_values(c, &after, schemas)))
        })
        .collect();
    let outputs: Map<String, Json> = plan
        .output_changes
        .iter()
        .filter(|o| o.action != Action::Delete)
        .map(|o| {
            (
                o.name.clone(),
                output_value(o, o.after.as_ref(), o.after_unknown),
            )
        })
        .collect();
    with_outputs(outputs, module_tree(resources))
}

/// `{"outputs": …, "root_module": …}`, without `outputs` when there are none.
fn with_outputs(outputs: Map<String, Json>, root: Json) -> Json {
    let mut out = Map::new();
    if !outputs.is_empty() {
        out.insert("outputs".into(), Json::Object(outputs));
    }
    out.insert("root_module".into(), root);
    Json::Object(out)
}

fn prior_state(plan: &Plan, changes: &[&ResourceChange]) -> Json {
    let resources = changes
        .iter()
        .filter(|c| parts(c).deposed.is_none())
        .filter_map(|c| {
            let before = c.before_value()?;
            Some((
                parts(c).module,
                resource_values(c, &before, &super::no_schemas),
            ))
        })
        .collect();
    let outputs: Map<String, Json> = plan
        .output_changes
        .iter()
        .filter(|o| o.before.is_some())
        .map(|o| (o.name.clone(), output_value(o, o.before.as_ref(), false)))
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": crate::version::TERRAFORM_LANGUAGE_VERSION,
        "values": with_outputs(outputs, module_tree(resources)),
    })
}

fn output_value(output: &OutputChange, value: Option<&Json>, unknown: bool) -> Json {
    let mut out = Map::new();
    out.insert("sensitive".into(), json!(output.sensitive));
    if !unknown {
        let shown = if output.sensitive {
            Json::Null
        } else {
            value.cloned().unwrap_or(Json::Null)
        };
        out.insert("value".into(), shown);
    }
    Json::Object(out)
}

fn output_changes(outputs: &[OutputChange]) -> Json {
    let entries: Map<String, Json> = outputs
        .iter()
        .map(|o| {
            let hide = |v: &Option<Json>| match v {
                Some(_) if o.sensitive => Json::Null,
                Some(v) => v.clone(),
                None => Json::Null,
            };
            let action = match o.action {
                Action::NoOp => "no-op",
                Action::Create => "create",
                Action::Delete => "delete",
                _ => "update",
            };
            let mut change = json!({
                "actions": [action],
                "before": hide(&o.before),
                "after_unknown": o.after_unknown,
                "before_sensitive": o.sensitive,
                "after_sensitive": o.sensitive,
            });
            // An unknown value has no `after` at all, as Terraform writes it.
            if !o.after_unknown {
                change["after"] = hide(&o.after);
            }
            (o.name.clone(), change)
        })
        .collect();
    Json::Object(entries)
}

/// The `configuration` section: each resource block with its expressions
/// (constant values, or the references they make), per module. Without the
/// templates, only the resources' identities are known.
fn configuration(
    config: Option<&Config>,
    changes: &[&ResourceChange],
    schemas: SchemaLookup<'_>,
) -> Json {
    let Some(config) = config else {
        let mut seen = std::collections::BTreeSet::new();
        let resources: Vec<Json> = changes
            .iter()
            .filter(|c| parts(c).module.is_root())
            .filter(|c| seen.insert((c.mode == Mode::Data, c.resource_type.clone(), c.name.clone())))
            .map(|c| {
                let prefix = if c.mode == Mode::Data { "data." } else { "" };
                json!({
                    "address": format!("{prefix}{}.{}", c.resource_type, c.name),
                    "mode": mode_name(c.mode),
                    "type": c.resource_type,
                    "name": c.name,
                    "provider_config_key": provider_name(&c.provider).rsplit('/').next().unwrap_or_default(),
                    "schema_version": 0,
                })
            })
            .collect();
        return json!({ "root_module": { "resources": resources } });
    };
    json!({
        "provider_config": provider_config(config),
        "root_module": module_config(config, &ModulePath::root(), schemas),
    })
}

fn provider_config(config: &Config) -> Json {
    let mut out = Map::new();
    for module in config.modules.values().filter(|m| m.path.is_root()) {
        for provider in &module.providers {
            let key = match &provider.alias {
                Some(alias) => format!("{}.{alias}", provider.name),
                None => provider.name.clone(),
            };
            let mut entry = Map::new();
            entry.insert("name".into(), json!(provider.name));
            entry.insert("full_name".into(), json!(provider_name(&provider.name)));
            if let Some(alias) = &provider.alias {
                entry.insert("alias".into(), json!(alias));
            }
            entry.insert("expressions".into(), expressions(&provider.body, None));
            out.insert(key, Json::Object(entry));
        }
    }
    Json::Object(out)
}

fn module_config(config: &Config, path: &ModulePath, schemas: SchemaLookup<'_>) -> Json {
    let Some(module) = config.modules.get(path) else {
        return json!({});
    };
    let resources: Vec<Json> = module
        .resources
        .values()
        .map(|r| resource_config(r, schemas))
        .collect();
    let mut calls = Map::new();
    for (name, call) in &module.module_calls {
        let mut entry = Map::new();
        entry.insert("source".into(), json!(call.source));
        let arguments: Map<String, Json> = call
            .arguments
            .iter()
            .map(|(k, e)| (k.clone(), expression(&e.expr)))
            .collect();
        entry.insert("expressions".into(), Json::Object(arguments));
        if let Some(count) = &call.count {
            entry.insert("count_expression".into(), expression(&count.expr));
        }
        if let Some(for_each) = &call.for_each {
            entry.insert("for_each_expression".into(), expression(&for_each.expr));
        }
        entry.insert(
            "module".into(),
            module_config(config, &path.child(name), schemas),
        );
        calls.insert(name.clone(), Json::Object(entry));
    }
    let mut out = Map::new();
    out.insert("resources".into(), json!(resources));
    out.insert("outputs".into(), outputs_config(module));
    if !calls.is_empty() {
        out.insert("module_calls".into(), Json::Object(calls));
    }
    Json::Object(out)
}

fn outputs_config(module: &Module) -> Json {
    let outputs: Map<String, Json> = module
        .outputs
        .iter()
        .map(|(name, output)| {
            let mut entry = Map::new();
            if let Some(expr) = &output.expr {
                entry.insert("expression".into(), expression(&expr.expr));
            }
            if output.sensitive {
                entry.insert("sensitive".into(), json!(true));
            }
            (name.clone(), Json::Object(entry))
        })
        .collect();
    Json::Object(outputs)
}

fn resource_config(resource: &crate::config::Resource, schemas: SchemaLookup<'_>) -> Json {
    let addr = &resource.addr;
    let prefix = if addr.mode == ResourceMode::Data {
        "data."
    } else {
        ""
    };
    let mut out = Map::new();
    out.insert(
        "address".into(),
        json!(format!("{prefix}{}.{}", addr.resource_type, addr.name)),
    );
    let mode = if addr.mode == ResourceMode::Data {
        "data"
    } else {
        "managed"
    };
    out.insert("mode".into(), json!(mode));
    out.insert("type".into(), json!(addr.resource_type));
    out.insert("name".into(), json!(addr.name));
    let provider = resource.provider.to_string();
    let key = provider.trim_start_matches("provider.").to_string();
    out.insert("provider_config_key".into(), json!(key));
    let data = addr.mode == ResourceMode::Data;
    let schema = schemas(&addr.resource_type, data);
    out.insert(
        "expressions".into(),
        expressions(&resource.body, schema.as_ref()),
    );
    out.insert("schema_version".into(), json!(0));
    if let Some(count) = &resource.count {
        out.insert("count_expression".into(), expression(&count.expr));
    }
    if let Some(for_each) = &resource.for_each {
        out.insert("for_each_expression".into(), expression(&for_each.expr));
    }
    if !resource.depends_on.is_empty() {
        let deps: Vec<String> = resource
            .depends_on
            .iter()
            .flat_map(|e| reference_strings(&e.expr))
            .collect();
        out.insert("depends_on".into(), json!(deps));
    }
    Json::Object(out)
}

/// Meta-arguments are not expressions of the resource in Terraform's form.
const META_ARGUMENTS: [&str; 6] = [
    "count",
    "for_each",
    "provider",
    "depends_on",
    "lifecycle",
    "provisioner",
];

/// A body's attributes and nested blocks as Terraform's expression objects.
/// A literal written for a sensitive attribute (a password in clear in the
/// templates) is not repeated: its expression is `{}`.
fn expressions(body: &Body, schema: Option<&Schema>) -> Json {
    let mut out = Map::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let name = attr.key.as_str();
                if META_ARGUMENTS.contains(&name) {
                    continue;
                }
                let sensitive = schema
                    .and_then(|s| s.attribute(name))
                    .is_some_and(|a| a.sensitive);
                let value = match expression(&attr.value) {
                    e if sensitive && e.get("constant_value").is_some() => json!({}),
                    e => e,
                };
                out.insert(name.to_string(), value);
            }
            Structure::Block(block) => {
                let name = block.ident.as_str();
                if META_ARGUMENTS.contains(&name) || name == "connection" || name == "dynamic" {
                    continue;
                }
                let inner = schema.and_then(|s| s.nested_block(name)).map(|b| &b.schema);
                let entry = out.entry(name.to_string()).or_insert_with(|| json!([]));
                if let Json::Array(items) = entry {
                    items.push(expressions(&block.body, inner));
                }
            }
        }
    }
    Json::Object(out)
}

/// `{"constant_value": …}` for a literal, else `{"references": […]}`.
fn expression(expr: &Expression) -> Json {
    if let Some(value) = constant(expr) {
        return json!({ "constant_value": value });
    }
    json!({ "references": reference_strings(expr) })
}

/// A literal expression's value (no references, no function calls).
fn constant(expr: &Expression) -> Option<Json> {
    match expr {
        Expression::Null(_) => Some(Json::Null),
        Expression::Bool(b) => Some(json!(*b.value())),
        Expression::Number(n) => serde_json::from_str(&n.value().to_string()).ok(),
        Expression::String(s) => Some(json!(s.value())),
        Expression::Array(items) => items
            .iter()
            .map(constant)
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        Expression::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object.iter() {
                let key = match key {
                    hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                        s.value().to_string()
                    }
                    hcl_edit::expr::ObjectKey::Expression(_) => return None,
                };
                out.insert(key, constant(value.expr())?);
            }
            Some(Json::Object(out))
        }
        Expression::StringTemplate(template) => {
            let mut text = String::new();
            for element in template.iter() {
                match element {
                    hcl_edit::template::Element::Literal(l) => text.push_str(l.value()),
                    _ => return None,
                }
            }
            Some(json!(text))
        }
        Expression::Parenthesis(inner) => constant(inner.inner()),
        _ => None,
    }
}

/// References as Terraform lists them: the attribute path and the object.
fn reference_strings(expr: &Expression) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for reference in crate::eval::references(expr) {
        let names: Vec<String> = match reference.reference {
            Reference::Var(name) => vec![format!("var.{name}")],
            Reference::Local(name) => vec![format!("local.{name}")],
            Reference::ModuleOutput(module, Some(output)) => {
                vec![
                    format!("module.{module}.{output}"),
                    format!("module.{module}"),
                ]
            }
            Reference::ModuleOutput(module, None) => vec![format!("module.{module}")],
            Reference::Resource(mode, resource_type, name) => {
                let prefix = if mode == ResourceMode::Data {
                    "data."
                } else {
                    ""
                };
                vec![format!("{prefix}{resource_type}.{name}")]
            }
        };
        for name in names {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanMode;
    use crate::provider::{AttrType, AttributeSchema};
    use crate::testing::TestStack;

    const TEMPLATE: &str = r#"
variable "token" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}
resource "terraform_data" "app" {
  count = 2
  input = { token = var.token, plain = "visible" }
}
module "web" {
  source = "./web"
}
"#;

    /// `terraform_data` with `input` declared sensitive, to check literals.
    fn schemas(type_name: &str, _data: bool) -> Option<Schema> {
        (type_name == "terraform_data").then(|| {
            Schema::new("").attr(AttributeSchema::optional("input", AttrType::Any).sensitive())
        })
    }

    async fn planned() -> (TestStack, Plan) {
        let stack = TestStack::from_files(
            &[
                ("main.tf", TEMPLATE),
                (
                    "web/main.tf",
                    "resource \"terraform_data\" \"page\" {\n  input = \"literal-secret\"\n}\n",
                ),
            ],
            &[],
            crate::testing::TestProvider::new(),
        );
        let plan = stack
            .plan(&state::State::new("lineage".to_string()), PlanMode::Normal)
            .await
            .expect("a plan");
        (stack, plan)
    }

    #[tokio::test]
    async fn resources_carry_their_index_module_and_masks_without_secrets() {
        let (stack, plan) = planned().await;
        let json = plan_json(&plan, Some(&stack.ctx.config));
        let text = json.to_string();
        assert!(
            !text.contains("s3cr3t"),
            "a sensitive value in clear: {text}"
        );
        let changes = json["resource_changes"].as_array().unwrap();
        let app = changes
            .iter()
            .find(|c| c["address"] == "terraform_data.app[1]")
            .unwrap();
        assert_eq!(app["index"], 1);
        assert_eq!(app["change"]["actions"], json!(["create"]));
        assert_eq!(app["change"]["after"]["input"]["token"], Json::Null);
        assert_eq!(app["change"]["after"]["input"]["plain"], "visible");
        assert_eq!(app["change"]["after_sensitive"]["input"]["token"], true);
        assert_eq!(app["change"]["after_unknown"]["id"], true);
        let page = changes
            .iter()
            .find(|c| c["address"] == "module.web.terraform_data.page")
            .unwrap();
        assert_eq!(page["module_address"], "module.web");
        let child = &json["planned_values"]["root_module"]["child_modules"][0];
        assert_eq!(child["address"], "module.web");
        assert_eq!(
            child["resources"][0]["address"],
            "module.web.terraform_data.page"
        );
        assert_eq!(json["format_version"], FORMAT_VERSION);
    }

    #[tokio::test]
    async fn configuration_has_expressions_but_no_sensitive_literal() {
        let (stack, plan) = planned().await;
        let json = plan_json(&plan, Some(&stack.ctx.config));
        let root = &json["configuration"]["root_module"];
        let app = &root["resources"][0];
        assert_eq!(app["address"], "terraform_data.app");
        assert_eq!(app["count_expression"]["constant_value"], 2);
        // An expression that refers to values lists the references.
        assert_eq!(
            app["expressions"]["input"],
            json!({ "references": ["var.token"] })
        );
        let page = &root["module_calls"]["web"]["module"]["resources"][0];
        // A literal for a sensitive attribute is not repeated.
        assert_eq!(page["expressions"]["input"], json!({}));
        assert!(!json["configuration"].to_string().contains("literal-secret"));
    }

    fn plan_json(plan: &Plan, config: Option<&Config>) -> Json {
        super::plan(plan, config, &schemas)
    }
}
