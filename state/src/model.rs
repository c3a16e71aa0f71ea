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

/// Why a change to one state entry by hand (`stack taint`, `untaint`,
/// `state rm`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the state has no resource instance {0}")]
    NoSuchInstance(String),
    #[error("{0} is a data source; only managed resources can be tainted")]
    DataSource(String),
    #[error("{0} is not tainted")]
    NotTainted(String),
    #[error("{0} has an unfinished create; the next plan reconciles it, so it cannot be tainted or untainted by hand")]
    Unfinished(String),
    #[error("the state already has {0}; move or remove it first")]
    Occupied(String),
}

impl State {
    /// Marks an object to be replaced on the next apply, as `terraform taint` does.
    pub fn taint(&mut self, address: &str) -> Result<(), EditError> {
        let resource = self.entry_mut(address)?;
        match (&resource.mode, &resource.status) {
            (Mode::Data, _) => Err(EditError::DataSource(address.to_string())),
            (_, Status::Pending { .. }) => Err(EditError::Unfinished(address.to_string())),
            _ => {
                resource.status = Status::Tainted;
                Ok(())
            }
        }
    }

    /// Takes back a taint: the object is kept as it is.
    pub fn untaint(&mut self, address: &str) -> Result<(), EditError> {
        let resource = self.entry_mut(address)?;
        match resource.status {
            Status::Tainted => {
                resource.status = Status::Ready;
                Ok(())
            }
            Status::Pending { .. } => Err(EditError::Unfinished(address.to_string())),
            Status::Ready => Err(EditError::NotTainted(address.to_string())),
        }
    }

    /// Forgets objects without touching them, as `terraform state rm` does:
    /// every instance at `address` or below it (`aws_instance.web` takes
    /// `aws_instance.web[0]` and its deposed objects too). Returns what was
    /// removed.
    pub fn remove(&mut self, address: &str) -> Result<Vec<String>, EditError> {
        let matching: Vec<String> = self
            .resources
            .keys()
            .filter(|key| covers(address, key))
            .cloned()
            .collect();
        if matching.is_empty() {
            return Err(EditError::NoSuchInstance(address.to_string()));
        }
        for key in &matching {
            self.resources.remove(key);
        }
        Ok(matching)
    }

    /// Renames objects without touching them, as `terraform state mv`
    /// does: `from` may be an instance or a resource (then every instance
    /// and deposed object moves, keeping its key). Refuses to overwrite.
    pub fn move_objects(
        &mut self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String)>, EditError> {
        let moves: Vec<(String, String)> = self
            .resources
            .keys()
            .filter(|key| covers(from, key))
            .map(|key| (key.clone(), format!("{to}{}", &key[from.len()..])))
            .collect();
        if moves.is_empty() {
            return Err(EditError::NoSuchInstance(from.to_string()));
        }
        if let Some((_, taken)) = moves.iter().find(|(_, to)| self.resources.contains_key(to)) {
            return Err(EditError::Occupied(taken.clone()));
        }
        for (old, new) in &moves {
            if let Some(resource) = self.resources.remove(old) {
                self.resources.insert(new.clone(), resource);
            }
        }
        Ok(moves)
    }

    fn entry_mut(&mut self, address: &str) -> Result<&mut ResourceState, EditError> {
        self.resources
            .get_mut(address)
            .ok_or_else(|| EditError::NoSuchInstance(address.to_string()))
    }
}

/// True when the state key `key` is the object at `address` or one of its
/// instances or deposed objects.
fn covers(address: &str, key: &str) -> bool {
    match key.strip_prefix(address) {
        Some(rest) => rest.is_empty() || rest.starts_with('[') || rest.starts_with('#'),
        None => false,
    }
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    fn state_with(keys: &[(&str, Status)]) -> State {
        let mut state = State::new("l".to_string());
        for (key, status) in keys {
            state.resources.insert(
                key.to_string(),
                ResourceState {
                    mode: Mode::Managed,
                    resource_type: "aws_vpc".to_string(),
                    provider: "provider.aws".to_string(),
                    status: status.clone(),
                    attributes: serde_json::json!({"id": "vpc-1"}),
                    sensitive_paths: Vec::new(),
                    dependencies: Vec::new(),
                    create_before_destroy: false,
                    private: None,
                },
            );
        }
        state
    }

    #[test]
    fn taint_and_untaint_round_trip_and_refuse_what_does_not_fit() {
        let mut state = state_with(&[
            ("aws_vpc.a", Status::Ready),
            (
                "aws_vpc.p",
                Status::Pending {
                    operation_id: "op".to_string(),
                },
            ),
        ]);
        state.taint("aws_vpc.a").unwrap();
        assert_eq!(state.resources["aws_vpc.a"].status, Status::Tainted);
        state.untaint("aws_vpc.a").unwrap();
        assert_eq!(state.resources["aws_vpc.a"].status, Status::Ready);
        assert_eq!(
            state.untaint("aws_vpc.a"),
            Err(EditError::NotTainted("aws_vpc.a".into()))
        );
        assert!(matches!(
            state.taint("aws_vpc.p"),
            Err(EditError::Unfinished(_))
        ));
        assert!(matches!(
            state.taint("aws_vpc.zzz"),
            Err(EditError::NoSuchInstance(_))
        ));
    }

    #[test]
    fn move_renames_every_instance_and_refuses_to_overwrite() {
        let mut state = state_with(&[
            ("aws_vpc.a[0]", Status::Ready),
            ("aws_vpc.a[1]", Status::Ready),
            ("aws_vpc.b", Status::Ready),
        ]);
        let moved = state
            .move_objects("aws_vpc.a", "module.net.aws_vpc.main")
            .unwrap();
        assert_eq!(moved.len(), 2);
        assert_eq!(
            state.resources.keys().collect::<Vec<_>>(),
            [
                "aws_vpc.b",
                "module.net.aws_vpc.main[0]",
                "module.net.aws_vpc.main[1]"
            ]
        );
        assert_eq!(
            state.move_objects("aws_vpc.b", "module.net.aws_vpc.main[0]"),
            Err(EditError::Occupied("module.net.aws_vpc.main[0]".into()))
        );
        assert!(
            state.resources.contains_key("aws_vpc.b"),
            "nothing moved on refusal"
        );
    }

    #[test]
    fn remove_takes_instances_and_deposed_objects_but_not_similar_names() {
        let mut state = state_with(&[
            ("aws_vpc.a[0]", Status::Ready),
            ("aws_vpc.a[1]#deposed:12ab", Status::Ready),
            ("aws_vpc.ab", Status::Ready),
        ]);
        let removed = state.remove("aws_vpc.a").unwrap();
        assert_eq!(removed, ["aws_vpc.a[0]", "aws_vpc.a[1]#deposed:12ab"]);
        assert_eq!(state.resources.keys().collect::<Vec<_>>(), ["aws_vpc.ab"]);
        assert!(state.remove("aws_vpc.a").is_err());
    }
}
