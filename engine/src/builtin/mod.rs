//! Built-in providers: `null`, `terraform` (`terraform_data`), `random` and
//! `local`, with Terraform-compatible names, attributes and behaviour.
//!
//! They live in the engine rather than in `providers/` because they need no
//! cloud SDK and because templates use them everywhere, tests included.

use std::sync::Arc;

use crate::provider::Provider;

pub mod local;
pub mod null;
pub mod random;
mod support;
pub mod terraform;
pub mod time;

/// The names of the built-in providers.
pub const BUILTIN_NAMES: [&str; 5] = ["local", "null", "random", "terraform", "time"];

/// Whether `name` is a built-in provider, whose objects live only in state.
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_NAMES.contains(&name)
}

/// Every built-in provider, ready to be registered by its name.
pub fn builtin_providers() -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(null::NullProvider::new()),
        Arc::new(terraform::TerraformProvider::new()),
        Arc::new(random::RandomProvider::new()),
        Arc::new(local::LocalProvider::new()),
        Arc::new(time::TimeProvider::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_provider_has_a_distinct_name_and_described_schemas() {
        let providers = builtin_providers();
        let mut names: Vec<&str> = providers.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        assert_eq!(names, BUILTIN_NAMES);
        for provider in &providers {
            let schema = provider.schema();
            for (type_name, resource) in schema.resources.iter().chain(&schema.data_sources) {
                assert!(
                    type_name.starts_with(provider.name()),
                    "{type_name} does not start with its provider's name"
                );
                assert!(
                    !resource.description.is_empty(),
                    "{type_name} has no description"
                );
                for attribute in &resource.attributes {
                    assert!(
                        !attribute.description.is_empty(),
                        "{type_name}.{} has no description",
                        attribute.name
                    );
                }
            }
        }
    }
}
