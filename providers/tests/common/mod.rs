//! Shared helpers for the providers crate's integration tests.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

pub mod emulator;

pub use emulator::Emulator;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;

/// SDK configuration pointing every service at the emulator, with fixed
/// credentials and region so that nothing is read from the developer's
/// environment, and with retries off so that an emulator error fails at once
/// instead of being retried three times.
pub async fn sdk_config(emulator: &Emulator) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(emulator::REGION)
        .credentials_provider(Credentials::new(
            emulator::ACCESS_KEY_ID,
            emulator::SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .endpoint_url(emulator.endpoint())
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

/// Makes a VPC `PREFIX.0.0/16` with one subnet in each of three zones
/// (`PREFIX.0.0/24`, `PREFIX.1.0/24`, …) through the EC2 API, and returns
/// the subnet ids: the network that RDS and ElastiCache subnet groups need.
pub async fn subnets(ec2: &aws_sdk_ec2::Client, cidr_prefix: &str) -> Vec<String> {
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("{cidr_prefix}.0.0/16"))
        .send()
        .await
        .expect("CreateVpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut ids = Vec::new();
    for (i, zone) in ["us-east-1a", "us-east-1b", "us-east-1c"]
        .iter()
        .enumerate()
    {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("{cidr_prefix}.{i}.0/24"))
            .availability_zone(*zone)
            .send()
            .await
            .expect("CreateSubnet");
        ids.push(
            subnet
                .subnet()
                .and_then(|s| s.subnet_id())
                .expect("subnet id")
                .to_string(),
        );
    }
    ids
}

/// The tags of an object as the user configured them: checks that the
/// `stack:intent` tag every create sets is there (it must survive tag
/// updates too) and leaves it out.
pub fn user_tags(
    tags: impl IntoIterator<Item = (String, String)>,
) -> std::collections::BTreeMap<String, String> {
    let mut tags: std::collections::BTreeMap<String, String> = tags.into_iter().collect();
    let intent = tags.remove(providers::aws::INTENT_TAG);
    assert!(
        intent.as_deref().is_some_and(|v| v.starts_with("test-")),
        "the object lost its {} tag: {intent:?}, other tags {tags:?}",
        providers::aws::INTENT_TAG
    );
    tags
}
