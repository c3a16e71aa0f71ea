//! The `stack` command line: argument parsing, rendering, prompting and
//! exit codes. Everything else lives in the library crates.

mod commands;
mod drift_commands;
mod drift_schedule;
mod migrate;
mod output;
mod planfile;
mod progress;
mod registry_cli;
mod render;
mod state_commands;
mod terraform_flags;
mod workspace;
mod workspace_commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Planning a large stack makes and frees millions of small values; glibc's
/// allocator spent a third of a no-change plan's time in `malloc`/`free`
/// and fragmented at 100,000 resources. Measured in BENCHMARKS.md (step 4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Declarative infrastructure as code for AWS stacks: HCL templates,
/// dependency graph, plan and apply.
#[derive(Parser, Debug)]
#[command(name = "stack", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The stack directory (default: the current directory); `stack drift`
    /// takes it several times.
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR", action = clap::ArgAction::Append)]
    pub dir: Vec<PathBuf>,
    /// Disable colours (also honoured: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// The workspace for this command (default: the one `stack workspace
    /// select` chose, else `default`): each has its own state and lock and
    /// an optional <workspace>.vars.hcl.
    #[arg(long, global = true, env = "STACK_WORKSPACE", value_name = "NAME")]
    pub workspace: Option<String>,
    /// Log at this level and above: error, warn, info, debug or trace (for
    /// stack's own logs; the AWS SDK's stay at warn), or a filter such as
    /// `providers=debug` (also STACK_LOG). Logs never hold secrets.
    #[arg(long, global = true, env = "STACK_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Write logs to this file (appended) instead of stderr.
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Accepted for Terraform scripts (`-input=false`): stack never prompts
    /// for variable values, and asks before applying only on a terminal.
    #[arg(long, global = true, hide = true, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub input: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: --var name=value (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file of `name = value` lines (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// How a plan (or the state) is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people, in Terraform's layout.
    Text,
    /// stack's own JSON plan (docs/plan-json.md); sensitive values are null.
    Json,
    /// A pull-request comment (GitHub and GitLab markdown), at most 65,000 characters.
    Markdown,
    /// Terraform's JSON plan representation, for policy and cost tools.
    TerraformJson,
}

#[derive(Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// Output format: text, json, markdown or terraform-json.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Shorthand for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl FormatArgs {
    pub fn format(&self) -> Format {
        match (self.format, self.json) {
            (Some(format), _) => format,
            (None, true) => Format::Json,
            (None, false) => Format::Text,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// How long to wait for the state lock, e.g. 30s or 2m (default: fail at once).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

#[derive(Args, Debug, Clone, Default)]
pub struct PlanArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Plan only this resource, instance or module and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Leave this resource, instance or module and what depends on it out of the plan (repeatable).
    #[arg(long = "exclude", value_name = "ADDR")]
    pub excludes: Vec<String>,
    /// Plan to replace this instance even if nothing changed (repeatable).
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Print the API calls made per service and operation (to stderr).
    #[arg(long)]
    pub stats: bool,
    /// Refuse a plan that deletes or replaces a resource holding data
    /// (databases, caches, buckets, Beanstalk environments): for CI on
    /// protected branches.
    #[arg(long)]
    pub deny_destroy: bool,
    /// Do not read the real objects before planning.
    #[arg(long = "refresh", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Change nothing real: record in state what refresh finds (values
    /// changed outside stack, objects deleted), accepting the drift.
    #[arg(long, conflicts_with_all = ["replace", "refresh"])]
    pub refresh_only: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Set up the backend the templates configure; with --migrate-state,
    /// move the state there from the backend set up before.
    Init {
        /// Copy the workspace's state (with its history) from the previous backend.
        #[arg(long, conflicts_with = "reconfigure")]
        migrate_state: bool,
        /// Use the new backend as it is, leaving the old state where it was.
        #[arg(long)]
        reconfigure: bool,
        #[command(flatten)]
        lock: LockArgs,
        /// With --template or --group: the new stack's directory (empty or new).
        #[arg(value_name = "DIR", requires = "from_registry")]
        new_dir: Option<PathBuf>,
        /// Create a new stack from a registry template: GROUP/NAME@CONSTRAINT.
        #[arg(long, value_name = "GROUP/NAME@VERSION", group = "from_registry")]
        template: Option<String>,
        /// Create a new stack from the group's default template.
        #[arg(long, value_name = "GROUP", group = "from_registry")]
        group: Option<String>,
        /// With --template or --group: configure the AWS provider with this
        /// credential reference (NAME in the group, or GROUP/NAME), a role to
        /// assume; with --group, by default the group's only one, if any.
        #[arg(long, value_name = "NAME", requires = "from_registry")]
        credential: Option<String>,
    },
    /// Check the templates for errors, reporting all of them.
    Validate {
        /// Print the diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite templates in canonical style.
    Fmt {
        /// Do not write; exit 1 if any file would change.
        #[arg(long)]
        check: bool,
        /// Show the changes as a diff.
        #[arg(long)]
        diff: bool,
        /// Also format the stack's subdirectories (modules).
        #[arg(long)]
        recursive: bool,
    },
    /// Show what apply would change.
    Plan {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        lock: LockArgs,
        /// Save the plan to FILE for `stack apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        output: FormatArgs,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Plan to destroy everything.
        #[arg(long)]
        destroy: bool,
    },
    /// Apply a saved plan, or plan and apply after confirmation.
    Apply {
        /// A plan saved with `stack plan --out`.
        #[arg(value_name = "PLANFILE")]
        plan_file: Option<PathBuf>,
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        lock: LockArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// How many operations may run at once.
        #[arg(long, default_value_t = 10, value_name = "N")]
        parallelism: usize,
        /// The format of the plan shown before the changes are made.
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Destroy everything the stack manages.
    Destroy {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        lock: LockArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// How many operations may run at once.
        #[arg(long, default_value_t = 10, value_name = "N")]
        parallelism: usize,
        /// The format of the plan shown before the changes are made.
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Print a shell completion script: `stack completions bash > /etc/bash_completion.d/stack`.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `stack man > stack.1`.
    Man,
    /// Manage workspaces: named states of this stack (Terraform's workspaces).
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Show the state, or a saved plan.
    Show {
        /// A plan saved with `stack plan --out`.
        #[arg(value_name = "PLANFILE")]
        plan_file: Option<PathBuf>,
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Show output values from the state.
    Output {
        /// One output's name.
        name: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Print a string output without quotes.
        #[arg(long)]
        raw: bool,
        /// Reveal a sensitive output (only with NAME).
        #[arg(long)]
        show_sensitive: bool,
    },
    /// Print the dependency graph in Graphviz DOT.
    Graph,
    /// Inspect the state.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Mark a resource instance to be replaced on the next apply.
    Taint {
        /// The instance address, e.g. aws_instance.web[0].
        address: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Take back a taint: the object is kept as it is.
    Untaint {
        /// The instance address, e.g. aws_instance.web[0].
        address: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Remove a state lock left by a crashed run.
    ForceUnlock {
        /// The lock id, as printed by the failing command.
        id: String,
    },
    /// Bring an existing object under management: stack import ADDR ID.
    Import {
        /// The resource instance address; its block must be in the templates.
        address: String,
        /// The object's id in the cloud (e.g. an instance id i-0123…).
        id: String,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Move to stack from another tool: stack migrate terraform [STATEFILE].
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
    /// Run or administer a template registry.
    Registry {
        #[command(subcommand)]
        command: registry_cli::RegistryCommand,
    },
    /// Save a registry token (from stdin or STACK_REGISTRY_TOKEN) for URL.
    Login {
        /// The registry, e.g. https://templates.example.com.
        url: String,
    },
    /// Publish, list, show and manage registry templates.
    Template {
        #[command(subcommand)]
        command: registry_cli::TemplateCommand,
    },
    /// Register, list and remove a group's credential references (roles to assume, never secrets).
    Credential {
        #[command(subcommand)]
        command: registry_cli::CredentialCommand,
    },
    /// Describe a resource type's arguments and attributes.
    Schema {
        /// A resource type, e.g. random_password; data.TYPE for a data source;
        /// provider.NAME for the arguments of a provider block.
        type_name: String,
    },
    /// Report what changed in the real objects outside stack since the last
    /// apply, once or on a cron schedule, without taking the state lock.
    /// Exit 0 no drift, 2 drift, 1 error.
    Drift(drift_commands::DriftArgs),
}

#[derive(Subcommand, Debug)]
pub enum MigrateCommand {
    /// Make stack's state from a Terraform state, leaving Terraform's untouched.
    #[command(long_about = migrate::HELP)]
    Terraform {
        /// Terraform's state file (default: the backend "s3" block's state, else terraform.tfstate).
        #[arg(value_name = "STATEFILE")]
        state_file: Option<PathBuf>,
        /// Print what was migrated and left out as JSON.
        #[arg(long)]
        json: bool,
        /// Read and import everything, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace a stack state that is not empty (its version stays in the history).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        lock: LockArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List the resource instances in the state.
    List {
        /// Only addresses starting with these.
        addresses: Vec<String>,
    },
    /// Show one resource instance's attributes (of the current state, or of
    /// the version --serial names).
    Show {
        /// The instance address, e.g. aws_instance.web[0].
        address: String,
        /// Read this version from the history instead.
        #[arg(long)]
        serial: Option<u64>,
    },
    /// List the stored versions of the state, newest first.
    History {
        /// Print the history as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write an older version back as a new version (history is never rewritten).
    Rollback {
        /// The serial of the version to restore, from `stack state history`.
        #[arg(long)]
        serial: u64,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Print the state in its file format (secrets stay sealed).
    Pull,
    /// Replace the state with a state file (as `state pull` prints it).
    Push {
        /// The state file to write.
        file: std::path::PathBuf,
        /// Allow another lineage or a lower serial.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Rename resource instances in the state without touching them.
    Mv {
        /// The current address (an instance, or a resource with all its instances).
        source: String,
        /// The new address.
        destination: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Forget resource instances without destroying them (and their deposed objects).
    Rm {
        /// Instance or resource addresses; a resource address takes all its instances.
        #[arg(required = true)]
        addresses: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// List the workspaces; the current one is marked with `*`.
    List,
    /// Print the current workspace's name.
    Show,
    /// Create a workspace (with an empty state) and switch to it.
    New {
        name: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Switch to a workspace.
    Select {
        name: String,
        /// Create it if it does not exist.
        #[arg(long)]
        or_create: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Delete a workspace's state; refused while it still manages objects.
    Delete {
        name: String,
        /// Delete even if it still manages objects (they stay in the cloud, unmanaged).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
}

/// The crates whose logs a bare level (`debug`) turns on.
const OUR_CRATES: [&str; 5] = ["stack", "engine", "state", "providers", "registry"];

/// A bare level applies to stack's own crates; everything else (the AWS
/// SDK, HTTP) stays at `warn`, because at trace level the SDK logs request
/// bodies, which may hold secrets. A filter with directives (`aws_smithy_runtime=debug`)
/// is taken as written.
fn log_filter(level: &str) -> String {
    let quiet = ["off", "error", "warn"].contains(&level.trim().to_ascii_lowercase().as_str());
    if quiet || level.contains('=') || level.contains(',') {
        return level.to_string();
    }
    let ours: Vec<String> = OUR_CRATES.iter().map(|c| format!("{c}={level}")).collect();
    format!("warn,{}", ours.join(","))
}

/// Sets up `tracing` when `--log-level`/`STACK_LOG` asks for logs: to
/// stderr, or appended to `--log-file`.
fn init_logging(cli: &Cli) -> Result<(), String> {
    let Some(level) = &cli.log_level else {
        return Ok(());
    };
    let filter = tracing_subscriber::EnvFilter::try_new(log_filter(level))
        .map_err(|e| format!("--log-level {level:?} is not a log level or filter: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match &cli.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
        // Colours only for a person reading a terminal (NO_COLOR and
        // --no-color honoured), never in a file or a CI log.
        None => {
            let color = !cli.no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stderr());
            builder.with_ansi(color).with_writer(std::io::stderr).init()
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(terraform_flags::normalise(std::env::args_os()));
    if let Err(e) = init_logging(&cli) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    // These two need no stack directory and no runtime.
    match &cli.command {
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "stack", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            return match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Error: cannot write the man page: {e}");
                    ExitCode::from(1)
                }
            };
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(commands::run(cli));
    ExitCode::from(code)
}
