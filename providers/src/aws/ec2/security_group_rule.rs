//! Security group rules as resources of their own: the older
//! `aws_security_group_rule` (one resource, possibly many address ranges)
//! and `aws_vpc_security_group_ingress_rule` /
//! `aws_vpc_security_group_egress_rule` (one resource, one AWS rule with its
//! own `sgr-` id and tags).
//!
//! Both are read through DescribeSecurityGroupRules, which reports one rule
//! per source (an IPv4 or IPv6 range, a prefix list or another group): a
//! refresh of any number of rules costs one call per 200 groups (or rule
//! ids) and page. Creates carry the intent tag on the AWS rules
//! (`TagSpecifications` of AuthorizeSecurityGroupIngress/Egress), so a rule
//! whose create answer was lost is found by it and nobody else's rule is
//! adopted (the [`crate::aws::INTENT_TAG`]).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroupRule as SdkRule,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate, TagSpecification, UserIdGroupPair,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::{describe_by_filter, tag_specification, tags_value, Ec2Tags};
use crate::aws::managed::{Made, Managed, Tagging};
use crate::aws::retry::Created;
use crate::aws::values::{
    bool_attr, number_attr, object, opt_string, required_str, str_attr, string, string_list,
    strings_attr, tags_attribute, timeouts_block,
};
use crate::aws::Clients;

/// Where a rule lets traffic come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    V4(String),
    V6(String),
    PrefixList(String),
    Group(String),
}

impl Source {
    /// The source as a Terraform import id writes it.
    fn text(&self) -> &str {
        match self {
            Source::V4(s) | Source::V6(s) | Source::PrefixList(s) | Source::Group(s) => s,
        }
    }

    /// Reads a source back from its import-id text.
    fn parse(text: &str, group_id: &str) -> Source {
        if text == "self" {
            Source::Group(group_id.to_string())
        } else if text.starts_with("sg-") || text.contains("/sg-") {
            Source::Group(text.to_string())
        } else if text.starts_with("pl-") {
            Source::PrefixList(text.to_string())
        } else if text.contains(':') {
            Source::V6(text.to_string())
        } else {
            Source::V4(text.to_string())
        }
    }

    /// The source of one rule as DescribeSecurityGroupRules reports it.
    fn of(rule: &SdkRule) -> Option<Source> {
        if let Some(c) = rule.cidr_ipv4() {
            return Some(Source::V4(c.to_string()));
        }
        if let Some(c) = rule.cidr_ipv6() {
            return Some(Source::V6(c.to_string()));
        }
        if let Some(p) = rule.prefix_list_id() {
            return Some(Source::PrefixList(p.to_string()));
        }
        rule.referenced_group_info()
            .and_then(|g| g.group_id())
            .map(|g| Source::Group(g.to_string()))
    }
}

/// Protocol names as AWS reports them: numbers of the named protocols
/// become names, and "all" is "-1" (what Terraform's provider stores too).
pub(super) fn normalize_protocol(protocol: &str) -> String {
    match protocol.trim().to_ascii_lowercase().as_str() {
        "6" | "tcp" => "tcp".to_string(),
        "17" | "udp" => "udp".to_string(),
        "1" | "icmp" => "icmp".to_string(),
        "58" | "icmpv6" => "icmpv6".to_string(),
        "all" | "-1" => "-1".to_string(),
        other => other.to_string(),
    }
}

/// Writes the configured protocol `name` in the form AWS reports, before
/// planning, so that "6" against a stored "tcp" is no change.
fn normalize_planned_protocol(planned: &mut Value, name: &str) {
    if let Value::Map(map) = planned {
        if let Some(Value::String(p)) = map.get(name) {
            let normalized = normalize_protocol(p);
            map.insert(name.to_string(), Value::String(normalized));
        }
    }
}

/// One permission of `protocol` and ports for `sources`, as the Authorize
/// and Revoke calls take it. Ports are left out for all protocols ("-1").
fn permission(
    protocol: &str,
    ports: Option<(i32, i32)>,
    sources: &[Source],
    description: Option<&str>,
) -> IpPermission {
    let mut b = IpPermission::builder().ip_protocol(protocol);
    if let Some((from, to)) = ports.filter(|_| protocol != "-1") {
        b = b.from_port(from).to_port(to);
    }
    let description = description.map(str::to_string);
    for source in sources {
        b = match source {
            Source::V4(c) => b.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description.clone())
                    .build(),
            ),
            Source::V6(c) => b.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description.clone())
                    .build(),
            ),
            Source::PrefixList(p) => b.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(p)
                    .set_description(description.clone())
                    .build(),
            ),
            Source::Group(g) => {
                let (user, group) = match g.split_once('/') {
                    Some((user, group)) => (Some(user.to_string()), group.to_string()),
                    None => (None, g.clone()),
                };
                b.user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(group)
                        .set_user_id(user)
                        .set_description(description.clone())
                        .build(),
                )
            }
        };
    }
    b.build()
}

/// The intent tag on the AWS rules a create makes.
fn rule_tags(planned: &Value, operation_id: &str) -> TagSpecification {
    tag_specification(ResourceType::SecurityGroupRule, planned, operation_id)
}

/// Authorizes `permission` in or out of `group`, idempotently
/// ([`Clients::create`], with `find` looking for the rules by their intent
/// tag): the new rules' answer, or the key `find` found.
async fn authorize<R, RF>(
    clients: &Clients,
    group: &str,
    egress: bool,
    permission: IpPermission,
    tags: TagSpecification,
    find: R,
) -> Result<Created<Vec<SdkRule>, String>, crate::aws::AwsError>
where
    R: Fn() -> RF,
    RF: std::future::Future<Output = Result<Option<String>, ProviderError>>,
{
    let ec2 = &clients.ec2;
    let created = if egress {
        match clients
            .create(
                "ec2",
                "AuthorizeSecurityGroupEgress",
                || {
                    ec2.authorize_security_group_egress()
                        .group_id(group)
                        .ip_permissions(permission.clone())
                        .tag_specifications(tags.clone())
                        .send()
                },
                find,
            )
            .await?
        {
            Created::Sent(out) => Created::Sent(out.security_group_rules().to_vec()),
            Created::Found(key) => Created::Found(key),
        }
    } else {
        match clients
            .create(
                "ec2",
                "AuthorizeSecurityGroupIngress",
                || {
                    ec2.authorize_security_group_ingress()
                        .group_id(group)
                        .ip_permissions(permission.clone())
                        .tag_specifications(tags.clone())
                        .send()
                },
                find,
            )
            .await?
        {
            Created::Sent(out) => Created::Sent(out.security_group_rules().to_vec()),
            Created::Found(key) => Created::Found(key),
        }
    };
    Ok(created)
}

/// Revokes `permission`; a rule or group already gone is success.
async fn revoke(
    clients: &Clients,
    group: &str,
    egress: bool,
    permission: IpPermission,
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    let result = if egress {
        clients
            .call("ec2", "RevokeSecurityGroupEgress", || {
                ec2.revoke_security_group_egress()
                    .group_id(group)
                    .ip_permissions(permission.clone())
                    .send()
            })
            .await
            .map(|_| ())
    } else {
        clients
            .call("ec2", "RevokeSecurityGroupIngress", || {
                ec2.revoke_security_group_ingress()
                    .group_id(group)
                    .ip_permissions(permission.clone())
                    .send()
            })
            .await
            .map(|_| ())
    };
    match result {
        Err(e) if e.is_not_found() || e.code.as_deref() == Some("InvalidPermission.NotFound") => {
            Ok(())
        }
        other => other.map_err(Into::into),
    }
}

/// Every rule of the groups (`filter` = "group-id") or with the rule ids
/// (`filter` = "security-group-rule-id") in `values`: one call per 200
/// values and page.
async fn describe_rules(
    clients: &Clients,
    filter: &str,
    values: &[String],
) -> Result<Vec<SdkRule>, ProviderError> {
    let ec2 = &clients.ec2;
    Ok(describe_by_filter(values, filter, |f, token| async move {
        let page = clients
            .call("ec2", "DescribeSecurityGroupRules", || {
                ec2.describe_security_group_rules()
                    .filters(f.clone())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.security_group_rules().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?)
}

fn made_by(rule: &SdkRule, operation_id: &str) -> bool {
    super::made_by_tags(rule.tags(), operation_id)
}

/// A port as the rule reports it; AWS answers -1 for "all ports".
fn port_value(port: Option<i32>) -> Value {
    port.map(|p| Value::number(f64::from(p)))
        .unwrap_or(Value::Null)
}

fn port_attr(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

// --------------------------------------------------------------------------
// aws_security_group_rule
// --------------------------------------------------------------------------

/// `aws_security_group_rule`: one rule of a group, for any number of
/// sources. Everything but the description is force-new, as in Terraform's
/// provider; the description changes in place
/// (UpdateSecurityGroupRuleDescriptions*).
pub struct GroupRule;

/// What one `aws_security_group_rule` is, parsed from its key: the
/// Terraform import id `SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE...]`.
#[derive(Debug, Clone, PartialEq)]
struct RuleKey {
    group: String,
    egress: bool,
    protocol: String,
    from: i32,
    to: i32,
    sources: Vec<Source>,
    is_self: bool,
}

impl RuleKey {
    fn parse(key: &str) -> Option<RuleKey> {
        let parts: Vec<&str> = key.split('_').collect();
        let [group, kind, protocol, from, to, sources @ ..] = parts.as_slice() else {
            return None;
        };
        if sources.is_empty() {
            return None;
        }
        let egress = match *kind {
            "ingress" => false,
            "egress" => true,
            _ => return None,
        };
        Some(RuleKey {
            group: group.to_string(),
            egress,
            protocol: normalize_protocol(protocol),
            from: from.parse().ok()?,
            to: to.parse().ok()?,
            sources: sources.iter().map(|s| Source::parse(s, group)).collect(),
            is_self: sources.contains(&"self"),
        })
    }

    fn from_state(state: &Value) -> Result<RuleKey, ProviderError> {
        let group = required_str(state, "security_group_id")?;
        let kind = required_str(state, "type")?;
        let mut sources: Vec<Source> = strings_attr(state, "cidr_blocks")
            .into_iter()
            .map(Source::V4)
            .collect();
        sources.extend(
            strings_attr(state, "ipv6_cidr_blocks")
                .into_iter()
                .map(Source::V6),
        );
        sources.extend(
            strings_attr(state, "prefix_list_ids")
                .into_iter()
                .map(Source::PrefixList),
        );
        let is_self = bool_attr(state, "self").unwrap_or(false);
        if is_self {
            sources.push(Source::Group(group.clone()));
        } else if let Some(g) =
            str_attr(state, "source_security_group_id").filter(|g| !g.is_empty())
        {
            sources.push(Source::Group(g));
        }
        if sources.is_empty() {
            return Err(ProviderError::new(
                "aws_security_group_rule needs one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id",
            ));
        }
        Ok(RuleKey {
            egress: kind == "egress",
            protocol: normalize_protocol(&required_str(state, "protocol")?),
            from: port_attr(state, "from_port").unwrap_or(0),
            to: port_attr(state, "to_port").unwrap_or(0),
            sources,
            is_self,
            group,
        })
    }

    fn text(&self) -> String {
        let sources: Vec<&str> = self
            .sources
            .iter()
            .map(|s| match s {
                Source::Group(g) if self.is_self && *g == self.group => "self",
                other => other.text(),
            })
            .collect();
        format!(
            "{}_{}_{}_{}_{}_{}",
            self.group,
            if self.egress { "egress" } else { "ingress" },
            self.protocol,
            self.from,
            self.to,
            sources.join("_")
        )
    }

    fn permission(&self, description: Option<&str>) -> IpPermission {
        permission(
            &self.protocol,
            Some((self.from, self.to)),
            &self.sources,
            description,
        )
    }

    /// Whether `rule` is one of this resource's AWS rules.
    fn covers(&self, rule: &SdkRule, source: &Source) -> bool {
        rule.group_id() == Some(self.group.as_str())
            && rule.is_egress() == Some(self.egress)
            && rule.ip_protocol().map(normalize_protocol).as_deref() == Some(&self.protocol)
            && (self.protocol == "-1"
                || (rule.from_port() == Some(self.from) && rule.to_port() == Some(self.to)))
            && Source::of(rule).as_ref() == Some(source)
    }

    /// The AWS rules of this resource, one per source, if all are there.
    fn find<'a>(&self, rules: &'a [SdkRule]) -> Option<Vec<&'a SdkRule>> {
        self.sources
            .iter()
            .map(|s| rules.iter().find(|r| self.covers(r, s)))
            .collect()
    }

    /// The `id` Terraform's provider gives the rule: `sgrule-` and the
    /// CRC-32 of the group, ports, protocol, type and sorted sources,
    /// built the way its `ipPermissionIDHash` builds it.
    fn terraform_id(&self) -> String {
        let mut buf = format!("{}-", self.group);
        if self.from > 0 {
            buf.push_str(&format!("{}-", self.from));
        }
        if self.to > 0 {
            buf.push_str(&format!("{}-", self.to));
        }
        buf.push_str(&format!(
            "{}-{}-",
            self.protocol,
            if self.egress { "egress" } else { "ingress" }
        ));
        for pick in [
            |s: &Source| matches!(s, Source::V4(_)),
            |s: &Source| matches!(s, Source::V6(_)),
            |s: &Source| matches!(s, Source::PrefixList(_)),
            |s: &Source| matches!(s, Source::Group(_)),
        ] {
            let mut texts: Vec<&str> = self
                .sources
                .iter()
                .filter(|s| pick(s))
                .map(Source::text)
                .collect();
            texts.sort();
            for t in texts {
                buf.push_str(&format!("{t}-"));
            }
        }
        format!("sgrule-{}", crc32fast::hash(buf.as_bytes()))
    }

    fn state(&self, found: &[&SdkRule]) -> Value {
        let of = |pick: fn(&Source) -> Option<&String>| {
            let items: Vec<String> = self.sources.iter().filter_map(pick).cloned().collect();
            if items.is_empty() {
                Value::Null
            } else {
                string_list(items)
            }
        };
        let source_group = self.sources.iter().find_map(|s| match s {
            Source::Group(g) => Some(g.clone()),
            _ => None,
        });
        let rule_id = match found {
            [one] => opt_string(one.security_group_rule_id()),
            _ => Value::Null,
        };
        object([
            ("id", string(self.terraform_id())),
            ("security_group_id", string(&self.group)),
            (
                "type",
                string(if self.egress { "egress" } else { "ingress" }),
            ),
            ("protocol", string(&self.protocol)),
            ("from_port", Value::number(f64::from(self.from))),
            ("to_port", Value::number(f64::from(self.to))),
            (
                "cidr_blocks",
                of(|s| match s {
                    Source::V4(c) => Some(c),
                    _ => None,
                }),
            ),
            (
                "ipv6_cidr_blocks",
                of(|s| match s {
                    Source::V6(c) => Some(c),
                    _ => None,
                }),
            ),
            (
                "prefix_list_ids",
                of(|s| match s {
                    Source::PrefixList(p) => Some(p),
                    _ => None,
                }),
            ),
            ("source_security_group_id", opt_string(source_group)),
            ("self", Value::Bool(self.is_self)),
            (
                "description",
                opt_string(
                    found
                        .first()
                        .and_then(|r| r.description())
                        .filter(|d| !d.is_empty()),
                ),
            ),
            ("security_group_rule_id", rule_id),
        ])
    }
}

fn list_arg(name: &'static str, what: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, AttrType::list_of(AttrType::String))
        .force_new()
        .describe(what)
}

#[async_trait]
impl Managed for GroupRule {
    fn type_name(&self) -> &'static str {
        "aws_security_group_rule"
    }

    fn noun(&self) -> &'static str {
        "security group rule"
    }

    fn schema(&self) -> Schema {
        Schema::new("One rule of a security group, for one or more sources.")
            .attr(
                AttributeSchema::required("type", AttrType::String)
                    .force_new()
                    .describe("\"ingress\" (inbound) or \"egress\" (outbound)."),
            )
            .attr(
                AttributeSchema::required("security_group_id", AttrType::String)
                    .force_new()
                    .describe("The group the rule belongs to."),
            )
            .attr(
                AttributeSchema::required("from_port", AttrType::Number)
                    .force_new()
                    .describe("The first port (or ICMP type) of the range."),
            )
            .attr(
                AttributeSchema::required("to_port", AttrType::Number)
                    .force_new()
                    .describe("The last port (or ICMP code) of the range."),
            )
            .attr(
                AttributeSchema::required("protocol", AttrType::String)
                    .force_new()
                    .describe(
                        "\"tcp\", \"udp\", \"icmp\", \"icmpv6\", a number, or \"-1\"/\"all\".",
                    ),
            )
            .attr(list_arg(
                "cidr_blocks",
                "The IPv4 ranges the rule applies to.",
            ))
            .attr(list_arg(
                "ipv6_cidr_blocks",
                "The IPv6 ranges the rule applies to.",
            ))
            .attr(list_arg(
                "prefix_list_ids",
                "The prefix lists the rule applies to.",
            ))
            .attr(
                AttributeSchema::optional_computed("source_security_group_id", AttrType::String)
                    .force_new()
                    .describe("The other group whose members the rule applies to."),
            )
            .attr(
                AttributeSchema::optional("self", AttrType::Bool)
                    .force_new()
                    .default(false)
                    .describe("Whether the group itself is the source."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .describe("A description of the rule; changes in place."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The rule's id."))
            .attr(
                AttributeSchema::computed("security_group_rule_id", AttrType::String)
                    .describe("The AWS rule id, when the rule has a single source."),
            )
            .block(timeouts_block())
    }

    /// Plans by the schema with the protocol in the form AWS reports, as
    /// Terraform's provider does, so that "6" and "tcp" are one rule.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut config = request.config.clone();
        normalize_planned_protocol(&mut config, "protocol");
        plan_by_schema(schema, request.prior, &config)
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        Ok(RuleKey::from_state(state)?.text())
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let value = Value::from_json(attributes);
        RuleKey::from_state(&value).ok().map(|k| k.text())
    }

    fn kept(&self) -> &'static [&'static str] {
        &["timeouts"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let key = RuleKey::from_state(planned)?;
        let description = str_attr(planned, "description");
        let tags = rule_tags(&Value::Null, request.operation_id);
        let rules = authorize(
            clients,
            &key.group,
            key.egress,
            key.permission(description.as_deref()),
            tags,
            || async {
                self.find_created(clients, request.operation_id, planned)
                    .await
            },
        )
        .await;
        match rules {
            Ok(_) => {}
            Err(e) if e.code.as_deref() == Some("InvalidPermission.Duplicate") => {
                return Err(ProviderError::new(format!(
                    "a rule like this one already exists in {}: {} (import it with `stack import ADDR {}`, or remove it)",
                    key.group,
                    e.message,
                    key.text()
                )));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Made {
            known: vec![("id", string(key.terraform_id()))],
            key: key.text(),
        })
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !crate::aws::values::changed(prior, planned, "description") {
            return Ok(());
        }
        let key = RuleKey::parse(key).ok_or_else(|| bad_key(key))?;
        let permission = key.permission(Some(
            str_attr(planned, "description")
                .unwrap_or_default()
                .as_str(),
        ));
        let ec2 = &clients.ec2;
        if key.egress {
            clients
                .call("ec2", "UpdateSecurityGroupRuleDescriptionsEgress", || {
                    ec2.update_security_group_rule_descriptions_egress()
                        .group_id(&key.group)
                        .ip_permissions(permission.clone())
                        .send()
                })
                .await?;
        } else {
            clients
                .call("ec2", "UpdateSecurityGroupRuleDescriptionsIngress", || {
                    ec2.update_security_group_rule_descriptions_ingress()
                        .group_id(&key.group)
                        .ip_permissions(permission.clone())
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let key = RuleKey::parse(key).ok_or_else(|| bad_key(key))?;
        revoke(clients, &key.group, key.egress, key.permission(None)).await
    }

    /// One DescribeSecurityGroupRules of all the rules' groups.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let parsed: Vec<(String, RuleKey)> = keys
            .iter()
            .map(|k| Ok((k.clone(), RuleKey::parse(k).ok_or_else(|| bad_key(k))?)))
            .collect::<Result<_, ProviderError>>()?;
        let mut groups: Vec<String> = parsed.iter().map(|(_, k)| k.group.clone()).collect();
        groups.sort();
        groups.dedup();
        let rules = describe_rules(clients, "group-id", &groups).await?;
        Ok(parsed
            .into_iter()
            .filter_map(|(text, key)| {
                let found = key.find(&rules)?;
                Some((text, key.state(&found)))
            })
            .collect())
    }

    /// The rule, if every AWS rule of it carries our intent tag.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let key = RuleKey::from_state(planned)?;
        let rules = describe_rules(clients, "group-id", std::slice::from_ref(&key.group)).await?;
        Ok(key
            .find(&rules)
            .filter(|found| found.iter().all(|r| made_by(r, operation_id)))
            .map(|_| key.text()))
    }
}

fn bad_key(key: &str) -> ProviderError {
    ProviderError::new(format!(
        "`{key}` is not a security group rule id: it is SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE...], for example sg-0123_ingress_tcp_443_443_10.0.0.0/8 (a source is a CIDR block, a prefix list id, a group id or \"self\")"
    ))
}

// --------------------------------------------------------------------------
// aws_vpc_security_group_ingress_rule / aws_vpc_security_group_egress_rule
// --------------------------------------------------------------------------

/// `aws_vpc_security_group_ingress_rule` (`egress: false`) and
/// `aws_vpc_security_group_egress_rule`: one AWS rule with its own id and
/// tags. Only the group is force-new; the rest changes in place through
/// ModifySecurityGroupRules, as in Terraform's provider.
pub struct VpcRule {
    pub egress: bool,
}

const VPC_RULE_SOURCES: [&str; 4] = [
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];

impl VpcRule {
    fn source(planned: &Value) -> Result<Source, ProviderError> {
        let [v4, v6, pl, group] = VPC_RULE_SOURCES.map(|n| str_attr(planned, n));
        match (v4, v6, pl, group) {
            (Some(c), None, None, None) => Ok(Source::V4(c)),
            (None, Some(c), None, None) => Ok(Source::V6(c)),
            (None, None, Some(p), None) => Ok(Source::PrefixList(p)),
            (None, None, None, Some(g)) => Ok(Source::Group(g)),
            _ => Err(ProviderError::new(
                "a VPC security group rule needs exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id",
            )),
        }
    }

    fn ports(planned: &Value) -> Option<(i32, i32)> {
        Some((
            port_attr(planned, "from_port")?,
            port_attr(planned, "to_port")?,
        ))
    }

    fn state(clients: &Clients, rule: &SdkRule) -> Value {
        let id = rule.security_group_rule_id().unwrap_or_default();
        let protocol = rule.ip_protocol().map(normalize_protocol);
        // AWS reports -1 for the ports of an all-protocols rule, which
        // Terraform's provider leaves unset.
        let all = protocol.as_deref() == Some("-1");
        let port = |p: Option<i32>| if all { Value::Null } else { port_value(p) };
        let source = Source::of(rule);
        let pick = |want: fn(&Source) -> bool| {
            opt_string(
                source
                    .as_ref()
                    .filter(|s| want(s))
                    .map(|s| s.text().to_string()),
            )
        };
        let arn = match rule.security_group_rule_arn() {
            Some(a) => string(a),
            None => super::arn(clients, rule.group_owner_id(), "security-group-rule", id),
        };
        object([
            ("id", string(id)),
            ("security_group_rule_id", string(id)),
            ("arn", arn),
            ("security_group_id", opt_string(rule.group_id())),
            ("ip_protocol", opt_string(protocol)),
            ("from_port", port(rule.from_port())),
            ("to_port", port(rule.to_port())),
            ("cidr_ipv4", pick(|s| matches!(s, Source::V4(_)))),
            ("cidr_ipv6", pick(|s| matches!(s, Source::V6(_)))),
            (
                "prefix_list_id",
                pick(|s| matches!(s, Source::PrefixList(_))),
            ),
            (
                "referenced_security_group_id",
                pick(|s| matches!(s, Source::Group(_))),
            ),
            (
                "description",
                opt_string(rule.description().filter(|d| !d.is_empty())),
            ),
            ("tags", tags_value(rule.tags())),
        ])
    }
}

#[async_trait]
impl Managed for VpcRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn noun(&self) -> &'static str {
        if self.egress {
            "egress rule"
        } else {
            "ingress rule"
        }
    }

    fn schema(&self) -> Schema {
        let source = |name, what| AttributeSchema::optional(name, AttrType::String).describe(what);
        Schema::new(if self.egress {
            "One outbound rule of a VPC security group."
        } else {
            "One inbound rule of a VPC security group."
        })
        .attr(
            AttributeSchema::required("security_group_id", AttrType::String)
                .force_new()
                .describe("The group the rule belongs to."),
        )
        .attr(
            AttributeSchema::required("ip_protocol", AttrType::String)
                .describe("\"tcp\", \"udp\", \"icmp\", \"icmpv6\", a number, or \"-1\" for all."),
        )
        .attr(
            AttributeSchema::optional("from_port", AttrType::Number)
                .describe("The first port (or ICMP type) of the range."),
        )
        .attr(
            AttributeSchema::optional("to_port", AttrType::Number)
                .describe("The last port (or ICMP code) of the range."),
        )
        .attr(source("cidr_ipv4", "The IPv4 range (one source only)."))
        .attr(source("cidr_ipv6", "The IPv6 range (one source only)."))
        .attr(source(
            "prefix_list_id",
            "The prefix list (one source only).",
        ))
        .attr(source(
            "referenced_security_group_id",
            "The other group (one source only).",
        ))
        .attr(
            AttributeSchema::optional("description", AttrType::String)
                .describe("A description of the rule."),
        )
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The rule id."))
        .attr(
            AttributeSchema::computed("security_group_rule_id", AttrType::String)
                .describe("The rule id."),
        )
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The rule's ARN."))
    }

    /// Plans by the schema with the protocol in the form AWS reports.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut config = request.config.clone();
        normalize_planned_protocol(&mut config, "ip_protocol");
        plan_by_schema(schema, request.prior, &config)
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let group = required_str(planned, "security_group_id")?;
        let protocol = normalize_protocol(&required_str(planned, "ip_protocol")?);
        let permission = permission(
            &protocol,
            Self::ports(planned),
            &[Self::source(planned)?],
            str_attr(planned, "description").as_deref(),
        );
        let tags = rule_tags(planned, request.operation_id);
        let id = authorize(clients, &group, self.egress, permission, tags, || async {
            self.find_created(clients, request.operation_id, planned)
                .await
        })
        .await?
        .found_or(|rules| {
            rules
                .first()
                .and_then(|r| r.security_group_rule_id())
                .map(str::to_string)
        })
        .ok_or_else(|| ProviderError::new("the Authorize call returned no rule id"))?;
        Ok(Made::id(id))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let fields = [
            "ip_protocol",
            "from_port",
            "to_port",
            "description",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
        ];
        if !fields
            .iter()
            .any(|f| crate::aws::values::changed(prior, planned, f))
        {
            return Ok(());
        }
        let group = required_str(planned, "security_group_id")?;
        let protocol = normalize_protocol(&required_str(planned, "ip_protocol")?);
        let (from, to) = match Self::ports(planned) {
            Some(p) if protocol != "-1" => (Some(p.0), Some(p.1)),
            _ => (Some(-1), Some(-1)),
        };
        let request = SecurityGroupRuleRequest::builder()
            .ip_protocol(protocol)
            .set_from_port(from)
            .set_to_port(to)
            .set_cidr_ipv4(str_attr(planned, "cidr_ipv4"))
            .set_cidr_ipv6(str_attr(planned, "cidr_ipv6"))
            .set_prefix_list_id(str_attr(planned, "prefix_list_id"))
            .set_referenced_group_id(str_attr(planned, "referenced_security_group_id"))
            .set_description(str_attr(planned, "description"))
            .build();
        let update = SecurityGroupRuleUpdate::builder()
            .security_group_rule_id(id)
            .security_group_rule(request)
            .build();
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "ModifySecurityGroupRules", || {
                ec2.modify_security_group_rules()
                    .group_id(&group)
                    .security_group_rules(update.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    /// Revokes the rule by its id.
    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let group = required_str(prior, "security_group_id")?;
        let ec2 = &clients.ec2;
        let result = if self.egress {
            clients
                .call("ec2", "RevokeSecurityGroupEgress", || {
                    ec2.revoke_security_group_egress()
                        .group_id(&group)
                        .security_group_rule_ids(id)
                        .send()
                })
                .await
                .map(|_| ())
        } else {
            clients
                .call("ec2", "RevokeSecurityGroupIngress", || {
                    ec2.revoke_security_group_ingress()
                        .group_id(&group)
                        .security_group_rule_ids(id)
                        .send()
                })
                .await
                .map(|_| ())
        };
        match result {
            Err(e)
                if e.is_not_found()
                    || e.code.as_deref() == Some("InvalidSecurityGroupRuleId.NotFound") =>
            {
                Ok(())
            }
            other => other.map_err(Into::into),
        }
    }

    /// One DescribeSecurityGroupRules per 200 rule ids and page.
    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let rules = describe_rules(clients, "security-group-rule-id", ids).await?;
        Ok(rules
            .iter()
            .filter(|r| r.is_egress() == Some(self.egress))
            .filter_map(|r| {
                Some((
                    r.security_group_rule_id()?.to_string(),
                    Self::state(clients, r),
                ))
            })
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let group = required_str(planned, "security_group_id")?;
        let rules = describe_rules(clients, "group-id", std::slice::from_ref(&group)).await?;
        let mut ids: Vec<String> = rules
            .iter()
            .filter(|r| r.is_egress() == Some(self.egress) && made_by(r, operation_id))
            .filter_map(|r| r.security_group_rule_id().map(str::to_string))
            .collect();
        ids.sort();
        Ok(ids.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_keys_round_trip_through_terraform_import_ids() {
        for id in [
            "sg-6e616f6d69_ingress_tcp_8000_8000_10.0.3.0/24_10.0.4.0/24",
            "sg-6e616f6d69_egress_-1_0_0_0.0.0.0/0",
            "sg-62726f6479_ingress_tcp_22_22_self",
            "sg-7472697374616e_ingress_tcp_443_443_sg-4973616e6e6174",
            "sg-7472697374616e_egress_udp_53_53_pl-0570a1d2d725c16be_2001:db8::/48",
        ] {
            let key = RuleKey::parse(id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(key.text(), id);
        }
        let self_rule = RuleKey::parse("sg-1_ingress_6_22_22_self").unwrap();
        assert_eq!(self_rule.protocol, "tcp");
        assert_eq!(self_rule.sources, [Source::Group("sg-1".to_string())]);
        assert!(RuleKey::parse("sg-1_sideways_tcp_1_1_10.0.0.0/8").is_none());
        assert!(RuleKey::parse("sg-1_ingress_tcp_1_1").is_none());
    }

    #[test]
    fn the_state_of_a_rule_gives_back_its_key() {
        let key = RuleKey::parse("sg-1_ingress_tcp_80_81_10.0.0.0/8_::/0_sg-2").unwrap();
        let state = key.state(&[]);
        assert_eq!(RuleKey::from_state(&state).unwrap(), key);
        assert_eq!(
            str_attr(&state, "source_security_group_id").as_deref(),
            Some("sg-2")
        );
        assert!(str_attr(&state, "id").is_some_and(|id| id.starts_with("sgrule-")));
    }

    #[test]
    fn protocols_take_the_names_aws_reports() {
        assert_eq!(normalize_protocol("6"), "tcp");
        assert_eq!(normalize_protocol("ALL"), "-1");
        assert_eq!(normalize_protocol("58"), "icmpv6");
        assert_eq!(normalize_protocol("50"), "50");
    }
}
