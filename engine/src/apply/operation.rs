//! One provider call of an apply, and the state records around it.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use state::{JournalEntry, Mode, ResourceState, Status};

use crate::addrs::ObjectAddr;
use crate::diagnostics::Diagnostic;
use crate::encoding::encode;
use crate::plan::{Action, ResourceChange};
use crate::provider::{
    ApplyRequest, ApplyResponse, Provider, ProviderError, ReadDataRequest, ReadResponse,
};
use crate::provisioner::LocalExec;
use crate::value::Value;

use super::{local_exec, ApplyEvent, EventSink};

/// What one operation asks of its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Creates an object: a create, or the create half of a replacement.
    Create,
    Update,
    /// Deletes an object: a deletion, or the destroy half of a replacement.
    Delete,
    /// Reads a data source whose arguments became known during the apply.
    Read,
    /// Records a value that is already known (a plan-time data source read,
    /// an object found after an interrupted create): no provider call.
    Record,
    /// Runs a created object's `local-exec` provisioners, once the create
    /// is recorded: no provider call.
    Provision,
}

impl Call {
    /// The action shown while it runs.
    pub fn action(self) -> Action {
        match self {
            Call::Create => Action::Create,
            Call::Update => Action::Update,
            Call::Delete => Action::Delete,
            Call::Read => Action::Read,
            Call::Record => Action::NoOp,
            Call::Provision => Action::Create,
        }
    }
}

/// One provider call for one object.
pub struct Operation {
    pub step: usize,
    pub object: ObjectAddr,
    pub call: Call,
    pub change: ResourceChange,
    pub provider: Arc<dyn Provider>,
    pub prior: Option<Value>,
    pub planned: Option<Value>,
    pub config: Option<Value>,
    pub private: Option<serde_json::Value>,
    pub operation_id: String,
    /// Journal entries that must be durable before the call is sent.
    pub intents: Vec<JournalEntry>,
    /// `local-exec` provisioners: run before a delete's call (destroy-time
    /// ones), or as the whole of a `Provision` (create-time ones).
    pub provisioners: Vec<LocalExec>,
    /// Time already spent on the object (the create before its provisioners).
    pub earlier: Duration,
}

impl Operation {
    /// What progress lines call the object.
    pub fn label(&self) -> String {
        self.object.describe()
    }
}

/// A successful call's new object (`None` after a delete) and private data.
pub type NewObject = Option<(Value, Option<serde_json::Value>)>;

pub struct OperationResult {
    pub step: usize,
    pub object: ObjectAddr,
    pub call: Call,
    pub change: ResourceChange,
    pub elapsed: Duration,
    pub outcome: Result<NewObject, ProviderError>,
    /// The provider, for an operation that follows this one (provisioning).
    pub provider: Arc<dyn Provider>,
    /// The error to report instead of the generic one (a provisioner's).
    pub diagnostic: Option<Diagnostic>,
}

pub async fn run_operation(
    op: Operation,
    events: EventSink,
    cancel: Arc<AtomicBool>,
) -> OperationResult {
    let started = Instant::now();
    let mut diagnostic = None;
    let provisioned = match op.call {
        Call::Delete | Call::Provision => {
            local_exec::run_all(&op.provisioners, &op.label(), &events, &cancel).await
        }
        _ => Ok(()),
    };
    let outcome = match (op.call, provisioned) {
        // A failed create-time provisioner leaves the object there (tainted);
        // a failed destroy-time one stops the destroy (the object stays).
        (_, Err(failure)) => {
            let mut error = ProviderError::new(failure.message.clone());
            if op.call == Call::Provision {
                error.partial_state = op.planned.clone();
            }
            diagnostic = Some(failure.diagnostic(&op.label()));
            Err(error)
        }
        (Call::Record | Call::Provision, Ok(())) => {
            Ok(op.planned.clone().map(|v| (v, op.private.clone())))
        }
        (Call::Read, Ok(())) => read_data(&op).await,
        (Call::Create | Call::Update | Call::Delete, Ok(())) => call_apply(&op, events).await,
    };
    OperationResult {
        step: op.step,
        object: op.object,
        call: op.call,
        change: op.change,
        elapsed: op.earlier + started.elapsed(),
        outcome,
        provider: op.provider,
        diagnostic,
    }
}

async fn read_data(op: &Operation) -> Result<NewObject, ProviderError> {
    let config = op.config.clone().unwrap_or(Value::Null);
    let response = op
        .provider
        .read_data(ReadDataRequest {
            type_name: &op.change.resource_type,
            config: &config,
        })
        .await;
    match response {
        Ok(ReadResponse {
            diagnostics,
            new_state,
        }) => {
            if diagnostics.has_errors() {
                Err(ProviderError::new(diagnostics.to_string()))
            } else {
                Ok(new_state.map(|v| (v, None)))
            }
        }
        Err(e) => Err(e),
    }
}

async fn call_apply(op: &Operation, events: EventSink) -> Result<NewObject, ProviderError> {
    let label = op.label();
    let progress: crate::provider::ProgressSink = Arc::new(move |message: &str| {
        events(ApplyEvent::Progress {
            address: label.clone(),
            message: message.to_string(),
        })
    });
    let (prior, planned, config) = match op.call {
        Call::Create => (None, op.planned.as_ref(), op.config.as_ref()),
        Call::Update => (op.prior.as_ref(), op.planned.as_ref(), op.config.as_ref()),
        _ => (op.prior.as_ref(), None, None),
    };
    let response = op
        .provider
        .apply(ApplyRequest {
            type_name: &op.change.resource_type,
            prior,
            planned,
            config,
            planned_private: op.private.as_ref(),
            operation_id: &op.operation_id,
            progress: Some(progress),
        })
        .await;
    check_response(response)
}

fn check_response(
    response: Result<ApplyResponse, ProviderError>,
) -> Result<NewObject, ProviderError> {
    let response = response?;
    if response.diagnostics.has_errors() {
        return Err(ProviderError::new(response.diagnostics.to_string()));
    }
    match response.new_state {
        Some(v) if !v.is_wholly_known() => Err(ProviderError::new(
            "The provider left values unknown after apply; this is a bug in the provider.",
        )),
        Some(v) => Ok(Some((v, response.private))),
        None => Ok(None),
    }
}

/// A new operation id: unique per create intent, reused by every retry and
/// re-run of that intent (the caller looks for a pending one first).
/// It carries the time it was made (seconds since the epoch, in hex), so
/// that reconciling can tell how long ago the create may have been sent.
pub fn new_operation_id(address: &str) -> String {
    let base: String = address
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    format!("stack-{base}-{:x}-{}", unix_now(), random_hex(6))
}

/// When an operation id was made, if it says (older ids do not).
pub fn operation_time(operation_id: &str) -> Option<u64> {
    let mut parts = operation_id.rsplit('-');
    let _random = parts.next()?;
    let time = parts.next()?;
    // An older id's part before the random one is the address, never a
    // plausible time: require the length of a hex timestamp.
    (time.len() == 8)
        .then(|| u64::from_str_radix(time, 16).ok())
        .flatten()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // Without OS randomness the id is still unique enough per address and
    // run for a token: fall back to the clock rather than fail the apply.
    if getrandom::fill(&mut buffer).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        buffer = nanos.to_le_bytes()[..bytes.min(16)].to_vec();
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record of a create about to be sent: the planned value and the
/// operation id, so that the next run can find the object if this one dies.
pub fn pending_state(op: &Operation) -> ResourceState {
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

/// The record of an object as a provider returned it.
pub fn object_state(
    change: &ResourceChange,
    value: &Value,
    private: Option<serde_json::Value>,
    status: Status,
) -> ResourceState {
    let encoded = encode(value);
    ResourceState {
        mode: change.mode,
        resource_type: change.resource_type.clone(),
        provider: change.provider.clone(),
        status,
        attributes: encoded.json,
        sensitive_paths: encoded.sensitive,
        dependencies: change.dependencies.clone(),
        create_before_destroy: change.create_before_destroy,
        private,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_carry_the_time_they_were_made() {
        let id = new_operation_id("aws_vpc.main");
        assert!(id.starts_with("stack-awsvpcmain-"), "{id}");
        let made = operation_time(&id).unwrap();
        assert!(unix_now().abs_diff(made) < 5);
        assert_eq!(operation_time("stack-awsvpcmain-7cb8f8e43eceb02e"), None);
    }
}
