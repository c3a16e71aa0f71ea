//! `aws_route53_zone`: a hosted zone, public or private (with `vpc`
//! blocks). The comment, the VPC associations and the tags change in
//! place; the name and the delegation set force a new zone, and so does
//! turning a public zone private or back, which the API cannot do.
//!
//! One zone is read with GetHostedZone (its name servers and VPCs) and the
//! SOA record (its primary name server); several cost one paged
//! ListHostedZones, ListTagsForResources ten zones at a time, and
//! GetHostedZone only for private zones (their VPCs). A listing does not
//! return a zone's name servers, which never change, so those are carried
//! from the state being refreshed ([`Managed::carried`]).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AcceleratedRecoveryStatus, HostedZone, HostedZoneConfig, RrType, Vpc, VpcRegion,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::{clean_zone_id, normalize_name, wait_in_sync, zone_tags, ZoneTags};
use crate::aws::managed::{pages, Gone, Made, Managed, Tagging};
use crate::aws::values::{
    blocks_attr, bool_attr, object, opt_string, required_str, str_attr, string, string_list,
    string_map, tags_attribute, timeouts_block,
};
use crate::aws::{user_tags, AwsError, Clients};

/// The comment Terraform's provider gives a zone without one.
const DEFAULT_COMMENT: &str = "Managed by Terraform";

pub struct Zone;

fn vpc_block() -> BlockSchema {
    BlockSchema {
        name: "vpc",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: Schema::new("A VPC the private zone answers in.")
            .attr(
                AttributeSchema::required("vpc_id", AttrType::String)
                    .describe("The VPC to associate."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc_region", AttrType::String)
                    .describe("The VPC's region; the provider's region by default."),
            ),
    }
}

/// One `vpc` block: id and region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ZoneVpc {
    id: String,
    region: Option<String>,
}

fn vpcs(value: &Value) -> BTreeSet<ZoneVpc> {
    blocks_attr(value, "vpc")
        .iter()
        .filter_map(|b| {
            Some(ZoneVpc {
                id: str_attr(b, "vpc_id")?,
                region: str_attr(b, "vpc_region"),
            })
        })
        .collect()
}

fn vpc_value(vpcs: impl IntoIterator<Item = (String, Option<String>)>) -> Value {
    Value::set_from(
        vpcs.into_iter()
            .map(|(id, region)| {
                object([("vpc_id", string(id)), ("vpc_region", opt_string(region))])
            })
            .collect(),
    )
}

fn sdk_vpc(clients: &Clients, vpc: &ZoneVpc) -> Vpc {
    let region = vpc.region.clone().unwrap_or_else(|| clients.region.clone());
    Vpc::builder()
        .vpc_id(&vpc.id)
        .vpc_region(VpcRegion::from(region.as_str()))
        .build()
}

/// The planned `vpc` blocks with each unset region filled in: the prior
/// one of the same VPC, or unknown until the association is made (the
/// provider's region then).
fn plan_vpc_regions(config: &mut Value, prior: Option<&Value>) {
    let prior_regions: BTreeMap<String, Value> = prior
        .map(|p| blocks_attr(p, "vpc"))
        .unwrap_or_default()
        .iter()
        .filter_map(|b| Some((str_attr(b, "vpc_id")?, b.get_attr("vpc_region")?.clone())))
        .collect();
    let Value::Map(map) = config else { return };
    let Some(blocks) = map.get_mut("vpc") else {
        return;
    };
    let (Value::Set(items) | Value::List(items)) = blocks else {
        return;
    };
    for block in items.iter_mut() {
        let Value::Map(fields) = block else { continue };
        if fields.get("vpc_region").is_some_and(|r| !r.is_null()) {
            continue;
        }
        let id = fields
            .get("vpc_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let region = id
            .and_then(|id| prior_regions.get(&id).cloned())
            .unwrap_or(Value::Unknown);
        fields.insert("vpc_region".to_string(), region);
    }
}

/// The name without its trailing dot, in lower case, as the state keeps it.
fn plan_name(config: &mut Value) {
    if let Value::Map(map) = config {
        if let Some(Value::String(name)) = map.get("name") {
            let normal = normalize_name(name);
            map.insert("name".to_string(), Value::String(normal));
        }
    }
}

/// Whether the zone is private: it has VPCs.
fn private(value: &Value) -> bool {
    !blocks_attr(value, "vpc").is_empty()
}

/// A zone's state from what the API says of it.
struct Read<'a> {
    zone: &'a HostedZone,
    delegation_set_id: Option<String>,
    name_servers: Option<Vec<String>>,
    primary_name_server: Option<String>,
    vpcs: Option<Vec<(String, Option<String>)>>,
    /// Whether accelerated recovery is on (or being turned on).
    accelerated_recovery: Option<bool>,
    tags: BTreeMap<String, String>,
}

impl Read<'_> {
    fn state(self, clients: &Clients) -> Value {
        let id = clean_zone_id(self.zone.id());
        let comment = self
            .zone
            .config()
            .and_then(|c| c.comment())
            .unwrap_or_default();
        let mut pairs = vec![
            ("id", string(&id)),
            ("zone_id", string(&id)),
            (
                "arn",
                string(format!(
                    "arn:{}:route53:::hostedzone/{id}",
                    clients.partition()
                )),
            ),
            ("name", string(normalize_name(self.zone.name()))),
            ("comment", string(comment)),
            ("force_destroy", Value::Bool(false)),
            ("tags", string_map(user_tags(self.tags))),
        ];
        // What only GetHostedZone tells is left out of a listing's value,
        // to be carried from the state being refreshed.
        if let Some(servers) = self.name_servers {
            pairs.push(("name_servers", string_list(servers)));
            pairs.push(("delegation_set_id", opt_string(self.delegation_set_id)));
            pairs.push(("primary_name_server", opt_string(self.primary_name_server)));
        }
        if let Some(vpcs) = self.vpcs {
            pairs.push(("vpc", vpc_value(vpcs)));
        }
        if let Some(enabled) = self.accelerated_recovery {
            pairs.push(("enable_accelerated_recovery", Value::Bool(enabled)));
        }
        object(pairs)
    }
}

/// One zone through GetHostedZone and its SOA record; `None` when gone.
async fn get_zone(clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
    let r53 = &clients.route53;
    let Some(out) = clients
        .call("route53", "GetHostedZone", || {
            r53.get_hosted_zone().id(id).send()
        })
        .await
        .or_gone()?
    else {
        return Ok(None);
    };
    let Some(zone) = out.hosted_zone() else {
        return Ok(None);
    };
    let primary = primary_name_server(clients, id, zone.name()).await?;
    let tags = zone_tags(clients, &[clean_zone_id(zone.id())])
        .await?
        .into_values()
        .next()
        .unwrap_or_default();
    let delegation = out.delegation_set();
    Ok(Some(
        Read {
            zone,
            delegation_set_id: delegation
                .and_then(|d| d.id())
                .filter(|id| !id.is_empty())
                .map(|id| id.trim_start_matches("/delegationset/").to_string()),
            name_servers: Some(
                delegation
                    .map(|d| d.name_servers().to_vec())
                    .unwrap_or_default(),
            ),
            primary_name_server: primary,
            vpcs: Some(vpc_list(out.vpcs())),
            accelerated_recovery: Some(accelerated_recovery(zone).unwrap_or(false)),
            tags,
        }
        .state(clients),
    ))
}

/// Whether a zone's accelerated recovery is on or being turned on; `None`
/// when the answer does not say.
fn accelerated_recovery(zone: &HostedZone) -> Option<bool> {
    let status = zone.features()?.accelerated_recovery_status()?;
    Some(matches!(
        status,
        AcceleratedRecoveryStatus::Enabled | AcceleratedRecoveryStatus::Enabling
    ))
}

/// Turns accelerated recovery on or off.
async fn set_accelerated_recovery(
    clients: &Clients,
    id: &str,
    enabled: bool,
) -> Result<(), ProviderError> {
    let r53 = &clients.route53;
    clients
        .call("route53", "UpdateHostedZoneFeatures", || {
            r53.update_hosted_zone_features()
                .hosted_zone_id(id)
                .enable_accelerated_recovery(enabled)
                .send()
        })
        .await?;
    Ok(())
}

/// The VPCs of a private zone (GetHostedZone); `None` when it is gone.
async fn zone_vpcs(
    clients: &Clients,
    id: &str,
) -> Result<Option<Vec<(String, Option<String>)>>, ProviderError> {
    let r53 = &clients.route53;
    Ok(clients
        .call("route53", "GetHostedZone", || {
            r53.get_hosted_zone().id(id).send()
        })
        .await
        .or_gone()?
        .map(|out| vpc_list(out.vpcs())))
}

fn vpc_list(vpcs: &[Vpc]) -> Vec<(String, Option<String>)> {
    vpcs.iter()
        .filter_map(|v| {
            Some((
                v.vpc_id()?.to_string(),
                v.vpc_region().map(|r| r.as_str().to_string()),
            ))
        })
        .collect()
}

/// The name server the zone's SOA record names first.
async fn primary_name_server(
    clients: &Clients,
    id: &str,
    name: &str,
) -> Result<Option<String>, ProviderError> {
    let r53 = &clients.route53;
    let out = clients
        .call("route53", "ListResourceRecordSets", || {
            r53.list_resource_record_sets()
                .hosted_zone_id(id)
                .start_record_name(name)
                .start_record_type(RrType::Soa)
                .max_items(1)
                .send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        let soa = out
            .resource_record_sets()
            .iter()
            .find(|r| r.r#type() == &RrType::Soa)?;
        let value = soa.resource_records().first()?.value();
        value
            .split_whitespace()
            .next()
            .map(|ns| ns.trim_end_matches('.').to_string())
    }))
}

/// Every zone of the account, one page at a time.
async fn list_zones(clients: &Clients) -> Result<Vec<HostedZone>, ProviderError> {
    let r53 = &clients.route53;
    Ok(pages(|marker| async move {
        let out = clients
            .call("route53", "ListHostedZones", || {
                r53.list_hosted_zones().set_marker(marker.clone()).send()
            })
            .await?;
        let next = out
            .is_truncated()
            .then(|| out.next_marker().map(str::to_string))
            .flatten();
        Ok::<_, AwsError>((out.hosted_zones().to_vec(), next))
    })
    .await?)
}

/// The zones `ids` name, from one listing: tags ten zones a call, and
/// GetHostedZone only for private zones (for their VPCs).
async fn listed_zones(
    clients: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let wanted: Vec<HostedZone> = list_zones(clients)
        .await?
        .into_iter()
        .filter(|z| ids.contains(&clean_zone_id(z.id())))
        .collect();
    let wanted_ids: Vec<String> = wanted.iter().map(|z| clean_zone_id(z.id())).collect();
    let mut tags = zone_tags(clients, &wanted_ids).await?;
    let mut out = BTreeMap::new();
    for zone in &wanted {
        let id = clean_zone_id(zone.id());
        let is_private = zone.config().is_some_and(|c| c.private_zone());
        let vpcs = if is_private {
            match zone_vpcs(clients, &id).await? {
                Some(vpcs) => vpcs,
                // Deleted since the listing.
                None => continue,
            }
        } else {
            Vec::new()
        };
        let read = Read {
            zone,
            delegation_set_id: None,
            name_servers: None,
            primary_name_server: None,
            vpcs: Some(vpcs),
            accelerated_recovery: accelerated_recovery(zone),
            tags: tags.remove(&id).unwrap_or_default(),
        };
        out.insert(id, read.state(clients));
    }
    Ok(out)
}

async fn associate(clients: &Clients, id: &str, vpc: &ZoneVpc) -> Result<(), ProviderError> {
    let r53 = &clients.route53;
    let vpc = sdk_vpc(clients, vpc);
    let out = clients
        .call("route53", "AssociateVPCWithHostedZone", || {
            r53.associate_vpc_with_hosted_zone()
                .hosted_zone_id(id)
                .vpc(vpc.clone())
                .send()
        })
        .await?;
    match out.change_info() {
        Some(change) => wait_in_sync(clients, change.id(), &|_| {}).await,
        None => Ok(()),
    }
}

async fn disassociate(clients: &Clients, id: &str, vpc: &ZoneVpc) -> Result<(), ProviderError> {
    let r53 = &clients.route53;
    let vpc = sdk_vpc(clients, vpc);
    clients
        .call("route53", "DisassociateVPCFromHostedZone", || {
            r53.disassociate_vpc_from_hosted_zone()
                .hosted_zone_id(id)
                .vpc(vpc.clone())
                .send()
        })
        .await
        .gone_ok()
}

/// Deletes every record of the zone but its own NS and SOA records, which
/// Route 53 deletes with the zone (`force_destroy`).
async fn delete_records(clients: &Clients, id: &str) -> Result<(), ProviderError> {
    let r53 = &clients.route53;
    let Some(zone) = get_zone(clients, id).await? else {
        return Ok(());
    };
    let apex = str_attr(&zone, "name").unwrap_or_default();
    let records = super::record::list_records(clients, id).await?;
    let doomed: Vec<_> = records
        .into_iter()
        .filter(|r| {
            let at_apex = normalize_name(&super::unescape_name(r.name())) == apex;
            !(at_apex && matches!(r.r#type(), RrType::Ns | RrType::Soa))
        })
        .collect();
    for chunk in doomed.chunks(super::record::CHANGES_PER_BATCH) {
        let batch = super::record::delete_batch(chunk)?;
        clients
            .call("route53", "ChangeResourceRecordSets", || {
                r53.change_resource_record_sets()
                    .hosted_zone_id(id)
                    .change_batch(batch.clone())
                    .send()
            })
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Managed for Zone {
    fn type_name(&self) -> &'static str {
        "aws_route53_zone"
    }

    fn noun(&self) -> &'static str {
        "hosted zone"
    }

    fn schema(&self) -> Schema {
        Schema::new("A Route 53 hosted zone: public, or private to the VPCs of its `vpc` blocks.")
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .force_new()
                    .describe("The zone's domain name, e.g. \"example.com\"."),
            )
            .attr(
                AttributeSchema::optional("comment", AttrType::String)
                    .default(DEFAULT_COMMENT)
                    .describe("A comment on the zone."),
            )
            .attr(
                AttributeSchema::optional("delegation_set_id", AttrType::String)
                    .force_new()
                    .describe("A reusable delegation set whose name servers the public zone uses."),
            )
            .attr(
                AttributeSchema::optional_computed("enable_accelerated_recovery", AttrType::Bool)
                    .describe("Keep the zone changeable through a regional outage of Route 53's control plane (default false)."),
            )
            .attr(
                AttributeSchema::optional("force_destroy", AttrType::Bool)
                    .default(false)
                    .describe("Delete every record of the zone (even those made elsewhere) when deleting it."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The zone id."))
            .attr(
                AttributeSchema::computed("zone_id", AttrType::String)
                    .describe("The zone id, what records name."),
            )
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The zone's ARN."))
            .attr(
                AttributeSchema::computed("name_servers", AttrType::list_of(AttrType::String))
                    .describe("The name servers of the zone's delegation set."),
            )
            .attr(
                AttributeSchema::computed("primary_name_server", AttrType::String)
                    .describe("The name server that created the SOA record."),
            )
            .block(vpc_block())
            .block(timeouts_block())
    }

    /// Plans by the schema with the name as the state keeps it, the VPCs'
    /// default regions, and a replacement when the zone would change
    /// between public and private.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut config = request.config.clone();
        plan_name(&mut config);
        plan_vpc_regions(&mut config, request.prior);
        let mut response = plan_by_schema(schema, request.prior, &config);
        if let Some(prior) = request.prior {
            let has_vpc = |v: &Value| v.get_attr("vpc").is_some_and(|b| !b.is_unknown());
            if has_vpc(&config) && private(prior) != private(&config) {
                response.requires_replace.push("vpc".to_string());
            }
        }
        response
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&ZoneTags)
    }

    fn kept(&self) -> &'static [&'static str] {
        &["force_destroy", "timeouts"]
    }

    fn carried(&self) -> &'static [&'static str] {
        &[
            "name_servers",
            "delegation_set_id",
            "primary_name_server",
            "enable_accelerated_recovery",
        ]
    }

    /// The caller reference is the operation id: a zone found with it was
    /// made by this create.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let vpcs = vpcs(planned);
        let config = HostedZoneConfig::builder()
            .comment(str_attr(planned, "comment").unwrap_or_default())
            .private_zone(!vpcs.is_empty())
            .build();
        let first_vpc = vpcs.iter().next().map(|v| sdk_vpc(clients, v));
        let r53 = &clients.route53;
        let made = clients
            .create(
                "route53",
                "CreateHostedZone",
                || {
                    r53.create_hosted_zone()
                        .name(&name)
                        .caller_reference(request.operation_id)
                        .hosted_zone_config(config.clone())
                        .set_vpc(first_vpc.clone())
                        .set_delegation_set_id(str_attr(planned, "delegation_set_id"))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        let (id, change) = match made {
            crate::aws::retry::Created::Sent(out) => (
                out.hosted_zone().map(|z| clean_zone_id(z.id())),
                out.change_info().map(|c| c.id().to_string()),
            ),
            crate::aws::retry::Created::Found(id) => (Some(id), None),
        };
        let id = id.ok_or_else(|| ProviderError::new("CreateHostedZone returned no zone"))?;
        if let Some(change) = change {
            let progress = |status: &str| {
                if let Some(p) = &request.progress {
                    p(status)
                }
            };
            wait_in_sync(clients, &change, &progress)
                .await
                .map_err(|e| e.with_partial_state(object([("id", string(&id))])))?;
        }
        Ok(Made::id(&id).with("zone_id", string(&id)))
    }

    /// The VPCs after the first, and the tags, which CreateHostedZone
    /// does not take.
    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        for vpc in vpcs(planned).iter().skip(1) {
            associate(clients, id, vpc).await?;
        }
        let tags = crate::aws::values::string_map_attr(planned, "tags");
        if !tags.is_empty() {
            ZoneTags.update(clients, id, &tags, &[]).await?;
        }
        if bool_attr(planned, "enable_accelerated_recovery") == Some(true) {
            set_accelerated_recovery(clients, id, true).await?;
        }
        Ok(())
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let r53 = &clients.route53;
        if str_attr(prior, "comment") != str_attr(planned, "comment") {
            let comment = str_attr(planned, "comment").unwrap_or_default();
            clients
                .call("route53", "UpdateHostedZoneComment", || {
                    r53.update_hosted_zone_comment()
                        .id(id)
                        .comment(&comment)
                        .send()
                })
                .await?;
        }
        let recovery = bool_attr(planned, "enable_accelerated_recovery");
        if let Some(enabled) =
            recovery.filter(|e| Some(*e) != bool_attr(prior, "enable_accelerated_recovery"))
        {
            set_accelerated_recovery(clients, id, enabled).await?;
        }
        let by_id = |set: BTreeSet<ZoneVpc>| -> BTreeMap<String, ZoneVpc> {
            set.into_iter().map(|v| (v.id.clone(), v)).collect()
        };
        let (old, new) = (by_id(vpcs(prior)), by_id(vpcs(planned)));
        // Associations first: a private zone must keep at least one VPC.
        for (vpc_id, vpc) in &new {
            if !old.contains_key(vpc_id) {
                associate(clients, id, vpc).await?;
            }
        }
        for (vpc_id, vpc) in &old {
            if !new.contains_key(vpc_id) {
                disassociate(clients, id, vpc).await?;
            }
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if bool_attr(prior, "force_destroy").unwrap_or(false) {
            delete_records(clients, id).await?;
        }
        let r53 = &clients.route53;
        clients
            .call("route53", "DeleteHostedZone", || {
                r53.delete_hosted_zone().id(id).send()
            })
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        crate::aws::managed::one_or_all(
            ids,
            |id| async move { get_zone(clients, &id).await },
            || listed_zones(clients, ids),
        )
        .await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        Ok(list_zones(clients)
            .await?
            .iter()
            .find(|z| z.caller_reference() == operation_id)
            .map(|z| clean_zone_id(z.id())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone_config(vpcs: &[(&str, Option<&str>)]) -> Value {
        object([
            ("name", string("Example.COM.")),
            (
                "vpc",
                vpc_value(
                    vpcs.iter()
                        .map(|(id, r)| (id.to_string(), r.map(str::to_string))),
                ),
            ),
        ])
    }

    #[test]
    fn planned_names_lose_the_trailing_dot_and_case() {
        let mut config = zone_config(&[]);
        plan_name(&mut config);
        assert_eq!(str_attr(&config, "name").as_deref(), Some("example.com"));
    }

    #[test]
    fn unset_vpc_regions_come_from_the_prior_association_or_are_unknown() {
        let prior = zone_config(&[("vpc-1", Some("eu-west-1"))]);
        let mut config = zone_config(&[
            ("vpc-1", None),
            ("vpc-2", None),
            ("vpc-3", Some("us-east-2")),
        ]);
        plan_vpc_regions(&mut config, Some(&prior));
        let regions: BTreeMap<String, Value> = blocks_attr(&config, "vpc")
            .iter()
            .map(|b| {
                (
                    str_attr(b, "vpc_id").unwrap(),
                    b.get_attr("vpc_region").cloned().unwrap(),
                )
            })
            .collect();
        assert_eq!(regions["vpc-1"], string("eu-west-1"));
        assert!(regions["vpc-2"].is_unknown());
        assert_eq!(regions["vpc-3"], string("us-east-2"));
    }

    #[test]
    fn turning_a_public_zone_private_replaces_it() {
        let schema = Zone.schema();
        let prior = {
            let mut p = zone_config(&[]);
            plan_name(&mut p);
            p
        };
        let config = zone_config(&[("vpc-1", Some("us-east-1"))]);
        let response = Zone.plan(
            &schema,
            PlanRequest {
                type_name: "aws_route53_zone",
                prior: Some(&prior),
                config: &config,
                prior_private: None,
            },
        );
        assert!(response.requires_replace.contains(&"vpc".to_string()));
    }
}
