//! Cloud providers behind the engine's [`Provider`] trait. The engine never
//! depends on this crate; the `stack` binary wires the two together through
//! [`register`].

pub mod aws;

use std::sync::Arc;

pub use engine::provider::Provider;

use engine::context::ProviderRegistry;

/// Adds this crate's providers to a registry. Each `provider "aws"` block
/// (each alias) gets its own instance, with its own region and clients.
pub fn register(registry: &mut ProviderRegistry) {
    registry.register(
        "aws",
        Arc::new(|| Arc::new(aws::AwsProvider::new()) as Arc<dyn Provider>),
    );
}
