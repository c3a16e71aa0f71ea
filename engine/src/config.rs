//! The configuration model, loaded from a stack directory's templates.
//!
//! Files are parsed with `hcl-edit` because it keeps byte spans; the blocks
//! are lowered into typed structs that keep each argument's expression and
//! its span, so that evaluation errors can point at the source. Loading
//! accumulates diagnostics instead of stopping at the first problem, so
//! `stack validate` reports everything in one run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;

use crate::addrs::{InstanceKey, ModulePath, ResourceAddr, ResourceMode};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::types::{parse_type, Type};
use crate::value::Value;

/// A template file's text, kept for rendering diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: Arc<PathBuf>,
    pub text: Arc<str>,
    /// For a JSON file, the map from its native-syntax translation (which
    /// every span of the file points into) back to `text`.
    pub json_map: Option<Arc<crate::json_syntax::SpanMap>>,
}

impl SourceFile {
    pub fn new(path: Arc<PathBuf>, text: &str) -> SourceFile {
        SourceFile {
            path,
            text: Arc::from(text),
            json_map: None,
        }
    }

    /// The range of `text` a span's range stands for.
    pub fn locate(&self, range: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        match &self.json_map {
            Some(map) => map.locate(range),
            None => range.clone(),
        }
    }
}

/// An expression together with where it was written.
#[derive(Debug, Clone)]
pub struct Expr {
    pub expr: Expression,
    pub span: Option<Span>,
}

impl Expr {
    pub fn new(expr: Expression, file: &Arc<PathBuf>) -> Expr {
        let span = expr.span().map(|r| Span::new(file.clone(), r));
        Expr { expr, span }
    }
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub span: Option<Span>,
    pub ty: Option<Type>,
    pub default: Option<Expr>,
    pub description: String,
    pub sensitive: bool,
    /// `ephemeral = true`: the value is never stored in plan files or state,
    /// and may only flow where Terraform allows ephemeral values.
    pub ephemeral: bool,
    pub nullable: bool,
    /// `const = true`: the value must be known before anything is evaluated.
    pub constant: bool,
    /// `deprecated = "…"`: the message, and where it is written.
    pub deprecated: Option<(String, Option<Span>)>,
    pub validations: Vec<Validation>,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: Option<Span>,
    pub expr: Option<Expr>,
    pub sensitive: bool,
    /// `ephemeral = true` (child modules only): the value may derive from
    /// ephemeral values and is itself ephemeral.
    pub ephemeral: bool,
    pub ephemeral_span: Option<Span>,
    pub description: String,
    pub depends_on: Vec<Expr>,
    /// `type = …`: the value is converted to it.
    pub ty: Option<Type>,
    /// `deprecated = "…"`: the message, and where it is written.
    pub deprecated: Option<(String, Option<Span>)>,
    /// `precondition` blocks, checked when the value is evaluated.
    pub preconditions: Vec<Validation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IgnoreChanges {
    #[default]
    Nothing,
    All,
    /// Paths into the resource's value: `tags` is `[Key("tags")]`,
    /// `tags["Name"]` is `[Key("tags"), Key("Name")]`, `rule[0]` ends with
    /// `Index(0)`.
    Attributes(Vec<state::AttrPath>),
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    /// May reference variables and locals (unlike Terraform), so it is an expression.
    pub prevent_destroy: Option<Expr>,
    pub ignore_changes: IgnoreChanges,
    /// Where each name of `ignore_changes` was written, for checking them
    /// against the resource type's schema.
    pub ignore_changes_at: Vec<(String, Option<Span>)>,
    pub replace_triggered_by: Vec<Expr>,
    /// Checked before the instance is planned.
    pub preconditions: Vec<Validation>,
    /// Checked against the planned value (`self`), and again after apply.
    pub postconditions: Vec<Validation>,
}

/// A `provisioner "TYPE" { … }` block (`crate::provisioner` lowers it).
#[derive(Debug, Clone)]
pub struct Provisioner {
    pub kind: String,
    pub span: Option<Span>,
    pub body: Body,
    pub when: crate::provisioner::When,
    pub on_failure: crate::provisioner::OnFailure,
}

/// Which provider configuration a resource uses: `aws` or `aws.west`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
}

impl std::fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(alias) => write!(f, "provider.{}.{}", self.name, alias),
            None => write!(f, "provider.{}", self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub addr: ResourceAddr,
    pub span: Option<Span>,
    pub file: Arc<PathBuf>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub provider: ProviderRef,
    /// True when `provider = …` was written (otherwise inferred from the type).
    pub provider_explicit: bool,
    pub lifecycle: Lifecycle,
    /// The block's body; meta-arguments are skipped when it is evaluated.
    /// Shared, because a block inside a module instantiated many times is
    /// viewed once per instance (`context::resource_view`).
    pub body: Arc<Body>,
    pub provisioners: Vec<Provisioner>,
    /// The `check` block a data source is nested in: only its assertions
    /// may refer to it, and a failed read is a warning, not an error.
    pub check: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub span: Option<Span>,
    pub source: String,
    /// `version = "~> 1.2"`: the constraint a registry source is resolved with.
    pub version: Option<String>,
    pub arguments: BTreeMap<String, Expr>,
    pub depends_on: Vec<Expr>,
    /// `count` and `for_each`: the module is instantiated once per key.
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub file: Arc<PathBuf>,
    /// The `providers = { … }` map: configurations passed to the module.
    pub providers: Vec<crate::module_providers::PassedProvider>,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub span: Option<Span>,
    pub file: Arc<PathBuf>,
    pub body: Body,
}

/// Settings of the `stack` block (or a `terraform` block's equivalents).
#[derive(Debug, Clone, Default)]
pub struct StackSettings {
    pub name: Option<String>,
    /// The stack's `configuration` map, exported as environment variables
    /// to shell provisioners.
    pub configuration: Option<Expr>,
    pub backend: Option<String>,
    /// The body of the `backend "TYPE" { … }` block, for the state layer.
    pub backend_body: Option<BackendBody>,
    /// Where the first `backend` block is (a module takes one).
    pub backend_block: Option<Span>,
    pub required_providers: Vec<(String, Option<Span>)>,
    /// Where a `cloud` block is (HCP Terraform; it conflicts with a backend).
    pub cloud_block: Option<Span>,
    /// Where the first `required_providers` block is (a module takes one).
    pub required_providers_block: Option<Span>,
    /// Each `required_version` constraint string, checked against
    /// [`crate::version::TERRAFORM_LANGUAGE_VERSION`].
    pub required_version: Vec<(String, Option<Span>)>,
    /// The `drift { … }` block of the `stack` block.
    pub drift: DriftSettings,
}

/// What `stack drift --unmanaged` leaves out: objects carrying any of
/// `exclude_tags` (key and value), or whose id matches one of the
/// `exclude_ids` glob patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftSettings {
    pub exclude_tags: BTreeMap<String, String>,
    pub exclude_ids: Vec<String>,
}

/// A backend block's body as written, with the file it is in.
#[derive(Debug, Clone)]
pub struct BackendBody {
    pub body: hcl_edit::structure::Body,
    pub file: Arc<PathBuf>,
    pub span: Option<Span>,
}

/// One module: the root stack directory or a `module` block's source.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub path: ModulePath,
    pub dir: PathBuf,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub outputs: BTreeMap<String, Output>,
    pub resources: BTreeMap<ResourceAddr, Resource>,
    pub module_calls: BTreeMap<String, ModuleCall>,
    pub providers: Vec<ProviderConfig>,
    pub settings: StackSettings,
    /// `moved`, `removed` and `import` blocks (`crate::refactor`).
    pub refactoring: crate::refactor::Blocks,
    /// `check` blocks: assertions reported as warnings after plan and apply.
    pub checks: Vec<Check>,
}

/// A `check "NAME" { assert { … } }` block.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub file: Arc<PathBuf>,
    pub asserts: Vec<Validation>,
}

/// A whole stack: every module instance by path, and every source file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub modules: BTreeMap<ModulePath, Module>,
    pub files: Vec<SourceFile>,
}

impl Config {
    /// The root stack directory (where registry modules are installed).
    pub fn root_dir(&self) -> PathBuf {
        self.modules
            .get(&ModulePath::root())
            .map(|m| m.dir.clone())
            .unwrap_or_default()
    }

    pub fn root(&self) -> &Module {
        &self.modules[&ModulePath::root()]
    }

    /// The resource block of a resource, of any module instance.
    pub fn resource(&self, addr: &ResourceAddr) -> Option<&Resource> {
        if addr
            .module
            .0
            .iter()
            .all(|step| step.key == InstanceKey::None)
        {
            return self.modules.get(&addr.module)?.resources.get(addr);
        }
        let addr = addr.to_static();
        self.modules.get(&addr.module)?.resources.get(&addr)
    }

    /// The module block that `path` (a module instance or a static path) was called by.
    pub fn module_call(&self, path: &ModulePath) -> Option<&ModuleCall> {
        let parent = path.parent()?.to_static();
        self.modules
            .get(&parent)?
            .module_calls
            .get(path.call_name()?)
    }

    /// Every resource of every module, in address order.
    pub fn all_resources(&self) -> impl Iterator<Item = &Resource> {
        self.modules.values().flat_map(|m| m.resources.values())
    }

    pub fn source(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path.as_path() == path)
    }
}

/// True for files that hold templates: `*.tf` and `*.hcl`, except variable
/// files, their JSON forms `*.tf.json` and `*.hcl.json`, and except what
/// Terraform ignores: names starting with `.` (such as
/// `.terraform.lock.hcl`) or `#`, or ending with `~` (editor files).
pub fn is_template_file(name: &str) -> bool {
    let ignored = name.starts_with('.') || name.starts_with('#') || name.ends_with('~');
    let native = name.strip_suffix(".json").unwrap_or(name);
    !ignored
        && (native.ends_with(".tf") || native.ends_with(".hcl"))
        && !native.ends_with(".vars.hcl")
}

/// Terraform's override files (`override.tf`, `*_override.tf` and their
/// JSON forms), whose blocks are merged into the others' rather than added.
pub fn is_override_file(name: &str) -> bool {
    let native = name.strip_suffix(".json").unwrap_or(name);
    let stem = native.strip_suffix(".tf").unwrap_or(native);
    native.ends_with(".tf") && (stem == "override" || stem.ends_with("_override"))
}

/// Lists a directory's template files in a deterministic order.
pub fn template_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_file() && is_template_file(&name) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The summary of a syntax error, by which callers recognise one.
pub const SYNTAX_ERROR: &str = "Invalid syntax";
/// The summary of a JSON file whose shape is not a configuration's.
pub const JSON_SHAPE_ERROR: &str = "Incorrect JSON value type";

/// True for diagnostics that leave a file (partly) unread, after which
/// other errors would only mislead.
pub fn is_syntax_error(d: &Diagnostic) -> bool {
    d.summary == SYNTAX_ERROR || d.summary == JSON_SHAPE_ERROR
}

/// Turns an hcl-edit parse error into a diagnostic pointing at its location.
pub fn parse_error_diagnostic(err: &hcl_edit::parser::Error, file: &Arc<PathBuf>) -> Diagnostic {
    let offset = err.location().offset();
    Diagnostic::error(
        SYNTAX_ERROR,
        format!(
            "The template could not be parsed: {}. Check the line for a missing quote, bracket or `=`.",
            err.message()
        ),
    )
    .with_span(Some(Span::new(file.clone(), offset..offset + 1)))
}

/// Loads the stack in `dir` with all the modules it calls.
pub fn load(dir: &Path) -> (Config, Diagnostics) {
    let mut config = Config::default();
    let mut diags = Diagnostics::new();
    load_module(dir, ModulePath::root(), &mut config, &mut diags, 0);
    diags.extend(crate::validate::check(&config));
    diags.extend(crate::refactor::check(&config));
    (config, diags)
}

const MAX_MODULE_DEPTH: usize = 32;

fn load_module(
    dir: &Path,
    path: ModulePath,
    config: &mut Config,
    diags: &mut Diagnostics,
    depth: usize,
) {
    let mut module = Module {
        path: path.clone(),
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let files = match template_files(dir) {
        Ok(files) => files,
        Err(err) => {
            diags.push(Diagnostic::error(
                "Cannot read stack directory",
                format!(
                    "Reading {}: {err}. Check that the directory exists and is readable.",
                    dir.display()
                ),
            ));
            config.modules.insert(path, module);
            return;
        }
    };
    if files.is_empty() && path.is_root() {
        diags.push(Diagnostic::error(
            "No templates",
            format!(
                "{} holds no *.tf, *.tf.json or *.hcl files. Run stack in a stack directory, or pass one with -C DIR.",
                dir.display()
            ),
        ));
    }
    for file_path in files {
        let text = match std::fs::read_to_string(&file_path) {
            Ok(text) => text,
            Err(err) => {
                diags.push(Diagnostic::error(
                    "Cannot read template",
                    format!("Reading {}: {err}.", file_path.display()),
                ));
                continue;
            }
        };
        let file = Arc::new(file_path);
        let mut source = SourceFile::new(file.clone(), &text);
        if let Some(body) = parse_file(&text, &mut source, diags) {
            lower_body(body, &file, &mut module, diags);
        }
        config.files.push(source);
    }
    let calls: Vec<ModuleCall> = module.module_calls.values().cloned().collect();
    config.modules.insert(path.clone(), module);
    for call in calls {
        // A missing or unsupported source was reported when the call was lowered.
        // Registry sources were installed under the root by `stack init`; a
        // malformed one was reported when the call was lowered.
        let child_dir = if call.source.starts_with(REGISTRY_SCHEME) {
            match registry_module_dir(&config.root_dir(), &call.source) {
                Some(installed) => installed,
                None => continue,
            }
        } else if is_local_source(&call.source) {
            dir.join(&call.source)
        } else {
            continue;
        };
        if depth >= MAX_MODULE_DEPTH {
            diags.push(
                Diagnostic::error(
                    "Module nesting too deep",
                    "Modules call each other more than 32 levels deep; a module probably calls itself.",
                )
                .with_span(call.span.clone()),
            );
            continue;
        }
        if !child_dir.is_dir() && call.source.starts_with(REGISTRY_SCHEME) {
            diags.push(
                Diagnostic::error(
                    "Module not installed",
                    format!(
                        "The registry module {:?} has not been downloaded. Run `stack init` to download it into .stack/modules/ and pin it in stack.lock.json.",
                        call.source
                    ),
                )
                .with_span(call.span.clone()),
            );
            continue;
        }
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error(
                    "Module not found",
                    format!(
                        "The module source {:?} is not a directory (looked in {}). Module sources are local paths starting with ./ or ../.",
                        call.source,
                        child_dir.display()
                    ),
                )
                .with_span(call.span.clone()),
            );
            continue;
        }
        load_module(&child_dir, path.child(&call.name), config, diags, depth + 1);
        crate::module_providers::pass_providers(config, &path, &call, diags);
    }
    validate_module_calls(config, &path, diags);
}

/// Parses one template file, native or JSON (translated first; the span
/// map is kept in `source`). `None` after reporting a syntax error.
fn parse_file(text: &str, source: &mut SourceFile, diags: &mut Diagnostics) -> Option<Body> {
    let file = source.path.clone();
    let name = file.file_name().map(|n| n.to_string_lossy().to_string());
    if name.as_deref().is_some_and(is_override_file) {
        diags.push(
            Diagnostic::error(
                "Override files are not supported",
                "Terraform merges the blocks of override files (override.tf, *_override.tf and their .tf.json forms) into the blocks they name; stack does not. Move the settings into the block they override, or rename the file to load it as an ordinary template.",
            )
            .with_span(Some(Span::new(file.clone(), 0..0))),
        );
        return None;
    }
    if !crate::json_syntax::is_json_template(&file) {
        return hcl_edit::parser::parse_body(text)
            .map_err(|err| diags.push(parse_error_diagnostic(&err, &file)))
            .ok();
    }
    let before = diags.len();
    let translation = crate::json_syntax::translate(text, &file, diags)?;
    source.json_map = Some(Arc::new(translation.map));
    if diags.iter().skip(before).any(is_syntax_error) {
        // As with a native syntax error, the file is left out as a whole.
        return None;
    }
    match hcl_edit::parser::parse_body(&translation.hcl) {
        Ok(body) => Some(body),
        Err(err) => {
            let offset = err.location().offset();
            diags.push(
                Diagnostic::error(
                    SYNTAX_ERROR,
                    format!(
                        "A string of this JSON file could not be read as an expression: {}. Strings are templates (\"${{var.name}}\"); the values of depends_on, provider, type, ignore_changes, replace_triggered_by and moved/import addresses are references or keywords written without ${{ }}, such as \"aws_instance.web\".",
                        err.message()
                    ),
                )
                .with_span(Some(Span::new(file, offset..offset + 1))),
            );
            None
        }
    }
}

/// Module sources `stack` can load: local paths, and registry sources once installed.
fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source.starts_with(REGISTRY_SCHEME)
}

/// The scheme of template registry module sources: `registry://HOST/GROUP/NAME`.
pub const REGISTRY_SCHEME: &str = "registry://";

/// Where a registry module source is installed, under the root stack directory:
/// `.stack/modules/HOST/GROUP/NAME`. The engine never downloads: the binary
/// resolves registry sources (`stack init`) into this directory before loading,
/// so the engine stays free of HTTP. `None` for other sources and for sources
/// that are not exactly three plain path segments.
pub fn registry_module_dir(root: &Path, source: &str) -> Option<PathBuf> {
    let rest = source.strip_prefix(REGISTRY_SCHEME)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let plain = |p: &&str| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\\');
    if parts.len() != 3 || !parts.iter().all(plain) {
        return None;
    }
    Some(root.join(".stack").join("modules").join(rest))
}

/// Checks the arguments of each `module` call against the called module's variables.
fn validate_module_calls(config: &Config, path: &ModulePath, diags: &mut Diagnostics) {
    let Some(module) = config.modules.get(path) else {
        return;
    };
    for call in module.module_calls.values() {
        let Some(child) = config.modules.get(&path.child(&call.name)) else {
            continue;
        };
        for (name, expr) in &call.arguments {
            if !child.variables.contains_key(name) {
                diags.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!(
                            "The module {:?} declares no variable named {name:?}.{}",
                            call.name,
                            did_you_mean(name, child.variables.keys().map(String::as_str))
                        ),
                    )
                    .with_span(expr.span.clone()),
                );
            }
        }
        for variable in child.variables.values() {
            if variable.default.is_none() && !call.arguments.contains_key(&variable.name) {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!(
                            "The module {:?} requires the argument {:?}, which has no default. Add `{} = …` to the module block.",
                            call.name, variable.name, variable.name
                        ),
                    )
                    .with_span(call.span.clone()),
                );
            }
        }
    }
}

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "variable",
    "locals",
    "output",
    "resource",
    "data",
    "provider",
    "module",
    "stack",
    "terraform",
    "moved",
    "removed",
    "import",
];

pub(crate) fn block_span(block: &Block, file: &Arc<PathBuf>) -> Option<Span> {
    // The block's header (type and labels) is the most useful thing to underline.
    let start = block.ident.span()?.start;
    let end = block
        .labels
        .last()
        .and_then(|l| l.span())
        .map(|r| r.end)
        .unwrap_or_else(|| block.ident.span().map(|r| r.end).unwrap_or(start));
    Some(Span::new(file.clone(), start..end))
}

pub(crate) fn attr_span(attr: &Attribute, file: &Arc<PathBuf>) -> Option<Span> {
    attr.span().map(|r| Span::new(file.clone(), r))
}

fn labels(block: &Block) -> Vec<String> {
    block
        .labels
        .iter()
        .map(|l| l.as_str().to_string())
        .collect()
}

fn expect_labels(
    block: &Block,
    file: &Arc<PathBuf>,
    names: &[&str],
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    expect_labels_as(block, file, names, &[], diags)
}

/// Like [`expect_labels`], with the summary of an invalid label per label
/// (Terraform's: "Invalid resource name", "Invalid variable name", …).
fn expect_labels_as(
    block: &Block,
    file: &Arc<PathBuf>,
    names: &[&str],
    summaries: &[&str],
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    let labels = labels(block);
    if labels.len() != names.len() {
        // Terraform's summaries: "Missing name for resource", "Extraneous label for output".
        let kind = block.ident.as_str();
        let summary = match names.get(labels.len()) {
            Some(missing) => {
                let noun = missing.rsplit(' ').next().unwrap_or(missing);
                format!("Missing {noun} for {kind}")
            }
            None => format!("Extraneous label for {kind}"),
        };
        diags.push(
            Diagnostic::error(
                summary,
                format!(
                    "A {} block takes {} label(s): {}.",
                    block.ident.as_str(),
                    names.len(),
                    names.join(", ")
                ),
            )
            .with_span(block_span(block, file)),
        );
        return None;
    }
    for (i, (label, what)) in labels.iter().zip(names).enumerate() {
        if !crate::addrs::is_identifier(label) {
            diags.push(
                Diagnostic::error(
                    summaries.get(i).copied().unwrap_or("Invalid name"),
                    format!("The {what} {label:?} is not a valid name: use letters, digits, underscores and dashes, starting with a letter or underscore."),
                )
                .with_span(block_span(block, file)),
            );
            return None;
        }
    }
    Some(labels)
}

/// Lowers a parsed file, taking its blocks: a resource keeps its body as
/// parsed rather than a copy of it.
fn lower_body(body: Body, file: &Arc<PathBuf>, module: &mut Module, diags: &mut Diagnostics) {
    for structure in body {
        match structure {
            Structure::Attribute(attr) => diags.push(
                Diagnostic::error(
                    "Unexpected argument",
                    format!(
                        "An argument named {:?} is not expected at the top level of a template. Arguments belong inside blocks such as resource or locals.",
                        attr.key.as_str()
                    ),
                )
                .with_span(attr_span(&attr, file)),
            ),
            Structure::Block(mut block) => lower_block(&mut block, file, module, diags),
        }
    }
}

fn lower_block(
    block: &mut Block,
    file: &Arc<PathBuf>,
    module: &mut Module,
    diags: &mut Diagnostics,
) {
    let kind = block.ident.as_str();
    match kind {
        "variable" => {
            if let Some(labels) = expect_labels_as(
                block,
                file,
                &["variable name"],
                &["Invalid variable name"],
                diags,
            ) {
                let variable = lower_variable(&labels[0], block, file, diags);
                insert_unique(
                    &mut module.variables,
                    variable.name.clone(),
                    variable,
                    ("variable", "Duplicate variable declaration"),
                    block,
                    file,
                    diags,
                    |v| v.span.clone(),
                );
            }
        }
        "locals" => lower_locals(block, file, module, diags),
        "output" => {
            if let Some(labels) = expect_labels_as(
                block,
                file,
                &["output name"],
                &["Invalid output name"],
                diags,
            ) {
                let output = lower_output(&labels[0], block, file, diags);
                insert_unique(
                    &mut module.outputs,
                    output.name.clone(),
                    output,
                    ("output", "Duplicate output definition"),
                    block,
                    file,
                    diags,
                    |o| o.span.clone(),
                );
            }
        }
        "resource" | "data" => {
            let kind = if kind == "data" { "data" } else { "resource" };
            let body = Arc::new(std::mem::take(&mut block.body));
            lower_resource_block(kind, block, body, file, module, diags)
        }
        "provider" => {
            if let Some(labels) = expect_labels(block, file, &["provider name"], diags) {
                let provider = lower_provider(&labels[0], block, file, diags);
                add_provider(module, provider, diags);
            }
        }
        "module" => {
            if let Some(labels) = expect_labels_as(
                block,
                file,
                &["module name"],
                &["Invalid module instance name"],
                diags,
            ) {
                let call = lower_module_call(&labels[0], block, file, diags);
                insert_unique(
                    &mut module.module_calls,
                    call.name.clone(),
                    call,
                    ("module", "Duplicate module call"),
                    block,
                    file,
                    diags,
                    |c| c.span.clone(),
                );
            }
        }
        "stack" | "terraform" => lower_settings(block, file, &mut module.settings, diags),
        "check" => {
            let check = check_block(block, file, module, diags);
            module.checks.extend(check);
        }
        "moved" | "removed" | "import" => crate::refactor::lower_block(block, file, module, diags),
        other => diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type {other:?} are not expected here.{}",
                    did_you_mean(other, TOP_LEVEL_BLOCKS.iter().copied())
                ),
            )
            .with_span(block_span(block, file)),
        ),
    }
}

/// Lowers a `locals` block: each argument is one local value.
fn lower_locals(block: &Block, file: &Arc<PathBuf>, module: &mut Module, diags: &mut Diagnostics) {
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let name = attr.key.as_str().to_string();
                let local = Local {
                    name: name.clone(),
                    expr: Expr::new(attr.value.clone(), file),
                };
                if let Some(previous) = module.locals.get(&name) {
                    diags.push(
                        Diagnostic::error(
                            "Duplicate local value definition",
                            format!("The local value {name:?} is defined twice. Rename or remove one of them."),
                        )
                        .with_span(attr_span(attr, file))
                        .with_related_opt(previous.expr.span.clone(), "first defined here"),
                    );
                } else {
                    module.locals.insert(name, local);
                }
            }
            Structure::Block(inner) => diags.push(
                Diagnostic::error(
                    "Unexpected block",
                    "A locals block holds only `name = expression` arguments.",
                )
                .with_span(block_span(inner, file)),
            ),
        }
    }
}

/// Lowers a `resource` or `data` block (`kind`) into the module.
fn lower_resource_block(
    kind: &str,
    block: &Block,
    body: Arc<Body>,
    file: &Arc<PathBuf>,
    module: &mut Module,
    diags: &mut Diagnostics,
) {
    let summaries: &[&str] = if kind == "data" {
        &["Invalid data source name", "Invalid data resource name"]
    } else {
        &["Invalid resource type name", "Invalid resource name"]
    };
    if let Some(labels) = expect_labels_as(
        block,
        file,
        &["resource type", "resource name"],
        summaries,
        diags,
    ) {
        let mode = if kind == "data" {
            ResourceMode::Data
        } else {
            ResourceMode::Managed
        };
        let resource = lower_resource(module.path.clone(), mode, &labels, block, body, file, diags);
        let addr = resource.addr.clone();
        if let Some(previous) = module.resources.get(&addr) {
            diags.push(
                Diagnostic::error(
                    // Terraform's summary, which names the type.
                    format!("Duplicate {kind} {:?} configuration", addr.resource_type),
                    format!("The resource {addr} is declared twice. Each resource needs a unique type and name in its module; rename one."),
                )
                .with_span(block_span(block, file))
                .with_related_opt(previous.span.clone(), "first declared here"),
            );
        } else {
            module.resources.insert(addr, resource);
        }
    }
}

/// Lowers a `provider` block, checking the arguments Terraform reserves.
fn lower_provider(
    name: &str,
    block: &Block,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> ProviderConfig {
    let mut alias = None;
    for attr in block.body.attributes() {
        match attr.key.as_str() {
            "alias" => {
                let value = literal_string(attr, file, diags);
                if !crate::addrs::is_identifier(&value) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid provider configuration alias",
                            format!("The alias {value:?} is not a valid name: use letters, digits, underscores and dashes, starting with a letter or underscore."),
                        )
                        .with_span(attr_span(attr, file)),
                    );
                }
                alias = Some(value);
            }
            reserved @ ("count" | "depends_on" | "for_each" | "source") => diags.push(
                Diagnostic::error(
                    "Reserved argument name in provider block",
                    format!("The argument name {reserved:?} is reserved in provider blocks (as in Terraform). Remove it; to configure several copies of a provider, write one provider block per alias."),
                )
                .with_span(attr_span(attr, file)),
            ),
            _ => {}
        }
    }
    ProviderConfig {
        name: name.to_string(),
        alias,
        span: block_span(block, file),
        file: file.clone(),
        body: block.body.clone(),
    }
}

/// Adds a provider configuration unless one with its name and alias exists.
fn add_provider(module: &mut Module, provider: ProviderConfig, diags: &mut Diagnostics) {
    let previous = module
        .providers
        .iter()
        .find(|p| p.name == provider.name && p.alias == provider.alias);
    if let Some(previous) = previous {
        let which = match &provider.alias {
            Some(alias) => format!("{:?} with alias {alias:?}", provider.name),
            None => format!("{:?} without an alias", provider.name),
        };
        diags.push(
            Diagnostic::error(
                "Duplicate provider configuration",
                format!("The provider {which} is configured twice. Remove one block, or give each a distinct `alias`."),
            )
            .with_span(provider.span.clone())
            .with_related_opt(previous.span.clone(), "first configured here"),
        );
        return;
    }
    module.providers.push(provider);
}

/// A `check` block: its assertions, and the data source it may scope,
/// which becomes one of the module's resources marked with the check.
fn check_block(
    block: &Block,
    file: &Arc<PathBuf>,
    module: &mut Module,
    diags: &mut Diagnostics,
) -> Option<Check> {
    let name = labels(block).into_iter().next().unwrap_or_default();
    let asserts: Vec<&Block> = block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "assert")
        .collect();
    if asserts.is_empty() {
        diags.push(
            Diagnostic::error(
                "Zero assert blocks",
                "A check block needs at least one assert block, each with a condition and an error_message.",
            )
            .with_span(block_span(block, file)),
        );
    }
    for assert in &asserts {
        crate::validate::condition_block(assert, None, file, diags);
    }
    for scoped in block.body.blocks().filter(|b| b.ident.as_str() == "data") {
        let before: BTreeSet<ResourceAddr> = module.resources.keys().cloned().collect();
        let body = Arc::new(scoped.body.clone());
        lower_resource_block("data", scoped, body, file, module, diags);
        for (addr, resource) in module.resources.iter_mut() {
            if !before.contains(addr) {
                resource.check = Some(name.clone());
            }
        }
    }
    Some(Check {
        name,
        file: file.clone(),
        asserts: asserts
            .iter()
            .filter_map(|a| lower_condition(a, file))
            .collect(),
    })
}

trait RelatedOpt {
    fn with_related_opt(self, span: Option<Span>, label: &str) -> Self;
}

impl RelatedOpt for Diagnostic {
    fn with_related_opt(self, span: Option<Span>, label: &str) -> Diagnostic {
        match span {
            Some(span) => self.with_related(span, label),
            None => self,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_unique<T>(
    map: &mut BTreeMap<String, T>,
    name: String,
    item: T,
    (what, summary): (&str, &str),
    block: &Block,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
    span_of: impl Fn(&T) -> Option<Span>,
) {
    if let Some(previous) = map.get(&name) {
        diags.push(
            Diagnostic::error(
                summary,
                format!("The {what} {name:?} is declared twice. Rename or remove one of them."),
            )
            .with_span(block_span(block, file))
            .with_related_opt(span_of(previous), "first declared here"),
        );
    } else {
        map.insert(name, item);
    }
}

/// Evaluates a constant expression (no references), for literal settings.
pub fn literal(expr: &Expression) -> Option<Value> {
    crate::eval::constant(expr)
}

/// The value of an argument that takes a constant, or `None` after
/// reporting why it is not one.
fn constant_of(attr: &Attribute, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Option<Value> {
    let span = attr.value.span().map(|r| Span::new(file.clone(), r));
    if let Some(d) = crate::validate::not_constant(&attr.value) {
        diags.push(d.with_span(span));
        return None;
    }
    let value = literal(&attr.value);
    if value.is_none() {
        diags.push(
            Diagnostic::error(
                "Invalid value",
                format!(
                    "The argument {:?} could not be evaluated. Write a constant value.",
                    attr.key.as_str()
                ),
            )
            .with_span(span),
        );
    }
    value
}

fn unsuitable(attr: &Attribute, file: &Arc<PathBuf>, what: &str, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(
            "Unsuitable value type",
            format!("The argument {:?} must be {what}.", attr.key.as_str()),
        )
        .with_span(attr_span(attr, file)),
    );
}

pub(crate) fn literal_bool(attr: &Attribute, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> bool {
    match constant_of(attr, file, diags) {
        Some(Value::Bool(b)) => b,
        // HCL converts the strings "true" and "false" to booleans, as Terraform does.
        Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
        Some(_) => {
            unsuitable(attr, file, "true or false", diags);
            false
        }
        None => false,
    }
}

fn literal_string(attr: &Attribute, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> String {
    match constant_of(attr, file, diags) {
        Some(Value::String(s)) => s,
        // Numbers and booleans convert to strings, as everywhere in Terraform.
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        Some(_) => {
            unsuitable(attr, file, "a string", diags);
            String::new()
        }
        None => String::new(),
    }
}

fn unsupported_argument(
    attr: &Attribute,
    file: &Arc<PathBuf>,
    block_kind: &str,
    allowed: &[&str],
    diags: &mut Diagnostics,
) {
    let name = attr.key.as_str();
    diags.push(
        Diagnostic::error(
            "Unsupported argument",
            format!(
                "An argument named {name:?} is not expected in a {block_kind} block.{}",
                did_you_mean(name, allowed.iter().copied())
            ),
        )
        .with_span(attr_span(attr, file)),
    );
}

fn unsupported_block(
    inner: &Block,
    file: &Arc<PathBuf>,
    block_kind: &str,
    allowed: &[&str],
    diags: &mut Diagnostics,
) {
    let name = inner.ident.as_str();
    diags.push(
        Diagnostic::error(
            "Unsupported block type",
            format!(
                "Blocks of type {name:?} are not expected in a {block_kind} block.{}",
                did_you_mean(name, allowed.iter().copied())
            ),
        )
        .with_span(block_span(inner, file)),
    );
}

fn lower_variable(
    name: &str,
    block: &Block,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Variable {
    const ARGS: &[&str] = &[
        "type",
        "default",
        "description",
        "sensitive",
        "ephemeral",
        "nullable",
        "const",
        "deprecated",
    ];
    let mut variable = Variable {
        name: name.to_string(),
        span: block_span(block, file),
        ty: None,
        default: None,
        description: String::new(),
        sensitive: false,
        ephemeral: false,
        nullable: true,
        constant: false,
        deprecated: None,
        validations: Vec::new(),
    };
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "type" => variable.ty = lower_type(attr, file, diags),
                "default" => variable.default = Some(Expr::new(attr.value.clone(), file)),
                "description" => variable.description = literal_string(attr, file, diags),
                "sensitive" => variable.sensitive = literal_bool(attr, file, diags),
                "ephemeral" => variable.ephemeral = literal_bool(attr, file, diags),
                "nullable" => variable.nullable = literal_bool(attr, file, diags),
                "const" => variable.constant = literal_bool(attr, file, diags),
                "deprecated" => variable.deprecated = Some(deprecation(attr, file, diags)),
                _ => unsupported_argument(attr, file, "variable", ARGS, diags),
            },
            Structure::Block(inner) if inner.ident.as_str() == "validation" => {
                crate::validate::condition_block(inner, None, file, diags);
                variable.validations.extend(lower_validation(inner, file));
            }
            Structure::Block(inner) => {
                unsupported_block(inner, file, "variable", &["validation"], diags)
            }
        }
    }
    crate::validate::variable_declaration(&variable, diags);
    variable
}

/// A validation block with both its arguments (a missing one is reported
/// by [`crate::validate::condition_block`]).
fn lower_validation(block: &Block, file: &Arc<PathBuf>) -> Option<Validation> {
    let condition = block.body.get_attribute("condition")?;
    let message = block.body.get_attribute("error_message")?;
    Some(Validation {
        condition: Expr::new(condition.value.clone(), file),
        error_message: Expr::new(message.value.clone(), file),
    })
}

/// `deprecated = "message"` on a variable or an output.
fn deprecation(
    attr: &Attribute,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> (String, Option<Span>) {
    (literal_string(attr, file, diags), attr_span(attr, file))
}

fn lower_type(attr: &Attribute, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Option<Type> {
    if let Expression::String(quoted) = &attr.value {
        diags.push(
            Diagnostic::error(
                "Invalid quoted type constraints",
                format!(
                    "Terraform 0.11 and earlier required type constraints to be given in quotes; now they are keywords. Write `type = {}` without the quotes.",
                    quoted.as_str()
                ),
            )
            .with_span(attr_span(attr, file)),
        );
        return None;
    }
    match parse_type(&attr.value, &|e| literal(e)) {
        Ok(ty) => Some(ty),
        Err(message) => {
            diags.push(
                Diagnostic::error("Invalid type specification", message)
                    .with_span(attr_span(attr, file)),
            );
            None
        }
    }
}

fn lower_output(name: &str, block: &Block, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Output {
    const ARGS: &[&str] = &[
        "value",
        "sensitive",
        "ephemeral",
        "description",
        "depends_on",
        "type",
        "deprecated",
    ];
    let mut output = Output {
        name: name.to_string(),
        span: block_span(block, file),
        expr: None,
        sensitive: false,
        ephemeral: false,
        ephemeral_span: None,
        description: String::new(),
        depends_on: Vec::new(),
        ty: None,
        deprecated: None,
        preconditions: Vec::new(),
    };
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "value" => output.expr = Some(Expr::new(attr.value.clone(), file)),
                "sensitive" => output.sensitive = literal_bool(attr, file, diags),
                "ephemeral" => {
                    output.ephemeral = literal_bool(attr, file, diags);
                    output.ephemeral_span = attr_span(attr, file);
                }
                "description" => output.description = literal_string(attr, file, diags),
                "depends_on" => output.depends_on = lower_depends_on(attr, file, diags),
                "type" => output.ty = lower_type(attr, file, diags),
                "deprecated" => output.deprecated = Some(deprecation(attr, file, diags)),
                _ => unsupported_argument(attr, file, "output", ARGS, diags),
            },
            Structure::Block(inner) if inner.ident.as_str() == "precondition" => {
                crate::validate::condition_block(inner, None, file, diags);
                output.preconditions.extend(lower_condition(inner, file));
            }
            Structure::Block(inner) if inner.ident.as_str() == "postcondition" => diags.push(
                Diagnostic::error(
                    "Postconditions are not allowed",
                    "Output values take preconditions only: there is nothing after an output for a postcondition to check. Use a precondition block.",
                )
                .with_span(block_span(inner, file)),
            ),
            Structure::Block(inner) => {
                unsupported_block(inner, file, "output", &["precondition"], diags)
            }
        }
    }
    if output.expr.is_none() {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!("The output {name:?} needs a `value = …` argument."),
            )
            .with_span(output.span.clone()),
        );
    }
    output
}

fn lower_depends_on(attr: &Attribute, file: &Arc<PathBuf>, diags: &mut Diagnostics) -> Vec<Expr> {
    match &attr.value {
        Expression::Array(items) => items
            .iter()
            .filter_map(|item| {
                if matches!(item, Expression::Traversal(_)) {
                    Some(Expr::new(item.clone(), file))
                } else if let Some(reference) = quoted_reference(item, file, diags) {
                    Some(reference)
                } else {
                    diags.push(
                        Diagnostic::error(
                            "Invalid depends_on reference",
                            "Each element of depends_on must be a reference to a resource, data source or module, such as aws_instance.web.",
                        )
                        .with_span(item.span().map(|r| Span::new(file.clone(), r))),
                    );
                    None
                }
            })
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid depends_on",
                    "depends_on must be a list of references, such as [aws_instance.web].",
                )
                .with_span(attr_span(attr, file)),
            );
            Vec::new()
        }
    }
}

/// A reference written in quotes (`"aws_instance.web"`), which Terraform
/// still reads as the reference with a warning: the expression it stands for,
/// with the span of the string.
fn quoted_reference(
    item: &Expression,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Option<Expr> {
    let Expression::String(text) = item else {
        return None;
    };
    let parsed = hcl_edit::parser::parse_expr(text.as_str()).ok()?;
    if !matches!(parsed, Expression::Traversal(_)) {
        return None;
    }
    let span = item.span().map(|r| Span::new(file.clone(), r));
    diags.push(
        Diagnostic::warning(
            "Quoted references are deprecated",
            format!(
                "References are written without quotes since Terraform 0.12. Write {} instead of {:?}.",
                text.as_str(),
                text.as_str()
            ),
        )
        .with_span(span.clone()),
    );
    Some(Expr { expr: parsed, span })
}

/// Names that are meta-arguments of resource blocks rather than provider arguments.
pub const RESOURCE_META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider"];
/// Nested blocks that are meta-blocks of resource blocks.
pub const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

fn lower_resource(
    module: ModulePath,
    mode: ResourceMode,
    labels: &[String],
    block: &Block,
    body: Arc<Body>,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Resource {
    let resource_type = &labels[0];
    let default_provider = resource_type
        .split('_')
        .next()
        .unwrap_or(resource_type)
        .to_string();
    let mut resource = Resource {
        addr: ResourceAddr::new(module, mode, resource_type, &labels[1]),
        span: block_span(block, file),
        file: file.clone(),
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        provider: ProviderRef {
            name: default_provider,
            alias: None,
        },
        provider_explicit: false,
        lifecycle: Lifecycle::default(),
        body: body.clone(),
        provisioners: Vec::new(),
        check: None,
    };
    let mut seen_lifecycle = false;
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "count" => resource.count = Some(Expr::new(attr.value.clone(), file)),
                "for_each" => resource.for_each = Some(Expr::new(attr.value.clone(), file)),
                "depends_on" => resource.depends_on = lower_depends_on(attr, file, diags),
                "provider" => match provider_reference(&attr.value, file, diags) {
                    Some(reference) => {
                        resource.provider = reference;
                        resource.provider_explicit = true;
                    }
                    None => diags.push(
                        Diagnostic::error(
                            "Invalid provider reference",
                            "The provider argument takes a provider name and optional alias, such as aws or aws.west, without quotes.",
                        )
                        .with_span(attr_span(attr, file)),
                    ),
                },
                _ => {}
            },
            Structure::Block(inner) => {
                lower_resource_meta_block(inner, &mut resource, &mut seen_lifecycle, file, diags)
            }
        }
    }
    if resource.count.is_some() && resource.for_each.is_some() {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually exclusive; use only one of them.",
            )
            .with_span(resource.span.clone()),
        );
    }
    resource
}

/// A meta-block of a resource (`lifecycle`, `provisioner`, reserved names);
/// other blocks belong to the resource type and are evaluated with its schema.
fn lower_resource_meta_block(
    inner: &Block,
    resource: &mut Resource,
    seen_lifecycle: &mut bool,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) {
    match inner.ident.as_str() {
        "lifecycle" if *seen_lifecycle => diags.push(
            Diagnostic::error(
                "Duplicate lifecycle block",
                "A resource takes at most one lifecycle block. Merge the two into one.",
            )
            .with_span(block_span(inner, file)),
        ),
        "lifecycle" => {
            *seen_lifecycle = true;
            resource.lifecycle = lower_lifecycle(inner, &resource.addr, file, diags);
            if resource.addr.mode == ResourceMode::Data {
                data_lifecycle(inner, file, diags);
            }
        }
        "locals" => diags.push(
            Diagnostic::error(
                "Reserved block type name in resource block",
                "The block type name \"locals\" is reserved in resource blocks (as in Terraform). Remove the block or rename it.",
            )
            .with_span(block_span(inner, file)),
        ),
        "provisioner" => {
            if let Some(provisioner) = crate::provisioner::lower(inner, file, diags) {
                resource.provisioners.push(provisioner);
            }
        }
        "connection" => diags.push(crate::provisioner::connection_block(inner, file)),
        _ => {}
    }
}

/// Data sources have no lifecycle of their own: only conditions are allowed.
fn data_lifecycle(block: &Block, file: &Arc<PathBuf>, diags: &mut Diagnostics) {
    for attr in block.body.attributes() {
        diags.push(
            Diagnostic::error(
                "Invalid data resource lifecycle argument",
                format!(
                    "The lifecycle argument {:?} applies to managed resources only; a data source is read, never created or destroyed. Remove it.",
                    attr.key.as_str()
                ),
            )
            .with_span(attr_span(attr, file)),
        );
    }
}

/// Reads `provider = aws.west`; a quoted `"aws.west"` is read the same way
/// with a warning, as Terraform does.
pub(crate) fn provider_reference(
    expr: &Expression,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Option<ProviderRef> {
    if let Expression::String(_) = expr {
        let reference = quoted_reference(expr, file, diags)
            .or_else(|| quoted_provider_name(expr, file, diags))?;
        return provider_reference(&reference.expr, file, diags);
    }
    match expr {
        Expression::Traversal(traversal) => match traversal.operators.as_slice() {
            [op] => match op.value() {
                TraversalOperator::GetAttr(alias) => Some(ProviderRef {
                    name: provider_local_name(&traversal.expr)?,
                    alias: Some(alias.as_str().to_string()),
                }),
                _ => None,
            },
            _ => None,
        },
        other => Some(ProviderRef {
            name: provider_local_name(other)?,
            alias: None,
        }),
    }
}

/// A provider's local name; `null` parses as the null literal, not a name.
fn provider_local_name(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(name) => Some(name.as_str().to_string()),
        Expression::Null(_) => Some("null".to_string()),
        _ => None,
    }
}

/// A quoted provider name without an alias (`"aws"`), read with a warning.
fn quoted_provider_name(
    expr: &Expression,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Option<Expr> {
    let Expression::String(text) = expr else {
        return None;
    };
    let parsed = hcl_edit::parser::parse_expr(text.as_str()).ok()?;
    provider_local_name(&parsed)?;
    let span = expr.span().map(|r| Span::new(file.clone(), r));
    diags.push(
        Diagnostic::warning(
            "Quoted references are deprecated",
            format!(
                "Provider references are written without quotes since Terraform 0.12. Write {} instead of {:?}.",
                text.as_str(),
                text.as_str()
            ),
        )
        .with_span(span.clone()),
    );
    Some(Expr { expr: parsed, span })
}

fn lower_lifecycle(
    block: &Block,
    owner: &ResourceAddr,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> Lifecycle {
    const ARGS: &[&str] = &[
        "create_before_destroy",
        "prevent_destroy",
        "ignore_changes",
        "replace_triggered_by",
    ];
    let mut lifecycle = Lifecycle::default();
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "create_before_destroy" => {
                    lifecycle.create_before_destroy = literal_bool(attr, file, diags)
                }
                "prevent_destroy" => {
                    lifecycle.prevent_destroy = Some(Expr::new(attr.value.clone(), file))
                }
                "ignore_changes" => {
                    lifecycle.ignore_changes = lower_ignore_changes(attr, file, diags);
                    lifecycle.ignore_changes_at = ignore_changes_spans(attr, file);
                }
                "replace_triggered_by" => match &attr.value {
                    Expression::Array(items) => {
                        lifecycle.replace_triggered_by =
                            items.iter().map(|e| Expr::new(e.clone(), file)).collect()
                    }
                    _ => diags.push(
                        Diagnostic::error(
                            "Invalid replace_triggered_by",
                            "replace_triggered_by must be a list of resource references.",
                        )
                        .with_span(attr_span(attr, file)),
                    ),
                },
                _ => unsupported_argument(attr, file, "lifecycle", ARGS, diags),
            },
            Structure::Block(inner)
                if matches!(inner.ident.as_str(), "precondition" | "postcondition") =>
            {
                crate::validate::condition_block(inner, Some(owner), file, diags);
                if let Some(condition) = lower_condition(inner, file) {
                    match inner.ident.as_str() {
                        "precondition" => lifecycle.preconditions.push(condition),
                        _ => lifecycle.postconditions.push(condition),
                    }
                }
            }
            Structure::Block(inner) => unsupported_block(
                inner,
                file,
                "lifecycle",
                &["precondition", "postcondition"],
                diags,
            ),
        }
    }
    lifecycle
}

fn lower_ignore_changes(
    attr: &Attribute,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> IgnoreChanges {
    match &attr.value {
        Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
        Expression::String(s) if s.as_str() == "all" => IgnoreChanges::All,
        Expression::Array(items) => {
            let mut names = Vec::new();
            for item in items.iter() {
                match item {
                    Expression::String(s) if s.as_str() == "*" => diags.push(
                        Diagnostic::error(
                            "Invalid ignore_changes wildcard",
                            "The [\"*\"] form of ignore_changes is no longer accepted (as in Terraform). Write `ignore_changes = all` to ignore changes to every attribute.",
                        )
                        .with_span(attr_span(attr, file)),
                    ),
                    Expression::Variable(v) => {
                        names.push(vec![state::PathStep::Key(v.as_str().to_string())])
                    }
                    Expression::String(s) => {
                        names.push(vec![state::PathStep::Key(s.as_str().to_string())])
                    }
                    Expression::Traversal(t) => match ignore_path(t) {
                        Some(path) => names.push(path),
                        None => diags.push(
                            Diagnostic::error(
                                "Invalid ignore_changes",
                                "An element of ignore_changes is an attribute, optionally followed by map keys or list indexes written as literals, such as tags[\"Name\"] or rule[0].",
                            )
                            .with_span(t.span().map(|r| Span::new(file.clone(), r))),
                        ),
                    },
                    other => diags.push(
                        Diagnostic::error(
                            "Invalid ignore_changes",
                            "Each element of ignore_changes must be an attribute name.",
                        )
                        .with_span(other.span().map(|r| Span::new(file.clone(), r))),
                    ),
                }
            }
            IgnoreChanges::Attributes(names)
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid expression",
                    "ignore_changes must be `all` or a list of attribute names, such as [tags].",
                )
                .with_span(attr_span(attr, file)),
            );
            IgnoreChanges::Nothing
        }
    }
}

/// A `precondition`/`postcondition` block with both of its arguments
/// (a missing one is reported by `validate::condition_block`).
fn lower_condition(block: &Block, file: &Arc<PathBuf>) -> Option<Validation> {
    let condition = block.body.get_attribute("condition")?;
    let message = block.body.get_attribute("error_message")?;
    Some(Validation {
        condition: Expr::new(condition.value.clone(), file),
        error_message: Expr::new(message.value.clone(), file),
    })
}

/// `tags["Name"]`, `tags.Name`, `rule[0]`: an attribute then literal keys
/// and indexes.
fn ignore_path(traversal: &hcl_edit::expr::Traversal) -> Option<state::AttrPath> {
    use hcl_edit::expr::TraversalOperator;
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let mut path = vec![state::PathStep::Key(root.as_str().to_string())];
    for operator in traversal.operators.iter() {
        let step = match &**operator {
            TraversalOperator::GetAttr(name) => state::PathStep::Key(name.as_str().to_string()),
            TraversalOperator::LegacyIndex(index) => state::PathStep::Index(**index as usize),
            TraversalOperator::Index(Expression::String(key)) => {
                state::PathStep::Key(key.as_str().to_string())
            }
            TraversalOperator::Index(Expression::Number(n)) => {
                state::PathStep::Index(n.as_u64()? as usize)
            }
            _ => return None,
        };
        path.push(step);
    }
    Some(path)
}

/// The top-level attribute names of an `ignore_changes` list, with their spans.
fn ignore_changes_spans(attr: &Attribute, file: &Arc<PathBuf>) -> Vec<(String, Option<Span>)> {
    let Expression::Array(items) = &attr.value else {
        return Vec::new();
    };
    let name = |item: &Expression| match item {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) if s.as_str() != "*" => Some(s.as_str().to_string()),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            _ => None,
        },
        _ => None,
    };
    items
        .iter()
        .filter_map(|item| {
            let span = item.span().map(|r| Span::new(file.clone(), r));
            name(item).map(|n| (n, span))
        })
        .collect()
}

fn lower_module_call(
    name: &str,
    block: &Block,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) -> ModuleCall {
    let mut call = ModuleCall {
        name: name.to_string(),
        span: block_span(block, file),
        source: String::new(),
        version: None,
        arguments: BTreeMap::new(),
        depends_on: Vec::new(),
        count: None,
        for_each: None,
        file: file.clone(),
        providers: Vec::new(),
    };
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => lower_module_argument(attr, &mut call, file, diags),
            Structure::Block(inner) if inner.ident.as_str() == "_" => {
                // Terraform's escaping block: its arguments are the module's.
                for attr in inner.body.attributes() {
                    let value = Expr::new(attr.value.clone(), file);
                    call.arguments.insert(attr.key.as_str().to_string(), value);
                }
            }
            Structure::Block(inner)
                if matches!(inner.ident.as_str(), "lifecycle" | "locals" | "provider") =>
            {
                diags.push(
                    Diagnostic::error(
                        "Reserved block type name in module block",
                        format!("The block type name {:?} is reserved in module blocks (as in Terraform). Remove the block.", inner.ident.as_str()),
                    )
                    .with_span(block_span(inner, file)),
                )
            }
            Structure::Block(inner) => unsupported_block(inner, file, "module", &[], diags),
        }
    }
    check_module_call(&call, block, diags);
    call
}

/// One argument of a module block: a meta-argument or a module input.
fn lower_module_argument(
    attr: &Attribute,
    call: &mut ModuleCall,
    file: &Arc<PathBuf>,
    diags: &mut Diagnostics,
) {
    match attr.key.as_str() {
        "source" if crate::validate::not_constant(&attr.value).is_some() => diags.push(
            Diagnostic::error(
                "Unknown module source",
                "A module source is read before anything is evaluated, so it must be a literal string such as \"./modules/web\".",
            )
            .with_span(attr_span(attr, file)),
        ),
        "source" => call.source = literal_string(attr, file, diags),
        "depends_on" => call.depends_on = lower_depends_on(attr, file, diags),
        "providers" => {
            let span_of = |r: Option<std::ops::Range<usize>>| r.map(|r| Span::new(file.clone(), r));
            call.providers =
                crate::module_providers::lower_providers_map(&attr.value, &span_of, diags);
        }
        "version" => call.version = Some(literal_string(attr, file, diags)),
        "count" => call.count = Some(Expr::new(attr.value.clone(), file)),
        "for_each" => call.for_each = Some(Expr::new(attr.value.clone(), file)),
        other => {
            call.arguments
                .insert(other.to_string(), Expr::new(attr.value.clone(), file));
        }
    }
}

/// The module block as a whole: one of count and for_each, a local source.
fn check_module_call(call: &ModuleCall, block: &Block, diags: &mut Diagnostics) {
    let has = |name: &str| block.body.get_attribute(name).is_some();
    if has("count") && has("for_each") {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually exclusive; use only one of them.",
            )
            .with_span(call.span.clone()),
        );
    }
    if !has("source") {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!(
                    "The module {:?} needs a `source = \"./path\"` argument.",
                    call.name
                ),
            )
            .with_span(call.span.clone()),
        );
    } else if call.source.starts_with(REGISTRY_SCHEME)
        && registry_module_dir(Path::new(""), &call.source).is_none()
    {
        diags.push(
            Diagnostic::error(
                "Invalid registry module source",
                format!(
                    "The module source {:?} is not of the form registry://HOST/GROUP/NAME.",
                    call.source
                ),
            )
            .with_span(call.span.clone()),
        );
    } else if !call.source.is_empty() && !is_local_source(&call.source) {
        diags.push(
            Diagnostic::error(
                "Unsupported module source",
                format!(
                    "The module source {:?} is not a local path. Module sources are local paths starting with ./ or ../, or template registry sources registry://HOST/GROUP/NAME.",
                    call.source
                ),
            )
            .with_span(call.span.clone()),
        );
    }
}

fn lower_settings(
    block: &Block,
    file: &Arc<PathBuf>,
    settings: &mut StackSettings,
    diags: &mut Diagnostics,
) {
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "name" => settings.name = Some(literal_string(attr, file, diags)),
                "configuration" if block.ident.as_str() == "stack" => {
                    settings.configuration = Some(Expr::new(attr.value.clone(), file))
                }
                "backend" => settings.backend = Some(literal_string(attr, file, diags)),
                "required_version" => {
                    let constraint = literal_string(attr, file, diags);
                    let span = attr.value.span().map(|r| Span::new(file.clone(), r));
                    settings.required_version.push((constraint, span));
                }
                "experiments" => {}
                _ => unsupported_argument(
                    attr,
                    file,
                    block.ident.as_str(),
                    &["name", "backend", "configuration"],
                    diags,
                ),
            },
            Structure::Block(inner) => lower_settings_block(block, inner, file, settings, diags),
        }
    }
}

/// A block inside `terraform` or `stack`: required_providers, backend, cloud.
fn lower_settings_block(
    outer: &Block,
    inner: &Block,
    file: &Arc<PathBuf>,
    settings: &mut StackSettings,
    diags: &mut Diagnostics,
) {
    match inner.ident.as_str() {
        "required_providers" => {
            let once = "A module takes one required_providers block. Merge the two into one.";
            let slot = &mut settings.required_providers_block;
            if first_of_kind(
                slot,
                inner,
                file,
                "Duplicate required providers configuration",
                once,
                diags,
            ) {
                for attr in inner.body.attributes() {
                    let name = attr.key.as_str().to_string();
                    settings
                        .required_providers
                        .push((name, attr_span(attr, file)));
                }
            }
        }
        "backend" => {
            let once = "A stack's state lives in one backend, so a module takes at most one backend block. Remove one of them.";
            let slot = &mut settings.backend_block;
            if first_of_kind(
                slot,
                inner,
                file,
                "Duplicate 'backend' configuration block",
                once,
                diags,
            ) {
                settings.backend = labels(inner).into_iter().next();
                settings.backend_body = Some(BackendBody {
                    body: inner.body.clone(),
                    file: file.clone(),
                    span: block_span(inner, file),
                });
            }
        }
        "cloud" => settings.cloud_block = block_span(inner, file),
        "drift" if outer.ident.as_str() == "stack" => {
            lower_drift_settings(inner, file, &mut settings.drift, diags)
        }
        _ => unsupported_block(
            inner,
            file,
            outer.ident.as_str(),
            &["required_providers", "backend"],
            diags,
        ),
    }
}

/// The `drift` block of the `stack` block: constant exclusions.
fn lower_drift_settings(
    block: &Block,
    file: &Arc<PathBuf>,
    drift: &mut DriftSettings,
    diags: &mut Diagnostics,
) {
    for structure in block.body.iter() {
        let Structure::Attribute(attr) = structure else {
            if let Structure::Block(inner) = structure {
                unsupported_block(inner, file, "drift", &[], diags);
            }
            continue;
        };
        match (attr.key.as_str(), constant_of(attr, file, diags)) {
            (_, None) => {}
            ("exclude_tags", Some(Value::Map(map))) => {
                for (key, value) in map {
                    match value {
                        Value::String(value) => drift.exclude_tags.insert(key, value),
                        _ => return unsuitable(attr, file, "a map of strings", diags),
                    };
                }
            }
            ("exclude_ids", Some(Value::List(items) | Value::Set(items))) => {
                for item in items {
                    match item {
                        Value::String(pattern) => drift.exclude_ids.push(pattern),
                        _ => return unsuitable(attr, file, "a list of strings", diags),
                    }
                }
            }
            ("exclude_tags", Some(_)) => unsuitable(attr, file, "a map of strings", diags),
            ("exclude_ids", Some(_)) => unsuitable(attr, file, "a list of strings", diags),
            _ => unsupported_argument(attr, file, "drift", &["exclude_tags", "exclude_ids"], diags),
        }
    }
}

/// Records where the first block of a kind a module takes once is, or
/// reports a second one (`summary`, `detail`). True for the first.
fn first_of_kind(
    first: &mut Option<Span>,
    block: &Block,
    file: &Arc<PathBuf>,
    summary: &str,
    detail: &str,
    diags: &mut Diagnostics,
) -> bool {
    let here = block_span(block, file).unwrap_or_else(|| Span::new(file.clone(), 0..0));
    match first {
        Some(first) => {
            diags.push(
                Diagnostic::error(summary, detail)
                    .with_span(Some(here))
                    .with_related(first.clone(), "first declared here"),
            );
            false
        }
        None => {
            *first = Some(here);
            true
        }
    }
}

#[cfg(test)]
mod registry_source_tests {
    use super::*;

    #[test]
    fn registry_sources_map_under_stack_modules() {
        let root = Path::new("/work/app");
        assert_eq!(
            registry_module_dir(root, "registry://reg.example.com:8470/platform/web"),
            Some(PathBuf::from(
                "/work/app/.stack/modules/reg.example.com:8470/platform/web"
            ))
        );
        for bad in [
            "registry://host/platform",
            "registry://host/../web",
            "registry://host/a/b/c",
            "registry:///a/b",
            "./modules/web",
        ] {
            assert_eq!(registry_module_dir(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn an_uninstalled_registry_module_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"app\" {\n  source  = \"registry://h/platform/web\"\n  version = \"~> 1.2\"\n}\n",
        )
        .unwrap();
        let (config, diags) = load(dir.path());
        let call = &config.modules[&ModulePath::root()].module_calls["app"];
        assert_eq!(call.version.as_deref(), Some("~> 1.2"));
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Module not installed"]);
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"app\" {\n  source = \"registry://h/web\"\n}\n",
        )
        .unwrap();
        let (_, diags) = load(dir.path());
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Invalid registry module source"]);
    }
}
