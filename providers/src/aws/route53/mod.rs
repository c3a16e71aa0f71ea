//! Route 53: `aws_route53_zone` (hosted zones) and `aws_route53_record`
//! (resource record sets).
//!
//! Route 53 is global: its API answers in one place whatever the provider's
//! region. Zone ids come back as `/hostedzone/Z…` and are kept without the
//! prefix, as Terraform's provider keeps them. Changes to records are
//! asynchronous (`PENDING` until `INSYNC`), and a create or update waits
//! for its change to be in sync, as Terraform's provider does.

pub mod record;
pub mod zone;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_route53::types::{ChangeStatus, Tag, TagResourceType};
use engine::provider::ProviderError;

use super::managed::Tagging;
use super::{AwsResource, Clients};
use crate::aws::managed::Seam;

/// The resource types of this module, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Seam(zone::Zone)), Box::new(Seam(record::Record))]
}

/// How many resource ids one ListTagsForResources call takes (Route 53 API
/// reference, ListTagsForResources: "You can specify up to 10 hosted zones").
const TAGGED_PER_CALL: usize = 10;

/// A zone id without the `/hostedzone/` prefix the API puts on it.
pub fn clean_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A change id without the `/change/` prefix.
fn clean_change_id(id: &str) -> String {
    id.trim_start_matches("/change/").to_string()
}

/// A DNS name as Terraform's provider keeps it: lower case, without the
/// trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Route 53 spells some characters of names in octal escapes (`*` as
/// `\052`); the name as a user writes it.
pub fn unescape_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal.and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the change `id` has reached every Route 53 name server.
async fn wait_in_sync(
    clients: &Clients,
    id: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(), ProviderError> {
    let r53 = &clients.route53;
    let id = clean_change_id(id);
    clients
        .wait(
            &format!("Route 53 change {id} to be in sync"),
            std::time::Duration::from_secs(30 * 60),
            progress,
            || async {
                let out = clients
                    .call("route53", "GetChange", || r53.get_change().id(&id).send())
                    .await?;
                let status = out.change_info().map(|c| c.status().clone());
                Ok(match status {
                    Some(ChangeStatus::Insync) => crate::aws::retry::Poll::Ready(()),
                    other => crate::aws::retry::Poll::Pending(
                        other.map(|s| s.as_str().to_string()).unwrap_or_default(),
                    ),
                })
            },
        )
        .await
}

/// Hosted zones are tagged by id with ChangeTagsForResource.
pub(crate) struct ZoneTags;

#[async_trait]
impl Tagging for ZoneTags {
    async fn update(
        &self,
        clients: &Clients,
        id: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let r53 = &clients.route53;
        let tags: Vec<Tag> = add
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        clients
            .call("route53", "ChangeTagsForResource", || {
                r53.change_tags_for_resource()
                    .resource_type(TagResourceType::Hostedzone)
                    .resource_id(id)
                    .set_add_tags((!tags.is_empty()).then(|| tags.clone()))
                    .set_remove_tag_keys((!remove.is_empty()).then(|| remove.to_vec()))
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        id: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        Ok(zone_tags(clients, &[id.to_string()])
            .await?
            .remove(id)
            .unwrap_or_default())
    }
}

/// The tags of many zones, ten per ListTagsForResources call.
async fn zone_tags(
    clients: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    let r53 = &clients.route53;
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(TAGGED_PER_CALL) {
        let answer = clients
            .call("route53", "ListTagsForResources", || {
                r53.list_tags_for_resources()
                    .resource_type(TagResourceType::Hostedzone)
                    .set_resource_ids(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        for set in answer.resource_tag_sets() {
            let Some(id) = set.resource_id() else {
                continue;
            };
            let tags = set
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            out.insert(clean_zone_id(id), tags);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_lower_case_without_the_trailing_dot() {
        assert_eq!(normalize_name("WWW.Example.com."), "www.example.com");
        assert_eq!(normalize_name("example.com"), "example.com");
    }

    #[test]
    fn octal_escapes_become_the_characters_they_stand_for() {
        assert_eq!(unescape_name("\\052.example.com."), "*.example.com.");
        assert_eq!(unescape_name("a\\100b"), "a@b");
        // Not an escape: kept as written.
        assert_eq!(unescape_name("a\\9b"), "a\\9b");
    }

    #[test]
    fn ids_lose_their_api_prefix() {
        assert_eq!(clean_zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(clean_zone_id("Z123"), "Z123");
        assert_eq!(clean_change_id("/change/C1"), "C1");
    }
}
