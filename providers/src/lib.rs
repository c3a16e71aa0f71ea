//! Cloud providers behind the engine's [`Provider`] trait. The engine never
//! depends on this crate; the `stack` binary wires the two together through
//! [`register`].

pub use engine::provider::Provider;

use engine::context::ProviderRegistry;

/// Adds this crate's providers to a registry. The AWS provider is the first
/// that will live here; until it lands, only the engine's built-ins exist.
pub fn register(_registry: &mut ProviderRegistry) {}
