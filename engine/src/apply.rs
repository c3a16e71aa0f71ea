//! Applying a plan.
//!
//! The walk is Kahn's algorithm over the configuration graph (plus one node
//! per deletion of something no longer configured): a node starts as soon
//! as all its dependencies are done. Provider calls run as tokio tasks,
//! at most `parallelism` at once; everything else (evaluating locals and
//! outputs, re-evaluating a resource's arguments now that its dependencies
//! are known, recording state) happens in this single walker loop, which is
//! therefore the only writer of state. The plan decides *what* happens to
//! each instance; the configuration is only re-evaluated to fill in values
//! that became known. A failed node marks its dependents as skipped while
//! independent branches go on.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use state::{JournalEntry, Mode, ResourceState, State, Status};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::addrs::{InstanceAddr, InstanceKey, ResourceAddr, ResourceMode};
use crate::body::{eval_body, BodyKind};
use crate::config::Resource;
use crate::context::{expand, resource_value, Context, Walker};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::encoding::{self, encode};
use crate::graph::Node;
use crate::plan::{parse_provider_ref, Action, Plan, ResourceChange};
use crate::provider::{values_equal, ApplyRequest, PlanRequest, Provider, ReadDataRequest};
use crate::value::Value;

/// What the apply reports as it goes, for progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyEvent {
    Started {
        address: String,
        action: Action,
    },
    /// A step inside an operation ("Destroying old object", "Starting").
    Progress {
        address: String,
        message: String,
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

/// Why an operation did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Something it depends on failed.
    DependencyFailed,
    /// The apply was interrupted (Ctrl-C) before it could start.
    Interrupted,
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
}

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
    pub cancel: Arc<std::sync::atomic::AtomicBool>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            cancel: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }
}

#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub diagnostics: Diagnostics,
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// The suffix of the state key of an object deposed by create_before_destroy.
pub const DEPOSED_SUFFIX: &str = "#deposed";

/// One provider call (or two, for a replacement) for one instance.
struct Operation {
    node: usize,
    address: String,
    change: ResourceChange,
    provider: Arc<dyn Provider>,
    prior: Option<Value>,
    planned: Option<Value>,
    config: Option<Value>,
    private: Option<serde_json::Value>,
    operation_id: String,
}

struct OperationResult {
    node: usize,
    address: String,
    change: ResourceChange,
    elapsed: Duration,
    outcome: Result<Option<(Value, Option<serde_json::Value>)>, String>,
    /// For a replacement: whether the old object was destroyed before the failure.
    old_destroyed: bool,
}

enum SchedNode {
    Graph(petgraph::graph::NodeIndex),
    /// Deletion of an instance no longer in the configuration.
    Delete(String),
}

pub async fn apply(
    ctx: &Context,
    plan: &Plan,
    state: &mut State,
    recorder: &mut dyn StateRecorder,
    events: EventSink,
    options: ApplyOptions,
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    let mut walker = Walker::new(ctx, false, true);
    if plan.destroy {
        // A destroy walk has no configuration nodes; configure the providers first.
        let diags = walker.prepare_providers().await;
        if diags.has_errors() {
            outcome.diagnostics.extend(diags);
            return outcome;
        }
    }
    let semaphore = Arc::new(Semaphore::new(options.parallelism.max(1)));

    // Index the plan's changes by resource.
    let mut by_resource: HashMap<ResourceAddr, Vec<&ResourceChange>> = HashMap::new();
    let mut standalone: Vec<&ResourceChange> = Vec::new();
    for change in &plan.resource_changes {
        let deposed = change.address.ends_with(DEPOSED_SUFFIX);
        match change.instance_addr() {
            Some(addr)
                if !plan.destroy && !deposed && ctx.config.resource(&addr.resource).is_some() =>
            {
                by_resource.entry(addr.resource).or_default().push(change)
            }
            _ if change.action == Action::Delete => standalone.push(change),
            _ => {}
        }
    }

    // Build the schedule: graph nodes (unless destroying) and deletion nodes.
    let mut nodes: Vec<SchedNode> = Vec::new();
    let mut graph_slot: HashMap<petgraph::graph::NodeIndex, usize> = HashMap::new();
    if !plan.destroy {
        for &index in &ctx.graph.order {
            graph_slot.insert(index, nodes.len());
            nodes.push(SchedNode::Graph(index));
        }
    }
    let mut delete_slot: HashMap<String, usize> = HashMap::new();
    for change in &standalone {
        delete_slot.insert(change.address.clone(), nodes.len());
        nodes.push(SchedNode::Delete(change.address.clone()));
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut waiting_on: Vec<usize> = vec![0; nodes.len()];
    // A set, not `dependents[from].contains`: that made a fan-out O(N²).
    let mut edge_seen: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    let mut add_edge = |from: usize, to: usize, dependents: &mut Vec<Vec<usize>>| {
        if from != to && edge_seen.insert((from, to)) {
            dependents[from].push(to);
            waiting_on[to] += 1;
        }
    };
    if !plan.destroy {
        for (&index, &slot) in &graph_slot {
            for dep in ctx.graph.dependencies(index) {
                add_edge(graph_slot[&dep], slot, &mut dependents);
            }
        }
    }
    // Deletions run in reverse dependency order: what depended on X goes first.
    let resource_of = |address: &str| -> Option<ResourceAddr> {
        address
            .trim_end_matches(DEPOSED_SUFFIX)
            .parse::<InstanceAddr>()
            .ok()
            .map(|a| a.resource)
    };
    let mut deletes_of: HashMap<String, Vec<usize>> = HashMap::new();
    for change in &standalone {
        if let Some(resource) = resource_of(&change.address) {
            deletes_of
                .entry(resource.to_string())
                .or_default()
                .push(delete_slot[&change.address]);
        }
    }
    for change in &standalone {
        let slot = delete_slot[&change.address];
        // The provider must be configured (by its graph node) before a deletion uses it.
        let provider = Node::Provider(parse_provider_ref(&change.provider));
        if let Some(&provider_slot) = ctx
            .graph
            .index
            .get(&provider)
            .and_then(|i| graph_slot.get(i))
        {
            add_edge(provider_slot, slot, &mut dependents);
        }
        for dependency in &change.dependencies {
            for &other in deletes_of.get(dependency).map(Vec::as_slice).unwrap_or(&[]) {
                add_edge(slot, other, &mut dependents);
            }
            if let Some(&graph_index) = dependency
                .parse::<ResourceAddr>()
                .ok()
                .and_then(|r| ctx.graph.index.get(&Node::Resource(r)))
            {
                if let Some(&target) = graph_slot.get(&graph_index) {
                    add_edge(slot, target, &mut dependents);
                }
            }
        }
    }

    let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut failed_node = vec![false; nodes.len()];
    let mut skipped_node = vec![false; nodes.len()];
    let mut pending_ops = vec![0usize; nodes.len()];
    let mut instance_values: HashMap<usize, BTreeMap<InstanceKey, Value>> = HashMap::new();
    let mut tasks: JoinSet<OperationResult> = JoinSet::new();
    let mut done = 0usize;
    let total = nodes.len();
    let record = |state: &mut State,
                  recorder: &mut dyn StateRecorder,
                  entry: JournalEntry,
                  diags: &mut Diagnostics| {
        entry.apply_to(state);
        if let Err(e) = recorder.record(&entry) {
            diags.push(Diagnostic::error("Failed to persist state", format!("Recording a state change failed: {e}. The change is kept in memory and written at the end of the apply.")));
        }
    };

    // Intent records and the operations they announce, flushed together
    // (one journal write and fsync) before the operations start.
    let mut intents: Vec<JournalEntry> = Vec::new();
    let mut to_start: Vec<Operation> = Vec::new();
    // The intents are already applied to `state` (see `intend` below).
    let start_batch = |recorder: &mut dyn StateRecorder,
                       intents: &mut Vec<JournalEntry>,
                       to_start: &mut Vec<Operation>,
                       tasks: &mut JoinSet<OperationResult>,
                       diags: &mut Diagnostics| {
        if !intents.is_empty() {
            if let Err(e) = recorder.record_all(intents) {
                diags.push(Diagnostic::error("Failed to persist state", format!("Recording a state change failed: {e}. The change is kept in memory and written at the end of the apply.")));
            }
            intents.clear();
        }
        for op in to_start.drain(..) {
            (events)(ApplyEvent::Started {
                address: op.address.clone(),
                action: op.change.action,
            });
            let semaphore = semaphore.clone();
            let events = events.clone();
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                run_operation(op, events).await
            });
        }
    };

    while done < total {
        // Start everything that is ready.
        while let Some(slot) = ready.pop_front() {
            if to_start.len() >= START_BATCH {
                start_batch(
                    recorder,
                    &mut intents,
                    &mut to_start,
                    &mut tasks,
                    &mut outcome.diagnostics,
                );
            }
            if options.cancel.load(std::sync::atomic::Ordering::SeqCst) && !skipped_node[slot] {
                skipped_node[slot] = true;
                mark_skipped(slot, &dependents, &mut skipped_node);
            }
            if skipped_node[slot] {
                finish_node(slot, &mut done, &dependents, &mut waiting_on, &mut ready);
                continue;
            }
            let mut operations: Vec<Operation> = Vec::new();
            let mut node_failed = false;
            match &nodes[slot] {
                SchedNode::Graph(index) => match ctx.graph.node(*index).clone() {
                    Node::Resource(addr) => {
                        let changes = by_resource.get(&addr).cloned().unwrap_or_default();
                        match prepare_resource(&mut walker, ctx, &addr, &changes, state, slot).await
                        {
                            Ok((ops, values)) => {
                                operations = ops;
                                instance_values.insert(slot, values);
                            }
                            Err(diags) => {
                                outcome.diagnostics.extend(diags);
                                node_failed = true;
                            }
                        }
                    }
                    other => {
                        let diags = walker.visit_value_node(&other).await;
                        node_failed = diags.has_errors();
                        outcome.diagnostics.extend(diags);
                    }
                },
                SchedNode::Delete(address) => {
                    let change = plan.change(address);
                    if let Some(change) = change {
                        if change.mode == Mode::Data {
                            record(
                                state,
                                recorder,
                                JournalEntry::RemoveResource {
                                    address: address.clone(),
                                },
                                &mut outcome.diagnostics,
                            );
                        } else {
                            let provider_ref = parse_provider_ref(&change.provider);
                            let stub = stub_resource(address, &provider_ref);
                            match walker.provider_for(&provider_ref, &stub).await {
                                Ok(provider) => operations.push(Operation {
                                    node: slot,
                                    address: address.clone(),
                                    change: change.clone(),
                                    provider,
                                    prior: state
                                        .resources
                                        .get(address)
                                        .map(encoding::from_state)
                                        .or_else(|| change.before_value()),
                                    planned: None,
                                    config: None,
                                    private: change.private.clone(),
                                    operation_id: operation_id(address),
                                }),
                                Err(d) => {
                                    outcome.diagnostics.push(d);
                                    node_failed = true;
                                }
                            }
                        }
                    }
                }
            }
            if node_failed {
                failed_node[slot] = true;
                outcome.failed += 1;
                mark_skipped(slot, &dependents, &mut skipped_node);
                finish_node(slot, &mut done, &dependents, &mut waiting_on, &mut ready);
                continue;
            }
            if operations.is_empty() {
                complete_resource_node(&mut walker, ctx, &nodes[slot], slot, &mut instance_values);
                finish_node(slot, &mut done, &dependents, &mut waiting_on, &mut ready);
                continue;
            }
            pending_ops[slot] = operations.len();
            let mut intend = |state: &mut State, entry: JournalEntry| {
                entry.apply_to(state);
                intents.push(entry);
            };
            for op in operations {
                if matches!(op.change.action, Action::Create | Action::Replace)
                    && !op.change.create_before_destroy
                {
                    // Record the intent before the call, so a crash between the
                    // call and its result never forgets what was created.
                    if op.change.action == Action::Create {
                        let pending = pending_state(&op);
                        intend(
                            state,
                            JournalEntry::SetResource {
                                address: op.address.clone(),
                                resource: pending,
                            },
                        );
                    }
                }
                if op.change.action == Action::Replace && op.change.create_before_destroy {
                    if let Some(old) = state.resources.get(&op.address).cloned() {
                        intend(
                            state,
                            JournalEntry::SetResource {
                                address: format!("{}{DEPOSED_SUFFIX}", op.address),
                                resource: old,
                            },
                        );
                    }
                    let pending = pending_state(&op);
                    intend(
                        state,
                        JournalEntry::SetResource {
                            address: op.address.clone(),
                            resource: pending,
                        },
                    );
                }
                to_start.push(op);
            }
        }
        start_batch(
            recorder,
            &mut intents,
            &mut to_start,
            &mut tasks,
            &mut outcome.diagnostics,
        );
        if done >= total {
            break;
        }
        // Wait for the next operation to finish.
        let Some(joined) = tasks.join_next().await else {
            // Nothing running and nothing ready: only possible if the graph is inconsistent.
            outcome.diagnostics.push(Diagnostic::error(
                "Apply stalled",
                "No operation is running and none is ready; this is a bug in stack.",
            ));
            break;
        };
        // Take every operation that has finished meanwhile as well, so that
        // the nodes they make ready start as one batch (one journal fsync).
        let mut finished = vec![joined];
        while let Some(more) = tasks.try_join_next() {
            finished.push(more);
        }
        for joined in finished {
            let result = match joined {
                Ok(result) => result,
                Err(err) => {
                    outcome.diagnostics.push(Diagnostic::error(
                        "Internal error",
                        format!("An apply task failed: {err}"),
                    ));
                    continue;
                }
            };
            let slot = result.node;
            let action = result.change.action;
            match &result.outcome {
                Ok(new) => {
                    outcome.succeeded += 1;
                    match new {
                        Some((value, private)) => {
                            let resource_state =
                                ready_state(&result.change, value, private.clone());
                            record(
                                state,
                                recorder,
                                JournalEntry::SetResource {
                                    address: result.address.clone(),
                                    resource: resource_state,
                                },
                                &mut outcome.diagnostics,
                            );
                            if let Ok(instance) = result.address.parse::<InstanceAddr>() {
                                instance_values
                                    .entry(slot)
                                    .or_default()
                                    .insert(instance.key, value.clone());
                            }
                        }
                        None => record(
                            state,
                            recorder,
                            JournalEntry::RemoveResource {
                                address: result.address.clone(),
                            },
                            &mut outcome.diagnostics,
                        ),
                    }
                    if action == Action::Replace && result.change.create_before_destroy {
                        record(
                            state,
                            recorder,
                            JournalEntry::RemoveResource {
                                address: format!("{}{DEPOSED_SUFFIX}", result.address),
                            },
                            &mut outcome.diagnostics,
                        );
                    }
                    // Reported only once recorded: a "complete" line on screen
                    // means the state has it, even if stack is killed right after.
                    events(ApplyEvent::Finished {
                        address: result.address.clone(),
                        action,
                        elapsed: result.elapsed,
                    });
                }
                Err(message) => {
                    events(ApplyEvent::Failed {
                        address: result.address.clone(),
                        action,
                        message: message.clone(),
                    });
                    outcome.diagnostics.push(Diagnostic::error(
                        format!("Failed to {} {}", verb(action), result.address),
                        message.clone(),
                    ));
                    // Keep whatever may exist: a failed create is recorded as tainted.
                    match action {
                        Action::Create => {
                            if let Some(mut r) = state.resources.get(&result.address).cloned() {
                                r.status = Status::Tainted;
                                record(
                                    state,
                                    recorder,
                                    JournalEntry::SetResource {
                                        address: result.address.clone(),
                                        resource: r,
                                    },
                                    &mut outcome.diagnostics,
                                );
                            }
                        }
                        Action::Replace
                            if result.old_destroyed || result.change.create_before_destroy =>
                        {
                            if let Some(mut r) = state.resources.get(&result.address).cloned() {
                                r.status = Status::Tainted;
                                record(
                                    state,
                                    recorder,
                                    JournalEntry::SetResource {
                                        address: result.address.clone(),
                                        resource: r,
                                    },
                                    &mut outcome.diagnostics,
                                );
                            }
                        }
                        _ => {}
                    }
                    failed_node[slot] = true;
                }
            }
            pending_ops[slot] -= 1;
            if pending_ops[slot] == 0 {
                if failed_node[slot] {
                    outcome.failed += 1;
                    mark_skipped(slot, &dependents, &mut skipped_node);
                } else {
                    complete_resource_node(
                        &mut walker,
                        ctx,
                        &nodes[slot],
                        slot,
                        &mut instance_values,
                    );
                }
                finish_node(slot, &mut done, &dependents, &mut waiting_on, &mut ready);
            }
        }
    }
    // Report what was skipped: after an interrupt, everything not started;
    // otherwise what depended on something that failed.
    let reason = if options.cancel.load(std::sync::atomic::Ordering::SeqCst) {
        SkipReason::Interrupted
    } else {
        SkipReason::DependencyFailed
    };
    for (slot, node) in nodes.iter().enumerate() {
        if skipped_node[slot] && !failed_node[slot] {
            let address = match node {
                SchedNode::Graph(index) => match ctx.graph.node(*index) {
                    Node::Resource(addr) => Some(addr.to_string()),
                    _ => None,
                },
                SchedNode::Delete(address) => Some(address.clone()),
            };
            if let Some(address) = address {
                if plan
                    .resource_changes
                    .iter()
                    .any(|c| c.address.starts_with(&address) && c.action.is_change())
                {
                    outcome.skipped += 1;
                    events(ApplyEvent::Skipped { address, reason });
                }
            }
        }
    }
    // Root outputs, unless something failed before they could be evaluated.
    if !plan.destroy {
        let root = ctx.config.root();
        for name in root.outputs.keys() {
            let node = Node::Output(Default::default(), name.clone());
            let skipped = ctx
                .graph
                .index
                .get(&node)
                .and_then(|i| graph_slot.get(i))
                .is_some_and(|&s| skipped_node[s] || failed_node[s]);
            if skipped {
                continue;
            }
            let mut diags = Diagnostics::new();
            let value = walker.eval_output(&Default::default(), name, &mut diags);
            outcome.diagnostics.extend(diags);
            if value.is_wholly_known() {
                let output = state::OutputState {
                    sensitive: value.contains_sensitive() || root.outputs[name].sensitive,
                    value: value.to_json(),
                };
                record(
                    state,
                    recorder,
                    JournalEntry::SetOutput {
                        name: name.clone(),
                        output,
                    },
                    &mut outcome.diagnostics,
                );
            }
        }
        let stale: Vec<String> = state
            .outputs
            .keys()
            .filter(|k| !root.outputs.contains_key(*k))
            .cloned()
            .collect();
        for name in stale {
            record(
                state,
                recorder,
                JournalEntry::RemoveOutput { name },
                &mut outcome.diagnostics,
            );
        }
    } else {
        let names: Vec<String> = state.outputs.keys().cloned().collect();
        for name in names {
            record(
                state,
                recorder,
                JournalEntry::RemoveOutput { name },
                &mut outcome.diagnostics,
            );
        }
    }
    outcome
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "destroy",
        Action::Read => "read",
        Action::NoOp => "refresh",
    }
}

fn operation_id(address: &str) -> String {
    // Unique per attempt, stable within it: the address plus a random suffix.
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let base: String = address
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    format!("stack-{base}-{suffix}")
}

fn stub_resource(address: &str, provider: &crate::config::ProviderRef) -> Resource {
    let addr = address
        .trim_end_matches(DEPOSED_SUFFIX)
        .parse::<InstanceAddr>()
        .map(|a| a.resource)
        .unwrap_or_else(|_| {
            ResourceAddr::new(
                Default::default(),
                ResourceMode::Managed,
                "unknown",
                "unknown",
            )
        });
    Resource {
        addr,
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
    }
}

fn pending_state(op: &Operation) -> ResourceState {
    let encoded = op.planned.as_ref().map(encode).unwrap_or_default();
    ResourceState {
        mode: Mode::Managed,
        resource_type: op.change.resource_type.clone(),
        provider: op.change.provider.clone(),
        status: Status::Pending {
            operation_id: op.operation_id.clone(),
        },
        attributes: encoded.json,
        sensitive_paths: encoded.sensitive,
        dependencies: op.change.dependencies.clone(),
        create_before_destroy: op.change.create_before_destroy,
        private: op.private.clone(),
    }
}

fn ready_state(
    change: &ResourceChange,
    value: &Value,
    private: Option<serde_json::Value>,
) -> ResourceState {
    let encoded = encode(value);
    ResourceState {
        mode: change.mode,
        resource_type: change.resource_type.clone(),
        provider: change.provider.clone(),
        status: Status::Ready,
        attributes: encoded.json,
        sensitive_paths: encoded.sensitive,
        dependencies: change.dependencies.clone(),
        create_before_destroy: change.create_before_destroy,
        private,
    }
}

fn mark_skipped(slot: usize, dependents: &[Vec<usize>], skipped: &mut [bool]) {
    let mut stack: Vec<usize> = dependents[slot].clone();
    while let Some(next) = stack.pop() {
        if !std::mem::replace(&mut skipped[next], true) {
            stack.extend(dependents[next].iter().copied());
        }
    }
}

fn finish_node(
    slot: usize,
    done: &mut usize,
    dependents: &[Vec<usize>],
    waiting_on: &mut [usize],
    ready: &mut VecDeque<usize>,
) {
    *done += 1;
    for &next in &dependents[slot] {
        waiting_on[next] -= 1;
        if waiting_on[next] == 0 {
            ready.push_back(next);
        }
    }
}

fn complete_resource_node(
    walker: &mut Walker<'_>,
    ctx: &Context,
    node: &SchedNode,
    slot: usize,
    instance_values: &mut HashMap<usize, BTreeMap<InstanceKey, Value>>,
) {
    let SchedNode::Graph(index) = node else {
        return;
    };
    let Node::Resource(addr) = ctx.graph.node(*index) else {
        return;
    };
    let Some(resource) = ctx.config.resource(addr) else {
        return;
    };
    let values = instance_values.remove(&slot).unwrap_or_default();
    let expansion = match expand(walker, resource) {
        Ok(e) => e,
        Err(_) => return,
    };
    walker.set_resource_value(addr, resource_value(&expansion, &values));
}

/// Re-evaluates a resource's instances with what is known now and turns
/// their planned changes into operations. Instances without a change take
/// their values from state.
async fn prepare_resource(
    walker: &mut Walker<'_>,
    ctx: &Context,
    addr: &ResourceAddr,
    changes: &[&ResourceChange],
    state: &State,
    slot: usize,
) -> Result<(Vec<Operation>, BTreeMap<InstanceKey, Value>), Diagnostics> {
    let mut values = BTreeMap::new();
    let mut operations = Vec::new();
    let Some(resource) = ctx.config.resource(addr) else {
        return Ok((operations, values));
    };
    let by_address: HashMap<&str, &ResourceChange> =
        changes.iter().map(|c| (c.address.as_str(), *c)).collect();
    let state_value = |address: &str| state.resources.get(address).map(encoding::from_state);
    let needs_provider = changes.iter().any(|c| c.action.is_change());
    if !needs_provider {
        // Nothing to do: expressions see what state (or the plan-time read) says.
        let expansion = expand(walker, resource).map_err(Diagnostics::from)?;
        for key in expansion.keys() {
            let address = addr.instance(key.clone()).to_string();
            let value = by_address
                .get(address.as_str())
                .and_then(|c| c.after_value())
                .or_else(|| state_value(&address))
                .unwrap_or(Value::Unknown);
            values.insert(key, value);
        }
        return Ok((operations, values));
    }
    let provider = walker
        .provider_for(&resource.provider, resource)
        .await
        .map_err(Diagnostics::from)?;
    let schemas = match addr.mode {
        ResourceMode::Managed => &provider.schema().resources,
        ResourceMode::Data => &provider.schema().data_sources,
    };
    let Some(schema) = schemas.get(addr.resource_type.as_str()).cloned() else {
        return Err(Diagnostic::error(
            "Invalid resource type",
            format!("{} is not supported by its provider.", addr),
        )
        .into());
    };
    let expansion = expand(walker, resource).map_err(Diagnostics::from)?;
    let mut diags = Diagnostics::new();
    for key in expansion.keys() {
        let instance = addr.instance(key.clone());
        let address = instance.to_string();
        let Some(change) = by_address.get(address.as_str()).copied() else {
            if let Some(v) = state_value(&address) {
                values.insert(key, v);
            }
            continue;
        };
        match change.action {
            Action::NoOp => {
                let value = change
                    .after_value()
                    .or_else(|| state_value(&address))
                    .unwrap_or(Value::Unknown);
                values.insert(key, value);
                if change.mode == Mode::Data {
                    // A plan-time read is recorded in state at apply.
                    operations.push(Operation {
                        node: slot,
                        address,
                        change: ResourceChange {
                            action: Action::NoOp,
                            ..change.clone()
                        },
                        provider: provider.clone(),
                        prior: None,
                        planned: change.after_value(),
                        config: None,
                        private: None,
                        operation_id: String::new(),
                    });
                }
            }
            Action::Delete => operations.push(Operation {
                node: slot,
                address: address.clone(),
                change: change.clone(),
                provider: provider.clone(),
                prior: state_value(&address).or_else(|| change.before_value()),
                planned: None,
                config: None,
                private: change.private.clone(),
                operation_id: operation_id(&address),
            }),
            Action::Create | Action::Update | Action::Replace | Action::Read => {
                let scope = walker.instance_scope(resource, &key, expansion.each_value(&key));
                let config = eval_body(
                    &resource.body,
                    &schema,
                    &scope,
                    BodyKind::Resource,
                    &format!("the {} block", addr),
                    resource.span.clone(),
                    &mut diags,
                );
                let configuration = if resource.provisioners.is_empty() {
                    None
                } else {
                    walker.stack_configuration(&mut diags)
                };
                let config = crate::body::attach_provisioners(
                    config,
                    resource,
                    &schema,
                    &scope,
                    configuration.as_ref(),
                    &mut diags,
                );
                let prior = state_value(&address);
                let planned = if change.action == Action::Read {
                    None
                } else {
                    let prior_for_plan = if change.action == Action::Update {
                        prior.as_ref()
                    } else {
                        None
                    };
                    let response = provider.plan(PlanRequest {
                        type_name: &addr.resource_type,
                        prior: prior_for_plan,
                        config: &config,
                        prior_private: if change.action == Action::Update {
                            change.private.as_ref()
                        } else {
                            None
                        },
                    });
                    diags.extend(response.diagnostics);
                    if let Some(planned_then) = change.after_value() {
                        if !conforms(&response.planned, &planned_then) {
                            diags.push(Diagnostic::error(
                                "Provider produced inconsistent final plan",
                                format!("When applying changes to {address}, the final value differs from the one in the plan in a part that was already known. This is a bug in the provider; re-plan and apply again."),
                            ));
                        }
                    }
                    Some(response.planned)
                };
                operations.push(Operation {
                    node: slot,
                    address: address.clone(),
                    change: change.clone(),
                    provider: provider.clone(),
                    prior,
                    planned,
                    config: Some(config),
                    private: change.private.clone(),
                    operation_id: operation_id(&address),
                });
            }
        }
    }
    // Instances removed by a smaller count/for_each are deleted in this node.
    for change in changes {
        if change.action == Action::Delete
            && !operations.iter().any(|o| o.address == change.address)
        {
            operations.push(Operation {
                node: slot,
                address: change.address.clone(),
                change: (*change).clone(),
                provider: provider.clone(),
                prior: state_value(&change.address).or_else(|| change.before_value()),
                planned: None,
                config: None,
                private: change.private.clone(),
                operation_id: operation_id(&change.address),
            });
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((operations, values))
}

/// True when every known part of `then` equals the same part of `now`.
fn conforms(now: &Value, then: &Value) -> bool {
    match (now.peel(), then.peel()) {
        (_, Value::Unknown) => true,
        (Value::Map(a), Value::Map(b)) => b
            .iter()
            .all(|(k, v)| conforms(a.get(k).unwrap_or(&Value::Null), v)),
        // A set planned with unknown elements may gain or lose elements once
        // they are known (two unknowns can be equal), so only its known
        // elements must still be there.
        (Value::Set(a), Value::Set(b)) if !b.iter().all(Value::is_wholly_known) => b
            .iter()
            .filter(|y| y.is_wholly_known())
            .all(|y| a.iter().any(|x| values_equal(x, y))),
        (Value::List(a) | Value::Set(a), Value::List(b) | Value::Set(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| conforms(x, y))
        }
        (x, y) => values_equal(x, y),
    }
}

async fn run_operation(op: Operation, events: EventSink) -> OperationResult {
    let started = Instant::now();
    let progress_address = op.address.clone();
    let progress_events = events.clone();
    let progress: crate::provider::ProgressSink = Arc::new(move |message: &str| {
        progress_events(ApplyEvent::Progress {
            address: progress_address.clone(),
            message: message.to_string(),
        })
    });
    let type_name = op.change.resource_type.clone();
    let mut old_destroyed = false;
    let provider = op.provider.clone();
    let call = |prior: Option<Value>,
                planned: Option<Value>,
                config: Option<Value>,
                private: Option<serde_json::Value>,
                id: String| {
        let provider = provider.clone();
        let type_name = type_name.clone();
        let progress = progress.clone();
        async move {
            provider
                .apply(ApplyRequest {
                    type_name: &type_name,
                    prior: prior.as_ref(),
                    planned: planned.as_ref(),
                    config: config.as_ref(),
                    planned_private: private.as_ref(),
                    operation_id: &id,
                    progress: Some(progress),
                })
                .await
        }
    };
    let finish = |response: Result<
        crate::provider::ApplyResponse,
        crate::provider::ProviderError,
    >|
     -> Result<Option<(Value, Option<serde_json::Value>)>, String> {
        match response {
            Ok(r) if r.diagnostics.has_errors() => Err(r.diagnostics.to_string()),
            Ok(r) => match r.new_state {
                Some(v) if !v.is_wholly_known() => Err(
                    "The provider left values unknown after apply; this is a bug in the provider."
                        .to_string(),
                ),
                Some(v) => Ok(Some((v, r.private))),
                None => Ok(None),
            },
            Err(e) => Err(e.message),
        }
    };
    let outcome = match op.change.action {
        Action::NoOp => Ok(op.planned.clone().map(|v| (v, None))),
        Action::Read => {
            let config = op.config.clone().unwrap_or(Value::Null);
            match op
                .provider
                .read_data(ReadDataRequest {
                    type_name: &type_name,
                    config: &config,
                })
                .await
            {
                Ok(r) if r.diagnostics.has_errors() => Err(r.diagnostics.to_string()),
                Ok(r) => Ok(r.new_state.map(|v| (v, None))),
                Err(e) => Err(e.message),
            }
        }
        Action::Create | Action::Update => {
            let prior = if op.change.action == Action::Update {
                op.prior.clone()
            } else {
                None
            };
            finish(
                call(
                    prior,
                    op.planned.clone(),
                    op.config.clone(),
                    op.private.clone(),
                    op.operation_id.clone(),
                )
                .await,
            )
        }
        Action::Delete => finish(
            call(
                op.prior.clone(),
                None,
                None,
                op.private.clone(),
                op.operation_id.clone(),
            )
            .await,
        ),
        Action::Replace if op.change.create_before_destroy => {
            (progress)("Creating replacement (create before destroy)");
            match finish(
                call(
                    None,
                    op.planned.clone(),
                    op.config.clone(),
                    op.private.clone(),
                    op.operation_id.clone(),
                )
                .await,
            ) {
                Ok(new) => {
                    (progress)("Replacement created; destroying the old object");
                    match finish(call(op.prior.clone(), None, None, op.change.private.clone(), format!("{}-old", op.operation_id)).await) {
                        Ok(_) => {
                            (progress)("Old object destroyed");
                            Ok(new)
                        }
                        Err(e) => Err(format!("The replacement was created, but destroying the old object failed: {e}")),
                    }
                }
                Err(e) => Err(e),
            }
        }
        Action::Replace => {
            (progress)("Destroying the old object");
            match finish(
                call(
                    op.prior.clone(),
                    None,
                    None,
                    op.change.private.clone(),
                    format!("{}-old", op.operation_id),
                )
                .await,
            ) {
                Ok(_) => {
                    old_destroyed = true;
                    (progress)("Old object destroyed; creating the replacement");
                    finish(
                        call(
                            None,
                            op.planned.clone(),
                            op.config.clone(),
                            op.private.clone(),
                            op.operation_id.clone(),
                        )
                        .await,
                    )
                }
                Err(e) => Err(e),
            }
        }
    };
    OperationResult {
        node: op.node,
        address: op.address,
        change: op.change,
        elapsed: started.elapsed(),
        outcome,
        old_destroyed,
    }
}
