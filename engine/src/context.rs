//! What plan and apply share: the loaded stack, its graph, the providers,
//! the root variables, and the evaluation of non-resource nodes
//! (variables, locals, outputs, provider configurations) into per-module
//! namespaces.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::addrs::{InstanceAddr, InstanceKey, ModulePath, ResourceAddr, ResourceMode};
use crate::body::{eval_body, BodyKind};
use crate::config::{Config, Expr, ProviderRef, Resource};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::{Namespace, Scope};
use crate::graph::{Graph, Node};
use crate::provider::{ConfigureRequest, Provider, Schema};
use crate::types::convert;
use crate::value::Value;

/// Makes a fresh provider instance; one is made per provider configuration
/// (`aws` and `aws.west` are two instances).
pub type ProviderFactory = Arc<dyn Fn() -> Arc<dyn Provider> + Send + Sync>;

/// The providers available to a run, by local name.
#[derive(Clone, Default)]
pub struct ProviderRegistry {
    factories: BTreeMap<String, ProviderFactory>,
}

impl ProviderRegistry {
    pub fn new() -> ProviderRegistry {
        ProviderRegistry::default()
    }

    pub fn register(&mut self, name: &str, factory: ProviderFactory) {
        self.factories.insert(name.to_string(), factory);
    }

    /// The registry of the built-in providers (null, random, local, terraform, time).
    pub fn builtin() -> ProviderRegistry {
        let mut registry = ProviderRegistry::new();
        // Built-in providers keep no per-configuration state, so every
        // configuration of one can share a single instance.
        for provider in crate::builtin::builtin_providers() {
            let name = provider.name();
            registry.register(name, Arc::new(move || provider.clone()));
        }
        registry
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    pub fn instantiate(&self, name: &str) -> Option<Arc<dyn Provider>> {
        self.factories.get(name).map(|f| f())
    }

    /// Finds which provider offers a resource type (for `stack schema`).
    pub fn find_schema(&self, type_name: &str, mode: ResourceMode) -> Option<(String, Schema)> {
        for (name, factory) in &self.factories {
            let provider = factory();
            let schemas = match mode {
                ResourceMode::Managed => &provider.schema().resources,
                ResourceMode::Data => &provider.schema().data_sources,
            };
            if let Some(schema) = schemas.get(type_name) {
                return Some((name.clone(), schema.clone()));
            }
        }
        None
    }
}

/// Reports a variable's failed validation rule with its `error_message`,
/// unless that message holds a sensitive value: then, as Terraform does, the
/// message is withheld and a second error points at the expression.
fn validation_failed(
    scope: &Scope,
    validation: &crate::config::Validation,
    name: &str,
    diags: &mut Diagnostics,
) {
    let message = scope.eval(&validation.error_message.expr).ok();
    let sensitive = message.as_ref().is_some_and(Value::contains_sensitive);
    let message = match message.as_ref().map(Value::peel).and_then(Value::as_str) {
        _ if sensitive => {
            "The error message included a sensitive value, so it will not be displayed.".to_string()
        }
        Some(text) => text.to_string(),
        None => "The value is not valid.".to_string(),
    };
    diags.push(
        Diagnostic::error(
            "Invalid value for variable",
            format!("{message}\n\nThis was checked by the validation rule of variable \"{name}\"."),
        )
        .with_span(validation.condition.span.clone()),
    );
    if sensitive {
        diags.push(
            Diagnostic::error(
                "Error message refers to sensitive values",
                "The error expression used to explain this condition refers to sensitive values, so stack will not display the resulting message. Remove the references to sensitive values, or use the nonsensitive() function if the expression cannot reveal the sensitive data.",
            )
            .with_span(validation.error_message.span.clone()),
        );
    }
}

/// Converts an output's value to its declared `type`, if it has one.
fn convert_output(output: &crate::config::Output, value: Value, diags: &mut Diagnostics) -> Value {
    let Some(ty) = &output.ty else {
        return value;
    };
    match convert(value, ty) {
        Ok(v) => v,
        Err(err) => {
            diags.push(
                Diagnostic::error(
                    "Invalid output value",
                    format!("The value of output {:?} does not match its type {ty}: {err} Change the value or the type.", output.name),
                )
                .with_span(output.expr.as_ref().and_then(|e| e.span.clone())),
            );
            Value::Unknown
        }
    }
}

/// A loaded stack ready for planning or applying.
pub struct Context {
    pub config: Config,
    pub graph: Graph,
    pub providers: ProviderRegistry,
    /// Values of the root module's variables (already converted and validated
    /// against nothing yet: conversion happens when the variable node is visited).
    pub root_variables: BTreeMap<String, Value>,
    pub workspace: String,
    pub root_dir: PathBuf,
}

/// Where a walk is: the namespaces of all modules and the configured providers.
pub struct Walker<'c> {
    pub ctx: &'c Context,
    /// One namespace per module instance. A module without repetition
    /// above it has one instance, at its static path; the namespace at the
    /// static path of a module with repetition is the blank each of its
    /// instances starts from.
    pub namespaces: HashMap<ModulePath, Namespace>,
    /// The instances of each module, by static path, known once its module
    /// block has been visited (the root has one, itself).
    module_instances: HashMap<ModulePath, Arc<[ModulePath]>>,
    /// `each.value` of each module instance a `for_each` made.
    module_each: HashMap<ModulePath, Value>,
    pub providers: HashMap<ProviderRef, Arc<dyn Provider>>,
    /// True in `stack validate`: unknown variables are fine, no provider is configured.
    pub validating: bool,
    pub applying: bool,
    /// What `plantimestamp()` returns: set when a plan starts and carried by
    /// the plan into its apply; `None` (unknown) when validating.
    pub plan_timestamp: Option<Arc<str>>,
}

impl<'c> Walker<'c> {
    pub fn new(ctx: &'c Context, validating: bool, applying: bool) -> Walker<'c> {
        let mut namespaces = HashMap::new();
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        for module in ctx.config.modules.values() {
            let mut namespace = Namespace {
                path_module: relative_to(&module.dir, &ctx.root_dir),
                path_root: ".".to_string(),
                path_cwd: cwd.clone(),
                workspace: ctx.workspace.clone(),
                ..Namespace::default()
            };
            if namespace.path_module.is_empty() {
                namespace.path_module = ".".to_string();
            }
            for call in module.module_calls.keys() {
                namespace
                    .modules
                    .insert(call.clone(), Value::Map(BTreeMap::new()));
            }
            namespaces.insert(module.path.clone(), namespace);
        }
        let mut module_instances = HashMap::new();
        module_instances.insert(ModulePath::root(), Arc::from([ModulePath::root()]));
        Walker {
            ctx,
            namespaces,
            module_instances,
            module_each: HashMap::new(),
            providers: HashMap::new(),
            validating,
            applying,
            plan_timestamp: None,
        }
    }

    /// The namespace of a module instance. An instance that no longer
    /// exists (a destroy of what a shrunk `count` left) sees its module's
    /// blank namespace, where references fail with a diagnostic.
    pub fn namespace(&self, module: &ModulePath) -> &Namespace {
        self.namespaces
            .get(module)
            .unwrap_or_else(|| &self.namespaces[&module.to_static()])
    }

    /// The instances of a module (by its static path); none until its
    /// module block has been expanded, or when that failed.
    pub fn module_instances(&self, module: &ModulePath) -> Arc<[ModulePath]> {
        self.module_instances
            .get(module)
            .cloned()
            .unwrap_or_else(|| Arc::from([]))
    }

    /// One resource address per instance of the module a resource block is in.
    pub fn resource_instances(&self, block: &ResourceAddr) -> Vec<ResourceAddr> {
        self.module_instances(&block.module)
            .iter()
            .map(|module| ResourceAddr {
                module: module.clone(),
                ..block.clone()
            })
            .collect()
    }

    pub fn scope(&self, module: &ModulePath, file: Arc<PathBuf>) -> Scope<'_> {
        let mut scope = Scope::new(self.namespace(module), file);
        scope.applying = self.applying;
        scope.plan_timestamp = self.plan_timestamp.clone();
        scope
    }

    /// The scope of one resource instance (`count.index`, `each.key`/`each.value`).
    pub fn instance_scope(
        &self,
        resource: &Resource,
        key: &InstanceKey,
        each_value: Option<&Value>,
    ) -> Scope<'_> {
        let mut scope = self.scope(&resource.addr.module, resource.file.clone());
        match key {
            InstanceKey::Index(i) => scope.count_index = Some(*i),
            InstanceKey::Key(k) => {
                scope.each = Some((
                    Value::String(k.clone()),
                    each_value.cloned().unwrap_or(Value::Unknown),
                ))
            }
            InstanceKey::None => {}
        }
        scope
    }

    /// Evaluates one instance's arguments against its schema, with its
    /// provider's provisioners attached: the configuration the provider
    /// plans from. `local-exec` blocks are checked, with `self` unknown.
    /// Plan and apply both call this, so the provider sees the same
    /// configuration in both phases.
    pub fn instance_config(
        &self,
        resource: &Resource,
        schema: &crate::provider::Schema,
        scope: &Scope<'_>,
        diags: &mut Diagnostics,
    ) -> Value {
        let config = crate::body::eval_body(
            &resource.body,
            schema,
            scope,
            crate::body::BodyKind::Resource,
            &format!("the {} block", resource.addr),
            resource.span.clone(),
            diags,
        );
        let configuration = if resource.provisioners.is_empty() {
            None
        } else {
            self.stack_configuration(diags)
        };
        if resource
            .provisioners
            .iter()
            .any(|p| p.kind == crate::provisioner::LOCAL_EXEC)
        {
            let unknown = crate::body::unknown_object(schema);
            crate::provisioner::check_local_execs(resource, scope, &unknown, diags);
        }
        crate::body::attach_provisioners(
            config,
            resource,
            schema,
            scope,
            configuration.as_ref(),
            diags,
        )
    }

    /// The scope a module block's arguments are evaluated in, for one of
    /// its instances: the caller's namespace, with `count.index` or
    /// `each.key`/`each.value` of that instance.
    fn module_call_scope(&self, instance: &ModulePath, file: Arc<PathBuf>) -> Scope<'_> {
        let parent = instance.parent().unwrap_or_default();
        let mut scope = self.scope(&parent, file);
        match instance.last_key() {
            InstanceKey::Index(i) => scope.count_index = Some(*i),
            InstanceKey::Key(k) => {
                let value = self.module_each.get(instance).cloned();
                scope.each = Some((Value::String(k.clone()), value.unwrap_or(Value::Unknown)));
            }
            InstanceKey::None => {}
        }
        scope
    }

    /// Evaluates a variable, local, output or provider node, or expands a
    /// module block; variables, locals and outputs once per module instance.
    pub async fn visit_value_node(&mut self, node: &Node) -> Diagnostics {
        let mut diags = Diagnostics::new();
        match node {
            Node::Variable(module, name) => {
                for instance in self.module_instances(module).iter() {
                    let value = self.eval_variable(instance, name, &mut diags);
                    self.namespaces
                        .get_mut(instance)
                        .map(|ns| ns.vars.insert(name.clone(), value));
                }
            }
            Node::Local(module, name) => {
                for instance in self.module_instances(module).iter() {
                    let value = self.eval_local(instance, name, &mut diags);
                    self.namespaces
                        .get_mut(instance)
                        .map(|ns| ns.locals.insert(name.clone(), value));
                }
            }
            Node::Output(module, name) => {
                for instance in self.module_instances(module).iter() {
                    let value = self.eval_output(instance, name, &mut diags);
                    self.set_module_output(instance, name, value);
                }
            }
            Node::Module(module) => self.expand_module(module, &mut diags),
            Node::Provider(reference) => {
                if let Err(d) = self.configure_provider(reference).await {
                    diags.extend(d);
                }
            }
            Node::Resource(_) => {}
        }
        diags
    }

    fn eval_local(&self, module: &ModulePath, name: &str, diags: &mut Diagnostics) -> Value {
        let local = &self.ctx.config.modules[&module.to_static()].locals[name];
        let file = local
            .expr
            .span
            .as_ref()
            .map(|s| s.file.clone())
            .unwrap_or_default();
        match self.scope(module, file).eval(&local.expr.expr) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                Value::Unknown
            }
        }
    }

    /// Puts a module instance's output where its caller sees it:
    /// `module.web.out`, `module.web[0].out` or `module.web["a"].out`.
    fn set_module_output(&mut self, instance: &ModulePath, name: &str, value: Value) {
        let (Some(parent), Some(call)) = (instance.parent(), instance.call_name()) else {
            return;
        };
        let Some(slot) = self
            .namespaces
            .get_mut(&parent)
            .and_then(|ns| ns.modules.get_mut(call))
        else {
            return;
        };
        let outputs = match (slot, instance.last_key()) {
            (Value::Map(outputs), InstanceKey::None) => Some(outputs),
            (Value::List(items), InstanceKey::Index(i)) => match items.get_mut(*i) {
                Some(Value::Map(outputs)) => Some(outputs),
                _ => None,
            },
            (Value::Map(items), InstanceKey::Key(k)) => match items.get_mut(k) {
                Some(Value::Map(outputs)) => Some(outputs),
                _ => None,
            },
            _ => None,
        };
        if let Some(outputs) = outputs {
            outputs.insert(name.to_string(), value);
        }
    }

    /// Visits a module block: evaluates its `count`/`for_each` in each
    /// instance of the calling module, making the module's instances (each
    /// with a fresh namespace) and the value the caller sees as
    /// `module.NAME` (an object, or a list or map of objects).
    fn expand_module(&mut self, module: &ModulePath, diags: &mut Diagnostics) {
        let Some(call) = self.ctx.config.module_call(module) else {
            return;
        };
        let name = call.name.clone();
        let mut instances = Vec::new();
        for parent in self
            .module_instances(&module.parent().unwrap_or_default())
            .iter()
        {
            let scope = self.scope(parent, call.file.clone());
            let repetition = Repetition {
                count: call.count.as_ref(),
                for_each: call.for_each.as_ref(),
            };
            let (expansion, shape) = match repetition.expand(&scope, self.validating) {
                Ok(Expansion::Unknown) => (vec![(InstanceKey::None, None)], Value::Unknown),
                Ok(expansion) => (module_keys(&expansion), module_value(&expansion)),
                Err(d) => {
                    diags.push(d);
                    (Vec::new(), Value::Unknown)
                }
            };
            if let Some(ns) = self.namespaces.get_mut(parent) {
                ns.modules.insert(name.clone(), shape);
            }
            for (key, each_value) in expansion {
                let instance = parent.child_instance(&name, key);
                if !self.namespaces.contains_key(&instance) {
                    let blank = self.namespaces[module].clone();
                    self.namespaces.insert(instance.clone(), blank);
                }
                if let Some(value) = each_value {
                    self.module_each.insert(instance.clone(), value);
                }
                instances.push(instance);
            }
        }
        self.module_instances
            .insert(module.clone(), Arc::from(instances));
    }

    pub fn eval_output(&self, module: &ModulePath, name: &str, diags: &mut Diagnostics) -> Value {
        let output = &self.ctx.config.modules[&module.to_static()].outputs[name];
        let Some(expr) = &output.expr else {
            return Value::Null;
        };
        let file = expr
            .span
            .as_ref()
            .map(|s| s.file.clone())
            .unwrap_or_default();
        match self.scope(module, file).eval(&expr.expr) {
            Ok(v) => {
                if module.is_root() && v.contains_sensitive() && !output.sensitive {
                    diags.push(
                        Diagnostic::error(
                            "Output refers to sensitive values",
                            format!(
                                "The output \"{name}\" uses a sensitive value. To show that you know it will not be displayed, add `sensitive = true` to the output block."
                            ),
                        )
                        .with_span(output.span.clone()),
                    );
                }
                convert_output(output, v.mark_if(output.sensitive), diags)
            }
            Err(d) => {
                diags.push(d);
                Value::Unknown
            }
        }
    }

    fn eval_variable(&self, module: &ModulePath, name: &str, diags: &mut Diagnostics) -> Value {
        let variable = &self.ctx.config.modules[&module.to_static()].variables[name];
        let given: Option<Value> = if module.is_root() {
            self.ctx.root_variables.get(name).cloned()
        } else {
            let call = self.ctx.config.module_call(module);
            call.and_then(|call| call.arguments.get(name)).map(|arg| {
                let file = arg
                    .span
                    .as_ref()
                    .map(|s| s.file.clone())
                    .unwrap_or_default();
                match self.module_call_scope(module, file).eval(&arg.expr) {
                    Ok(v) => v,
                    Err(d) => {
                        diags.push(d);
                        Value::Unknown
                    }
                }
            })
        };
        let value = match (given, &variable.default) {
            (Some(v), _) if !(v.is_null() && !variable.nullable && variable.default.is_some()) => v,
            (_, Some(default)) => match crate::eval::constant(&default.expr) {
                Some(v) => v,
                None => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid default value",
                            "The default value of a variable must be a constant: it may not refer to anything.",
                        )
                        .with_span(default.span.clone()),
                    );
                    Value::Unknown
                }
            },
            (_, None) if self.validating => Value::Unknown,
            (_, None) => {
                diags.push(
                    Diagnostic::error(
                        "No value for required variable",
                        format!(
                            "The variable \"{name}\" has no default, so a value must be given: use --var {name}=VALUE, a --var-file, a {}.vars.hcl file, or the environment variable STACK_VAR_{name}.",
                            self.ctx.workspace
                        ),
                    )
                    .with_span(variable.span.clone()),
                );
                Value::Unknown
            }
        };
        if value.is_null() && !variable.nullable {
            diags.push(
                Diagnostic::error(
                    "Required variable not set",
                    format!("The variable \"{name}\" is not nullable, but its value is null. Give it a value."),
                )
                .with_span(variable.span.clone()),
            );
        }
        // Marked before conversion, so that a conversion error cannot quote it.
        let value = value.mark_if(variable.sensitive);
        let value = match &variable.ty {
            Some(ty) => {
                match convert(value, ty) {
                    Ok(v) => v,
                    Err(err) => {
                        let detail = if variable.sensitive {
                            format!("The value given for variable \"{name}\", which is sensitive, is not of type {ty}: {err}")
                        } else {
                            format!("The value given for variable \"{name}\" is not of type {ty}: {err}")
                        };
                        diags.push(
                            Diagnostic::error("Invalid value for input variable", detail)
                                .with_span(variable.span.clone()),
                        );
                        Value::Unknown
                    }
                }
            }
            None => value,
        };
        if !variable.validations.is_empty() && value.is_wholly_known() {
            let mut namespace = self.namespace(module).clone();
            namespace.vars.insert(name.to_string(), value.clone());
            for validation in &variable.validations {
                let file = validation
                    .condition
                    .span
                    .as_ref()
                    .map(|s| s.file.clone())
                    .unwrap_or_default();
                let scope = Scope::new(&namespace, file);
                match scope.eval(&validation.condition.expr).map(|v| v.unmark().0) {
                    Ok(Value::Bool(true)) | Ok(Value::Unknown) => {}
                    Ok(Value::Bool(false)) => {
                        validation_failed(&scope, validation, name, diags);
                    }
                    Ok(other) => diags.push(
                        Diagnostic::error(
                            "Invalid validation condition",
                            format!(
                                "A validation condition must be a bool, not {}.",
                                other.type_name()
                            ),
                        )
                        .with_span(validation.condition.span.clone()),
                    ),
                    Err(d) => diags.push(d),
                }
            }
        }
        value
    }

    /// Instantiates and configures a provider from its `provider` block.
    async fn configure_provider(&mut self, reference: &ProviderRef) -> Result<(), Diagnostics> {
        let Some(provider) = self.ctx.providers.instantiate(&reference.name) else {
            return Ok(()); // Reported where a resource uses it.
        };
        let config_block = self
            .ctx
            .config
            .root()
            .providers
            .iter()
            .find(|p| p.name == reference.name && p.alias == reference.alias);
        let mut diags = Diagnostics::new();
        let config = match config_block {
            Some(block) => {
                let scope = self.scope(&ModulePath::root(), block.file.clone());
                eval_body(
                    &block.body,
                    &provider.schema().provider,
                    &scope,
                    BodyKind::Provider,
                    &format!("the provider \"{}\" block", reference.name),
                    block.span.clone(),
                    &mut diags,
                )
            }
            None => Value::Map(BTreeMap::new()),
        };
        if diags.has_errors() {
            return Err(diags);
        }
        if !self.validating {
            provider.configure(ConfigureRequest { config }).await?;
        }
        self.providers.insert(reference.clone(), provider);
        Ok(())
    }

    /// The configured provider for a resource, configuring a default one
    /// (no `provider` block) on first use.
    pub async fn provider_for(
        &mut self,
        reference: &ProviderRef,
        resource: &Resource,
    ) -> Result<Arc<dyn Provider>, Diagnostic> {
        if let Some(p) = self.providers.get(reference) {
            return Ok(p.clone());
        }
        if self.ctx.providers.instantiate(&reference.name).is_none() {
            let known: Vec<&str> = self.ctx.providers.names().collect();
            return Err(Diagnostic::error(
                "Provider not available",
                format!(
                    "The resource type \"{}\" belongs to a provider named \"{}\", which stack does not have. Available providers: {}.{}",
                    resource.addr.resource_type,
                    reference.name,
                    known.join(", "),
                    did_you_mean(&reference.name, known.iter().copied())
                ),
            )
            .with_span(resource.span.clone()));
        }
        if reference.alias.is_some() {
            return Err(Diagnostic::error(
                "Provider configuration not present",
                format!("The resource uses {reference}, but no provider block with that alias is declared in the root module."),
            )
            .with_span(resource.span.clone()));
        }
        if let Err(diags) = self.configure_provider(reference).await {
            return Err(diags
                .0
                .into_iter()
                .next()
                .unwrap_or_else(|| Diagnostic::error("Provider configuration failed", "")));
        }
        self.providers.get(reference).cloned().ok_or_else(|| {
            Diagnostic::error(
                "Provider configuration failed",
                format!("{reference} could not be configured."),
            )
        })
    }

    /// Evaluates every provider configuration and what it needs (variables,
    /// locals) without planning any resource: for destroy plans and imports,
    /// whose walks skip the resource nodes.
    pub async fn prepare_providers(&mut self) -> Diagnostics {
        let ctx = self.ctx;
        let mut needed = vec![false; ctx.graph.graph.node_count()];
        for (node, &index) in &ctx.graph.index {
            if matches!(node, Node::Provider(_)) {
                needed[index.index()] = true;
                for ancestor in ctx.graph.ancestors(index) {
                    if !matches!(ctx.graph.node(ancestor), Node::Resource(_)) {
                        needed[ancestor.index()] = true;
                    }
                }
            }
        }
        let mut diags = Diagnostics::new();
        for &index in &ctx.graph.order {
            if needed[index.index()] {
                let node = ctx.graph.node(index).clone();
                diags.extend(self.visit_value_node(&node).await);
            }
        }
        diags
    }

    /// The stack block's `configuration` map, evaluated in the root module.
    pub fn stack_configuration(&self, diags: &mut Diagnostics) -> Option<Value> {
        let expr = self.ctx.config.root().settings.configuration.as_ref()?;
        let file = expr
            .span
            .as_ref()
            .map(|s| s.file.clone())
            .unwrap_or_default();
        match self.scope(&ModulePath::root(), file).eval(&expr.expr) {
            Ok(v) => Some(v),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    /// Sets the value `aws_instance.web` has in expressions, from its instances.
    pub fn set_resource_value(&mut self, addr: &ResourceAddr, value: Value) {
        let Some(namespace) = self.namespaces.get_mut(&addr.module) else {
            return;
        };
        let map = match addr.mode {
            ResourceMode::Managed => &mut namespace.resources,
            ResourceMode::Data => &mut namespace.data,
        };
        map.entry(addr.resource_type.clone())
            .or_default()
            .insert(addr.name.clone(), value);
    }
}

/// A resource block as seen from one module instance: the block itself at
/// its static address, or a copy whose address names the instance's module.
pub fn resource_view<'r>(
    block: &'r Resource,
    addr: &ResourceAddr,
) -> std::borrow::Cow<'r, Resource> {
    if block.addr == *addr {
        std::borrow::Cow::Borrowed(block)
    } else {
        std::borrow::Cow::Owned(Resource {
            addr: addr.clone(),
            ..block.clone()
        })
    }
}

/// Combines instance values into the value a resource has in expressions:
/// an object, a list (count) or a map (for_each).
/// It takes the instances' values rather than copying them.
pub fn resource_value(expansion: &Expansion, mut instances: BTreeMap<InstanceKey, Value>) -> Value {
    let mut get = |k: &InstanceKey| instances.remove(k).unwrap_or(Value::Unknown);
    match expansion {
        Expansion::Single => get(&InstanceKey::None),
        Expansion::Count(n) => Value::List((0..*n).map(|i| get(&InstanceKey::Index(i))).collect()),
        Expansion::ForEach(keys) => Value::Map(
            keys.keys()
                .map(|k| (k.clone(), get(&InstanceKey::Key(k.clone()))))
                .collect(),
        ),
        Expansion::Unknown => Value::Unknown,
    }
}

/// How a resource block expands into instances.
#[derive(Debug, Clone)]
pub enum Expansion {
    Single,
    Count(usize),
    /// for_each keys with their `each.value`.
    ForEach(BTreeMap<String, Value>),
    /// Not known (only in `stack validate`).
    Unknown,
}

impl Expansion {
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(InstanceKey::Index).collect(),
            Expansion::ForEach(map) => map.keys().map(|k| InstanceKey::Key(k.clone())).collect(),
            Expansion::Unknown => Vec::new(),
        }
    }

    pub fn each_value(&self, key: &InstanceKey) -> Option<&Value> {
        match (self, key) {
            (Expansion::ForEach(map), InstanceKey::Key(k)) => map.get(k),
            _ => None,
        }
    }
}

/// The instance keys of a module block's expansion, with `each.value`.
fn module_keys(expansion: &Expansion) -> Vec<(InstanceKey, Option<Value>)> {
    expansion
        .keys()
        .into_iter()
        .map(|key| {
            let each_value = expansion.each_value(&key).cloned();
            (key, each_value)
        })
        .collect()
}

/// What `module.NAME` is before its outputs are known: an object per
/// instance, in a list for `count` and a map for `for_each`.
fn module_value(expansion: &Expansion) -> Value {
    let blank = || Value::Map(BTreeMap::new());
    match expansion {
        Expansion::Single => blank(),
        Expansion::Count(n) => Value::List((0..*n).map(|_| blank()).collect()),
        Expansion::ForEach(keys) => Value::Map(keys.keys().map(|k| (k.clone(), blank())).collect()),
        Expansion::Unknown => Value::Unknown,
    }
}

/// Evaluates `count` or `for_each` of a resource.
pub fn expand(walker: &Walker<'_>, resource: &Resource) -> Result<Expansion, Diagnostic> {
    let scope = walker.scope(&resource.addr.module, resource.file.clone());
    Repetition {
        count: resource.count.as_ref(),
        for_each: resource.for_each.as_ref(),
    }
    .expand(&scope, walker.validating)
}

/// The `count` and `for_each` arguments of a resource or module block.
pub struct Repetition<'a> {
    pub count: Option<&'a Expr>,
    pub for_each: Option<&'a Expr>,
}

impl Repetition<'_> {
    /// Evaluates the repetition into instance keys; unknown values are an
    /// error, except in `stack validate`.
    pub fn expand(&self, scope: &Scope<'_>, validating: bool) -> Result<Expansion, Diagnostic> {
        if let Some(count) = self.count {
            return expand_count(scope, count, validating);
        }
        if let Some(for_each) = self.for_each {
            return expand_for_each(scope, for_each, validating);
        }
        Ok(Expansion::Single)
    }
}

fn expand_count(
    scope: &Scope<'_>,
    count: &Expr,
    validating: bool,
) -> Result<Expansion, Diagnostic> {
    let value = scope.eval(&count.expr)?;
    let (value, _) = value.unmark();
    match value {
        Value::Unknown if validating => Ok(Expansion::Unknown),
        Value::Unknown => Err(Diagnostic::error(
            "Invalid count argument",
            format!(
                "The \"count\" value depends on values that cannot be determined until apply ({}), so stack cannot predict how many instances will be created. Use values known at plan time (variables, locals), or first apply the resources it depends on with --target.",
                unknown_parts(scope, &count.expr).join(", ")
            ),
        )
        .with_span(count.span.clone())),
        Value::Number(n) if n.to_i64().is_some_and(|i| i >= 0) => {
            Ok(Expansion::Count(n.to_i64().unwrap_or(0) as usize))
        }
        // A string holding a whole number converts, as everywhere in Terraform.
        Value::String(s) if s.trim().parse::<usize>().is_ok() => {
            Ok(Expansion::Count(s.trim().parse().unwrap_or(0)))
        }
        Value::Null => Err(Diagnostic::error("Invalid count argument", "The \"count\" value is null; a whole number is required.").with_span(count.span.clone())),
        // Terraform's summary when the value is not a number at all.
        other @ (Value::Bool(_) | Value::String(_) | Value::List(_) | Value::Set(_) | Value::Map(_)) => Err(Diagnostic::error(
            "Incorrect value type",
            format!("The \"count\" value must be a whole number, not {}.", other.type_name()),
        )
        .with_span(count.span.clone())),
        other => Err(Diagnostic::error(
            "Invalid count argument",
            format!("The \"count\" value must be a non-negative whole number, not {other}."),
        )
        .with_span(count.span.clone())),
    }
}

fn expand_for_each(
    scope: &Scope<'_>,
    for_each: &Expr,
    validating: bool,
) -> Result<Expansion, Diagnostic> {
    let value = scope.eval(&for_each.expr)?;
    if value.is_sensitive() {
        return Err(Diagnostic::error(
            "Invalid for_each argument",
            "Sensitive values cannot be used as for_each arguments, because the instance keys would show them. Use nonsensitive() on the keys if they are not secret.",
        )
        .with_span(for_each.span.clone()));
    }
    let unknown_error = |scope: &Scope<'_>| {
        Diagnostic::error(
            "Invalid for_each argument",
            format!(
                "The \"for_each\" value depends on values that cannot be determined until apply ({}), so stack cannot predict which instances will be created. Use keys known at plan time, or first apply the resources it depends on with --target.",
                unknown_parts(scope, &for_each.expr).join(", ")
            ),
        )
        .with_span(for_each.span.clone())
    };
    match value {
        Value::Unknown if validating => Ok(Expansion::Unknown),
        Value::Unknown => Err(unknown_error(scope)),
        Value::Map(map) => Ok(Expansion::ForEach(map)),
        Value::Set(items) => {
            let mut keys = BTreeMap::new();
            for item in items {
                match item.peel() {
                    Value::String(s) => {
                        keys.insert(s.clone(), item.clone());
                    }
                    Value::Unknown if validating => return Ok(Expansion::Unknown),
                    Value::Unknown => return Err(unknown_error(scope)),
                    other => {
                        return Err(Diagnostic::error(
                            "Invalid for_each set argument",
                            format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing type {}.", other.type_name()),
                        )
                        .with_span(for_each.span.clone()))
                    }
                }
            }
            Ok(Expansion::ForEach(keys))
        }
        Value::Null => Err(Diagnostic::error(
            "Invalid for_each argument",
            "The given \"for_each\" argument value is null. A map, or set of strings, is allowed.",
        )
        .with_span(for_each.span.clone())),
        other => Err(Diagnostic::error(
            "Invalid for_each argument",
            format!(
                "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}. Convert a list with toset().",
                other.type_name()
            ),
        )
        .with_span(for_each.span.clone())),
    }
}

/// The references in an expression whose values are unknown, for error messages.
fn unknown_parts(scope: &Scope<'_>, expr: &hcl_edit::expr::Expression) -> Vec<String> {
    let mut out = Vec::new();
    collect_unknown_traversals(scope, expr, &mut out);
    if out.is_empty() {
        out.push(expr.to_string().trim().to_string());
    }
    out.sort();
    out.dedup();
    out
}

fn collect_unknown_traversals(
    scope: &Scope<'_>,
    expr: &hcl_edit::expr::Expression,
    out: &mut Vec<String>,
) {
    use hcl_edit::expr::Expression;
    match expr {
        Expression::Traversal(_) | Expression::Variable(_) => {
            if matches!(scope.eval(expr), Ok(v) if !v.is_wholly_known()) {
                out.push(format!(
                    "`{}` is known only after apply",
                    expr.to_string().trim()
                ));
            }
        }
        Expression::FuncCall(call) => call
            .args
            .iter()
            .for_each(|a| collect_unknown_traversals(scope, a, out)),
        Expression::Parenthesis(p) => collect_unknown_traversals(scope, p.inner(), out),
        Expression::BinaryOp(op) => {
            collect_unknown_traversals(scope, &op.lhs_expr, out);
            collect_unknown_traversals(scope, &op.rhs_expr, out);
        }
        Expression::Conditional(c) => {
            collect_unknown_traversals(scope, &c.cond_expr, out);
            collect_unknown_traversals(scope, &c.true_expr, out);
            collect_unknown_traversals(scope, &c.false_expr, out);
        }
        Expression::ForExpr(f) => collect_unknown_traversals(scope, &f.intro.collection_expr, out),
        Expression::Array(items) => items
            .iter()
            .for_each(|a| collect_unknown_traversals(scope, a, out)),
        Expression::Object(object) => object
            .iter()
            .for_each(|(_, v)| collect_unknown_traversals(scope, v.expr(), out)),
        _ => {}
    }
}

/// Resolves the root variables from raw inputs: text from `--var` and the
/// environment is parsed as HCL when the variable's type is not a string.
pub fn resolve_root_variables(
    config: &Config,
    inputs: Vec<VariableInput>,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut out = BTreeMap::new();
    let root = config.root();
    for input in inputs {
        let Some(variable) = root.variables.get(&input.name) else {
            if input.source_is_environment {
                continue;
            }
            // Like Terraform: an undeclared --var is an error (likely a typo),
            // an undeclared name in a variables file only a warning (files are shared).
            let make = if input.source == "--var" {
                Diagnostic::error
            } else {
                Diagnostic::warning
            };
            diags.push(make(
                "Value for undeclared variable",
                format!(
                    "A value was given for \"{}\" ({}), but no variable with that name is declared; it is ignored.{}",
                    input.name,
                    input.source,
                    did_you_mean(&input.name, root.variables.keys().map(String::as_str))
                ),
            ));
            continue;
        };
        let value = match input.value {
            InputValue::Value(v) => v,
            InputValue::Text(text) => {
                let wants_string = matches!(variable.ty, None | Some(crate::types::Type::String));
                if wants_string {
                    Value::String(text)
                } else {
                    match hcl_edit::parser::parse_expr(&text)
                        .ok()
                        .and_then(|e| crate::eval::constant(&e))
                    {
                        Some(v) => v,
                        None => Value::String(text),
                    }
                }
            }
        };
        out.insert(input.name, value);
    }
    (out, diags)
}

#[derive(Debug, Clone)]
pub enum InputValue {
    Text(String),
    Value(Value),
}

#[derive(Debug, Clone)]
pub struct VariableInput {
    pub name: String,
    pub value: InputValue,
    /// Where it came from, for messages ("--var", "prod.vars.hcl").
    pub source: String,
    pub source_is_environment: bool,
}

/// Reads a variables file (`*.vars.hcl`, `*.tfvars`): `name = value` lines.
/// `*.json` files (`terraform.tfvars.json`) hold one JSON object.
pub fn read_variables_file(path: &Path) -> Result<Vec<VariableInput>, Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Cannot read variables file",
            format!("Reading {}: {e}.", path.display()),
        ))
    })?;
    if path.extension().is_some_and(|e| e == "json") {
        return read_json_variables(path, &text);
    }
    let file = Arc::new(path.to_path_buf());
    let body = hcl_edit::parser::parse_body(&text)
        .map_err(|e| Diagnostics::from(crate::config::parse_error_diagnostic(&e, &file)))?;
    let mut diags = Diagnostics::new();
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            hcl_edit::structure::Structure::Attribute(attr) => match crate::eval::constant(&attr.value) {
                Some(value) => out.push(VariableInput {
                    name: attr.key.as_str().to_string(),
                    value: InputValue::Value(value),
                    source: path.display().to_string(),
                    source_is_environment: false,
                }),
                None => diags.push(
                    Diagnostic::error(
                        "Variables not allowed",
                        "Values in a variables file must be constants; they may not refer to anything.",
                    )
                    .with_span(hcl_edit::Span::span(&attr.value).map(|r| crate::diagnostics::Span::new(file.clone(), r))),
                ),
            },
            hcl_edit::structure::Structure::Block(block) => diags.push(
                Diagnostic::error("Unexpected block", "A variables file holds only `name = value` lines.")
                    .with_span(hcl_edit::Span::span(&block.ident).map(|r| crate::diagnostics::Span::new(file.clone(), r))),
            ),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

fn read_json_variables(path: &Path, text: &str) -> Result<Vec<VariableInput>, Diagnostics> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Invalid variables file",
            format!(
                "{} is not valid JSON: {e}. It must hold one object of `\"name\": value` pairs.",
                path.display()
            ),
        ))
    })?;
    let Some(object) = json.as_object() else {
        return Err(Diagnostic::error(
            "Invalid variables file",
            format!(
                "{} must hold one JSON object of `\"name\": value` pairs.",
                path.display()
            ),
        )
        .into());
    };
    Ok(object
        .iter()
        .map(|(name, value)| VariableInput {
            name: name.clone(),
            value: InputValue::Value(Value::from_json(value)),
            source: path.display().to_string(),
            source_is_environment: false,
        })
        .collect())
}

/// The variables files a directory supplies without being named, in
/// Terraform's order of increasing precedence: `terraform.tfvars`,
/// `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json`
/// in lexical order, then stack's own `<workspace>.vars.hcl`.
pub fn default_variable_files(dir: &Path, workspace: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.is_file())
        .collect();
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            path.is_file()
                && (name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
        })
        .collect();
    auto.sort();
    files.extend(auto);
    let own = dir.join(format!("{workspace}.vars.hcl"));
    if own.is_file() {
        files.push(own);
    }
    files
}

/// Variable values from the environment: `TF_VAR_name`, then stack's own
/// `STACK_VAR_name`, which wins when both are set.
pub fn environment_variables(vars: impl Iterator<Item = (String, String)>) -> Vec<VariableInput> {
    let mut found: Vec<(u8, String, String)> = vars
        .filter_map(|(key, value)| {
            if let Some(name) = key.strip_prefix("TF_VAR_") {
                Some((0, name.to_string(), value))
            } else {
                key.strip_prefix("STACK_VAR_")
                    .map(|name| (1, name.to_string(), value))
            }
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(rank, name, value)| VariableInput {
            source: format!(
                "the environment variable {}{name}",
                if rank == 0 { "TF_VAR_" } else { "STACK_VAR_" }
            ),
            name,
            value: InputValue::Text(value),
            source_is_environment: true,
        })
        .collect()
}

fn relative_to(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => format!("./{}", rel.display()),
        Err(_) => path.display().to_string(),
    }
}

/// The instance address of a resource's instance.
pub fn instance_addr(resource: &Resource, key: InstanceKey) -> InstanceAddr {
    resource.addr.instance(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestStack;

    const EXPANDED: &str = r#"
variable "n" {
  type = number
}
resource "terraform_data" "counted" {
  count = var.n
}
resource "terraform_data" "each" {
  for_each = { x = 1, y = 2 }
  input    = each.value
}
"#;

    fn resource<'a>(ctx: &'a Context, name: &str) -> &'a Resource {
        let addr = ResourceAddr::new(
            ModulePath::root(),
            ResourceMode::Managed,
            "terraform_data",
            name,
        );
        ctx.config.resource(&addr).unwrap()
    }

    #[tokio::test]
    async fn count_and_for_each_expand_into_their_instance_keys() {
        let stack = TestStack::new(EXPANDED, &[("n", "2")]);
        let mut walker = Walker::new(&stack.ctx, false, false);
        let diags = walker
            .visit_value_node(&Node::Variable(ModulePath::root(), "n".to_string()))
            .await;
        assert!(!diags.has_errors(), "{diags}");
        let counted = expand(&walker, resource(&stack.ctx, "counted")).unwrap();
        assert_eq!(
            counted.keys(),
            [InstanceKey::Index(0), InstanceKey::Index(1)]
        );
        let each = expand(&walker, resource(&stack.ctx, "each")).unwrap();
        let y = InstanceKey::Key("y".to_string());
        assert_eq!(each.keys(), [InstanceKey::Key("x".to_string()), y.clone()]);
        assert_eq!(each.each_value(&y), Some(&Value::number(2.0)));
    }

    #[tokio::test]
    async fn instance_config_evaluates_each_instance_in_its_own_scope() {
        let stack = TestStack::new(EXPANDED, &[("n", "1")]);
        let walker = Walker::new(&stack.ctx, false, false);
        let each = resource(&stack.ctx, "each");
        let schema = stack
            .ctx
            .providers
            .instantiate("terraform")
            .unwrap()
            .schema()
            .resources["terraform_data"]
            .clone();
        let value = Value::number(1.0);
        let scope = walker.instance_scope(each, &InstanceKey::Key("x".to_string()), Some(&value));
        let mut diags = Diagnostics::new();
        let config = walker.instance_config(each, &schema, &scope, &mut diags);
        assert!(!diags.has_errors(), "{diags}");
        assert_eq!(config.as_map().unwrap()["input"], Value::number(1.0));
    }

    const SENSITIVE: &str = r#"
variable "db_password" {
  type      = number
  sensitive = true
}
variable "token" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.token) > 20
    error_message = "Token ${var.token} is too short."
  }
}
"#;

    #[tokio::test]
    async fn errors_about_sensitive_variables_never_quote_their_values() {
        let stack = TestStack::new(
            SENSITIVE,
            &[("db_password", "canary-4711"), ("token", "canary-0815")],
        );
        let diags = stack
            .plan(
                &state::State::new("l".into()),
                crate::plan::PlanMode::Normal,
            )
            .await
            .unwrap_err();
        let text = diags.to_string();
        assert!(!text.contains("canary"), "{text}");
        assert!(
            text.contains("which is sensitive, is not of type number: a number is required."),
            "{text}"
        );
        assert!(
            text.contains("The error message included a sensitive value"),
            "{text}"
        );
        assert!(
            text.contains("Error message refers to sensitive values"),
            "{text}"
        );
    }

    #[test]
    fn environment_variables_put_stack_var_after_tf_var_so_it_wins() {
        let env = [
            ("STACK_VAR_region".to_string(), "eu".to_string()),
            ("TF_VAR_region".to_string(), "us".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let inputs = environment_variables(env.into_iter());
        let sources: Vec<&str> = inputs.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(
            sources,
            [
                "the environment variable TF_VAR_region",
                "the environment variable STACK_VAR_region"
            ]
        );
    }

    #[test]
    fn default_variable_files_come_in_terraforms_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.auto.tfvars",
            "terraform.tfvars.json",
            "a.auto.tfvars.json",
            "terraform.tfvars",
            "default.vars.hcl",
            "x.tfvars",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = default_variable_files(dir.path(), "default")
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "terraform.tfvars",
                "terraform.tfvars.json",
                "a.auto.tfvars.json",
                "b.auto.tfvars",
                "default.vars.hcl"
            ]
        );
    }
}
