//! `aws_security_group` with inline `ingress`/`egress` rule blocks.
//!
//! Rules are a set: a change revokes the rules that went away and
//! authorizes the new ones, in place. The group's name, description and VPC
//! cannot change. As Terraform does, the allow-all egress rule AWS adds to
//! every new VPC group is removed on create, so that the configured `egress`
//! blocks are the whole truth.
//!
//! A rule block is `{from_port, to_port, protocol, cidr_blocks, description}`;
//! AWS stores one permission per protocol and port range with a description
//! per address range, so reading groups the ranges back by description.
//! Rules that reference other groups or prefix lists are not modelled and
//! are left alone.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, UserIdGroupPair,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Made, Managed, Tagging};
use crate::aws::retry::Poll;
use crate::aws::values::{
    blocks_attr, number_attr, object, opt_string, str_attr, string, strings_attr, tags_attribute,
    timeout,
};
use crate::aws::Clients;

pub struct SecurityGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by stack";

fn rule_block(name: &'static str) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: Schema::new("A traffic rule.")
            .attr(
                AttributeSchema::required("from_port", AttrType::Number)
                    .describe("The first port (or ICMP type) of the range."),
            )
            .attr(
                AttributeSchema::required("to_port", AttrType::Number)
                    .describe("The last port (or ICMP code) of the range."),
            )
            .attr(
                AttributeSchema::required("protocol", AttrType::String)
                    .describe("\"tcp\", \"udp\", \"icmp\", a protocol number, or \"-1\" for all."),
            )
            .attr(
                AttributeSchema::optional("cidr_blocks", AttrType::set_of(AttrType::String))
                    .describe("The IPv4 address ranges the rule applies to."),
            )
            .attr(
                AttributeSchema::optional("ipv6_cidr_blocks", AttrType::set_of(AttrType::String))
                    .describe("The IPv6 address ranges the rule applies to."),
            )
            .attr(
                AttributeSchema::optional("prefix_list_ids", AttrType::set_of(AttrType::String))
                    .describe("The prefix lists the rule applies to."),
            )
            .attr(
                AttributeSchema::optional("security_groups", AttrType::set_of(AttrType::String))
                    .describe("Other security groups (ids) whose members the rule applies to."),
            )
            .attr(
                AttributeSchema::optional("self", AttrType::Bool)
                    .default(false)
                    .describe("Whether the group's own members are a source."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .describe("A description of the rule."),
            ),
    }
}

#[async_trait]
impl Managed for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn noun(&self) -> &'static str {
        "security group"
    }

    fn schema(&self) -> Schema {
        Schema::new("A security group: a stateful firewall for machines in a VPC.")
            .attr(
                AttributeSchema::optional_computed("name", AttrType::String)
                    .force_new()
                    .describe("The group's name; generated when unset."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", AttrType::String)
                    .force_new()
                    .describe("A prefix for a generated name (instead of name)."),
            )
            .attr(
                AttributeSchema::optional("revoke_rules_on_delete", AttrType::Bool)
                    .default(false)
                    .describe("Revoke every rule before deleting the group (for rules that reference it from other groups)."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .force_new()
                    .default(DEFAULT_DESCRIPTION)
                    .describe("The group's description."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc_id", AttrType::String)
                    .force_new()
                    .describe("The VPC of the group; the default VPC when unset."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The group id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The group's ARN."))
            .attr(
                AttributeSchema::computed("owner_id", AttrType::String)
                    .describe("The account that owns the group."),
            )
            .block(rule_block("ingress"))
            .block(rule_block("egress"))
            .block(crate::aws::values::timeouts_block())
    }

    /// Plans by the schema, then writes the rules in the canonical form that
    /// reading produces (protocol names, ports of all-protocol rules, empty
    /// descriptions), so that equal rules compare equal.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        if let Value::Map(planned) = &mut response.planned {
            for name in ["ingress", "egress"] {
                // As in Terraform's provider, a group configured without
                // any block of a kind leaves that kind's rules alone: they
                // may be managed by separate rule resources.
                if blocks_attr(request.config, name).is_empty() {
                    let prior = request
                        .prior
                        .filter(|_| response.requires_replace.is_empty())
                        .and_then(|p| p.get_attr(name))
                        .cloned();
                    planned.insert(name.to_string(), prior.unwrap_or(Value::Unknown));
                    continue;
                }
                if let Some(rules) = planned.get(name) {
                    let normalized = normalize_rules(rules);
                    planned.insert(name.to_string(), normalized);
                }
            }
        }
        response
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    fn kept(&self) -> &'static [&'static str] {
        &["timeouts", "name_prefix", "revoke_rules_on_delete"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = str_attr(planned, "name").unwrap_or_else(|| generated_name(request, planned));
        let description =
            str_attr(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.to_string());
        let vpc_id = str_attr(planned, "vpc_id");
        let tags = tag_specification(ResourceType::SecurityGroup, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateSecurityGroup",
                || {
                    ec2.create_security_group()
                        .group_name(&name)
                        .description(&description)
                        .set_vpc_id(vpc_id.clone())
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::SecurityGroup, request.operation_id),
            )
            .await?
            .found_or(|out| out.group_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("CreateSecurityGroup returned no group id"))?;
        Ok(Made::id(id).with("name", string(name)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        set_rules(clients, id, planned).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        for (name, direction) in [
            ("ingress", Direction::Ingress),
            ("egress", Direction::Egress),
        ] {
            let before = rules_of(prior, name);
            let after = rules_of(planned, name);
            let gone: Vec<Rule> = before
                .iter()
                .filter(|r| !after.contains(r))
                .cloned()
                .collect();
            let new: Vec<Rule> = after
                .iter()
                .filter(|r| !before.contains(r))
                .cloned()
                .collect();
            // Revoking first lets a rule that only changed its description
            // be authorized again for the same address range.
            revoke(clients, id, direction, permissions(&gone, id)).await?;
            authorize(clients, id, direction, permissions(&new, id)).await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if crate::aws::values::bool_attr(prior, "revoke_rules_on_delete") == Some(true) {
            revoke_all(clients, id).await?;
        }
        let ec2 = &clients.ec2;
        let progress = super::progress(request);
        // A group stays in use for a while after its instances terminate;
        // AWS answers DependencyViolation until then, so that is waited out.
        clients
            .wait(
                &format!("security group {id} to be deleted"),
                timeout(prior, "delete", std::time::Duration::from_secs(15 * 60)),
                &progress,
                || async {
                    match clients
                        .call("ec2", "DeleteSecurityGroup", || {
                            ec2.delete_security_group().group_id(id).send()
                        })
                        .await
                    {
                        Ok(_) => Ok(Poll::Ready(())),
                        Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                        Err(e) if e.code.as_deref() == Some("DependencyViolation") => {
                            Ok(Poll::Pending("still in use".to_string()))
                        }
                        Err(e) => Err(e.into()),
                    }
                },
            )
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let groups = describe_groups(clients, ids).await?;
        Ok(groups
            .iter()
            .filter_map(|g| Some((g.group_id()?.to_string(), group_state(clients, g))))
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::SecurityGroup, operation_id).await
    }
}

/// Replaces the rules of a new group with the configured ones. The default
/// allow-all egress rule goes, so that only configured rules remain (what
/// Terraform does too).
async fn set_rules(clients: &Clients, id: &str, planned: &Value) -> Result<(), ProviderError> {
    if let Some(fresh) = describe_groups(clients, &[id.to_string()]).await?.first() {
        let default_egress: Vec<IpPermission> = fresh.ip_permissions_egress().to_vec();
        revoke(clients, id, Direction::Egress, default_egress).await?;
    }
    let ingress = permissions(&rules_of(planned, "ingress"), id);
    authorize(clients, id, Direction::Ingress, ingress).await?;
    let egress = permissions(&rules_of(planned, "egress"), id);
    authorize(clients, id, Direction::Egress, egress).await
}

/// Revokes every rule of the group, for `revoke_rules_on_delete`.
async fn revoke_all(clients: &Clients, id: &str) -> Result<(), ProviderError> {
    if let Some(group) = describe_groups(clients, &[id.to_string()]).await?.first() {
        revoke(
            clients,
            id,
            Direction::Ingress,
            group.ip_permissions().to_vec(),
        )
        .await?;
        revoke(
            clients,
            id,
            Direction::Egress,
            group.ip_permissions_egress().to_vec(),
        )
        .await?;
    }
    Ok(())
}

/// A name for a group the user did not name: unique per create operation,
/// so that retrying the same operation finds the same name taken rather
/// than creating a second group.
fn generated_name(request: &ApplyRequest<'_>, planned: &Value) -> String {
    let id: String = request
        .operation_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    match str_attr(planned, "name_prefix") {
        Some(prefix) => format!("{prefix}{id}"),
        None if id.starts_with("stack-") => id,
        None => format!("stack-{id}"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

/// One rule in canonical form: its sources sorted, and `self` as a flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    protocol: String,
    from_port: i32,
    to_port: i32,
    cidr_blocks: Vec<String>,
    ipv6_cidr_blocks: Vec<String>,
    prefix_list_ids: Vec<String>,
    security_groups: Vec<String>,
    self_source: bool,
    description: Option<String>,
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

impl Rule {
    fn from_value(value: &Value) -> Option<Rule> {
        let protocol = normalize_protocol(&str_attr(value, "protocol")?);
        let (from_port, to_port) = if protocol == "-1" {
            (0, 0)
        } else {
            (
                number_attr(value, "from_port")? as i32,
                number_attr(value, "to_port")? as i32,
            )
        };
        Some(Rule {
            protocol,
            from_port,
            to_port,
            cidr_blocks: sorted(strings_attr(value, "cidr_blocks")),
            ipv6_cidr_blocks: sorted(strings_attr(value, "ipv6_cidr_blocks")),
            prefix_list_ids: sorted(strings_attr(value, "prefix_list_ids")),
            security_groups: sorted(strings_attr(value, "security_groups")),
            self_source: crate::aws::values::bool_attr(value, "self") == Some(true),
            description: str_attr(value, "description").filter(|d| !d.is_empty()),
        })
    }

    fn to_value(&self) -> Value {
        let set = |items: &[String]| crate::aws::values::string_set(items.to_vec());
        object([
            ("protocol", string(&self.protocol)),
            ("from_port", Value::number(self.from_port)),
            ("to_port", Value::number(self.to_port)),
            ("cidr_blocks", set(&self.cidr_blocks)),
            ("ipv6_cidr_blocks", set(&self.ipv6_cidr_blocks)),
            ("prefix_list_ids", set(&self.prefix_list_ids)),
            ("security_groups", set(&self.security_groups)),
            ("self", Value::Bool(self.self_source)),
            ("description", opt_string(self.description.clone())),
        ])
    }

    fn has_source(&self) -> bool {
        !(self.cidr_blocks.is_empty()
            && self.ipv6_cidr_blocks.is_empty()
            && self.prefix_list_ids.is_empty()
            && self.security_groups.is_empty()
            && !self.self_source)
    }
}

/// Protocol names as AWS reports them: numbers of the named protocols
/// become names, and "all" is "-1".
fn normalize_protocol(protocol: &str) -> String {
    match protocol.trim().to_ascii_lowercase().as_str() {
        "6" | "tcp" => "tcp".to_string(),
        "17" | "udp" => "udp".to_string(),
        "1" | "icmp" => "icmp".to_string(),
        "all" | "-1" => "-1".to_string(),
        other => other.to_string(),
    }
}

/// Rewrites configured rule objects into the canonical form. Rules that are
/// not wholly known yet stay as they are; apply sees them known.
fn normalize_rules(rules: &Value) -> Value {
    let Some(items) = rules.peel().as_list() else {
        return rules.clone();
    };
    Value::set_from(
        items
            .iter()
            .map(|item| {
                if !item.is_wholly_known() {
                    return item.clone();
                }
                Rule::from_value(item)
                    .map(|r| r.to_value())
                    .unwrap_or_else(|| item.clone())
            })
            .collect(),
    )
}

fn rules_of(value: &Value, name: &str) -> Vec<Rule> {
    blocks_attr(value, name)
        .iter()
        .filter_map(Rule::from_value)
        .collect()
}

/// The permissions of `rules` for the group `group_id` (`self` names it).
fn permissions(rules: &[Rule], group_id: &str) -> Vec<IpPermission> {
    rules
        .iter()
        .filter(|r| r.has_source())
        .map(|r| {
            let description = || r.description.clone();
            let v4 = r.cidr_blocks.iter().map(|c| {
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description())
                    .build()
            });
            let v6 = r.ipv6_cidr_blocks.iter().map(|c| {
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description())
                    .build()
            });
            let lists = r.prefix_list_ids.iter().map(|p| {
                PrefixListId::builder()
                    .prefix_list_id(p)
                    .set_description(description())
                    .build()
            });
            let own = r.self_source.then(|| group_id.to_string());
            let groups = r.security_groups.iter().cloned().chain(own).map(|g| {
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(description())
                    .build()
            });
            let builder = IpPermission::builder()
                .ip_protocol(&r.protocol)
                .set_ip_ranges(Some(v4.collect()))
                .set_ipv6_ranges(Some(v6.collect()))
                .set_prefix_list_ids(Some(lists.collect()))
                .set_user_id_group_pairs(Some(groups.collect()));
            if r.protocol == "-1" {
                builder.build()
            } else {
                builder.from_port(r.from_port).to_port(r.to_port).build()
            }
        })
        .collect()
}

/// Where a rule lets traffic come from (or go to).
enum Source {
    V4(String),
    V6(String),
    List(String),
    Group(String),
    Own,
}

/// Rules as the user writes them, from the permissions AWS reports for the
/// group `group_id`: the sources of one permission with the same
/// description form one rule.
fn rules_from(permissions: &[IpPermission], group_id: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for permission in permissions {
        let protocol = normalize_protocol(permission.ip_protocol().unwrap_or("-1"));
        let (from_port, to_port) = if protocol == "-1" {
            (0, 0)
        } else {
            (
                permission.from_port().unwrap_or(0),
                permission.to_port().unwrap_or(0),
            )
        };
        let text = |d: Option<&str>| d.filter(|d| !d.is_empty()).map(String::from);
        let mut sources: Vec<(Option<String>, Source)> = Vec::new();
        for range in permission.ip_ranges() {
            if let Some(cidr) = range.cidr_ip() {
                sources.push((text(range.description()), Source::V4(cidr.to_string())));
            }
        }
        for range in permission.ipv6_ranges() {
            if let Some(cidr) = range.cidr_ipv6() {
                sources.push((text(range.description()), Source::V6(cidr.to_string())));
            }
        }
        for list in permission.prefix_list_ids() {
            if let Some(id) = list.prefix_list_id() {
                sources.push((text(list.description()), Source::List(id.to_string())));
            }
        }
        for pair in permission.user_id_group_pairs() {
            if let Some(id) = pair.group_id() {
                let source = if id == group_id {
                    Source::Own
                } else {
                    Source::Group(id.to_string())
                };
                sources.push((text(pair.description()), source));
            }
        }
        let mut by_description: BTreeMap<Option<String>, Rule> = BTreeMap::new();
        for (description, source) in sources {
            let rule = by_description
                .entry(description.clone())
                .or_insert_with(|| Rule {
                    protocol: protocol.clone(),
                    from_port,
                    to_port,
                    description,
                    ..Rule::default()
                });
            match source {
                Source::V4(c) => rule.cidr_blocks.push(c),
                Source::V6(c) => rule.ipv6_cidr_blocks.push(c),
                Source::List(p) => rule.prefix_list_ids.push(p),
                Source::Group(g) => rule.security_groups.push(g),
                Source::Own => rule.self_source = true,
            }
        }
        for rule in by_description.values_mut() {
            for list in [
                &mut rule.cidr_blocks,
                &mut rule.ipv6_cidr_blocks,
                &mut rule.prefix_list_ids,
                &mut rule.security_groups,
            ] {
                *list = sorted(std::mem::take(list));
            }
        }
        rules.extend(by_description.into_values());
    }
    rules
}

async fn authorize(
    clients: &Clients,
    id: &str,
    direction: Direction,
    permissions: Vec<IpPermission>,
) -> Result<(), ProviderError> {
    if permissions.is_empty() {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    match direction {
        Direction::Ingress => {
            clients
                .call("ec2", "AuthorizeSecurityGroupIngress", || {
                    ec2.authorize_security_group_ingress()
                        .group_id(id)
                        .set_ip_permissions(Some(permissions.clone()))
                        .send()
                })
                .await?;
        }
        Direction::Egress => {
            clients
                .call("ec2", "AuthorizeSecurityGroupEgress", || {
                    ec2.authorize_security_group_egress()
                        .group_id(id)
                        .set_ip_permissions(Some(permissions.clone()))
                        .send()
                })
                .await?;
        }
    }
    Ok(())
}

async fn revoke(
    clients: &Clients,
    id: &str,
    direction: Direction,
    permissions: Vec<IpPermission>,
) -> Result<(), ProviderError> {
    if permissions.is_empty() {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    let result = match direction {
        Direction::Ingress => clients
            .call("ec2", "RevokeSecurityGroupIngress", || {
                ec2.revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(permissions.clone()))
                    .send()
            })
            .await
            .map(|_| ()),
        Direction::Egress => clients
            .call("ec2", "RevokeSecurityGroupEgress", || {
                ec2.revoke_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(permissions.clone()))
                    .send()
            })
            .await
            .map(|_| ()),
    };
    match result {
        // A rule already gone (removed outside stack) is what we wanted.
        Err(e) if e.code.as_deref() == Some("InvalidPermission.NotFound") => Ok(()),
        other => other.map_err(Into::into),
    }
}

/// Describes the groups `ids` name, 200 ids and one page per call.
async fn describe_groups(
    clients: &Clients,
    ids: &[String],
) -> Result<Vec<aws_sdk_ec2::types::SecurityGroup>, ProviderError> {
    let ec2 = &clients.ec2;
    Ok(
        describe_by_filter(ids, "group-id", |filter, token| async move {
            let page = clients
                .call("ec2", "DescribeSecurityGroups", || {
                    ec2.describe_security_groups()
                        .filters(filter.clone())
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok((
                page.security_groups().to_vec(),
                page.next_token().map(str::to_string),
            ))
        })
        .await?,
    )
}

fn group_state(clients: &Clients, group: &aws_sdk_ec2::types::SecurityGroup) -> Value {
    let id = group.group_id().unwrap_or_default();
    let arn = match group.security_group_arn() {
        Some(a) => string(a),
        None => arn(clients, group.owner_id(), "security-group", id),
    };
    let rules = |permissions: &[IpPermission]| {
        Value::set_from(
            rules_from(permissions, id)
                .iter()
                .map(Rule::to_value)
                .collect(),
        )
    };
    object([
        ("id", string(id)),
        ("arn", arn),
        ("name", opt_string(group.group_name())),
        ("description", opt_string(group.description())),
        ("vpc_id", opt_string(group.vpc_id())),
        ("owner_id", opt_string(group.owner_id())),
        ("ingress", rules(group.ip_permissions())),
        ("egress", rules(group.ip_permissions_egress())),
        ("tags", tags_value(group.tags())),
        ("timeouts", Value::Null),
        // Kept arguments: what a refresh finds in state wins; an import
        // takes the defaults.
        ("name_prefix", Value::Null),
        ("revoke_rules_on_delete", Value::Bool(false)),
    ])
}
#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: f64, to: f64, cidrs: &[&str]) -> Value {
        object([
            ("protocol", string(protocol)),
            ("from_port", Value::number(from)),
            ("to_port", Value::number(to)),
            (
                "cidr_blocks",
                Value::List(cidrs.iter().map(|c| string(*c)).collect()),
            ),
        ])
    }

    #[test]
    fn configured_rules_take_the_form_aws_reports() {
        let configured = Value::set_from(vec![
            rule("6", 443.0, 443.0, &["10.0.0.0/8", "0.0.0.0/0"]),
            rule("all", 0.0, 65535.0, &["0.0.0.0/0"]),
        ]);
        let normalized = normalize_rules(&configured);
        let read_back = Value::set_from(
            rules_from(
                &permissions(
                    &rules_of(&object([("ingress", normalized.clone())]), "ingress"),
                    "sg-1",
                ),
                "sg-1",
            )
            .iter()
            .map(Rule::to_value)
            .collect(),
        );
        assert_eq!(normalized, read_back);
        let rules = rules_of(&object([("ingress", normalized)]), "ingress");
        assert!(rules
            .iter()
            .any(|r| r.protocol == "tcp" && r.cidr_blocks == ["0.0.0.0/0", "10.0.0.0/8"]));
        assert!(rules
            .iter()
            .any(|r| r.protocol == "-1" && r.from_port == 0 && r.to_port == 0));
    }

    #[test]
    fn ranges_with_different_descriptions_are_separate_rules() {
        let permission = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ip_ranges(
                IpRange::builder()
                    .cidr_ip("10.0.0.0/8")
                    .description("office")
                    .build(),
            )
            .ip_ranges(IpRange::builder().cidr_ip("192.168.0.0/16").build())
            .build();
        let rules = rules_from(&[permission], "sg-1");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].description, None);
        assert_eq!(rules[1].description.as_deref(), Some("office"));
    }

    #[test]
    fn unknown_rules_are_kept_for_apply() {
        let configured = Value::set_from(vec![object([
            ("protocol", string("tcp")),
            ("from_port", Value::number(80.0)),
            ("to_port", Value::number(80.0)),
            ("cidr_blocks", Value::Unknown),
        ])]);
        let normalized = normalize_rules(&configured);
        assert!(!normalized.is_wholly_known());
    }
}
