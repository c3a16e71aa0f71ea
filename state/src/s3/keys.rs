//! Where the S3 backend's sealing key comes from. The key is never uploaded
//! next to the state: whoever can read the bucket must not be able to read
//! the secrets in it. In order of precedence:
//!
//! 1. `STACK_STATE_KEY` (base64 of 32 bytes), as for the local backend;
//! 2. `state_key_file`: a file holding such a key, kept outside the bucket;
//! 3. `kms_key_id`: envelope encryption. A data key is made once per state
//!    with KMS `GenerateDataKey`; only its encrypted form is stored, in the
//!    object `<state key>.datakey`, and KMS `Decrypt` turns it back into the
//!    key. Reading the secrets then needs both the bucket and the KMS key.
//!
//! With none of these the backend refuses to seal, rather than store
//! secrets in clear.

use std::collections::HashMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::remote::{Condition, Put};
use super::Inner;
use crate::seal::{Sealer, KEY_ENV};
use crate::StateError;

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// The content of `<state key>.datakey`.
#[derive(Serialize, Deserialize)]
struct DataKeyObject {
    kms_key_id: String,
    /// Base64 of the KMS ciphertext blob of the data key.
    ciphertext: String,
}

/// The sealer for the state `inner` names, from the first source set.
pub(super) fn load_sealer(inner: &Inner) -> Result<Sealer, StateError> {
    if let Some(text) = std::env::var(KEY_ENV).ok().filter(|t| !t.trim().is_empty()) {
        return Sealer::from_base64(&text, KEY_ENV);
    }
    if let Some(path) = &inner.settings.state_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StateError::io("read the state key file (`state_key_file`)", path, e))?;
        return Sealer::from_base64(&text, &format!("`{}`", path.display()));
    }
    if let Some(key_id) = &inner.settings.kms_key_id {
        return kms_sealer(inner, key_id);
    }
    Err(StateError::Refused {
        message: format!(
            "There is no key to seal the secrets in {}, and stack never stores secrets in clear nor uploads a key next to the state. Set one of: the STACK_STATE_KEY environment variable (base64 of 32 random bytes), `state_key_file` in the backend block (a file holding such a key), or `kms_key_id` in the backend block (a KMS key for envelope encryption).",
            inner.location()
        ),
    })
}

/// Decrypts the state's data key, making it on first use.
fn kms_sealer(inner: &Inner, key_id: &str) -> Result<Sealer, StateError> {
    let key = inner.datakey_key();
    let location = inner.bucket.url(&key);
    for _ in 0..3 {
        let stored = inner
            .bucket
            .get(&key, None)
            .map_err(|f| f.into_error("read the data key", &location))?;
        if let Some(object) = stored {
            let stored: DataKeyObject =
                serde_json::from_slice(&object.bytes).map_err(|e| StateError::Corrupt {
                    path: Some(location.clone().into()),
                    message: format!("it is not a stack data key ({e})"),
                })?;
            let blob = B64
                .decode(&stored.ciphertext)
                .map_err(|e| StateError::Corrupt {
                    path: Some(location.clone().into()),
                    message: format!("its ciphertext is not base64 ({e})"),
                })?;
            return decrypt(inner, &stored.kms_key_id, blob);
        }
        let (plaintext, blob) = generate(inner, key_id)?;
        let object = DataKeyObject {
            kms_key_id: key_id.to_string(),
            ciphertext: B64.encode(&blob),
        };
        let bytes = serde_json::to_vec_pretty(&object).expect("plain data");
        // Of two first runs, one stores its data key; the other uses it.
        match inner
            .bucket
            .put(&key, bytes, &Condition::Absent, HashMap::new())
        {
            Ok(Put::Written { .. }) => return sealer_from(plaintext, &location),
            Ok(Put::PreconditionFailed) => continue,
            Err(f) => return Err(f.into_error("write the data key", &location)),
        }
    }
    Err(StateError::Conflict {
        location,
        message: "the data key kept changing while it was being read".to_string(),
    })
}

/// Binds a data key to its state: KMS refuses to decrypt it for another.
fn context(inner: &Inner) -> (String, String) {
    ("stack-state".to_string(), inner.location())
}

fn generate(inner: &Inner, key_id: &str) -> Result<(Vec<u8>, Vec<u8>), StateError> {
    let client = inner.kms_client()?;
    let (name, value) = context(inner);
    let request = client
        .generate_data_key()
        .key_id(key_id)
        .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
        .encryption_context(name, value);
    let location = format!("KMS key `{key_id}`");
    let output = inner
        .rt
        .run(async move {
            request
                .send()
                .await
                .map_err(super::remote::Failure::from_sdk)
        })
        .map_err(|f| f.into_error("generate a data key with", &location))?;
    match (output.plaintext(), output.ciphertext_blob()) {
        (Some(p), Some(c)) => Ok((p.as_ref().to_vec(), c.as_ref().to_vec())),
        _ => Err(StateError::Remote {
            action: "generate a data key with".to_string(),
            location,
            message: "the answer holds no key".to_string(),
        }),
    }
}

fn decrypt(inner: &Inner, key_id: &str, blob: Vec<u8>) -> Result<Sealer, StateError> {
    let client = inner.kms_client()?;
    let (name, value) = context(inner);
    let request = client
        .decrypt()
        .key_id(key_id)
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(blob))
        .encryption_context(name, value);
    let location = format!("KMS key `{key_id}`");
    let output = inner
        .rt
        .run(async move {
            request
                .send()
                .await
                .map_err(super::remote::Failure::from_sdk)
        })
        .map_err(|f| f.into_error("decrypt the state's data key with", &location))?;
    let plaintext = output
        .plaintext()
        .map(|p| p.as_ref().to_vec())
        .unwrap_or_default();
    sealer_from(plaintext, &location)
}

fn sealer_from(plaintext: Vec<u8>, origin: &str) -> Result<Sealer, StateError> {
    let key: [u8; 32] = plaintext
        .as_slice()
        .try_into()
        .map_err(|_| StateError::InvalidKey {
            origin: origin.to_string(),
            message: format!("the data key has {} bytes", plaintext.len()),
        })?;
    Ok(Sealer::from_key(key))
}
