//! Turning a resource block's planned changes into operations, once the
//! values it depends on are known.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use state::{Mode, State, Status};

use crate::addrs::{InstanceKey, ObjectAddr, ResourceAddr, ResourceMode};
use crate::config::Resource;
use crate::context::{expand, Walker};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::encoding;
use crate::plan::{plan_instance, Action, ResourceChange};
use crate::provider::{values_equal, Provider, Schema};
use crate::value::Value;

use super::operation::{new_operation_id, Call, Operation};

pub struct Prepared {
    pub operations: Vec<Operation>,
    /// The value each instance has in expressions until its operation ends.
    pub values: BTreeMap<InstanceKey, Value>,
}

/// Re-evaluates a resource's instances with what is known now and turns
/// their planned creates, updates and reads into operations (deletions are
/// steps of their own). Instances without a change take their values from
/// the plan or state.
pub async fn prepare(
    walker: &mut Walker<'_>,
    addr: &ResourceAddr,
    changes: &[&ResourceChange],
    state: &State,
    step: usize,
) -> Result<Prepared, Diagnostics> {
    let mut prepared = Prepared {
        operations: Vec::new(),
        values: BTreeMap::new(),
    };
    let Some(block) = walker.ctx.config.resource(addr) else {
        return Ok(prepared);
    };
    let resource = &*crate::context::resource_view(block, addr);
    let by_address: HashMap<&str, &ResourceChange> =
        changes.iter().map(|c| (c.address.as_str(), *c)).collect();
    let expansion = expand(walker, resource).map_err(Diagnostics::from)?;
    if !changes
        .iter()
        .any(|c| c.action.is_change() || needs_record(c, state))
    {
        // Nothing to do: expressions see what the plan or state says.
        for key in expansion.keys() {
            let address = addr.instance(key.clone()).to_string();
            let value = known_value(by_address.get(address.as_str()).copied(), state, &address);
            prepared.values.insert(key, value);
        }
        return Ok(prepared);
    }
    let provider = walker
        .provider_for(&resource.provider, resource)
        .await
        .map_err(Diagnostics::from)?;
    let schema = schema_of(&provider, addr)?;
    let instance = InstancePrep {
        resource,
        provider: &provider,
        state,
        step,
    };
    let mut diags = Diagnostics::new();
    for key in expansion.keys() {
        let address = addr.instance(key.clone()).to_string();
        let Some(change) = by_address.get(address.as_str()).copied() else {
            if let Some(v) = state.resources.get(&address).map(encoding::from_state) {
                prepared.values.insert(key, v);
            }
            continue;
        };
        let scope = walker.instance_scope(resource, &key, expansion.each_value(&key));
        let config = || walker.instance_config(resource, &schema, &scope, &mut diags);
        prepared
            .values
            .insert(key, known_value(Some(change), state, &address));
        if let Some(op) = instance.operation(change, config) {
            prepared.operations.push(op?);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(prepared)
}

fn schema_of(provider: &Arc<dyn Provider>, addr: &ResourceAddr) -> Result<Schema, Diagnostics> {
    let schemas = match addr.mode {
        ResourceMode::Managed => &provider.schema().resources,
        ResourceMode::Data => &provider.schema().data_sources,
    };
    schemas
        .get(addr.resource_type.as_str())
        .cloned()
        .ok_or_else(|| {
            Diagnostic::error(
                "Invalid resource type",
                format!("{addr} is not supported by its provider."),
            )
            .into()
        })
}

/// The value an instance has before its operation ends.
fn known_value(change: Option<&ResourceChange>, state: &State, address: &str) -> Value {
    change
        .filter(|c| c.action != Action::Delete)
        .and_then(ResourceChange::after_value)
        .or_else(|| state.resources.get(address).map(encoding::from_state))
        .unwrap_or(Value::Unknown)
}

/// A managed instance with no change still needs its state written when
/// refresh found something state does not say: an object adopted after an
/// interrupted create, or values changed outside stack. Data sources read
/// at plan time are always recorded.
fn needs_record(change: &ResourceChange, state: &State) -> bool {
    if change.action != Action::NoOp {
        return false;
    }
    if change.mode == Mode::Data {
        return true;
    }
    match state.resources.get(&change.address) {
        Some(current) => {
            current.status != Status::Ready || Some(&current.attributes) != change.after.as_deref()
        }
        None => change.after.is_some(),
    }
}

struct InstancePrep<'p> {
    resource: &'p Resource,
    provider: &'p Arc<dyn Provider>,
    state: &'p State,
    step: usize,
}

impl InstancePrep<'_> {
    /// The operation for one instance's change, if it has one.
    fn operation(
        &self,
        change: &ResourceChange,
        config: impl FnOnce() -> Value,
    ) -> Option<Result<Operation, Diagnostics>> {
        let call = match change.action {
            Action::Create | Action::Replace => Call::Create,
            Action::Update => Call::Update,
            Action::Read => Call::Read,
            Action::NoOp if needs_record(change, self.state) => Call::Record,
            Action::NoOp | Action::Delete | Action::Forget => return None,
        };
        let config = match call {
            Call::Record => None,
            _ => Some(config()),
        };
        let planned = match call {
            Call::Create | Call::Update => match self.final_plan(change, call, config.as_ref()?) {
                Ok(planned) => Some(planned),
                Err(d) => return Some(Err(d)),
            },
            _ => change.after_value(),
        };
        Some(Ok(self.build(change, call, config, planned)))
    }

    fn build(
        &self,
        change: &ResourceChange,
        call: Call,
        config: Option<Value>,
        planned: Option<Value>,
    ) -> Operation {
        let address = &change.address;
        let object: ObjectAddr = address.parse().unwrap_or_else(|_| {
            ObjectAddr::current(self.resource.addr.instance(InstanceKey::None))
        });
        let current = self.state.resources.get(address);
        Operation {
            step: self.step,
            object,
            call,
            change: change.clone(),
            provider: self.provider.clone(),
            prior: self.prior(change),
            planned,
            config,
            private: match call {
                Call::Record => current.and_then(|r| r.private.clone()),
                _ => change.private.clone(),
            },
            operation_id: self.operation_id(change, call),
            intents: Vec::new(),
            provisioners: Vec::new(),
            earlier: std::time::Duration::ZERO,
        }
    }

    /// The object as the plan saw it after refresh (an object adopted by
    /// its operation id is not in state yet), else as state records it.
    fn prior(&self, change: &ResourceChange) -> Option<Value> {
        change.before_value().or_else(|| {
            self.state
                .resources
                .get(&change.address)
                .map(encoding::from_state)
        })
    }

    /// A create continues the pending intent left in state by an earlier
    /// run, so that its idempotency token is the same as that run's; a
    /// replacement of what that run made (adopted, but never provisioned)
    /// is a new create with a new token.
    fn operation_id(&self, change: &ResourceChange, call: Call) -> String {
        let address = &change.address;
        match self.state.resources.get(address).map(|r| &r.status) {
            Some(Status::Pending { operation_id })
                if call == Call::Create && change.action == Action::Create =>
            {
                operation_id.clone()
            }
            _ => new_operation_id(address),
        }
    }

    /// Asks the provider again now that more values are known; what the
    /// plan already knew must not change.
    fn final_plan(
        &self,
        change: &ResourceChange,
        call: Call,
        config: &Value,
    ) -> Result<Value, Diagnostics> {
        let prior = (call == Call::Update).then(|| self.prior(change)).flatten();
        let private = (call == Call::Update)
            .then_some(change.private.as_ref())
            .flatten();
        let response = plan_instance(
            self.provider,
            &self.resource.addr.resource_type,
            prior.as_ref(),
            private,
            config,
        );
        let mut diags = response.diagnostics;
        if let Some(planned_then) = change.after_value() {
            if !conforms(&response.planned, &planned_then) {
                diags.push(Diagnostic::error(
                    "Provider produced inconsistent final plan",
                    format!("When applying changes to {}, the final value differs from the one in the plan in a part that was already known. This is a bug in the provider; re-plan and apply again.", change.address),
                ));
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(response.planned)
    }
}

/// True when every known part of `then` equals the same part of `now`.
pub fn conforms(now: &Value, then: &Value) -> bool {
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
