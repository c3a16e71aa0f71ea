//! Planning: prior state (refreshed) + evaluated configuration → a [`Plan`].
//!
//! A plan is data: serialisable with a versioned format, holding every
//! resource change with before/after values (unknown and sensitive parts
//! recorded as paths), the variables, a digest of the templates, and the
//! lineage and serial of the state it was made against, so that it applies
//! at most once and never to a state that moved.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use state::{AttrPath, Mode, State, Status};

use crate::addrs::{
    InstanceAddr, InstanceKey, ModulePath, ObjectAddr, ResourceAddr, ResourceMode, Target,
};
use crate::body::{eval_body, unknown_object, BodyKind};
use crate::conditions;
use crate::config::{IgnoreChanges, ProviderRef, Resource};
use crate::context::{expand, resource_value, Context, Expansion, Walker};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use crate::encoding::{self, encode};
use crate::graph::Node;
use crate::provider::{
    values_equal, FindCreatedRequest, PlanRequest, Provider, ReadDataRequest, ReadRequest,
};
use crate::value::Value;

/// Version 2 added the refactoring data: `moves`, the `forget` action,
/// and `previous_address` and `importing` on resource changes. Version 3
/// added `timestamp`, the time of planning that `plantimestamp()` returns.
pub const PLAN_FORMAT_VERSION: u32 = 3;

/// The backends the state layer implements.
pub const SUPPORTED_BACKENDS: [&str; 2] = ["local", "s3"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Replace,
    Delete,
    /// The object leaves the state and is left as it is (a `removed` block
    /// with `destroy = false`).
    Forget,
}

impl Action {
    pub fn is_change(self) -> bool {
        !matches!(self, Action::NoOp)
    }
}

/// One resource instance's planned change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub provider: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Why a replacement or deletion was planned, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
    /// The object before and after the change, as JSON. Both are shared
    /// (`Arc`) so that a no-op's `after` is its `before`, one tree rather
    /// than a copy per resource; the plan file spells both out as before.
    #[serde(default, with = "shared_json")]
    pub before: Option<Arc<serde_json::Value>>,
    #[serde(default, with = "shared_json")]
    pub after: Option<Arc<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_unknown: Vec<AttrPath>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before_sensitive: Vec<AttrPath>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_sensitive: Vec<AttrPath>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_replace: Vec<String>,
    /// Resource addresses this instance depends on: the apply order, and
    /// (reversed) the destroy order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<serde_json::Value>,
    /// The address the object had before a `moved` block (or an implied
    /// move) gave it this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    /// Set when an `import` block brings the object under management.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
}

/// The object an `import` block adopts, as the provider found it at plan
/// time (the change's `before`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Importing {
    pub id: String,
}

/// Reads and writes a change's shared `before`/`after` exactly as a plain
/// optional JSON value, so that sharing is invisible in the plan file and
/// in the digests made of it. A plan read back shares nothing, which only
/// costs memory, never meaning.
mod shared_json {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<Arc<serde_json::Value>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_deref().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Arc<serde_json::Value>>, D::Error> {
        Ok(Option::<serde_json::Value>::deserialize(deserializer)?.map(Arc::new))
    }
}

impl ResourceChange {
    /// True when applying does something for this change: an action, a
    /// move or an import to record.
    pub fn is_shown(&self) -> bool {
        self.action.is_change() || self.previous_address.is_some() || self.importing.is_some()
    }

    pub fn before_value(&self) -> Option<Value> {
        self.before
            .as_ref()
            .map(|json| encoding::decode(json, &[], &self.before_sensitive))
    }

    pub fn after_value(&self) -> Option<Value> {
        self.after
            .as_ref()
            .map(|json| encoding::decode(json, &self.after_unknown, &self.after_sensitive))
    }

    pub fn instance_addr(&self) -> Option<InstanceAddr> {
        self.address.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub sensitive: bool,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_unknown: bool,
}

/// The [`Drift::change`] of an object that an interrupted create made and
/// refresh found by its operation id: apply records it in state.
pub const ADOPTED: &str = "adopted";

/// The [`Drift::change`] of an unfinished create that left no object.
pub const ABANDONED: &str = "abandoned";

/// The [`Drift::change`] of an object deleted outside stack.
pub const DELETED: &str = "deleted";

/// The [`Drift::change`] of an object whose values changed outside stack.
pub const UPDATED: &str = "updated";

/// A resource whose real object changed outside stack since the last apply,
/// or that an interrupted create made and refresh found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub address: String,
    /// `deleted`, `updated`, `adopted` or `abandoned`.
    pub change: String,
}

impl Drift {
    /// True when applying the plan writes what refresh found into state:
    /// an adopted object, or a record of an object that no longer exists.
    pub fn needs_record(&self) -> bool {
        [ADOPTED, ABANDONED, DELETED].contains(&self.change.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedVariable {
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// An ephemeral variable that was set for the plan: its value is not
    /// stored (`value` is null) and must be given again to apply the plan.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ephemeral: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub workspace: String,
    /// The lineage of the state the plan was made against (new for an empty state).
    pub lineage: String,
    /// The serial of that state; apply refuses a state with another serial.
    pub serial: u64,
    /// sha256 over the stack's template files, so a plan is not applied to changed templates.
    pub templates_digest: String,
    /// When the plan was made (RFC 3339, UTC): `plantimestamp()` returns it
    /// while planning and again while applying this plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub destroy: bool,
    /// A `--refresh-only` plan: it changes nothing real and only records
    /// in state what refresh found. An optional field, so a reader of plan
    /// format 3 that predates it applies such a plan as what it is, a plan
    /// whose every change is a no-op.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_only: bool,
    pub variables: BTreeMap<String, PlannedVariable>,
    pub resource_changes: Vec<ResourceChange>,
    pub output_changes: Vec<OutputChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Drift>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    /// The `--replace` addresses, if any: a reviewer must see that a
    /// replacement was asked for rather than needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<String>,
    /// Objects that change address (`moved` blocks, implied moves); apply
    /// records them first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<crate::refactor::ObjectMove>,
    /// API calls the providers made while planning, by `service:Operation`
    /// (for `stack plan --stats`); not part of the saved plan.
    #[serde(skip)]
    pub api_calls: BTreeMap<String, u64>,
}

/// `Plan: X to add, Y to change, Z to destroy.` counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(default)]
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in self
            .resource_changes
            .iter()
            .filter(|c| c.mode == Mode::Managed)
        {
            if change.importing.is_some() {
                summary.import += 1;
            }
            match change.action {
                Action::Create => summary.add += 1,
                Action::Update => summary.change += 1,
                Action::Replace => {
                    summary.add += 1;
                    summary.destroy += 1;
                }
                Action::Delete => summary.destroy += 1,
                Action::NoOp | Action::Read | Action::Forget => {}
            }
        }
        summary
    }

    /// True when applying would change anything (resources or outputs), or
    /// record an object found after an interrupted create.
    pub fn has_changes(&self) -> bool {
        self.resource_changes
            .iter()
            .any(|c| c.mode == Mode::Managed && c.action.is_change())
            || self.output_changes.iter().any(|o| o.action.is_change())
            || self.drift.iter().any(Drift::needs_record)
            || (self.refresh_only && !self.drift.is_empty())
            || !self.moves.is_empty()
            || self.resource_changes.iter().any(|c| c.importing.is_some())
    }

    /// How many provider operations applying takes: a replacement is two
    /// (a create and a destroy).
    pub fn operation_count(&self) -> usize {
        self.resource_changes
            .iter()
            .filter(|c| c.mode == Mode::Managed)
            .map(|c| match c.action {
                Action::Replace => 2,
                Action::NoOp | Action::Read | Action::Forget => 0,
                _ => 1,
            })
            .sum()
    }

    /// The deletions and replacements of objects that hold data (databases,
    /// caches, buckets, Beanstalk environments): what `--deny-destroy`
    /// refuses and what a review must see first.
    pub fn stateful_destroys(&self) -> Vec<&ResourceChange> {
        self.resource_changes
            .iter()
            .filter(|c| c.mode == Mode::Managed && crate::stateful::is_stateful(&c.resource_type))
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
            .collect()
    }

    pub fn change(&self, address: &str) -> Option<&ResourceChange> {
        self.resource_changes
            .binary_search_by(|c| c.address.as_str().cmp(address))
            .ok()
            .map(|i| &self.resource_changes[i])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    /// `stack validate`: no state, no provider calls, unknown variables allowed.
    Validate,
    /// `--refresh-only`: every object is refreshed and planned as in a
    /// normal plan, then every change is dropped, so that applying the plan
    /// only records the live values (and forgets what was deleted).
    RefreshOnly,
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    pub replace: Vec<InstanceAddr>,
    pub refresh: bool,
}

/// What every instance of one resource block is planned with.
#[derive(Clone, Copy)]
struct InstancePlanning<'p> {
    resource: &'p Resource,
    provider: &'p std::sync::Arc<dyn Provider>,
    schema: &'p crate::provider::Schema,
    dependencies: &'p [String],
    validating: bool,
}

/// Everything the planner learnt about one state instance during refresh.
struct Prior {
    value: Value,
    status: Status,
    private: Option<serde_json::Value>,
}

struct Planner<'c> {
    walker: Walker<'c>,
    options: PlanOptions,
    state: &'c State,
    /// Refreshed prior values by instance address; removed when gone.
    priors: HashMap<String, Option<Prior>>,
    refreshed_types: HashSet<(ProviderRef, String)>,
    changes: BTreeMap<String, ResourceChange>,
    claimed: HashSet<String>,
    drift: Vec<Drift>,
    included: Option<HashSet<ResourceAddr>>,
    excluded: HashSet<ResourceAddr>,
    /// The address each moved object had before, by its new address.
    moved_from: HashMap<String, String>,
    /// The id each `import` block found an object by, by its address.
    imports: HashMap<String, String>,
    /// State objects a `removed` block forgets.
    forgotten: HashSet<String>,
    /// Each planned managed instance's evaluated configuration, when
    /// `keep_configs` is set.
    configs: InstanceConfigs,
    keep_configs: bool,
    diags: Diagnostics,
}

/// A provider's diagnostics about a resource's configuration, located at
/// its block when the provider (which knows no templates) gave no place.
fn at_block(diags: Diagnostics, resource: &Resource) -> Diagnostics {
    Diagnostics(
        diags
            .into_iter()
            .map(|d| d.with_span(resource.span.clone()))
            .collect(),
    )
}

/// Makes a plan. Returns `None` with the diagnostics when planning failed.
pub async fn plan(
    ctx: &Context,
    state: &State,
    options: PlanOptions,
) -> (Option<Plan>, Diagnostics) {
    let (planned, diags) = plan_keeping(ctx, state, options, false).await;
    (planned.map(|(plan, _, _)| plan), diags)
}

/// The evaluated configuration of every managed instance the planner
/// planned, by instance address: what the templates set, before
/// `ignore_changes` (drift compares the live objects against it).
pub type InstanceConfigs = BTreeMap<String, Value>;

/// The providers a plan configured, by reference: drift lists objects
/// through them after the plan.
pub type ConfiguredProviders = HashMap<ProviderRef, std::sync::Arc<dyn Provider>>;

/// Makes a plan, and keeps each managed instance's evaluated configuration.
pub async fn plan_with_configs(
    ctx: &Context,
    state: &State,
    options: PlanOptions,
) -> (Option<(Plan, InstanceConfigs)>, Diagnostics) {
    let (planned, diags) = plan_with_providers(ctx, state, options).await;
    (planned.map(|(plan, configs, _)| (plan, configs)), diags)
}

/// [`plan_with_configs`], keeping the configured providers too.
pub async fn plan_with_providers(
    ctx: &Context,
    state: &State,
    options: PlanOptions,
) -> (
    Option<(Plan, InstanceConfigs, ConfiguredProviders)>,
    Diagnostics,
) {
    plan_keeping(ctx, state, options, true).await
}

/// Makes a plan; the instances' configurations are kept only when
/// `keep_configs` is set (a plain plan has no use for a copy of each).
async fn plan_keeping(
    ctx: &Context,
    state: &State,
    mut options: PlanOptions,
    keep_configs: bool,
) -> (
    Option<(Plan, InstanceConfigs, ConfiguredProviders)>,
    Diagnostics,
) {
    let refresh_only = options.mode == PlanMode::RefreshOnly;
    if refresh_only {
        options.mode = PlanMode::Normal;
        options.refresh = true;
    }
    let validating = options.mode == PlanMode::Validate;
    // Moves apply to the prior state before anything is planned, so that
    // every object is planned at its new address (Terraform's order).
    let (moved_state, moves) = match crate::refactor::apply_moves(&ctx.config, state) {
        Ok(moved) => moved,
        Err(diags) => return (None, diags),
    };
    let mut planner = Planner::new(ctx, &moved_state, options, &moves);
    planner.keep_configs = keep_configs;
    planner.select_targets();
    planner.check_settings();
    planner.walk().await;
    if !validating {
        planner.plan_orphans().await;
        planner.check_move_sources();
    }
    let outputs = if validating {
        Vec::new()
    } else {
        planner.plan_outputs()
    };
    if planner.options.mode == PlanMode::Normal {
        let warnings = conditions::check_blocks(&planner.walker);
        planner.diags.extend(warnings);
    }
    if planner.diags.has_errors() {
        return (None, planner.diags);
    }
    let Planner {
        walker,
        changes,
        drift,
        diags,
        options,
        configs,
        ..
    } = planner;
    let plan = Plan {
        api_calls: api_calls(&walker),
        format_version: PLAN_FORMAT_VERSION,
        workspace: ctx.workspace.clone(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        templates_digest: templates_digest(&ctx.config),
        timestamp: walker.plan_timestamp.as_deref().map(str::to_string),
        destroy: options.mode == PlanMode::Destroy,
        variables: planned_variables(ctx, &walker),
        resource_changes: changes.into_values().collect(),
        output_changes: outputs,
        drift,
        targets: options.targets.iter().map(target_string).collect(),
        excludes: options.excludes.iter().map(target_string).collect(),
        replace: options.replace.iter().map(ToString::to_string).collect(),
        moves,
        refresh_only: false,
    };
    let plan = if refresh_only {
        keep_only_refresh(plan)
    } else {
        plan
    };
    (Some((plan, configs, walker.providers)), diags)
}

/// An encoded value whose JSON is shared, so that a no-op's `after` and
/// `before` are one tree (cloning this clones an `Arc`, not the tree).
#[derive(Clone)]
struct SharedEncoded {
    json: Arc<serde_json::Value>,
    unknown: Vec<AttrPath>,
    sensitive: Vec<AttrPath>,
}

impl From<encoding::Encoded> for SharedEncoded {
    fn from(encoded: encoding::Encoded) -> Self {
        SharedEncoded {
            json: Arc::new(encoded.json),
            unknown: encoded.unknown,
            sensitive: encoded.sensitive,
        }
    }
}

/// Turns a plan into its `--refresh-only` form: each refreshed object is
/// kept as refresh found it (a no-op that apply records when it differs
/// from state), and nothing is created, updated, replaced, deleted,
/// forgotten or imported. Moves are kept: they only rename objects.
fn keep_only_refresh(mut plan: Plan) -> Plan {
    plan.refresh_only = true;
    plan.resource_changes.retain(|c| {
        c.mode == Mode::Data
            || (c.before.is_some() && c.importing.is_none() && c.action != Action::Forget)
    });
    for change in plan
        .resource_changes
        .iter_mut()
        .filter(|c| c.mode == Mode::Managed)
    {
        change.action = Action::NoOp;
        change.after = change.before.clone();
        change.after_sensitive = change.before_sensitive.clone();
        change.after_unknown = Vec::new();
        change.requires_replace = Vec::new();
        change.action_reason = None;
        change.create_before_destroy = false;
    }
    for output in &mut plan.output_changes {
        output.action = Action::NoOp;
        output.after = output.before.clone();
        output.after_unknown = false;
    }
    plan
}

/// The root variables' values as the plan records them.
/// The root variables' values, as the plan file keeps them. An ephemeral
/// variable's value is never kept: only whether it was set, since applying
/// the plan needs it set again (one left to its default is simply absent).
fn planned_variables(ctx: &Context, walker: &Walker<'_>) -> BTreeMap<String, PlannedVariable> {
    let namespace = walker.namespace(&Default::default());
    ctx.config
        .root()
        .variables
        .values()
        .filter(|v| !v.ephemeral || ctx.root_variables.contains_key(&v.name))
        .map(|variable| {
            let name = &variable.name;
            let value = namespace.vars.get(name).cloned().unwrap_or(Value::Null);
            let planned = PlannedVariable {
                value: if variable.ephemeral {
                    serde_json::Value::Null
                } else {
                    value.to_json()
                },
                sensitive: value.contains_sensitive(),
                ephemeral: variable.ephemeral,
            };
            (name.clone(), planned)
        })
        .collect()
}

/// The API calls every provider made while planning, by `service:Operation`.
pub(crate) fn api_calls(walker: &Walker<'_>) -> BTreeMap<String, u64> {
    let mut calls: BTreeMap<String, u64> = BTreeMap::new();
    for provider in walker.providers.values() {
        for (call, count) in provider.api_calls() {
            *calls.entry(call).or_default() += count;
        }
    }
    calls
}

fn target_string(target: &Target) -> String {
    match target {
        Target::Module(m) => m.to_string(),
        Target::Resource(r) => r.to_string(),
        Target::Instance(i) => i.to_string(),
    }
}

/// A digest of the stack's templates, in file order.
///
/// Files are named relative to the stack directory, so that the same
/// templates checked out elsewhere (another CI runner) have the same digest.
pub fn templates_digest(config: &crate::config::Config) -> String {
    use sha2::{Digest, Sha256};
    let root = config.root_dir();
    let mut files: Vec<(String, &str)> = config
        .files
        .iter()
        .map(|f| (relative_name(&f.path, &root), &*f.text))
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for (name, text) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `path` relative to `base`, with `/` separators and `..` steps for a file
/// outside it (a module in `../modules`).
fn relative_name(path: &std::path::Path, base: &std::path::Path) -> String {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), base.len() - common);
    let rest = path[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(rest).collect::<Vec<_>>().join("/")
}

impl<'c> Planner<'c> {
    fn new(
        ctx: &'c Context,
        state: &'c State,
        options: PlanOptions,
        moves: &[crate::refactor::ObjectMove],
    ) -> Planner<'c> {
        let mut walker = Walker::new(ctx, options.mode == PlanMode::Validate, false);
        if options.mode != PlanMode::Validate {
            walker.plan_timestamp = Some(crate::functions::now_rfc3339().into());
        }
        Planner {
            walker,
            included: None,
            excluded: HashSet::new(),
            moved_from: moves
                .iter()
                .map(|m| (m.to.clone(), m.from.clone()))
                .collect(),
            imports: HashMap::new(),
            forgotten: HashSet::new(),
            configs: InstanceConfigs::new(),
            keep_configs: true,
            options,
            state,
            priors: HashMap::new(),
            refreshed_types: HashSet::new(),
            changes: BTreeMap::new(),
            claimed: HashSet::new(),
            drift: Vec::new(),
            diags: Diagnostics::new(),
        }
    }

    fn ctx(&self) -> &'c Context {
        self.walker.ctx
    }

    /// Visits the configuration graph in dependency order: values are
    /// evaluated, resources planned (or, in a destroy plan, given the
    /// values recorded in state).
    async fn walk(&mut self) {
        let ctx = self.ctx();
        for &index in &ctx.graph.order {
            let node = ctx.graph.node(index).clone();
            match &node {
                Node::Resource(block) => {
                    for addr in self.walker.resource_instances(block) {
                        if self.options.mode == PlanMode::Destroy {
                            self.use_prior_values(&addr);
                        } else {
                            self.plan_resource(&addr, index).await;
                        }
                    }
                }
                other => {
                    let diags = self.walker.visit_value_node(other).await;
                    self.diags.extend(diags);
                }
            }
        }
    }

    /// Checks the `stack`/`terraform` block: required providers must be
    /// ones stack has, and the backend one it supports.
    fn check_settings(&mut self) {
        let ctx = self.ctx();
        let settings = &ctx.config.root().settings;
        let known: Vec<&str> = ctx.providers.names().collect();
        for (name, span) in &settings.required_providers {
            if !known.contains(&name.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        "Provider not available",
                        format!(
                            "The template requires the provider \"{name}\", which stack does not have. Available providers: {}.{}",
                            known.join(", "),
                            did_you_mean(name, known.iter().copied())
                        ),
                    )
                    .with_span(span.clone()),
                );
            }
        }
        if let Some(backend) = &settings.backend {
            if !SUPPORTED_BACKENDS.contains(&backend.as_str()) {
                self.diags.push(Diagnostic::error(
                    "Unsupported backend",
                    format!("stack keeps state in the \"local\" backend (.stack/) or the \"s3\" backend, not \"{backend}\".{} Change the backend block to one of those.", did_you_mean(backend, SUPPORTED_BACKENDS.iter().copied())),
                ));
            }
        }
    }

    /// Works out which resources `--target` and `--exclude` leave in the plan:
    /// targets bring their dependencies, exclusions take their dependents.
    fn select_targets(&mut self) {
        let graph = &self.ctx().graph;
        if !self.options.targets.is_empty() {
            let mut included = HashSet::new();
            for (node, &index) in &graph.index {
                let Node::Resource(addr) = node else { continue };
                if self
                    .options
                    .targets
                    .iter()
                    .any(|t| t.matches_resource(addr))
                {
                    included.insert(addr.clone());
                    for ancestor in graph.ancestors(index) {
                        if let Node::Resource(dep) = graph.node(ancestor) {
                            included.insert(dep.clone());
                        }
                    }
                }
            }
            self.included = Some(included);
        }
        for (node, &index) in &graph.index {
            let Node::Resource(addr) = node else { continue };
            if self
                .options
                .excludes
                .iter()
                .any(|t| t.matches_resource(addr))
            {
                self.excluded.insert(addr.clone());
                for descendant in graph.descendants(index) {
                    if let Node::Resource(dep) = graph.node(descendant) {
                        self.excluded.insert(dep.clone());
                    }
                }
            }
        }
    }

    /// Whether a resource (of any module instance) is in the plan's scope:
    /// `--target`/`--exclude` select resource blocks, by static address.
    fn in_scope(&self, addr: &ResourceAddr) -> bool {
        let block = addr.to_static();
        !self.excluded.contains(&block)
            && self
                .included
                .as_ref()
                .is_none_or(|set| set.contains(&block))
    }

    fn instance_in_scope(&self, addr: &InstanceAddr) -> bool {
        if self.options.excludes.iter().any(|t| t.matches(addr)) {
            return false;
        }
        if !self.in_scope(&addr.resource) {
            return false;
        }
        // A target naming this resource block (an instance, or a module
        // instance around it) narrows it down to what it names; a resource
        // that is only in scope as a dependency of a target is there whole.
        let block = addr.resource.to_static();
        let mut naming = self
            .options
            .targets
            .iter()
            .filter(|t| t.matches_resource(&block))
            .peekable();
        naming.peek().is_none() || naming.any(|t| t.matches(addr))
    }

    /// State instances of one resource block, by instance key.
    fn state_instances(
        &self,
        addr: &ResourceAddr,
    ) -> Vec<(InstanceAddr, &'c state::ResourceState)> {
        let prefix = addr.to_string();
        self.state
            .resources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, r)| {
                let parsed: InstanceAddr = k.parse().ok()?;
                (&parsed.resource == addr).then_some((parsed, r))
            })
            .collect()
    }

    /// Refreshes every state instance of one resource type and provider in
    /// one batched call, the first time a resource of that type is planned.
    /// Creates whose outcome was never recorded are reconciled first, even
    /// without refresh: the provider looks for the object by its operation
    /// id, and a create is planned again only if there is none.
    async fn refresh_type(
        &mut self,
        provider_ref: &ProviderRef,
        provider: &std::sync::Arc<dyn Provider>,
        type_name: &str,
    ) {
        if !self
            .refreshed_types
            .insert((provider_ref.clone(), type_name.to_string()))
        {
            return;
        }
        let provider_key = provider_ref.to_string();
        let state = self.state;
        let mut to_read: Vec<(&'c String, &'c state::ResourceState, Value)> = Vec::new();
        // Objects a `removed` block forgets are left alone: not even read.
        let config = &self.ctx().config;
        let forgets = |address: &str| {
            crate::refactor::removals(config)
                .any(|r| !r.destroy && crate::refactor::removes(r, address))
        };
        for (address, resource) in state.resources.iter().filter(|(a, r)| {
            r.mode == Mode::Managed
                && r.resource_type == type_name
                && r.provider == provider_key
                && !forgets(a)
        }) {
            let value = encoding::from_state(resource);
            match &resource.status {
                Status::Pending { operation_id } => {
                    let prior = self
                        .find_created(provider, address, resource, operation_id, &value)
                        .await;
                    self.priors.insert(address.clone(), prior);
                }
                // A failed create that returned no id never made an object:
                // there is nothing to read, and it is simply created again.
                Status::Tainted if !has_id(&value) => {
                    self.priors.insert(address.clone(), None);
                }
                _ if !self.options.refresh => {
                    self.priors
                        .insert(address.clone(), Some(prior_of(resource, value)));
                }
                _ => to_read.push((address, resource, value)),
            }
        }
        self.read_priors(provider, type_name, to_read).await;
    }

    /// Whether an instance's resource block has create-time `local-exec`
    /// provisioners whose failure taints the object.
    fn provisions_on_create(&self, address: &str) -> bool {
        let Ok(instance) = address.parse::<InstanceAddr>() else {
            return false;
        };
        self.ctx()
            .config
            .resource(&instance.resource)
            .is_some_and(|r| {
                crate::provisioner::local_execs(r, crate::provisioner::When::Create)
                    .any(|p| p.on_failure == crate::provisioner::OnFailure::Fail)
            })
    }

    /// Asks the provider for the object an unrecorded create may have made.
    async fn find_created(
        &mut self,
        provider: &std::sync::Arc<dyn Provider>,
        address: &str,
        resource: &state::ResourceState,
        operation_id: &str,
        planned: &Value,
    ) -> Option<Prior> {
        let request = || FindCreatedRequest {
            type_name: &resource.resource_type,
            operation_id,
            planned,
            private: resource.private.as_ref(),
        };
        let mut found = provider.find_created(request()).await;
        if matches!(&found, Ok(r) if r.new_state.is_none()) {
            // The create may still be in flight from the process that died:
            // look again once it is as old as a request can take to land.
            if let Some(wait) = settle_wait(provider.as_ref(), operation_id) {
                tokio::time::sleep(wait).await;
                found = provider.find_created(request()).await;
            }
        }
        match found {
            Ok(response) => {
                self.diags.extend(response.diagnostics);
                let found = response.new_state?;
                self.drift.push(Drift {
                    address: address.to_string(),
                    change: ADOPTED.to_string(),
                });
                // Provisioners run only once a create is recorded: an object
                // whose create never was has not been provisioned, and is
                // replaced as if its provisioners had failed.
                let status = if self.provisions_on_create(address) {
                    Status::Tainted
                } else {
                    Status::Ready
                };
                Some(Prior {
                    value: found,
                    status,
                    private: resource.private.clone(),
                })
            }
            Err(err) => {
                self.diags.push(Diagnostic::error(
                    "Cannot reconcile an interrupted create",
                    format!("An earlier apply sent the create of {address} but did not record its outcome, and looking for the object failed: {err}. Nothing is created again until stack knows whether it exists. Run the plan again once the provider can be reached; if you know the object does not exist, `stack state rm {address}` makes stack forget it."),
                ));
                Some(prior_of(resource, planned.clone()))
            }
        }
    }

    /// Reads state instances in one batched call and keeps what was found.
    async fn read_priors(
        &mut self,
        provider: &std::sync::Arc<dyn Provider>,
        type_name: &str,
        entries: Vec<(&'c String, &'c state::ResourceState, Value)>,
    ) {
        if entries.is_empty() {
            return;
        }
        let requests: Vec<ReadRequest<'_>> = entries
            .iter()
            .map(|(_, r, value)| ReadRequest {
                type_name,
                current: value,
                private: r.private.as_ref(),
            })
            .collect();
        let responses = provider.read_many(requests).await;
        for ((address, resource, value), response) in entries.iter().zip(responses) {
            let prior = match response {
                Ok(response) => {
                    self.diags.extend(response.diagnostics);
                    self.refreshed(address, resource, value, response.new_state)
                }
                Err(err) => {
                    self.diags.push(Diagnostic::error(
                        "Refresh failed",
                        format!("Reading the current state of {address} failed: {err}. Nothing can be planned until stack knows what exists; if the object is gone for good or should no longer be managed, `stack state rm {address}` makes stack forget it."),
                    ));
                    Some(prior_of(resource, value.clone()))
                }
            };
            self.priors.insert((*address).clone(), prior);
        }
    }

    /// What refresh learnt of one object, with the drift it shows.
    fn refreshed(
        &mut self,
        address: &str,
        resource: &state::ResourceState,
        recorded: &Value,
        found: Option<Value>,
    ) -> Option<Prior> {
        match found {
            Some(new) => {
                if !values_equal(&new, recorded) {
                    self.drift.push(Drift {
                        address: address.to_string(),
                        change: UPDATED.to_string(),
                    });
                }
                Some(prior_of(resource, new))
            }
            // A tainted create that the provider cannot find never fully
            // existed: that is no drift, but state still forgets it.
            None if resource.status != Status::Ready => {
                self.drift.push(Drift {
                    address: address.to_string(),
                    change: ABANDONED.to_string(),
                });
                None
            }
            None => {
                self.drift.push(Drift {
                    address: address.to_string(),
                    change: DELETED.to_string(),
                });
                None
            }
        }
    }

    /// For resources outside `--target`, and in destroy plans: expressions
    /// see the values recorded in state.
    fn use_prior_values(&mut self, addr: &ResourceAddr) {
        let instances = self.state_instances(addr);
        let value = if instances.iter().all(|(i, _)| i.key == InstanceKey::None) {
            instances
                .first()
                .map(|(_, r)| encoding::from_state(r))
                .unwrap_or(Value::Unknown)
        } else if instances
            .iter()
            .all(|(i, _)| matches!(i.key, InstanceKey::Index(_)))
        {
            Value::List(
                instances
                    .iter()
                    .map(|(_, r)| encoding::from_state(r))
                    .collect(),
            )
        } else {
            Value::Map(
                instances
                    .iter()
                    .filter_map(|(i, r)| match &i.key {
                        InstanceKey::Key(k) => Some((k.clone(), encoding::from_state(r))),
                        _ => None,
                    })
                    .collect(),
            )
        };
        self.walker.set_resource_value(addr, value);
    }

    /// Plans a resource block in one module instance (`addr`).
    async fn plan_resource(&mut self, addr: &ResourceAddr, node: petgraph::graph::NodeIndex) {
        let ctx = self.ctx();
        let Some(block) = ctx.config.resource(addr) else {
            return;
        };
        let resource = &*crate::context::resource_view(block, addr);
        let validating = self.options.mode == PlanMode::Validate;
        if !validating && !self.in_scope(addr) {
            for (instance, _) in self.state_instances(addr) {
                self.claimed.insert(instance.to_string());
            }
            self.use_prior_values(addr);
            return;
        }
        let provider = match self.walker.provider_for(&resource.provider, resource).await {
            Ok(p) => p,
            Err(d) => {
                self.diags.push(d);
                self.walker.set_resource_value(addr, Value::Unknown);
                return;
            }
        };
        let schemas = match addr.mode {
            ResourceMode::Managed => &provider.schema().resources,
            ResourceMode::Data => &provider.schema().data_sources,
        };
        let Some(schema) = schemas.get(addr.resource_type.as_str()).cloned() else {
            let kind = if addr.mode == ResourceMode::Data {
                "data source"
            } else {
                "resource type"
            };
            self.diags.push(
                Diagnostic::error(
                    "Invalid resource type",
                    format!(
                        "The provider \"{}\" does not support {kind} \"{}\".{}",
                        provider.name(),
                        addr.resource_type,
                        did_you_mean(&addr.resource_type, schemas.keys().copied())
                    ),
                )
                .with_span(resource.span.clone()),
            );
            self.walker.set_resource_value(addr, Value::Unknown);
            return;
        };
        if !validating && addr.mode == ResourceMode::Managed {
            self.refresh_type(&resource.provider, &provider, &addr.resource_type)
                .await;
        }
        let expansion = match expand(&self.walker, resource) {
            Ok(e) => e,
            Err(d) => {
                self.diags.push(d);
                self.walker.set_resource_value(addr, Value::Unknown);
                return;
            }
        };
        if !validating && addr.mode == ResourceMode::Managed {
            self.plan_imports(resource, &provider, &expansion).await;
        }
        let dependencies: Vec<String> = ctx
            .graph
            .resource_dependencies(node)
            .iter()
            .map(ToString::to_string)
            .collect();
        if matches!(expansion, Expansion::Unknown) {
            self.check_body_once(resource, &schema);
            return;
        }
        let planning = InstancePlanning {
            resource,
            provider: &provider,
            schema: &schema,
            dependencies: &dependencies,
            validating,
        };
        let mut values: BTreeMap<InstanceKey, Value> = BTreeMap::new();
        for key in expansion.keys() {
            let value = self
                .plan_one_instance(&planning, &key, expansion.each_value(&key))
                .await;
            values.insert(key, value);
        }
        if addr.mode == ResourceMode::Managed {
            self.plan_removed_instances(resource, &expansion);
        }
        let value = resource_value(&expansion, values);
        self.walker.set_resource_value(addr, value);
    }

    /// Asks the provider for the objects `import` blocks name in this
    /// resource, as Terraform plans imports: what it finds becomes the
    /// instance's prior value, and the usual diff against the template
    /// follows. An address already in state is left alone (a no-op, as in
    /// Terraform), so that the block can stay after the import.
    async fn plan_imports(
        &mut self,
        resource: &Resource,
        provider: &std::sync::Arc<dyn Provider>,
        expansion: &Expansion,
    ) {
        let ctx = self.ctx();
        let keys: BTreeSet<InstanceKey> = expansion.keys().into_iter().collect();
        let blocks =
            crate::refactor::imports(&ctx.config).filter(|i| i.to.resource == resource.addr);
        for import in blocks {
            let address = import.to.to_string();
            if self.state.resources.contains_key(&address) {
                continue;
            }
            if !keys.contains(&import.to.key) {
                self.diags.push(
                    Diagnostic::error(
                        "Configuration for import target does not exist",
                        format!("The configuration has no instance {address}: check the instance key against the resource's count or for_each."),
                    )
                    .with_span(import.span.clone()),
                );
                continue;
            }
            let Some(id) = self.import_id(import) else {
                continue;
            };
            if let Some(value) = self.import_object(provider, import, &id).await {
                let prior = Prior {
                    value,
                    status: Status::Ready,
                    private: None,
                };
                self.priors.insert(address.clone(), Some(prior));
                self.imports.insert(address, id);
            }
        }
    }

    /// The `id` of an import block: a string known at plan time.
    fn import_id(&mut self, import: &crate::refactor::Import) -> Option<String> {
        let scope = self.walker.scope(&Default::default(), import.file.clone());
        let problem = match scope.eval(&import.id.expr).map(|v| v.unmark().0) {
            Ok(Value::String(id)) => return Some(id),
            Ok(Value::Number(n)) => return Some(crate::value::format_number(&n)),
            Ok(Value::Unknown) => "The import id must be known at plan time: use variables and locals, not resource attributes.".to_string(),
            Ok(other) => format!("The import id must be a string, not {}.", other.type_name()),
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        self.diags.push(
            Diagnostic::error("Invalid import id", problem).with_span(import.id.span.clone()),
        );
        None
    }

    /// Asks the provider for the object an import block names.
    async fn import_object(
        &mut self,
        provider: &std::sync::Arc<dyn Provider>,
        import: &crate::refactor::Import,
        id: &str,
    ) -> Option<Value> {
        let type_name = &import.to.resource.resource_type;
        let request = crate::provider::ImportRequest { type_name, id };
        match provider.import(request).await {
            Ok(response) => {
                self.diags.extend(response.diagnostics);
                if response.new_state.is_none() {
                    self.diags.push(
                        Diagnostic::error(
                            "Cannot import non-existent remote object",
                            format!("No {type_name} with id {id:?} was found for {}. Check the id and the provider's region and endpoint.", import.to),
                        )
                        .with_span(import.span.clone()),
                    );
                }
                response.new_state
            }
            Err(err) => {
                self.diags.push(
                    Diagnostic::error(
                        "Import failed",
                        format!("Importing {} with id {id:?} failed: {err}", import.to),
                    )
                    .with_span(import.span.clone()),
                );
                None
            }
        }
    }

    /// Validation only, when count or for_each is unknown: the body is still
    /// checked once, with unknown `count.index` / `each`.
    fn check_body_once(&mut self, resource: &Resource, schema: &crate::provider::Schema) {
        let mut scope = self
            .walker
            .scope(&resource.addr.module, resource.file.clone());
        scope.count_index = resource.count.as_ref().map(|_| 0);
        scope.each = resource
            .for_each
            .as_ref()
            .map(|_| (Value::Unknown, Value::Unknown));
        let mut diags = Diagnostics::new();
        eval_body(
            &resource.body,
            schema,
            &scope,
            BodyKind::Resource,
            &describe(resource),
            resource.span.clone(),
            &mut diags,
        );
        self.diags.extend(diags);
        self.walker
            .set_resource_value(&resource.addr, Value::Unknown);
    }

    /// Evaluates and plans one instance; returns the value expressions see.
    async fn plan_one_instance(
        &mut self,
        planning: &InstancePlanning<'_>,
        key: &InstanceKey,
        each_value: Option<&Value>,
    ) -> Value {
        let InstancePlanning {
            resource,
            provider,
            schema,
            dependencies,
            validating,
        } = *planning;
        let addr = &resource.addr;
        let instance = addr.instance(key.clone());
        let scope = self.walker.instance_scope(resource, key, each_value);
        let mut diags = Diagnostics::new();
        let config = self
            .walker
            .instance_config(resource, schema, &scope, &mut diags);
        let prevent_destroy = prevent_destroy(resource, &scope, validating, &mut diags);
        if !validating {
            let preconditions = &resource.lifecycle.preconditions;
            conditions::check(
                preconditions,
                &scope,
                conditions::RESOURCE_PRECONDITION,
                &mut diags,
            );
        }
        let failed = diags.has_errors();
        self.diags.extend(diags);
        if failed || validating {
            return if validating && addr.mode == ResourceMode::Managed {
                plan_instance(provider, &addr.resource_type, None, None, &config).planned
            } else {
                unknown_object(schema)
            };
        }
        self.claimed.insert(instance.to_string());
        let value = match addr.mode {
            ResourceMode::Data => {
                self.plan_data(resource, &instance, provider, schema, config, dependencies)
                    .await
            }
            ResourceMode::Managed if !self.instance_in_scope(&instance) => self
                .priors
                .get(&instance.to_string())
                .and_then(|p| p.as_ref())
                .map(|p| p.value.clone())
                .unwrap_or(Value::Unknown),
            ResourceMode::Managed => self.plan_managed(
                resource,
                &instance,
                provider,
                config,
                prevent_destroy,
                dependencies,
            ),
        };
        self.check_postconditions(resource, key, each_value, &value);
        value
    }

    /// Postconditions see the planned value as `self`; those it cannot
    /// decide yet are checked again after apply.
    fn check_postconditions(
        &mut self,
        resource: &Resource,
        key: &InstanceKey,
        each_value: Option<&Value>,
        value: &Value,
    ) {
        let postconditions = &resource.lifecycle.postconditions;
        if postconditions.is_empty() {
            return;
        }
        let mut scope = self.walker.instance_scope(resource, key, each_value);
        scope.self_value = Some(value);
        let summary = conditions::RESOURCE_POSTCONDITION;
        conditions::check(postconditions, &scope, summary, &mut self.diags);
    }

    /// Instances in state beyond the current count/for_each are deleted.
    fn plan_removed_instances(&mut self, resource: &Resource, expansion: &Expansion) {
        let wanted: BTreeSet<InstanceKey> = expansion.keys().into_iter().collect();
        for (instance, resource_state) in self.state_instances(&resource.addr) {
            if wanted.contains(&instance.key) || !self.instance_in_scope(&instance) {
                continue;
            }
            self.claimed.insert(instance.to_string());
            let reason = match &instance.key {
                InstanceKey::Index(i) => format!("count.index {i} is out of range"),
                InstanceKey::Key(k) => format!("the for_each key {k:?} is gone"),
                InstanceKey::None => "the resource now uses count or for_each".to_string(),
            };
            if self
                .priors
                .get(&instance.to_string())
                .is_some_and(|p| p.is_none())
            {
                continue; // Already gone outside stack.
            }
            self.plan_delete(
                &ObjectAddr::current(instance),
                resource_state,
                Some(resource),
                reason,
            );
        }
    }

    fn plan_managed(
        &mut self,
        resource: &Resource,
        instance: &InstanceAddr,
        provider: &std::sync::Arc<dyn Provider>,
        mut config: Value,
        prevent_destroy: bool,
        dependencies: &[String],
    ) -> Value {
        let address = instance.to_string();
        if self.keep_configs {
            self.configs.insert(address.clone(), config.clone());
        }
        let prior = self.priors.get(&address).and_then(|p| p.as_ref());
        let mut reason = None;
        let mut forced_replace = false;
        if let Some(prior) = prior {
            match &prior.status {
                Status::Tainted => {
                    forced_replace = true;
                    reason = Some("it is tainted, so it must be replaced".to_string());
                }
                // Reconciling failed (an error says so); never plan over it.
                Status::Pending { .. } => {}
                Status::Ready => {}
            }
            if self.options.replace.contains(instance) {
                forced_replace = true;
                reason = Some("replacement was requested with --replace".to_string());
            }
            if let Some(trigger) = self.replace_trigger(resource, instance) {
                forced_replace = true;
                reason = Some(format!("{trigger} changed (replace_triggered_by)"));
            }
            config = apply_ignore_changes(&resource.lifecycle.ignore_changes, config, &prior.value);
        }
        let request = |prior: Option<&'_ Value>,
                       private: Option<&'_ serde_json::Value>,
                       config: &'_ Value| {
            plan_instance(
                provider,
                &resource.addr.resource_type,
                prior,
                private,
                config,
            )
        };
        let deleted_outside = self
            .drift
            .iter()
            .any(|d| d.address == address && d.change == DELETED);
        if prior.is_none() && deleted_outside {
            reason = Some("it was deleted outside of stack, so it is created again".to_string());
        } else if prior.is_none() && self.state.resources.contains_key(&address) {
            reason = Some(
                "an earlier create of it did not finish and left no object, so it is created again"
                    .to_string(),
            );
        }
        let (action, planned, requires_replace, private) = match prior {
            None => {
                let response = request(None, None, &config);
                self.diags.extend(at_block(response.diagnostics, resource));
                (
                    Action::Create,
                    Some(response.planned),
                    Vec::new(),
                    response.planned_private,
                )
            }
            Some(prior) => {
                let response = request(Some(&prior.value), prior.private.as_ref(), &config);
                self.diags.extend(at_block(response.diagnostics, resource));
                if forced_replace || !response.requires_replace.is_empty() {
                    if reason.is_none() {
                        reason = Some(format!(
                            "{} cannot be changed in place",
                            response
                                .requires_replace
                                .iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    let fresh = request(None, None, &config);
                    (
                        Action::Replace,
                        Some(fresh.planned),
                        response.requires_replace,
                        fresh.planned_private,
                    )
                } else if values_equal(&response.planned, &prior.value)
                    && response.planned.is_wholly_known()
                {
                    (Action::NoOp, None, Vec::new(), prior.private.clone())
                } else {
                    (
                        Action::Update,
                        Some(response.planned),
                        Vec::new(),
                        response.planned_private,
                    )
                }
            }
        };
        if prevent_destroy && action == Action::Replace {
            self.diags.push(prevent_destroy_error(&address, resource));
        }
        let before = prior.map(|p| SharedEncoded::from(encode(&p.value)));
        // A no-op plans the prior value itself: its `after` shares the
        // encoding just made of its `before` instead of holding a copy.
        let after = match (&before, &planned) {
            (Some(before), None) => before.clone(),
            (_, planned) => {
                SharedEncoded::from(encode(planned.as_ref().unwrap_or(&Value::Unknown)))
            }
        };
        // A no-op's planned value (`None` above) is its prior, which nothing
        // reads once its instance is planned: it is moved out, not copied.
        let planned = planned.unwrap_or_else(|| {
            self.priors
                .remove(&address)
                .flatten()
                .map(|prior| prior.value)
                .unwrap_or(Value::Unknown)
        });
        let previous_address = self.moved_from.get(&address).cloned();
        let importing = self
            .imports
            .get(&address)
            .map(|id| Importing { id: id.clone() });
        self.changes.insert(
            address.clone(),
            ResourceChange {
                address,
                mode: Mode::Managed,
                resource_type: resource.addr.resource_type.clone(),
                name: resource.addr.name.clone(),
                provider: resource.provider.to_string(),
                action,
                create_before_destroy: resource.lifecycle.create_before_destroy
                    && action == Action::Replace,
                action_reason: if matches!(action, Action::Replace | Action::Create) {
                    reason
                } else {
                    None
                },
                before_sensitive: before
                    .as_ref()
                    .map(|b| b.sensitive.clone())
                    .unwrap_or_default(),
                before: before.map(|b| b.json),
                after: Some(after.json),
                after_unknown: after.unknown,
                after_sensitive: after.sensitive,
                requires_replace,
                dependencies: dependencies.to_vec(),
                private,
                previous_address,
                importing,
            },
        );
        planned
    }

    /// The first element of replace_triggered_by that a planned change
    /// fires for this instance, as the user wrote it.
    fn replace_trigger(&self, resource: &Resource, instance: &InstanceAddr) -> Option<String> {
        resource
            .lifecycle
            .replace_triggered_by
            .iter()
            .find(|expr| {
                crate::triggers::Trigger::resolve(expr, instance)
                    .is_some_and(|trigger| self.trigger_fired(&trigger))
            })
            .map(|expr| expr.expr.to_string().trim().to_string())
    }

    fn trigger_fired(&self, trigger: &crate::triggers::Trigger) -> bool {
        let prefix = trigger.resource.to_string();
        self.changes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| {
                k.parse::<InstanceAddr>().is_ok_and(|a| {
                    a.resource == trigger.resource
                        && trigger.key.as_ref().is_none_or(|key| *key == a.key)
                })
            })
            .any(|(_, change)| trigger.fired_by(change))
    }

    async fn plan_data(
        &mut self,
        resource: &Resource,
        instance: &InstanceAddr,
        provider: &std::sync::Arc<dyn Provider>,
        schema: &crate::provider::Schema,
        config: Value,
        dependencies: &[String],
    ) -> Value {
        let address = instance.to_string();
        // A data source is read at plan time unless its arguments are not
        // known yet or something it depends on is about to change.
        let pending_dependency = dependencies.iter().any(|dep| {
            self.changes
                .range(dep.clone()..)
                .take_while(|(k, _)| k.starts_with(dep.as_str()))
                .any(|(_, c)| c.action.is_change())
        });
        let (action, value) = if config.is_wholly_known() && !pending_dependency {
            match provider
                .read_data(ReadDataRequest {
                    type_name: &resource.addr.resource_type,
                    config: &config,
                })
                .await
            {
                Ok(response) => {
                    self.diags.extend(response.diagnostics);
                    (Action::NoOp, response.new_state.unwrap_or(Value::Null))
                }
                Err(err) => {
                    self.diags
                        .push(read_failure(resource, &address, &err.to_string()));
                    (Action::NoOp, unknown_object(schema))
                }
            }
        } else {
            let mut planned = unknown_object(schema);
            if let (Value::Map(planned_map), Some(config_map)) = (&mut planned, config.as_map()) {
                for (k, v) in config_map {
                    if !v.is_null() {
                        planned_map.insert(k.clone(), v.clone());
                    }
                }
            }
            (Action::Read, planned)
        };
        let after = encode(&value);
        self.changes.insert(
            address.clone(),
            ResourceChange {
                address,
                mode: Mode::Data,
                resource_type: resource.addr.resource_type.clone(),
                name: resource.addr.name.clone(),
                provider: resource.provider.to_string(),
                action,
                create_before_destroy: false,
                action_reason: (action == Action::Read)
                    .then(|| "its arguments are known only after apply".to_string()),
                before: None,
                before_sensitive: Vec::new(),
                after: Some(Arc::new(after.json)),
                after_unknown: after.unknown,
                after_sensitive: after.sensitive,
                requires_replace: Vec::new(),
                dependencies: dependencies.to_vec(),
                private: None,
                previous_address: None,
                importing: None,
            },
        );
        value
    }

    fn plan_delete(
        &mut self,
        object: &ObjectAddr,
        resource_state: &state::ResourceState,
        config: Option<&Resource>,
        reason: String,
    ) {
        let address = object.to_string();
        if let Some(resource) = config {
            let scope = self
                .walker
                .scope(&resource.addr.module, resource.file.clone());
            let mut diags = Diagnostics::new();
            if prevent_destroy(resource, &scope, false, &mut diags) {
                diags.push(prevent_destroy_error(&address, resource));
            }
            self.diags.extend(diags);
        }
        let prior = self
            .priors
            .get(&address)
            .and_then(|p| p.as_ref().map(|p| p.value.clone()))
            .unwrap_or_else(|| encoding::from_state(resource_state));
        let before = encode(&prior);
        let previous_address = self.moved_from.get(&address).cloned();
        self.changes.insert(
            address.clone(),
            ResourceChange {
                address,
                mode: resource_state.mode,
                resource_type: resource_state.resource_type.clone(),
                name: object.instance.resource.name.clone(),
                provider: resource_state.provider.clone(),
                action: Action::Delete,
                create_before_destroy: false,
                action_reason: Some(reason),
                before: Some(Arc::new(before.json)),
                before_sensitive: before.sensitive,
                after: None,
                after_unknown: Vec::new(),
                after_sensitive: Vec::new(),
                requires_replace: Vec::new(),
                dependencies: resource_state.dependencies.clone(),
                private: resource_state.private.clone(),
                previous_address,
                importing: None,
            },
        );
    }

    /// Plans the deletion of state instances no longer in the configuration
    /// (or of everything, in a destroy plan).
    async fn plan_orphans(&mut self) {
        let ctx = self.ctx();
        let destroying = self.options.mode == PlanMode::Destroy;
        self.plan_forgets();
        let entries: Vec<(String, &'c state::ResourceState)> = self
            .state
            .resources
            .iter()
            .filter(|(address, _)| !self.forgotten.contains(*address))
            .filter(|(address, _)| destroying || !self.claimed.contains(*address))
            .map(|(a, r)| (a.clone(), r))
            .collect();
        for (address, resource_state) in entries {
            let Ok(object) = address.parse::<ObjectAddr>() else {
                continue;
            };
            let instance = object.instance.clone();
            if !self.instance_in_scope(&instance) {
                continue;
            }
            if resource_state.mode == Mode::Data {
                // Data sources are simply forgotten; nothing real is deleted.
                self.changes.insert(
                    address.clone(),
                    ResourceChange {
                        address: address.clone(),
                        mode: Mode::Data,
                        resource_type: resource_state.resource_type.clone(),
                        name: instance.resource.name.clone(),
                        provider: resource_state.provider.clone(),
                        action: Action::Delete,
                        create_before_destroy: false,
                        action_reason: None,
                        before: None,
                        before_sensitive: Vec::new(),
                        after: None,
                        after_unknown: Vec::new(),
                        after_sensitive: Vec::new(),
                        requires_replace: Vec::new(),
                        dependencies: Vec::new(),
                        private: None,
                        previous_address: None,
                        importing: None,
                    },
                );
                continue;
            }
            let provider_ref = parse_provider_ref(&resource_state.provider);
            let config = ctx
                .config
                .resource(&instance.resource)
                .map(|block| crate::context::resource_view(block, &instance.resource));
            if let Some(provider) = self
                .configured_provider(&provider_ref, &instance.resource)
                .await
            {
                self.refresh_type(&provider_ref, &provider, &resource_state.resource_type)
                    .await;
            }
            if self.priors.get(&address).is_some_and(|p| p.is_none()) {
                continue; // Already gone outside stack: nothing to delete.
            }
            let reason = if object.deposed.is_some() {
                "it is the old object of a create_before_destroy replacement, deposed until its delete succeeds".to_string()
            } else if destroying {
                "the whole stack is being destroyed".to_string()
            } else if let Some(gone) = self.missing_module_instance(&instance) {
                format!("its module instance {gone} is no longer in the configuration")
            } else {
                "it is no longer in the configuration".to_string()
            };
            let guarded = destroying && object.deposed.is_none();
            self.plan_delete(
                &object,
                resource_state,
                if guarded { config.as_deref() } else { None },
                reason,
            );
        }
    }

    /// The module instance around `instance` that the configuration does
    /// not make any more (a key `count` or `for_each` no longer has), if any.
    fn missing_module_instance(&self, instance: &InstanceAddr) -> Option<ModulePath> {
        let path = &instance.resource.module;
        self.ctx().config.resource(&instance.resource)?;
        (1..=path.0.len())
            .map(|len| ModulePath(path.0[..len].to_vec()))
            .find(|prefix| {
                !self
                    .walker
                    .module_instances(&prefix.to_static())
                    .contains(prefix)
            })
    }

    /// A `moved` block's source instance must no longer be declared; only
    /// now, with `count` and `for_each` expanded, is that known for an
    /// indexed instance (Terraform checks it after planning too).
    fn check_move_sources(&mut self) {
        let ctx = self.ctx();
        for statement in crate::refactor::written_moves(&ctx.config) {
            let crate::refactor::Endpoint::Instance(from) = &statement.from else {
                continue;
            };
            let declared = self
                .changes
                .get(&from.to_string())
                .is_some_and(|c| !matches!(c.action, Action::Delete | Action::Forget));
            if declared {
                self.diags.push(crate::refactor::still_exists(statement));
            }
        }
    }

    /// `removed` blocks with `destroy = false`: their objects leave the
    /// state and stay as they are in the cloud.
    fn plan_forgets(&mut self) {
        let ctx = self.ctx();
        let state = self.state;
        for removed in crate::refactor::removals(&ctx.config).filter(|r| !r.destroy) {
            for (address, resource_state) in &state.resources {
                let Ok(object) = address.parse::<ObjectAddr>() else {
                    continue;
                };
                if !crate::refactor::removes(removed, address)
                    || self.claimed.contains(address)
                    || !self.instance_in_scope(&object.instance)
                {
                    continue;
                }
                self.forgotten.insert(address.clone());
                self.plan_delete(
                    &object,
                    resource_state,
                    None,
                    "destroy = false is set in the configuration".to_string(),
                );
                if let Some(change) = self.changes.get_mut(address) {
                    change.action = Action::Forget;
                }
            }
        }
    }

    async fn configured_provider(
        &mut self,
        reference: &ProviderRef,
        addr: &ResourceAddr,
    ) -> Option<std::sync::Arc<dyn Provider>> {
        if let Some(p) = self.walker.providers.get(reference) {
            return Some(p.clone());
        }
        let resource = self
            .ctx()
            .config
            .resource(addr)
            .cloned()
            .unwrap_or_else(|| stub_resource(addr, reference));
        match self.walker.provider_for(reference, &resource).await {
            Ok(p) => Some(p),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn plan_outputs(&mut self) -> Vec<OutputChange> {
        let ctx = self.ctx();
        let root = ctx.config.root();
        let mut out = Vec::new();
        let destroying = self.options.mode == PlanMode::Destroy;
        for (name, output) in &root.outputs {
            let before = self.state.outputs.get(name);
            let mut diags = Diagnostics::new();
            let value = if destroying {
                Value::Null
            } else {
                let file = output
                    .span
                    .as_ref()
                    .map(|s| s.file.clone())
                    .unwrap_or_default();
                let scope = self.walker.scope(&Default::default(), file);
                let summary = conditions::OUTPUT_PRECONDITION;
                conditions::check(&output.preconditions, &scope, summary, &mut diags);
                self.walker
                    .eval_output(&Default::default(), name, &mut diags)
            };
            self.diags.extend(diags);
            let after_unknown = !value.is_wholly_known();
            let after = (!destroying).then(|| value.to_json());
            let action = match (before, &after) {
                (None, Some(_)) => Action::Create,
                (Some(_), None) => Action::Delete,
                (Some(b), Some(a)) if &b.value == a && !after_unknown => Action::NoOp,
                (Some(_), Some(_)) => Action::Update,
                (None, None) => continue,
            };
            out.push(OutputChange {
                name: name.clone(),
                action,
                sensitive: output.sensitive || value.contains_sensitive(),
                before: before.map(|b| b.value.clone()),
                after,
                after_unknown,
            });
        }
        for (name, before) in &self.state.outputs {
            if !root.outputs.contains_key(name) {
                out.push(OutputChange {
                    name: name.clone(),
                    action: Action::Delete,
                    sensitive: before.sensitive,
                    before: Some(before.value.clone()),
                    after: None,
                    after_unknown: false,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// How long to wait before looking again for a pending create that was not
/// found: until the intent is as old as the provider's settle time.
/// A data source that could not be read: an error, or a warning for one
/// scoped to a `check` block (checks never block a plan, as in Terraform).
pub fn read_failure(resource: &Resource, address: &str, error: &str) -> Diagnostic {
    match &resource.check {
        Some(check) => Diagnostic::warning(
            "Check block data source failed",
            format!("Reading {address}, scoped to check block \"{check}\", failed: {error}. The check's assertions are not evaluated; nothing else is affected."),
        ),
        None => Diagnostic::error(
            "Failed to read data source",
            format!("Reading {address} failed: {error}"),
        ),
    }
    .with_span(resource.span.clone())
}

fn settle_wait(provider: &dyn Provider, operation_id: &str) -> Option<std::time::Duration> {
    let made = crate::apply::operation_time(operation_id)?;
    let age = crate::apply::unix_now().saturating_sub(made);
    let settle = provider.create_settle_time().as_secs();
    (age < settle).then(|| std::time::Duration::from_secs(settle - age))
}

/// True when an object's value carries the id its provider gave it.
fn has_id(value: &Value) -> bool {
    value
        .as_map()
        .and_then(|m| m.get("id"))
        .is_some_and(|id| !id.is_null() && id.is_wholly_known())
}

fn prior_of(resource: &state::ResourceState, value: Value) -> Prior {
    Prior {
        value,
        status: resource.status.clone(),
        private: resource.private.clone(),
    }
}

/// Evaluates `lifecycle.prevent_destroy`. It fails closed: a value that
/// cannot be evaluated, is unknown or is not a bool is an error (and the
/// plan stops), never a silent permission to destroy.
fn prevent_destroy(
    resource: &Resource,
    scope: &crate::eval::Scope<'_>,
    validating: bool,
    diags: &mut Diagnostics,
) -> bool {
    let Some(expr) = &resource.lifecycle.prevent_destroy else {
        return false;
    };
    let problem = match scope.eval(&expr.expr).map(|v| v.unmark().0) {
        Ok(Value::Bool(b)) => return b,
        Ok(Value::Unknown) if validating => return false,
        Ok(Value::Unknown) => "prevent_destroy must be known at plan time: use variables and locals, not resource attributes.".to_string(),
        Ok(other) => format!("prevent_destroy must be a bool, not {}.", other.type_name()),
        Err(d) => {
            diags.push(d);
            return true;
        }
    };
    diags.push(Diagnostic::error("Invalid prevent_destroy", problem).with_span(expr.span.clone()));
    true
}

fn prevent_destroy_error(address: &str, resource: &Resource) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!(
            "Resource {address} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To continue, either disable lifecycle.prevent_destroy or leave this resource out of the plan with --exclude or --target."
        ),
    )
    .with_span(resource.lifecycle.prevent_destroy.as_ref().and_then(|e| e.span.clone()).or_else(|| resource.span.clone()))
}

/// A resource block standing in for one that left the configuration, so
/// that its provider can be found and configured to delete it.
pub fn stub_resource(addr: &ResourceAddr, provider: &ProviderRef) -> Resource {
    Resource {
        addr: addr.clone(),
        span: None,
        file: Default::default(),
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        provider: provider.clone(),
        provider_explicit: true,
        lifecycle: Default::default(),
        body: Default::default(),
        provisioners: Vec::new(),
        check: None,
    }
}

/// Asks a provider for an instance's planned value: at plan time and again
/// at apply, when more of the configuration is known.
pub fn plan_instance(
    provider: &std::sync::Arc<dyn Provider>,
    type_name: &str,
    prior: Option<&Value>,
    prior_private: Option<&serde_json::Value>,
    config: &Value,
) -> crate::provider::PlanResponse {
    provider.plan(PlanRequest {
        type_name,
        prior,
        config,
        prior_private,
    })
}

/// Parses `provider.aws` / `provider.aws.west` as recorded in state.
pub fn parse_provider_ref(text: &str) -> ProviderRef {
    let mut parts = text.trim_start_matches("provider.").splitn(2, '.');
    ProviderRef {
        name: parts.next().unwrap_or_default().to_string(),
        alias: parts.next().map(str::to_string),
    }
}

fn describe(resource: &Resource) -> String {
    format!("the {} block", resource.addr)
}

/// `ignore_changes`: the listed attributes keep their prior values.
fn apply_ignore_changes(ignore: &IgnoreChanges, config: Value, prior: &Value) -> Value {
    let Some(prior_map) = prior.as_map() else {
        return config;
    };
    match (ignore, config) {
        (IgnoreChanges::All, Value::Map(mut config_map)) => {
            for (k, v) in config_map.iter_mut() {
                if let Some(p) = prior_map.get(k) {
                    *v = p.clone();
                }
            }
            Value::Map(config_map)
        }
        (IgnoreChanges::Attributes(paths), mut config @ Value::Map(_)) => {
            for path in paths {
                keep_prior_at(&mut config, prior, path);
            }
            config
        }
        (_, config) => config,
    }
}

/// Puts the prior value at `path` into `config`: an ignored map key that
/// the prior value lacks is left out, as Terraform does.
pub(crate) fn keep_prior_at(config: &mut Value, prior: &Value, path: &[state::PathStep]) {
    let Some((step, rest)) = path.split_first() else {
        *config = prior.clone();
        return;
    };
    match (step, config) {
        (state::PathStep::Key(key), Value::Map(map)) => {
            let prior_here = prior.peel().as_map().and_then(|m| m.get(key));
            match (prior_here, map.get_mut(key)) {
                (Some(p), Some(c)) if !rest.is_empty() => keep_prior_at(c, p, rest),
                (Some(p), _) if rest.is_empty() => {
                    map.insert(key.clone(), p.clone());
                }
                (None, _) if rest.is_empty() => {
                    map.remove(key);
                }
                _ => {}
            }
        }
        (state::PathStep::Index(i), Value::List(items)) => {
            if let (Some(c), Some(p)) = (
                items.get_mut(*i),
                prior.peel().as_list().and_then(|l| l.get(*i)),
            ) {
                keep_prior_at(c, p, rest);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use state::{JournalEntry, ResourceState, Status};

    use super::*;
    use crate::testing::TestStack;

    const ONE: &str = r#"
variable "protect" {
  type    = bool
  default = false
}
resource "test_thing" "a" {
  name = "a"
  lifecycle {
    prevent_destroy = var.protect
  }
}
"#;

    fn record(address: &str, status: Status, attributes: serde_json::Value) -> JournalEntry {
        JournalEntry::SetResource {
            address: address.to_string(),
            resource: ResourceState {
                mode: Mode::Managed,
                resource_type: "test_thing".to_string(),
                provider: "provider.test".to_string(),
                status,
                attributes,
                sensitive_paths: Vec::new(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                private: None,
            },
        }
    }

    #[tokio::test]
    async fn prevent_destroy_that_cannot_be_evaluated_is_an_error_not_a_permission() {
        let applied = TestStack::new(ONE, &[]);
        let mut state = State::new("l".to_string());
        applied.converge(&mut state).await;
        let broken = ONE.replace("var.protect", "local.missing");
        let stack = TestStack::with_provider(&broken, &[], applied.provider.clone());
        let err = stack.plan(&state, PlanMode::Destroy).await.unwrap_err();
        assert!(err.has_errors(), "{err}");
        let protected =
            TestStack::with_provider(ONE, &[("protect", "true")], applied.provider.clone());
        let err = protected.plan(&state, PlanMode::Destroy).await.unwrap_err();
        assert!(
            err.to_string().contains("Instance cannot be destroyed"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_no_op_after_is_its_before_shared_and_written_out_in_full() {
        let stack = TestStack::new(ONE, &[]);
        let mut state = State::new("l".to_string());
        stack.converge(&mut state).await;
        let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
        let change = plan.change("test_thing.a").unwrap();
        assert_eq!(change.action, Action::NoOp);
        let (before, after) = (change.before.as_ref(), change.after.as_ref());
        assert!(Arc::ptr_eq(before.unwrap(), after.unwrap()), "one tree");
        let json = serde_json::to_value(change).unwrap();
        assert_eq!(json["after"], json["before"]);
        assert_eq!(json["after"]["name"], "a");
        let read: ResourceChange = serde_json::from_value(json).unwrap();
        assert_eq!(&read, change);
    }

    #[tokio::test]
    async fn a_tainted_record_without_an_id_is_created_again_without_a_refresh() {
        let stack = TestStack::new(ONE, &[]);
        let mut state = State::new("l".to_string());
        record(
            "test_thing.a",
            Status::Tainted,
            serde_json::json!({"name": "a", "id": null}),
        )
        .apply_to(&mut state);
        // The test provider fails any read of an object without an id, so
        // this plan would fail if it tried.
        let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
        assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Create);
    }

    #[tokio::test]
    async fn a_deposed_object_in_state_is_planned_for_deletion_with_its_reason() {
        let stack = TestStack::new(ONE, &[]);
        let mut state = State::new("l".to_string());
        stack.converge(&mut state).await;
        let old = record(
            "test_thing.a#deposed:0a1b",
            Status::Ready,
            serde_json::json!({"name": "a", "id": "a-1"}),
        );
        old.apply_to(&mut state);
        let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
        let change = plan.change("test_thing.a#deposed:0a1b").unwrap();
        assert_eq!(change.action, Action::Delete);
        assert!(change.action_reason.as_deref().unwrap().contains("deposed"));
        assert_eq!(plan.change("test_thing.a").unwrap().action, Action::NoOp);
    }

    #[tokio::test]
    async fn replace_requests_and_tainted_objects_plan_replacements_with_reasons() {
        let stack = TestStack::new(ONE, &[]);
        let mut state = State::new("l".to_string());
        stack.converge(&mut state).await;
        let options = PlanOptions {
            replace: vec!["test_thing.a".parse().unwrap()],
            refresh: true,
            ..Default::default()
        };
        let (plan, _) = plan(&stack.ctx, &state, options).await;
        let change = plan.unwrap().change("test_thing.a").cloned().unwrap();
        assert_eq!(change.action, Action::Replace);
        assert!(change.action_reason.unwrap().contains("--replace"));

        state.taint("test_thing.a").unwrap();
        let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
        let change = plan.change("test_thing.a").unwrap();
        assert_eq!(change.action, Action::Replace);
        assert!(change.action_reason.as_deref().unwrap().contains("tainted"));
    }

    #[tokio::test]
    async fn a_young_pending_create_not_found_is_looked_for_again_before_it_is_recreated() {
        let stack = TestStack::new(ONE, &[]);
        *stack.provider.settle.lock().unwrap() = std::time::Duration::from_secs(2);
        let operation_id = crate::apply::operation::new_operation_id("test_thing.a");
        let mut state = State::new("l".to_string());
        let pending = Status::Pending {
            operation_id: operation_id.clone(),
        };
        record(
            "test_thing.a",
            pending,
            serde_json::json!({"name": "a", "id": null}),
        )
        .apply_to(&mut state);
        // The create of the dead process lands a second after the re-run looked.
        let provider = stack.provider.clone();
        let landing = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let mut cloud = provider.cloud.lock().unwrap();
            let object = serde_json::json!({"name": "a", "id": "a-late"});
            cloud
                .objects
                .insert("a-late".to_string(), Value::from_json(&object));
            cloud
                .by_operation
                .insert(operation_id, "a-late".to_string());
        });
        let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
        landing.await.unwrap();
        assert_eq!(plan.change("test_thing.a").unwrap().action, Action::NoOp);
        assert_eq!(plan.drift[0].change, ADOPTED);
    }

    #[tokio::test]
    async fn ignore_changes_with_a_map_key_ignores_only_that_key() {
        let template = |name: &str, env: &str| {
            format!(
                r#"
resource "terraform_data" "t" {{
  input = {{ Name = "{name}", Env = "{env}" }}
  lifecycle {{
    ignore_changes = [input["Name"]]
  }}
}}
"#
            )
        };
        let first = TestStack::new(&template("a", "dev"), &[]);
        let mut state = State::new("l".to_string());
        first.converge(&mut state).await;
        let renamed = TestStack::new(&template("b", "dev"), &[]);
        let plan = renamed.plan(&state, PlanMode::Normal).await.unwrap();
        assert_eq!(
            plan.change("terraform_data.t").unwrap().action,
            Action::NoOp
        );
        let moved = TestStack::new(&template("b", "prod"), &[]);
        let plan = moved.plan(&state, PlanMode::Normal).await.unwrap();
        let change = plan.change("terraform_data.t").unwrap();
        assert_eq!(change.action, Action::Update);
        let after = change.after.as_deref().unwrap();
        assert_eq!(
            after["input"]["Name"], "a",
            "the ignored key keeps its prior value"
        );
        assert_eq!(after["input"]["Env"], "prod");
    }

    #[tokio::test]
    async fn replace_triggered_by_an_attribute_fires_only_when_that_attribute_changes() {
        let template = |name: &str, tag: &str, trigger: &str| {
            format!(
                r#"
resource "test_thing" "a" {{
  name = "{name}"
  tag  = "{tag}"
}}
resource "test_thing" "b" {{
  count = 2
  name  = "b${{count.index}}"
  lifecycle {{
    replace_triggered_by = [{trigger}]
  }}
}}
"#
            )
        };
        let provider = crate::testing::TestProvider::new();
        let mut state = State::new("l".to_string());
        let stack = |name: &str, tag: &str, trigger: &str| {
            TestStack::with_provider(&template(name, tag, trigger), &[], provider.clone())
        };
        stack("a", "x", "test_thing.a.tag")
            .converge(&mut state)
            .await;
        let action = |plan: &Plan, address: &str| plan.change(address).unwrap().action;
        // Replacing `a` under the same tag leaves `b` alone when only the tag counts...
        let renamed = stack("a2", "x", "test_thing.a.tag");
        let plan = renamed.plan(&state, PlanMode::Normal).await.unwrap();
        assert_eq!(action(&plan, "test_thing.a"), Action::Replace);
        assert_eq!(action(&plan, "test_thing.b[0]"), Action::NoOp);
        // ...and replaces it when the whole resource counts.
        let whole = stack("a2", "x", "test_thing.a");
        let plan = whole.plan(&state, PlanMode::Normal).await.unwrap();
        assert_eq!(action(&plan, "test_thing.b[1]"), Action::Replace);
        // A changed tag fires the attribute trigger.
        let retagged = stack("a", "y", "test_thing.a.tag");
        let plan = retagged.plan(&state, PlanMode::Normal).await.unwrap();
        assert_eq!(action(&plan, "test_thing.a"), Action::Update);
        let b0 = plan.change("test_thing.b[0]").unwrap();
        assert_eq!(b0.action, Action::Replace);
        assert_eq!(
            b0.action_reason.as_deref(),
            Some("test_thing.a.tag changed (replace_triggered_by)")
        );
    }
}

#[cfg(test)]
mod digest_tests {
    use super::*;
    use crate::testing::{TestProvider, TestStack};

    #[test]
    fn the_same_templates_elsewhere_have_the_same_digest() {
        let files = [
            ("main.tf", "resource \"terraform_data\" \"a\" {}\n"),
            ("modules/m/main.tf", ""),
        ];
        let here = TestStack::from_files(&files, &[], TestProvider::new());
        let there = TestStack::from_files(&files, &[], TestProvider::new());
        assert_ne!(here.ctx.root_dir, there.ctx.root_dir);
        assert_eq!(
            templates_digest(&here.ctx.config),
            templates_digest(&there.ctx.config)
        );
        let changed =
            TestStack::from_files(&[("main.tf", "# changed\n")], &[], TestProvider::new());
        assert_ne!(
            templates_digest(&here.ctx.config),
            templates_digest(&changed.ctx.config)
        );
    }

    #[test]
    fn files_outside_the_stack_directory_are_named_with_parent_steps() {
        let name = relative_name(
            std::path::Path::new("/ci/repo/modules/web/main.tf"),
            std::path::Path::new("/ci/repo/stacks/prod"),
        );
        assert_eq!(name, "../../modules/web/main.tf");
    }
}
