//! The few S3 requests the backend makes, as synchronous calls on the
//! backend's runtime, with the answers it cares about made explicit: not
//! found, and a failed precondition (`If-Match` / `If-None-Match`).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::runtime::Rt;
use crate::StateError;

/// A failed request: its HTTP status, if an answer came, and its text.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: Option<u16>,
    pub text: String,
}

impl Failure {
    pub fn from_sdk<E>(error: SdkError<E>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error.raw_response().map(|r| r.status().as_u16());
        let text = match error.as_service_error() {
            Some(service) => format!(
                "{} ({})",
                service.message().unwrap_or("no message"),
                service.code().unwrap_or("no code")
            ),
            None => crate::util::error_chain(&error),
        };
        Failure { status, text }
    }

    pub fn not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// 412: the condition did not hold. 409: S3 saw a concurrent
    /// conditional write to the same key; the other one won, which for us
    /// means the same.
    pub fn precondition(&self) -> bool {
        matches!(self.status, Some(412) | Some(409))
    }

    /// The error for the CLI, naming what we tried on which object.
    pub fn into_error(self, action: &str, location: &str) -> StateError {
        StateError::Remote {
            action: action.to_string(),
            location: location.to_string(),
            message: self.text,
        }
    }
}

/// An object as read.
#[derive(Debug, Clone)]
pub struct Object {
    pub bytes: Vec<u8>,
    pub etag: String,
    /// Set when the bucket keeps versions (S3 says `null` otherwise).
    pub version_id: Option<String>,
}

/// What a conditional PUT requires of the stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    None,
    /// `If-None-Match: *`: there is no object yet.
    Absent,
    /// `If-Match: <etag>`: the object is still this version.
    Matches(String),
}

/// The result of a conditional PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Put {
    Written { etag: String },
    PreconditionFailed,
}

/// One bucket, reached through the backend's runtime.
#[derive(Clone)]
pub struct Bucket {
    pub client: aws_sdk_s3::Client,
    pub name: String,
    pub rt: Arc<Rt>,
    /// `encrypt = true`: every object written asks for server-side
    /// encryption (SSE-S3), as Terraform's `encrypt` does.
    pub encrypt: bool,
}

impl Bucket {
    pub fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.name, key)
    }

    /// The object at `key` (a given version, if any), `None` when absent.
    pub fn get(&self, key: &str, version: Option<&str>) -> Result<Option<Object>, Failure> {
        let request = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .set_version_id(version.map(str::to_string));
        self.rt.run(async move {
            let output = match request.send().await {
                Ok(o) => o,
                Err(e) => {
                    let failure = Failure::from_sdk(e);
                    return if failure.not_found() {
                        Ok(None)
                    } else {
                        Err(failure)
                    };
                }
            };
            let etag = output.e_tag().unwrap_or_default().to_string();
            let version_id = output
                .version_id()
                .filter(|v| *v != "null")
                .map(str::to_string);
            let bytes = output.body.collect().await.map_err(|e| Failure {
                status: None,
                text: format!("reading the body failed: {e}"),
            })?;
            Ok(Some(Object {
                bytes: bytes.into_bytes().to_vec(),
                etag,
                version_id,
            }))
        })
    }

    /// The metadata of `key` (a given version, if any).
    pub fn head(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<HashMap<String, String>>, Failure> {
        let request = self
            .client
            .head_object()
            .bucket(&self.name)
            .key(key)
            .set_version_id(version.map(str::to_string));
        self.rt.run(async move {
            match request.send().await {
                Ok(o) => Ok(Some(o.metadata().cloned().unwrap_or_default())),
                Err(e) => {
                    let failure = Failure::from_sdk(e);
                    if failure.not_found() {
                        Ok(None)
                    } else {
                        Err(failure)
                    }
                }
            }
        })
    }

    pub fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        condition: &Condition,
        metadata: HashMap<String, String>,
    ) -> Result<Put, Failure> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type("application/json")
            .set_metadata(Some(metadata).filter(|m| !m.is_empty()))
            .body(ByteStream::from(bytes));
        if self.encrypt {
            request = request.server_side_encryption(ServerSideEncryption::Aes256);
        }
        let if_match = matches!(condition, Condition::Matches(_));
        request = match condition {
            Condition::None => request,
            Condition::Absent => request.if_none_match("*"),
            Condition::Matches(etag) => request.if_match(etag),
        };
        self.rt.run(async move {
            match request.send().await {
                Ok(o) => Ok(Put::Written {
                    etag: o.e_tag().unwrap_or_default().to_string(),
                }),
                Err(e) => {
                    let failure = Failure::from_sdk(e);
                    // S3 answers `If-Match` on a missing object with 404:
                    // the version we named is gone all the same.
                    if failure.precondition() || (if_match && failure.not_found()) {
                        Ok(Put::PreconditionFailed)
                    } else {
                        Err(failure)
                    }
                }
            }
        })
    }

    /// Deletes `key`, only if it is still at `etag` when one is given.
    /// Returns false when the precondition failed. Deleting an absent
    /// object succeeds, as in S3.
    pub fn delete(&self, key: &str, etag: Option<&str>) -> Result<bool, Failure> {
        let request = self
            .client
            .delete_object()
            .bucket(&self.name)
            .key(key)
            .set_if_match(etag.map(str::to_string));
        self.rt.run(async move {
            match request.send().await {
                Ok(_) => Ok(true),
                Err(e) => {
                    let failure = Failure::from_sdk(e);
                    if failure.precondition() {
                        Ok(false)
                    } else if failure.not_found() {
                        Ok(true)
                    } else {
                        Err(failure)
                    }
                }
            }
        })
    }

    /// Deletes every version of `key`, leaving no trace even in a bucket
    /// that keeps versions (a plain delete there only adds a marker).
    pub fn purge(&self, key: &str) -> Result<(), Failure> {
        for id in self.versions(key)? {
            let request = self
                .client
                .delete_object()
                .bucket(&self.name)
                .key(key)
                .version_id(id);
            self.rt
                .run(async move { request.send().await.map_err(Failure::from_sdk) })?;
        }
        Ok(())
    }

    /// Deletes `keys`, a thousand per request (S3's limit), so that
    /// removing the journal of a large apply costs a few requests, not one
    /// per entry. Returns how many could not be deleted.
    pub fn delete_many(&self, keys: Vec<String>) -> Result<usize, Failure> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let (client, bucket) = (self.client.clone(), self.name.clone());
        self.rt.run(async move {
            let mut failed = 0;
            for chunk in keys.chunks(1000) {
                let objects = chunk
                    .iter()
                    .map(|k| ObjectIdentifier::builder().key(k).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Failure {
                        status: None,
                        text: e.to_string(),
                    })?;
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|e| Failure {
                        status: None,
                        text: e.to_string(),
                    })?;
                let request = client.delete_objects().bucket(&bucket).delete(delete);
                let output = request.send().await.map_err(Failure::from_sdk)?;
                failed += output.errors().len();
            }
            Ok(failed)
        })
    }

    /// Copies `from` (only if it is still at `etag`) to `to`, keeping its
    /// metadata.
    pub fn copy(&self, from: &str, etag: &str, to: &str) -> Result<Put, Failure> {
        let request = self
            .client
            .copy_object()
            .bucket(&self.name)
            .copy_source(format!("{}/{}", self.name, encode_key(from)))
            .copy_source_if_match(etag)
            .key(to)
            .set_server_side_encryption(self.encrypt.then_some(ServerSideEncryption::Aes256));
        self.rt.run(async move {
            match request.send().await {
                Ok(o) => Ok(Put::Written {
                    etag: o
                        .copy_object_result()
                        .and_then(|r| r.e_tag())
                        .unwrap_or_default()
                        .to_string(),
                }),
                Err(e) => {
                    let failure = Failure::from_sdk(e);
                    if failure.precondition() {
                        Ok(Put::PreconditionFailed)
                    } else {
                        Err(failure)
                    }
                }
            }
        })
    }

    /// Every key under `prefix`, in S3's (lexicographic) order.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, Failure> {
        let request = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .prefix(prefix);
        self.rt.run(async move {
            let mut keys = Vec::new();
            let mut pages = request.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(Failure::from_sdk)?;
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_string)),
                );
            }
            Ok(keys)
        })
    }

    /// The version ids of exactly `key`, newest first, without delete
    /// markers.
    pub fn versions(&self, key: &str) -> Result<Vec<String>, Failure> {
        let (client, bucket, key) = (self.client.clone(), self.name.clone(), key.to_string());
        self.rt.run(async move {
            let mut ids = Vec::new();
            let mut markers: (Option<String>, Option<String>) = (None, None);
            loop {
                let page = client
                    .list_object_versions()
                    .bucket(&bucket)
                    .prefix(&key)
                    .set_key_marker(markers.0.take())
                    .set_version_id_marker(markers.1.take())
                    .send()
                    .await
                    .map_err(Failure::from_sdk)?;
                for version in page.versions() {
                    if version.key() == Some(key.as_str()) {
                        ids.extend(version.version_id().map(str::to_string));
                    }
                }
                if page.is_truncated() != Some(true) {
                    return Ok(ids);
                }
                markers = (
                    page.next_key_marker().map(str::to_string),
                    page.next_version_id_marker().map(str::to_string),
                );
            }
        })
    }

    /// Whether the bucket keeps object versions; `None` when the answer
    /// could not be had (no permission, or a store that answers it wrong).
    pub fn versioning_enabled(&self) -> Option<bool> {
        let request = self.client.get_bucket_versioning().bucket(&self.name);
        self.rt.run(async move {
            match request.send().await {
                Ok(o) => Some(o.status().is_some_and(|s| s.as_str() == "Enabled")),
                Err(_) => None,
            }
        })
    }
}

/// Percent-encodes a key for `x-amz-copy-source`, keeping `/`.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
