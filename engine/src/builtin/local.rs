//! The `local` provider: `local_file` and `local_sensitive_file` resources
//! that write a file on the machine running `stack`, and data sources of the
//! same names that read one.
//!
//! A relative `filename` is relative to the process's current directory, as
//! in Terraform; the CLI changes into the stack's directory before running.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};
use std::path::Path;

use base64::Engine as _;
use md5::Md5;
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, PlanRequest,
    PlanResponse, Provider, ProviderError, ProviderSchema, ReadDataRequest, ReadRequest,
    ReadResponse, Schema,
};
use crate::value::Value;

use super::support::{attr, ensure_known, hex, mark_sensitive, resolve_planned, string_attr};

/// The computed digests of a file's content, in the order they are listed.
const DIGESTS: [(&str, &str); 7] = [
    ("id", "The SHA-1 digest of the content, in hexadecimal."),
    (
        "content_md5",
        "The MD5 digest of the content, in hexadecimal.",
    ),
    (
        "content_sha1",
        "The SHA-1 digest of the content, in hexadecimal.",
    ),
    (
        "content_sha256",
        "The SHA-256 digest of the content, in hexadecimal.",
    ),
    (
        "content_base64sha256",
        "The SHA-256 digest of the content, in base64.",
    ),
    (
        "content_sha512",
        "The SHA-512 digest of the content, in hexadecimal.",
    ),
    (
        "content_base64sha512",
        "The SHA-512 digest of the content, in base64.",
    ),
];

pub struct LocalProvider {
    schema: ProviderSchema,
}

/// Which flavour of file a type name is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `local_file`: content in clear, with the deprecated `sensitive_content`.
    Plain,
    /// `local_sensitive_file`: content always sensitive, tighter default modes.
    Sensitive,
}

impl Kind {
    fn of(type_name: &str) -> Option<Kind> {
        match type_name {
            "local_file" => Some(Kind::Plain),
            "local_sensitive_file" => Some(Kind::Sensitive),
            _ => None,
        }
    }

    /// The arguments that give the content; exactly one must be set.
    fn content_sources(self) -> &'static [&'static str] {
        match self {
            Kind::Plain => &["content", "sensitive_content", "content_base64", "source"],
            Kind::Sensitive => &["content", "content_base64", "source"],
        }
    }
}

fn with_digests(mut schema: Schema) -> Schema {
    for (name, description) in DIGESTS {
        schema =
            schema.attr(AttributeSchema::computed(name, AttrType::String).describe(description));
    }
    schema
}

fn file_resource_schema(kind: Kind) -> Schema {
    let sensitive = kind == Kind::Sensitive;
    let (description, mode) = match kind {
        Kind::Plain => (
            "A file on the machine running stack; any change to its arguments or to the file \
             itself replaces it.",
            "0777",
        ),
        Kind::Sensitive => (
            "A file with sensitive content on the machine running stack; any change to its \
             arguments or to the file itself replaces it.",
            "0700",
        ),
    };
    let mut schema = Schema::new(description)
        .attr(
            AttributeSchema::required("filename", AttrType::String)
                .force_new()
                .describe("The path of the file; missing parent directories are created."),
        )
        .attr(
            AttributeSchema::optional("content", AttrType::String)
                .force_new()
                .describe("The content of the file, as UTF-8 text.")
                .mark_sensitive(sensitive),
        );
    if kind == Kind::Plain {
        schema = schema.attr(
            AttributeSchema::optional("sensitive_content", AttrType::String)
                .force_new()
                .sensitive()
                .describe("Deprecated: the content of the file, hidden in plans; use `local_sensitive_file`."),
        );
    }
    schema = schema
        .attr(
            AttributeSchema::optional("content_base64", AttrType::String)
                .force_new()
                .describe("The content of the file, as base64-encoded bytes.")
                .mark_sensitive(sensitive),
        )
        .attr(
            AttributeSchema::optional("source", AttrType::String)
                .force_new()
                .describe("The path of a file to copy the content from."),
        )
        .attr(
            AttributeSchema::optional("file_permission", AttrType::String)
                .default(mode)
                .force_new()
                .describe("The file's permissions as an octal string, before the umask."),
        )
        .attr(
            AttributeSchema::optional("directory_permission", AttrType::String)
                .default(mode)
                .force_new()
                .describe("The permissions of created parent directories, before the umask."),
        );
    with_digests(schema)
}

fn file_data_schema(kind: Kind) -> Schema {
    let sensitive = kind == Kind::Sensitive;
    let description = match kind {
        Kind::Plain => "Reads a file on the machine running stack.",
        Kind::Sensitive => {
            "Reads a file on the machine running stack, keeping its content sensitive."
        }
    };
    with_digests(
        Schema::new(description)
            .attr(
                AttributeSchema::required("filename", AttrType::String)
                    .describe("The path of the file to read."),
            )
            .attr(
                AttributeSchema::computed("content", AttrType::String)
                    .describe("The content of the file, as UTF-8 text.")
                    .mark_sensitive(sensitive),
            )
            .attr(
                AttributeSchema::computed("content_base64", AttrType::String)
                    .describe("The content of the file, base64-encoded.")
                    .mark_sensitive(sensitive),
            ),
    )
}

/// Marks an attribute sensitive when asked, keeping the builder chain flat.
trait MarkSensitive {
    fn mark_sensitive(self, sensitive: bool) -> Self;
}

impl MarkSensitive for AttributeSchema {
    fn mark_sensitive(self, sensitive: bool) -> AttributeSchema {
        if sensitive {
            self.sensitive()
        } else {
            self
        }
    }
}

impl LocalProvider {
    pub fn new() -> LocalProvider {
        let mut schema = ProviderSchema::default();
        for (name, kind) in [
            ("local_file", Kind::Plain),
            ("local_sensitive_file", Kind::Sensitive),
        ] {
            schema.resources.insert(name, file_resource_schema(kind));
            schema.data_sources.insert(name, file_data_schema(kind));
        }
        LocalProvider { schema }
    }

    fn resource(&self, type_name: &str) -> Result<(Kind, &Schema), ProviderError> {
        Kind::of(type_name)
            .zip(self.schema.resources.get(type_name))
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "resource type {type_name} is not supported by provider local"
                ))
            })
    }
}

impl Default for LocalProvider {
    fn default() -> LocalProvider {
        LocalProvider::new()
    }
}

/// The digest attributes of `bytes`, named as in [`DIGESTS`].
fn digests(bytes: &[u8]) -> [(&'static str, String); 7] {
    let b64 = base64::engine::general_purpose::STANDARD;
    let sha1 = hex(&Sha1::digest(bytes));
    let sha256 = Sha256::digest(bytes);
    let sha512 = Sha512::digest(bytes);
    [
        ("id", sha1.clone()),
        ("content_md5", hex(&Md5::digest(bytes))),
        ("content_sha1", sha1),
        ("content_sha256", hex(&sha256)),
        ("content_base64sha256", b64.encode(sha256)),
        ("content_sha512", hex(&sha512)),
        ("content_base64sha512", b64.encode(sha512)),
    ]
}

fn insert_digests(state: &mut BTreeMap<String, Value>, bytes: &[u8]) {
    for (name, digest) in digests(bytes) {
        state.insert(name.to_string(), Value::String(digest));
    }
}

/// Parses a permission such as `"0644"`: three or four octal digits, as
/// Terraform's local provider requires.
fn parse_mode(text: &str) -> Option<u32> {
    let valid = (3..=4).contains(&text.len()) && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    if valid {
        u32::from_str_radix(text, 8).ok()
    } else {
        None
    }
}

fn validate(kind: Kind, config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let sources = kind.content_sources();
    let set: Vec<&str> = sources
        .iter()
        .copied()
        .filter(|name| attr(config, name).is_some())
        .collect();
    let listed = sources
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match set.len() {
        1 => {}
        0 => diagnostics.push(Diagnostic::error(
            "Missing required argument",
            format!("Exactly one of {listed} must be set to give the file its content."),
        )),
        _ => diagnostics.push(Diagnostic::error(
            "Invalid combination of arguments",
            format!(
                "Only one of {listed} may be set, but {} are.",
                set.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
    if set.contains(&"sensitive_content") {
        diagnostics.push(Diagnostic::warning(
            "Argument is deprecated",
            "Use the `local_sensitive_file` resource instead of `sensitive_content`.",
        ));
    }
    for name in ["file_permission", "directory_permission"] {
        if let Some(text) = string_attr(config, name) {
            if parse_mode(text).is_none() {
                diagnostics.push(Diagnostic::error(
                    "Invalid attribute value",
                    format!(
                        "The `{name}` argument must be three or four octal digits, such as \"0644\", not \"{text}\"."
                    ),
                ));
            }
        }
    }
    if let Some(text) = string_attr(config, "content_base64") {
        if let Err(e) = base64::engine::general_purpose::STANDARD.decode(text) {
            diagnostics.push(Diagnostic::error(
                "Invalid attribute value",
                format!("The `content_base64` argument is not valid base64: {e}."),
            ));
        }
    }
    diagnostics
}

fn io_error(action: &str, path: &str, error: std::io::Error) -> ProviderError {
    ProviderError::new(format!("cannot {action} {path}: {error}"))
}

/// The bytes the file should hold, from whichever content argument is set.
fn desired_bytes(kind: Kind, planned: &Value) -> Result<Vec<u8>, ProviderError> {
    for name in kind.content_sources() {
        let Some(text) = string_attr(planned, name) else {
            continue;
        };
        return match *name {
            "content_base64" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| {
                    ProviderError::new(format!("`content_base64` is not valid base64: {e}"))
                }),
            "source" => std::fs::read(text).map_err(|e| io_error("read", text, e)),
            _ => Ok(text.as_bytes().to_vec()),
        };
    }
    Err(ProviderError::new(format!(
        "none of {} is known at apply time",
        kind.content_sources().join(", ")
    )))
}

fn mode_of(planned: &Value, name: &str, default: &str) -> Result<u32, ProviderError> {
    let text = string_attr(planned, name).unwrap_or(default);
    parse_mode(text).ok_or_else(|| {
        ProviderError::new(format!(
            "`{name}` must be three or four octal digits, not \"{text}\""
        ))
    })
}

/// Writes the file like Go's `os.WriteFile` in Terraform's provider: parent
/// directories created with `directory_mode`, the file created with
/// `file_mode` (both less the umask), an existing file truncated.
fn write_file(
    path: &str,
    bytes: &[u8],
    file_mode: u32,
    directory_mode: u32,
) -> Result<(), ProviderError> {
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, directory_mode);
        builder
            .create(parent)
            .map_err(|e| io_error("create the directory", &parent.display().to_string(), e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, file_mode);
    #[cfg(not(unix))]
    let _ = (file_mode, directory_mode);
    let mut file = options
        .open(path)
        .map_err(|e| io_error("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| io_error("write", path, e))?;
    file.flush().map_err(|e| io_error("write", path, e))
}

/// Removes a file; one that is already gone is what was wanted.
fn remove_file(path: &str) -> Result<(), ProviderError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(io_error("delete", path, e)),
        _ => Ok(()),
    }
}

/// The state after an external edit of the file: the content argument in use
/// takes the file's content, so that the next plan shows the difference from
/// the configuration as a replacement. `None` when the edit cannot be shown
/// that way (content copied from `source`, or text that is not UTF-8); then
/// the resource counts as gone and is created again, as Terraform does for
/// every edit.
fn drifted_state(kind: Kind, schema: &Schema, current: &Value, bytes: &[u8]) -> Option<Value> {
    let mut state = current.as_map()?.clone();
    let in_use = kind
        .content_sources()
        .iter()
        .find(|name| attr(current, name).is_some())?;
    let content = match *in_use {
        "content_base64" => base64::engine::general_purpose::STANDARD.encode(bytes),
        "content" | "sensitive_content" => String::from_utf8(bytes.to_vec()).ok()?,
        _ => return None,
    };
    state.insert(in_use.to_string(), Value::String(content));
    insert_digests(&mut state, bytes);
    Some(mark_sensitive(schema, state))
}

fn response(new_state: Option<Value>) -> ReadResponse {
    ReadResponse {
        new_state,
        diagnostics: Diagnostics::new(),
    }
}

#[async_trait::async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        let Ok((kind, schema)) = self.resource(request.type_name) else {
            let mut response = plan_by_schema(&Schema::default(), request.prior, request.config);
            response.diagnostics.push(Diagnostic::error(
                "Unsupported resource type",
                format!(
                    "The local provider has no resource type `{}`.",
                    request.type_name
                ),
            ));
            return response;
        };
        let mut response = plan_by_schema(schema, request.prior, request.config);
        response.diagnostics.extend(validate(kind, request.config));
        response
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let (kind, schema) = self.resource(request.type_name)?;
        let prior_filename = request.prior.and_then(|p| string_attr(p, "filename"));
        let Some(planned) = request.planned else {
            if let Some(filename) = prior_filename {
                remove_file(filename)?;
            }
            return Ok(ApplyResponse {
                new_state: None,
                private: None,
                diagnostics: Diagnostics::new(),
            });
        };
        let resolved = resolve_planned(schema, planned, request.config);
        let filename = string_attr(&resolved, "filename")
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ProviderError::new("`filename` is empty or unknown at apply time"))?;
        let bytes = desired_bytes(kind, &resolved)?;
        let default_mode = match kind {
            Kind::Plain => "0777",
            Kind::Sensitive => "0700",
        };
        let file_mode = mode_of(&resolved, "file_permission", default_mode)?;
        let directory_mode = mode_of(&resolved, "directory_permission", default_mode)?;
        write_file(filename, &bytes, file_mode, directory_mode)?;
        // A replacement handed over as one call moves the file; the old one
        // must not be left behind.
        if let Some(old) = prior_filename.filter(|old| *old != filename) {
            remove_file(old)?;
        }
        let mut state = resolved.as_map().cloned().unwrap_or_default();
        insert_digests(&mut state, &bytes);
        ensure_known(&state)?;
        Ok(ApplyResponse {
            new_state: Some(mark_sensitive(schema, state)),
            private: None,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let (kind, schema) = self.resource(request.type_name)?;
        let Some(filename) = string_attr(request.current, "filename") else {
            return Ok(response(Some(request.current.clone())));
        };
        let bytes = match std::fs::read(filename) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(response(None)),
            Err(e) => return Err(io_error("read", filename, e)),
        };
        let unchanged =
            string_attr(request.current, "id").is_some_and(|id| id == hex(&Sha1::digest(&bytes)));
        if unchanged {
            return Ok(response(Some(request.current.clone())));
        }
        Ok(response(drifted_state(
            kind,
            schema,
            request.current,
            &bytes,
        )))
    }

    async fn read_data(&self, request: ReadDataRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let schema = self
            .schema
            .data_sources
            .get(request.type_name)
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "data source {} is not supported by provider local",
                    request.type_name
                ))
            })?;
        let filename = string_attr(request.config, "filename")
            .ok_or_else(|| ProviderError::new("`filename` must be a known string"))?;
        let bytes = std::fs::read(filename).map_err(|e| io_error("read", filename, e))?;
        let mut state = BTreeMap::from([
            ("filename".to_string(), Value::string(filename)),
            (
                "content".to_string(),
                Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            ),
            (
                "content_base64".to_string(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes)),
            ),
        ]);
        insert_digests(&mut state, &bytes);
        Ok(response(Some(mark_sensitive(schema, state))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn plan(type_name: &str, prior: Option<&Value>, config: &Value) -> PlanResponse {
        LocalProvider::new().plan(PlanRequest {
            type_name,
            prior,
            config,
            prior_private: None,
        })
    }

    async fn apply(
        type_name: &str,
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: Option<&Value>,
    ) -> Option<Value> {
        LocalProvider::new()
            .apply(ApplyRequest {
                type_name,
                prior,
                planned,
                config,
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await
            .unwrap()
            .new_state
    }

    async fn create(type_name: &str, config: &Value) -> Value {
        let response = plan(type_name, None, config);
        assert!(
            !response.diagnostics.has_errors(),
            "{}",
            response.diagnostics
        );
        apply(type_name, None, Some(&response.planned), Some(config))
            .await
            .unwrap()
    }

    async fn read(type_name: &str, state: &Value) -> Option<Value> {
        LocalProvider::new()
            .read(ReadRequest {
                type_name,
                current: state,
                private: None,
            })
            .await
            .unwrap()
            .new_state
    }

    fn path_in(dir: &tempfile::TempDir, name: &str) -> String {
        dir.path().join(name).display().to_string()
    }

    #[tokio::test]
    async fn create_writes_the_file_with_its_digests_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "a/b/hello.txt");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("hello")),
            ("file_permission", Value::string("0600")),
        ]);
        let planned = plan("local_file", None, &config).planned;
        assert!(planned.get_attr("id").unwrap().is_unknown());
        assert_eq!(
            planned.get_attr("directory_permission"),
            Some(&Value::string("0777"))
        );
        let state = create("local_file", &config).await;
        assert_eq!(std::fs::read_to_string(&filename).unwrap(), "hello");
        let get = |name: &str| {
            state
                .get_attr(name)
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        };
        assert_eq!(get("id"), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        assert_eq!(get("content_sha1"), get("id"));
        assert_eq!(get("content_md5"), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(
            get("content_sha256"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            get("content_base64sha256"),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert!(state.is_wholly_known());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&filename).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let again = plan("local_file", Some(&state), &config);
        assert!(again.requires_replace.is_empty());
        assert_eq!(again.planned, state);
        assert_eq!(read("local_file", &state).await, Some(state));
    }

    #[tokio::test]
    async fn changed_content_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "f");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("1")),
        ]);
        let state = create("local_file", &config).await;
        let changed = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("2")),
        ]);
        let response = plan("local_file", Some(&state), &changed);
        assert_eq!(response.requires_replace, vec!["content".to_string()]);
        assert!(response.planned.get_attr("id").unwrap().is_unknown());
    }

    #[tokio::test]
    async fn a_deleted_file_is_gone_from_state() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "f");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("x")),
        ]);
        let state = create("local_file", &config).await;
        std::fs::remove_file(&filename).unwrap();
        assert_eq!(read("local_file", &state).await, None);
    }

    #[tokio::test]
    async fn an_edited_file_reads_back_and_plans_a_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "f");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("mine")),
        ]);
        let state = create("local_file", &config).await;
        std::fs::write(&filename, "edited").unwrap();
        let refreshed = read("local_file", &state).await.unwrap();
        assert_eq!(
            refreshed.get_attr("content"),
            Some(&Value::string("edited"))
        );
        assert_eq!(
            refreshed.get_attr("id").and_then(Value::as_str),
            Some(hex(&Sha1::digest(b"edited")).as_str())
        );
        let response = plan("local_file", Some(&refreshed), &config);
        assert_eq!(response.requires_replace, vec!["content".to_string()]);
    }

    #[tokio::test]
    async fn an_edited_copy_of_a_source_counts_as_gone() {
        let dir = tempfile::tempdir().unwrap();
        let source = path_in(&dir, "src");
        std::fs::write(&source, [0u8, 159, 146, 150]).unwrap();
        let filename = path_in(&dir, "dst");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("source", Value::string(&source)),
        ]);
        let state = create("local_file", &config).await;
        assert_eq!(std::fs::read(&filename).unwrap(), vec![0u8, 159, 146, 150]);
        std::fs::write(&filename, "other").unwrap();
        assert_eq!(read("local_file", &state).await, None);
    }

    #[tokio::test]
    async fn base64_content_reads_back_as_base64() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "bin");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content_base64", Value::string("AAEC")),
        ]);
        let state = create("local_file", &config).await;
        assert_eq!(std::fs::read(&filename).unwrap(), vec![0u8, 1, 2]);
        std::fs::write(&filename, [9u8]).unwrap();
        let refreshed = read("local_file", &state).await.unwrap();
        assert_eq!(
            refreshed.get_attr("content_base64"),
            Some(&Value::string("CQ=="))
        );
    }

    #[tokio::test]
    async fn delete_removes_the_file_and_tolerates_its_absence() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "f");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("x")),
        ]);
        let state = create("local_file", &config).await;
        assert!(apply("local_file", Some(&state), None, None)
            .await
            .is_none());
        assert!(!Path::new(&filename).exists());
        assert!(apply("local_file", Some(&state), None, None)
            .await
            .is_none());
    }

    #[tokio::test]
    async fn sensitive_content_is_marked() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "secret");
        let config = object(&[
            ("filename", Value::string(&filename)),
            ("sensitive_content", Value::string("pw")),
        ]);
        let response = plan("local_file", None, &config);
        assert!(response
            .planned
            .get_attr("sensitive_content")
            .unwrap()
            .is_sensitive());
        assert!(!response.diagnostics.has_errors());
        assert!(
            !response.diagnostics.is_empty(),
            "expected a deprecation warning"
        );
        let state = create("local_file", &config).await;
        assert!(state.get_attr("sensitive_content").unwrap().is_sensitive());

        let config = object(&[
            ("filename", Value::string(&filename)),
            ("content", Value::string("pw")),
        ]);
        let state = create("local_sensitive_file", &config).await;
        assert!(state.get_attr("content").unwrap().is_sensitive());
        assert_eq!(
            state.get_attr("file_permission"),
            Some(&Value::string("0700"))
        );
    }

    #[tokio::test]
    async fn invalid_configurations_are_diagnosed() {
        let none = object(&[("filename", Value::string("f"))]);
        assert!(plan("local_file", None, &none).diagnostics.has_errors());
        let two = object(&[
            ("filename", Value::string("f")),
            ("content", Value::string("a")),
            ("content_base64", Value::string("YQ==")),
        ]);
        assert!(plan("local_file", None, &two).diagnostics.has_errors());
        let mode = object(&[
            ("filename", Value::string("f")),
            ("content", Value::string("a")),
            ("file_permission", Value::string("0999")),
        ]);
        assert!(plan("local_file", None, &mode).diagnostics.has_errors());
        let b64 = object(&[
            ("filename", Value::string("f")),
            ("content_base64", Value::string("!!")),
        ]);
        assert!(plan("local_file", None, &b64).diagnostics.has_errors());
        let unknown = object(&[
            ("filename", Value::string("f")),
            ("content", Value::Unknown),
        ]);
        assert!(plan("local_file", None, &unknown).diagnostics.is_empty());
    }

    #[tokio::test]
    async fn data_source_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let filename = path_in(&dir, "d");
        std::fs::write(&filename, "data").unwrap();
        let provider = LocalProvider::new();
        let config = object(&[("filename", Value::string(&filename))]);
        let state = provider
            .read_data(ReadDataRequest {
                type_name: "local_file",
                config: &config,
            })
            .await
            .unwrap()
            .new_state
            .unwrap();
        assert_eq!(state.get_attr("content"), Some(&Value::string("data")));
        assert_eq!(
            state.get_attr("content_base64"),
            Some(&Value::string("ZGF0YQ=="))
        );
        assert_eq!(
            state.get_attr("id").and_then(Value::as_str),
            Some(hex(&Sha1::digest(b"data")).as_str())
        );
        let sensitive = provider
            .read_data(ReadDataRequest {
                type_name: "local_sensitive_file",
                config: &config,
            })
            .await
            .unwrap()
            .new_state
            .unwrap();
        assert!(sensitive.get_attr("content").unwrap().is_sensitive());

        let missing = object(&[("filename", Value::string(path_in(&dir, "nope")))]);
        assert!(provider
            .read_data(ReadDataRequest {
                type_name: "local_file",
                config: &missing,
            })
            .await
            .is_err());
    }
}
