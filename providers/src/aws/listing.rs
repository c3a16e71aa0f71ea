//! Listing every object of a type in the account and region, for `stack
//! drift --unmanaged` ([`engine::provider::Provider::list`]). Each listing
//! is one paginated call per type (S3 adds one `GetBucketTagging` per
//! bucket, the only way S3 gives a bucket's tags). Objects the cloud makes
//! by itself (the default VPC, its subnets, every VPC's `default` security
//! group) are marked `default` so that drift leaves them out. Types not
//! listed here are not listed: drift says nothing about their unmanaged
//! objects.

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

/// Buckets of the provider's region (`ListBuckets` answers every region's
/// when the region is not filtered; an answer without a region is kept).
async fn buckets(clients: &Clients) -> Result<Vec<Listed>, ProviderError> {
    let s3 = &clients.s3;
    let buckets = pages(|token| async move {
        let page = clients
            .call("s3", "ListBuckets", || {
                s3.list_buckets()
                    .set_continuation_token(token.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.buckets().to_vec(),
            page.continuation_token().map(str::to_string),
        ))
    })
    .await?;
    let mut out = Vec::new();
    for bucket in &buckets {
        let Some(name) = bucket.name() else { continue };
        if bucket
            .bucket_region()
            .is_some_and(|region| region != clients.region)
        {
            continue;
        }
        let tags = bucket_tags(clients, name).await?;
        out.extend(listed(Some(name), tags, false));
    }
    Ok(out)
}

async fn bucket_tags(
    clients: &Clients,
    name: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let s3 = &clients.s3;
    match clients
        .call("s3", "GetBucketTagging", || {
            s3.get_bucket_tagging().bucket(name).send()
        })
        .await
    {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        // S3 answers an error, not an empty set, for a bucket without tags;
        // a bucket deleted since the listing has none either.
        Err(e) if matches!(e.code.as_deref(), Some("NoSuchTagSet" | "NoSuchBucket")) => {
            Ok(BTreeMap::new())
        }
        Err(e) => Err(e.into()),
    }
}
