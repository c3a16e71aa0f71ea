//! Drift: what changed in the real objects outside `stack` since the last
//! apply. Drift reuses the planner: a normal plan refreshes every managed
//! instance (batched per resource type, as providers batch) and records
//! which objects refresh found different or gone ([`crate::plan::Drift`]).
//! This module turns that into a per-attribute report and removes the
//! noise: attributes the template does not set (unless every attribute is
//! asked for), attributes under `ignore_changes`, and values the cloud only
//! normalised (JSON documents, set order, defaults the API fills, tag-key
//! case).
//!
//! A live value is compared with the value stack recorded at its last
//! apply, not with the templates as they are now: a template edited since
//! is a pending change (`stack plan` shows it), not drift. The report shows
//! the template's value beside the live one where the template sets it.

use std::collections::BTreeMap;

use state::{Mode, State};

use crate::config::IgnoreChanges;
use crate::context::Context;
use crate::diagnostics::Diagnostics;
use unmanaged::Exclusions;
pub use unmanaged::UnmanagedObject;

use crate::plan::{
    plan_with_providers, ConfiguredProviders, InstanceConfigs, Plan, PlanMode, PlanOptions,
    DELETED, UPDATED,
};
use crate::provider::{AttrType, Nesting, Schema};
use crate::value::Value;

/// What a drift check compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriftOptions {
    /// Compare every attribute in state, not only those the template sets.
    pub all_attributes: bool,
    /// Also list the objects of the managed types that no state knows.
    pub unmanaged: bool,
}

/// The drift of one stack, resources sorted by address.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DriftReport {
    /// How many managed objects were refreshed and compared.
    pub checked: usize,
    /// Only the resources that drifted.
    pub resources: Vec<ResourceDrift>,
    /// With `--unmanaged`: objects of the managed types no state knows,
    /// sorted by type and id; `None` when they were not looked for.
    pub unmanaged: Option<Vec<UnmanagedObject>>,
    /// API calls the providers made, by `service:Operation`.
    pub api_calls: BTreeMap<String, u64>,
}

impl DriftReport {
    pub fn has_drift(&self) -> bool {
        !self.resources.is_empty() || self.unmanaged.as_ref().is_some_and(|u| !u.is_empty())
    }

    /// How many resources changed and how many were deleted.
    pub fn counts(&self) -> (usize, usize) {
        let deleted = self
            .resources
            .iter()
            .filter(|r| r.kind == DriftKind::Deleted)
            .count();
        (self.resources.len() - deleted, deleted)
    }
}

/// What one drift check of one stack came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Checked(DriftReport),
    /// The state lock is held: an apply is running, and what it is
    /// changing is not drift. `holder` names it (`who`, operation, since).
    ApplyInProgress {
        holder: String,
    },
    /// The check could not be made; `error` is one line naming the cause.
    Failed {
        error: String,
    },
}

impl Outcome {
    /// What a change of drift status is judged by: two runs with the same
    /// fingerprint report the same thing, so the second is not notified.
    /// `None` for a run that says nothing about drift (an apply in progress).
    pub fn fingerprint(&self) -> Option<String> {
        match self {
            Outcome::Checked(report) => Some(report_fingerprint(report)),
            Outcome::ApplyInProgress { .. } => None,
            Outcome::Failed { error } => Some(format!("error: {error}")),
        }
    }

    /// The exit code of `stack drift`: 0 no drift, 2 drift, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Checked(report) if report.has_drift() => 2,
            Outcome::Checked(_) => 0,
            _ => 1,
        }
    }
}

/// A digest of the drifted resources, each with what drifted and its live
/// value (a digest, so that no live value is kept in clear); empty when
/// nothing drifted.
fn report_fingerprint(report: &DriftReport) -> String {
    use sha2::{Digest, Sha256};
    if !report.has_drift() {
        return String::new();
    }
    let mut text = String::new();
    for resource in &report.resources {
        text.push_str(&resource.address);
        match &resource.kind {
            DriftKind::Deleted => text.push_str(" deleted\n"),
            DriftKind::Changed(attributes) => {
                for attribute in attributes {
                    let live = attribute.live.to_json();
                    text.push_str(&format!(" {}={live}", attribute.name));
                }
                text.push('\n');
            }
        }
    }
    for object in report.unmanaged.iter().flatten() {
        text.push_str(&format!(
            "unmanaged {} {}\n",
            object.resource_type, object.id
        ));
    }
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDrift {
    pub address: String,
    pub resource_type: String,
    pub kind: DriftKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DriftKind {
    /// The object still exists; these attributes differ.
    Changed(Vec<AttributeDrift>),
    /// The object is gone.
    Deleted,
}

/// One attribute that changed outside stack.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDrift {
    pub name: String,
    /// The value the template sets; the value stack recorded where the
    /// template does not set it (`--all-attributes`) or it is not known.
    pub expected: Value,
    pub live: Value,
}

/// Refreshes every managed object of the stack and reports its drift. The
/// state is only read. Errors are the planner's (a provider that cannot be
/// configured, a refresh that failed, a template that does not evaluate).
pub async fn check(
    ctx: &Context,
    state: &State,
    options: DriftOptions,
) -> Result<(DriftReport, Diagnostics), Diagnostics> {
    let plan_options = PlanOptions {
        mode: PlanMode::Normal,
        refresh: true,
        ..Default::default()
    };
    let (planned, diags) = plan_with_providers(ctx, state, plan_options).await;
    let Some((plan, configs, providers)) = planned else {
        return Err(diags);
    };
    let mut report = report(ctx, state, &plan, &configs, options);
    if options.unmanaged {
        let settings = &ctx.config.root().settings.drift;
        let exclusions = Exclusions::new(settings).map_err(Diagnostics::from)?;
        let found = unmanaged::find(&ctx.config, state, &providers, &exclusions).await?;
        report.unmanaged = Some(found);
        // Listing made calls too: count them with the refresh's.
        report.api_calls = providers_api_calls(&providers);
    }
    Ok((report, diags))
}

fn providers_api_calls(providers: &ConfiguredProviders) -> BTreeMap<String, u64> {
    let mut calls: BTreeMap<String, u64> = BTreeMap::new();
    for provider in providers.values() {
        for (call, count) in provider.api_calls() {
            *calls.entry(call).or_default() += count;
        }
    }
    calls
}

/// The drift the plan's refresh found, attribute by attribute.
pub fn report(
    ctx: &Context,
    state: &State,
    plan: &Plan,
    configs: &InstanceConfigs,
    options: DriftOptions,
) -> DriftReport {
    let checked = state
        .resources
        .values()
        .filter(|r| r.mode == Mode::Managed)
        .count();
    let mut schemas = SchemaCache::new(ctx);
    let mut resources = Vec::new();
    for drift in &plan.drift {
        let Some(recorded) = state.resources.get(&drift.address) else {
            continue;
        };
        let resource_type = recorded.resource_type.clone();
        let kind = if drift.change == DELETED {
            DriftKind::Deleted
        } else if drift.change == UPDATED {
            let Some(live) = plan.change(&drift.address).and_then(|c| c.before_value()) else {
                continue;
            };
            let compared = Compared {
                recorded: &crate::encoding::from_state(recorded),
                live: &live,
                config: configs.get(&drift.address),
                ignore: ignore_changes(ctx, &drift.address),
                schema: schemas.get(&resource_type),
            };
            let attributes = compared.attributes(options);
            if attributes.is_empty() {
                continue;
            }
            DriftKind::Changed(attributes)
        } else {
            // Adopted or abandoned creates are an interrupted apply's
            // business (the next plan records them), not drift.
            continue;
        };
        resources.push(ResourceDrift {
            address: drift.address.clone(),
            resource_type,
            kind,
        });
    }
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    DriftReport {
        checked,
        resources,
        unmanaged: None,
        api_calls: plan.api_calls.clone(),
    }
}

/// Each resource type's schema, looked up once (making a provider builds
/// all its schemas).
struct SchemaCache<'c> {
    ctx: &'c Context,
    found: BTreeMap<String, Option<Schema>>,
}

impl<'c> SchemaCache<'c> {
    fn new(ctx: &'c Context) -> SchemaCache<'c> {
        SchemaCache {
            ctx,
            found: BTreeMap::new(),
        }
    }

    fn get(&mut self, type_name: &str) -> Option<Schema> {
        let ctx = self.ctx;
        self.found
            .entry(type_name.to_string())
            .or_insert_with(|| {
                ctx.providers
                    .find_schema(type_name, crate::addrs::ResourceMode::Managed)
                    .map(|(_, schema)| schema)
            })
            .clone()
    }
}

/// The `ignore_changes` of the resource block an instance belongs to
/// (nothing for an instance no longer in the templates).
fn ignore_changes(ctx: &Context, address: &str) -> IgnoreChanges {
    address
        .parse::<crate::addrs::InstanceAddr>()
        .ok()
        .and_then(|instance| ctx.config.resource(&instance.resource.to_static()).cloned())
        .map(|resource| resource.lifecycle.ignore_changes.clone())
        .unwrap_or_default()
}

/// One object as stack recorded it, as refresh found it, and as the
/// template configures it.
struct Compared<'a> {
    recorded: &'a Value,
    live: &'a Value,
    config: Option<&'a Value>,
    ignore: IgnoreChanges,
    schema: Option<Schema>,
}

impl Compared<'_> {
    /// The attributes that drifted, in name order.
    fn attributes(&self, options: DriftOptions) -> Vec<AttributeDrift> {
        if self.ignore == IgnoreChanges::All {
            return Vec::new();
        }
        let mut live = self.live.peel().clone();
        if let IgnoreChanges::Attributes(paths) = &self.ignore {
            // An ignored path counts as unchanged: it takes the recorded value.
            for path in paths {
                crate::plan::keep_prior_at(&mut live, self.recorded, path);
            }
        }
        let empty = BTreeMap::new();
        let recorded = self.recorded.peel().as_map().unwrap_or(&empty);
        let live = live.as_map().unwrap_or(&empty);
        let mut names: Vec<&String> = recorded.keys().chain(live.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| {
                let was = recorded.get(name).unwrap_or(&Value::Null);
                let now = live.get(name).unwrap_or(&Value::Null);
                self.attribute(name, was, now, options)
            })
            .collect()
    }

    /// One attribute's drift, if it drifted: compared where the template
    /// sets it, or (with every attribute) where stack recorded a value.
    fn attribute(
        &self,
        name: &str,
        was: &Value,
        now: &Value,
        options: DriftOptions,
    ) -> Option<AttributeDrift> {
        let shape = Shape::of_attribute(self.schema.as_ref(), name);
        let set_by_template = self
            .config
            .and_then(|c| c.peel().as_map())
            .and_then(|c| c.get(name))
            .filter(|v| !v.peel().is_null());
        let differs = match set_by_template {
            Some(config) => !same(
                &project(was, config, &shape),
                &project(now, config, &shape),
                &shape,
                name,
            ),
            // A value the API filled where stack recorded none is a
            // default, not drift.
            None if options.all_attributes && !was.peel().is_null() => {
                !same(was, now, &shape, name)
            }
            None => false,
        };
        if !differs {
            return None;
        }
        let expected = set_by_template
            .filter(|v| v.is_wholly_known())
            .unwrap_or(was);
        let sensitive = self
            .schema
            .as_ref()
            .and_then(|s| s.attribute(name))
            .is_some_and(|a| a.sensitive);
        Some(AttributeDrift {
            name: name.to_string(),
            expected: expected.clone().mark_if(sensitive),
            live: now.clone().mark_if(sensitive),
        })
    }
}

/// What the schema says a value is, as far as comparing it goes.
#[derive(Debug, Clone)]
enum Shape {
    /// An attribute of this type.
    Attribute(AttrType),
    /// A nested block (its value an object, or a list or set of objects).
    Block(Nesting, Schema),
    /// No schema: compared by the value's own shape.
    Unknown,
}

impl Shape {
    fn of_attribute(schema: Option<&Schema>, name: &str) -> Shape {
        let Some(schema) = schema else {
            return Shape::Unknown;
        };
        if let Some(attribute) = schema.attribute(name) {
            return Shape::Attribute(attribute.ty.clone());
        }
        match schema.nested_block(name) {
            Some(block) => Shape::Block(block.nesting, block.schema.clone()),
            None => Shape::Unknown,
        }
    }

    /// The shape of an element of a list or set.
    fn element(&self) -> Shape {
        match self {
            Shape::Attribute(AttrType::List(t) | AttrType::Set(t)) => {
                Shape::Attribute((**t).clone())
            }
            Shape::Block(_, schema) => Shape::Block(Nesting::Single, schema.clone()),
            _ => Shape::Unknown,
        }
    }

    /// The shape of one key of an object or map.
    fn key(&self, name: &str) -> Shape {
        match self {
            Shape::Attribute(AttrType::Map(t)) => Shape::Attribute((**t).clone()),
            Shape::Block(_, schema) => Shape::of_attribute(Some(schema), name),
            _ => Shape::Unknown,
        }
    }

    /// True when the value's keys are the user's data (a map attribute),
    /// not the names of an object's attributes.
    fn is_map(&self) -> bool {
        matches!(self, Shape::Attribute(AttrType::Map(_) | AttrType::Any))
    }

    fn is_set(&self) -> bool {
        matches!(
            self,
            Shape::Attribute(AttrType::Set(_)) | Shape::Block(Nesting::Set, _)
        )
    }
}

/// The part of `value` that the template sets: inside objects and nested
/// blocks, only the keys `config` gives a value (a map's keys are data and
/// are all kept). Lists and sets of blocks keep, in each element, the keys
/// any configured element sets.
fn project(value: &Value, config: &Value, shape: &Shape) -> Value {
    match (value.peel(), config.peel()) {
        (Value::Map(map), Value::Map(wanted)) if !shape.is_map() => Value::Map(
            wanted
                .iter()
                .filter(|(_, v)| !v.peel().is_null())
                .map(|(k, v)| {
                    let here = map.get(k).unwrap_or(&Value::Null);
                    (k.clone(), project(here, v, &shape.key(k)))
                })
                .collect(),
        ),
        (Value::List(items) | Value::Set(items), Value::List(wanted) | Value::Set(wanted)) => {
            let element = shape.element();
            let union = union_of_keys(wanted);
            let projected = items.iter().enumerate().map(|(i, item)| {
                let wanted = if shape.is_set() { None } else { wanted.get(i) };
                project(item, wanted.unwrap_or(&union), &element)
            });
            match value.peel() {
                Value::Set(_) => Value::Set(projected.collect()),
                _ => Value::List(projected.collect()),
            }
        }
        (other, _) => other.clone(),
    }
}

/// An object with every key any of `elements` sets (for projecting set
/// elements, which cannot be matched to a configured element by position).
fn union_of_keys(elements: &[Value]) -> Value {
    let mut union = BTreeMap::new();
    for element in elements {
        if let Some(map) = element.peel().as_map() {
            for (k, v) in map {
                if !v.peel().is_null() {
                    union.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if union.is_empty() {
        Value::Null
    } else {
        Value::Map(union)
    }
}

/// Equality up to what the cloud normalises: null, empty strings and
/// empty collections are one "unset"; sets (and set-typed attributes
/// returned as lists) in any order; strings holding JSON documents by
/// meaning; tag keys in any case. `name` is the attribute's name (tags are
/// known by it).
fn same(a: &Value, b: &Value, shape: &Shape, name: &str) -> bool {
    let (a, b) = (a.peel(), b.peel());
    if is_unset(a) && is_unset(b) {
        return true;
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y || same_json_document(x, y),
        (Value::List(x) | Value::Set(x), Value::List(y) | Value::Set(y)) => {
            let element = shape.element();
            let unordered = shape.is_set() || matches!(a, Value::Set(_));
            if unordered {
                same_unordered(x, y, &element, name)
            } else {
                x.len() == y.len() && x.iter().zip(y).all(|(l, r)| same(l, r, &element, name))
            }
        }
        (Value::Map(x), Value::Map(y)) if is_tags(name) => {
            let fold = |m: &BTreeMap<String, Value>| -> BTreeMap<String, Value> {
                m.iter()
                    .map(|(k, v)| (k.to_lowercase(), v.peel().clone()))
                    .collect()
            };
            let (x, y) = (fold(x), fold(y));
            same_maps(&x, &y, shape, name)
        }
        (Value::Map(x), Value::Map(y)) => same_maps(x, y, shape, name),
        (x, y) => x == y,
    }
}

fn same_maps(
    x: &BTreeMap<String, Value>,
    y: &BTreeMap<String, Value>,
    shape: &Shape,
    name: &str,
) -> bool {
    let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    keys.into_iter().all(|k| {
        let inner = shape.key(k);
        let name = if shape.is_map() { name } else { k.as_str() };
        same(
            x.get(k).unwrap_or(&Value::Null),
            y.get(k).unwrap_or(&Value::Null),
            &inner,
            name,
        )
    })
}

/// Two sets with the same elements, each matched once.
fn same_unordered(x: &[Value], y: &[Value], element: &Shape, name: &str) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let mut unmatched: Vec<&Value> = y.iter().collect();
    x.iter().all(|item| {
        match unmatched
            .iter()
            .position(|other| same(item, other, element, name))
        {
            Some(i) => {
                unmatched.swap_remove(i);
                true
            }
            None => false,
        }
    })
}

fn is_unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::List(items) | Value::Set(items) => items.is_empty(),
        Value::Map(map) => map.is_empty(),
        _ => false,
    }
}

fn is_tags(name: &str) -> bool {
    name == "tags" || name == "tags_all"
}

/// Two strings that are both JSON objects or arrays meaning the same
/// document: key order and whitespace aside, and a one-element array the
/// same as its element (as IAM returns `"Action": "s3:GetObject"` for
/// `["s3:GetObject"]`).
fn same_json_document(x: &str, y: &str) -> bool {
    let parse = |text: &str| -> Option<serde_json::Value> {
        let trimmed = text.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return None;
        }
        serde_json::from_str(text).ok()
    };
    match (parse(x), parse(y)) {
        (Some(a), Some(b)) => same_json(&a, &b),
        _ => false,
    }
}

fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w))
        }
        (J::Array(x), other) | (other, J::Array(x)) if x.len() == 1 => same_json(&x[0], other),
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (x, y) => x == y,
    }
}

mod unmanaged;

#[cfg(test)]
mod tests;
