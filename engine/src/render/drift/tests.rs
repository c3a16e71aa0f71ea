//! Snapshot tests of the drift renderings: every outcome (drift of each
//! kind, no drift, an apply in progress, an error) in text, JSON, markdown,
//! the one-line summary and the notification.

use std::collections::BTreeMap;

use super::*;
use crate::drift::{
    AttributeDrift, DriftKind, DriftReport, Outcome, ResourceDrift, UnmanagedObject,
};
use crate::value::Value;

fn map(entries: &[(&str, &str)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

fn drifted() -> Outcome {
    let attribute = |name: &str, expected: Value, live: Value| AttributeDrift {
        name: name.to_string(),
        expected,
        live,
    };
    let rule = |port: i64| {
        Value::Map(BTreeMap::from([
            ("from_port".to_string(), Value::from(port)),
            ("to_port".to_string(), Value::from(port)),
            (
                "cidr_blocks".to_string(),
                Value::List(vec![Value::from("0.0.0.0/0")]),
            ),
        ]))
    };
    Outcome::Checked(DriftReport {
        checked: 7,
        resources: vec![
            ResourceDrift {
                address: "aws_db_instance.db".to_string(),
                resource_type: "aws_db_instance".to_string(),
                kind: DriftKind::Changed(vec![
                    attribute("allocated_storage", Value::from(20i64), Value::from(50i64)),
                    attribute(
                        "password",
                        Value::Sensitive(Box::new(Value::from("old"))),
                        Value::Sensitive(Box::new(Value::from("new"))),
                    ),
                ]),
            },
            ResourceDrift {
                address: "aws_elasticache_cluster.cache".to_string(),
                resource_type: "aws_elasticache_cluster".to_string(),
                kind: DriftKind::Deleted,
            },
            ResourceDrift {
                address: "aws_instance.web".to_string(),
                resource_type: "aws_instance".to_string(),
                kind: DriftKind::Changed(vec![
                    attribute(
                        "instance_type",
                        Value::from("t3.micro"),
                        Value::from("t3.large"),
                    ),
                    attribute(
                        "tags",
                        map(&[("Name", "web")]),
                        map(&[("Name", "web"), ("Owner", "someone | else")]),
                    ),
                ]),
            },
            ResourceDrift {
                address: "aws_security_group.web".to_string(),
                resource_type: "aws_security_group".to_string(),
                kind: DriftKind::Changed(vec![attribute(
                    "ingress",
                    Value::Set(vec![rule(443)]),
                    Value::Set(vec![rule(22), rule(443)]),
                )]),
            },
        ],
        unmanaged: None,
        api_calls: BTreeMap::from([
            ("ec2:DescribeInstances".to_string(), 1),
            ("rds:DescribeDBInstances".to_string(), 1),
        ]),
    })
}

/// Drift with `--unmanaged`: a deleted object and two nobody manages.
fn unmanaged() -> Outcome {
    let object = |resource_type: &str, id: &str| UnmanagedObject {
        resource_type: resource_type.to_string(),
        id: id.to_string(),
    };
    Outcome::Checked(DriftReport {
        checked: 3,
        resources: vec![ResourceDrift {
            address: "aws_s3_bucket.assets".to_string(),
            resource_type: "aws_s3_bucket".to_string(),
            kind: DriftKind::Deleted,
        }],
        unmanaged: Some(vec![
            object("aws_s3_bucket", "extra-logs"),
            object("aws_security_group", "sg-0123456789"),
        ]),
        api_calls: BTreeMap::from([("s3:ListBuckets".to_string(), 1)]),
    })
}

fn outcomes() -> Vec<(&'static str, Outcome)> {
    vec![
        ("drift", drifted()),
        ("unmanaged", unmanaged()),
        (
            "no_drift",
            Outcome::Checked(DriftReport {
                checked: 7,
                ..Default::default()
            }),
        ),
        (
            "apply_in_progress",
            Outcome::ApplyInProgress {
                holder: "ci@runner-1 (apply, since 2026-12-01T10:00:00Z)".to_string(),
            },
        ),
        (
            "error",
            Outcome::Failed {
                error: "the AWS credentials have expired (ExpiredToken); renew them".to_string(),
            },
        ),
    ]
}

fn document(outcome: &Outcome) -> Document<'_> {
    Document {
        stack: "examples/web-platform",
        workspace: "prod",
        checked_at: "2026-12-01T10:00:00Z",
        outcome,
    }
}

#[test]
fn every_outcome_in_every_format() {
    for (name, outcome) in outcomes() {
        let document = document(&outcome);
        insta::assert_snapshot!(format!("drift_{name}_text"), text(&document).plain());
        insta::assert_snapshot!(
            format!("drift_{name}_json"),
            serde_json::to_string_pretty(&json(&document)).unwrap()
        );
        insta::assert_snapshot!(format!("drift_{name}_markdown"), markdown(&document));
        insta::assert_snapshot!(
            format!("drift_{name}_summary"),
            summary_line(document.stack, &outcome)
        );
    }
}

#[test]
fn notifications_say_what_changed_about_the_drift() {
    let drift = drifted();
    let resolved = Outcome::Checked(DriftReport::default());
    insta::assert_snapshot!(
        "drift_notification_detected",
        notification(&document(&drift), false)["text"]
            .as_str()
            .unwrap()
    );
    insta::assert_snapshot!(
        "drift_notification_resolved",
        notification(&document(&resolved), true)["text"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn sensitive_values_never_appear_in_any_rendering() {
    let drift = drifted();
    let document = document(&drift);
    let renderings = [
        text(&document).plain(),
        json(&document).to_string(),
        markdown(&document),
        notification(&document, false).to_string(),
    ];
    for rendering in renderings {
        assert!(!rendering.contains("\"old\""), "{rendering}");
        assert!(!rendering.contains("\"new\""), "{rendering}");
    }
}

#[test]
fn long_values_are_cut_in_markdown_cells() {
    let long = "x".repeat(500);
    assert_eq!(
        cell(&Value::from(long.as_str())).chars().count(),
        MAX_VALUE_CHARS + 3
    );
    assert_eq!(cell(&Value::from("a|b")), "`\"a\\|b\"`");
}

#[test]
fn the_fingerprint_changes_with_the_drift_and_not_otherwise() {
    let drift = drifted();
    assert_eq!(drift.fingerprint(), drifted().fingerprint());
    let none = Outcome::Checked(DriftReport::default());
    assert_eq!(none.fingerprint(), Some(String::new()));
    let Outcome::Checked(mut report) = drifted() else {
        unreachable!()
    };
    report.resources.pop();
    assert_ne!(Outcome::Checked(report).fingerprint(), drift.fingerprint());
    let busy = Outcome::ApplyInProgress {
        holder: "x".to_string(),
    };
    assert_eq!(busy.fingerprint(), None);
    assert_eq!(
        (drift.exit_code(), none.exit_code(), busy.exit_code()),
        (2, 0, 1)
    );
}
