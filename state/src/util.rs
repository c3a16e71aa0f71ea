//! Small helpers shared by the modules: randomness, ids, time stamps, host
//! identity and durable file-system operations.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::StateError;

/// Fills `buf` with cryptographically secure random bytes.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), StateError> {
    getrandom::fill(buf).map_err(|e| StateError::Random {
        message: e.to_string(),
    })
}

/// A random UUID (version 4) in its canonical text form.
///
/// Ids (lineages, lock ids) only need to be unique, not secret, so if the
/// operating system's random source fails we fall back to std's hasher keys
/// (themselves seeded from the OS once per thread) mixed with the time and
/// the pid, instead of failing an otherwise working command.
pub(crate) fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if random_bytes(&mut b).is_err() {
        use std::hash::{BuildHasher, Hasher};
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, chunk) in b.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u32(std::process::id());
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// This machine's host name, or `unknown-host`.
pub(crate) fn hostname() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for `buf.len()` bytes and gethostname
        // writes at most that many.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
            let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
            if !name.is_empty() {
                return name;
            }
        }
    }
    if let Ok(name) = fs::read_to_string("/etc/hostname") {
        let name = name.trim();
        if !name.is_empty() {
            return name.to_string();
        }
    }
    "unknown-host".to_string()
}

/// The login name of the current user, from the environment, else the
/// numeric user id (containers often set no `USER`), so that a lock always
/// says something useful about its holder.
pub(crate) fn username() -> String {
    if let Some(name) = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
    {
        return name;
    }
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        format!("uid-{uid}")
    }
    #[cfg(not(unix))]
    "unknown".to_string()
}

/// Whether a process with this pid exists on this host. Errs on the side of
/// "alive" when unsure, since the answer only decides a hint in a message.
pub(crate) fn pid_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 performs only the existence and permission check.
        let rc = unsafe { libc::kill(pid, 0) };
        if rc == 0 {
            return true;
        }
        // EPERM means the process exists but belongs to someone else.
        std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Creates `dir` (and parents) if needed.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), StateError> {
    fs::create_dir_all(dir).map_err(|e| StateError::io("create the directory", dir, e))
}

/// Makes a rename or a creation in `dir` durable. On Linux a rename is only
/// on disk once the directory itself is fsynced.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| StateError::io("open the directory", dir, e))?;
        d.sync_all()
            .map_err(|e| StateError::io("sync the directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `target` atomically: a reader (or a crash) sees either
/// the old file or the new one, never a mix. The temporary file is in the
/// same directory so that the rename stays within one file system.
pub(crate) fn write_atomic(
    target: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<(), StateError> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        &uuid_v4()[..8]
    ));
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = opts
            .open(&tmp)
            .map_err(|e| StateError::io("create the temporary file", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| StateError::io("write the temporary file", &tmp, e))?;
        f.sync_all()
            .map_err(|e| StateError::io("sync the temporary file", &tmp, e))?;
        drop(f);
        fs::rename(&tmp, target)
            .map_err(|e| StateError::io("rename a temporary file onto", target, e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: a leftover temporary file is harmless but untidy.
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, uuid_v4());
    }
}

/// An error and its causes as one line of their `Display` texts (`dispatch
/// failure: io error: dns error: …`), without the `Debug` structures that
/// SDK error reports include: users see messages, never internal dumps.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod chain_tests {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "dispatch failure")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_error_chain_is_its_display_texts_never_debug() {
        let error = Outer(std::io::Error::other("dns error: no such host"));
        let text = super::error_chain(&error);
        assert_eq!(text, "dispatch failure: dns error: no such host");
        assert!(!text.contains("Custom {"));
    }
}
