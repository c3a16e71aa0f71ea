//! Tags of many objects at once, through the Resource Groups Tagging API's
//! `GetResources`, for types whose own API reads tags one object at a time
//! (S3 buckets, ElastiCache clusters, replication groups and subnet
//! groups). One object is still asked of its own service; several cost one
//! paged listing per service (up to 100 objects a page), whatever their
//! number ([`batched`]).
//!
//! The filter is the service alone ("s3", "elasticache"), not a resource
//! type such as "elasticache:cluster": the service form is the one every
//! implementation agrees on (moto 5.2.5 files ElastiCache objects under
//! types of its own naming), and the answer is narrowed to the ARNs asked
//! for anyway. `GetResources` leaves out objects that were never tagged,
//! so an ARN it does not return has no tags.

use std::collections::BTreeMap;
use std::future::Future;

use engine::provider::ProviderError;

use super::managed::pages;
use super::Clients;

/// Tags by key.
pub type Tags = BTreeMap<String, String>;

/// The most objects one `GetResources` page may hold (an API limit).
const RESOURCES_PER_PAGE: i32 = 100;

/// The service an ARN names (`arn:PARTITION:SERVICE:…`), which is also its
/// `ResourceTypeFilters` entry; `None` for text that is not an ARN.
pub fn service_of(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some(service), Some(_)) if !service.is_empty() => Some(service),
        _ => None,
    }
}

/// The batching policy: one ARN is read by `one`; several by `all`, once
/// per service they belong to, keeping the answer for the ARNs asked for
/// (an ARN the listing does not return has no tags). An ARN that names no
/// service is read by `one`.
pub async fn batched<O, OF, A, AF>(
    arns: &[String],
    one: O,
    all: A,
) -> Result<BTreeMap<String, Tags>, ProviderError>
where
    O: Fn(String) -> OF,
    OF: Future<Output = Result<Tags, ProviderError>>,
    A: Fn(String) -> AF,
    AF: Future<Output = Result<BTreeMap<String, Tags>, ProviderError>>,
{
    let mut out = BTreeMap::new();
    if let [arn] = arns {
        out.insert(arn.clone(), one(arn.clone()).await?);
        return Ok(out);
    }
    let mut by_service: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for arn in arns {
        match service_of(arn) {
            Some(service) => by_service.entry(service).or_default().push(arn),
            None => {
                out.insert(arn.clone(), one(arn.clone()).await?);
            }
        }
    }
    for (service, wanted) in by_service {
        let mut listed = all(service.to_string()).await?;
        for arn in wanted {
            out.insert(arn.clone(), listed.remove(arn).unwrap_or_default());
        }
    }
    Ok(out)
}

/// The tags of each of `arns` (every tag, ours included), batched as
/// [`batched`] says; `one` is the service's own per-object call.
pub async fn tags_of<O, OF>(
    clients: &Clients,
    arns: &[String],
    one: O,
) -> Result<BTreeMap<String, Tags>, ProviderError>
where
    O: Fn(String) -> OF,
    OF: Future<Output = Result<Tags, ProviderError>>,
{
    batched(arns, one, |service| service_tags(clients, service)).await
}

/// The region whose Tagging API answers for `service`'s objects: the
/// provider's, except for CloudFront, a global service whose tags the API
/// answers in us-east-1 only (in AWS's commercial partition).
pub fn tagging_region<'a>(service: &str, partition: &str, region: &'a str) -> &'a str {
    if service == "cloudfront" && partition == "aws" {
        "us-east-1"
    } else {
        region
    }
}

/// Every tagged object of `service` in the region, by ARN, page by page.
async fn service_tags(
    clients: &Clients,
    service: String,
) -> Result<BTreeMap<String, Tags>, ProviderError> {
    let tagging = &clients.tagging;
    let service = &service;
    let region = tagging_region(service, clients.partition(), &clients.region).to_string();
    let in_region = aws_sdk_resourcegroupstagging::config::Builder::default()
        .region(aws_sdk_resourcegroupstagging::config::Region::new(region));
    let in_region = &in_region;
    let mappings = pages(|token| async move {
        let page = clients
            .call("tagging", "GetResources", || {
                tagging
                    .get_resources()
                    .resource_type_filters(service)
                    .resources_per_page(RESOURCES_PER_PAGE)
                    .set_pagination_token(token.clone())
                    .customize()
                    .config_override(in_region.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.resource_tag_mapping_list().to_vec(),
            page.pagination_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(mappings
        .iter()
        .filter_map(|mapping| {
            let tags = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            Some((mapping.resource_arn()?.to_string(), tags))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn the_service_is_the_third_field_of_an_arn() {
        assert_eq!(service_of("arn:aws:s3:::assets"), Some("s3"));
        assert_eq!(
            service_of("arn:aws-cn:elasticache:cn-north-1:123:cluster:c1"),
            Some("elasticache")
        );
        assert_eq!(service_of("assets"), None);
        assert_eq!(service_of("arn:aws::x:y"), None);
    }

    #[test]
    fn cloudfront_tags_are_asked_in_us_east_1() {
        assert_eq!(
            tagging_region("cloudfront", "aws", "eu-west-3"),
            "us-east-1"
        );
        assert_eq!(tagging_region("s3", "aws", "eu-west-3"), "eu-west-3");
        assert_eq!(
            tagging_region("cloudfront", "aws-cn", "cn-north-1"),
            "cn-north-1"
        );
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn one_arn_is_read_alone_and_many_cost_one_listing_per_service() {
        let singles = Mutex::new(Vec::new());
        let listings = Mutex::new(Vec::new());
        let one = |arn: String| {
            singles.lock().unwrap().push(arn);
            async { Ok(tags(&[("single", "yes")])) }
        };
        let all = |service: String| {
            listings.lock().unwrap().push(service.clone());
            async move {
                Ok(BTreeMap::from([
                    (format!("arn:aws:{service}:::a"), tags(&[("Name", "a")])),
                    (format!("arn:aws:{service}:::other"), tags(&[("Name", "o")])),
                ]))
            }
        };
        let alone = batched(&["arn:aws:s3:::a".to_string()], one, all)
            .await
            .unwrap();
        assert_eq!(alone["arn:aws:s3:::a"], tags(&[("single", "yes")]));
        assert!(listings.lock().unwrap().is_empty());

        let wanted: Vec<String> = [
            "arn:aws:s3:::a",
            "arn:aws:s3:::untagged",
            "arn:aws:elasticache:::a",
        ]
        .map(String::from)
        .to_vec();
        let many = batched(&wanted, one, all).await.unwrap();
        assert_eq!(many.len(), 3, "only what was asked for: {many:?}");
        assert_eq!(many["arn:aws:s3:::a"], tags(&[("Name", "a")]));
        assert_eq!(many["arn:aws:s3:::untagged"], Tags::new());
        assert_eq!(many["arn:aws:elasticache:::a"], tags(&[("Name", "a")]));
        assert_eq!(*listings.lock().unwrap(), ["elasticache", "s3"]);
        assert_eq!(singles.lock().unwrap().len(), 1, "no per-object read");
    }

    #[tokio::test]
    async fn a_listing_error_is_the_answer() {
        let one = |_: String| async { Ok(Tags::new()) };
        let all = |_: String| async {
            Err::<BTreeMap<String, Tags>, _>(ProviderError::new("AccessDenied"))
        };
        let wanted = ["arn:aws:s3:::a", "arn:aws:s3:::b"].map(String::from);
        let err = batched(&wanted, one, all).await.unwrap_err();
        assert_eq!(err.message, "AccessDenied");
    }
}
