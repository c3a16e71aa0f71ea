//! The template registry's commands: `stack registry …` (the service and its
//! admin commands), `stack login`, `stack template …`, `stack init
//! --template/--group`, and installing `registry://` modules on `stack init`.
//! The work is in the `registry` crate; this wires arguments and output.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use registry::client::{choose_version, Client, Credentials, TemplateRef};
use registry::credentials::CredentialRef;
use registry::modules::{Lock, PinnedTemplate, Request};

use crate::commands::{Session, OK};

#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// The registry's data directory (SQLite database and archives by default).
    #[arg(long, value_name = "DIR", default_value = "registry-data")]
    pub data: PathBuf,
    /// The metadata database instead of DIR/registry.db: sqlite://PATH or postgres://…
    #[arg(long, value_name = "URL", env = "STACK_REGISTRY_DATABASE")]
    pub database: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum RegistryCommand {
    /// Run the registry service (HTTP API and web catalogue).
    Serve {
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: String,
        #[command(flatten)]
        data: DataArgs,
        /// Where archives go instead of DIR/archives: a directory or s3://BUCKET/PREFIX.
        #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
        archives: Option<String>,
        /// The largest archive accepted, in bytes (compressed).
        #[arg(long, value_name = "BYTES")]
        max_archive_size: Option<u64>,
    },
    /// Manage users and their groups.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create and revoke API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage groups.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Show the audit log of every write, newest first.
    Audit {
        #[command(flatten)]
        data: DataArgs,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user (or add an existing user to groups).
    Add {
        name: String,
        /// A group the user belongs to (repeatable; created if new).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Make the user an admin of these groups.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token for a user; it is printed once and stored only as a hash.
    Create {
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Set the template a group's members get from `stack init DIR --group G`.
    Default {
        group: String,
        /// NAME@VERSION (a template of the group) or GROUP/NAME@VERSION.
        template: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TemplateCommand {
    /// Publish a directory as a new version of a template.
    #[command(disable_version_flag = true)]
    Publish {
        dir: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long)]
        version: String,
        /// private (only you), group (your group) or public (everyone); default private for a new template.
        #[arg(long)]
        access: Option<String>,
        /// The group (default: your only group).
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// List the templates you may see.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a template's versions, variables and outputs.
    Show {
        /// GROUP/NAME, or NAME when only one template you see has it.
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a template's access level.
    Access {
        name: String,
        /// private, group or public.
        level: String,
    },
    /// Yank a version: kept for stacks that pin it, never chosen again.
    #[command(disable_version_flag = true)]
    Yank { name: String, version: String },
}

#[derive(Subcommand, Debug)]
pub enum CredentialCommand {
    /// Register (or replace) a role for the group's stacks to assume.
    Add {
        /// The reference's name, e.g. prod.
        name: String,
        /// The group that shares it (default: your only group).
        #[arg(long)]
        group: Option<String>,
        /// The IAM role to assume, e.g. arn:aws:iam::123456789012:role/deploy.
        #[arg(long)]
        role_arn: String,
        /// The region the group's stacks deploy to.
        #[arg(long)]
        region: String,
        /// The external id the role's trust policy requires, if any.
        #[arg(long)]
        external_id: Option<String>,
        /// private (only you), group (your group; the default) or public.
        #[arg(long)]
        access: Option<String>,
    },
    /// List the references you may see in a group (default: all your groups).
    List {
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a reference: GROUP/NAME.
    Remove { name: String },
}

fn fail(session: &Session, summary: &str, err: impl std::fmt::Display) -> u8 {
    session.error(summary, err.to_string())
}

pub async fn registry(session: &Session, command: RegistryCommand) -> u8 {
    match command {
        RegistryCommand::Serve {
            listen,
            data,
            archives,
            max_archive_size,
        } => serve(session, &listen, &data, archives, max_archive_size).await,
        RegistryCommand::User {
            command:
                UserCommand::Add {
                    name,
                    groups,
                    admin: is_admin,
                    data,
                },
        } => {
            admin(session, &data, |db| async move {
                for n in std::iter::once(&name).chain(&groups) {
                    if !registry::valid_name(n) {
                        return Err(registry::Error::BadRequest(format!(
                            "{n:?} is not a valid name: use lowercase letters, digits, - and _"
                        )));
                    }
                }
                db.add_user(&name, &groups, is_admin).await?;
                println!("User {name} is in {}.", groups.join(", "));
                Ok(())
            })
            .await
        }
        RegistryCommand::Token {
            command: TokenCommand::Create { name, data },
        } => {
            admin(session, &data, |db| async move {
                let (id, token) = db.create_token(&name).await?;
                eprintln!("Token {id} for {name} (shown once; give it to `stack login URL`):");
                println!("{token}");
                Ok(())
            })
            .await
        }
        RegistryCommand::Token {
            command: TokenCommand::Revoke { id, data },
        } => {
            admin(session, &data, |db| async move {
                db.revoke_token(&id).await?;
                println!("Token {id} is revoked.");
                Ok(())
            })
            .await
        }
        RegistryCommand::Group {
            command:
                GroupCommand::Default {
                    group,
                    template,
                    data,
                },
        } => {
            admin(session, &data, |db| async move {
                let full = if template.contains('/') {
                    template.clone()
                } else {
                    format!("{group}/{template}")
                };
                TemplateRef::parse(&full)
                    .map_err(|e| registry::Error::BadRequest(e.to_string()))?;
                db.set_group_default(&group, &full).await?;
                println!("New stacks of group {group} start from {full}.");
                Ok(())
            })
            .await
        }
        RegistryCommand::Audit { data, limit } => {
            admin(session, &data, |db| async move {
                for e in db.audit_log(limit).await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        e.at, e.actor, e.action, e.target, e.detail
                    );
                }
                Ok(())
            })
            .await
        }
    }
}

fn settings(data: &DataArgs, archives: Option<String>) -> registry::server::Settings {
    registry::server::Settings::under(&data.data, data.database.clone(), archives)
}

async fn admin<F, Fut>(session: &Session, data: &DataArgs, run: F) -> u8
where
    F: FnOnce(registry::db::Db) -> Fut,
    Fut: std::future::Future<Output = Result<(), registry::Error>>,
{
    let settings = settings(data, None);
    let app = match registry::server::App::open(&settings).await {
        Ok(app) => app,
        Err(e) => return fail(session, "Cannot open the registry", e),
    };
    match run(app.db).await {
        Ok(()) => OK,
        Err(e) => fail(session, "Registry command failed", e),
    }
}

async fn serve(
    session: &Session,
    listen: &str,
    data: &DataArgs,
    archives: Option<String>,
    max: Option<u64>,
) -> u8 {
    let mut settings = settings(data, archives);
    if let Some(max) = max {
        settings.limits.max_archive = max;
        settings.limits.max_unpacked = settings.limits.max_unpacked.max(max);
    }
    let app = match registry::server::App::open(&settings).await {
        Ok(app) => app,
        Err(e) => return fail(session, "Cannot open the registry", e),
    };
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => return fail(session, "Cannot listen", format!("{listen}: {e}")),
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("stack registry listening on http://{address}");
    let _ = std::io::stdout().flush();
    match registry::server::serve(listener, app).await {
        Ok(()) => OK,
        Err(e) => fail(session, "The registry stopped", e),
    }
}

pub async fn login(session: &Session, url: &str) -> u8 {
    let token = match std::env::var("STACK_REGISTRY_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    {
        Some(token) => token,
        None => {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim().is_empty() {
                return session.error(
                    "No token",
                    "Give the token on standard input or in STACK_REGISTRY_TOKEN.",
                );
            }
            line.trim().to_string()
        }
    };
    let url = url.trim_end_matches('/').to_string();
    let client = Client::new(&url, Some(token.clone()));
    let who = match client.whoami().await {
        Ok(who) => who,
        Err(e) => return fail(session, "Login failed", e),
    };
    let saved = Credentials::load().and_then(|mut creds| {
        creds.tokens.insert(url.clone(), token);
        creds.default = Some(url.clone());
        creds.save()
    });
    match saved {
        Ok(path) => {
            println!(
                "Logged in to {url} as {} (token saved in {}).",
                who["name"].as_str().unwrap_or("?"),
                path.display()
            );
            OK
        }
        Err(e) => fail(session, "Cannot save the login", e),
    }
}

/// `GROUP/NAME`, or a bare NAME that exactly one visible template has.
async fn template_ref(client: &Client, text: &str) -> Result<TemplateRef, registry::Error> {
    if text.contains('/') {
        return TemplateRef::parse(text);
    }
    let matches: Vec<_> = client
        .list()
        .await?
        .into_iter()
        .filter(|t| t.name == text)
        .collect();
    match matches.as_slice() {
        [one] => TemplateRef::parse(&format!("{}/{}", one.group, one.name)),
        [] => Err(registry::Error::Client(format!(
            "template {text} not found"
        ))),
        _ => Err(registry::Error::Client(format!(
            "several groups have a template {text}; write GROUP/{text}"
        ))),
    }
}

pub async fn template(session: &Session, command: TemplateCommand) -> u8 {
    let client = match Client::from_login() {
        Ok(c) => c,
        Err(e) => return fail(session, "Not logged in", e),
    };
    let result = match command {
        TemplateCommand::Publish {
            dir,
            name,
            version,
            access,
            group,
            description,
        } => {
            publish(
                session,
                &client,
                &dir,
                &name,
                &version,
                access,
                group,
                description,
            )
            .await
        }
        TemplateCommand::List { json } => list(&client, json).await,
        TemplateCommand::Show { name, json } => show(&client, &name, json).await,
        TemplateCommand::Access { name, level } => match template_ref(&client, &name).await {
            Ok(t) => client.set_access(&t, &level).await.map(|()| {
                println!("{}/{} is now {level}.", t.group, t.name);
            }),
            Err(e) => Err(e),
        },
        TemplateCommand::Yank { name, version } => match template_ref(&client, &name).await {
            Ok(t) => client.yank(&t, &version).await.map(|()| {
                println!("{}/{} {version} is yanked.", t.group, t.name);
            }),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => OK,
        Err(e) => fail(session, "Registry request failed", e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn publish(
    session: &Session,
    client: &Client,
    dir: &Path,
    name: &str,
    version: &str,
    access: Option<String>,
    group: Option<String>,
    description: Option<String>,
) -> Result<(), registry::Error> {
    let dir = session.dir().join(dir);
    // The template is checked here first, with the loader's diagnostics.
    let (_, diags) = engine::config::load(&dir);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.is_error() && d.summary != "Module not installed")
        .cloned()
        .collect();
    if !errors.is_empty() {
        let mut report = engine::diagnostics::Diagnostics::new();
        for d in errors {
            report.push(d);
        }
        session.report(&report);
        return Err(registry::Error::Client(format!(
            "{} does not load; nothing was published",
            dir.display()
        )));
    }
    let group = group_or_only(client, group).await?;
    let template = TemplateRef::parse(&format!("{group}/{name}"))?;
    let archive = registry::archive::pack(&dir)
        .map_err(|e| registry::Error::Client(format!("packing {}: {e}", dir.display())))?;
    let answer = client
        .publish(
            &template,
            version,
            access.as_deref(),
            description.as_deref(),
            archive,
        )
        .await?;
    println!(
        "Published {group}/{name} {version} ({}).",
        answer["digest"].as_str().unwrap_or("")
    );
    Ok(())
}

/// The caller's groups, as the registry knows them.
async fn my_groups(client: &Client) -> Result<Vec<String>, registry::Error> {
    let who = client.whoami().await?;
    Ok(who["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["group"].as_str().map(str::to_string))
        .collect())
}

/// `group`, or the caller's only group.
async fn group_or_only(client: &Client, group: Option<String>) -> Result<String, registry::Error> {
    if let Some(group) = group {
        return Ok(group);
    }
    match my_groups(client).await?.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(registry::Error::Client(
            "you are in several groups (or none): pass --group G".into(),
        )),
    }
}

pub async fn credential(session: &Session, command: CredentialCommand) -> u8 {
    let client = match Client::from_login() {
        Ok(c) => c,
        Err(e) => return fail(session, "Not logged in", e),
    };
    let result = match command {
        CredentialCommand::Add {
            name,
            group,
            role_arn,
            region,
            external_id,
            access,
        } => {
            let body = serde_json::json!({
                "role_arn": role_arn, "region": region,
                "external_id": external_id, "access": access,
            });
            add_credential(&client, &name, group, &body).await
        }
        CredentialCommand::List { group, json } => list_credentials(&client, group, json).await,
        CredentialCommand::Remove { name } => match name.split_once('/') {
            Some((group, name)) => client.delete_credential(group, name).await.map(|()| {
                println!("Removed credential reference {group}/{name}.");
            }),
            None => Err(registry::Error::Client(format!(
                "write the reference as GROUP/NAME, e.g. platform/{name}"
            ))),
        },
    };
    match result {
        Ok(()) => OK,
        Err(e) => fail(session, "Registry request failed", e),
    }
}

async fn add_credential(
    client: &Client,
    name: &str,
    group: Option<String>,
    body: &serde_json::Value,
) -> Result<(), registry::Error> {
    let group = group_or_only(client, group).await?;
    client.put_credential(&group, name, body).await?;
    println!(
        "Registered credential reference {group}/{name}; `stack init DIR --group {group} --credential {name}` uses it."
    );
    Ok(())
}

async fn list_credentials(
    client: &Client,
    group: Option<String>,
    json: bool,
) -> Result<(), registry::Error> {
    let groups = match group {
        Some(group) => vec![group],
        None => my_groups(client).await?,
    };
    let mut all = Vec::new();
    for group in groups {
        all.extend(client.credentials(&group).await?);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return Ok(());
    }
    for c in all {
        println!(
            "{}/{}\t{}\t{}\t{}\t{}",
            c.group,
            c.name,
            c.role_arn,
            c.region,
            c.access.as_str(),
            c.owner
        );
    }
    Ok(())
}

async fn list(client: &Client, json: bool) -> Result<(), registry::Error> {
    let templates = client.list().await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&templates).unwrap_or_default()
        );
        return Ok(());
    }
    for t in templates {
        let latest = t.latest.as_deref().unwrap_or("-");
        println!(
            "{}/{}\t{latest}\t{}\t{}\t{}",
            t.group,
            t.name,
            t.access.as_str(),
            t.owner,
            t.description
        );
    }
    Ok(())
}

async fn show(client: &Client, name: &str, json: bool) -> Result<(), registry::Error> {
    let t = template_ref(client, name).await?;
    let detail = client.show(&t.group, &t.name).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&detail).unwrap_or_default()
        );
        return Ok(());
    }
    let info = &detail.template;
    println!("{}/{}: {}", info.group, info.name, info.description);
    println!("owner {}, access {}", info.owner, info.access.as_str());
    println!("versions:");
    for v in &detail.versions {
        let yanked = if v.yanked { " (yanked)" } else { "" };
        println!("  {}{yanked}\t{}", v.version, v.digest);
    }
    if let Some(meta) = &detail.metadata {
        println!("variables:");
        for v in &meta.variables {
            let default = v
                .default
                .as_deref()
                .map_or("required".to_string(), |d| format!("default {d}"));
            println!(
                "  {} ({}, {default}) {}",
                v.name,
                v.ty.as_deref().unwrap_or("any"),
                v.description
            );
        }
        println!("outputs:");
        for o in &meta.outputs {
            println!("  {} {}", o.name, o.description);
        }
    }
    Ok(())
}

/// Where a new stack comes from: `--template`, `--group` and `--credential`.
pub struct InitSource {
    pub template: Option<String>,
    pub group: Option<String>,
    pub credential: Option<String>,
}

/// `stack init DIR --template GROUP/NAME@CONSTRAINT` or `--group G`.
pub async fn init_from_template(session: &Session, dir: Option<PathBuf>, source: InitSource) -> u8 {
    let target = session
        .dir()
        .join(dir.unwrap_or_else(|| PathBuf::from(".")));
    match create_from_template(session, &target, source).await {
        Ok(code) => code,
        Err(e) => fail(session, "Cannot create the stack", e),
    }
}

async fn create_from_template(
    session: &Session,
    target: &Path,
    source: InitSource,
) -> Result<u8, registry::Error> {
    let client = Client::from_login()?;
    let spec = match (source.template.clone(), &source.group) {
        (Some(t), _) => t,
        (None, Some(g)) => client.group_default(g).await?.ok_or_else(|| {
            registry::Error::Client(format!(
                "group {g} has no default template; use --template GROUP/NAME"
            ))
        })?,
        (None, None) => unreachable!("dispatched only with --template or --group"),
    };
    let t = TemplateRef::parse(&spec)?;
    let credential = choose_credential(&client, &source, &t.group).await?;
    if target.exists()
        && std::fs::read_dir(target)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(registry::Error::Client(format!(
            "{} exists and is not empty; pick a new directory",
            target.display()
        )));
    }
    let detail = client.show(&t.group, &t.name).await?;
    let version = choose_version(&detail, t.constraint.as_deref())?;
    let digest = detail
        .versions
        .iter()
        .find(|v| v.version == version)
        .map(|v| v.digest.clone())
        .unwrap_or_default();
    let bytes = client
        .download(&t.group, &t.name, &version, &digest)
        .await?;
    registry::modules::unpack_into(&bytes, target)?;
    let lock = Lock {
        template: Some(PinnedTemplate {
            registry: client.base().to_string(),
            name: format!("{}/{}", t.group, t.name),
            version: version.clone(),
            digest,
        }),
        ..Lock::default()
    };
    lock.save(target)?;
    write_vars_file(
        target,
        session.workspace(),
        &format!("{}/{} {version}", t.group, t.name),
    )?;
    println!(
        "Created {} from {}/{} {version}.",
        target.display(),
        t.group,
        t.name
    );
    if let Some(reference) = credential {
        let file = registry::credentials::configure_stack(target, &reference)?;
        println!(
            "The AWS provider assumes {} ({}/{}), set in {}.",
            reference.role_arn,
            reference.group,
            reference.name,
            file.display()
        );
    }
    install_modules(target).await
}

/// The credential reference a new stack uses: the one `--credential`
/// names (`GROUP/NAME`, or `NAME` in the `--group` or the template's group),
/// else with `--group` the group's only one the caller sees, else none.
/// A template's group is never searched unasked: it may be another group's
/// public template, and its roles are not the caller's to assume.
async fn choose_credential(
    client: &Client,
    source: &InitSource,
    template_group: &str,
) -> Result<Option<CredentialRef>, registry::Error> {
    let default_group = source.group.as_deref().unwrap_or(template_group);
    if let Some(named) = &source.credential {
        let (group, name) = named.split_once('/').unwrap_or((default_group, named));
        return client.credential(group, name).await.map(Some);
    }
    let Some(group) = &source.group else {
        return Ok(None);
    };
    let mut visible = client.credentials(group).await?;
    match visible.len() {
        0 | 1 => Ok(visible.pop()),
        _ => Err(registry::Error::Client(format!(
            "group {group} has several credential references ({}); pick one with --credential NAME",
            visible
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `<workspace>.vars.hcl` listing the template's variables, commented out, to fill in.
fn write_vars_file(target: &Path, workspace: &str, origin: &str) -> Result<(), registry::Error> {
    let meta = registry::metadata::read(target).unwrap_or_default();
    let mut text = format!("# Variables of {origin}. Uncomment and set the required ones.\n");
    for v in &meta.variables {
        text.push('\n');
        if !v.description.is_empty() {
            text.push_str(&format!("# {}\n", v.description));
        }
        let ty = v.ty.as_deref().unwrap_or("any");
        match &v.default {
            Some(default) => text.push_str(&format!(
                "# {} ({ty}, default):\n# {} = {default}\n",
                v.name, v.name
            )),
            None => text.push_str(&format!("# {} ({ty}, required):\n# {} =\n", v.name, v.name)),
        }
    }
    let path = target.join(format!("{workspace}.vars.hcl"));
    std::fs::write(&path, text)
        .map_err(|e| registry::Error::Client(format!("writing {}: {e}", path.display())))
}

/// Downloads the `registry://` modules the stack calls (also those called by
/// downloaded modules) and pins them in stack.lock.json. No sources, no requests.
pub async fn install_modules(root: &Path) -> Result<u8, registry::Error> {
    let mut done: Vec<String> = Vec::new();
    // Each round installs the sources the previous round's modules revealed.
    for _ in 0..8 {
        let (config, _) = engine::config::load(root);
        let requests: Vec<Request> = config
            .modules
            .values()
            .flat_map(|m| m.module_calls.values())
            .filter(|c| c.source.starts_with(engine::config::REGISTRY_SCHEME))
            .filter(|c| !done.contains(&c.source))
            .map(|c| Request {
                source: c.source.clone(),
                constraint: c.version.clone(),
            })
            .collect();
        if requests.is_empty() {
            return Ok(OK);
        }
        for installed in registry::modules::install(root, &requests).await? {
            println!(
                "Installed module {} {}.",
                installed.source, installed.version
            );
            done.push(installed.source);
        }
    }
    Err(registry::Error::Client(
        "registry modules call each other more than 8 levels deep".into(),
    ))
}

/// Plain `stack init`: registry modules first, so that the templates load.
pub async fn install_before_init(session: &Session) -> Result<(), u8> {
    match install_modules(session.dir()).await {
        Ok(_) => Ok(()),
        Err(e) => Err(fail(session, "Cannot install registry modules", e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_line_definition_is_valid() {
        use clap::CommandFactory;
        crate::Cli::command().debug_assert();
    }
}
