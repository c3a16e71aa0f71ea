//! Typed addresses: the keys of state, plan, graph and diagnostics.
//!
//! Every address is an immutable value type whose `Display` is the
//! canonical HCL traversal syntax users type (`module.app.aws_instance.web[0]`,
//! `module.web["a"].random_id.x`), and which `FromStr` parses back.
//!
//! Module paths come in two kinds. The configuration knows *static* paths
//! (`module.web`: every step without a key), which name a module block and
//! key the loaded modules and the graph's nodes. Plans and state know
//! *instance* paths (`module.web[0]`), one per module instance a `count` or
//! `for_each` on the module block expands into.

use std::fmt;
use std::str::FromStr;

use crate::value::quote_string;

/// One step of a module path: the module block's name and, when the block
/// has `count` or `for_each`, which of its instances.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

impl ModuleStep {
    /// Whether `self`, a step of a pattern (a target), covers `other`: a
    /// step without a key covers every instance of its module block.
    fn covers(&self, other: &ModuleStep) -> bool {
        self.name == other.name
            && (self.key == InstanceKey::None
                || other.key == InstanceKey::None
                || self.key == other.key)
    }
}

/// The path of a module instance from the root: `module.app.module.db`,
/// `module.web[0]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ModulePath(pub Vec<ModuleStep>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    /// A static path from module block names.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> ModulePath {
        ModulePath(
            names
                .iter()
                .map(|n| ModuleStep {
                    name: n.as_ref().to_string(),
                    key: InstanceKey::None,
                })
                .collect(),
        )
    }
    pub fn child(&self, name: &str) -> ModulePath {
        self.child_instance(name, InstanceKey::None)
    }
    pub fn child_instance(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut path = self.0.clone();
        path.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModulePath(path)
    }
    pub fn parent(&self) -> Option<ModulePath> {
        if self.0.is_empty() {
            None
        } else {
            Some(ModulePath(self.0[..self.0.len() - 1].to_vec()))
        }
    }
    /// The name of the module block this path ends in (None at the root).
    pub fn call_name(&self) -> Option<&str> {
        self.0.last().map(|step| step.name.as_str())
    }
    /// The instance key of the last step (None at the root or without a key).
    pub fn last_key(&self) -> &InstanceKey {
        self.0.last().map_or(&InstanceKey::None, |step| &step.key)
    }
    /// The module blocks' names, root first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|step| step.name.as_str())
    }
    /// The static path of this instance path: the same blocks, no keys.
    pub fn to_static(&self) -> ModulePath {
        ModulePath(
            self.0
                .iter()
                .map(|step| ModuleStep {
                    name: step.name.clone(),
                    key: InstanceKey::None,
                })
                .collect(),
        )
    }
    /// Whether `self` (a pattern, as a target gives it) is `other` or one
    /// of its ancestors; steps without keys cover every instance.
    pub fn covers(&self, other: &ModulePath) -> bool {
        self.0.len() <= other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.covers(b))
    }
    /// Whether this path is `prefix` or inside it, keys compared exactly.
    pub fn starts_with(&self, prefix: &ModulePath) -> bool {
        self.0.starts_with(&prefix.0)
    }
    /// `prefix` followed by this path's steps.
    pub fn prefixed(&self, prefix: &ModulePath) -> ModulePath {
        let mut path = prefix.0.clone();
        path.extend(self.0.iter().cloned());
        ModulePath(path)
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
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
    /// The resource block this resource of a module instance comes from.
    pub fn to_static(&self) -> ResourceAddr {
        ResourceAddr {
            module: self.module.to_static(),
            ..self.clone()
        }
    }
    /// Whether `self` (a pattern, as a target gives it) names `other`;
    /// module steps without keys cover every instance.
    pub fn covers(&self, other: &ResourceAddr) -> bool {
        self.mode == other.mode
            && self.resource_type == other.resource_type
            && self.name == other.name
            && self.module.0.len() == other.module.0.len()
            && self.module.covers(&other.module)
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

    /// Parses `module.a.aws_instance.web[0]`, `data.x.y`, `random_id.k["a"]`,
    /// `module.web["a"].random_id.x`.
    fn from_str(input: &str) -> Result<InstanceAddr, AddrParseError> {
        let err = |reason: &str| AddrParseError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let segments = segments(input).map_err(|r| err(&r))?;
        let (module, rest) = module_prefix(&segments).map_err(|r| err(&r))?;
        let (mode, rest) = match rest.first() {
            Some((name, InstanceKey::None)) if name == "data" => (ResourceMode::Data, &rest[1..]),
            _ => (ResourceMode::Managed, rest),
        };
        let [(type_name, InstanceKey::None), (name, key)] = rest else {
            return Err(err(
                "expected TYPE.NAME, optionally after module.NAME. and data., with an optional [index] or [\"key\"]",
            ));
        };
        if !is_identifier(type_name) || !is_identifier(name) {
            return Err(err(
                "expected TYPE.NAME made of letters, digits, `_` and `-`",
            ));
        }
        Ok(InstanceAddr {
            resource: ResourceAddr::new(module, mode, type_name, name),
            key: key.clone(),
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

impl FromStr for ModulePath {
    type Err = AddrParseError;
    /// Parses `module.a`, `module.web[0].module.db` (the empty string is the root).
    fn from_str(input: &str) -> Result<ModulePath, AddrParseError> {
        let err = |reason: &str| AddrParseError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Ok(ModulePath::root());
        }
        let segments = segments(input).map_err(|r| err(&r))?;
        match module_prefix(&segments).map_err(|r| err(&r))? {
            (path, []) => Ok(path),
            _ => Err(err("expected module.NAME steps only")),
        }
    }
}

/// The leading `module.NAME[KEY]` steps of an address, and what follows them.
fn module_prefix(segments: &[Segment]) -> Result<(ModulePath, &[Segment]), String> {
    let mut steps = Vec::new();
    let mut rest = segments;
    while let [(module, module_key), (name, key), tail @ ..] = rest {
        if module != "module" {
            break;
        }
        if *module_key != InstanceKey::None || !is_identifier(name) {
            return Err(
                "expected module.NAME, with an optional [index] or [\"key\"] after NAME"
                    .to_string(),
            );
        }
        steps.push(ModuleStep {
            name: name.clone(),
            key: key.clone(),
        });
        rest = tail;
    }
    Ok((ModulePath(steps), rest))
}

/// One part of an address between dots: a name and its optional key.
type Segment = (String, InstanceKey);

/// Splits an address at the dots outside brackets into `name` or
/// `name[key]` segments. Written by hand because an address is a tiny
/// subset of HCL traversal syntax and must parse without a template context.
fn segments(input: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return Err("an address has an empty part".to_string());
        }
        rest = &rest[end..];
        let key = if rest.starts_with('[') {
            let (key, after) = bracketed_key(rest)?;
            rest = after;
            key
        } else {
            InstanceKey::None
        };
        out.push((name.to_string(), key));
        match rest.strip_prefix('.') {
            Some(after) => rest = after,
            None if rest.is_empty() => return Ok(out),
            None => return Err("expected `.` after an instance key".to_string()),
        }
    }
}

/// Reads `[0]` or `["a \"b\""]` from the start of `text`.
fn bracketed_key(text: &str) -> Result<(InstanceKey, &str), String> {
    let inner = &text[1..];
    if let Some(quoted) = inner.strip_prefix('"') {
        let mut key = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, escaped)) => key.push(escaped),
                    None => break,
                },
                '"' => {
                    let after = &quoted[i + 1..];
                    return match after.strip_prefix(']') {
                        Some(after) => Ok((InstanceKey::Key(key), after)),
                        None => Err("an instance key must end with `]`".to_string()),
                    };
                }
                other => key.push(other),
            }
        }
        return Err("a quoted instance key must end with `\"]`".to_string());
    }
    let Some(close) = inner.find(']') else {
        return Err("an instance key must end with `]`".to_string());
    };
    let index = &inner[..close];
    let index = index
        .parse()
        .map_err(|_| format!("`{index}` is not a number or a quoted string"))?;
    Ok((InstanceKey::Index(index), &inner[close + 1..]))
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
            Target::Module(path) => path.covers(&instance.resource.module),
            Target::Resource(resource) => resource.covers(&instance.resource),
            Target::Instance(addr) => {
                addr.key == instance.key && addr.resource.covers(&instance.resource)
            }
        }
    }
    pub fn matches_resource(&self, resource: &ResourceAddr) -> bool {
        match self {
            Target::Module(path) => path.covers(&resource.module),
            Target::Resource(r) => r.covers(resource),
            Target::Instance(addr) => addr.resource.covers(resource),
        }
    }
}

impl FromStr for Target {
    type Err = AddrParseError;
    fn from_str(input: &str) -> Result<Target, AddrParseError> {
        if let Ok(path) = input.parse::<ModulePath>() {
            if !path.is_root() {
                return Ok(Target::Module(path));
            }
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
            "module.web[0].aws_instance.x",
            "module.web[\"a.b\"].module.db[2].data.aws_ami.x[\"k\"]",
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
        assert!("module.web[0]x.a.b".parse::<InstanceAddr>().is_err());
        assert!("module[0].web.a.b".parse::<InstanceAddr>().is_err());
    }

    #[test]
    fn module_instance_keys_parse_into_their_steps() {
        let addr: InstanceAddr = "module.web[\"a\"].module.db.x.y[1]".parse().unwrap();
        assert_eq!(addr.resource.module.0[0].key, InstanceKey::Key("a".into()));
        assert_eq!(addr.resource.module.0[1].key, InstanceKey::None);
        assert_eq!(addr.key, InstanceKey::Index(1));
        assert_eq!(
            addr.resource.module.to_static().to_string(),
            "module.web.module.db"
        );
    }

    #[test]
    fn module_targets_cover_their_instances() {
        let all: Target = "module.web".parse().unwrap();
        let one: Target = "module.web[1]".parse().unwrap();
        let first: InstanceAddr = "module.web[0].null_resource.a".parse().unwrap();
        let second: InstanceAddr = "module.web[1].null_resource.a".parse().unwrap();
        assert!(all.matches(&first) && all.matches(&second));
        assert!(!one.matches(&first) && one.matches(&second));
        let resource: Target = "module.web[1].null_resource.a".parse().unwrap();
        assert!(resource.matches(&second) && !resource.matches(&first));
        assert!(resource.matches_resource(&first.resource.to_static()));
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
