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
