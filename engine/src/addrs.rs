//! Typed addresses: the keys of state, plan, graph and diagnostics.
//!
//! Every address is an immutable value type whose `Display` is the
//! canonical HCL traversal syntax users type (`module.app.aws_instance.web[0]`,
//! `random_id.x["a"]`), and which `FromStr` parses back.

use std::fmt;
use std::str::FromStr;

use crate::value::quote_string;

/// The path of a module instance from the root: `["app", "db"]` for `module.app.module.db`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn child(&self, name: &str) -> ModulePath {
        let mut path = self.0.clone();
        path.push(name.to_string());
        ModulePath(path)
    }
    pub fn parent(&self) -> Option<ModulePath> {
        if self.0.is_empty() {
            None
        } else {
            Some(ModulePath(self.0[..self.0.len() - 1].to_vec()))
        }
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{name}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceMode {
    Managed,
    Data,
}

/// A resource block within its module: `aws_instance.web` or `data.aws_ami.ubuntu`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddr {
    pub module: ModulePath,
    pub mode: ResourceMode,
    pub resource_type: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn new(module: ModulePath, mode: ResourceMode, resource_type: &str, name: &str) -> Self {
        ResourceAddr {
            module,
            mode,
            resource_type: resource_type.to_string(),
            name: name.to_string(),
        }
    }
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == ResourceMode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.resource_type, self.name)
    }
}

/// Which instance of a resource with `count` or `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    None,
    Index(usize),
    Key(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(k) => write!(f, "[{}]", quote_string(k)),
        }
    }
}

/// One instance of a resource: the key of state and plan entries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid address {input:?}: {reason}")]
pub struct AddrParseError {
    pub input: String,
    pub reason: String,
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;

    /// Parses `module.a.aws_instance.web[0]`, `data.x.y`, `random_id.k["a"]`.
    fn from_str(input: &str) -> Result<InstanceAddr, AddrParseError> {
        let err = |reason: &str| AddrParseError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let (body, key) = split_key(input).map_err(|r| err(&r))?;
        let parts: Vec<&str> = body.split('.').collect();
        let mut module = Vec::new();
        let mut i = 0;
        while i + 1 < parts.len() && parts[i] == "module" {
            module.push(parts[i + 1].to_string());
            i += 2;
        }
        let rest = &parts[i..];
        let (mode, rest) = match rest.first() {
            Some(&"data") => (ResourceMode::Data, &rest[1..]),
            _ => (ResourceMode::Managed, rest),
        };
        if rest.len() != 2 || rest.iter().any(|p| !is_identifier(p)) {
            return Err(err(
                "expected TYPE.NAME, optionally after module.NAME. and data., with an optional [index] or [\"key\"]",
            ));
        }
        Ok(InstanceAddr {
            resource: ResourceAddr::new(ModulePath(module), mode, rest[0], rest[1]),
            key,
        })
    }
}

impl FromStr for ResourceAddr {
    type Err = AddrParseError;
    fn from_str(input: &str) -> Result<ResourceAddr, AddrParseError> {
        let instance: InstanceAddr = input.parse()?;
        if instance.key != InstanceKey::None {
            return Err(AddrParseError {
                input: input.to_string(),
                reason: "expected a resource address without an instance key".to_string(),
            });
        }
        Ok(instance.resource)
    }
}

fn split_key(input: &str) -> Result<(&str, InstanceKey), String> {
    let Some(open) = input.find('[') else {
        return Ok((input, InstanceKey::None));
    };
    if !input.ends_with(']') {
        return Err("an instance key must end with `]`".to_string());
    }
    let inner = &input[open + 1..input.len() - 1];
    let key = if let Some(quoted) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        InstanceKey::Key(quoted.replace("\\\"", "\"").replace("\\\\", "\\"))
    } else {
        InstanceKey::Index(
            inner
                .parse()
                .map_err(|_| format!("`{inner}` is not a number or a quoted string"))?,
        )
    };
    Ok((&input[..open], key))
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A target given with `--target` or `--exclude`: a whole module, a whole
/// resource (all instances) or one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Module(ModulePath),
    Resource(ResourceAddr),
    Instance(InstanceAddr),
}

impl Target {
    pub fn matches(&self, instance: &InstanceAddr) -> bool {
        match self {
            Target::Module(path) => instance.resource.module.0.starts_with(&path.0),
            Target::Resource(resource) => &instance.resource == resource,
            Target::Instance(addr) => addr == instance,
        }
    }
    pub fn matches_resource(&self, resource: &ResourceAddr) -> bool {
        match self {
            Target::Module(path) => resource.module.0.starts_with(&path.0),
            Target::Resource(r) => r == resource,
            Target::Instance(addr) => &addr.resource == resource,
        }
    }
}

impl FromStr for Target {
    type Err = AddrParseError;
    fn from_str(input: &str) -> Result<Target, AddrParseError> {
        let parts: Vec<&str> = input.split('.').collect();
        if parts.len().is_multiple_of(2)
            && !input.contains('[')
            && parts
                .chunks(2)
                .all(|c| c[0] == "module" && is_identifier(c[1]))
        {
            return Ok(Target::Module(ModulePath(
                parts.chunks(2).map(|c| c[1].to_string()).collect(),
            )));
        }
        let instance: InstanceAddr = input.parse()?;
        Ok(if instance.key == InstanceKey::None {
            Target::Resource(instance.resource)
        } else {
            Target::Instance(instance)
        })
    }
}

/// The state key of one real object: an instance's current object, or an
/// old one that a `create_before_destroy` replacement deposed and that is
/// still to be deleted (`aws_vpc.main#deposed:1a2b3c4d`). An instance may
/// have several deposed objects when old deletes keep failing, so each has
/// its own id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectAddr {
    pub instance: InstanceAddr,
    pub deposed: Option<String>,
}

/// Separates an instance address from a deposed object's id in state keys.
const DEPOSED_MARK: &str = "#deposed";

impl ObjectAddr {
    pub fn current(instance: InstanceAddr) -> ObjectAddr {
        ObjectAddr {
            instance,
            deposed: None,
        }
    }

    pub fn deposed(instance: InstanceAddr, id: impl Into<String>) -> ObjectAddr {
        ObjectAddr {
            instance,
            deposed: Some(id.into()),
        }
    }

    /// How people read it: `aws_vpc.main (deposed object 1a2b3c4d)`, as Terraform says it.
    pub fn describe(&self) -> String {
        match &self.deposed {
            None => self.instance.to_string(),
            Some(id) if id.is_empty() => format!("{} (deposed object)", self.instance),
            Some(id) => format!("{} (deposed object {id})", self.instance),
        }
    }
}

impl fmt::Display for ObjectAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.deposed {
            None => write!(f, "{}", self.instance),
            // State written before deposed ids existed used the bare mark.
            Some(id) if id.is_empty() => write!(f, "{}{DEPOSED_MARK}", self.instance),
            Some(id) => write!(f, "{}{DEPOSED_MARK}:{id}", self.instance),
        }
    }
}

impl FromStr for ObjectAddr {
    type Err = AddrParseError;

    fn from_str(text: &str) -> Result<ObjectAddr, AddrParseError> {
        match text.rsplit_once(DEPOSED_MARK) {
            Some((instance, rest)) if rest.is_empty() || rest.starts_with(':') => Ok(
                ObjectAddr::deposed(instance.parse()?, rest.trim_start_matches(':')),
            ),
            _ => Ok(ObjectAddr::current(text.parse()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_display() {
        for text in [
            "aws_instance.web",
            "aws_instance.web[3]",
            "data.aws_ami.ubuntu",
            "module.app.module.db.random_id.x[\"a b\"]",
        ] {
            let addr: InstanceAddr = text.parse().unwrap();
            assert_eq!(addr.to_string(), text);
        }
    }

    #[test]
    fn bad_addresses_are_errors() {
        assert!("aws_instance".parse::<InstanceAddr>().is_err());
        assert!("a.b[x".parse::<InstanceAddr>().is_err());
        assert!("a.b[x]".parse::<InstanceAddr>().is_err());
    }

    #[test]
    fn targets_match_instances() {
        let target: Target = "module.app".parse().unwrap();
        let addr: InstanceAddr = "module.app.null_resource.a[0]".parse().unwrap();
        assert!(target.matches(&addr));
        let target: Target = "null_resource.a".parse().unwrap();
        assert!(!target.matches(&addr));
    }

    #[test]
    fn object_addresses_round_trip_with_and_without_deposed_ids() {
        for text in [
            "aws_vpc.main",
            "aws_vpc.main#deposed:1a2b3c4d",
            "module.app.aws_subnet.a[\"x\"]#deposed:ff",
            "aws_vpc.main#deposed",
        ] {
            let parsed: ObjectAddr = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        let deposed: ObjectAddr = "aws_vpc.main#deposed:1a2b3c4d".parse().unwrap();
        assert_eq!(deposed.instance.to_string(), "aws_vpc.main");
        assert_eq!(deposed.describe(), "aws_vpc.main (deposed object 1a2b3c4d)");
        assert!("aws_vpc.main#other".parse::<ObjectAddr>().is_err());
    }
}
