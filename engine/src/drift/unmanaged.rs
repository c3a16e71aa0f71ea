//! `stack drift --unmanaged`: objects of the types the templates manage,
//! in the same account and region, that the state does not know. Each
//! provider lists its objects ([`Provider::list`]); what the state records,
//! what the cloud made by itself (default VPCs and their parts) and what
//! the `stack { drift { … } }` block excludes is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use state::{Mode, State};

use crate::addrs::ResourceMode;
use crate::config::{Config, DriftSettings};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::plan::ConfiguredProviders;
use crate::provider::{Listed, Provider};

/// An object of a managed type that no resource in state has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnmanagedObject {
    pub resource_type: String,
    pub id: String,
}

/// What `exclude_tags` and `exclude_ids` leave out.
pub struct Exclusions {
    tags: BTreeMap<String, String>,
    ids: GlobSet,
}

impl Exclusions {
    /// The exclusions of the `drift` block; a pattern that is not a valid
    /// glob is an error naming it.
    pub fn new(settings: &DriftSettings) -> Result<Exclusions, Diagnostic> {
        let mut ids = GlobSetBuilder::new();
        for pattern in &settings.exclude_ids {
            let glob = Glob::new(pattern).map_err(|e| {
                Diagnostic::error(
                    "Invalid exclude_ids pattern",
                    format!("The pattern {pattern:?} in the stack block's drift block is not a valid glob: {e}."),
                )
            })?;
            ids.add(glob);
        }
        let ids = ids.build().map_err(|e| {
            Diagnostic::error(
                "Invalid exclude_ids pattern",
                format!("The patterns in the stack block's drift block cannot be used: {e}."),
            )
        })?;
        Ok(Exclusions {
            tags: settings.exclude_tags.clone(),
            ids,
        })
    }

    /// True for an object the report leaves out: made by the cloud, or
    /// carrying an excluded tag (key and value, the key case-insensitive as
    /// drift treats tag keys), or with an id an excluded pattern matches.
    pub fn excludes(&self, object: &Listed) -> bool {
        let tagged = self.tags.iter().any(|(key, value)| {
            object
                .tags
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(key) && v == value)
        });
        object.default || tagged || self.ids.is_match(&object.id)
    }
}

/// Lists every managed type the templates use through the provider that
/// manages it, and returns the objects no state resource of that type has,
/// sorted. Types their provider cannot list are skipped.
pub async fn find(
    config: &Config,
    state: &State,
    providers: &ConfiguredProviders,
    exclusions: &Exclusions,
) -> Result<Vec<UnmanagedObject>, Diagnostics> {
    let known = known_ids(state);
    let mut found = BTreeSet::new();
    for (type_name, provider) in types_and_providers(config, providers) {
        let listed = provider.list(&type_name).await.map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Listing failed",
                format!("Listing the {type_name} objects failed: {}", e.message),
            ))
        })?;
        for object in listed.into_iter().flatten() {
            let managed = known.contains(&(type_name.clone(), object.id.clone()));
            if !managed && !exclusions.excludes(&object) {
                found.insert(UnmanagedObject {
                    resource_type: type_name.clone(),
                    id: object.id,
                });
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// Every (type, id) the state records for a managed resource.
fn known_ids(state: &State) -> BTreeSet<(String, String)> {
    state
        .resources
        .values()
        .filter(|r| r.mode == Mode::Managed)
        .filter_map(|r| {
            let id = r.attributes.get("id")?.as_str()?;
            Some((r.resource_type.clone(), id.to_string()))
        })
        .collect()
}

/// Each managed type of the templates, with the configured provider of
/// the first resource of that type.
fn types_and_providers(
    config: &Config,
    providers: &ConfiguredProviders,
) -> BTreeMap<String, Arc<dyn Provider>> {
    let mut out = BTreeMap::new();
    for module in config.modules.values() {
        for resource in module.resources.values() {
            if resource.addr.mode != ResourceMode::Managed {
                continue;
            }
            if let Some(provider) = providers.get(&resource.provider) {
                out.entry(resource.addr.resource_type.clone())
                    .or_insert_with(|| provider.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: &str, tags: &[(&str, &str)], default: bool) -> Listed {
        Listed {
            id: id.to_string(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            default,
        }
    }

    fn exclusions(tags: &[(&str, &str)], ids: &[&str]) -> Exclusions {
        Exclusions::new(&DriftSettings {
            exclude_tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            exclude_ids: ids.iter().map(|s| s.to_string()).collect(),
        })
        .unwrap()
    }

    #[test]
    fn objects_the_cloud_made_are_always_excluded() {
        let none = exclusions(&[], &[]);
        assert!(none.excludes(&object("vpc-1", &[], true)));
        assert!(!none.excludes(&object("vpc-2", &[], false)));
    }

    #[test]
    fn a_tag_excludes_by_key_and_value_with_the_key_in_any_case() {
        let by_tag = exclusions(&[("managed-by", "other")], &[]);
        assert!(by_tag.excludes(&object("sg-1", &[("Managed-By", "other")], false)));
        assert!(!by_tag.excludes(&object("sg-2", &[("managed-by", "stack")], false)));
        assert!(!by_tag.excludes(&object("sg-3", &[], false)));
    }

    #[test]
    fn id_patterns_are_globs() {
        let by_id = exclusions(&[], &["sg-legacy*", "logs-?"]);
        assert!(by_id.excludes(&object("sg-legacy-42", &[], false)));
        assert!(by_id.excludes(&object("logs-a", &[], false)));
        assert!(!by_id.excludes(&object("logs-ab", &[], false)));
        assert!(!by_id.excludes(&object("sg-new", &[], false)));
    }

    #[test]
    fn an_invalid_pattern_is_an_error_naming_it() {
        let settings = DriftSettings {
            exclude_tags: BTreeMap::new(),
            exclude_ids: vec!["sg-[".to_string()],
        };
        let error = Exclusions::new(&settings).err().unwrap();
        assert!(error.detail.contains("\"sg-[\""), "{}", error.detail);
    }
}
