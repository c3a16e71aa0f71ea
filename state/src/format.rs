//! The state file format: versioned JSON with secrets sealed.
//!
//! Layout of the current version (1):
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "lineage": "…",
//!   "serial": 3,
//!   "resources": { "<address>": { "mode": …, "type": …, "attributes": {…}, … } },
//!   "outputs": { "<name>": { "value": …, "sensitive": true } }
//! }
//! ```
//!
//! Keys are in a stable order (resource and output maps sorted, attribute
//! objects sorted recursively) so that the same state always encodes to the
//! same text and diffs of state files are meaningful. Values at a resource's
//! `sensitive_paths`, and the values of sensitive outputs, are replaced by
//! `{"sealed": "<base64>"}` (see [`crate::seal`]).
//!
//! **Versioning.** `decode` reads `format_version` and runs the upgrade
//! functions from that version up to [`FORMAT_VERSION`], one step at a time,
//! on the raw JSON, before it interprets anything. Changing the layout means
//! bumping `FORMAT_VERSION`, adding one step to [`upgrade`] and a test for
//! it. A file with a *higher* version than we know is refused with
//! [`StateError::NewerFormat`] and is never overwritten, since we cannot know
//! what we would lose.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::{AttrPath, OutputState, PathStep, ResourceState, State};
use crate::seal::Sealer;
use crate::StateError;

/// The format version this build writes.
pub const FORMAT_VERSION: u64 = 1;

/// The top level of a version-1 file. A struct (not a map) so that the
/// top-level key order is fixed whatever serde_json's map features are.
#[derive(Serialize, Deserialize)]
struct FileV1 {
    format_version: u64,
    lineage: String,
    serial: u64,
    #[serde(default)]
    resources: BTreeMap<String, Value>,
    #[serde(default)]
    outputs: BTreeMap<String, Value>,
}

/// Encodes a state for writing: pretty JSON with a trailing newline, secrets
/// sealed. It fails only if the operating system cannot supply random bytes
/// for the nonces.
pub fn encode(state: &State, sealer: &Sealer) -> Result<Vec<u8>, StateError> {
    let mut resources = BTreeMap::new();
    for (address, resource) in &state.resources {
        resources.insert(address.clone(), encode_resource(resource, sealer)?);
    }
    let mut outputs = BTreeMap::new();
    for (name, output) in &state.outputs {
        outputs.insert(name.clone(), encode_output(output, sealer)?);
    }
    let file = FileV1 {
        format_version: FORMAT_VERSION,
        lineage: state.lineage.clone(),
        serial: state.serial,
        resources,
        outputs,
    };
    let mut bytes =
        serde_json::to_vec_pretty(&file).map_err(|e| StateError::corrupt(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Decodes a state file of any known version, unsealing secrets.
/// [`encode`], then reads the bytes back as a state file (the JSON, the
/// format version and the layout; sealed values stay sealed): a state is
/// never written in a form that could not be read again, which an encoder
/// bug would otherwise reveal only on the next run, with the good version
/// already replaced.
pub fn encode_checked(state: &State, sealer: &Sealer) -> Result<Vec<u8>, StateError> {
    let bytes = encode(state, sealer)?;
    match read_header(&bytes) {
        Ok((lineage, serial)) if lineage == state.lineage && serial == state.serial => Ok(bytes),
        Ok(_) => Err(StateError::corrupt(
            "the state encoded for writing does not read back with its own lineage and serial, so it was not written (a bug in stack)".to_string(),
        )),
        Err(e) => Err(StateError::corrupt(format!(
            "the state encoded for writing does not read back ({e}), so it was not written (a bug in stack)"
        ))),
    }
}

/// The top level of a current-version file read straight into typed records,
/// without first building a JSON tree of the whole file.
#[derive(Deserialize)]
struct CurrentFile {
    format_version: u64,
    lineage: String,
    serial: u64,
    #[serde(default)]
    resources: BTreeMap<String, ResourceState>,
    #[serde(default)]
    outputs: BTreeMap<String, OutputState>,
}

pub fn decode(bytes: &[u8], sealer: &Sealer) -> Result<State, StateError> {
    // Nearly every file is in the current format and well formed: it is read
    // straight into typed records. Anything else (an older version, a newer
    // one, a corrupt file) takes the general path below, which upgrades or
    // says precisely what is wrong.
    if let Ok(file) = serde_json::from_slice::<CurrentFile>(bytes) {
        if file.format_version == FORMAT_VERSION {
            return decode_typed(file, sealer);
        }
    }
    let file = parse_current(bytes)?;
    let mut state = State::new(file.lineage);
    state.serial = file.serial;
    for (address, value) in file.resources {
        let resource = decode_resource(&address, value, sealer)?;
        state.resources.insert(address, resource);
    }
    for (name, value) in file.outputs {
        let output = decode_output(&name, value, sealer)?;
        state.outputs.insert(name, output);
    }
    Ok(state)
}

/// Unseals the secrets of a file read by the typed path.
fn decode_typed(file: CurrentFile, sealer: &Sealer) -> Result<State, StateError> {
    let mut state = State::new(file.lineage);
    state.serial = file.serial;
    state.resources = file.resources;
    for (address, resource) in &mut state.resources {
        unseal_resource(address, resource, sealer)?;
    }
    state.outputs = file.outputs;
    for (name, output) in &mut state.outputs {
        unseal_output(name, output, sealer)?;
    }
    Ok(state)
}

/// Reads only the lineage and serial of a state file, without the key. Used
/// before overwriting a file, to refuse to replace another state.
pub(crate) fn read_header(bytes: &[u8]) -> Result<(String, u64), StateError> {
    let file = parse_current(bytes)?;
    Ok((file.lineage, file.serial))
}

/// Parses the bytes, upgrades them to the current version and checks the
/// top-level layout.
fn parse_current(bytes: &[u8]) -> Result<FileV1, StateError> {
    let json: Value = serde_json::from_slice(bytes)
        .map_err(|e| StateError::corrupt(format!("it is not valid JSON ({e})")))?;
    let version = version_of(&json)?;
    let json = upgrade(json, version)?;
    serde_json::from_value(json)
        .map_err(|e| StateError::corrupt(format!("its top level is not a state ({e})")))
}

/// Which format version a parsed file is in.
fn version_of(json: &Value) -> Result<u64, StateError> {
    let obj = json
        .as_object()
        .ok_or_else(|| StateError::corrupt("it is not a JSON object"))?;
    if let Some(v) = obj.get("format_version") {
        return v
            .as_u64()
            .ok_or_else(|| StateError::corrupt("`format_version` is not a whole number"));
    }
    // Version 0 named its version field `version`.
    match obj.get("version").map(Value::as_u64) {
        Some(Some(0)) => Ok(0),
        Some(_) => Err(StateError::corrupt(
            "it has a `version` field but is not a known stack state layout",
        )),
        None => Err(StateError::corrupt("it has no `format_version` field")),
    }
}

/// Upgrades raw JSON of format `from_version` to [`FORMAT_VERSION`], one
/// version at a time. Each step is a pure function from the layout of
/// version N to that of N+1, so that an old file goes through every step
/// in order and each step stays small and testable.
pub fn upgrade(mut json: Value, from_version: u64) -> Result<Value, StateError> {
    if from_version > FORMAT_VERSION {
        return Err(StateError::NewerFormat {
            path: None,
            found: from_version,
            supported: FORMAT_VERSION,
        });
    }
    let mut version = from_version;
    while version < FORMAT_VERSION {
        json = match version {
            0 => upgrade_0_to_1(json)?,
            // Every version below FORMAT_VERSION has a step above; this arm
            // is reached only if someone bumps the version without one.
            _ => {
                return Err(StateError::corrupt(format!(
                    "no upgrade is defined from format version {version}"
                )))
            }
        };
        version += 1;
    }
    Ok(json)
}

/// Version 0 is the pre-release layout: `{"version": 0, "lineage", "serial",
/// "resources": [{"address": …, …}], "outputs"?}` with resources as a list
/// that carried each address inside the object, and no `status` (every
/// recorded resource was ready). No released stack wrote it; it is the first
/// link of the upgrade chain so that the chain is exercised from day one.
/// Version 1 keys resources by address, which makes lookups and diffs of the
/// file direct and rules out duplicate addresses.
fn upgrade_0_to_1(json: Value) -> Result<Value, StateError> {
    let Value::Object(mut obj) = json else {
        return Err(StateError::corrupt("it is not a JSON object"));
    };
    obj.remove("version");
    let list = match obj.remove("resources") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(StateError::corrupt(
                "`resources` of a version 0 state is not a list",
            ))
        }
    };
    let mut resources = Map::new();
    for (i, item) in list.into_iter().enumerate() {
        let Value::Object(mut r) = item else {
            return Err(StateError::corrupt(format!(
                "resource #{i} of a version 0 state is not an object"
            )));
        };
        let Some(Value::String(address)) = r.remove("address") else {
            return Err(StateError::corrupt(format!(
                "resource #{i} of a version 0 state has no `address`"
            )));
        };
        r.entry("status")
            .or_insert_with(|| Value::String("ready".to_string()));
        if resources
            .insert(address.clone(), Value::Object(r))
            .is_some()
        {
            return Err(StateError::corrupt(format!(
                "the version 0 state lists `{address}` twice"
            )));
        }
    }
    let mut out = Map::new();
    out.insert("format_version".to_string(), Value::from(1u64));
    out.insert(
        "lineage".to_string(),
        obj.remove("lineage").unwrap_or(Value::Null),
    );
    out.insert(
        "serial".to_string(),
        obj.remove("serial").unwrap_or(Value::from(0u64)),
    );
    out.insert("resources".to_string(), Value::Object(resources));
    out.insert(
        "outputs".to_string(),
        obj.remove("outputs")
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    Ok(Value::Object(out))
}

/// The JSON of one resource as written to the file (and the journal).
pub(crate) fn encode_resource(
    resource: &ResourceState,
    sealer: &Sealer,
) -> Result<Value, StateError> {
    let mut attributes = canonical(&resource.attributes);
    for path in outermost(&resource.sensitive_paths) {
        if let Some(slot) = value_at_mut(&mut attributes, path) {
            *slot = sealer.seal(slot)?;
        }
    }
    let on_disk = ResourceState {
        mode: resource.mode,
        resource_type: resource.resource_type.clone(),
        provider: resource.provider.clone(),
        status: resource.status.clone(),
        attributes,
        sensitive_paths: resource.sensitive_paths.clone(),
        dependencies: resource.dependencies.clone(),
        create_before_destroy: resource.create_before_destroy,
        private: resource.private.as_ref().map(canonical),
    };
    serde_json::to_value(&on_disk).map_err(|e| StateError::corrupt(e.to_string()))
}

/// Reads one resource from the file's JSON and unseals its secrets.
pub(crate) fn decode_resource(
    address: &str,
    value: Value,
    sealer: &Sealer,
) -> Result<ResourceState, StateError> {
    let mut resource: ResourceState = serde_json::from_value(value)
        .map_err(|e| StateError::corrupt(format!("resource `{address}` is not valid ({e})")))?;
    unseal_resource(address, &mut resource, sealer)?;
    Ok(resource)
}

/// Replaces the sealed values at a resource's sensitive paths by their clear text.
fn unseal_resource(
    address: &str,
    resource: &mut ResourceState,
    sealer: &Sealer,
) -> Result<(), StateError> {
    let paths: Vec<AttrPath> = outermost(&resource.sensitive_paths).cloned().collect();
    for path in paths {
        if let Some(slot) = value_at_mut(&mut resource.attributes, &path) {
            let location = format!("`{address}` attribute `{}`", show_path(&path));
            *slot = sealer.unseal(slot, &location)?;
        }
    }
    Ok(())
}

pub(crate) fn encode_output(output: &OutputState, sealer: &Sealer) -> Result<Value, StateError> {
    let value = canonical(&output.value);
    let value = if output.sensitive {
        sealer.seal(&value)?
    } else {
        value
    };
    serde_json::to_value(OutputState {
        value,
        sensitive: output.sensitive,
    })
    .map_err(|e| StateError::corrupt(e.to_string()))
}

pub(crate) fn decode_output(
    name: &str,
    value: Value,
    sealer: &Sealer,
) -> Result<OutputState, StateError> {
    let mut output: OutputState = serde_json::from_value(value)
        .map_err(|e| StateError::corrupt(format!("output `{name}` is not valid ({e})")))?;
    unseal_output(name, &mut output, sealer)?;
    Ok(output)
}

fn unseal_output(name: &str, output: &mut OutputState, sealer: &Sealer) -> Result<(), StateError> {
    if output.sensitive {
        output.value = sealer.unseal(&output.value, &format!("output `{name}`"))?;
    }
    Ok(())
}

/// The sensitive paths that are not inside another sensitive path, sorted
/// and without duplicates. Sealing `a` seals everything below it, so a path
/// `a.b` has nothing left to seal; encode and decode use the same set.
fn outermost(paths: &[AttrPath]) -> impl Iterator<Item = &AttrPath> {
    let mut sorted: Vec<&AttrPath> = paths.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut kept: Vec<&AttrPath> = Vec::with_capacity(sorted.len());
    for p in sorted {
        // Sorting puts a prefix right before the paths it covers, so it is
        // enough to compare with the last kept path.
        if kept.last().is_some_and(|k| p.starts_with(k)) {
            continue;
        }
        kept.push(p);
    }
    kept.into_iter()
}

/// The value at `path`, if the value has that shape. A path that does not
/// match (a key into a list, an index past the end) designates nothing.
fn value_at_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut cur = value;
    for step in path {
        cur = match (step, cur) {
            (PathStep::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (PathStep::Index(i), Value::Array(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A path in HCL traversal syntax, e.g. `tags["Name"]`, `rules[0].cidr`.
pub fn show_path(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k)
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !k.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Key(k) => {
                out.push('[');
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(']');
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A copy of `value` with object keys sorted at every depth, for a stable
/// encoding whatever order the engine built the value in.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(map.len());
            for k in keys {
                out.insert(k.clone(), canonical(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(list) => Value::Array(list.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Mode, Status};
    use serde_json::json;

    fn sample() -> State {
        let mut s = State::new("lin-1".to_string());
        s.serial = 7;
        s.resources.insert(
            "aws_db_instance.main".to_string(),
            ResourceState {
                mode: Mode::Managed,
                resource_type: "aws_db_instance".to_string(),
                provider: "provider.aws".to_string(),
                status: Status::Ready,
                attributes: json!({
                    "id": "db-1",
                    "password": "hunter2-secret",
                    "nested": {"token": "tok-secret", "plain": 1},
                    "list": ["a", "list-secret"],
                }),
                sensitive_paths: vec![
                    vec![PathStep::Key("password".into())],
                    vec![PathStep::Key("nested".into())],
                    vec![
                        PathStep::Key("nested".into()),
                        PathStep::Key("token".into()),
                    ],
                    vec![PathStep::Key("list".into()), PathStep::Index(1)],
                    vec![PathStep::Key("absent".into())],
                ],
                dependencies: vec!["aws_vpc.main".to_string()],
                create_before_destroy: false,
                private: None,
            },
        );
        s.resources.insert(
            "random_id.x".to_string(),
            ResourceState {
                mode: Mode::Managed,
                resource_type: "random_id".to_string(),
                provider: "provider.random".to_string(),
                status: Status::Pending {
                    operation_id: "op-1".to_string(),
                },
                attributes: json!({"b": 1, "a": 2}),
                sensitive_paths: vec![],
                dependencies: vec![],
                create_before_destroy: true,
                private: Some(json!({"z": 1, "y": 2})),
            },
        );
        s.outputs.insert(
            "db_password".to_string(),
            OutputState {
                value: json!("out-secret"),
                sensitive: true,
            },
        );
        s.outputs.insert(
            "id".to_string(),
            OutputState {
                value: json!("db-1"),
                sensitive: false,
            },
        );
        s
    }

    #[test]
    fn secrets_are_sealed_in_the_file_and_round_trip() {
        let sealer = Sealer::generate().unwrap();
        let state = sample();
        let bytes = encode(&state, &sealer).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for secret in ["hunter2-secret", "tok-secret", "list-secret", "out-secret"] {
            assert!(!text.contains(secret), "{secret} in clear:\n{text}");
        }
        assert!(text.contains("\"sealed\""));
        assert!(text.contains("db-1"));
        assert_eq!(decode(&bytes, &sealer).unwrap(), state);
    }

    #[test]
    fn the_typed_path_reads_what_the_general_path_reads() {
        let sealer = Sealer::generate().unwrap();
        let bytes = encode(&sample(), &sealer).unwrap();
        let typed: CurrentFile = serde_json::from_slice(&bytes).unwrap();
        let typed = decode_typed(typed, &sealer).unwrap();
        let file = parse_current(&bytes).unwrap();
        let mut general = State::new(file.lineage);
        general.serial = file.serial;
        for (address, value) in file.resources {
            let resource = decode_resource(&address, value, &sealer).unwrap();
            general.resources.insert(address, resource);
        }
        for (name, value) in file.outputs {
            general
                .outputs
                .insert(name.clone(), decode_output(&name, value, &sealer).unwrap());
        }
        assert_eq!(typed, general);
        assert_eq!(typed, sample());
    }

    #[test]
    fn wrong_key_is_a_clear_error() {
        let bytes = encode(&sample(), &Sealer::generate().unwrap()).unwrap();
        let err = decode(&bytes, &Sealer::generate().unwrap()).unwrap_err();
        assert!(matches!(err, StateError::WrongKey { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("aws_db_instance.main"), "{msg}");
        assert!(msg.contains("STACK_STATE_KEY"), "{msg}");
    }

    #[test]
    fn layout_is_stable_and_versioned() {
        let sealer = Sealer::generate().unwrap();
        let mut state = sample();
        state.outputs.clear();
        state.resources.remove("aws_db_instance.main");
        let text = String::from_utf8(encode(&state, &sealer).unwrap()).unwrap();
        let expected = r#"{
  "format_version": 1,
  "lineage": "lin-1",
  "serial": 7,
  "resources": {
    "random_id.x": {
      "mode": "managed",
      "type": "random_id",
      "provider": "provider.random",
      "status": "pending",
      "operation_id": "op-1",
      "attributes": {
        "a": 2,
        "b": 1
      },
      "create_before_destroy": true,
      "private": {
        "y": 2,
        "z": 1
      }
    }
  },
  "outputs": {}
}
"#;
        assert_eq!(text, expected);
        // Encoding is deterministic apart from the random nonces.
        assert_eq!(encode(&state, &sealer).unwrap(), text.as_bytes());
    }

    #[test]
    fn version_0_is_upgraded() {
        let v0 = json!({
            "version": 0,
            "lineage": "old-lineage",
            "serial": 4,
            "resources": [
                {"address": "null_resource.a", "mode": "managed", "type": "null_resource",
                 "provider": "provider.null", "attributes": {"id": "1"}},
                {"address": "data.x.y", "mode": "data", "type": "x",
                 "provider": "provider.x", "attributes": {}}
            ]
        });
        let upgraded = upgrade(v0.clone(), 0).unwrap();
        assert_eq!(upgraded["format_version"], 1);
        assert_eq!(upgraded["resources"]["null_resource.a"]["status"], "ready");
        assert!(upgraded["resources"]["null_resource.a"]
            .get("address")
            .is_none());

        let state = decode(v0.to_string().as_bytes(), &Sealer::generate().unwrap()).unwrap();
        assert_eq!(state.lineage, "old-lineage");
        assert_eq!(state.serial, 4);
        assert_eq!(state.resources.len(), 2);
        assert_eq!(state.resources["null_resource.a"].status, Status::Ready);
        assert_eq!(state.resources["data.x.y"].mode, Mode::Data);
        assert!(state.outputs.is_empty());
    }

    #[test]
    fn version_0_duplicate_address_is_an_error() {
        let v0 = json!({"version": 0, "lineage": "l", "serial": 1, "resources": [
            {"address": "a.b", "mode": "managed", "type": "a", "provider": "p", "attributes": {}},
            {"address": "a.b", "mode": "managed", "type": "a", "provider": "p", "attributes": {}}
        ]});
        let err = decode(v0.to_string().as_bytes(), &Sealer::generate().unwrap()).unwrap_err();
        assert!(err.to_string().contains("`a.b` twice"), "{err}");
    }

    #[test]
    fn newer_version_is_refused() {
        let bytes = br#"{"format_version": 2, "lineage": "l", "serial": 1}"#;
        let err = decode(bytes, &Sealer::generate().unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                StateError::NewerFormat {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("newer stack"), "{err}");
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        let sealer = Sealer::generate().unwrap();
        for bad in [
            &b""[..],
            b"{",
            b"[]",
            b"{}",
            br#"{"format_version": "x"}"#,
            br#"{"format_version": 1, "lineage": "l", "serial": 1, "resources": {"a": 1}}"#,
            br#"{"format_version": 1, "lineage": "l", "serial": 1, "resources": {"a": {"mode": "managed", "type": "t", "provider": "p", "status": "ready", "attributes": {"p": "clear"}, "sensitive_paths": [["p"]]}}}"#,
            br#"{"version": 0, "resources": 3}"#,
        ] {
            let err = decode(bad, &sealer).unwrap_err();
            assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        }
    }

    #[test]
    fn paths_are_shown_in_traversal_syntax() {
        let p = vec![
            PathStep::Key("rules".into()),
            PathStep::Index(0),
            PathStep::Key("a b".into()),
        ];
        assert_eq!(show_path(&p), r#"rules[0]["a b"]"#);
    }
}
