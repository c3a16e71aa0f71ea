//! `stack`'s engine: loading templates, expressions and values, the
//! dependency graph, planning, applying, the provider trait and the built-in
//! providers. It never depends on a cloud SDK and does no terminal output.

pub mod addrs;
pub mod apply;
pub mod backend;
pub mod body;
pub mod builtin;
pub mod conditions;
pub mod config;
pub mod context;
pub mod diagnostics;
pub mod drift;
pub mod encoding;
pub mod ephemeral;
pub mod eval;
pub mod format;
pub mod functions;
pub mod graph;
pub mod import;
pub mod json_syntax;
pub mod migrate;
pub mod module_providers;
#[cfg(test)]
mod module_tests;
pub mod number;
pub mod plan;
pub mod planfile;
pub mod provider;
pub mod provisioner;
pub mod refactor;
pub mod render;
pub mod schedule;
pub mod stateful;
#[cfg(test)]
pub mod testing;
pub mod triggers;
pub mod types;
pub mod validate;
pub mod value;
pub mod version;
