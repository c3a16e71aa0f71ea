//! `stack`'s state: the model, its versioned file format, backends and locking.

pub mod model;

pub use model::*;
