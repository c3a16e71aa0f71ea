//! Saved plans (`stack plan --out FILE`): the file format, and the checks
//! that bind a saved plan to the state and templates it was made from.
//!
//! The file is the plan's JSON with every sensitive value sealed by the key
//! that seals the state, so a plan can be kept as a CI artifact without
//! leaking secrets. Its format is versioned by [`PLAN_FORMAT_VERSION`]. This
//! module works on bytes; the binary reads and writes the file.

use state::{PathStep, Sealer, State};

use crate::plan::{Plan, PLAN_FORMAT_VERSION};

/// Why a saved plan cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    #[error("it is not a stack plan file: {0}")]
    NotAPlan(String),
    #[error("it has plan format version {found}, but this stack reads version {PLAN_FORMAT_VERSION}. Make the plan again with this stack")]
    Version { found: u64 },
    #[error("{0}")]
    Seal(String),
}

/// Why a saved plan may not be applied to the current state and templates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error("The plan was made for workspace \"{planned}\", not \"{current}\".")]
    Workspace { planned: String, current: String },
    #[error("The plan was made against a state that no longer exists. Make a new plan.")]
    StateGone,
    #[error("The plan was made against state {planned_lineage} serial {planned_serial}, but the state is now {lineage} serial {serial}: something was applied (or recovered) since. A plan applies at most once; make a new plan.")]
    Stale {
        planned_lineage: String,
        planned_serial: u64,
        lineage: String,
        serial: u64,
    },
    #[error("The templates changed since the plan was made. Make a new plan with the current templates.")]
    Templates,
}

impl BindingError {
    /// The diagnostic's summary.
    pub fn summary(&self) -> &'static str {
        match self {
            BindingError::Workspace { .. } => "Saved plan is for another workspace",
            BindingError::StateGone | BindingError::Stale { .. } => "Saved plan is stale",
            BindingError::Templates => "Saved plan does not match the templates",
        }
    }
}

/// What a saved plan is checked against before it is applied.
pub struct Current<'a> {
    pub workspace: &'a str,
    /// The stored state, `None` when there is none.
    pub state: Option<&'a State>,
    pub templates_digest: &'a str,
}

/// Checks that `plan` may be applied now: same workspace, the very state
/// version it was made against (so it applies at most once, since applying
/// advances the serial), and unchanged templates.
pub fn check_binding(plan: &Plan, current: &Current<'_>) -> Result<(), BindingError> {
    if plan.workspace != current.workspace {
        return Err(BindingError::Workspace {
            planned: plan.workspace.clone(),
            current: current.workspace.to_string(),
        });
    }
    match current.state {
        None if plan.serial != 0 => return Err(BindingError::StateGone),
        None => {}
        Some(state) if state.lineage != plan.lineage || state.serial != plan.serial => {
            return Err(BindingError::Stale {
                planned_lineage: plan.lineage.clone(),
                planned_serial: plan.serial,
                lineage: state.lineage.clone(),
                serial: state.serial,
            })
        }
        Some(_) => {}
    }
    if plan.templates_digest != current.templates_digest {
        return Err(BindingError::Templates);
    }
    Ok(())
}

/// The bytes of a plan file, sensitive values sealed.
pub fn encode(plan: &Plan, sealer: &Sealer) -> Result<Vec<u8>, PlanFileError> {
    let mut sealed = plan.clone();
    transform(&mut sealed, &mut |v, _| {
        sealer.seal(&v).map_err(|e| e.to_string())
    })
    .map_err(PlanFileError::Seal)?;
    serde_json::to_vec_pretty(&sealed).map_err(|e| PlanFileError::NotAPlan(e.to_string()))
}

/// Reads a plan file's bytes, unsealing its sensitive values.
pub fn decode(bytes: &[u8], sealer: &Sealer) -> Result<Plan, PlanFileError> {
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    let found = json
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let json = upgrade(json, found)?;
    let mut plan: Plan =
        serde_json::from_value(json).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    transform(&mut plan, &mut |v, location| {
        sealer.unseal(&v, location).map_err(|e| e.to_string())
    })
    .map_err(PlanFileError::Seal)?;
    Ok(plan)
}

/// Brings a plan file of an older format version to the current one.
/// Version 1 predates the refactoring blocks: it has no moves, forgets or
/// imports, and every field version 2 added is optional. Version 2 has no
/// plan timestamp, which is optional too (such a plan could not have called
/// `plantimestamp()`). So upgrading is only a matter of the version number.
fn upgrade(mut json: serde_json::Value, found: u64) -> Result<serde_json::Value, PlanFileError> {
    match found {
        1 | 2 => {
            json["format_version"] = serde_json::json!(found + 1);
            upgrade(json, found + 1)
        }
        v if v == u64::from(PLAN_FORMAT_VERSION) => Ok(json),
        _ => Err(PlanFileError::Version { found }),
    }
}

/// Applies `f` to the JSON value at `path`, if present.
pub fn replace_path(
    json: &mut serde_json::Value,
    path: &[PathStep],
    f: impl FnOnce(serde_json::Value) -> serde_json::Value,
) {
    match path.split_first() {
        None => {
            let old = std::mem::take(json);
            *json = f(old);
        }
        Some((step, rest)) => {
            let target = match (json, step) {
                (serde_json::Value::Object(map), PathStep::Key(k)) => map.get_mut(k),
                (serde_json::Value::Array(items), PathStep::Index(i)) => items.get_mut(*i),
                _ => None,
            };
            if let Some(target) = target {
                replace_path(target, rest, f);
            }
        }
    }
}

/// Applies `f` to every sensitive value of a plan: resource attributes at
/// their sensitive paths, sensitive variables and outputs.
fn transform(
    plan: &mut Plan,
    f: &mut dyn FnMut(serde_json::Value, &str) -> Result<serde_json::Value, String>,
) -> Result<(), String> {
    let mut result = Ok(());
    let mut wrap = |v: serde_json::Value, location: &str| match f(v, location) {
        Ok(v) => v,
        Err(e) => {
            result = Err(e);
            serde_json::Value::Null
        }
    };
    for change in &mut plan.resource_changes {
        // A no-op's `before` and `after` may be one shared tree: each side is
        // made its own (`make_mut`) only when it has a path to rewrite.
        if let Some(before) = change.before.as_mut() {
            for path in &change.before_sensitive {
                replace_path(std::sync::Arc::make_mut(before), path, |v| {
                    wrap(v, &change.address)
                });
            }
        }
        if let Some(after) = change.after.as_mut() {
            for path in &change.after_sensitive {
                replace_path(std::sync::Arc::make_mut(after), path, |v| {
                    wrap(v, &change.address)
                });
            }
        }
    }
    for (name, variable) in &mut plan.variables {
        if variable.sensitive {
            variable.value = wrap(std::mem::take(&mut variable.value), name);
        }
    }
    for output in &mut plan.output_changes {
        if output.sensitive {
            if let Some(v) = output.before.take() {
                output.before = Some(wrap(v, &output.name));
            }
            if let Some(v) = output.after.take() {
                output.after = Some(wrap(v, &output.name));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlannedVariable;

    fn plan() -> Plan {
        let mut variables = std::collections::BTreeMap::new();
        variables.insert(
            "password".to_string(),
            PlannedVariable {
                value: serde_json::json!("hunter2-canary"),
                sensitive: true,
                ephemeral: false,
            },
        );
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            workspace: "default".to_string(),
            lineage: "lineage-1".to_string(),
            serial: 4,
            templates_digest: "digest".to_string(),
            timestamp: Some("2026-01-31T10:00:00Z".to_string()),
            destroy: false,
            variables,
            resource_changes: Vec::new(),
            output_changes: Vec::new(),
            drift: Vec::new(),
            targets: Vec::new(),
            excludes: Vec::new(),
            replace: Vec::new(),
            moves: Vec::new(),
            refresh_only: false,
            api_calls: Default::default(),
        }
    }

    fn sealer() -> Sealer {
        Sealer::from_key([9; 32])
    }

    #[test]
    fn a_plan_round_trips_with_its_secrets_sealed_in_the_file() {
        let bytes = encode(&plan(), &sealer()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("hunter2-canary"));
        assert_eq!(decode(&bytes, &sealer()).unwrap(), plan());
        let other_key = Sealer::from_key([1; 32]);
        assert!(matches!(
            decode(&bytes, &other_key),
            Err(PlanFileError::Seal(_))
        ));
    }

    /// A no-op as the planner makes it: `before` and `after` one shared
    /// tree, with a sensitive attribute.
    fn shared_no_op() -> crate::plan::ResourceChange {
        let tree =
            std::sync::Arc::new(serde_json::json!({"id": "x", "password": "hunter2-canary"}));
        let secret = vec![vec![state::PathStep::Key("password".to_string())]];
        crate::plan::ResourceChange {
            address: "test_thing.a".to_string(),
            mode: state::Mode::Managed,
            resource_type: "test_thing".to_string(),
            name: "a".to_string(),
            provider: "provider.test".to_string(),
            action: crate::plan::Action::NoOp,
            create_before_destroy: false,
            action_reason: None,
            before: Some(tree.clone()),
            before_sensitive: secret.clone(),
            after: Some(tree),
            after_unknown: Vec::new(),
            after_sensitive: secret,
            requires_replace: Vec::new(),
            dependencies: Vec::new(),
            private: None,
            previous_address: None,
            importing: None,
        }
    }

    #[test]
    fn a_no_op_sharing_one_tree_is_sealed_on_both_sides_and_left_intact_in_memory() {
        let mut shared = plan();
        shared.resource_changes.push(shared_no_op());
        let bytes = encode(&shared, &sealer()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("hunter2-canary"));
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let change = &json["resource_changes"][0];
        assert_eq!(change["before"]["id"], "x", "the file spells `before` out");
        assert_eq!(change["after"]["id"], "x", "and `after` too");
        let read = decode(&bytes, &sealer()).unwrap();
        assert_eq!(read, shared);
        let kept = &shared.resource_changes[0];
        assert!(std::sync::Arc::ptr_eq(
            kept.before.as_ref().unwrap(),
            kept.after.as_ref().unwrap()
        ));
        assert_eq!(kept.after.as_deref().unwrap()["password"], "hunter2-canary");
    }

    #[test]
    fn another_format_version_or_other_bytes_are_refused() {
        let mut json: serde_json::Value =
            serde_json::from_slice(&encode(&plan(), &sealer()).unwrap()).unwrap();
        json["format_version"] = serde_json::json!(99);
        let bytes = serde_json::to_vec(&json).unwrap();
        assert_eq!(
            decode(&bytes, &sealer()),
            Err(PlanFileError::Version { found: 99 })
        );
        assert!(matches!(
            decode(b"{oops", &sealer()),
            Err(PlanFileError::NotAPlan(_))
        ));
    }

    #[test]
    fn a_version_2_plan_file_has_no_timestamp_and_is_read_through_the_upgrade() {
        let mut json: serde_json::Value =
            serde_json::from_slice(&encode(&plan(), &sealer()).unwrap()).unwrap();
        json["format_version"] = serde_json::json!(2);
        json.as_object_mut().map(|o| o.remove("timestamp"));
        let upgraded = decode(&serde_json::to_vec(&json).unwrap(), &sealer()).unwrap();
        assert_eq!(upgraded.format_version, PLAN_FORMAT_VERSION);
        assert_eq!(upgraded.timestamp, None);
    }

    #[test]
    fn a_version_1_plan_file_is_read_through_the_upgrade() {
        let mut json: serde_json::Value =
            serde_json::from_slice(&encode(&plan(), &sealer()).unwrap()).unwrap();
        json["format_version"] = serde_json::json!(1);
        let bytes = serde_json::to_vec(&json).unwrap();
        let upgraded = decode(&bytes, &sealer()).unwrap();
        assert_eq!(upgraded.format_version, PLAN_FORMAT_VERSION);
        assert_eq!(upgraded, plan());
    }

    #[test]
    fn a_plan_binds_to_its_workspace_state_version_and_templates() {
        let plan = plan();
        let mut state = State::new("lineage-1".to_string());
        state.serial = 4;
        let current = |state: Option<&'static State>, workspace, digest| Current {
            workspace,
            state,
            templates_digest: digest,
        };
        let state: &'static State = Box::leak(Box::new(state));
        assert_eq!(
            check_binding(&plan, &current(Some(state), "default", "digest")),
            Ok(())
        );
        assert!(matches!(
            check_binding(&plan, &current(Some(state), "prod", "digest")),
            Err(BindingError::Workspace { .. })
        ));
        assert_eq!(
            check_binding(&plan, &current(Some(state), "default", "changed")),
            Err(BindingError::Templates)
        );
        assert_eq!(
            check_binding(&plan, &current(None, "default", "digest")),
            Err(BindingError::StateGone)
        );
        // Applying advances the serial, so the same plan applies at most once.
        let mut applied = state.clone();
        applied.serial += 1;
        let applied: &'static State = Box::leak(Box::new(applied));
        let err = check_binding(&plan, &current(Some(applied), "default", "digest")).unwrap_err();
        assert_eq!(err.summary(), "Saved plan is stale");
        assert!(err.to_string().contains("applies at most once"));
    }
}
