//! `stack migrate terraform [STATEFILE]`: stack's state made from a
//! Terraform state, which is only read. The work is `engine::migrate`'s;
//! this finds the source, takes the lock, writes the state and reports.

use std::path::Path;

use engine::migrate::{tfstate, How, Migration};
use state::{Loaded, WriteNote};

use crate::commands::{load, load_locked, take_lock, Session, ERROR, OK};
use crate::{LockArgs, VarArgs};

/// Exit code when every object was migrated except some that were left
/// out (listed): unsupported types, objects without a block, objects the
/// cloud no longer has. 2 is clap's usage error, so this is 3.
pub(crate) const LEFT_OUT: u8 = 3;

/// What `--help` says about exit codes and behaviour.
pub(crate) const HELP: &str = "\
Reads a Terraform state (format version 4, Terraform 0.12 and later) and writes stack's state \
for the same objects, at the same addresses. Cloud objects are imported by their id through \
their provider, so their attributes come from the cloud; built-in objects (null, terraform_data, \
random, local, time) keep Terraform's attributes. Tainted objects stay tainted, deposed objects \
stay deposed (the next apply deletes them, as Terraform's would), data sources are read again by \
the next plan, and root outputs are carried over. Terraform's state is never written.

Without STATEFILE: the state the templates' backend \"s3\" block names (Terraform's object, \
`key` or `env:/<workspace>/key`; stack's own is beside it, `<key>.stack`), else \
terraform.tfstate (terraform.tfstate.d/<workspace>/terraform.tfstate for other workspaces).

Exit codes:
  0  every managed object was migrated
  3  the state was written, but some objects were left out (listed, with the reason)
  1  error: nothing was written";

pub(crate) struct Options<'a> {
    pub state_file: Option<&'a Path>,
    pub json: bool,
    pub dry_run: bool,
    pub force: bool,
    pub vars: &'a VarArgs,
    pub lock: &'a LockArgs,
}

/// Terraform's state: where it was read and its bytes.
struct Source {
    location: String,
    bytes: Vec<u8>,
}

pub(crate) async fn terraform(session: &mut Session, options: Options<'_>) -> u8 {
    let source = match read_source(session, options.state_file) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let terraform = match tfstate::parse(&source.bytes) {
        Ok(state) => state,
        Err(e) => return report_parse_error(session, &source, e),
    };
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    if backend.location() == source.location {
        return session.error("Refusing to overwrite Terraform's state", format!("stack's state would be written where Terraform's was read ({}). Terraform's state is never written; give stack its own state location.", source.location));
    }
    // A dry run writes nothing, not even a lock.
    let _lease = match options.dry_run {
        true => None,
        false => match take_lock(session, &*backend, options.lock, "migrate") {
            Ok(lease) => Some(lease),
            Err(code) => return code,
        },
    };
    let loaded = match options.dry_run {
        true => backend
            .load()
            .map(|l| l.unwrap_or_else(empty_loaded))
            .map_err(|e| session.error("Cannot read the state", e.to_string())),
        false => load_locked(session, &*backend, "migrate"),
    };
    let Loaded {
        mut state, version, ..
    } = match loaded {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if !state.is_empty() && !options.force {
        return session.error(
            "State not empty",
            format!("{} already holds {} resource instance(s) and {} output(s) (serial {}). Run with --force to replace them with the migrated ones (the current version stays in the history: `stack state history`), or use another workspace.", backend.location(), state.resources.len(), state.outputs.len(), state.serial),
        );
    }
    let (ctx, diags) = match load(session, Some(options.vars), None) {
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
    let migration = match engine::migrate::migrate(&ctx, &terraform).await {
        Ok(m) => m,
        Err(diags) => {
            session.report(&diags);
            return ERROR;
        }
    };
    let report = Report {
        source: &source,
        terraform: &terraform,
        migration: &migration,
        dry_run: options.dry_run,
    };
    if !options.dry_run {
        state.resources = migration.resources.clone();
        state.outputs = migration.outputs.clone();
        let note = WriteNote::new(format!("migrate terraform ({})", source.location));
        if let Err(e) = backend.persist(&mut state, &version, &note) {
            return session.error("Failed to persist state", e.to_string());
        }
    }
    match options.json {
        true => report.print_json(state.serial),
        false => report.print_text(session, state.serial),
    }
    if migration.skipped.is_empty() {
        OK
    } else {
        LEFT_OUT
    }
}

fn empty_loaded() -> Loaded {
    Loaded {
        state: state::State::new(state::new_lineage()),
        version: state::VersionToken(None),
        replayed: 0,
    }
}

/// STATEFILE; else Terraform's object of the backend "s3" block; else
/// `terraform.tfstate` (`terraform.tfstate.d/<workspace>/…` for others).
fn read_source(session: &Session, file: Option<&Path>) -> Result<Source, u8> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => {
            let configured = session.configured_backend()?;
            if configured.kind == "s3" {
                return read_s3_source(session, &configured);
            }
            match session.workspace() {
                "default" => Path::new("terraform.tfstate").to_path_buf(),
                ws => Path::new("terraform.tfstate.d")
                    .join(ws)
                    .join("terraform.tfstate"),
            }
        }
    };
    let full = session.dir().join(&path);
    match std::fs::read(&full) {
        Ok(bytes) => Ok(Source {
            location: path.display().to_string(),
            bytes,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => Err(session.error(
            "No Terraform state found",
            format!("There is no {} in {}. Give the state file's path: `stack migrate terraform FILE` (Terraform prints its current state with `terraform state pull > FILE`).", path.display(), session.dir().display()),
        )),
        Err(e) => Err(session.error(
            "Cannot read the Terraform state",
            format!("{}: {e}", path.display()),
        )),
    }
}

fn read_s3_source(session: &Session, configured: &state::BackendConfig) -> Result<Source, u8> {
    let backend = state::s3::S3Backend::new(configured, session.workspace(), session.dir())
        .map_err(|e| session.error("Invalid backend", e.to_string()))?;
    let (url, bytes) = backend
        .read_terraform_state()
        .map_err(|e| session.error("Cannot read the Terraform state", e.to_string()))?;
    match bytes {
        Some(bytes) => Ok(Source {
            location: url,
            bytes,
        }),
        None => Err(session.error(
            "No Terraform state found",
            format!("The backend \"s3\" block names {url}, which does not exist. Give the state file's path instead: `stack migrate terraform FILE`."),
        )),
    }
}

/// The file and the line and column where the state is malformed. No
/// source excerpt is shown: Terraform's state holds secrets in clear.
fn report_parse_error(session: &Session, source: &Source, e: tfstate::ParseError) -> u8 {
    let place = match e.line_column {
        Some((line, column)) => format!("{}:{line}:{column}", source.location),
        None => source.location.clone(),
    };
    session.error(
        "Invalid Terraform state",
        format!("{place}: {}. {}", e.message, e.help),
    )
}

struct Report<'a> {
    source: &'a Source,
    terraform: &'a tfstate::TerraformState,
    migration: &'a Migration,
    dry_run: bool,
}

impl Report<'_> {
    fn print_text(&self, session: &Session, serial: u64) {
        let style = session.style();
        let m = self.migration;
        println!(
            "Migrating the state of Terraform {} from {} (serial {}):\n",
            self.terraform.terraform_version, self.source.location, self.terraform.serial
        );
        for object in &m.migrated {
            let how = match object.how {
                How::Imported => "imported",
                How::CarriedOver => "carried over",
            };
            let id = object.id.as_deref().unwrap_or("(sensitive value)");
            let tainted = if object.tainted { ", tainted" } else { "" };
            println!(
                "  {} {}: {how} (id {id}{tainted})",
                style.green("+"),
                object.address
            );
        }
        if !m.skipped.is_empty() {
            println!("\n{}", style.yellow("Left out:"));
            for object in &m.skipped {
                println!(
                    "  {} {}: {}",
                    style.yellow("-"),
                    object.address,
                    object.reason
                );
            }
        }
        println!();
        if m.data_sources > 0 {
            println!(
                "{} data source instance(s) will be read again by the next plan.",
                m.data_sources
            );
        }
        if !m.outputs.is_empty() {
            println!("{} output(s) carried over.", m.outputs.len());
        }
        let summary = format!(
            "{} object(s) migrated, {} left out.",
            m.migrated.len(),
            m.skipped.len()
        );
        if self.dry_run {
            println!("{summary} Dry run: nothing was written.");
            return;
        }
        println!(
            "{} Terraform's state was not changed.",
            style.green(&format!(
                "Migration complete: {summary} stack's state is at serial {serial}."
            ))
        );
        println!("Run `stack plan`: for templates that match the cloud it says \"No changes.\"");
    }

    fn print_json(&self, serial: u64) {
        let m = self.migration;
        let migrated: Vec<serde_json::Value> = m
            .migrated
            .iter()
            .map(|o| {
                serde_json::json!({
                    "address": o.address,
                    "type": o.resource_type,
                    "id": o.id,
                    "how": match o.how { How::Imported => "imported", How::CarriedOver => "carried_over" },
                    "tainted": o.tainted,
                })
            })
            .collect();
        let skipped: Vec<serde_json::Value> = m
            .skipped
            .iter()
            .map(|o| {
                serde_json::json!({
                    "address": o.address,
                    "type": o.resource_type,
                    "reason_code": o.kind.as_str(),
                    "reason": o.reason,
                })
            })
            .collect();
        let out = serde_json::json!({
            "source": self.source.location,
            "terraform_version": self.terraform.terraform_version,
            "dry_run": self.dry_run,
            "serial": (!self.dry_run).then_some(serial),
            "migrated": migrated,
            "skipped": skipped,
            "data_sources": m.data_sources,
            "outputs": m.outputs.keys().collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
}
