//! Applying a plan.
//!
//! [`layout`] turns the configuration graph and the plan into steps and
//! edges; [`crate::schedule::Schedule`] decides which step may start; this
//! module runs them. Provider calls run as tokio tasks, at most
//! `parallelism` at once; everything else (evaluating locals and outputs,
//! re-evaluating a resource's arguments now that its dependencies are known,
//! recording state) happens in the single walker loop of [`Run`], which is
//! therefore the only writer of state. The plan decides *what* happens to
//! each object; the configuration is only re-evaluated to fill in values
//! that became known.
//!
//! The journal comes first: a create's intent (the pending record with its
//! operation id, and for `create_before_destroy` the old object moved to a
//! deposed key) is durable before the call is sent, and an operation whose
//! intent cannot be recorded does not start.

mod layout;
mod local_exec;
pub(crate) mod operation;
mod resource;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use state::{JournalEntry, Mode, State, Status};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::addrs::{InstanceAddr, InstanceKey, ObjectAddr, ResourceAddr};
use crate::context::{expand, resource_value, Context, Walker};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::encoding;
use crate::graph::Node;
use crate::plan::{parse_provider_ref, stub_resource, Action, Plan, ResourceChange};
use crate::provider::ProviderError;
use crate::provisioner::{eval_local_exec, local_execs, LocalExec, OnFailure, When};
use crate::schedule::{NodeState, Schedule};
use crate::value::Value;

pub use crate::schedule::SkipReason;
pub use layout::{lay_out, Layout, Step};
pub use local_exec::SUPPRESSED;
use operation::{object_state, pending_state, run_operation, Call, Operation, OperationResult};
pub(crate) use operation::{operation_time, unix_now};

/// What the apply reports as it goes, for progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyEvent {
    Started {
        address: String,
        action: Action,
    },
    /// A step inside an operation ("Starting", "Waiting for …").
    Progress {
        address: String,
        message: String,
    },
    /// A line a provisioner printed (or the line shown instead of it).
    Output {
        address: String,
        provisioner: String,
        line: String,
    },
    Finished {
        address: String,
        action: Action,
        elapsed: Duration,
    },
    Failed {
        address: String,
        action: Action,
        message: String,
    },
    Skipped {
        address: String,
        reason: SkipReason,
    },
}

pub type EventSink = Arc<dyn Fn(ApplyEvent) + Send + Sync>;

/// Where state changes go as they happen (the state crate's journal in the CLI).
pub trait StateRecorder: Send {
    fn record(&mut self, entry: &JournalEntry) -> Result<(), String>;

    /// Records several entries, durably before returning; a journal does it
    /// with one write and at most one fsync (group commit of create intents).
    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), String> {
        entries.iter().try_for_each(|e| self.record(e))
    }

    /// Called while the apply waits for operations: a recorder that keeps
    /// results back to batch them writes them now, so that a result is
    /// durable within [`IDLE_FLUSH`] even when nothing else happens.
    fn idle(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// How long the apply waits for operations before it lets the recorder
/// write what it holds back.
pub const IDLE_FLUSH: Duration = Duration::from_millis(250);

/// At most this many operations are started per batch of intent records:
/// one fsync covers the batch, and the first calls of a large ready set do
/// not wait for the whole set to be prepared.
const START_BATCH: usize = 64;

/// Records nothing: for tests and dry runs.
pub struct NoRecorder;

impl StateRecorder for NoRecorder {
    fn record(&mut self, _entry: &JournalEntry) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Set (e.g. on Ctrl-C) to start nothing new: operations in flight
    /// finish and are recorded, everything not yet started is skipped.
    pub cancel: Arc<AtomicBool>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub diagnostics: Diagnostics,
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The API calls the providers made during the apply, by
    /// `service:Operation` (the plan's are in [`crate::plan::Plan::api_calls`]).
    pub api_calls: BTreeMap<String, u64>,
}

pub async fn apply(
    ctx: &Context,
    plan: &Plan,
    state: &mut State,
    recorder: &mut dyn StateRecorder,
    events: EventSink,
    options: ApplyOptions,
) -> ApplyOutcome {
    let mut walker = Walker::new(ctx, false, true);
    // A plan from before plan timestamps were recorded cannot have called
    // plantimestamp(), so any time will do for it.
    let planned_at = plan
        .timestamp
        .clone()
        .unwrap_or_else(crate::functions::now_rfc3339);
    walker.plan_timestamp = Some(planned_at.into());
    if plan.destroy {
        // A destroy walk has no configuration nodes; configure the providers first.
        let diags = walker.prepare_providers().await;
        if diags.has_errors() {
            return ApplyOutcome {
                diagnostics: diags,
                ..Default::default()
            };
        }
    }
    let Layout { steps, schedule } = lay_out(ctx, plan);
    let mut run = Run {
        ctx,
        plan,
        state,
        recorder,
        events,
        cancel: options.cancel,
        semaphore: Arc::new(Semaphore::new(options.parallelism.max(1))),
        walker,
        ephemerality: crate::ephemeral::Ephemerality::of(&ctx.config, &ctx.graph),
        changes: index_changes(ctx, plan),
        pending_ops: vec![0; steps.len()],
        step_failed: vec![false; steps.len()],
        steps,
        schedule,
        instance_values: HashMap::new(),
        deposed: HashMap::new(),
        to_start: Vec::new(),
        tasks: JoinSet::new(),
        outcome: ApplyOutcome::default(),
    };
    run.record_refactoring();
    run.forget_vanished();
    run.walk().await;
    run.report_skipped();
    run.record_outputs();
    if !plan.destroy {
        let warnings = crate::conditions::check_blocks(&run.walker);
        run.outcome.diagnostics.extend(warnings);
    }
    run.outcome.api_calls = crate::plan::api_calls(&run.walker);
    run.outcome
}

/// The plan's changes of each resource block still in the configuration.
fn index_changes<'p>(
    ctx: &Context,
    plan: &'p Plan,
) -> HashMap<ResourceAddr, Vec<&'p ResourceChange>> {
    let mut out: HashMap<ResourceAddr, Vec<&ResourceChange>> = HashMap::new();
    if plan.destroy {
        return out;
    }
    for change in &plan.resource_changes {
        if let Ok(ObjectAddr {
            instance,
            deposed: None,
        }) = change.address.parse::<ObjectAddr>()
        {
            if ctx.config.resource(&instance.resource).is_some() {
                out.entry(instance.resource).or_default().push(change);
            }
        }
    }
    out
}

/// One apply in progress: the walker loop's tables.
struct Run<'a> {
    ctx: &'a Context,
    plan: &'a Plan,
    state: &'a mut State,
    recorder: &'a mut dyn StateRecorder,
    events: EventSink,
    cancel: Arc<AtomicBool>,
    semaphore: Arc<Semaphore>,
    walker: Walker<'a>,
    changes: HashMap<ResourceAddr, Vec<&'a ResourceChange>>,
    /// Which values are ephemeral: provisioners using them hide their output.
    ephemerality: crate::ephemeral::Ephemerality,
    steps: Vec<Step>,
    schedule: Schedule,
    /// Operations of each step not yet finished.
    pending_ops: Vec<usize>,
    step_failed: Vec<bool>,
    /// The values of a resource step's instances, as they become known.
    instance_values: HashMap<usize, BTreeMap<InstanceAddr, Value>>,
    /// The deposed id of each instance whose old object a
    /// `create_before_destroy` replacement moved aside in this apply.
    deposed: HashMap<InstanceAddr, String>,
    /// Prepared operations whose intents are flushed together (one journal
    /// write and fsync) before they start.
    to_start: Vec<Operation>,
    tasks: JoinSet<OperationResult>,
    outcome: ApplyOutcome,
}

impl<'a> Run<'a> {
    async fn walk(&mut self) {
        loop {
            self.start_ready().await;
            if self.schedule.is_finished() {
                return;
            }
            let Some(joined) = self.next_finished().await else {
                self.outcome.diagnostics.push(Diagnostic::error(
                    "Apply stalled",
                    "No operation is running and none is ready; this is a bug in stack.",
                ));
                return;
            };
            // Take every operation that has finished meanwhile as well, so
            // that the steps they make ready start as one batch.
            let mut finished = vec![joined];
            while let Some(more) = self.tasks.try_join_next() {
                finished.push(more);
            }
            for joined in finished {
                match joined {
                    Ok(result) => self.on_result(result),
                    Err(err) => self.outcome.diagnostics.push(Diagnostic::error(
                        "Internal error",
                        format!("An apply task failed: {err}"),
                    )),
                }
            }
        }
    }

    /// Records what the plan's refactoring blocks do before anything else,
    /// so that every later step finds objects where the plan put them:
    /// moves (the new record is written with the removal of the old one,
    /// in one journal write, so that a crash can never lose the object),
    /// objects a `removed` block forgets, and objects `import` blocks adopt.
    fn record_refactoring(&mut self) {
        let plan = self.plan;
        for object_move in &plan.moves {
            let Some(object) = self.state.resources.get(&object_move.from).cloned() else {
                continue;
            };
            let occupied = self.state.resources.get(&object_move.to);
            if occupied.is_some_and(|there| there != &object) {
                continue;
            }
            self.record_together(vec![
                JournalEntry::SetResource {
                    address: object_move.to.clone(),
                    resource: object,
                },
                JournalEntry::RemoveResource {
                    address: object_move.from.clone(),
                },
            ]);
        }
        for change in &plan.resource_changes {
            if change.action == Action::Forget {
                self.record(JournalEntry::RemoveResource {
                    address: change.address.clone(),
                });
            } else if let Some(entry) = imported_record(change, self.state) {
                self.record(entry);
            }
        }
    }

    /// Forgets objects that refresh found gone and that the plan does not
    /// create again: deleted outside stack, or unfinished creates that left
    /// nothing.
    fn forget_vanished(&mut self) {
        let plan = self.plan;
        for drift in &plan.drift {
            let vanished =
                drift.change == crate::plan::DELETED || drift.change == crate::plan::ABANDONED;
            let planned = plan
                .change(&drift.address)
                .is_some_and(|c| c.action.is_change());
            if vanished && !planned && self.state.resources.contains_key(&drift.address) {
                self.record(JournalEntry::RemoveResource {
                    address: drift.address.clone(),
                });
            }
        }
    }

    /// Waits for the next operation to finish, letting the recorder write
    /// what it holds back whenever the wait is long.
    async fn next_finished(&mut self) -> Option<Result<OperationResult, tokio::task::JoinError>> {
        loop {
            tokio::select! {
                joined = self.tasks.join_next() => return joined,
                _ = tokio::time::sleep(IDLE_FLUSH) => {
                    if let Err(e) = self.recorder.idle() {
                        self.outcome.diagnostics.push(Diagnostic::error(
                            "Failed to persist state",
                            format!("Recording finished operations failed: {e}. They are kept in memory and written at the end of the apply."),
                        ));
                    }
                }
            }
        }
    }

    /// Prepares every ready step and starts its operations.
    async fn start_ready(&mut self) {
        loop {
            if self.cancel.load(Ordering::SeqCst) {
                self.schedule.cancel();
            }
            let Some(slot) = self.schedule.pop_ready() else {
                break;
            };
            if self.to_start.len() >= START_BATCH {
                self.flush();
            }
            match self.prepare(slot).await {
                Err(diags) => {
                    self.outcome.diagnostics.extend(diags);
                    self.outcome.failed += 1;
                    self.step_failed[slot] = true;
                    self.schedule.fail(slot);
                }
                Ok(ops) if ops.is_empty() => self.complete(slot),
                Ok(ops) => {
                    self.pending_ops[slot] = ops.len();
                    self.to_start.extend(ops);
                }
            }
        }
        self.flush();
    }

    async fn prepare(&mut self, slot: usize) -> Result<Vec<Operation>, Diagnostics> {
        match self.steps[slot].clone() {
            Step::Config(index) => match self.ctx.graph.node(index).clone() {
                Node::Resource(block) => self.prepare_resource(slot, &block).await,
                other => {
                    let diags = self.walker.visit_value_node(&other).await;
                    if diags.has_errors() {
                        return Err(diags);
                    }
                    self.outcome.diagnostics.extend(diags);
                    Ok(Vec::new())
                }
            },
            Step::Destroy(object) => self.prepare_destroy(slot, object).await,
            Step::DestroyDeposed(instance) => match self.deposed.get(&instance).cloned() {
                Some(id) => {
                    self.prepare_destroy(slot, ObjectAddr::deposed(instance, id))
                        .await
                }
                None => Ok(Vec::new()),
            },
        }
    }

    async fn prepare_destroy(
        &mut self,
        slot: usize,
        object: ObjectAddr,
    ) -> Result<Vec<Operation>, Diagnostics> {
        let key = object.to_string();
        let change = self
            .plan
            .change(&key)
            .or_else(|| self.plan.change(&object.instance.to_string()))
            .cloned();
        let Some(change) = change else {
            return Ok(Vec::new());
        };
        // A pending record holds what was planned; the object a plan found
        // for it (adopted, then tainted because it was never provisioned)
        // is the plan's prior.
        let recorded = self.state.resources.get(&key);
        let prior = match recorded.map(|r| &r.status) {
            Some(Status::Pending { .. }) => change.before_value(),
            _ => recorded.map(encoding::from_state),
        };
        if change.mode == Mode::Data || prior.is_none() {
            // Data sources are only forgotten; an object already gone needs no call.
            self.record(JournalEntry::RemoveResource { address: key });
            return Ok(Vec::new());
        }
        let provider_ref = parse_provider_ref(&change.provider);
        let stub = stub_resource(&object.instance.resource, &provider_ref);
        let provider = self
            .walker
            .provider_for(&provider_ref, &stub)
            .await
            .map_err(Diagnostics::from)?;
        let private = self
            .state
            .resources
            .get(&key)
            .and_then(|r| r.private.clone());
        let provisioners = self.destroy_provisioners(&object, prior.as_ref())?;
        Ok(vec![Operation {
            step: slot,
            object,
            call: Call::Delete,
            change,
            provider,
            prior,
            planned: None,
            config: None,
            private,
            operation_id: operation::new_operation_id(&key),
            intents: Vec::new(),
            provisioners,
            earlier: Duration::ZERO,
        }])
    }

    /// The `local-exec` provisioners to run before an object is destroyed:
    /// those with `when = destroy` of its resource block, if the block is
    /// still in the configuration, evaluated with `self` as the object.
    /// As in Terraform, a tainted object (its provisioners failed) and a
    /// deposed one run none.
    fn destroy_provisioners(
        &self,
        object: &ObjectAddr,
        prior: Option<&Value>,
    ) -> Result<Vec<LocalExec>, Diagnostics> {
        let ready = self
            .state
            .resources
            .get(&object.to_string())
            .is_some_and(|r| r.status == Status::Ready);
        let resource = self.ctx.config.resource(&object.instance.resource);
        let (Some(resource), Some(prior), true, None) = (resource, prior, ready, &object.deposed)
        else {
            return Ok(Vec::new());
        };
        let mut scope = self
            .walker
            .instance_scope(resource, &object.instance.key, None);
        scope.self_value = Some(prior);
        let mut diags = Diagnostics::new();
        let provisioners = local_execs(resource, When::Destroy)
            .filter_map(|p| eval_local_exec(p, &scope, None, &mut diags))
            .collect();
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(provisioners)
    }

    /// Makes the intents of the prepared operations durable, then starts
    /// them. Operations whose intents could not be recorded fail unstarted.
    fn flush(&mut self) {
        let mut ops = std::mem::take(&mut self.to_start);
        for op in ops.iter_mut() {
            self.add_intents(op);
        }
        let intents: Vec<JournalEntry> = ops.iter().flat_map(|op| op.intents.clone()).collect();
        let recorded = intents.is_empty() || self.recorder.record_all(&intents).is_ok();
        for op in ops {
            if !op.intents.is_empty() && !recorded {
                self.fail_unstarted(op);
                continue;
            }
            for intent in &op.intents {
                intent.apply_to(self.state);
            }
            self.start(op);
        }
    }

    /// The records a create needs before its call: the pending object and,
    /// for `create_before_destroy`, the old object moved to a deposed key.
    fn add_intents(&mut self, op: &mut Operation) {
        if op.call != Call::Create {
            return;
        }
        let address = op.object.to_string();
        if op.change.action == Action::Replace && op.change.create_before_destroy {
            if let Some(old) = self.state.resources.get(&address).cloned() {
                let id = self
                    .deposed
                    .entry(op.object.instance.clone())
                    .or_insert_with(|| operation::random_hex(4))
                    .clone();
                let key = ObjectAddr::deposed(op.object.instance.clone(), id);
                op.intents.push(JournalEntry::SetResource {
                    address: key.to_string(),
                    resource: old,
                });
            }
        }
        op.intents.push(JournalEntry::SetResource {
            address,
            resource: pending_state(op),
        });
    }

    fn fail_unstarted(&mut self, op: Operation) {
        self.deposed.remove(&op.object.instance);
        let result = OperationResult {
            step: op.step,
            object: op.object,
            call: op.call,
            change: op.change,
            elapsed: Duration::ZERO,
            outcome: Err(ProviderError::new(
                "The operation was not started because its intent could not be recorded in the state journal; nothing was sent to the provider.",
            )),
            provider: op.provider,
            diagnostic: None,
        };
        self.on_result(result);
    }

    fn start(&mut self, op: Operation) {
        // A provisioning continues the create already shown as started.
        if !matches!(op.call, Call::Record | Call::Provision) {
            (self.events)(ApplyEvent::Started {
                address: op.label(),
                action: op.call.action(),
            });
        }
        let semaphore = self.semaphore.clone();
        let events = self.events.clone();
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            run_operation(op, events, cancel).await
        });
    }

    fn on_result(&mut self, result: OperationResult) {
        let slot = result.step;
        let label = result.object.describe();
        let action = result.call.action();
        match &result.outcome {
            Ok(new) => {
                match self.provision_after(&result, new) {
                    // The object's operation goes on with its provisioners.
                    Some(Ok(op)) => return self.start(op),
                    Some(Err(diags)) => return self.provisioning_failed(result, diags),
                    None => {}
                }
                self.outcome.succeeded += 1;
                self.record_success(&result, new.clone());
                // Reported only once recorded: a "complete" line on screen
                // means the state has it, even if stack is killed right after.
                if result.call != Call::Record {
                    (self.events)(ApplyEvent::Finished {
                        address: label,
                        action,
                        elapsed: result.elapsed,
                    });
                }
            }
            Err(error) if result.call == Call::Read && self.scoped_to_check(&result.object) => {
                // A check's own data source never fails an apply.
                let resource = self.ctx.config.resource(&result.object.instance.resource);
                if let Some(resource) = resource {
                    let address = result.object.to_string();
                    let warning = crate::plan::read_failure(resource, &address, &error.message);
                    self.outcome.diagnostics.push(warning);
                }
            }
            Err(error) => {
                self.outcome.failed += 1;
                (self.events)(ApplyEvent::Failed {
                    address: label.clone(),
                    action,
                    message: error.message.clone(),
                });
                let diagnostic = result.diagnostic.clone().unwrap_or_else(|| {
                    Diagnostic::error(
                        format!("Failed to {} {label}", verb(result.call)),
                        error.message.clone(),
                    )
                });
                self.outcome.diagnostics.push(diagnostic);
                self.record_failure(&result, error.partial_state.clone());
                self.step_failed[slot] = true;
            }
        }
        self.operation_done(slot);
    }

    /// One operation of a step has ended: the step ends with its last one.
    fn operation_done(&mut self, slot: usize) {
        self.pending_ops[slot] -= 1;
        if self.pending_ops[slot] == 0 {
            if self.step_failed[slot] {
                self.schedule.fail(slot);
            } else {
                self.complete(slot);
            }
        }
    }

    fn scoped_to_check(&self, object: &ObjectAddr) -> bool {
        self.ctx
            .config
            .resource(&object.instance.resource)
            .is_some_and(|r| r.check.is_some())
    }

    /// After a create, the operation that runs the object's create-time
    /// `local-exec` provisioners, if it has any. The created object is
    /// recorded first, tainted when a failing provisioner is to taint it,
    /// and durably: a crash while they run leaves it tainted, to be
    /// replaced (and provisioned again) by the next apply. The provisioning
    /// records it untainted when they succeed.
    fn provision_after(
        &mut self,
        result: &OperationResult,
        new: &operation::NewObject,
    ) -> Option<Result<Operation, Diagnostics>> {
        let (value, private) = new.as_ref().filter(|_| result.call == Call::Create)?;
        let addr = &result.object.instance.resource;
        let block = self.ctx.config.resource(addr)?;
        local_execs(block, When::Create).next()?;
        let resource = crate::context::resource_view(block, addr);
        let provisioners = match self.create_provisioners(&resource, &result.object, value) {
            Ok(provisioners) => provisioners,
            Err(diags) => return Some(Err(diags)),
        };
        let taints = provisioners.iter().any(|p| p.on_failure == OnFailure::Fail);
        let status = if taints {
            Status::Tainted
        } else {
            Status::Ready
        };
        let entry = JournalEntry::SetResource {
            address: result.object.to_string(),
            resource: object_state(&result.change, value, private.clone(), status),
        };
        entry.apply_to(self.state);
        if let Err(e) = self.recorder.record_all(std::slice::from_ref(&entry)) {
            return Some(Err(Diagnostic::error(
                "Failed to persist state",
                format!("Recording the created object failed: {e}. Its provisioners were not run; the object is kept in memory as tainted and written at the end of the apply."),
            )
            .into()));
        }
        Some(Ok(Operation {
            step: result.step,
            object: result.object.clone(),
            call: Call::Provision,
            change: result.change.clone(),
            provider: result.provider.clone(),
            prior: None,
            planned: Some(value.clone()),
            config: None,
            private: private.clone(),
            operation_id: String::new(),
            intents: Vec::new(),
            provisioners,
            earlier: result.elapsed,
        }))
    }

    /// A resource's create-time `local-exec` blocks, evaluated for one of
    /// its objects just created (`self`).
    fn create_provisioners(
        &self,
        resource: &crate::config::Resource,
        object: &ObjectAddr,
        value: &Value,
    ) -> Result<Vec<LocalExec>, Diagnostics> {
        let key = &object.instance.key;
        let each = expand(&self.walker, resource)
            .ok()
            .and_then(|e| e.each_value(key).cloned());
        let mut diags = Diagnostics::new();
        let configuration = self.walker.stack_configuration(&mut diags);
        let mut scope = self.walker.instance_scope(resource, key, each.as_ref());
        scope.self_value = Some(value);
        let module = resource.addr.module.to_static();
        let provisioners = local_execs(resource, When::Create)
            .filter_map(|p| {
                let mut exec = eval_local_exec(p, &scope, configuration.as_ref(), &mut diags)?;
                exec.ephemeral = self
                    .ephemerality
                    .body_derives(&self.ctx.config, &module, &p.body);
                Some(exec)
            })
            .collect();
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(provisioners)
    }

    /// A created object whose provisioners could not be run is kept tainted.
    fn provisioning_failed(&mut self, result: OperationResult, diags: Diagnostics) {
        let slot = result.step;
        self.outcome.failed += 1;
        (self.events)(ApplyEvent::Failed {
            address: result.object.describe(),
            action: Action::Create,
            message: diags.to_string(),
        });
        self.outcome.diagnostics.extend(diags);
        if let Ok(Some((value, private))) = &result.outcome {
            let resource = object_state(&result.change, value, private.clone(), Status::Tainted);
            self.record(JournalEntry::SetResource {
                address: result.object.to_string(),
                resource,
            });
        }
        self.step_failed[slot] = true;
        self.operation_done(slot);
    }

    fn record_success(&mut self, result: &OperationResult, new: operation::NewObject) {
        let key = result.object.to_string();
        let Some((value, private)) = new else {
            self.record(JournalEntry::RemoveResource { address: key });
            return;
        };
        let resource = object_state(&result.change, &value, private, Status::Ready);
        self.record(JournalEntry::SetResource {
            address: key,
            resource,
        });
        self.instance_values
            .entry(result.step)
            .or_default()
            .insert(result.object.instance.clone(), value);
    }

    /// Keeps whatever exists after a failed call: an object the provider
    /// made is kept (tainted after a create); a create that made nothing
    /// stays pending, so that the next run looks for it before creating it
    /// again; a `create_before_destroy` that made nothing puts the old
    /// object back, as Terraform does.
    fn record_failure(&mut self, result: &OperationResult, partial: Option<Value>) {
        let key = result.object.to_string();
        match (result.call, partial) {
            (Call::Create | Call::Provision, Some(value)) => {
                let resource = object_state(&result.change, &value, None, Status::Tainted);
                self.record(JournalEntry::SetResource {
                    address: key,
                    resource,
                });
            }
            (Call::Update, Some(value)) => {
                let resource = object_state(&result.change, &value, None, Status::Ready);
                self.record(JournalEntry::SetResource {
                    address: key,
                    resource,
                });
            }
            (Call::Create, None) if result.change.create_before_destroy => {
                self.restore_deposed(&result.object.instance);
            }
            _ => {}
        }
    }

    fn restore_deposed(&mut self, instance: &InstanceAddr) {
        let Some(id) = self.deposed.remove(instance) else {
            return;
        };
        let key = ObjectAddr::deposed(instance.clone(), id).to_string();
        if let Some(old) = self.state.resources.get(&key).cloned() {
            self.record(JournalEntry::SetResource {
                address: instance.to_string(),
                resource: old,
            });
            self.record(JournalEntry::RemoveResource { address: key });
        }
    }

    /// A resource block's operations, in every instance of its module.
    async fn prepare_resource(
        &mut self,
        slot: usize,
        block: &ResourceAddr,
    ) -> Result<Vec<Operation>, Diagnostics> {
        let mut operations = Vec::new();
        for addr in self.walker.resource_instances(block) {
            let changes = self.changes.get(&addr).cloned().unwrap_or_default();
            let prepared =
                resource::prepare(&mut self.walker, &addr, &changes, self.state, slot).await?;
            let values = self.instance_values.entry(slot).or_default();
            for (key, value) in prepared.values {
                values.insert(addr.instance(key), value);
            }
            operations.extend(prepared.operations);
        }
        Ok(operations)
    }

    /// A step has finished well: a resource's value becomes visible to
    /// expressions, once its postconditions hold for what was applied.
    fn complete(&mut self, slot: usize) {
        if let Step::Config(index) = &self.steps[slot] {
            if let Node::Resource(block) = self.ctx.graph.node(*index) {
                let values = self.instance_values.remove(&slot).unwrap_or_default();
                for addr in self.walker.resource_instances(block) {
                    if !self.complete_resource(&addr, &values) {
                        self.outcome.failed += 1;
                        self.step_failed[slot] = true;
                        self.schedule.fail(slot);
                        return;
                    }
                }
            }
        }
        self.schedule.succeed(slot);
    }

    /// Checks the postconditions of a resource in one module instance and
    /// makes its value visible; false when a postcondition failed.
    fn complete_resource(
        &mut self,
        addr: &ResourceAddr,
        applied: &BTreeMap<InstanceAddr, Value>,
    ) -> bool {
        let ctx = self.ctx;
        let Some(block) = ctx.config.resource(addr) else {
            return true;
        };
        let resource = crate::context::resource_view(block, addr);
        let Ok(expansion) = expand(&self.walker, &resource) else {
            return true;
        };
        let values: BTreeMap<InstanceKey, Value> = applied
            .iter()
            .filter(|(instance, _)| &instance.resource == addr)
            .map(|(instance, value)| (instance.key.clone(), value.clone()))
            .collect();
        if !self.postconditions_hold(&resource, &expansion, &values) {
            return false;
        }
        self.walker
            .set_resource_value(addr, resource_value(&expansion, values));
        true
    }

    /// Checks a resource's postconditions against each applied instance;
    /// what depends on a resource whose postcondition fails does not run.
    fn postconditions_hold(
        &mut self,
        resource: &crate::config::Resource,
        expansion: &crate::context::Expansion,
        values: &BTreeMap<InstanceKey, Value>,
    ) -> bool {
        let postconditions = &resource.lifecycle.postconditions;
        let mut held = true;
        for (key, value) in values.iter().filter(|_| !postconditions.is_empty()) {
            let mut scope = self
                .walker
                .instance_scope(resource, key, expansion.each_value(key));
            scope.self_value = Some(value);
            let summary = crate::conditions::RESOURCE_POSTCONDITION;
            held &= crate::conditions::check(
                postconditions,
                &scope,
                summary,
                &mut self.outcome.diagnostics,
            );
        }
        held
    }

    /// Applies state changes in memory and records them in one journal write.
    fn record_together(&mut self, entries: Vec<JournalEntry>) {
        for entry in &entries {
            entry.apply_to(self.state);
        }
        if let Err(e) = self.recorder.record_all(&entries) {
            self.outcome.diagnostics.push(Diagnostic::error(
                "Failed to persist state",
                format!("Recording a state change failed: {e}. The change is kept in memory and written at the end of the apply."),
            ));
        }
    }

    /// Applies a state change in memory and records it in the journal.
    fn record(&mut self, entry: JournalEntry) {
        entry.apply_to(self.state);
        if let Err(e) = self.recorder.record(&entry) {
            self.outcome.diagnostics.push(Diagnostic::error(
                "Failed to persist state",
                format!("Recording a state change failed: {e}. The change is kept in memory and written at the end of the apply."),
            ));
        }
    }

    /// Reports what did not run: after an interrupt, everything not
    /// started; otherwise what depended on something that failed.
    fn report_skipped(&mut self) {
        for slot in 0..self.steps.len() {
            let NodeState::Skipped(reason) = self.schedule.state(slot) else {
                continue;
            };
            if let Some(address) = self.skipped_label(slot) {
                self.outcome.skipped += 1;
                (self.events)(ApplyEvent::Skipped { address, reason });
            }
        }
    }

    /// The name of a skipped step, when it had a change to make.
    fn skipped_label(&self, slot: usize) -> Option<String> {
        match &self.steps[slot] {
            Step::Config(index) => match self.ctx.graph.node(*index) {
                Node::Resource(addr) => self
                    .changes
                    .get(addr)
                    .is_some_and(|changes| changes.iter().any(|c| c.action.is_change()))
                    .then(|| addr.to_string()),
                _ => None,
            },
            Step::Destroy(object) => Some(object.describe()),
            Step::DestroyDeposed(instance) => self
                .deposed
                .get(instance)
                .map(|id| ObjectAddr::deposed(instance.clone(), id.clone()).describe()),
        }
    }

    /// Records root outputs (all removed by a destroy), unless something
    /// failed before they could be evaluated.
    fn record_outputs(&mut self) {
        let root = self.ctx.config.root();
        if self.plan.destroy {
            let names: Vec<String> = self.state.outputs.keys().cloned().collect();
            for name in names {
                self.record(JournalEntry::RemoveOutput { name });
            }
            return;
        }
        for name in root.outputs.keys() {
            if !self.output_evaluable(name) {
                continue;
            }
            let mut diags = Diagnostics::new();
            let value = self
                .walker
                .eval_output(&Default::default(), name, &mut diags);
            self.outcome.diagnostics.extend(diags);
            if value.is_wholly_known() {
                let output = state::OutputState {
                    sensitive: value.contains_sensitive() || root.outputs[name].sensitive,
                    value: value.to_json(),
                };
                self.record(JournalEntry::SetOutput {
                    name: name.clone(),
                    output,
                });
            }
        }
        let stale: Vec<String> = self
            .state
            .outputs
            .keys()
            .filter(|k| !root.outputs.contains_key(*k))
            .cloned()
            .collect();
        for name in stale {
            self.record(JournalEntry::RemoveOutput { name });
        }
    }

    fn output_evaluable(&self, name: &str) -> bool {
        let node = Node::Output(Default::default(), name.to_string());
        let Some(index) = self.ctx.graph.index.get(&node) else {
            return true;
        };
        self.steps
            .iter()
            .position(|s| s == &Step::Config(*index))
            .is_none_or(|slot| self.schedule.state(slot) == NodeState::Succeeded)
    }
}

/// The record of an object an `import` block adopts, as the provider
/// found it when planning, unless state already has it.
fn imported_record(change: &ResourceChange, state: &State) -> Option<JournalEntry> {
    change.importing.as_ref()?;
    if state.resources.contains_key(&change.address) {
        return None;
    }
    let found = change.before_value()?;
    Some(JournalEntry::SetResource {
        address: change.address.clone(),
        resource: object_state(change, &found, None, Status::Ready),
    })
}

fn verb(call: Call) -> &'static str {
    match call {
        Call::Create => "create",
        Call::Update => "update",
        Call::Delete => "destroy",
        Call::Read => "read",
        Call::Record => "record",
        Call::Provision => "provision",
    }
}

#[cfg(test)]
mod provisioner_tests;
#[cfg(test)]
mod tests;
