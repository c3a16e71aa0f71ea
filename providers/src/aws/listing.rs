//! Listing every object of a type in the account and region, for `stack
//! drift --unmanaged` ([`engine::provider::Provider::list`]). Each listing
//! is one paginated call per type; the types whose listing does not carry
//! tags (S3 buckets, ElastiCache clusters and replication groups, CloudFront
//! distributions, Beanstalk environments) add one paginated listing of
//! their service's tags ([`super::tagging_api`]). Objects the cloud makes
//! by itself (the default VPC, its subnets, every VPC's `default` security
//! group, the member clusters of a replication group) are marked `default`
//! so that drift leaves them out. Types not listed here are not listed:
//! drift says nothing about their unmanaged objects.

use std::collections::BTreeMap;

use engine::provider::{Listed, ProviderError};

use super::managed::pages;
use super::Clients;

/// Every object of `type_name`; `None` for a type that is not listed.
pub async fn list(
    clients: &Clients,
    type_name: &str,
) -> Result<Option<Vec<Listed>>, ProviderError> {
    Ok(Some(match type_name {
        "aws_vpc" => vpcs(clients).await?,
        "aws_subnet" => subnets(clients).await?,
        "aws_security_group" => security_groups(clients).await?,
        "aws_instance" => instances(clients).await?,
        "aws_db_instance" => db_instances(clients).await?,
        "aws_s3_bucket" => buckets(clients).await?,
        "aws_elasticache_cluster" => cache_clusters(clients).await?,
        "aws_elasticache_replication_group" => replication_groups(clients).await?,
        "aws_cloudfront_distribution" => distributions(clients).await?,
        "aws_elastic_beanstalk_environment" => environments(clients).await?,
        _ => return Ok(None),
    }))
}

fn listed(id: Option<&str>, tags: BTreeMap<String, String>, default: bool) -> Option<Listed> {
    Some(Listed {
        id: id?.to_string(),
        tags,
        default,
    })
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

async fn vpcs(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let ec2 = &clients.ec2;
    let vpcs = pages(|token| async move {
        let page = clients
            .call("ec2", "DescribeVpcs", || {
                ec2.describe_vpcs().set_next_token(token.clone()).send()
            })
            .await?;
        Ok::<_, ProviderError>((page.vpcs().to_vec(), page.next_token().map(str::to_string)))
    })
    .await?;
    Ok(vpcs
        .iter()
        .filter_map(|v| listed(v.vpc_id(), ec2_tags(v.tags()), v.is_default() == Some(true)))
        .collect())
}

async fn subnets(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let ec2 = &clients.ec2;
    let subnets = pages(|token| async move {
        let page = clients
            .call("ec2", "DescribeSubnets", || {
                ec2.describe_subnets().set_next_token(token.clone()).send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.subnets().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(subnets
        .iter()
        .filter_map(|s| {
            let default = s.default_for_az() == Some(true);
            listed(s.subnet_id(), ec2_tags(s.tags()), default)
        })
        .collect())
}

/// Every VPC gets a security group named `default` that cannot be deleted;
/// it is the cloud's, not an unmanaged object.
async fn security_groups(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let ec2 = &clients.ec2;
    let groups = pages(|token| async move {
        let page = clients
            .call("ec2", "DescribeSecurityGroups", || {
                ec2.describe_security_groups()
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.security_groups().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(groups
        .iter()
        .filter_map(|g| {
            let default = g.group_name() == Some("default");
            listed(g.group_id(), ec2_tags(g.tags()), default)
        })
        .collect())
}

/// Instances that are not terminated (a terminated instance stays listed
/// for a while, but is gone).
async fn instances(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    use aws_sdk_ec2::types::InstanceStateName;
    let ec2 = &clients.ec2;
    let reservations = pages(|token| async move {
        let page = clients
            .call("ec2", "DescribeInstances", || {
                ec2.describe_instances()
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.reservations().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(reservations
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| {
            let state = i.state().and_then(|s| s.name());
            !matches!(
                state,
                Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
            )
        })
        .filter_map(|i| listed(i.instance_id(), ec2_tags(i.tags()), false))
        .collect())
}

async fn db_instances(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let rds = &clients.rds;
    let instances = pages(|marker| async move {
        let page = clients
            .call("rds", "DescribeDBInstances", || {
                rds.describe_db_instances()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.db_instances().to_vec(),
            page.marker().map(str::to_string),
        ))
    })
    .await?;
    Ok(instances
        .iter()
        .filter_map(|db| {
            let tags = db
                .tag_list()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            listed(db.db_instance_identifier(), tags, false)
        })
        .collect())
}

/// Buckets of the provider's region (`ListBuckets` answers every region's;
/// a bucket it says nothing of the region of is kept).
async fn buckets(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let mut buckets = super::s3::list_buckets(clients).await?;
    buckets.retain(|_, region| region.as_ref().is_none_or(|r| *r == clients.region));
    let mut tags = super::s3::tags_of_buckets(clients, &buckets).await?;
    Ok(buckets
        .keys()
        .filter_map(|name| listed(Some(name), tags.remove(name).unwrap_or_default(), false))
        .collect())
}

/// The tags of each object of `objects` by id, read through `arn_of` with
/// the Tagging API (see [`super::tagging_api::tags_of`]); `one` reads one
/// object's tags by its ARN.
async fn with_tags<T, O, OF>(
    clients: &Clients,
    objects: &[T],
    id_of: fn(&T) -> Option<&str>,
    arn_of: fn(&T) -> Option<&str>,
    default: fn(&T) -> bool,
    one: O,
) -> Result<Vec<Listed>, ProviderError>
where
    O: Fn(String) -> OF,
    OF: std::future::Future<Output = Result<BTreeMap<String, String>, ProviderError>>,
{
    let arns: Vec<String> = objects
        .iter()
        .filter_map(|o| arn_of(o).map(str::to_string))
        .collect();
    let tags = super::tagging_api::tags_of(clients, &arns, one).await?;
    Ok(objects
        .iter()
        .filter_map(|o| {
            let object_tags = arn_of(o)
                .and_then(|arn| tags.get(arn).cloned())
                .unwrap_or_default();
            listed(id_of(o), object_tags, default(o))
        })
        .collect())
}

/// Cache clusters; the member clusters AWS makes for a replication group
/// are the group's, not unmanaged clusters.
async fn cache_clusters(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    use aws_sdk_elasticache::types::CacheCluster;
    let clusters = super::elasticache::describe_all_clusters(clients).await?;
    with_tags(
        clients,
        &clusters,
        CacheCluster::cache_cluster_id,
        CacheCluster::arn,
        |c| c.replication_group_id().is_some(),
        |arn| async move { super::elasticache::list_all_tags(clients, &arn).await },
    )
    .await
}

/// Replication groups that are not being deleted.
async fn replication_groups(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    use aws_sdk_elasticache::types::ReplicationGroup;
    let groups: Vec<ReplicationGroup> = super::elasticache::describe_all_groups(clients)
        .await?
        .into_values()
        .filter(|g| g.status() != Some("deleting"))
        .collect();
    with_tags(
        clients,
        &groups,
        ReplicationGroup::replication_group_id,
        ReplicationGroup::arn,
        |_| false,
        |arn| async move { super::elasticache::list_all_tags(clients, &arn).await },
    )
    .await
}

/// CloudFront distributions (a global service: every one of the account).
async fn distributions(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let cf = &clients.cloudfront;
    let summaries = pages(|marker| async move {
        let page = clients
            .call("cloudfront", "ListDistributions", || {
                cf.list_distributions().set_marker(marker.clone()).send()
            })
            .await?;
        let list = page.distribution_list();
        let next = list
            .filter(|l| l.is_truncated())
            .and_then(|l| l.next_marker())
            .map(str::to_string);
        let items = list.map(|l| l.items().to_vec()).unwrap_or_default();
        Ok::<_, ProviderError>((items, next))
    })
    .await?;
    with_tags(
        clients,
        &summaries,
        distribution_id,
        distribution_arn,
        |_| false,
        |arn| async move { distribution_tags(clients, &arn).await },
    )
    .await
}

fn distribution_id(d: &aws_sdk_cloudfront::types::DistributionSummary) -> Option<&str> {
    Some(d.id())
}

fn distribution_arn(d: &aws_sdk_cloudfront::types::DistributionSummary) -> Option<&str> {
    Some(d.arn())
}

/// A distribution's tags, as the distribution's own refresh reads them.
async fn distribution_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    use super::managed::Tagging;
    super::cloudfront::CloudFrontTags.list(clients, arn).await
}

/// Beanstalk environments that are not terminated or terminating.
async fn environments(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    use aws_sdk_elasticbeanstalk::types::{EnvironmentDescription, EnvironmentStatus};
    let eb = &clients.beanstalk;
    let environments = pages(|token| async move {
        let page = clients
            .call("elasticbeanstalk", "DescribeEnvironments", || {
                eb.describe_environments()
                    .include_deleted(false)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.environments().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    let live: Vec<EnvironmentDescription> = environments
        .into_iter()
        .filter(|e| {
            !matches!(
                e.status(),
                Some(EnvironmentStatus::Terminated | EnvironmentStatus::Terminating)
            )
        })
        .collect();
    with_tags(
        clients,
        &live,
        EnvironmentDescription::environment_id,
        EnvironmentDescription::environment_arn,
        |_| false,
        |arn| async move { environment_tags(clients, &arn).await },
    )
    .await
}

/// An environment's tags, as the environment's own refresh reads them.
async fn environment_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    use super::managed::Tagging;
    super::beanstalk::BeanstalkTags.list(clients, arn).await
}
