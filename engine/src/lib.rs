//! `stack`'s engine: loading templates, expressions and values, the
//! dependency graph, planning, applying, the provider trait and the built-in
//! providers. It never depends on a cloud SDK and does no terminal output.

pub mod diagnostics;
pub mod provider;
pub mod value;
