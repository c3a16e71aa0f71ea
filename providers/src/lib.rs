//! Cloud providers behind the engine's [`Provider`] trait. The AWS provider
//! lands here; the engine never depends on this crate, the CLI wires them.

pub use engine::provider::Provider;
