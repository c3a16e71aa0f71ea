//! The objects AWS makes with every VPC (its main route table, network ACL
//! and security group), found for many VPCs at once: one call per kind, 200
//! VPCs and page, filtered by `vpc-id` and what marks the default object.

use std::collections::HashMap;

use aws_sdk_ec2::types::Filter;
use engine::provider::ProviderError;
use engine::value::Value;

use crate::aws::ec2::FILTER_VALUES_PER_CALL;
use crate::aws::managed::pages;
use crate::aws::values::opt_string;
use crate::aws::{AwsError, Clients};

/// VPC id to the id of each default object.
#[derive(Default)]
pub struct Defaults {
    route_tables: HashMap<String, String>,
    network_acls: HashMap<String, String>,
    security_groups: HashMap<String, String>,
}

fn filters(vpcs: &[String], marker: (&str, &str)) -> Vec<Filter> {
    vec![
        Filter::builder()
            .name("vpc-id")
            .set_values(Some(vpcs.to_vec()))
            .build(),
        Filter::builder().name(marker.0).values(marker.1).build(),
    ]
}

pub async fn describe(clients: &Clients, vpcs: &[String]) -> Result<Defaults, ProviderError> {
    let mut found = Defaults::default();
    let ec2 = &clients.ec2;
    for chunk in vpcs.chunks(FILTER_VALUES_PER_CALL) {
        let main = filters(chunk, ("association.main", "true"));
        let tables = pages(|token| {
            let main = main.clone();
            async move {
                let page = clients
                    .call("ec2", "DescribeRouteTables", || {
                        ec2.describe_route_tables()
                            .set_filters(Some(main.clone()))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                let items: Vec<(String, String)> = page
                    .route_tables()
                    .iter()
                    .filter_map(|t| {
                        Some((t.vpc_id()?.to_string(), t.route_table_id()?.to_string()))
                    })
                    .collect();
                Ok::<_, AwsError>((items, page.next_token().map(str::to_string)))
            }
        })
        .await?;
        found.route_tables.extend(tables);
        let default = filters(chunk, ("default", "true"));
        let acls = pages(|token| {
            let default = default.clone();
            async move {
                let page = clients
                    .call("ec2", "DescribeNetworkAcls", || {
                        ec2.describe_network_acls()
                            .set_filters(Some(default.clone()))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                let items: Vec<(String, String)> = page
                    .network_acls()
                    .iter()
                    .filter_map(|a| {
                        Some((a.vpc_id()?.to_string(), a.network_acl_id()?.to_string()))
                    })
                    .collect();
                Ok::<_, AwsError>((items, page.next_token().map(str::to_string)))
            }
        })
        .await?;
        found.network_acls.extend(acls);
        let named = filters(chunk, ("group-name", "default"));
        let groups = pages(|token| {
            let named = named.clone();
            async move {
                let page = clients
                    .call("ec2", "DescribeSecurityGroups", || {
                        ec2.describe_security_groups()
                            .set_filters(Some(named.clone()))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                let items: Vec<(String, String)> = page
                    .security_groups()
                    .iter()
                    .filter_map(|g| Some((g.vpc_id()?.to_string(), g.group_id()?.to_string())))
                    .collect();
                Ok::<_, AwsError>((items, page.next_token().map(str::to_string)))
            }
        })
        .await?;
        found.security_groups.extend(groups);
    }
    Ok(found)
}

/// The computed attributes of the VPC `id`.
pub fn values(defaults: &Defaults, id: &str) -> Vec<(String, Value)> {
    let main = opt_string(defaults.route_tables.get(id).cloned());
    vec![
        ("main_route_table_id".to_string(), main.clone()),
        ("default_route_table_id".to_string(), main),
        (
            "default_network_acl_id".to_string(),
            opt_string(defaults.network_acls.get(id).cloned()),
        ),
        (
            "default_security_group_id".to_string(),
            opt_string(defaults.security_groups.get(id).cloned()),
        ),
    ]
}
