//! Where archives are kept: files under the data directory, or objects in S3
//! when several registry instances share nothing on disk. Keys are
//! `GROUP/NAME/VERSION-DIGEST.tar.gz`, so a publish that loses a race never
//! overwrites the winner's archive.

use std::path::PathBuf;

use crate::Error;

pub enum Store {
    Disk(PathBuf),
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
    },
}

impl Store {
    /// `s3://bucket/prefix` or a directory. S3 uses the standard AWS
    /// configuration (credentials chain, region, `AWS_ENDPOINT_URL`).
    pub async fn open(spec: &str) -> Result<Store, Error> {
        let Some(rest) = spec.strip_prefix("s3://") else {
            return Ok(Store::Disk(PathBuf::from(spec)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::BadRequest(format!(
                "{spec:?} names no bucket; write s3://BUCKET/PREFIX"
            )));
        }
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Ok(Store::S3 {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.to_string(),
            prefix: prefix.trim_end_matches('/').to_string(),
        })
    }

    fn object_key(prefix: &str, key: &str) -> String {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}/{key}")
        }
    }

    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        match self {
            Store::Disk(root) => {
                let path = root.join(key);
                let parent = path.parent().unwrap_or(root);
                tokio::fs::create_dir_all(parent).await.map_err(storage)?;
                // Written beside its final name, then renamed: a reader never sees half a file.
                let partial = path.with_extension("partial");
                tokio::fs::write(&partial, bytes).await.map_err(storage)?;
                tokio::fs::rename(&partial, &path).await.map_err(storage)
            }
            Store::S3 {
                client,
                bucket,
                prefix,
            } => client
                .put_object()
                .bucket(bucket)
                .key(Self::object_key(prefix, key))
                .body(bytes.to_vec().into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| Error::Storage(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, Error> {
        match self {
            Store::Disk(root) => tokio::fs::read(root.join(key)).await.map_err(storage),
            Store::S3 {
                client,
                bucket,
                prefix,
            } => {
                let object = client
                    .get_object()
                    .bucket(bucket)
                    .key(Self::object_key(prefix, key))
                    .send()
                    .await
                    .map_err(|e| {
                        Error::Storage(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
                    })?;
                let body = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| Error::Storage(e.to_string()))?;
                Ok(body.into_bytes().to_vec())
            }
        }
    }

    /// Best effort: used to take back an archive whose database row was not committed.
    pub async fn delete(&self, key: &str) {
        match self {
            Store::Disk(root) => {
                let _ = tokio::fs::remove_file(root.join(key)).await;
            }
            Store::S3 {
                client,
                bucket,
                prefix,
            } => {
                let _ = client
                    .delete_object()
                    .bucket(bucket)
                    .key(Self::object_key(prefix, key))
                    .send()
                    .await;
            }
        }
    }
}

fn storage(err: std::io::Error) -> Error {
    Error::Storage(err.to_string())
}
