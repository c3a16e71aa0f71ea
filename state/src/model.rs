//! The state model: what `stack` knows about the real world after its last
//! operation. These are plain data types; the file format (versioning,
//! sealing of secrets) lives in `format`, storage in `backend`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One step of a path into an attribute value, used to say which parts of a
/// value are sensitive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

pub type AttrPath = Vec<PathStep>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Managed,
    Data,
}

/// Where a resource instance is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// Created and recorded.
    Ready,
    /// Created, but the create or a later step failed: replace on next apply.
    Tainted,
    /// A create call was sent and its outcome is not yet recorded. The
    /// operation id was the call's idempotency token, so the next run finds
    /// the object instead of creating it again.
    Pending { operation_id: String },
}

/// One resource instance, keyed in [`State::resources`] by its canonical
/// address (`aws_instance.web[0]`, `module.app.random_id.x["a"]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub mode: Mode,
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The provider configuration address, e.g. `provider.aws` or `provider.aws.west`.
    pub provider: String,
    #[serde(flatten)]
    pub status: Status,
    /// Attribute values in clear, in memory; the file format seals the
    /// sensitive ones.
    pub attributes: serde_json::Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<AttrPath>,
    /// Addresses of the resources this one depended on when last applied;
    /// they order its destruction after it has left the configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Provider-private data (e.g. a provisioner script's sha1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// The whole state of one workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Random id fixed when the state is first created; a state with another
    /// lineage is never overwritten.
    pub lineage: String,
    /// Incremented on every write.
    pub serial: u64,
    pub resources: BTreeMap<String, ResourceState>,
    pub outputs: BTreeMap<String, OutputState>,
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new(lineage: String) -> State {
        State {
            lineage,
            serial: 0,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty()
    }
}
