//! The commands' workflows: load, lock, plan, confirm, apply, persist.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use engine::addrs::{InstanceAddr, Target};
use engine::apply::{ApplyOptions, StateRecorder};
use engine::config::SourceFile;
use engine::context::{
    read_variables_file, resolve_root_variables, Context, InputValue, ProviderRegistry,
    VariableInput,
};
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::plan::{Plan, PlanMode, PlanOptions};
use engine::value::Value;
use state::{Backend, JournalEntry, Lease, Loaded, Mode, State, StateJournal, WriteNote};

use crate::render::{self, Style};
use crate::{Cli, Command, Format, LockArgs, MigrateCommand, PlanArgs, StateCommand, VarArgs};

/// Exit codes: 0 success, 1 error, 2 changes present (plan --detailed-exitcode).
pub(crate) const OK: u8 = 0;
pub(crate) const ERROR: u8 = 1;
const CHANGES: u8 = 2;

pub(crate) struct Session {
    dir: PathBuf,
    workspace: String,
    style: Style,
    /// Source files seen so far, for rendering diagnostics.
    files: Vec<SourceFile>,
    /// The templates as loaded to find the backend block, kept so that the
    /// command's own load does not parse them a second time.
    loaded: std::cell::RefCell<Option<(engine::config::Config, Diagnostics)>>,
}

impl Session {
    pub(crate) fn new(dir: PathBuf, workspace: String, style: Style) -> Session {
        Session {
            dir,
            workspace,
            style,
            files: Vec::new(),
            loaded: Default::default(),
        }
    }

    /// Keeps templates already loaded for the command's own load.
    pub(crate) fn keep_config(&self, config: engine::config::Config, diags: Diagnostics) {
        *self.loaded.borrow_mut() = Some((config, diags));
    }

    pub(crate) fn report(&self, diags: &Diagnostics) {
        // The same problem can surface from several places (a provider that
        // cannot be configured is needed by every resource); say it once.
        let mut seen: Vec<&Diagnostic> = Vec::new();
        for d in diags.iter() {
            if seen.contains(&d) {
                continue;
            }
            seen.push(d);
            eprint!(
                "{}",
                render::diagnostic(d, &self.files, &self.dir, self.style)
            );
            eprintln!();
        }
    }

    pub(crate) fn error(&self, summary: &str, detail: impl Into<String>) -> u8 {
        self.report(&Diagnostic::error(summary, detail).into());
        ERROR
    }

    /// The workspace's state backend, from the templates' backend block.
    /// Problems are reported here; the caller only returns the exit code.
    pub(crate) fn backend(&self) -> Result<Box<dyn Backend>, u8> {
        let configured = self.configured_backend()?;
        if let Err(e) = crate::workspace::check_initialised(&self.dir, &self.workspace, &configured)
        {
            return Err(self.error("Backend initialization required", e));
        }
        crate::workspace::open_backend(&self.dir, &self.workspace, Some(&configured))
            .map_err(|e| self.error("Invalid backend", e.to_string()))
    }

    /// The backend the templates configure (local without a backend block).
    pub(crate) fn configured_backend(&self) -> Result<state::BackendConfig, u8> {
        let mut loaded = self.loaded.borrow_mut();
        let (config, _) = loaded.get_or_insert_with(|| engine::config::load(&self.dir));
        match engine::backend::backend_config(config) {
            Ok(block) => Ok(block.unwrap_or_else(crate::workspace::local)),
            Err(diags) => {
                self.report(&diags);
                Err(ERROR)
            }
        }
    }

    /// The templates, loaded once per command.
    pub(crate) fn take_config(&self) -> (engine::config::Config, Diagnostics) {
        self.loaded
            .borrow_mut()
            .take()
            .unwrap_or_else(|| engine::config::load(&self.dir))
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The same stack, in another workspace.
    pub(crate) fn with_workspace(&self, workspace: &str) -> Session {
        Session {
            dir: self.dir.clone(),
            workspace: workspace.to_string(),
            style: self.style,
            files: Vec::new(),
            loaded: Default::default(),
        }
    }

    pub(crate) fn style(&self) -> Style {
        self.style
    }
}

pub async fn run(cli: Cli) -> u8 {
    let color = !cli.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let style = Style { color };
    if let Command::Drift(args) = &cli.command {
        return crate::drift_commands::run(&cli.dir, cli.workspace.as_deref(), args, style).await;
    }
    let given = match cli.dir.as_slice() {
        [] => PathBuf::from("."),
        [one] => one.clone(),
        [..] => {
            eprintln!(
                "Error: --dir was given {} times; only `stack drift` checks several stacks.",
                cli.dir.len()
            );
            return ERROR;
        }
    };
    let dir = match given.canonicalize() {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "Error: the stack directory {} cannot be used: {e}",
                given.display()
            );
            return ERROR;
        }
    };
    // Relative paths in templates (local_file, file()) are relative to the stack directory.
    if let Err(e) = std::env::set_current_dir(&dir) {
        eprintln!("Error: cannot enter {}: {e}", dir.display());
        return ERROR;
    }
    let workspace = crate::workspace_commands::current(&dir, cli.workspace.as_deref());
    let mut session = Session {
        dir,
        workspace,
        style,
        files: Vec::new(),
        loaded: Default::default(),
    };
    tracing::info!(
        dir = %session.dir.display(),
        workspace = %session.workspace,
        command = command_name(&cli.command),
        "stack {}",
        env!("CARGO_PKG_VERSION")
    );
    match cli.command {
        Command::Init {
            new_dir,
            template,
            group,
            credential,
            ..
        } if template.is_some() || group.is_some() => {
            let source = crate::registry_cli::InitSource {
                template,
                group,
                credential,
            };
            crate::registry_cli::init_from_template(&session, new_dir, source).await
        }
        Command::Init {
            migrate_state,
            reconfigure,
            lock,
            ..
        } => match crate::registry_cli::install_before_init(&session).await {
            Ok(()) => crate::state_commands::init(&session, migrate_state, reconfigure, &lock),
            Err(code) => code,
        },
        Command::Registry { command } => crate::registry_cli::registry(&session, command).await,
        Command::Login { url } => crate::registry_cli::login(&session, &url).await,
        Command::Template { command } => crate::registry_cli::template(&session, command).await,
        Command::Credential { command } => crate::registry_cli::credential(&session, command).await,
        Command::Validate { json } => validate(&mut session, json).await,
        Command::Fmt {
            check,
            diff,
            recursive,
        } => fmt(&session, check, diff, recursive),
        Command::Plan {
            plan,
            lock,
            out,
            output,
            detailed_exitcode,
            destroy,
        } => {
            plan_command(
                &mut session,
                &plan,
                &lock,
                out,
                output.format(),
                detailed_exitcode,
                destroy,
            )
            .await
        }
        Command::Apply {
            plan_file,
            plan,
            lock,
            auto_approve,
            parallelism,
            output,
        } => match plan_file {
            Some(file) => {
                // A saved plan was reviewed already: it is shown again only
                // when a format is asked for.
                let shown = (output.format.is_some() || output.json).then(|| output.format());
                apply_saved(&mut session, &file, &plan.vars, &lock, parallelism, shown).await
            }
            None => {
                let apply = ApplyArgs {
                    auto_approve,
                    parallelism,
                    format: output.format(),
                };
                plan_and_apply(&mut session, &plan, &lock, apply, PlanMode::Normal).await
            }
        },
        Command::Destroy {
            plan,
            lock,
            auto_approve,
            parallelism,
            output,
        } => {
            let apply = ApplyArgs {
                auto_approve,
                parallelism,
                format: output.format(),
            };
            plan_and_apply(&mut session, &plan, &lock, apply, PlanMode::Destroy).await
        }
        Command::Show { plan_file, output } => show(&mut session, plan_file, output.format()),
        Command::Workspace { command } => workspace_command(&session, command),
        // Handled in main, before a stack directory is needed.
        Command::Completions { .. } | Command::Man => OK,
        Command::Output {
            name,
            json,
            raw,
            show_sensitive,
        } => output(&session, name, json, raw, show_sensitive),
        Command::Graph => graph(&mut session),
        Command::State { command } => state_command(&session, command),
        Command::ForceUnlock { id } => force_unlock(&session, &id),
        Command::Taint { address, lock } => edit_state(&session, &lock, "taint", |state| {
            state.taint(&address)?;
            Ok(format!("Resource instance {address} has been marked as tainted: the next apply replaces it."))
        }),
        Command::Untaint { address, lock } => edit_state(&session, &lock, "untaint", |state| {
            state.untaint(&address)?;
            Ok(format!(
                "Resource instance {address} has been successfully untainted."
            ))
        }),
        Command::Schema { type_name } => schema(&session, &type_name),
        // Handled above: it may check several stack directories.
        Command::Drift(_) => ERROR,
        Command::Import {
            address,
            id,
            vars,
            lock,
        } => import_command(&mut session, &address, &id, &vars, &lock).await,
        Command::Migrate {
            command:
                MigrateCommand::Terraform {
                    state_file,
                    json,
                    dry_run,
                    force,
                    vars,
                    lock,
                },
        } => {
            let options = crate::migrate::Options {
                state_file: state_file.as_deref(),
                json,
                dry_run,
                force,
                vars: &vars,
                lock: &lock,
            };
            crate::migrate::terraform(&mut session, options).await
        }
    }
}

/// The subcommand's name for logs (never its arguments, which may hold secrets).
fn command_name(command: &Command) -> String {
    let debug = format!("{command:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

fn workspace_command(session: &Session, command: crate::WorkspaceCommand) -> u8 {
    use crate::workspace_commands as ws;
    use crate::WorkspaceCommand as W;
    match command {
        W::List => ws::list(session),
        W::Show => ws::show(session),
        W::New { name, lock } => ws::new(session, &name, &lock),
        W::Select {
            name,
            or_create,
            lock,
        } => ws::select_command(session, &name, or_create, &lock),
        W::Delete { name, force, lock } => ws::delete(session, &name, force, &lock),
    }
}

pub(crate) fn registry() -> ProviderRegistry {
    let mut registry = ProviderRegistry::builtin();
    providers::register(&mut registry);
    registry
}

/// Collects variable inputs in increasing precedence: environment, the
/// workspace's vars file, then --var-file and --var in order.
fn variable_inputs(session: &Session, args: &VarArgs) -> Result<Vec<VariableInput>, Diagnostics> {
    let mut inputs = engine::context::environment_variables(std::env::vars());
    for file in engine::context::default_variable_files(&session.dir, &session.workspace) {
        inputs.extend(read_variables_file(&file)?);
    }
    inputs.extend(explicit_variable_inputs(args)?);
    Ok(inputs)
}

/// The values given with --var-file and --var, in command-line order.
fn explicit_variable_inputs(args: &VarArgs) -> Result<Vec<VariableInput>, Diagnostics> {
    let mut inputs = Vec::new();
    for file in &args.var_files {
        inputs.extend(read_variables_file(file)?);
    }
    for var in &args.vars {
        let Some((name, value)) = var.split_once('=') else {
            return Err(Diagnostic::error(
                "Invalid --var option",
                format!("The option --var {var:?} is not of the form NAME=VALUE."),
            )
            .into());
        };
        inputs.push(VariableInput {
            name: name.trim().to_string(),
            value: InputValue::Text(value.to_string()),
            source: "--var".to_string(),
            source_is_environment: false,
        });
    }
    Ok(inputs)
}

/// The root variables for applying a saved plan: the values the plan
/// stores, and the ephemeral ones (which it never stores) given again, as
/// Terraform requires. Only ephemeral variables may be set on the command
/// line: the plan was reviewed with the others' values.
fn saved_plan_variables(
    session: &Session,
    config: &engine::config::Config,
    plan: &Plan,
    args: &VarArgs,
) -> Result<std::collections::BTreeMap<String, Value>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let is_ephemeral = |name: &str| {
        config
            .root()
            .variables
            .get(name)
            .is_some_and(|v| v.ephemeral)
    };
    for input in explicit_variable_inputs(args)? {
        if !is_ephemeral(&input.name) {
            diags.push(Diagnostic::error(
                "Can't change variable when applying a saved plan",
                format!("The variable \"{}\" cannot be set with --var or --var-file when applying a saved plan, because the plan holds the values it was made with. Make a new plan with the new value.", input.name),
            ));
        }
    }
    let (given, given_diags) = resolve_root_variables(config, variable_inputs(session, args)?);
    for diagnostic in given_diags.into_iter().filter(Diagnostic::is_error) {
        diags.push(diagnostic);
    }
    let mut values = std::collections::BTreeMap::new();
    for (name, planned) in &plan.variables {
        if !planned.ephemeral {
            let value = Value::from_json(&planned.value).mark_if(planned.sensitive);
            values.insert(name.clone(), value);
            continue;
        }
        match given.get(name) {
            Some(value) => {
                values.insert(name.clone(), value.clone().mark_if(planned.sensitive));
            }
            None => diags.push(Diagnostic::error(
                "No value for required variable",
                format!("The ephemeral input variable \"{name}\" was set during the plan phase, and so must also be set during the apply phase (with --var, a variables file or TF_VAR_{name})."),
            )),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(values)
}

/// Loads templates, builds the graph and resolves variables.
pub(crate) fn load(
    session: &mut Session,
    vars: Option<&VarArgs>,
    plan_variables: Option<&Plan>,
) -> Result<(Context, Diagnostics), Diagnostics> {
    let (config, mut diags) = session.take_config();
    session.files = config.files.clone();
    let providers = registry();
    diags.extend(engine::validate::check_schemas(&config, &providers));
    // A file that does not parse is missing from the configuration, so going
    // on would only add misleading "undeclared" errors. Other mistakes (an
    // unknown block, a duplicate) leave a usable configuration: evaluation
    // goes on so that one run reports every problem.
    if diags.iter().any(engine::config::is_syntax_error) {
        return Err(diags);
    }
    let graph = match engine::graph::build(&config) {
        Ok(graph) => graph,
        Err(graph_diags) => {
            diags.extend(graph_diags);
            return Err(diags);
        }
    };
    diags.extend(engine::validate::graph_checks(&config, &graph));
    let root_variables = match plan_variables {
        Some(plan) => {
            let args = vars.cloned().unwrap_or_default();
            match saved_plan_variables(session, &config, plan, &args) {
                Ok(values) => values,
                Err(var_diags) => {
                    diags.extend(var_diags);
                    return Err(diags);
                }
            }
        }
        None => {
            let inputs = variable_inputs(
                session,
                vars.cloned().as_ref().unwrap_or(&VarArgs::default()),
            )?;
            let (values, var_diags) = resolve_root_variables(&config, inputs);
            let bad_variables = var_diags.has_errors();
            diags.extend(var_diags);
            if bad_variables {
                return Err(diags);
            }
            values
        }
    };
    Ok((
        Context {
            config,
            graph,
            providers,
            root_variables,
            workspace: session.workspace.clone(),
            root_dir: session.dir.clone(),
        },
        diags,
    ))
}

async fn validate(session: &mut Session, json: bool) -> u8 {
    let mut all = Diagnostics::new();
    match load(session, None, None) {
        Ok((ctx, diags)) => {
            all.extend(diags);
            let state = State::new(String::new());
            let (plan, plan_diags) = engine::plan::plan(
                &ctx,
                &state,
                PlanOptions {
                    mode: PlanMode::Validate,
                    ..PlanOptions::default()
                },
            )
            .await;
            all.extend(plan_diags);
            leave_to_exit((ctx, plan));
        }
        Err(diags) => all.extend(diags),
    }
    let errors = all.iter().filter(|d| d.is_error()).count();
    if json {
        let out = serde_json::json!({
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": all.iter().count() - errors,
            "diagnostics": all.iter().map(|d| render::diagnostic_json(d, &session.files, &session.dir)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        session.report(&all);
        if errors == 0 {
            println!(
                "{}",
                session.style.green("Success! The configuration is valid.")
            );
        } else {
            eprintln!("{errors} error(s) found.");
        }
    }
    if errors == 0 {
        OK
    } else {
        ERROR
    }
}

fn fmt_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if recursive && !name.starts_with('.') {
                fmt_files(&path, recursive, out);
            }
        } else if name.ends_with(".tf") || name.ends_with(".hcl") || name.ends_with(".tfvars") {
            out.push(path);
        }
    }
}

fn fmt(session: &Session, check: bool, diff: bool, recursive: bool) -> u8 {
    let mut files = Vec::new();
    fmt_files(&session.dir, recursive, &mut files);
    let mut changed = 0;
    let mut failed = false;
    for file in files {
        let shown = file
            .strip_prefix(&session.dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let Ok(text) = std::fs::read_to_string(&file) else {
            eprintln!("Error: cannot read {shown}");
            failed = true;
            continue;
        };
        let formatted = match engine::format::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                let file_arc = std::sync::Arc::new(file.clone());
                let d = engine::config::parse_error_diagnostic(&e, &file_arc);
                let files = vec![SourceFile::new(file_arc, &text)];
                eprint!(
                    "{}",
                    render::diagnostic(&d, &files, &session.dir, session.style)
                );
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        println!("{shown}");
        if diff {
            let d = similar::TextDiff::from_lines(&text, &formatted);
            print!("{}", d.unified_diff().header(&shown, &shown));
        }
        if !check {
            if let Err(e) = std::fs::write(&file, formatted) {
                eprintln!("Error: cannot write {shown}: {e}");
                failed = true;
            }
        }
    }
    if failed || (check && changed > 0) {
        ERROR
    } else {
        OK
    }
}

pub(crate) fn take_lock(
    session: &Session,
    backend: &dyn Backend,
    lock: &LockArgs,
    operation: &str,
) -> Result<Box<dyn Lease>, u8> {
    let timeout = humantime::parse_duration(lock.lock_timeout.trim()).map_err(|e| {
        session.error(
            "Invalid --lock-timeout",
            format!(
                "{:?} is not a duration ({e}); use one like 30s, 5m or 1m30s.",
                lock.lock_timeout
            ),
        )
    })?;
    let options = crate::workspace::lock_options(timeout)
        .map_err(|e| session.error("Invalid lock lease", e))?;
    crate::workspace::lock(backend, operation, &options)
        .map_err(|e| session.error("Error acquiring the state lock", e.to_string()))
}

/// Loads the state without the lock (for read-only commands).
fn load_state(session: &Session, backend: &dyn Backend) -> Result<Option<State>, u8> {
    backend
        .load()
        .map(|loaded| loaded.map(|l| l.state))
        .map_err(|e| session.error("Cannot read the state", e.to_string()))
}

/// Loads the state under the lock, recovering an interrupted apply.
pub(crate) fn load_locked(
    session: &Session,
    backend: &dyn Backend,
    operation: &str,
) -> Result<Loaded, u8> {
    let loaded = crate::workspace::load_locked(backend, operation)
        .map_err(|e| session.error("Cannot read the state", e.to_string()))?;
    tracing::debug!(
        serial = loaded.state.serial,
        lineage = %loaded.state.lineage,
        resources = loaded.state.resources.len(),
        replayed = loaded.replayed,
        "state loaded"
    );
    Ok(loaded)
}

fn plan_options(session: &Session, args: &PlanArgs, mode: PlanMode) -> Result<PlanOptions, u8> {
    let parse_target = |t: &String| {
        t.parse::<Target>()
            .map_err(|e| session.error("Invalid target address", e.to_string()))
    };
    let targets = args
        .targets
        .iter()
        .map(parse_target)
        .collect::<Result<Vec<_>, _>>()?;
    let excludes = args
        .excludes
        .iter()
        .map(parse_target)
        .collect::<Result<Vec<_>, _>>()?;
    let replace = args
        .replace
        .iter()
        .map(|r| {
            r.parse::<InstanceAddr>()
                .map_err(|e| session.error("Invalid --replace address", e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // `--refresh-only` narrows a normal plan; a destroy has nothing to accept.
    let mode = match (mode, args.refresh_only) {
        (PlanMode::Normal, true) => PlanMode::RefreshOnly,
        (PlanMode::Destroy, true) => {
            return Err(session.error(
                "Invalid --refresh-only",
                "--refresh-only cannot be combined with destroying. Run `stack apply --refresh-only` to accept drift, or `stack destroy` on its own.",
            ))
        }
        (mode, _) => mode,
    };
    Ok(PlanOptions {
        mode,
        targets,
        excludes,
        replace,
        refresh: args.refresh,
    })
}

async fn make_plan(
    session: &mut Session,
    args: &PlanArgs,
    mode: PlanMode,
    state: &State,
) -> Result<(Context, Plan), u8> {
    let options = plan_options(session, args, mode)?;
    let (ctx, diags) = match load(session, Some(&args.vars), None) {
        Ok(x) => x,
        Err(diags) => {
            session.report(&diags);
            return Err(ERROR);
        }
    };
    let load_failed = diags.has_errors();
    let mut all = diags;
    let (plan, plan_diags) = engine::plan::plan(&ctx, state, options).await;
    all.extend(plan_diags);
    session.report(&all);
    if args.stats {
        if let Some(plan) = &plan {
            print_stats(plan);
        }
    }
    match plan {
        Some(plan) if !load_failed => {
            let summary = plan.summary();
            tracing::debug!(
                add = summary.add,
                change = summary.change,
                destroy = summary.destroy,
                import = summary.import,
                "plan made"
            );
            deny_destroy(session, args, &plan)?;
            Ok((ctx, plan))
        }
        _ => Err(ERROR),
    }
}

/// `--deny-destroy`: a plan that deletes or replaces a stateful resource
/// is refused, naming each.
fn deny_destroy(session: &Session, args: &PlanArgs, plan: &Plan) -> Result<(), u8> {
    let denied = plan.stateful_destroys();
    if !args.deny_destroy || denied.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = denied
        .iter()
        .map(|c| {
            let verb = if c.action == engine::plan::Action::Replace {
                "replaced"
            } else {
                "destroyed"
            };
            format!("{} would be {verb}", c.address)
        })
        .collect();
    Err(session.error(
        "Destroying stateful resources is denied",
        format!("--deny-destroy refuses this plan: {}. These hold data that would be lost. Change the templates so that they are kept (or protect them with lifecycle {{ prevent_destroy = true }}), or run without --deny-destroy where destroying them is intended.", list.join("; ")),
    ))
}

async fn plan_command(
    session: &mut Session,
    args: &PlanArgs,
    lock: &LockArgs,
    out: Option<PathBuf>,
    format: Format,
    detailed_exitcode: bool,
    destroy: bool,
) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let _lease = match take_lock(session, &*backend, lock, "plan") {
        Ok(g) => g,
        Err(code) => return code,
    };
    let state = match load_locked(session, &*backend, "plan") {
        Ok(loaded) => loaded.state,
        Err(code) => return code,
    };
    let mode = if destroy {
        PlanMode::Destroy
    } else {
        PlanMode::Normal
    };
    let (ctx, plan) = match make_plan(session, args, mode, &state).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    print!(
        "{}",
        crate::output::plan_document(&plan, format, Some(&ctx.config), session.style)
    );
    if let Some(out) = out {
        let sealer = match backend.sealer() {
            Ok(s) => s,
            Err(e) => return session.error("Cannot save the plan", e.to_string()),
        };
        if let Err(e) = crate::planfile::write(&out, &plan, sealer) {
            return session.error("Cannot save the plan", e);
        }
        tracing::debug!(path = %out.display(), "plan saved");
        if format == Format::Text {
            println!(
                "\nSaved the plan to {}. To apply exactly this plan, run: stack apply {}",
                out.display(),
                out.display()
            );
        }
    }
    let code = if detailed_exitcode && plan.has_changes() {
        CHANGES
    } else {
        OK
    };
    leave_to_exit((ctx, plan, state));
    code
}

/// Hands what a one-shot command built (templates, state, plan: hundreds of
/// thousands of small allocations for a large stack) to the process's exit
/// instead of freeing it piece by piece, which took a tenth of a no-change
/// plan. Only for values a command holds until it returns, never in a loop:
/// the binary exits right after a command, and the operating system takes
/// the memory back at once. Locks and files are not passed here.
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

fn confirm(session: &Session, destroy: bool) -> Result<(), u8> {
    if !std::io::stdin().is_terminal() {
        return Err(session.error(
            "No confirmation possible",
            "stack asks for confirmation before changing anything, but there is no terminal to ask on. Run with --auto-approve, or apply a saved plan (stack plan --out FILE, then stack apply FILE).",
        ));
    }
    let question = if destroy {
        "Do you really want to destroy all resources?\n  stack will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm."
    } else {
        "Do you want to perform these actions?\n  stack will perform the actions described above.\n  Only 'yes' will be accepted to approve."
    };
    print!("\n{}\n\n  Enter a value: ", session.style.bold(question));
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        eprintln!("\nApply cancelled.");
        Err(ERROR)
    }
}

/// How `stack apply` and `stack destroy` run after planning.
struct ApplyArgs {
    auto_approve: bool,
    parallelism: usize,
    /// How the plan is shown before anything changes.
    format: Format,
}

async fn plan_and_apply(
    session: &mut Session,
    args: &PlanArgs,
    lock: &LockArgs,
    apply: ApplyArgs,
    mode: PlanMode,
) -> u8 {
    let ApplyArgs {
        auto_approve,
        parallelism,
        format,
    } = apply;
    if format == Format::Json && !auto_approve {
        return session.error(
            "--format json needs --auto-approve",
            "With --format json, stdout is for machines, so stack cannot ask for confirmation there. Add --auto-approve, or apply a saved plan (stack plan --out FILE, then stack apply --format json FILE).",
        );
    }
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let operation = if mode == PlanMode::Destroy {
        "destroy"
    } else {
        "apply"
    };
    let lease = match take_lock(session, &*backend, lock, operation) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let loaded = match load_locked(session, &*backend, operation) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (ctx, plan) = match make_plan(session, args, mode, &loaded.state).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let json = format == Format::Json;
    crate::output::print_plan_before_apply(&plan, format, Some(&ctx.config), session.style);
    if !plan.has_changes() {
        if json {
            crate::output::print_apply_result(&plan, None, false, &loaded.state);
        }
        return OK;
    }
    if !auto_approve {
        if let Err(code) = confirm(session, mode == PlanMode::Destroy) {
            return code;
        }
    }
    if !json {
        println!();
    }
    let target = ApplyTarget {
        backend: &*backend,
        lease,
        loaded,
        operation,
        json,
        stats: args.stats,
    };
    run_apply(session, target, &ctx, &plan, parallelism).await
}

async fn apply_saved(
    session: &mut Session,
    file: &Path,
    vars: &VarArgs,
    lock: &LockArgs,
    parallelism: usize,
    shown: Option<Format>,
) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let sealer = match backend.sealer() {
        Ok(s) => s.clone(),
        Err(e) => return session.error("Cannot read the plan", e.to_string()),
    };
    let plan = match crate::planfile::read(file, &sealer) {
        Ok(p) => p,
        Err(e) => return session.error("Cannot read the plan", e),
    };
    if let Some(format) = shown {
        let config = crate::output::plan_config(session, &plan);
        crate::output::print_plan_before_apply(&plan, format, config.as_ref(), session.style);
    }
    let lease = match take_lock(session, &*backend, lock, "apply") {
        Ok(g) => g,
        Err(code) => return code,
    };
    let mut loaded = match load_locked(session, &*backend, "apply") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (ctx, _) = match load(session, Some(vars), Some(&plan)) {
        Ok(x) => x,
        Err(diags) => {
            session.report(&diags);
            return ERROR;
        }
    };
    let stored = loaded.version.0.is_some();
    let digest = engine::plan::templates_digest(&ctx.config);
    let current = engine::planfile::Current {
        workspace: &session.workspace,
        state: stored.then_some(&loaded.state),
        templates_digest: &digest,
    };
    if let Err(e) = engine::planfile::check_binding(&plan, &current) {
        let moved = match &e {
            engine::planfile::BindingError::Stale { .. } => writes_since(&*backend, plan.serial),
            _ => String::new(),
        };
        return session.error(e.summary(), format!("{e}{moved}"));
    }
    if !stored {
        loaded.state = State::new(plan.lineage.clone());
    }
    let target = ApplyTarget {
        backend: &*backend,
        lease,
        loaded,
        operation: "apply",
        json: shown == Some(Format::Json),
        stats: false,
    };
    run_apply(session, target, &ctx, &plan, parallelism).await
}

/// What moved the state since a plan was made, from its history: who
/// wrote each later version, when, with which command, and what it changed.
fn writes_since(backend: &dyn Backend, planned_serial: u64) -> String {
    let Ok(history) = backend.history() else {
        return String::new();
    };
    let writes: Vec<String> = history
        .iter()
        .filter(|h| h.serial > planned_serial)
        .map(|h| {
            format!(
                "serial {} by {} at {} ({}: {} added, {} changed, {} removed)",
                h.serial,
                h.who,
                h.written,
                h.operation,
                h.summary.added,
                h.summary.changed,
                h.summary.removed
            )
        })
        .collect();
    if writes.is_empty() {
        String::new()
    } else {
        format!(" Written since: {}.", writes.join("; "))
    }
}

/// The first Ctrl-C stops the apply gracefully: nothing new starts, what is
/// in flight finishes and is recorded, the lock is released. A second one
/// exits at once; the journal still holds every finished operation.
fn spawn_interrupt_handler(
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // SIGTERM (a CI runner cancelling the job) stops as gracefully as a
        // first Ctrl-C: what is in flight is recorded and the lock released.
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => if interrupted.is_err() { return },
            _ = terminated => {}
        }
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("\nInterrupt received: no new operations will start; waiting for those in flight to finish. Press Ctrl-C again to stop at once.");
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Stopping at once. Finished operations are recorded in the state journal and recovered by the next run.");
            std::process::exit(130);
        }
    })
}

struct JournalRecorder {
    journal: Box<dyn StateJournal>,
    /// Test hook for the kill tests: `STACK_TEST_ABORT_AFTER_RECORDS=N`
    /// aborts the process (as abruptly as SIGKILL) once N journal writes
    /// are durable, so that a crash can be placed at an exact point of an
    /// apply. Unset, it costs one comparison per write.
    abort_after: Option<u64>,
    writes: u64,
}

impl JournalRecorder {
    fn new(journal: Box<dyn StateJournal>) -> JournalRecorder {
        JournalRecorder {
            journal,
            abort_after: std::env::var("STACK_TEST_ABORT_AFTER_RECORDS")
                .ok()
                .and_then(|v| v.parse().ok()),
            writes: 0,
        }
    }

    fn wrote(&mut self) {
        self.writes += 1;
        if self.abort_after.is_some_and(|n| self.writes >= n) {
            std::process::abort();
        }
    }
}

impl StateRecorder for JournalRecorder {
    fn record(&mut self, entry: &JournalEntry) -> Result<(), String> {
        // By slice: no clone of the entry.
        self.record_all(std::slice::from_ref(entry))
    }

    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), String> {
        self.journal
            .record_all(entries)
            .map_err(|e| e.to_string())?;
        self.wrote();
        Ok(())
    }

    fn idle(&mut self) -> Result<(), String> {
        self.journal.flush().map_err(|e| e.to_string())
    }
}

/// Where an apply writes: the backend, the lease held on it, and the state
/// as loaded under that lease.
struct ApplyTarget<'b> {
    backend: &'b dyn Backend,
    lease: Box<dyn Lease>,
    loaded: Loaded,
    operation: &'static str,
    /// `--format json`: events and the result as JSON lines (docs/apply-json.md).
    json: bool,
    /// `--stats`: the apply's API calls too, after the plan's.
    stats: bool,
}

/// Stops starting new operations when the lease on the state is lost
/// (someone took the lock over): what is in flight finishes and is
/// recorded, and the apply fails.
fn spawn_lease_watch(
    lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !lost.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("\nThe state lock was lost (its lease could not be renewed, or another run took it over): no new operations will start; those in flight finish and are recorded.");
    })
}

async fn run_apply(
    session: &Session,
    target: ApplyTarget<'_>,
    ctx: &Context,
    plan: &Plan,
    parallelism: usize,
) -> u8 {
    let ApplyTarget {
        backend,
        lease,
        loaded,
        operation,
        json,
        stats,
    } = target;
    // Without a key, secrets could not be sealed into the journal: say so
    // before anything is changed.
    if let Err(e) = backend.sealer() {
        return session.error("Cannot write the state", e.to_string());
    }
    let journal = match backend.journal(&loaded, WriteNote::new(operation)) {
        Ok(j) => j,
        Err(e) => return session.error("Cannot write the state", e.to_string()),
    };
    let mut state = loaded.state;
    let state = &mut state;
    let mut recorder = JournalRecorder::new(journal);
    let total = plan.operation_count();
    let mode = crate::progress::Mode::detect(json);
    let progress = crate::progress::Progress::new(total, mode, session.style);
    let ticker = progress.spawn_ticker();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let interrupt = spawn_interrupt_handler(cancel.clone());
    let lost = lease.lost();
    let watch = spawn_lease_watch(lost.clone(), cancel.clone());
    let outcome = engine::apply::apply(
        ctx,
        plan,
        state,
        &mut recorder,
        progress.sink(),
        ApplyOptions {
            parallelism,
            cancel: cancel.clone(),
        },
    )
    .await;
    interrupt.abort();
    watch.abort();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    progress.finish();
    if stats {
        print_calls("API calls during the apply", &outcome.api_calls);
    }
    let persisted = recorder.journal.compact(state);
    tracing::debug!(
        succeeded = outcome.succeeded,
        failed = outcome.failed,
        skipped = outcome.skipped,
        serial = state.serial,
        persisted = persisted.is_ok(),
        "apply finished"
    );
    session.report(&outcome.diagnostics);
    if let Err(e) = persisted {
        return session.error(
            "Failed to persist state",
            format!("{} The changes are recorded in the state journal and will be recovered by the next run.", sentence(&e.to_string())),
        );
    }
    if let Err(e) = lease.release() {
        eprintln!("Warning: {e}");
    }
    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        return session.error(
            "State lock lost",
            format!("Another run took over the state lock during the apply. {} operation(s) finished and are recorded; {} were not started. Run stack apply again once the other run is done.", outcome.succeeded, outcome.skipped),
        );
    }
    let interrupted = cancel.load(std::sync::atomic::Ordering::SeqCst);
    if json {
        crate::output::print_apply_result(plan, Some(&outcome), interrupted, state);
        return if interrupted || outcome.diagnostics.has_errors() {
            ERROR
        } else {
            OK
        };
    }
    report_outcome(session, plan, &outcome, interrupted, state)
}

/// The closing lines of an apply, and its exit code.
fn report_outcome(
    session: &Session,
    plan: &Plan,
    outcome: &engine::apply::ApplyOutcome,
    interrupted: bool,
    state: &State,
) -> u8 {
    let summary = plan.summary();
    if interrupted {
        eprintln!(
            "{}",
            session.style.red(&format!(
                "Apply interrupted: {} operation(s) finished and are recorded, {} skipped. Run stack apply again to finish.",
                outcome.succeeded, outcome.skipped
            ))
        );
        return ERROR;
    }
    if outcome.diagnostics.has_errors() {
        eprintln!(
            "{}",
            session.style.red(&format!(
                "Apply failed: {} operation(s) succeeded, {} failed, {} skipped. The state records everything that was done.",
                outcome.succeeded, outcome.failed, outcome.skipped
            ))
        );
        return ERROR;
    }
    if plan.destroy {
        println!(
            "\n{}",
            session.style.green(&format!(
                "Destroy complete! Resources: {} destroyed.",
                summary.destroy
            ))
        );
    } else {
        // As Terraform words it: imports are counted only when there are some.
        let imported = if summary.import > 0 {
            format!("{} imported, ", summary.import)
        } else {
            String::new()
        };
        println!(
            "\n{}",
            session.style.green(&format!(
                "Apply complete! Resources: {imported}{} added, {} changed, {} destroyed.",
                summary.add, summary.change, summary.destroy
            ))
        );
        print_outputs(state);
    }
    OK
}

/// `--stats`: the API calls the providers made, per service and operation.
fn print_stats(plan: &Plan) {
    print_calls("API calls", &plan.api_calls);
}

/// Prints a table of API calls by `service:Operation`, with its total.
fn print_calls(title: &str, calls: &std::collections::BTreeMap<String, u64>) {
    let total: u64 = calls.values().sum();
    eprintln!("{title}: {total}");
    for (call, count) in calls {
        let (service, operation) = call.split_once(':').unwrap_or((call, ""));
        eprintln!("  {service:<18} {operation:<40} {count}");
    }
}

async fn import_command(
    session: &mut Session,
    address: &str,
    id: &str,
    vars: &VarArgs,
    lock: &LockArgs,
) -> u8 {
    let addr = match address.parse::<InstanceAddr>() {
        Ok(a) => a,
        Err(e) => return session.error("Invalid import address", e.to_string()),
    };
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let _lease = match take_lock(session, &*backend, lock, "import") {
        Ok(g) => g,
        Err(code) => return code,
    };
    let Loaded {
        mut state, version, ..
    } = match load_locked(session, &*backend, "import") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (ctx, diags) = match load(session, Some(vars), None) {
        Ok(x) => x,
        Err(diags) => {
            session.report(&diags);
            return ERROR;
        }
    };
    session.report(&diags);
    if diags.has_errors() {
        return ERROR;
    }
    match engine::import::import(&ctx, &state, &addr, id).await {
        Ok(resource) => {
            state.resources.insert(addr.to_string(), resource);
            if let Err(e) = backend.persist(&mut state, &version, &WriteNote::new("import")) {
                return session.error("Failed to persist state", e.to_string());
            }
            println!(
                "{}",
                session.style.green(&format!("Import successful: {addr} is now managed by stack. Run stack plan to compare it with its template."))
            );
            OK
        }
        Err(diags) => {
            session.report(&diags);
            ERROR
        }
    }
}

fn output_text(value: &serde_json::Value, sensitive: bool) -> String {
    if sensitive {
        "<sensitive>".to_string()
    } else {
        render::inline(&Value::from_json(value))
    }
}

fn print_outputs(state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, output) in &state.outputs {
        println!("{name} = {}", output_text(&output.value, output.sensitive));
    }
}

fn show(session: &mut Session, plan_file: Option<PathBuf>, format: Format) -> u8 {
    let json = format == Format::Json;
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Some(file) = plan_file {
        let sealer = match backend.sealer() {
            Ok(s) => s.clone(),
            Err(e) => return session.error("Cannot read the plan", e.to_string()),
        };
        return match crate::planfile::read(&file, &sealer) {
            Ok(plan) => {
                let config = crate::output::plan_config(session, &plan);
                let document =
                    crate::output::plan_document(&plan, format, config.as_ref(), session.style);
                print!("{document}");
                OK
            }
            Err(e) => session.error("Cannot read the plan", e),
        };
    }
    let state = match load_state(session, &*backend) {
        Ok(Some(s)) => s,
        Ok(None) => {
            println!(
                "The state is empty: nothing has been applied in workspace \"{}\".",
                session.workspace
            );
            return OK;
        }
        Err(code) => return code,
    };
    if let Some(document) = crate::output::state_document(&state, format) {
        print!("{document}");
        return OK;
    }
    if json {
        let resources: Vec<serde_json::Value> = state
            .resources
            .iter()
            .map(|(address, r)| {
                let mut attributes = r.attributes.clone();
                for path in &r.sensitive_paths {
                    crate::planfile::replace_path(&mut attributes, path, |_| serde_json::Value::Null);
                }
                serde_json::json!({"address": address, "mode": r.mode, "type": r.resource_type, "provider": r.provider, "status": r.status, "attributes": attributes, "sensitive_paths": r.sensitive_paths})
            })
            .collect();
        let outputs: serde_json::Map<String, serde_json::Value> = state
            .outputs
            .iter()
            .map(|(k, o)| (k.clone(), serde_json::json!({"value": if o.sensitive { serde_json::Value::Null } else { o.value.clone() }, "sensitive": o.sensitive})))
            .collect();
        let out = serde_json::json!({"lineage": state.lineage, "serial": state.serial, "resources": resources, "outputs": outputs});
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return OK;
    }
    for (address, resource) in &state.resources {
        print!("{}", describe_resource(address, resource));
        println!();
    }
    print_outputs(&state);
    OK
}

pub(crate) fn describe_resource(address: &str, resource: &state::ResourceState) -> String {
    let value = engine::encoding::from_state(resource);
    let mut out = format!("# {address}:");
    match &resource.status {
        state::Status::Tainted => out.push_str(" (tainted)"),
        state::Status::Pending { .. } => out.push_str(" (creation unfinished)"),
        state::Status::Ready => {}
    }
    let kind = if resource.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let short = address.rsplit('.').next().unwrap_or(address);
    out.push_str(&format!(
        "\n{kind} \"{}\" \"{}\" {{\n",
        resource.resource_type,
        short.split('[').next().unwrap_or(short)
    ));
    if let Some(map) = value.as_map() {
        let width = map.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            out.push_str(&format!("    {k:width$} = {}\n", render::inline(v)));
        }
    }
    out.push_str("}\n");
    out
}

fn output(
    session: &Session,
    name: Option<String>,
    json: bool,
    raw: bool,
    show_sensitive: bool,
) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let state = match load_state(session, &*backend) {
        Ok(s) => s.unwrap_or_else(|| State::new(String::new())),
        Err(code) => return code,
    };
    match name {
        Some(name) => {
            let Some(output) = state.outputs.get(&name) else {
                return session.error(
                    "Output not found",
                    format!(
                        "The output \"{name}\" is not in the state.{}",
                        engine::diagnostics::did_you_mean(
                            &name,
                            state.outputs.keys().map(String::as_str)
                        )
                    ),
                );
            };
            if output.sensitive && !show_sensitive {
                if json {
                    println!("null");
                } else {
                    println!("<sensitive>");
                }
                eprintln!("The output \"{name}\" is sensitive; add --show-sensitive to reveal it.");
                return OK;
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output.value).unwrap_or_default()
                );
            } else if raw {
                match &output.value {
                    serde_json::Value::String(s) => print!("{s}"),
                    serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                        print!("{}", output.value)
                    }
                    _ => {
                        return session.error(
                            "Unsupported value for raw output",
                            "--raw prints only strings, numbers and bools; use --json.",
                        )
                    }
                }
            } else {
                println!("{}", render::inline(&Value::from_json(&output.value)));
            }
            OK
        }
        None => {
            if json {
                let map: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({"sensitive": o.sensitive, "value": if o.sensitive { serde_json::Value::Null } else { o.value.clone() }})))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&map).unwrap_or_default());
            } else {
                for (name, o) in &state.outputs {
                    println!("{name} = {}", output_text(&o.value, o.sensitive));
                }
            }
            OK
        }
    }
}

fn graph(session: &mut Session) -> u8 {
    let (config, diags) = engine::config::load(&session.dir);
    session.files = config.files.clone();
    if diags.has_errors() {
        session.report(&diags);
        return ERROR;
    }
    match engine::graph::build(&config) {
        Ok(graph) => {
            print!("{}", graph.to_dot());
            OK
        }
        Err(diags) => {
            session.report(&diags);
            ERROR
        }
    }
}

fn state_command(session: &Session, command: StateCommand) -> u8 {
    let command = match command {
        StateCommand::History { json } => return crate::state_commands::history(session, json),
        StateCommand::Pull => return crate::state_commands::pull(session),
        StateCommand::Rollback { serial, lock } => {
            return crate::state_commands::rollback(session, serial, &lock)
        }
        StateCommand::Push { file, force, lock } => {
            return crate::state_commands::push(session, &file, force, &lock)
        }
        StateCommand::Mv {
            source,
            destination,
            lock,
        } => {
            return edit_state(session, &lock, "state mv", |state| {
                let moved = state.move_objects(&source, &destination)?;
                Ok(moved
                    .iter()
                    .map(|(from, to)| format!("Moved {from} to {to}"))
                    .chain([format!("Successfully moved {} object(s).", moved.len())])
                    .collect::<Vec<_>>()
                    .join("\n"))
            })
        }
        StateCommand::Show {
            address,
            serial: Some(serial),
        } => return crate::state_commands::show_version(session, &address, serial),
        other => other,
    };
    if let StateCommand::Rm { addresses, lock } = &command {
        return edit_state(session, lock, "state rm", |state| {
            let mut removed = Vec::new();
            for address in addresses {
                removed.extend(state.remove(address)?);
            }
            Ok(removed
                .iter()
                .map(|a| format!("Removed {a}"))
                .chain([format!("Successfully removed {} resource instance(s); the objects themselves were not touched.", removed.len())])
                .collect::<Vec<_>>()
                .join("\n"))
        });
    }
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let state = match load_state(session, &*backend) {
        Ok(s) => s.unwrap_or_else(|| State::new(String::new())),
        Err(code) => return code,
    };
    match command {
        StateCommand::List { addresses } => {
            for address in state.resources.keys() {
                if addresses.is_empty() || addresses.iter().any(|a| address.starts_with(a.as_str())) {
                    println!("{address}");
                }
            }
            OK
        }
        StateCommand::Show { address, .. } => match state.resources.get(&address) {
            Some(resource) => {
                print!("{}", describe_resource(&address, resource));
                OK
            }
            None => session.error(
                "No such resource instance",
                format!(
                    "The state has no instance {address}.{} Run `stack state list` to see what it has.",
                    engine::diagnostics::did_you_mean(&address, state.resources.keys().map(String::as_str))
                ),
            ),
        },
        _ => OK,
    }
}

/// Changes the state by hand under the lock, and writes it back (a new
/// serial, so saved plans made before no longer apply).
fn edit_state(
    session: &Session,
    lock: &LockArgs,
    operation: &str,
    edit: impl FnOnce(&mut State) -> Result<String, state::EditError>,
) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let _lease = match take_lock(session, &*backend, lock, operation) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let Loaded {
        mut state, version, ..
    } = match load_locked(session, &*backend, operation) {
        Ok(loaded) if loaded.version.0.is_some() => loaded,
        Ok(_) => {
            return session.error(
                "No state",
                "This workspace has no state yet: nothing to change.",
            )
        }
        Err(code) => return code,
    };
    let message = match edit(&mut state) {
        Ok(message) => message,
        Err(e) => {
            let hint = "Run `stack state list` to see the instances the state has.";
            return session.error(
                "Cannot change the state",
                format!("{}: {e}. {hint}", capitalise(operation)),
            );
        }
    };
    if let Err(e) = backend.persist(&mut state, &version, &WriteNote::new(operation)) {
        return session.error("Failed to persist state", e.to_string());
    }
    println!("{message}");
    OK
}

/// A message as a sentence that ends with one full stop.
fn sentence(text: &str) -> String {
    format!("{}.", text.trim_end().trim_end_matches('.'))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn force_unlock(session: &Session, id: &str) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    match backend.force_unlock(id) {
        Ok(info) => {
            println!(
                "Removed the lock {} held by {} ({}) since {}.",
                info.id, info.who, info.operation, info.created
            );
            OK
        }
        Err(e) => session.error("Cannot unlock", e.to_string()),
    }
}

fn schema(session: &Session, type_name: &str) -> u8 {
    if let Some(provider) = type_name.strip_prefix("provider.") {
        return provider_schema(session, provider);
    }
    let (mode, name) = match type_name.strip_prefix("data.") {
        Some(n) => (engine::addrs::ResourceMode::Data, n),
        None => (engine::addrs::ResourceMode::Managed, type_name),
    };
    let registry = registry();
    let Some((provider, schema)) = registry.find_schema(name, mode) else {
        return session.error(
            "Unknown resource type",
            format!("No provider offers \"{type_name}\"."),
        );
    };
    print!(
        "{}",
        engine::render::schema::schema_text(type_name, &provider, &schema, render::inline)
    );
    OK
}

/// `stack schema provider.NAME`: the arguments of a `provider "NAME"` block.
fn provider_schema(session: &Session, name: &str) -> u8 {
    let Some(provider) = registry().instantiate(name) else {
        return session.error(
            "Unknown provider",
            format!("No provider is called \"{name}\"."),
        );
    };
    print!(
        "{}",
        engine::render::schema::provider_schema_text(
            name,
            &provider.schema().provider,
            render::inline
        )
    );
    OK
}
