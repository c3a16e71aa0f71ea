//! Template archives: gzip-compressed tar files of a template directory.
//! `inspect` reads an archive wholly in memory and checks every entry (no
//! absolute paths, no `..`, no links escaping the root, no special files,
//! sizes within limits) before anything is written anywhere; `extract`
//! writes only what `inspect` accepted. The server and the client share it.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;

/// Size limits for one archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The archive as sent (compressed), in bytes.
    pub max_archive: u64,
    /// All files once unpacked, in bytes (guards against compression bombs).
    pub max_unpacked: u64,
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_archive: 10 << 20,
            max_unpacked: 50 << 20,
            max_entries: 10_000,
        }
    }
}

/// One checked entry, with its path relative to the template's root.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    File(Vec<u8>),
    Dir,
    /// A relative link that stays inside the root.
    Symlink(PathBuf),
}

/// The archive's digest as the registry and lock files write it: `sha256:HEX`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Reads and checks every entry of an archive, writing nothing.
pub fn inspect(bytes: &[u8], limits: Limits) -> Result<Vec<Entry>, Error> {
    if bytes.len() as u64 > limits.max_archive {
        return Err(too_large(limits));
    }
    let unpacked = flate2::read::GzDecoder::new(bytes).take(limits.max_unpacked + 1);
    let mut archive = tar::Archive::new(unpacked);
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    let iter = archive.entries().map_err(bad_archive)?;
    for entry in iter {
        let mut entry = entry.map_err(bad_archive)?;
        if entries.len() >= limits.max_entries {
            return Err(Error::TooLarge(format!(
                "the archive has more than {} entries",
                limits.max_entries
            )));
        }
        let raw = entry.path().map_err(bad_archive)?.into_owned();
        let path = relative_path(&raw)?;
        let kind = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                total += entry.size();
                if total > limits.max_unpacked {
                    return Err(too_large(limits));
                }
                let mut data = Vec::with_capacity(entry.size() as usize);
                entry.read_to_end(&mut data).map_err(bad_archive)?;
                Kind::File(data)
            }
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(bad_archive)?
                    .ok_or_else(|| Error::BadRequest(format!("the link {} has no target", raw.display())))?
                    .into_owned();
                check_link(&path, &target)?;
                Kind::Symlink(target)
            }
            // Extension headers are folded into the entries that follow them.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            other => {
                return Err(Error::BadRequest(format!(
                    "the archive entry {} is a {other:?}; only files, directories and relative links are allowed",
                    raw.display()
                )))
            }
        };
        if path.as_os_str().is_empty() {
            continue;
        }
        entries.push(Entry { path, kind });
    }
    if total > limits.max_unpacked {
        return Err(too_large(limits));
    }
    Ok(entries)
}

fn too_large(limits: Limits) -> Error {
    Error::TooLarge(format!(
        "the archive is over the size limit ({} bytes compressed, {} bytes unpacked)",
        limits.max_archive, limits.max_unpacked
    ))
}

fn bad_archive(err: std::io::Error) -> Error {
    Error::BadRequest(format!("the archive is not a readable .tar.gz file: {err}"))
}

/// An entry's path with only plain components: absolute paths and `..` are refused.
fn relative_path(raw: &Path) -> Result<PathBuf, Error> {
    let mut clean = PathBuf::new();
    for component in raw.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(Error::BadRequest(format!(
                    "the archive entry {} has a `..` component; entries must stay inside the template",
                    raw.display()
                )))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(Error::BadRequest(format!(
                    "the archive entry {} is an absolute path; entries must be relative to the template",
                    raw.display()
                )))
            }
        }
    }
    Ok(clean)
}

/// A symbolic link must be relative and resolve inside the root.
fn check_link(path: &Path, target: &Path) -> Result<(), Error> {
    let escapes = || {
        Error::BadRequest(format!(
            "the link {} points to {}, outside the template",
            path.display(),
            target.display()
        ))
    };
    // The link's directory depth below the root, then the target walked from there.
    let mut depth = path.components().count() as i64 - 1;
    for component in target.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err(escapes());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(escapes()),
        }
    }
    Ok(())
}

/// Writes checked entries under `dest`, which must not exist yet.
pub fn extract(entries: &[Entry], dest: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dest)?;
    for entry in entries {
        let path = dest.join(&entry.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match &entry.kind {
            Kind::File(data) => std::fs::write(&path, data)?,
            Kind::Dir => std::fs::create_dir_all(&path)?,
            Kind::Symlink(target) => symlink(target, &path)?,
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

#[cfg(not(unix))]
fn symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    // Without symbolic links, the target's content is the best substitute.
    let resolved = path.parent().unwrap_or(Path::new(".")).join(target);
    std::fs::copy(resolved, path).map(|_| ())
}

/// Packs a template directory: every file except hidden ones (`.stack`,
/// `.git`, …), in sorted order with fixed times, so that the same files
/// always give the same digest.
pub fn pack(dir: &Path) -> std::io::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder.follow_symlinks(false);
    for relative in files(dir)? {
        let full = dir.join(&relative);
        let meta = std::fs::symlink_metadata(&full)?;
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        if meta.file_type().is_symlink() {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_mode(0o777);
            builder.append_link(&mut header, &relative, std::fs::read_link(&full)?)?;
        } else {
            let data = std::fs::read(&full)?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, &relative, data.as_slice())?;
        }
    }
    builder.into_inner()?.finish()
}

/// The files and links under `dir`, relative to it, sorted, hidden ones left out.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = relative.join(&name);
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive with one entry written as given, bypassing the tar crate's own path checks.
    fn raw_archive(
        name: &str,
        entry_type: tar::EntryType,
        link: Option<&str>,
        data: &[u8],
    ) -> Vec<u8> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(encoder);
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_entry_type(entry_type);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn refused(bytes: &[u8]) -> String {
        match inspect(bytes, Limits::default()) {
            Err(Error::BadRequest(m)) | Err(Error::TooLarge(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn accepts_plain_files_and_inner_links() {
        let ok = raw_archive("main.tf", tar::EntryType::Regular, None, b"x");
        assert_eq!(inspect(&ok, Limits::default()).unwrap().len(), 1);
        let link = raw_archive("a/b.tf", tar::EntryType::Symlink, Some("../main.tf"), b"");
        assert!(inspect(&link, Limits::default()).is_ok());
    }

    #[test]
    fn refuses_escapes() {
        let m = refused(&raw_archive(
            "../evil.tf",
            tar::EntryType::Regular,
            None,
            b"x",
        ));
        assert!(m.contains("`..`"), "{m}");
        let m = refused(&raw_archive(
            "/etc/evil",
            tar::EntryType::Regular,
            None,
            b"x",
        ));
        assert!(m.contains("absolute"), "{m}");
        let m = refused(&raw_archive(
            "a.tf",
            tar::EntryType::Symlink,
            Some("../../etc/passwd"),
            b"",
        ));
        assert!(m.contains("outside"), "{m}");
        let m = refused(&raw_archive(
            "a.tf",
            tar::EntryType::Symlink,
            Some("/etc/passwd"),
            b"",
        ));
        assert!(m.contains("outside"), "{m}");
        let m = refused(&raw_archive(
            "a",
            tar::EntryType::Link,
            Some("main.tf"),
            b"",
        ));
        assert!(m.contains("only files"), "{m}");
    }

    #[test]
    fn refuses_oversized_unpacked_content() {
        let big = vec![0u8; 2 << 20];
        let bytes = raw_archive("big.tf", tar::EntryType::Regular, None, &big);
        let limits = Limits {
            max_unpacked: 1 << 20,
            ..Limits::default()
        };
        assert!(matches!(inspect(&bytes, limits), Err(Error::TooLarge(_))));
        assert!(matches!(
            inspect(b"not gzip", Limits::default()),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn pack_round_trips_and_is_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), "variable \"x\" {}\n").unwrap();
        std::fs::create_dir_all(dir.path().join("modules/a")).unwrap();
        std::fs::write(dir.path().join("modules/a/a.tf"), "").unwrap();
        std::fs::create_dir_all(dir.path().join(".stack")).unwrap();
        std::fs::write(dir.path().join(".stack/secret"), "s").unwrap();
        let first = pack(dir.path()).unwrap();
        assert_eq!(digest(&first), digest(&pack(dir.path()).unwrap()));
        let entries = inspect(&first, Limits::default()).unwrap();
        let names: Vec<_> = entries
            .iter()
            .map(|e| e.path.display().to_string())
            .collect();
        assert_eq!(names, ["main.tf", "modules/a/a.tf"]);
        let out = dir.path().join("out");
        extract(&entries, &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("main.tf")).unwrap(),
            "variable \"x\" {}\n"
        );
    }
}
