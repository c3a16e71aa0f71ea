//! Test support for the engine's own unit tests: a stack loaded from
//! template text, and a provider that records what it is asked to do.
//!
//! The provider is an in-memory stand-in for a cloud at the `Provider`
//! seam, so that the planner and the apply scheduler can be tested for
//! ordering and failure handling without any real endpoint; the providers'
//! own behaviour is tested against the AWS emulator in `providers/tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use state::State;

use crate::apply::{
    apply, ApplyEvent, ApplyOptions, ApplyOutcome, EventSink, NoRecorder, StateRecorder,
};
use crate::context::{
    resolve_root_variables, Context, InputValue, ProviderRegistry, VariableInput,
};
use crate::diagnostics::Diagnostics;
use crate::plan::{plan, Plan, PlanMode, PlanOptions};
use crate::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, FindCreatedRequest,
    ImportRequest, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema, ReadRequest,
    ReadResponse, Schema,
};
use crate::value::Value;

/// What the test provider was asked, in order: `create a`, `delete a`, `update a`.
#[derive(Default)]
pub struct Cloud {
    pub log: Vec<String>,
    /// Live objects by id.
    pub objects: BTreeMap<String, Value>,
    /// Ids of objects by the operation id that created them.
    pub by_operation: BTreeMap<String, String>,
    /// Names whose delete fails.
    pub fail_delete: BTreeSet<String>,
    /// Names whose create fails without making anything.
    pub fail_create: BTreeSet<String>,
    /// Names whose create makes the object and then fails.
    pub fail_after_create: BTreeSet<String>,
    next_id: u64,
}

/// Resource type `test_thing`: `name` (forces replacement), `tag`
/// (updatable), computed `id`.
pub struct TestProvider {
    schema: ProviderSchema,
    pub cloud: Mutex<Cloud>,
    /// What `create_settle_time` answers.
    pub settle: Mutex<std::time::Duration>,
}

impl TestProvider {
    pub fn new() -> Arc<TestProvider> {
        let thing = Schema::new("A test object.")
            .attr(AttributeSchema::required("name", AttrType::String).force_new())
            .attr(AttributeSchema::optional("tag", AttrType::String))
            .attr(AttributeSchema::computed("id", AttrType::String));
        let mut schema = ProviderSchema::default();
        schema.resources.insert("test_thing", thing);
        schema.resources.insert("test_rich", rich_schema());
        Arc::new(TestProvider {
            schema,
            cloud: Mutex::new(Cloud::default()),
            settle: Mutex::new(std::time::Duration::ZERO),
        })
    }

    pub fn log(&self) -> Vec<String> {
        self.cloud.lock().unwrap().log.clone()
    }

    pub fn names(&self) -> Vec<String> {
        let cloud = self.cloud.lock().unwrap();
        cloud.objects.values().map(name_of).collect()
    }
}

/// Resource type `test_rich`, for comparisons that must see through what
/// a cloud normalises: `tags` (a map), `ports` (a set), `policy` (a JSON
/// document), `size` (a default the cloud fills: 8), `note` (optional,
/// updatable), nested `rule` blocks (a set) and computed `id`.
fn rich_schema() -> Schema {
    use crate::provider::{BlockSchema, Nesting};
    let rule = Schema::new("A rule.")
        .attr(AttributeSchema::required("port", AttrType::Number))
        .attr(AttributeSchema::optional_computed(
            "description",
            AttrType::String,
        ));
    Schema::new("A test object with collections.")
        .attr(AttributeSchema::required("name", AttrType::String).force_new())
        .attr(AttributeSchema::optional(
            "tags",
            AttrType::map_of(AttrType::String),
        ))
        .attr(AttributeSchema::optional(
            "ports",
            AttrType::set_of(AttrType::Number),
        ))
        .attr(AttributeSchema::optional("policy", AttrType::String))
        .attr(AttributeSchema::optional("note", AttrType::String))
        .attr(AttributeSchema::optional_computed("size", AttrType::Number))
        .attr(AttributeSchema::computed("id", AttrType::String))
        .block(BlockSchema {
            name: "rule",
            nesting: Nesting::Set,
            min_items: 0,
            max_items: None,
            force_new: false,
            schema: rule,
        })
}

fn name_of(value: &Value) -> String {
    value
        .as_map()
        .and_then(|m| m.get("name"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn with_id(planned: &Value, id: &str) -> Value {
    let mut map = planned.as_map().cloned().unwrap_or_default();
    map.insert("id".to_string(), Value::String(id.to_string()));
    if map.get("tag").is_some_and(|t| matches!(t, Value::Unknown)) {
        map.insert("tag".to_string(), Value::Null);
    }
    // `test_rich`: the cloud fills the default size, and leaves nothing
    // else unknown.
    if map.get("size").is_some_and(|t| matches!(t, Value::Unknown)) {
        map.insert("size".to_string(), Value::from(8i64));
    }
    known_or_null(Value::Map(map))
}

/// The value with every unknown part null, as a cloud returns an object.
fn known_or_null(value: Value) -> Value {
    match value {
        Value::Unknown => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(known_or_null).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(known_or_null).collect()),
        Value::Map(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (k, known_or_null(v)))
                .collect(),
        ),
        other => other,
    }
}

fn ok(new_state: Option<Value>) -> Result<ApplyResponse, ProviderError> {
    Ok(ApplyResponse {
        new_state,
        private: None,
        diagnostics: Diagnostics::new(),
    })
}

#[async_trait]
impl Provider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// One call per logged change, as `test:create`, `test:update`,
    /// `test:delete`, counted since the provider was made.
    fn api_calls(&self) -> BTreeMap<String, u64> {
        let mut calls = BTreeMap::new();
        for entry in &self.cloud.lock().unwrap().log {
            let verb = entry.split(' ').next().unwrap_or_default();
            *calls.entry(format!("test:{verb}")).or_default() += 1;
        }
        calls
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        plan_by_schema(
            &self.schema.resources[request.type_name],
            request.prior,
            request.config,
        )
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let mut cloud = self.cloud.lock().unwrap();
        match (request.prior, request.planned) {
            (Some(prior), None) => {
                let name = name_of(prior);
                cloud.log.push(format!("delete {name}"));
                if cloud.fail_delete.contains(&name) {
                    return Err(ProviderError::new(format!("{name} cannot be deleted")));
                }
                let id = prior
                    .as_map()
                    .and_then(|m| m.get("id"))
                    .and_then(|v| v.as_str().map(str::to_string));
                cloud.objects.remove(&id.unwrap_or_default());
                ok(None)
            }
            (None, Some(planned)) => {
                let name = name_of(planned);
                cloud.log.push(format!("create {name}"));
                if cloud.fail_create.contains(&name) {
                    return Err(ProviderError::new(format!("{name} was refused")));
                }
                cloud.next_id += 1;
                let id = format!("{name}-{}", cloud.next_id);
                let value = with_id(planned, &id);
                cloud.objects.insert(id.clone(), value.clone());
                cloud
                    .by_operation
                    .insert(request.operation_id.to_string(), id);
                if cloud.fail_after_create.contains(&name) {
                    return Err(ProviderError::new(format!("{name} failed to start"))
                        .with_partial_state(value));
                }
                ok(Some(value))
            }
            (Some(prior), Some(planned)) => {
                cloud.log.push(format!("update {}", name_of(planned)));
                let id = prior
                    .as_map()
                    .and_then(|m| m.get("id"))
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let value = with_id(planned, &id);
                cloud.objects.insert(id, value.clone());
                ok(Some(value))
            }
            (None, None) => Err(ProviderError::new("nothing to do")),
        }
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let cloud = self.cloud.lock().unwrap();
        let id = request
            .current
            .as_map()
            .and_then(|m| m.get("id"))
            .and_then(|v| v.as_str().map(str::to_string));
        let Some(id) = id else {
            return Err(ProviderError::new("an object without an id cannot be read"));
        };
        Ok(ReadResponse {
            new_state: cloud.objects.get(&id).cloned(),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn import(&self, request: ImportRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let cloud = self.cloud.lock().unwrap();
        Ok(ReadResponse {
            new_state: cloud.objects.get(request.id).cloned(),
            diagnostics: Diagnostics::new(),
        })
    }

    fn create_settle_time(&self) -> std::time::Duration {
        *self.settle.lock().unwrap()
    }

    async fn find_created(
        &self,
        request: FindCreatedRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let cloud = self.cloud.lock().unwrap();
        let found = cloud
            .by_operation
            .get(request.operation_id)
            .and_then(|id| cloud.objects.get(id))
            .cloned();
        Ok(ReadResponse {
            new_state: found,
            diagnostics: Diagnostics::new(),
        })
    }
}

/// A stack loaded from one template, with the built-in providers and `test`.
pub struct TestStack {
    _dir: tempfile::TempDir,
    pub ctx: Context,
    pub provider: Arc<TestProvider>,
}

impl TestStack {
    pub fn new(template: &str, vars: &[(&str, &str)]) -> TestStack {
        TestStack::with_provider(template, vars, TestProvider::new())
    }

    /// The same provider (and so the same cloud) under a new template or variables.
    pub fn with_provider(
        template: &str,
        vars: &[(&str, &str)],
        provider: Arc<TestProvider>,
    ) -> TestStack {
        TestStack::from_files(&[("main.tf", template)], vars, provider)
    }

    /// A stack of several files (modules in subdirectories: `modules/web/main.tf`).
    pub fn from_files(
        files: &[(&str, &str)],
        vars: &[(&str, &str)],
        provider: Arc<TestProvider>,
    ) -> TestStack {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let ctx = load(dir.path(), vars, provider.clone());
        TestStack {
            _dir: dir,
            ctx,
            provider,
        }
    }

    pub async fn plan(&self, state: &State, mode: PlanMode) -> Result<Plan, Diagnostics> {
        let options = PlanOptions {
            mode,
            refresh: true,
            ..Default::default()
        };
        match plan(&self.ctx, state, options).await {
            (Some(plan), _) => Ok(plan),
            (None, diags) => Err(diags),
        }
    }

    /// Applies a plan; returns the outcome and every event in order.
    pub async fn apply(&self, plan: &Plan, state: &mut State) -> (ApplyOutcome, Vec<ApplyEvent>) {
        self.apply_with(plan, state, &mut NoRecorder, ApplyOptions::default())
            .await
    }

    pub async fn apply_with(
        &self,
        plan: &Plan,
        state: &mut State,
        recorder: &mut dyn StateRecorder,
        options: ApplyOptions,
    ) -> (ApplyOutcome, Vec<ApplyEvent>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink_events = events.clone();
        let sink: EventSink = Arc::new(move |e| sink_events.lock().unwrap().push(e));
        let outcome = apply(&self.ctx, plan, state, recorder, sink, options).await;
        let events = events.lock().unwrap().clone();
        (outcome, events)
    }

    /// Plans and applies; panics if planning fails.
    pub async fn converge(&self, state: &mut State) -> ApplyOutcome {
        let plan = self
            .plan(state, PlanMode::Normal)
            .await
            .unwrap_or_else(|d| panic!("{d}"));
        self.apply(&plan, state).await.0
    }
}

fn load(dir: &Path, vars: &[(&str, &str)], provider: Arc<TestProvider>) -> Context {
    let (config, diags) = crate::config::load(dir);
    assert!(!diags.has_errors(), "{diags}");
    let graph = crate::graph::build(&config).unwrap_or_else(|d| panic!("{d}"));
    let inputs = vars
        .iter()
        .map(|(name, value)| VariableInput {
            name: name.to_string(),
            value: InputValue::Text(value.to_string()),
            source: "test".to_string(),
            source_is_environment: false,
        })
        .collect();
    let (root_variables, diags) = resolve_root_variables(&config, inputs);
    assert!(!diags.has_errors(), "{diags}");
    let mut providers = ProviderRegistry::builtin();
    providers.register(
        "test",
        Arc::new(move || provider.clone() as Arc<dyn Provider>),
    );
    Context {
        config,
        graph,
        providers,
        root_variables,
        workspace: "default".to_string(),
        root_dir: dir.to_path_buf(),
    }
}
