//! Saved plan files (`stack plan --out FILE`). The file is the plan's JSON
//! with every sensitive value sealed by the same key that seals state, so a
//! plan can be stored as a CI artifact without leaking secrets.

use std::path::Path;

use engine::plan::{Plan, PLAN_FORMAT_VERSION};
use state::{PathStep, Sealer};

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
        if let Some(before) = &mut change.before {
            for path in &change.before_sensitive {
                replace_path(before, path, |v| wrap(v, &change.address));
            }
        }
        if let Some(after) = &mut change.after {
            for path in &change.after_sensitive {
                replace_path(after, path, |v| wrap(v, &change.address));
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

pub fn write(path: &Path, plan: &Plan, sealer: &Sealer) -> Result<(), String> {
    let mut sealed = plan.clone();
    transform(&mut sealed, &mut |v, _| {
        sealer.seal(&v).map_err(|e| e.to_string())
    })?;
    let bytes = serde_json::to_vec_pretty(&sealed).map_err(|e| e.to_string())?;
    std::fs::write(path, bytes).map_err(|e| format!("Writing the plan to {}: {e}", path.display()))
}

pub fn read(path: &Path, sealer: &Sealer) -> Result<Plan, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("Reading the plan file {}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a stack plan file: {e}", path.display()))?;
    let version = json
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if version != u64::from(PLAN_FORMAT_VERSION) {
        return Err(format!(
            "{} has plan format version {version}, but this stack reads version {PLAN_FORMAT_VERSION}. Make the plan again with this stack.",
            path.display()
        ));
    }
    let mut plan: Plan = serde_json::from_value(json)
        .map_err(|e| format!("{} is not a valid stack plan file: {e}", path.display()))?;
    transform(&mut plan, &mut |v, location| {
        sealer.unseal(&v, location).map_err(|e| e.to_string())
    })?;
    Ok(plan)
}
