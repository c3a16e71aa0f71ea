//! Sealing of secrets in the state file.
//!
//! Why: a state file is meant to be shared (committed, uploaded to a bucket,
//! attached to a pull request, sent to a colleague for debugging), and it
//! holds values such as database passwords. We therefore never write a
//! sensitive value in clear text: each one is encrypted with an AEAD cipher
//! under a key that is kept *apart* from the state (`STACK_STATE_KEY` or
//! `.stack/state.key`). Whoever has the state file alone learns the shape of
//! the infrastructure but none of its secrets; whoever also has the key is a
//! full operator.
//!
//! The cipher is XChaCha20-Poly1305, the extended-nonce member of the
//! ChaCha20-Poly1305 family in the `chacha20poly1305` crate. Every value is
//! sealed with a fresh random nonce (every persist re-seals every secret, so
//! one key seals very many messages over its life); the 192-bit nonce makes
//! a collision of random nonces negligible, where the 96-bit nonce of plain
//! ChaCha20-Poly1305 would eventually need counting. The encoding is
//! `base64(nonce || ciphertext || tag)`.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::util::{ensure_dir, random_bytes, sync_dir};
use crate::StateError;

/// The environment variable that holds the state key (base64 of 32 bytes).
pub const KEY_ENV: &str = "STACK_STATE_KEY";
/// The key file, relative to the stack directory.
pub const KEY_FILE: &str = ".stack/state.key";

const NONCE_LEN: usize = 24;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Holds the 32-byte state key and seals / unseals values with it.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    // The key never appears in debug output or logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer { key: <redacted> }")
    }
}

impl Sealer {
    pub fn from_key(key: [u8; 32]) -> Sealer {
        Sealer { key }
    }

    /// A sealer with a fresh random key.
    pub fn generate() -> Result<Sealer, StateError> {
        let mut key = [0u8; 32];
        random_bytes(&mut key)?;
        Ok(Sealer { key })
    }

    /// Parses a key given as base64 text; `origin` names where it came from
    /// for the error message.
    pub fn from_base64(text: &str, origin: &str) -> Result<Sealer, StateError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|e| StateError::InvalidKey {
                origin: origin.to_string(),
                message: format!("it is not base64 ({e})"),
            })?;
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| StateError::InvalidKey {
                origin: origin.to_string(),
                message: format!("it decodes to {} bytes", bytes.len()),
            })?;
        Ok(Sealer { key })
    }

    /// The key as base64 text, as stored in the key file and accepted in
    /// `STACK_STATE_KEY`.
    pub fn key_base64(&self) -> String {
        B64.encode(self.key)
    }

    /// Loads the key for the stack in `dir`: `STACK_STATE_KEY` if it is set,
    /// else `dir/.stack/state.key`, which is created (mode 0600, random key)
    /// when missing. The environment wins so that CI can inject the key as
    /// a secret without a file on disk.
    pub fn load_or_create(dir: &Path) -> Result<Sealer, StateError> {
        Sealer::load_or_create_from(dir, std::env::var(KEY_ENV).ok())
    }

    /// `load_or_create` with the environment variable's value passed in, so
    /// that tests do not depend on (or change) the process environment.
    fn load_or_create_from(dir: &Path, env_key: Option<String>) -> Result<Sealer, StateError> {
        if let Some(text) = env_key {
            return Sealer::from_base64(&text, KEY_ENV);
        }
        let path = dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Sealer::from_base64(&text, &format!("`{}`", path.display())),
            Err(e) if e.kind() == ErrorKind::NotFound => create_key_file(&path),
            Err(e) => Err(StateError::io("read the state key", &path, e)),
        }
    }
}

/// Creates the key file without ever exposing a half-written key: the key is
/// written to a private temporary file and then hard-linked into place,
/// which fails if another process created the key first; in that case we
/// use theirs, so concurrent first runs agree on one key.
fn create_key_file(path: &Path) -> Result<Sealer, StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let sealer = Sealer::generate()?;
    let tmp: PathBuf = dir.join(format!(".state.key.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    {
        use std::io::Write;
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| StateError::io("create the state key", &tmp, e))?;
        f.write_all(format!("{}\n", sealer.key_base64()).as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| StateError::io("write the state key", &tmp, e))?;
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(dir)?;
            write_gitignore(dir);
            Ok(sealer)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let text = fs::read_to_string(path)
                .map_err(|e| StateError::io("read the state key", path, e))?;
            Sealer::from_base64(&text, &format!("`{}`", path.display()))
        }
        Err(e) => Err(StateError::io("create the state key", path, e)),
    }
}

/// Keeps the key out of version control next to the state it unlocks: a
/// state file committed together with its key would defeat the sealing.
/// Best effort, and only when there is no `.gitignore` yet.
fn write_gitignore(dir: &Path) {
    let path = dir.join(".gitignore");
    if let Ok(mut f) = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        use std::io::Write;
        let _ = f.write_all(
            b"# The state key must never be committed next to the state it unseals.\nstate.key\n*.lock\n*.tmp\n",
        );
    }
}

/// The JSON form of a sealed value: `{"sealed": "<base64>"}`.
pub(crate) const SEALED_FIELD: &str = "sealed";

impl Sealer {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.key))
    }

    /// Seals a JSON value into its `{"sealed": ...}` envelope.
    pub fn seal(&self, value: &serde_json::Value) -> Result<serde_json::Value, StateError> {
        let plain = serde_json::to_vec(value).map_err(|e| StateError::corrupt(e.to_string()))?;
        let mut nonce = [0u8; NONCE_LEN];
        random_bytes(&mut nonce)?;
        let sealed = self
            .cipher()
            .encrypt(&XNonce::from(nonce), plain.as_slice())
            .map_err(|_| StateError::corrupt("a sensitive value is too large to seal"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        let mut map = serde_json::Map::new();
        map.insert(
            SEALED_FIELD.to_string(),
            serde_json::Value::String(B64.encode(out)),
        );
        Ok(serde_json::Value::Object(map))
    }

    /// Opens a `{"sealed": ...}` envelope. `location` describes where the
    /// value is, for error messages. A value that is not an envelope is a
    /// corrupt file: encode seals every sensitive value, so clear text at a
    /// sensitive path means the file was edited or damaged.
    pub fn unseal(
        &self,
        envelope: &serde_json::Value,
        location: &str,
    ) -> Result<serde_json::Value, StateError> {
        let text = sealed_text(envelope).ok_or_else(|| {
            StateError::corrupt(format!(
                "the sensitive value at {location} is not sealed (expected {{\"sealed\": \"...\"}})"
            ))
        })?;
        let bytes = B64.decode(text).map_err(|e| {
            StateError::corrupt(format!(
                "the sealed value at {location} is not base64 ({e})"
            ))
        })?;
        if bytes.len() < NONCE_LEN {
            return Err(StateError::corrupt(format!(
                "the sealed value at {location} is too short"
            )));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| {
            StateError::corrupt(format!("the sealed value at {location} is too short"))
        })?;
        let plain = self
            .cipher()
            .decrypt(&XNonce::from(nonce), ciphertext)
            .map_err(|_| StateError::WrongKey {
                path: None,
                location: location.to_string(),
            })?;
        serde_json::from_slice(&plain).map_err(|e| {
            StateError::corrupt(format!("the sealed value at {location} is not JSON ({e})"))
        })
    }
}

fn sealed_text(v: &serde_json::Value) -> Option<&str> {
    let map = v.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get(SEALED_FIELD)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seal_round_trip_and_wrong_key() {
        let a = Sealer::generate().unwrap();
        let b = Sealer::generate().unwrap();
        let v = json!({"password": "hunter2", "n": [1, 2]});
        let sealed = a.seal(&v).unwrap();
        assert!(!sealed.to_string().contains("hunter2"));
        assert_eq!(a.unseal(&sealed, "x").unwrap(), v);
        let err = b.unseal(&sealed, "x").unwrap_err();
        assert!(matches!(err, StateError::WrongKey { .. }), "{err}");
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Sealer::load_or_create_from(dir.path(), None).unwrap();
        let b = Sealer::load_or_create_from(dir.path(), None).unwrap();
        assert_eq!(a.key, b.key);
        // The environment variable wins over the file.
        let c = Sealer::generate().unwrap();
        let d = Sealer::load_or_create_from(dir.path(), Some(c.key_base64())).unwrap();
        assert_eq!(c.key, d.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(dir.path().join(".stack/.gitignore").exists());
    }

    #[test]
    fn bad_keys_are_clear_errors() {
        let err = Sealer::from_base64("not base64!", "test").unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
        let err = Sealer::from_base64(&B64.encode([1u8; 16]), "test").unwrap_err();
        assert!(err.to_string().contains("16 bytes"), "{err}");
    }
}
