//! `aws_s3_bucket` and `aws_s3_object` against the AWS emulator: create,
//! refresh without changes, update in place, replacement, import and
//! destroy, each checked through the S3 API with the official SDK.

mod common;
mod lifecycle;

use aws_sdk_s3::primitives::ByteStream;
use common::{sdk_config, Emulator};
use engine::provider::Provider;
use engine::value::Value;
use lifecycle::{attr, Action, Harness};
use serde_json::json;

const BUCKET: &str = "aws_s3_bucket";
const OBJECT: &str = "aws_s3_object";

async fn s3_client(emulator: &Emulator) -> aws_sdk_s3::Client {
    let config = sdk_config(emulator).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// The user's tags of a bucket made by stack (see `common::user_tags`).
async fn bucket_tags(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    let out = s3.get_bucket_tagging().bucket(bucket).send().await.unwrap();
    let tags = out
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()));
    common::user_tags(tags).into_iter().collect()
}

async fn bucket_exists(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    s3.head_bucket().bucket(bucket).send().await.is_ok()
}

#[tokio::test]
async fn bucket_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let s3 = s3_client(&emulator).await;

    let config = h.config(
        BUCKET,
        json!({"bucket": "stack-assets", "tags": {"team": "web"}}),
    );
    let state = h.create_and_find(BUCKET, &config).await;
    assert_eq!(attr(&state, "id"), "stack-assets");
    assert_eq!(attr(&state, "arn"), "arn:aws:s3:::stack-assets");
    assert_eq!(
        attr(&state, "bucket_regional_domain_name"),
        "stack-assets.s3.us-east-1.amazonaws.com"
    );
    assert!(bucket_exists(&s3, "stack-assets").await);
    assert_eq!(
        bucket_tags(&s3, "stack-assets").await,
        [("team".into(), "web".into())]
    );

    let state = h.assert_no_changes(BUCKET, &state, &config).await;

    // Tags and force_destroy change in place.
    let config = h.config(
        BUCKET,
        json!({"bucket": "stack-assets", "force_destroy": true, "tags": {"team": "platform", "env": "test"}}),
    );
    let state = h.change(BUCKET, &state, &config, Action::Update).await;
    let mut tags = bucket_tags(&s3, "stack-assets").await;
    tags.sort();
    assert_eq!(
        tags,
        [
            ("env".into(), "test".into()),
            ("team".into(), "platform".into())
        ]
    );
    let state = h.assert_no_changes(BUCKET, &state, &config).await;

    // A new name is a new bucket; the old one, holding objects (and, being
    // versioned, old versions), is emptied because force_destroy is set.
    s3.put_bucket_versioning()
        .bucket("stack-assets")
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for body in ["one", "two"] {
        s3.put_object()
            .bucket("stack-assets")
            .key("index.html")
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .unwrap();
    }
    let config = h.config(
        BUCKET,
        json!({"bucket": "stack-assets-2", "force_destroy": true}),
    );
    let state = h.change(BUCKET, &state, &config, Action::Replace).await;
    assert!(!bucket_exists(&s3, "stack-assets").await);
    assert!(bucket_exists(&s3, "stack-assets-2").await);
    assert!(bucket_tags(&s3, "stack-assets-2").await.is_empty());
    let state = h.assert_no_changes(BUCKET, &state, &config).await;

    // Import finds the bucket by name; the state it builds plans as no change.
    let imported = h.import(BUCKET, "stack-assets-2").await.expect("imported");
    assert_eq!(attr(&imported, "arn"), "arn:aws:s3:::stack-assets-2");
    let no_force = h.config(BUCKET, json!({"bucket": "stack-assets-2"}));
    h.assert_no_changes(BUCKET, &imported, &no_force).await;
    assert!(h.import(BUCKET, "no-such-bucket").await.is_none());

    h.destroy(BUCKET, &state).await;
    assert!(!bucket_exists(&s3, "stack-assets-2").await);
    assert!(
        h.read(BUCKET, &state).await.is_none(),
        "a deleted bucket reads as gone"
    );

    let calls = h.api_calls();
    assert!(
        calls.get("s3:CreateBucket").copied().unwrap_or(0) >= 2,
        "{calls:?}"
    );
    assert!(
        !calls.keys().any(|k| k.contains("Versioning")),
        "versioning is never read: {calls:?}"
    );
}

#[tokio::test]
async fn a_non_empty_bucket_without_force_destroy_is_not_deleted() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let s3 = s3_client(&emulator).await;
    let config = h.config(BUCKET, json!({"bucket": "stack-keep"}));
    let state = h.create(BUCKET, &config).await;
    s3.put_object()
        .bucket("stack-keep")
        .key("data")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let error = h
        .provider
        .apply(engine::provider::ApplyRequest {
            type_name: BUCKET,
            prior: Some(&state),
            planned: None,
            config: None,
            planned_private: None,
            operation_id: "delete-stack-keep",
            progress: None,
        })
        .await
        .err()
        .expect("deleting a non-empty bucket fails");
    assert!(
        error.message.contains("BucketNotEmpty") && error.message.contains("force_destroy"),
        "{error}"
    );
    assert!(bucket_exists(&s3, "stack-keep").await);
}

#[tokio::test]
async fn object_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let s3 = s3_client(&emulator).await;
    s3.create_bucket()
        .bucket("stack-bundles")
        .send()
        .await
        .unwrap();
    s3.create_bucket()
        .bucket("stack-bundles-2")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("app-v1.zip");
    std::fs::write(&source, b"bundle version 1").unwrap();
    let source = source.to_string_lossy().into_owned();

    let config = h.config(
        OBJECT,
        json!({"bucket": "stack-bundles", "key": "app.zip", "source": source, "content_type": "application/zip", "tags": {"build": "1"}}),
    );
    let (_, planned) = h.plan(OBJECT, None, &config);
    // The ETag is known at plan time from the file.
    assert_eq!(
        planned.get_attr("etag"),
        Some(&Value::String(md5_of(b"bundle version 1")))
    );
    let state = h.create_and_find(OBJECT, &config).await;
    let got = s3
        .get_object()
        .bucket("stack-bundles")
        .key("app.zip")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("application/zip"));
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"bundle version 1"
    );
    let tagging = s3
        .get_object_tagging()
        .bucket("stack-bundles")
        .key("app.zip")
        .send()
        .await
        .unwrap();
    let tags = tagging
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()));
    assert_eq!(common::user_tags(tags).len(), 1);
    let state = h.assert_no_changes(OBJECT, &state, &config).await;

    // A changed file shows as an update (through its ETag) and is uploaded again.
    std::fs::write(&source, b"bundle version 2").unwrap();
    let state = h.change(OBJECT, &state, &config, Action::Update).await;
    let got = s3
        .get_object()
        .bucket("stack-bundles")
        .key("app.zip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"bundle version 2"
    );
    let state = h.assert_no_changes(OBJECT, &state, &config).await;

    // Inline content and a new default content type, in place.
    let config = h.config(
        OBJECT,
        json!({"bucket": "stack-bundles", "key": "app.zip", "content": "hello", "tags": {"build": "2"}}),
    );
    let state = h.change(OBJECT, &state, &config, Action::Update).await;
    let state = h.assert_no_changes(OBJECT, &state, &config).await;
    assert_eq!(attr(&state, "etag"), md5_of(b"hello"));

    // A change made outside stack (the body drifted) is seen on refresh.
    s3.put_object()
        .bucket("stack-bundles")
        .key("app.zip")
        .body(ByteStream::from_static(b"tampered"))
        .send()
        .await
        .unwrap();
    let drifted = h.read(OBJECT, &state).await.expect("still there");
    let (action, _) = h.plan(OBJECT, Some(&drifted), &config);
    assert_eq!(action, Action::Update);
    let state = h.change(OBJECT, &drifted, &config, Action::Update).await;

    // A new bucket is a new object; the old one is deleted.
    let config = h.config(
        OBJECT,
        json!({"bucket": "stack-bundles-2", "key": "app.zip", "content": "hello", "tags": {"build": "2"}}),
    );
    let applied = h.change(OBJECT, &state, &config, Action::Replace).await;
    let state = applied.clone();
    assert!(s3
        .head_object()
        .bucket("stack-bundles")
        .key("app.zip")
        .send()
        .await
        .is_err());
    let state = h.assert_no_changes(OBJECT, &state, &config).await;
    assert_eq!(
        applied, state,
        "the state after the upload is what a refresh reads"
    );

    // Import by BUCKET/KEY; the body is not known, so content is planned in.
    let imported = h
        .import(OBJECT, "stack-bundles-2/app.zip")
        .await
        .expect("imported");
    assert_eq!(attr(&imported, "etag"), attr(&state, "etag"));
    assert_eq!(imported.get_attr("tags"), state.get_attr("tags"));
    assert!(h.import(OBJECT, "stack-bundles-2/missing").await.is_none());

    h.destroy(OBJECT, &state).await;
    assert!(s3
        .head_object()
        .bucket("stack-bundles-2")
        .key("app.zip")
        .send()
        .await
        .is_err());
    assert!(h.read(OBJECT, &state).await.is_none());
}

fn md5_of(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
