//! `registry://HOST/GROUP/NAME` module sources: resolved against the
//! registry (the newest visible version meeting the `version` constraint),
//! downloaded into `.stack/modules/HOST/GROUP/NAME` (where the engine's
//! loader looks: `engine::config::registry_module_dir`), and pinned with
//! their digests in `stack.lock.json`, which is committed with the stack. A
//! later download whose digest differs from the pinned one is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::archive::{self, Limits};
use crate::client::{choose_version, Client};
use crate::Error;

pub const LOCK_FILE: &str = "stack.lock.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Lock {
    /// The template the stack was created from (`stack init --template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<PinnedTemplate>,
    /// Registry modules by source.
    #[serde(default)]
    pub modules: BTreeMap<String, Pinned>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pinned {
    pub version: String,
    pub digest: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PinnedTemplate {
    pub registry: String,
    pub name: String,
    pub version: String,
    pub digest: String,
}

impl Lock {
    pub fn load(root: &Path) -> Result<Lock, Error> {
        let path = root.join(LOCK_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| Error::Client(format!("{} is not valid: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
            Err(e) => Err(Error::Client(format!("reading {}: {e}", path.display()))),
        }
    }

    pub fn save(&self, root: &Path) -> Result<(), Error> {
        let path = root.join(LOCK_FILE);
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(&path, text)
            .map_err(|e| Error::Client(format!("writing {}: {e}", path.display())))
    }
}

/// One `module` block's registry source and version constraint.
#[derive(Debug, Clone)]
pub struct Request {
    pub source: String,
    pub constraint: Option<String>,
}

/// What `install` did for one source.
#[derive(Debug, Clone)]
pub struct Installed {
    pub source: String,
    pub version: String,
}

/// Splits `registry://HOST/GROUP/NAME`.
pub fn parse_source(source: &str) -> Result<(String, String, String), Error> {
    let bad = || {
        Error::Client(format!(
            "{source:?} is not of the form registry://HOST/GROUP/NAME"
        ))
    };
    let rest = source
        .strip_prefix(engine::config::REGISTRY_SCHEME)
        .ok_or_else(bad)?;
    let mut parts = rest.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(host), Some(group), Some(name), None)
            if !host.is_empty() && crate::valid_name(group) && crate::valid_name(name) =>
        {
            Ok((host.to_string(), group.to_string(), name.to_string()))
        }
        _ => Err(bad()),
    }
}

/// Resolves, downloads and pins each source. A pinned version is kept while
/// it still meets the constraint; its digest must match the pin.
pub async fn install(root: &Path, requests: &[Request]) -> Result<Vec<Installed>, Error> {
    let mut lock = Lock::load(root)?;
    // Several blocks may call one source: all their constraints apply.
    let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in requests {
        let entry = wanted.entry(r.source.clone()).or_default();
        entry.extend(r.constraint.clone());
    }
    let mut installed = Vec::new();
    for (source, constraints) in wanted {
        let constraint = (!constraints.is_empty()).then(|| constraints.join(", "));
        let pinned = install_one(
            root,
            &source,
            constraint.as_deref(),
            lock.modules.get(&source),
        )
        .await?;
        installed.push(Installed {
            source: source.clone(),
            version: pinned.version.clone(),
        });
        lock.modules.insert(source, pinned);
        lock.save(root)?;
    }
    Ok(installed)
}

async fn install_one(
    root: &Path,
    source: &str,
    constraint: Option<&str>,
    pinned: Option<&Pinned>,
) -> Result<Pinned, Error> {
    let (host, group, name) = parse_source(source)?;
    let client = Client::for_host(&host)?;
    let detail = client
        .show(&group, &name)
        .await
        .map_err(|e| Error::Client(format!("module source {source}: {e}")))?;
    let keep_pin = pinned.filter(|p| {
        let allowed = match constraint {
            Some(c) => engine::version::parse_constraints(c).is_ok_and(|cs| {
                engine::version::parse_version(&p.version)
                    .is_ok_and(|v| engine::version::allows_all(&cs, &v))
            }),
            None => true,
        };
        allowed && detail.versions.iter().any(|v| v.version == p.version)
    });
    let version = match keep_pin {
        Some(p) => p.version.clone(),
        None => choose_version(&detail, constraint)
            .map_err(|e| Error::Client(format!("module source {source}: {e}")))?,
    };
    let listed = detail
        .versions
        .iter()
        .find(|v| v.version == version)
        .map(|v| v.digest.clone())
        .unwrap_or_default();
    if let Some(p) = pinned.filter(|p| p.version == version && p.digest != listed) {
        return Err(Error::Client(format!(
            "module source {source} {version}: the registry's digest {listed} differs from {} pinned in {LOCK_FILE}; refusing it",
            p.digest
        )));
    }
    let bytes = client.download(&group, &name, &version, &listed).await?;
    let dest = engine::config::registry_module_dir(root, source).ok_or_else(|| {
        Error::Client(format!(
            "{source:?} is not of the form registry://HOST/GROUP/NAME"
        ))
    })?;
    unpack_into(&bytes, &dest)?;
    Ok(Pinned {
        version,
        digest: listed,
    })
}

/// Checks an archive, unpacks it beside `dest` and then swaps it in, so a
/// failure never leaves half a module.
pub fn unpack_into(bytes: &[u8], dest: &Path) -> Result<(), Error> {
    let entries = archive::inspect(bytes, Limits::default())?;
    let parent = dest.parent().unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| Error::Client(format!("unpacking into {}: {e}", dest.display()));
    std::fs::create_dir_all(parent).map_err(fail)?;
    let staging = tempfile::Builder::new()
        .prefix(".partial-")
        .tempdir_in(parent)
        .map_err(fail)?;
    let unpacked: PathBuf = staging.path().join("m");
    archive::extract(&entries, &unpacked).map_err(fail)?;
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(fail)?;
    }
    std::fs::rename(&unpacked, dest).map_err(fail)?;
    Ok(())
}
