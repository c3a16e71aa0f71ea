//! The provider seam: the engine plans and applies through this trait and
//! never knows how a provider talks to its cloud.
//!
//! Providers speak in request/response structs so that fields can be added
//! without touching every implementation. Schemas are declared once and
//! drive validation ("Unsupported argument", "Did you mean …"), diffing
//! (force-new, sensitive, computed) and `stack schema TYPE`.

use std::collections::BTreeMap;
use std::sync::Arc;

use state::{AttrPath, PathStep};

use crate::diagnostics::Diagnostics;
use crate::value::Value;

/// The type of an attribute, as far as validation and diffing need it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrType {
    String,
    Number,
    Bool,
    List(Box<AttrType>),
    Set(Box<AttrType>),
    Map(Box<AttrType>),
    /// Anything: used for `terraform_data.input` and similar.
    Any,
}

impl AttrType {
    pub fn list_of(t: AttrType) -> AttrType {
        AttrType::List(Box::new(t))
    }
    pub fn set_of(t: AttrType) -> AttrType {
        AttrType::Set(Box::new(t))
    }
    pub fn map_of(t: AttrType) -> AttrType {
        AttrType::Map(Box::new(t))
    }
}

/// Whether the user sets an attribute, the provider computes it, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Set by the provider only; the user may not write it.
    Computed,
    /// The user may set it; otherwise the provider computes it.
    OptionalComputed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeSchema {
    pub name: &'static str,
    pub ty: AttrType,
    pub presence: Presence,
    /// A change to this attribute forces the resource to be replaced.
    pub force_new: bool,
    pub sensitive: bool,
    pub default: Option<Value>,
    pub description: &'static str,
}

impl AttributeSchema {
    fn new(name: &'static str, ty: AttrType, presence: Presence) -> AttributeSchema {
        AttributeSchema {
            name,
            ty,
            presence,
            force_new: false,
            sensitive: false,
            default: None,
            description: "",
        }
    }
    pub fn required(name: &'static str, ty: AttrType) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Required)
    }
    pub fn optional(name: &'static str, ty: AttrType) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Optional)
    }
    pub fn computed(name: &'static str, ty: AttrType) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Computed)
    }
    pub fn optional_computed(name: &'static str, ty: AttrType) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::OptionalComputed)
    }
    pub fn force_new(mut self) -> AttributeSchema {
        self.force_new = true;
        self
    }
    pub fn sensitive(mut self) -> AttributeSchema {
        self.sensitive = true;
        self
    }
    pub fn default(mut self, value: impl Into<Value>) -> AttributeSchema {
        self.default = Some(value.into());
        self
    }
    pub fn describe(mut self, description: &'static str) -> AttributeSchema {
        self.description = description;
        self
    }
    pub fn user_settable(&self) -> bool {
        self.presence != Presence::Computed
    }
}

/// How many times a nested block may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; its value is an object.
    Single,
    /// Any number, order kept; its value is a list of objects.
    List,
    /// Any number, order irrelevant; its value is a set of objects.
    Set,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BlockSchema {
    pub name: &'static str,
    pub nesting: Nesting,
    pub min_items: usize,
    pub max_items: Option<usize>,
    pub force_new: bool,
    pub schema: Schema,
}

/// The schema of a resource type, a data source, a provider's own
/// configuration or a nested block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub description: &'static str,
    pub attributes: Vec<AttributeSchema>,
    pub blocks: Vec<BlockSchema>,
}

impl Schema {
    pub fn new(description: &'static str) -> Schema {
        Schema {
            description,
            attributes: Vec::new(),
            blocks: Vec::new(),
        }
    }
    pub fn attr(mut self, attribute: AttributeSchema) -> Schema {
        self.attributes.push(attribute);
        self
    }
    pub fn block(mut self, block: BlockSchema) -> Schema {
        self.blocks.push(block);
        self
    }
    pub fn attribute(&self, name: &str) -> Option<&AttributeSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn nested_block(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// Everything a provider offers.
#[derive(Debug, Clone, Default)]
pub struct ProviderSchema {
    /// The arguments of its `provider "NAME" { … }` block.
    pub provider: Schema,
    pub resources: BTreeMap<&'static str, Schema>,
    pub data_sources: BTreeMap<&'static str, Schema>,
}

/// A progress message from a long-running provider call ("Starting", "Running"…).
pub type ProgressSink = Arc<dyn Fn(&str) + Send + Sync>;

pub struct ConfigureRequest {
    pub config: Value,
}

pub struct PlanRequest<'a> {
    pub type_name: &'a str,
    /// The state after refresh, or `None` when the resource is to be created.
    pub prior: Option<&'a Value>,
    /// The evaluated configuration, possibly with unknowns.
    pub config: &'a Value,
    pub prior_private: Option<&'a serde_json::Value>,
}

pub struct PlanResponse {
    /// The value the resource should have after apply; computed attributes
    /// that only the apply can tell are `Unknown`.
    pub planned: Value,
    /// Attribute names whose change forces a replacement.
    pub requires_replace: Vec<String>,
    /// Provider-private data to carry to apply (e.g. a provisioner's sha1).
    pub planned_private: Option<serde_json::Value>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest<'a> {
    pub type_name: &'a str,
    pub prior: Option<&'a Value>,
    /// `None` means delete.
    pub planned: Option<&'a Value>,
    pub config: Option<&'a Value>,
    pub planned_private: Option<&'a serde_json::Value>,
    /// The id of this operation's journal intent, recorded in state before
    /// the call. It is the same on every retry and on every re-run of the
    /// same pending create, so a create uses it (or a token derived from it)
    /// as its idempotency token: `ClientToken`, `CallerReference`, a
    /// generated name, or a `stack:intent` tag where the API has none of
    /// those. [`Provider::find_created`] looks objects up by it.
    pub operation_id: &'a str,
    pub progress: Option<ProgressSink>,
}

pub struct ApplyResponse {
    /// The new state, `None` after a delete.
    pub new_state: Option<Value>,
    pub private: Option<serde_json::Value>,
    pub diagnostics: Diagnostics,
}

pub struct ReadRequest<'a> {
    pub type_name: &'a str,
    pub current: &'a Value,
    pub private: Option<&'a serde_json::Value>,
}

pub struct ReadResponse {
    /// `None` when the object no longer exists.
    pub new_state: Option<Value>,
    pub diagnostics: Diagnostics,
}

pub struct ReadDataRequest<'a> {
    pub type_name: &'a str,
    pub config: &'a Value,
}

/// Asks a provider whether a create that was sent with `operation_id` made
/// an object, when its outcome was never recorded (the process was killed,
/// or the call timed out).
pub struct FindCreatedRequest<'a> {
    pub type_name: &'a str,
    /// The intent's operation id, as the create call received it.
    pub operation_id: &'a str,
    /// The value planned for the create, as recorded with the intent:
    /// user-chosen names are known here, computed attributes are not.
    pub planned: &'a Value,
    pub private: Option<&'a serde_json::Value>,
}

pub struct ImportRequest<'a> {
    pub type_name: &'a str,
    pub id: &'a str,
}

/// An error from a provider call that is not about the user's template.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub message: String,
    /// What exists despite the failure: a create whose object was made but
    /// then failed (a waiter timed out, a later step was refused) returns
    /// the object's state here, with its id, so that it is never forgotten.
    pub partial_state: Option<Value>,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError {
            message: message.into(),
            partial_state: None,
        }
    }

    /// The same error, keeping the state of an object that was created.
    pub fn with_partial_state(mut self, state: Value) -> ProviderError {
        self.partial_state = Some(state);
        self
    }
}

/// One object a provider found by listing a type ([`Provider::list`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The id a resource of the type records as its `id` attribute.
    pub id: String,
    pub tags: BTreeMap<String, String>,
    /// An object the cloud made by itself (a default VPC, its subnets and
    /// security groups), which nobody is expected to manage.
    pub default: bool,
}

/// A provider: built-in (null, random, local, terraform_data) or cloud (AWS).
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The provider's local name, e.g. `random`.
    fn name(&self) -> &'static str;

    fn schema(&self) -> &ProviderSchema;

    /// Receives the evaluated `provider` block before any other call.
    async fn configure(&self, _request: ConfigureRequest) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Computes the planned new value; must not change anything.
    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        let schema = self
            .schema()
            .resources
            .get(request.type_name)
            .cloned()
            .unwrap_or_default();
        plan_by_schema(&schema, request.prior, request.config)
    }

    /// Creates, updates or deletes.
    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError>;

    /// Refreshes one resource from the real world.
    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError>;

    /// Refreshes many resources of one type; cloud providers override this to
    /// batch (one `DescribeInstances` for up to 1,000 ids).
    async fn read_many(
        &self,
        requests: Vec<ReadRequest<'_>>,
    ) -> Vec<Result<ReadResponse, ProviderError>> {
        let mut out = Vec::with_capacity(requests.len());
        for request in requests {
            out.push(self.read(request).await);
        }
        out
    }

    async fn read_data(&self, request: ReadDataRequest<'_>) -> Result<ReadResponse, ProviderError> {
        Err(ProviderError::new(format!(
            "data source {} is not supported by provider {}",
            request.type_name,
            self.name()
        )))
    }

    /// Every object of `type_name` in the provider's account and region,
    /// for `stack drift --unmanaged`: found by listing, with its tags.
    /// `Ok(None)` when the type cannot be listed (the default): drift then
    /// says nothing about unmanaged objects of that type.
    async fn list(&self, _type_name: &str) -> Result<Option<Vec<Listed>>, ProviderError> {
        Ok(None)
    }

    /// API calls made so far by `service:Operation`, for `stack plan --stats`.
    fn api_calls(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    /// Looks for the object a pending create may have made, by the token,
    /// tag or name its create call carried. `new_state: None` means no such
    /// object exists and the create may be sent again. Providers whose
    /// creates leave nothing behind when interrupted keep this default.
    async fn find_created(
        &self,
        _request: FindCreatedRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        Ok(ReadResponse {
            new_state: None,
            diagnostics: Diagnostics::new(),
        })
    }

    /// How long a create request may still take effect after it was sent:
    /// a pending create younger than this that `find_created` does not see
    /// may yet land (its process died with the request in flight), so the
    /// planner looks again once the intent is this old before it plans the
    /// create again. Providers whose creates are local and instant keep 0.
    fn create_settle_time(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    async fn import(&self, request: ImportRequest<'_>) -> Result<ReadResponse, ProviderError> {
        Err(ProviderError::new(format!(
            "resource type {} of provider {} does not support import",
            request.type_name,
            self.name()
        )))
    }

    /// The id [`Provider::import`] takes for an object Terraform's provider
    /// recorded with `attributes` (its state's attribute JSON), for `stack
    /// migrate terraform`. Most types are imported by their `id`; a type
    /// whose import id is made of other attributes says so here.
    fn terraform_import_id(
        &self,
        _type_name: &str,
        attributes: &serde_json::Value,
    ) -> Option<String> {
        attributes
            .get("id")
            .and_then(serde_json::Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    }
}

/// The standard planning rule most resources follow:
/// - every user-settable attribute takes its configured value (or default);
/// - computed attributes keep their prior value on update and are unknown on
///   create (a provider overrides this where a change makes them unknown);
/// - a changed force-new attribute (or nested block) requires replacement,
///   and then computed attributes become unknown again.
pub fn plan_by_schema(schema: &Schema, prior: Option<&Value>, config: &Value) -> PlanResponse {
    let mut planned = BTreeMap::new();
    let mut requires_replace = Vec::new();
    let config_map = config.as_map();
    let prior_map = prior.and_then(Value::as_map);
    for attribute in &schema.attributes {
        let configured = config_map
            .and_then(|m| m.get(attribute.name))
            .filter(|v| !v.is_null());
        let prior_value = prior_map.and_then(|m| m.get(attribute.name));
        let value = match (attribute.presence, configured) {
            (Presence::Computed, _) => prior_value.cloned().unwrap_or(Value::Unknown),
            (Presence::OptionalComputed, None) => prior_value.cloned().unwrap_or(Value::Unknown),
            (_, Some(v)) => v.clone(),
            (_, None) => attribute.default.clone().unwrap_or(Value::Null),
        };
        if attribute.force_new && prior.is_some() && attribute.user_settable() {
            let before = prior_value.unwrap_or(&Value::Null);
            if !values_equal(before, &value) {
                requires_replace.push(attribute.name.to_string());
            }
        }
        planned.insert(
            attribute.name.to_string(),
            value.mark_if(attribute.sensitive),
        );
    }
    for block in &schema.blocks {
        let configured = config_map
            .and_then(|m| m.get(block.name))
            .cloned()
            .unwrap_or(match block.nesting {
                Nesting::Single => Value::Null,
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
            });
        if let Some(prior) = prior_map {
            let before = prior.get(block.name).unwrap_or(&Value::Null);
            let changed = !values_equal(before, &configured);
            let nested = || !nested_forced_paths(block, before, &configured).is_empty();
            if changed && (block.force_new || nested()) {
                requires_replace.push(block.name.to_string());
            }
        }
        planned.insert(block.name.to_string(), configured);
    }
    if !requires_replace.is_empty() {
        // A replacement is a new object: what the provider computes is new too.
        for attribute in &schema.attributes {
            let configured = config_map
                .and_then(|m| m.get(attribute.name))
                .is_some_and(|v| !v.is_null());
            let recomputed = match attribute.presence {
                Presence::Computed => true,
                Presence::OptionalComputed => !configured,
                _ => false,
            };
            if recomputed {
                planned.insert(
                    attribute.name.to_string(),
                    Value::Unknown.mark_if(attribute.sensitive),
                );
            }
        }
    }
    PlanResponse {
        planned: Value::Map(planned),
        requires_replace,
        planned_private: None,
        diagnostics: Diagnostics::new(),
    }
}

/// The paths whose change forces a replacement, as precisely as the schema
/// tells: a provider names top-level attributes and blocks; inside a block
/// that is not force-new as a whole, the nested force-new attributes that
/// changed are the cause (e.g. `["root_block_device", 0, "volume_type"]`).
pub fn forced_paths(
    schema: &Schema,
    names: &[String],
    before: &Value,
    after: &Value,
) -> Vec<AttrPath> {
    let mut paths = Vec::new();
    for name in names {
        let nested = schema
            .nested_block(name)
            .filter(|b| !b.force_new)
            .map(|block| {
                let get = |v: &Value| v.get_attr(name).cloned().unwrap_or(Value::Null);
                nested_forced_paths(block, &get(before), &get(after))
            });
        match nested {
            Some(found) if !found.is_empty() => paths.extend(found.into_iter().map(|mut p| {
                p.insert(0, PathStep::Key(name.clone()));
                p
            })),
            _ => paths.push(vec![PathStep::Key(name.clone())]),
        }
    }
    paths
}

/// Paths (relative to the block) of changed force-new attributes inside a
/// block's instances; an instance added or removed changes them too (from
/// or to null), as Terraform's providers see it. List and single blocks
/// are compared by position. A set block's instances have no stable
/// position: when the force-new parts of its instances differ, the block as
/// a whole is the path.
fn nested_forced_paths(block: &BlockSchema, before: &Value, after: &Value) -> Vec<AttrPath> {
    let instances = |v: &Value| -> Vec<Value> {
        match v.peel() {
            Value::List(items) | Value::Set(items) => items.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        }
    };
    let (b, a) = (instances(before), instances(after));
    if block.nesting == Nesting::Set {
        if !block.schema.attributes.iter().any(|a| a.force_new) {
            return Vec::new();
        }
        let project = |items: &[Value]| {
            let mut parts: Vec<Value> = items.iter().map(|v| force_new_part(block, v)).collect();
            parts.sort_by(Value::total_cmp);
            Value::List(parts)
        };
        return if values_equal(&project(&b), &project(&a)) {
            Vec::new()
        } else {
            vec![Vec::new()]
        };
    }
    let mut paths = Vec::new();
    for i in 0..b.len().max(a.len()) {
        let (bi, ai) = (
            b.get(i).unwrap_or(&Value::Null),
            a.get(i).unwrap_or(&Value::Null),
        );
        let index = (block.nesting == Nesting::List).then_some(PathStep::Index(i));
        for path in instance_forced_paths(block, bi, ai) {
            paths.push(index.iter().cloned().chain(path).collect());
        }
    }
    paths
}

/// The changed force-new attributes (and blocks) of one block instance.
fn instance_forced_paths(block: &BlockSchema, before: &Value, after: &Value) -> Vec<AttrPath> {
    let get = |v: &Value, name: &str| v.get_attr(name).cloned().unwrap_or(Value::Null);
    let mut found = Vec::new();
    for attribute in block.schema.attributes.iter().filter(|a| a.force_new) {
        if !values_equal(&get(before, attribute.name), &get(after, attribute.name)) {
            found.push(vec![PathStep::Key(attribute.name.to_string())]);
        }
    }
    for inner in &block.schema.blocks {
        let (ib, ia) = (get(before, inner.name), get(after, inner.name));
        let key = PathStep::Key(inner.name.to_string());
        if inner.force_new {
            if !values_equal(&ib, &ia) {
                found.push(vec![key]);
            }
            continue;
        }
        for path in nested_forced_paths(inner, &ib, &ia) {
            found.push(std::iter::once(key.clone()).chain(path).collect());
        }
    }
    found
}

/// A set block instance reduced to its force-new attributes.
fn force_new_part(block: &BlockSchema, instance: &Value) -> Value {
    let parts = block
        .schema
        .attributes
        .iter()
        .filter(|a| a.force_new)
        .map(|a| {
            let value = instance.get_attr(a.name).cloned().unwrap_or(Value::Null);
            (a.name.to_string(), value)
        });
    Value::Map(parts.collect())
}

/// Equality that ignores sensitive marks and treats an empty collection and
/// null alike, as state round trips do.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v.peel() {
        Value::Null => true,
        Value::List(items) | Value::Set(items) => items.is_empty(),
        Value::Map(map) => map.is_empty(),
        _ => false,
    };
    if empty(a) && empty(b) {
        return true;
    }
    match (a.peel(), b.peel()) {
        (Value::List(x), Value::List(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::List(x), Value::Set(y))
        | (Value::Set(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(l, r)| values_equal(l, r))
        }
        // Every key of either side, a key missing on one side being null there.
        (Value::Map(x), Value::Map(y)) => {
            x.iter()
                .all(|(k, l)| values_equal(l, y.get(k).unwrap_or(&Value::Null)))
                && y.iter()
                    .filter(|(k, _)| !x.contains_key(*k))
                    .all(|(_, r)| values_equal(&Value::Null, r))
        }
        (x, y) => x == y,
    }
}
