//! Terraform's state file, format version 4 (Terraform 0.12 to 1.x), as
//! far as a migration needs it: every resource instance's address, status,
//! attributes and sensitive paths, and the root module's outputs.
//!
//! The format is documented by Terraform (`internal/states/statefile`,
//! `version4.go`). It is read with `serde`, so that a malformed file is
//! reported with the line and column serde_json knows.

use std::collections::BTreeMap;

use serde::Deserialize;
use state::{AttrPath, PathStep};

use crate::addrs::{InstanceAddr, InstanceKey, ModulePath, ObjectAddr, ResourceAddr, ResourceMode};

/// The only format version this reads.
pub const SUPPORTED_VERSION: u64 = 4;

/// A Terraform state, format version 4.
#[derive(Debug, Clone, Deserialize)]
pub struct TerraformState {
    pub version: u64,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub serial: u64,
    #[serde(default)]
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, Output>,
    #[serde(default)]
    pub resources: Vec<Resource>,
}

/// A root module output.
#[derive(Debug, Clone, Deserialize)]
pub struct Output {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// One `resource` or `data` block instance set, in one module instance.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    /// The module instance, e.g. `module.web[0].module.db`; empty for the root.
    #[serde(default)]
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    /// `provider["registry.terraform.io/hashicorp/aws"]`, with `.ALIAS` for aliases.
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<Instance>,
}

/// One object: an instance's current object, or a deposed one.
#[derive(Debug, Clone, Deserialize)]
pub struct Instance {
    /// A number for `count`, a string for `for_each`, absent otherwise.
    #[serde(default)]
    pub index_key: Option<serde_json::Value>,
    /// `"tainted"` when the object is to be replaced.
    #[serde(default)]
    pub status: Option<String>,
    /// The deposed key of an object a `create_before_destroy` replacement
    /// left to be deleted.
    #[serde(default)]
    pub deposed: Option<String>,
    #[serde(default)]
    pub attributes: Option<serde_json::Value>,
    /// Paths, each a list of `{"type": "get_attr"|"index", "value": …}` steps.
    #[serde(default)]
    pub sensitive_attributes: Vec<serde_json::Value>,
    /// Resource addresses this object depended on when it was last applied.
    #[serde(default)]
    pub dependencies: Vec<String>,
}

impl Resource {
    pub fn is_managed(&self) -> bool {
        self.mode == "managed"
    }

    /// How people read the resource, as Terraform prints it.
    pub fn display(&self) -> String {
        let data = if self.is_managed() { "" } else { "data." };
        match self.module.as_str() {
            "" => format!("{data}{}.{}", self.resource_type, self.name),
            module => format!("{module}.{data}{}.{}", self.resource_type, self.name),
        }
    }

    /// The state key of one of this resource's objects.
    pub fn object_addr(&self, instance: &Instance) -> Result<ObjectAddr, AddressError> {
        let steps = parse_module(&self.module)?;
        let module = module_path(&steps)?;
        let mode = if self.is_managed() {
            ResourceMode::Managed
        } else {
            ResourceMode::Data
        };
        let resource = ResourceAddr::new(module, mode, &self.resource_type, &self.name);
        let address = InstanceAddr {
            key: instance_key(instance.index_key.as_ref())?,
            resource,
        };
        Ok(match &instance.deposed {
            Some(key) => ObjectAddr::deposed(address, key.clone()),
            None => ObjectAddr::current(address),
        })
    }
}

impl Instance {
    pub fn tainted(&self) -> bool {
        self.status.as_deref() == Some("tainted")
    }

    /// The sensitive paths Terraform recorded. A step we cannot read makes
    /// the whole attribute it starts from sensitive, so that a secret is
    /// never kept in clear because its path was unusual.
    pub fn sensitive_paths(&self) -> Vec<AttrPath> {
        self.sensitive_attributes
            .iter()
            .filter_map(|path| {
                let steps = path.as_array()?;
                let mut out = Vec::new();
                for step in steps {
                    match read_step(step) {
                        Some(s) => out.push(s),
                        None if out.is_empty() => return None,
                        None => break,
                    }
                }
                Some(out)
            })
            .collect()
    }
}

fn read_step(step: &serde_json::Value) -> Option<PathStep> {
    let value = step.get("value")?;
    match step.get("type")?.as_str()? {
        "get_attr" => Some(PathStep::Key(value.as_str()?.to_string())),
        // An index step's value is itself typed: {"value": 0, "type": "number"}.
        "index" => match value.get("value")? {
            serde_json::Value::Number(n) => Some(PathStep::Index(n.as_u64()? as usize)),
            serde_json::Value::String(s) => Some(PathStep::Key(s.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// Why an object's address could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the module address {0:?} is not valid: {1}")]
    Malformed(String, String),
}

/// One step of a module instance path: `module.web[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// Parses Terraform's module instance address (`module.a.module.b["x"]`).
pub fn parse_module(text: &str) -> Result<Vec<ModuleStep>, AddressError> {
    let malformed = |why: &str| AddressError::Malformed(text.to_string(), why.to_string());
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix("module.") else {
            return Err(malformed("expected `module.NAME`"));
        };
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let name = &after[..end];
        if !crate::addrs::is_identifier(name) {
            return Err(malformed("a module name must be an identifier"));
        }
        let (key, tail) = match after[end..].strip_prefix('[') {
            Some(inner) => parse_key(inner).map_err(|why| malformed(&why))?,
            None => (InstanceKey::None, &after[end..]),
        };
        steps.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        rest = match tail.strip_prefix('.') {
            Some(next) if !next.is_empty() => next,
            Some(_) => return Err(malformed("it ends with `.`")),
            None if tail.is_empty() => tail,
            None => return Err(malformed("expected `.` between modules")),
        };
    }
    Ok(steps)
}

/// Reads `0]…` or `"key"]…` after an opening bracket.
fn parse_key(inner: &str) -> Result<(InstanceKey, &str), String> {
    if inner.starts_with('"') {
        // A quoted key uses JSON's escapes, which serde_json reads (and
        // which HCL's quoting of ordinary keys agrees with).
        let mut stream = serde_json::Deserializer::from_str(inner).into_iter::<String>();
        let key = match stream.next() {
            Some(Ok(key)) => key,
            _ => return Err("an instance key string is not terminated".to_string()),
        };
        let tail = &inner[stream.byte_offset()..];
        let tail = tail
            .strip_prefix(']')
            .ok_or("an instance key must end with `]`")?;
        return Ok((InstanceKey::Key(key), tail));
    }
    let close = inner.find(']').ok_or("an instance key must end with `]`")?;
    let index = inner[..close]
        .parse()
        .map_err(|_| format!("`{}` is not a number or a quoted string", &inner[..close]))?;
    Ok((InstanceKey::Index(index), &inner[close + 1..]))
}

/// The module path of our addresses for Terraform's module instance.
///
/// The module instance path of parsed steps (`module.web[0]`).
pub fn module_path(steps: &[ModuleStep]) -> Result<ModulePath, AddressError> {
    Ok(ModulePath(
        steps
            .iter()
            .map(|s| crate::addrs::ModuleStep {
                name: s.name.clone(),
                key: s.key.clone(),
            })
            .collect(),
    ))
}

/// The instance key from a v4 `index_key`.
pub fn instance_key(index_key: Option<&serde_json::Value>) -> Result<InstanceKey, AddressError> {
    match index_key {
        None | Some(serde_json::Value::Null) => Ok(InstanceKey::None),
        Some(serde_json::Value::String(key)) => Ok(InstanceKey::Key(key.clone())),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .map(|i| InstanceKey::Index(i as usize))
            .ok_or_else(|| bad_key(index_key)),
        Some(_) => Err(bad_key(index_key)),
    }
}

fn bad_key(key: Option<&serde_json::Value>) -> AddressError {
    AddressError::Malformed(
        key.map(ToString::to_string).unwrap_or_default(),
        "an index_key must be a whole number or a string".to_string(),
    )
}

/// A provider configuration address: `provider["registry.terraform.io/hashicorp/aws"].west`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAddr {
    /// The source address, e.g. `registry.terraform.io/hashicorp/aws`.
    pub source: String,
    pub alias: Option<String>,
}

impl ProviderAddr {
    /// Parses the provider field; a module prefix (`module.x.provider[…]`)
    /// is accepted and dropped.
    pub fn parse(text: &str) -> Option<ProviderAddr> {
        let start = text.find("provider[\"")? + "provider[\"".len();
        let rest = &text[start..];
        let end = rest.find("\"]")?;
        let alias = rest[end + 2..].strip_prefix('.').map(str::to_string);
        Some(ProviderAddr {
            source: rest[..end].to_string(),
            alias,
        })
    }

    /// The provider's type: the last part of its source (`aws`, `terraform`).
    pub fn type_name(&self) -> &str {
        self.source.rsplit('/').next().unwrap_or(&self.source)
    }
}

/// What is wrong with a state file, with where serde_json saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based, when the problem is at a place in the file.
    pub line_column: Option<(usize, usize)>,
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// Reads a Terraform state file. Only format version 4 is accepted; the
/// error of any other says what to do.
pub fn parse(bytes: &[u8]) -> Result<TerraformState, ParseError> {
    #[derive(Deserialize)]
    struct Header {
        version: Option<serde_json::Value>,
        format_version: Option<serde_json::Value>,
    }
    let at = |e: &serde_json::Error| Some((e.line(), e.column()));
    let header: Header = serde_json::from_slice(bytes).map_err(|e| ParseError {
        line_column: at(&e),
        message: format!("the file is not valid JSON: {}", without_place(&e)),
        help: "Give the path of a Terraform state file (terraform.tfstate), or write one with `terraform state pull > FILE`.".to_string(),
    })?;
    let version = header.version.as_ref().and_then(serde_json::Value::as_u64);
    if version != Some(SUPPORTED_VERSION) {
        let found = header
            .version
            .map_or("no \"version\"".to_string(), |v| format!("version {v}"));
        let help = if header.format_version.is_some() {
            "This is a stack state (it has \"format_version\"), not a Terraform one. Give the path of Terraform's state file (terraform.tfstate).".to_string()
        } else {
            "Format version 4 is what Terraform 0.12 and later write. An older state is upgraded by running `terraform apply` (or `terraform refresh`) with Terraform 0.12 or later, then `terraform state pull > terraform.tfstate`.".to_string()
        };
        return Err(ParseError {
            line_column: None,
            message: format!("the file has {found}; stack reads Terraform state format version 4"),
            help,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| ParseError {
        line_column: at(&e),
        message: format!("the file is not a Terraform state: {}", without_place(&e)),
        help: "Give a state file as Terraform writes it; `terraform state pull > FILE` prints the current one.".to_string(),
    })
}

/// serde_json's message without the " at line L column C" it appends,
/// since the diagnostic gives the place itself.
fn without_place(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
