//! The two places a lock can live: an S3 object beside the state, or an
//! item of a DynamoDB table laid out as Terraform's (`LockID` string hash
//! key, the holder in `Info`).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use super::lock::{Held, LockRecord, LockStore};
use super::remote::{Bucket, Condition, Failure, Put};
use super::runtime::Rt;
use crate::StateError;

/// The lock as the object `<state key>.lock`; its tag is the ETag.
pub struct S3LockStore {
    pub bucket: Bucket,
    pub key: String,
}

impl S3LockStore {
    fn put(&self, record: &LockRecord, condition: Condition) -> Result<Option<String>, StateError> {
        let bytes = record.to_json().into_bytes();
        match self
            .bucket
            .put(&self.key, bytes, &condition, HashMap::new())
        {
            Ok(Put::Written { etag }) => Ok(Some(etag)),
            Ok(Put::PreconditionFailed) => Ok(None),
            Err(f) => Err(f.into_error("write the lock", &self.location())),
        }
    }
}

impl LockStore for S3LockStore {
    fn location(&self) -> String {
        self.bucket.url(&self.key)
    }

    fn create(&self, record: &LockRecord) -> Result<Option<String>, StateError> {
        self.put(record, Condition::Absent)
    }

    fn read(&self) -> Result<Option<(Held, String)>, StateError> {
        match self.bucket.get(&self.key, None) {
            Ok(Some(object)) => Ok(Some((Held::parse(&object.bytes), object.etag))),
            Ok(None) => Ok(None),
            Err(f) => Err(f.into_error("read the lock", &self.location())),
        }
    }

    fn replace(&self, tag: &str, record: &LockRecord) -> Result<Option<String>, StateError> {
        self.put(record, Condition::Matches(tag.to_string()))
    }

    fn remove(&self, tag: &str) -> Result<bool, StateError> {
        self.bucket
            .delete(&self.key, Some(tag))
            .map_err(|f| f.into_error("remove the lock", &self.location()))
    }
}

/// The lock as an item of a DynamoDB table; its tag is the `Info` text,
/// which every renewal changes.
pub struct DynamoLockStore {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    /// `<bucket>/<state key>`, as Terraform names it.
    pub lock_id: String,
    pub rt: Arc<Rt>,
}

/// A DynamoDB answer: done, or the condition did not hold.
fn conditional<T, E>(
    result: Result<T, aws_sdk_dynamodb::error::SdkError<E>>,
    failed_condition: impl Fn(&E) -> bool,
) -> Result<bool, Failure>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(&failed_condition) => Ok(false),
        Err(e) => Err(Failure::from_sdk(e)),
    }
}

impl DynamoLockStore {
    fn failed(&self, action: &str) -> impl Fn(Failure) -> StateError + '_ {
        let action = action.to_string();
        move |f: Failure| f.into_error(&action, &self.location())
    }

    /// Puts `record`, if there is no item (`old` is `None`) or the item's
    /// `Info` is still `old`.
    fn put(&self, record: &LockRecord, old: Option<&str>) -> Result<Option<String>, StateError> {
        let info = record.to_json();
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("LockID", AttributeValue::S(self.lock_id.clone()))
            .item("Info", AttributeValue::S(info.clone()));
        request = match old {
            None => request.condition_expression("attribute_not_exists(LockID)"),
            Some(old) => request
                .condition_expression("Info = :old")
                .expression_attribute_values(":old", AttributeValue::S(old.to_string())),
        };
        let done = self
            .rt
            .run(async move {
                conditional(request.send().await, |e| {
                    e.is_conditional_check_failed_exception()
                })
            })
            .map_err(self.failed("write the lock item"))?;
        Ok(done.then_some(info))
    }
}

impl LockStore for DynamoLockStore {
    fn location(&self) -> String {
        format!("dynamodb://{}/{}", self.table, self.lock_id)
    }

    fn create(&self, record: &LockRecord) -> Result<Option<String>, StateError> {
        self.put(record, None)
    }

    fn read(&self) -> Result<Option<(Held, String)>, StateError> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("LockID", AttributeValue::S(self.lock_id.clone()))
            .consistent_read(true);
        let item = self
            .rt
            .run(async move { request.send().await.map_err(Failure::from_sdk) })
            .map_err(self.failed("read the lock item"))?;
        let Some(item) = item.item() else {
            return Ok(None);
        };
        let info = item
            .get("Info")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        Ok(Some((Held::parse(info.as_bytes()), info)))
    }

    fn replace(&self, tag: &str, record: &LockRecord) -> Result<Option<String>, StateError> {
        self.put(record, Some(tag))
    }

    fn remove(&self, tag: &str) -> Result<bool, StateError> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("LockID", AttributeValue::S(self.lock_id.clone()))
            .condition_expression("Info = :old")
            .expression_attribute_values(":old", AttributeValue::S(tag.to_string()));
        self.rt
            .run(async move {
                conditional(request.send().await, |e| {
                    e.is_conditional_check_failed_exception()
                })
            })
            .map_err(self.failed("remove the lock item"))
    }
}
