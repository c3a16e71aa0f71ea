//! Terraform's refactoring blocks: `moved`, `removed` and `import`.
//!
//! They are lowered here from the templates, checked against the whole
//! configuration ([`check`]), and `moved` statements (written and implied)
//! are applied to a copy of the prior state before planning
//! ([`apply_moves`]), as Terraform does, so that the planner sees every
//! object at its new address and plans no destroy and create for a rename.
//! The plan carries what moved, what is forgotten and what is imported as
//! data; apply records those first, through the state journal.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::structure::{Attribute, Block};
use hcl_edit::Span as _;
use state::State;

use crate::addrs::{InstanceAddr, InstanceKey, ModulePath, ResourceAddr, ResourceMode};
use crate::config::{
    attr_span, block_span, literal_bool, provider_reference, Config, Expr, Module, ProviderRef,
};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};

/// One end of a `moved` statement, absolute (from the root module).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Module(ModulePath),
    Resource(ResourceAddr),
    Instance(InstanceAddr),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Module(m) => write!(f, "{m}"),
            Endpoint::Resource(r) => write!(f, "{r}"),
            Endpoint::Instance(i) => write!(f, "{i}"),
        }
    }
}

impl Endpoint {
    /// The part of a state key after this endpoint, when the key is this
    /// object or one inside it (an instance, a deposed object, a resource
    /// of a module); `None` when it is not.
    fn suffix<'k>(&self, key: &'k str) -> Option<&'k str> {
        let own = self.to_string();
        let rest = key.strip_prefix(own.as_str())?;
        let inside = match self {
            Endpoint::Module(_) => rest.starts_with('.'),
            Endpoint::Resource(_) => {
                rest.is_empty() || rest.starts_with('[') || rest.starts_with('#')
            }
            Endpoint::Instance(_) => rest.is_empty() || rest.starts_with('#'),
        };
        inside.then_some(rest)
    }

    fn resource(&self) -> Option<&ResourceAddr> {
        match self {
            Endpoint::Module(_) => None,
            Endpoint::Resource(r) => Some(r),
            Endpoint::Instance(i) => Some(&i.resource),
        }
    }
}

/// A `moved` block, or a move Terraform implies when `count` is added to
/// or removed from a resource.
#[derive(Debug, Clone)]
pub struct Moved {
    pub from: Endpoint,
    pub to: Endpoint,
    pub span: Option<Span>,
    pub implied: bool,
}

/// A `removed` block: the resources or module it names leave the state,
/// destroyed or not.
#[derive(Debug, Clone)]
pub struct Removed {
    pub from: Endpoint,
    pub destroy: bool,
    pub span: Option<Span>,
}

/// An `import` block: an existing object is brought under management at
/// `to` when the plan is applied.
#[derive(Debug, Clone)]
pub struct Import {
    pub to: InstanceAddr,
    pub id: Expr,
    pub provider: Option<ProviderRef>,
    pub span: Option<Span>,
    pub file: Arc<PathBuf>,
}

/// The refactoring blocks of one module.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    pub moved: Vec<Moved>,
    pub removed: Vec<Removed>,
    pub imports: Vec<Import>,
}

/// Lowers a `moved`, `removed` or `import` block into its module.
pub fn lower_block(
    block: &Block,
    file: &Arc<PathBuf>,
    module: &mut Module,
    diags: &mut Diagnostics,
) {
    let span = block_span(block, file);
    if !block.labels.is_empty() {
        let kind = block.ident.as_str();
        diags.push(
            Diagnostic::error(
                format!("Extraneous label for {kind}"),
                format!("A {kind} block takes no labels; remove them."),
            )
            .with_span(span),
        );
        return;
    }
    let reader = BlockReader { block, file, span };
    let blocks = &mut module.refactoring;
    match block.ident.as_str() {
        "moved" => blocks.moved.extend(reader.moved(&module.path, diags)),
        "removed" => blocks.removed.extend(reader.removed(&module.path, diags)),
        _ => blocks.imports.extend(reader.import(&module.path, diags)),
    }
}

/// Reads the arguments of one refactoring block.
struct BlockReader<'b> {
    block: &'b Block,
    file: &'b Arc<PathBuf>,
    span: Option<Span>,
}

impl BlockReader<'_> {
    /// The block's arguments by name, after reporting any it does not take
    /// and any required one that is missing.
    fn arguments(
        &self,
        allowed: &[&str],
        required: &[&str],
        diags: &mut Diagnostics,
    ) -> BTreeMap<String, &Attribute> {
        let kind = self.block.ident.as_str();
        let mut found = BTreeMap::new();
        for attr in self.block.body.attributes() {
            let name = attr.key.as_str();
            if allowed.contains(&name) {
                found.insert(name.to_string(), attr);
            } else {
                diags.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!("An argument named {name:?} is not expected in a {kind} block; it takes {}.", allowed.join(", ")),
                    )
                    .with_span(attr_span(attr, self.file)),
                );
            }
        }
        for name in required {
            if !found.contains_key(*name) {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!("The argument {name:?} is required in a {kind} block, but no definition was found. Add `{name} = …`."),
                    )
                    .with_span(self.span.clone()),
                );
            }
        }
        found
    }

    /// Reports nested blocks other than the ones named.
    fn only_blocks(&self, allowed: &[&str], diags: &mut Diagnostics) {
        let kind = self.block.ident.as_str();
        for inner in self.block.body.blocks() {
            if !allowed.contains(&inner.ident.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "Unsupported block type",
                        format!(
                            "Blocks of type {:?} are not expected in a {kind} block.",
                            inner.ident.as_str()
                        ),
                    )
                    .with_span(block_span(inner, self.file)),
                );
            }
        }
    }

    /// An address argument, relative to `module`.
    fn endpoint(
        &self,
        attr: &Attribute,
        module: &ModulePath,
        diags: &mut Diagnostics,
    ) -> Option<Endpoint> {
        let text = attr.value.to_string();
        match parse_endpoint(text.trim(), module) {
            Ok(endpoint) => Some(endpoint),
            Err(reason) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid address",
                        format!("{reason} Write a resource address such as aws_instance.web, an instance such as aws_instance.web[0], or a module such as module.app."),
                    )
                    .with_span(attr.value.span().map(|r| Span::new(self.file.clone(), r))),
                );
                None
            }
        }
    }

    fn moved(&self, module: &ModulePath, diags: &mut Diagnostics) -> Option<Moved> {
        self.only_blocks(&[], diags);
        let args = self.arguments(&["from", "to"], &["from", "to"], diags);
        let from = self.endpoint(args.get("from")?, module, diags);
        let to = self.endpoint(args.get("to")?, module, diags);
        let (from, to) = unify(from?, to?).or_else(|| {
            diags.push(
                Diagnostic::error(
                    "Invalid \"moved\" addresses",
                    "The \"from\" and \"to\" addresses must either both refer to resources or both refer to modules.",
                )
                .with_span(self.span.clone()),
            );
            None
        })?;
        let data = [&from, &to]
            .iter()
            .any(|e| e.resource().is_some_and(|r| r.mode == ResourceMode::Data));
        if data {
            diags.push(
                Diagnostic::error(
                    "Invalid \"moved\" address",
                    "Data sources cannot be moved: they are read again on every plan. Remove this moved block.",
                )
                .with_span(self.span.clone()),
            );
            return None;
        }
        Some(Moved {
            from,
            to,
            span: self.span.clone(),
            implied: false,
        })
    }

    fn removed(&self, module: &ModulePath, diags: &mut Diagnostics) -> Option<Removed> {
        self.only_blocks(&["lifecycle"], diags);
        let args = self.arguments(&["from"], &["from"], diags);
        let from = match self.endpoint(args.get("from")?, module, diags)? {
            Endpoint::Instance(_) => {
                diags.push(
                    Diagnostic::error(
                        "Resource instance keys not allowed",
                        "A removed block names a whole resource or module, without an instance key: remove the [index] or [\"key\"].",
                    )
                    .with_span(attr_span(args["from"], self.file)),
                );
                return None;
            }
            endpoint => endpoint,
        };
        let destroy = self.removed_destroy(diags)?;
        Some(Removed {
            from,
            destroy,
            span: self.span.clone(),
        })
    }

    /// `lifecycle { destroy = … }`, which Terraform's documentation of the
    /// removed block lists as required: whether the objects are destroyed
    /// is never left implicit.
    fn removed_destroy(&self, diags: &mut Diagnostics) -> Option<bool> {
        let lifecycle = self
            .block
            .body
            .blocks()
            .find(|b| b.ident.as_str() == "lifecycle");
        let destroy = lifecycle.and_then(|l| {
            for attr in l.body.attributes() {
                if attr.key.as_str() != "destroy" {
                    diags.push(
                        Diagnostic::error(
                            "Unsupported argument",
                            format!("An argument named {:?} is not expected in the lifecycle block of a removed block; it takes only destroy.", attr.key.as_str()),
                        )
                        .with_span(attr_span(attr, self.file)),
                    );
                }
            }
            l.body
                .attributes()
                .find(|a| a.key.as_str() == "destroy")
                .map(|a| literal_bool(a, self.file, diags))
        });
        if destroy.is_none() {
            diags.push(
                Diagnostic::error(
                    "Missing lifecycle block",
                    "A removed block must say what happens to the object: add `lifecycle { destroy = false }` to forget it and leave it in the cloud, or `lifecycle { destroy = true }` to destroy it.",
                )
                .with_span(self.span.clone()),
            );
        }
        destroy
    }

    fn import(&self, module: &ModulePath, diags: &mut Diagnostics) -> Option<Import> {
        self.only_blocks(&[], diags);
        let args = self.arguments(&["to", "id", "provider"], &["to", "id"], diags);
        if !module.is_root() {
            diags.push(
                Diagnostic::error(
                    "Invalid import configuration",
                    format!("An import block was found in {module}. Import blocks are only allowed in the root module; move it there, with the module path in its `to` address."),
                )
                .with_span(self.span.clone()),
            );
            return None;
        }
        let to_attr = args.get("to")?;
        let to = match self.endpoint(to_attr, module, diags)? {
            Endpoint::Instance(i) => i,
            Endpoint::Resource(r) => r.instance(InstanceKey::None),
            Endpoint::Module(_) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid import address",
                        "An import block imports one resource instance, not a module: write its address, such as module.app.aws_vpc.main.",
                    )
                    .with_span(attr_span(to_attr, self.file)),
                );
                return None;
            }
        };
        if to.resource.mode == ResourceMode::Data {
            diags.push(
                Diagnostic::error(
                    "Invalid import address",
                    "Only managed resources can be imported.",
                )
                .with_span(attr_span(to_attr, self.file)),
            );
            return None;
        }
        let provider = args
            .get("provider")
            .and_then(|a| provider_reference(&a.value, self.file, diags));
        Some(Import {
            to,
            id: Expr::new(args.get("id")?.value.clone(), self.file),
            provider,
            span: self.span.clone(),
            file: self.file.clone(),
        })
    }
}

/// Parses an address written in a block of `module`: a module
/// (`module.a.module.b`), a resource or a resource instance.
fn parse_endpoint(text: &str, module: &ModulePath) -> Result<Endpoint, String> {
    if let Ok(path) = text.parse::<ModulePath>() {
        if !path.is_root() {
            return Ok(Endpoint::Module(path.prefixed(module)));
        }
    }
    let mut instance: InstanceAddr = text.parse().map_err(|e: crate::addrs::AddrParseError| {
        format!("{text:?} is not an address: {}.", e.reason)
    })?;
    instance.resource.module = instance.resource.module.prefixed(module);
    Ok(match instance.key {
        InstanceKey::None => Endpoint::Resource(instance.resource),
        _ => Endpoint::Instance(instance),
    })
}

/// Makes both ends of a move the same kind, as Terraform does: if either
/// names an instance, both are instances (so `a` to `a[0]` moves the
/// un-indexed instance); a module cannot move to a resource.
fn unify(from: Endpoint, to: Endpoint) -> Option<(Endpoint, Endpoint)> {
    let as_instance = |e: Endpoint| match e {
        Endpoint::Resource(r) => Some(Endpoint::Instance(r.instance(InstanceKey::None))),
        Endpoint::Instance(i) => Some(Endpoint::Instance(i)),
        Endpoint::Module(_) => None,
    };
    match (&from, &to) {
        (Endpoint::Module(_), Endpoint::Module(_)) => Some((from, to)),
        (Endpoint::Module(_), _) | (_, Endpoint::Module(_)) => None,
        (Endpoint::Instance(_), _) | (_, Endpoint::Instance(_)) => {
            Some((as_instance(from)?, as_instance(to)?))
        }
        _ => Some((from, to)),
    }
}

/// Every refactoring block of every module.
fn all_blocks(config: &Config) -> impl Iterator<Item = &Blocks> {
    config.modules.values().map(|m| &m.refactoring)
}

/// Checks the refactoring blocks against the whole configuration, with
/// Terraform's rules and summaries.
pub fn check(config: &Config) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let moved: Vec<&Moved> = all_blocks(config).flat_map(|b| &b.moved).collect();
    for statement in &moved {
        check_move(config, statement, &mut diags);
    }
    check_ambiguous(&moved, &mut diags);
    if !diags.has_errors() {
        if let Err(d) = order_moves(moved.into_iter().cloned().collect()) {
            diags.push(d);
        }
    }
    for removed in all_blocks(config).flat_map(|b| &b.removed) {
        check_removed(config, removed, &mut diags);
    }
    check_imports(config, &mut diags);
    diags
}

/// True when the configuration still declares what an endpoint names.
fn declared(config: &Config, endpoint: &Endpoint) -> bool {
    match endpoint {
        Endpoint::Module(path) => module_declared(config, path),
        Endpoint::Resource(r) => config.resource(r).is_some(),
        // An instance is declared when its resource's repetition makes it:
        // the un-indexed one without count or for_each. Indexed instances
        // depend on values known only while planning.
        Endpoint::Instance(i) => config.resource(&i.resource).is_some_and(|r| {
            i.key == InstanceKey::None && r.count.is_none() && r.for_each.is_none()
        }),
    }
}

/// A module instance is declared when every step's key fits its module
/// block's repetition: no key without count or for_each. Keyed instances
/// depend on values known only while planning.
fn module_declared(config: &Config, path: &ModulePath) -> bool {
    let mut prefix = ModulePath::root();
    for step in &path.0 {
        prefix = prefix.child_instance(&step.name, step.key.clone());
        let Some(call) = config.module_call(&prefix) else {
            return false;
        };
        let repeated = call.count.is_some() || call.for_each.is_some();
        if repeated || step.key != InstanceKey::None {
            return false;
        }
    }
    config.modules.contains_key(path)
}

fn check_move(config: &Config, statement: &Moved, diags: &mut Diagnostics) {
    let (from, to) = (&statement.from, &statement.to);
    let span = statement.span.clone();
    if from == to {
        diags.push(
            Diagnostic::error(
                "Redundant move statement",
                format!("This statement declares a move from {from} to the same address, which is the same as not declaring this move at all. Remove it."),
            )
            .with_span(span),
        );
        return;
    }
    if let (Some(a), Some(b)) = (from.resource(), to.resource()) {
        if a.resource_type != b.resource_type {
            diags.push(
                Diagnostic::error(
                    "Resource type mismatch",
                    format!("This statement declares a move from {from} to {to}, which is a resource of a different type. stack moves objects only between resources of the same type; to change the type, remove the old resource (removed block) and import the object into the new one."),
                )
                .with_span(span.clone()),
            );
        }
    }
    if declared(config, from) {
        diags.push(still_exists(statement));
    }
}

/// The error for a move whose source the configuration still declares.
pub fn still_exists(statement: &Moved) -> Diagnostic {
    let (from, to) = (&statement.from, &statement.to);
    Diagnostic::error(
        "Moved object still exists",
        format!("This statement declares a move from {from}, but that object is still declared in the configuration. Change your configuration so that it is declared as {to} instead."),
    )
    .with_span(statement.span.clone())
}

/// Every `moved` block of the configuration (not the implied moves).
pub fn written_moves(config: &Config) -> impl Iterator<Item = &Moved> {
    all_blocks(config).flat_map(|b| &b.moved)
}

/// Each source moves to one destination, and each destination has one source.
fn check_ambiguous(moved: &[&Moved], diags: &mut Diagnostics) {
    for (i, a) in moved.iter().enumerate() {
        for b in &moved[..i] {
            let same_from = a.from == b.from && a.to != b.to;
            let same_to = a.to == b.to && a.from != b.from;
            if same_from || same_to {
                let detail = if same_from {
                    format!("Another statement declares that {} moved to {}, but this one declares that it moved to {}. Each object can move to only one destination; remove one of them.", a.from, b.to, a.to)
                } else {
                    format!("Another statement declares that {} moved to {}, but this one declares that {} moved there. Each object can have moved from only one source; remove one of them.", b.from, a.to, a.from)
                };
                let mut d = Diagnostic::error("Ambiguous move statements", detail)
                    .with_span(a.span.clone());
                if let Some(other) = b.span.clone() {
                    d = d.with_related(other, "the other statement");
                }
                diags.push(d);
            }
        }
    }
}

fn check_removed(config: &Config, removed: &Removed, diags: &mut Diagnostics) {
    if !declared(config, &removed.from) {
        return;
    }
    let what = match removed.from {
        Endpoint::Module(_) => "module",
        _ => "resource",
    };
    let summary = if what == "module" {
        "Removed module still exists"
    } else {
        "Removed resource still exists"
    };
    diags.push(
        Diagnostic::error(
            summary,
            format!("This statement declares that {} was removed, but it is still declared in the configuration. Remove the {what}'s block, or this removed block.", removed.from),
        )
        .with_span(removed.span.clone()),
    );
}

fn check_imports(config: &Config, diags: &mut Diagnostics) {
    let mut seen: Vec<&Import> = Vec::new();
    for import in all_blocks(config).flat_map(|b| &b.imports) {
        if let Some(first) = seen.iter().find(|i| i.to == import.to) {
            let mut d = Diagnostic::error(
                format!("Duplicate import configuration for {:?}", import.to.to_string()),
                format!("An import block for {} is already declared. A resource instance can have only one import block; remove one.", import.to),
            )
            .with_span(import.span.clone());
            if let Some(other) = first.span.clone() {
                d = d.with_related(other, "first declared here");
            }
            diags.push(d);
            continue;
        }
        seen.push(import);
        let Some(resource) = config.resource(&import.to.resource) else {
            diags.push(
                Diagnostic::error(
                    "Configuration for import target does not exist",
                    format!("The configuration for the given import target {} does not exist. Write its resource block first (its arguments can be filled in after the import), or correct the `to` address.", import.to),
                )
                .with_span(import.span.clone()),
            );
            continue;
        };
        if import
            .provider
            .as_ref()
            .is_some_and(|p| p != &resource.provider)
        {
            diags.push(
                Diagnostic::error(
                    "Invalid import provider argument",
                    format!("The import block names a provider configuration other than the one {} uses ({}). Make them the same, or leave `provider` out of the import block.", import.to.resource, resource.provider),
                )
                .with_span(import.span.clone()),
            );
        }
    }
}

/// Whether endpoint `inner` names something inside `outer` (a resource in
/// a module, an instance of a resource), not `outer` itself.
fn nested_within(inner: &Endpoint, outer: &Endpoint) -> bool {
    inner != outer && outer.suffix(&inner.to_string()).is_some()
}

/// Whether statement `a` must run after statement `b`, by Terraform's
/// rules: `a` continues a chain from `b`'s destination, or one of them
/// moves something inside what the other one moves (the outer move of a
/// module runs before the moves of resources in it).
fn runs_after(a: &Moved, b: &Moved) -> bool {
    a.from == b.to
        || nested_within(&a.from, &b.to)
        || nested_within(&a.to, &b.to)
        || nested_within(&b.from, &a.from)
        || nested_within(&b.to, &a.from)
}

/// Orders move statements so that each runs after those it depends on: a
/// chain `a → b`, `b → c` then moves `a` to `c`. A cycle has no final
/// address and is an error.
fn order_moves(mut pending: Vec<Moved>) -> Result<Vec<Moved>, Diagnostic> {
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|s| {
            !pending
                .iter()
                .any(|other| !std::ptr::eq(other, s) && runs_after(s, other))
        });
        let Some(index) = ready else {
            let members: Vec<String> = pending
                .iter()
                .map(|s| format!("{} → {}", s.from, s.to))
                .collect();
            return Err(Diagnostic::error(
                "Cyclic dependency in move statements",
                format!("These chained move statements form a cycle, so there is no final address to move objects to: {}. A chain of moves must end at an address that no statement moves away from.", members.join(", ")),
            )
            .with_span(pending[0].span.clone()));
        };
        ordered.push(pending.remove(index));
    }
    Ok(ordered)
}

/// One object that changes address: a state key before and after the
/// moves (a chain is one move, from its first to its last address).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectMove {
    pub from: String,
    pub to: String,
}

/// The moves Terraform implies for resources not named in any `moved`
/// block: adding `count` moves `a` to `a[0]`, removing it (without
/// `for_each`) moves `a[0]` back to `a`.
fn implied_moves(config: &Config, state: &State, written: &[Moved]) -> Vec<Moved> {
    let named: HashSet<&ResourceAddr> = written
        .iter()
        .flat_map(|m| [m.from.resource(), m.to.resource()])
        .flatten()
        .collect();
    let mut out = Vec::new();
    // State keys name module instances; the resource block says which
    // move its repetition implies in each of them.
    for key in state.resources.keys() {
        let Ok(from) = key.parse::<InstanceAddr>() else {
            continue; // A deposed object moves with its instance.
        };
        let addr = &from.resource;
        let Some(resource) = config.resource(addr) else {
            continue;
        };
        if addr.mode != ResourceMode::Managed || named.iter().any(|n| n.covers(addr)) {
            continue;
        }
        let to = match (&resource.count, &resource.for_each, &from.key) {
            (Some(_), _, InstanceKey::None) => InstanceKey::Index(0),
            (None, None, InstanceKey::Index(0)) => InstanceKey::None,
            _ => continue,
        };
        out.push(Moved {
            from: Endpoint::Instance(from.clone()),
            to: Endpoint::Instance(addr.instance(to)),
            span: resource.span.clone(),
            implied: true,
        });
    }
    out
}

/// Applies the written and implied moves to a copy of `state`. Returns the
/// moved state and each object's move. A move whose source is not in state
/// is ignored; one whose destination another object already has is an error for a
/// written move (Terraform only warns, then destroys the object left
/// behind; stack refuses to plan that) and is skipped for an implied one.
/// Without any move the state is borrowed, not copied: most plans have none.
pub fn apply_moves<'s>(
    config: &Config,
    state: &'s State,
) -> Result<(Cow<'s, State>, Vec<ObjectMove>), Diagnostics> {
    let written: Vec<Moved> = all_blocks(config).flat_map(|b| b.moved.clone()).collect();
    let mut statements = order_moves(written.clone()).map_err(Diagnostics::from)?;
    statements.extend(implied_moves(config, state, &written));
    if statements.is_empty() {
        return Ok((Cow::Borrowed(state), Vec::new()));
    }
    let mut moved = state.clone();
    // The original address of each object that moved, by its current one.
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for statement in &statements {
        let pairs: Vec<(String, String)> = moved
            .resources
            .keys()
            .filter_map(|key| {
                let rest = statement.from.suffix(key)?;
                Some((key.clone(), format!("{}{rest}", statement.to)))
            })
            .collect();
        // The same object at both addresses is a move that a killed apply
        // recorded only half of (the new record, not yet the old one's
        // removal): finishing it loses nothing.
        let taken = pairs.iter().find(|(old, to)| {
            moved
                .resources
                .get(to)
                .is_some_and(|there| Some(there) != moved.resources.get(old))
        });
        if let Some((_, taken)) = taken {
            if !statement.implied {
                diags.push(occupied(statement, taken));
            }
            continue;
        }
        for (old, new) in pairs {
            if let Some(object) = moved.resources.remove(&old) {
                moved.resources.insert(new.clone(), object);
            }
            let first = origin.remove(&old).unwrap_or(old);
            origin.insert(new, first);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let moves = origin
        .into_iter()
        .filter(|(to, from)| to != from)
        .map(|(to, from)| ObjectMove { from, to })
        .collect();
    Ok((Cow::Owned(moved), moves))
}

fn occupied(statement: &Moved, taken: &str) -> Diagnostic {
    Diagnostic::error(
        "Moved object's new address is taken",
        format!("This statement moves {} to {}, but the state already has an object at {taken}. stack will not plan the moved object's destruction: remove one of them from the state first (`stack state rm {taken}`, or `stack state mv` to another address), then plan again.", statement.from, statement.to),
    )
    .with_span(statement.span.clone())
}

/// Whether a state key is one of the objects a `removed` block names.
pub fn removes(removed: &Removed, key: &str) -> bool {
    removed.from.suffix(key).is_some()
}

/// Every `removed` block of the configuration.
pub fn removals(config: &Config) -> impl Iterator<Item = &Removed> {
    all_blocks(config).flat_map(|b| &b.removed)
}

/// Every `import` block of the configuration.
pub fn imports(config: &Config) -> impl Iterator<Item = &Import> {
    all_blocks(config).flat_map(|b| &b.imports)
}

#[cfg(test)]
mod tests;
