//! `aws_route53_record`: one resource record set of a hosted zone, plain
//! (`ttl` and `records`) or an alias, with any routing policy.
//!
//! Its id is Terraform's: `ZONE_NAME_TYPE` with `_SET-IDENTIFIER` when
//! there is one, NAME being the name as configured (relative names are
//! completed with the zone's name for the API; `fqdn` is the full one).
//! Changing the name or the zone replaces the record; anything else is one
//! ChangeResourceRecordSets call: UPSERT, or DELETE of the old set and
//! CREATE of the new one together when the type or set identifier changes
//! (the API matches record sets on those).
//!
//! Reads list every record set of a zone, page by page, and find each
//! record in the listing, so refreshing many records costs one GetHostedZone
//! and the pages of each zone. Records cannot carry tags: a create whose
//! answer was lost adopts the record it finds only when it holds exactly
//! what was planned.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, CidrRoutingConfig, Coordinates, GeoLocation,
    GeoProximityLocation, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};
use engine::provider::{
    plan_by_schema, values_equal, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting,
    PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::{clean_zone_id, normalize_name, unescape_name, wait_in_sync};
use crate::aws::managed::{pages, Gone, Made, Managed};
use crate::aws::values::{
    blocks_attr, bool_attr, number_attr, object, opt_string, str_attr, string, string_set,
    strings_attr, timeouts_block,
};
use crate::aws::{AwsError, Clients};

/// How many changes one ChangeResourceRecordSets call carries when many
/// records go at once, well under the API's limit of 1,000.
pub(crate) const CHANGES_PER_BATCH: usize = 100;

/// The record types Route 53 takes (API reference, ResourceRecordSet, Type).
const RECORD_TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

pub struct Record;

/// What names a record: zone, name as configured, type, set identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKey {
    pub zone: String,
    pub name: String,
    pub kind: String,
    pub set: Option<String>,
}

impl RecordKey {
    /// Terraform's id: `ZONE_NAME_TYPE[_SET]`.
    pub fn text(&self) -> String {
        let mut id = format!("{}_{}_{}", self.zone, self.name, self.kind);
        if let Some(set) = &self.set {
            id.push('_');
            id.push_str(set);
        }
        id
    }

    /// Reads an id. The name may hold underscores (`_acme.example.com`),
    /// so the type is the first part after the zone that is a record type.
    pub fn parse(id: &str) -> Option<RecordKey> {
        let (zone, rest) = id.split_once('_')?;
        let underscores = rest.match_indices('_').map(|(i, _)| i).filter(|&i| i > 0);
        for at in underscores {
            let (name, after) = (&rest[..at], &rest[at + 1..]);
            let (kind, set) = match after.split_once('_') {
                Some((kind, set)) => (kind, Some(set)),
                None => (after, None),
            };
            if RECORD_TYPES.contains(&kind) {
                return Some(RecordKey {
                    zone: clean_zone_id(zone),
                    name: normalize_name(name),
                    kind: kind.to_string(),
                    set: set.filter(|s| !s.is_empty()).map(str::to_string),
                });
            }
        }
        None
    }

    fn from_state(state: &Value) -> Result<RecordKey, ProviderError> {
        let field = |name: &str| {
            str_attr(state, name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ProviderError::new(format!("the record's state has no {name}")))
        };
        Ok(RecordKey {
            zone: clean_zone_id(&field("zone_id")?),
            name: normalize_name(&field("name")?),
            kind: field("type")?,
            set: str_attr(state, "set_identifier").filter(|s| !s.is_empty()),
        })
    }
}

/// The full name of `name` in the zone `zone`: names not ending in the
/// zone's name are relative to it; the empty name is the zone's apex.
pub fn expand_name(name: &str, zone: &str) -> String {
    let name = normalize_name(name);
    let zone = normalize_name(zone);
    if name.is_empty() {
        zone
    } else if name == zone || name.ends_with(&format!(".{zone}")) {
        name
    } else {
        format!("{name}.{zone}")
    }
}

/// An alias target's name as Terraform keeps it: lower case, without the
/// `dualstack.` prefix and the trailing dot.
pub fn normalize_alias_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    lower
        .trim_start_matches("dualstack.")
        .trim_end_matches('.')
        .to_string()
}

/// TXT and SPF values are character strings, quoted in the API: a value
/// written without quotes gets them.
pub fn expand_value(kind: &str, value: &str) -> String {
    let quoted = matches!(kind, "TXT" | "SPF");
    if quoted && !value.starts_with('"') {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// A value read back, as the user writes it: TXT and SPF values without
/// the quotes around a single character string.
pub fn flatten_value(kind: &str, value: &str) -> String {
    let quoted = matches!(kind, "TXT" | "SPF");
    let inner = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
    match inner {
        Some(inner) if quoted && !inner.contains("\" \"") => inner.to_string(),
        _ => value.to_string(),
    }
}

fn one_block(name: &'static str, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema,
    }
}

fn routing_blocks() -> Vec<BlockSchema> {
    let coordinates = BlockSchema {
        name: "coordinates",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: Schema::new("A location by coordinates.")
            .attr(AttributeSchema::required("latitude", AttrType::String).describe("The latitude."))
            .attr(
                AttributeSchema::required("longitude", AttrType::String).describe("The longitude."),
            ),
    };
    vec![
        one_block(
            "failover_routing_policy",
            Schema::new("Failover routing.").attr(
                AttributeSchema::required("type", AttrType::String)
                    .describe("PRIMARY or SECONDARY."),
            ),
        ),
        one_block(
            "geolocation_routing_policy",
            Schema::new("Routing by the requester's location.")
                .attr(
                    AttributeSchema::optional("continent", AttrType::String)
                        .describe("A two-letter continent code."),
                )
                .attr(
                    AttributeSchema::optional("country", AttrType::String)
                        .describe("A two-letter country code, or * for the default record."),
                )
                .attr(
                    AttributeSchema::optional("subdivision", AttrType::String)
                        .describe("A subdivision (state) code."),
                ),
        ),
        one_block(
            "geoproximity_routing_policy",
            Schema::new("Routing by distance to the resources.")
                .attr(
                    AttributeSchema::optional("aws_region", AttrType::String)
                        .describe("The AWS region the resource is in."),
                )
                .attr(
                    AttributeSchema::optional("bias", AttrType::Number).describe(
                        "Grows (positive) or shrinks (negative) the region served, -99 to 99.",
                    ),
                )
                .attr(
                    AttributeSchema::optional("local_zone_group", AttrType::String)
                        .describe("The AWS Local Zone group the resource is in."),
                )
                .block(coordinates),
        ),
        one_block(
            "latency_routing_policy",
            Schema::new("Routing by latency.").attr(
                AttributeSchema::required("region", AttrType::String)
                    .describe("The AWS region latency is measured to."),
            ),
        ),
        one_block(
            "weighted_routing_policy",
            Schema::new("Weighted routing.").attr(
                AttributeSchema::required("weight", AttrType::Number)
                    .describe("The record's share of answers, relative to the others."),
            ),
        ),
        one_block(
            "cidr_routing_policy",
            Schema::new("Routing by the requester's IP range.")
                .attr(
                    AttributeSchema::required("collection_id", AttrType::String)
                        .describe("The CIDR collection."),
                )
                .attr(
                    AttributeSchema::required("location_name", AttrType::String)
                        .describe("The location in the collection, or * for the default."),
                ),
        ),
    ]
}

fn alias_block() -> BlockSchema {
    BlockSchema {
        name: "alias",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema: Schema::new("The AWS resource the record points at (instead of ttl and records).")
            .attr(
                AttributeSchema::required("name", AttrType::String).describe(
                    "The target's DNS name (a CloudFront distribution, a load balancer, …).",
                ),
            )
            .attr(
                AttributeSchema::required("zone_id", AttrType::String)
                    .describe("The target's hosted zone id."),
            )
            .attr(
                AttributeSchema::required("evaluate_target_health", AttrType::Bool)
                    .describe("Whether Route 53 answers with the target only while it is healthy."),
            ),
    }
}

/// The first object of a block, if any.
fn first_block(value: &Value, name: &str) -> Option<Value> {
    blocks_attr(value, name).into_iter().next()
}

/// The record set a planned value describes, in the zone named `zone`.
fn record_set(planned: &Value, zone: &str) -> Result<ResourceRecordSet, ProviderError> {
    let key = RecordKey::from_state(planned)?;
    let mut set = ResourceRecordSet::builder()
        .name(expand_name(&key.name, zone))
        .r#type(RrType::from(key.kind.as_str()))
        .set_set_identifier(key.set.clone())
        .set_ttl(number_attr(planned, "ttl").map(|n| n as i64))
        .set_health_check_id(str_attr(planned, "health_check_id"))
        .set_multi_value_answer(bool_attr(planned, "multivalue_answer_routing_policy"));
    for value in strings_attr(planned, "records") {
        set = set.resource_records(
            ResourceRecord::builder()
                .value(expand_value(&key.kind, &value))
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some(alias) = first_block(planned, "alias") {
        set = set.alias_target(
            AliasTarget::builder()
                .dns_name(str_attr(&alias, "name").unwrap_or_default())
                .hosted_zone_id(str_attr(&alias, "zone_id").unwrap_or_default())
                .evaluate_target_health(
                    bool_attr(&alias, "evaluate_target_health").unwrap_or(false),
                )
                .build()
                .map_err(build_error)?,
        );
    }
    set = routing(set, planned)?;
    set.build().map_err(build_error)
}

/// The routing policy blocks on a record set being built.
fn routing(
    mut set: aws_sdk_route53::types::builders::ResourceRecordSetBuilder,
    planned: &Value,
) -> Result<aws_sdk_route53::types::builders::ResourceRecordSetBuilder, ProviderError> {
    if let Some(b) = first_block(planned, "failover_routing_policy") {
        let kind = str_attr(&b, "type").unwrap_or_default();
        set = set.failover(ResourceRecordSetFailover::from(kind.as_str()));
    }
    if let Some(b) = first_block(planned, "geolocation_routing_policy") {
        set = set.geo_location(
            GeoLocation::builder()
                .set_continent_code(str_attr(&b, "continent"))
                .set_country_code(str_attr(&b, "country"))
                .set_subdivision_code(str_attr(&b, "subdivision"))
                .build(),
        );
    }
    if let Some(b) = first_block(planned, "geoproximity_routing_policy") {
        let mut location = GeoProximityLocation::builder()
            .set_aws_region(str_attr(&b, "aws_region"))
            .set_local_zone_group(str_attr(&b, "local_zone_group"))
            .set_bias(number_attr(&b, "bias").map(|n| n as i32));
        if let Some(c) = first_block(&b, "coordinates") {
            location = location.coordinates(
                Coordinates::builder()
                    .latitude(str_attr(&c, "latitude").unwrap_or_default())
                    .longitude(str_attr(&c, "longitude").unwrap_or_default())
                    .build()
                    .map_err(build_error)?,
            );
        }
        set = set.geo_proximity_location(location.build());
    }
    if let Some(b) = first_block(planned, "latency_routing_policy") {
        let region = str_attr(&b, "region").unwrap_or_default();
        set = set.region(ResourceRecordSetRegion::from(region.as_str()));
    }
    if let Some(b) = first_block(planned, "weighted_routing_policy") {
        set = set.set_weight(number_attr(&b, "weight").map(|n| n as i64));
    }
    if let Some(b) = first_block(planned, "cidr_routing_policy") {
        set = set.cidr_routing_config(
            CidrRoutingConfig::builder()
                .collection_id(str_attr(&b, "collection_id").unwrap_or_default())
                .location_name(str_attr(&b, "location_name").unwrap_or_default())
                .build()
                .map_err(build_error)?,
        );
    }
    Ok(set)
}

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the Route 53 request: {e}"))
}

fn list1(value: Option<Value>) -> Value {
    Value::List(value.into_iter().collect())
}

/// The state of the record `key` names, read as `set` from a zone named
/// `zone`.
pub fn record_state(key: &RecordKey, zone: &str, set: &ResourceRecordSet) -> Value {
    let kind = set.r#type().as_str();
    let records = set
        .resource_records()
        .iter()
        .map(|r| flatten_value(kind, r.value()));
    let alias = set.alias_target().map(|a| {
        object([
            ("name", string(normalize_alias_name(a.dns_name()))),
            ("zone_id", string(a.hosted_zone_id())),
            (
                "evaluate_target_health",
                Value::Bool(a.evaluate_target_health()),
            ),
        ])
    });
    object([
        ("id", string(key.text())),
        ("zone_id", string(&key.zone)),
        ("name", string(&key.name)),
        ("fqdn", string(expand_name(&key.name, zone))),
        ("type", string(kind)),
        ("set_identifier", opt_string(set.set_identifier())),
        (
            "ttl",
            set.ttl()
                .map(|t| Value::from(t as f64))
                .unwrap_or(Value::Null),
        ),
        (
            "records",
            if set.resource_records().is_empty() {
                Value::Null
            } else {
                string_set(records)
            },
        ),
        ("alias", Value::set_from(alias.into_iter().collect())),
        ("health_check_id", opt_string(set.health_check_id())),
        (
            "multivalue_answer_routing_policy",
            set.multi_value_answer()
                .map(Value::Bool)
                .unwrap_or(Value::Null),
        ),
        ("allow_overwrite", Value::Bool(false)),
        (
            "failover_routing_policy",
            list1(
                set.failover()
                    .map(|f| object([("type", string(f.as_str()))])),
            ),
        ),
        (
            "geolocation_routing_policy",
            list1(set.geo_location().map(|g| {
                object([
                    ("continent", opt_string(g.continent_code())),
                    ("country", opt_string(g.country_code())),
                    ("subdivision", opt_string(g.subdivision_code())),
                ])
            })),
        ),
        (
            "geoproximity_routing_policy",
            list1(set.geo_proximity_location().map(geoproximity_state)),
        ),
        (
            "latency_routing_policy",
            list1(
                set.region()
                    .map(|r| object([("region", string(r.as_str()))])),
            ),
        ),
        (
            "weighted_routing_policy",
            list1(
                set.weight()
                    .map(|w| object([("weight", Value::from(w as f64))])),
            ),
        ),
        (
            "cidr_routing_policy",
            list1(set.cidr_routing_config().map(|c| {
                object([
                    ("collection_id", string(c.collection_id())),
                    ("location_name", string(c.location_name())),
                ])
            })),
        ),
    ])
}

fn geoproximity_state(g: &GeoProximityLocation) -> Value {
    let coordinates = g.coordinates().map(|c| {
        object([
            ("latitude", string(c.latitude())),
            ("longitude", string(c.longitude())),
        ])
    });
    object([
        ("aws_region", opt_string(g.aws_region())),
        (
            "bias",
            g.bias()
                .map(|b| Value::from(b as f64))
                .unwrap_or(Value::Null),
        ),
        ("local_zone_group", opt_string(g.local_zone_group())),
        (
            "coordinates",
            Value::set_from(coordinates.into_iter().collect()),
        ),
    ])
}

/// Every record set of a zone, page by page.
pub(crate) async fn list_records(
    clients: &Clients,
    zone: &str,
) -> Result<Vec<ResourceRecordSet>, ProviderError> {
    let r53 = &clients.route53;
    // The listing continues from a name, a type and (for sets with
    // identifiers) an identifier; the one token `pages` follows holds all
    // three, separated by a character no DNS name contains.
    Ok(pages(|token: Option<String>| async move {
        let mut parts = token.as_deref().unwrap_or_default().splitn(3, '\n');
        let name = parts.next().filter(|n| !n.is_empty()).map(str::to_string);
        let kind = parts.next().filter(|t| !t.is_empty()).map(RrType::from);
        let identifier = parts.next().filter(|i| !i.is_empty()).map(str::to_string);
        let out = clients
            .call("route53", "ListResourceRecordSets", || {
                r53.list_resource_record_sets()
                    .hosted_zone_id(zone)
                    .set_start_record_name(name.clone())
                    .set_start_record_type(kind.clone())
                    .set_start_record_identifier(identifier.clone())
                    .send()
            })
            .await?;
        let next = out.is_truncated().then(|| {
            format!(
                "{}\n{}\n{}",
                out.next_record_name().unwrap_or_default(),
                out.next_record_type()
                    .map(|t| t.as_str())
                    .unwrap_or_default(),
                out.next_record_identifier().unwrap_or_default()
            )
        });
        Ok::<_, AwsError>((out.resource_record_sets().to_vec(), next))
    })
    .await?)
}

/// The name of a zone; `None` when it is gone.
async fn zone_name(clients: &Clients, zone: &str) -> Result<Option<String>, ProviderError> {
    let r53 = &clients.route53;
    Ok(clients
        .call("route53", "GetHostedZone", || {
            r53.get_hosted_zone().id(zone).send()
        })
        .await
        .or_gone()?
        .and_then(|out| out.hosted_zone().map(|z| z.name().to_string())))
}

/// Whether a listed set is the one `key` names in a zone named `zone`.
fn is_record(key: &RecordKey, zone: &str, set: &ResourceRecordSet) -> bool {
    normalize_name(&unescape_name(set.name())) == expand_name(&key.name, zone)
        && set.r#type().as_str() == key.kind
        && set.set_identifier() == key.set.as_deref()
}

/// The record sets `keys` name, with the zone's name, from one listing per
/// zone.
async fn find_sets(
    clients: &Clients,
    keys: &[RecordKey],
) -> Result<Vec<(RecordKey, String, ResourceRecordSet)>, ProviderError> {
    let mut by_zone: BTreeMap<&str, Vec<&RecordKey>> = BTreeMap::new();
    for key in keys {
        by_zone.entry(key.zone.as_str()).or_default().push(key);
    }
    let mut found = Vec::new();
    for (zone, keys) in by_zone {
        let Some(name) = zone_name(clients, zone).await? else {
            continue;
        };
        let sets = list_records(clients, zone).await?;
        for key in keys {
            if let Some(set) = sets.iter().find(|s| is_record(key, &name, s)) {
                found.push((key.clone(), name.clone(), set.clone()));
            }
        }
    }
    Ok(found)
}

/// One record set as it is now, and its zone's name.
async fn current(
    clients: &Clients,
    key: &RecordKey,
) -> Result<Option<(String, ResourceRecordSet)>, ProviderError> {
    Ok(find_sets(clients, std::slice::from_ref(key))
        .await?
        .pop()
        .map(|(_, zone, set)| (zone, set)))
}

fn change(action: ChangeAction, set: ResourceRecordSet) -> Result<Change, ProviderError> {
    Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(build_error)
}

fn batch(changes: Vec<Change>) -> Result<ChangeBatch, ProviderError> {
    ChangeBatch::builder()
        .comment("Managed by stack")
        .set_changes(Some(changes))
        .build()
        .map_err(build_error)
}

/// A batch deleting `sets`, each as it was read.
pub(crate) fn delete_batch(sets: &[ResourceRecordSet]) -> Result<ChangeBatch, ProviderError> {
    let changes = sets
        .iter()
        .map(|s| change(ChangeAction::Delete, s.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    batch(changes)
}

/// Sends a batch and waits until it is in sync.
async fn send_batch(
    clients: &Clients,
    request: &ApplyRequest<'_>,
    zone: &str,
    batch: ChangeBatch,
) -> Result<(), AwsErrorOrProvider> {
    let r53 = &clients.route53;
    let out = clients
        .call("route53", "ChangeResourceRecordSets", || {
            r53.change_resource_record_sets()
                .hosted_zone_id(zone)
                .change_batch(batch.clone())
                .send()
        })
        .await
        .map_err(AwsErrorOrProvider::Aws)?;
    if let Some(info) = out.change_info() {
        let progress = |status: &str| {
            if let Some(p) = &request.progress {
                p(status)
            }
        };
        wait_in_sync(clients, info.id(), &progress)
            .await
            .map_err(AwsErrorOrProvider::Provider)?;
    }
    Ok(())
}

/// An API answer (to look into) or any other failure.
enum AwsErrorOrProvider {
    Aws(AwsError),
    Provider(ProviderError),
}

impl From<AwsErrorOrProvider> for ProviderError {
    fn from(e: AwsErrorOrProvider) -> ProviderError {
        match e {
            AwsErrorOrProvider::Aws(e) => e.into(),
            AwsErrorOrProvider::Provider(e) => e,
        }
    }
}

/// Plans by the schema with names as the state keeps them; a new type or
/// set identifier gives the record a new id.
fn plan_record(schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
    let mut config = request.config.clone();
    if let Value::Map(map) = &mut config {
        if let Some(Value::String(name)) = map.get("name") {
            let normal = normalize_name(name);
            map.insert("name".to_string(), Value::String(normal));
        }
        if let Some(Value::Set(aliases) | Value::List(aliases)) = map.get_mut("alias") {
            for alias in aliases.iter_mut() {
                if let Value::Map(fields) = alias {
                    if let Some(Value::String(name)) = fields.get("name") {
                        let normal = normalize_alias_name(name);
                        fields.insert("name".to_string(), Value::String(normal));
                    }
                }
            }
        }
    }
    let mut response = plan_by_schema(schema, request.prior, &config);
    if let (Some(prior), Value::Map(planned)) = (request.prior, &mut response.planned) {
        let renamed = ["type", "set_identifier"].iter().any(|name| {
            !values_equal(
                prior.get_attr(name).unwrap_or(&Value::Null),
                config.get_attr(name).unwrap_or(&Value::Null),
            )
        });
        if renamed {
            planned.insert("id".to_string(), Value::Unknown);
        }
    }
    response
}

/// Whether the record read holds what was planned (its records or alias,
/// TTL and routing), for adopting a record a lost create may have made.
fn holds_planned(state: &Value, planned: &Value) -> bool {
    [
        "ttl",
        "records",
        "alias",
        "weighted_routing_policy",
        "failover_routing_policy",
        "latency_routing_policy",
        "geolocation_routing_policy",
    ]
    .iter()
    .all(|name| {
        values_equal(
            state.get_attr(name).unwrap_or(&Value::Null),
            planned.get_attr(name).unwrap_or(&Value::Null),
        )
    })
}

#[async_trait]
impl Managed for Record {
    fn type_name(&self) -> &'static str {
        "aws_route53_record"
    }

    fn noun(&self) -> &'static str {
        "DNS record"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("A DNS record set in a Route 53 hosted zone.")
            .attr(
                AttributeSchema::required("zone_id", AttrType::String)
                    .force_new()
                    .describe("The hosted zone of the record."),
            )
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .force_new()
                    .describe("The record's name, full or relative to the zone."),
            )
            .attr(
                AttributeSchema::required("type", AttrType::String)
                    .describe("A, AAAA, CAA, CNAME, DS, MX, NAPTR, NS, PTR, SOA, SPF, SRV, TXT, …"),
            )
            .attr(
                AttributeSchema::optional("ttl", AttrType::Number)
                    .describe("The time to live in seconds (not for alias records)."),
            )
            .attr(
                AttributeSchema::optional("records", AttrType::set_of(AttrType::String))
                    .describe("The values (not for alias records)."),
            )
            .attr(
                AttributeSchema::optional("set_identifier", AttrType::String)
                    .describe("Tells apart records of one name and type with routing policies."),
            )
            .attr(
                AttributeSchema::optional("health_check_id", AttrType::String)
                    .describe("The health check the record's answers depend on."),
            )
            .attr(
                AttributeSchema::optional("multivalue_answer_routing_policy", AttrType::Bool)
                    .describe("Answer with up to eight healthy records at random."),
            )
            .attr(
                AttributeSchema::optional("allow_overwrite", AttrType::Bool)
                    .default(false)
                    .describe(
                        "Take over a record that already exists (an UPSERT) instead of failing.",
                    ),
            )
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("ZONE_NAME_TYPE[_SET-IDENTIFIER]."),
            )
            .attr(
                AttributeSchema::computed("fqdn", AttrType::String)
                    .describe("The record's full name."),
            )
            .block(alias_block())
            .block(timeouts_block());
        for block in routing_blocks() {
            schema = schema.block(block);
        }
        schema
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        plan_record(schema, request)
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        Ok(RecordKey::from_state(state)?.text())
    }

    fn kept(&self) -> &'static [&'static str] {
        &["allow_overwrite", "timeouts"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let key = RecordKey::from_state(planned)?;
        let zone = zone_name(clients, &key.zone).await?.ok_or_else(|| {
            ProviderError::new(format!("the hosted zone {} does not exist", key.zone))
        })?;
        let set = record_set(planned, &zone)?;
        let action = if bool_attr(planned, "allow_overwrite").unwrap_or(false) {
            ChangeAction::Upsert
        } else {
            ChangeAction::Create
        };
        let sent = send_batch(
            clients,
            request,
            &key.zone,
            batch(vec![change(action, set)?])?,
        )
        .await;
        match sent {
            Ok(()) => {}
            // The answer was lost: the record may be there already.
            Err(AwsErrorOrProvider::Aws(e)) if e.may_have_taken_effect => {
                if self
                    .find_created(clients, request.operation_id, planned)
                    .await?
                    .is_none()
                {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        let fqdn = expand_name(&key.name, &zone);
        Ok(Made::id(key.text()).with("fqdn", string(fqdn)))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let (old, new) = (
            RecordKey::from_state(prior)?,
            RecordKey::from_state(planned)?,
        );
        let Some((zone, old_set)) = current(clients, &old).await? else {
            return Err(ProviderError::new(format!(
                "the DNS record {} no longer exists",
                old.text()
            )));
        };
        let set = record_set(planned, &zone)?;
        let changes = if old.kind == new.kind && old.set == new.set {
            vec![change(ChangeAction::Upsert, set)?]
        } else {
            vec![
                change(ChangeAction::Delete, old_set)?,
                change(ChangeAction::Create, set)?,
            ]
        };
        send_batch(clients, request, &new.zone, batch(changes)?).await?;
        Ok(())
    }

    /// Deletes the record set as it is now: the API deletes only a set
    /// given with all its current values.
    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let key = RecordKey::from_state(prior)?;
        let Some((_, set)) = current(clients, &key).await? else {
            return Ok(());
        };
        match send_batch(clients, request, &key.zone, delete_batch(&[set])?).await {
            Ok(()) => Ok(()),
            // Deleted by someone else in between, or with its zone.
            Err(AwsErrorOrProvider::Aws(e))
                if e.is_not_found() || e.code.as_deref() == Some("InvalidChangeBatch") =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let keys: Vec<RecordKey> = ids
            .iter()
            .map(|id| {
                RecordKey::parse(id).ok_or_else(|| {
                    ProviderError::new(format!(
                        "\"{id}\" is not a DNS record id: write ZONEID_NAME_TYPE, with _SET-IDENTIFIER when the record has one (e.g. Z4KAPRWWNC7JR_www.example.com_A)"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(find_sets(clients, &keys)
            .await?
            .into_iter()
            .map(|(key, zone, set)| (key.text(), record_state(&key, &zone, &set)))
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let key = RecordKey::from_state(planned)?;
        Ok(current(clients, &key).await?.and_then(|(zone, set)| {
            holds_planned(&record_state(&key, &zone, &set), planned).then(|| key.text())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(zone: &str, name: &str, kind: &str, set: Option<&str>) -> RecordKey {
        RecordKey {
            zone: zone.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
            set: set.map(str::to_string),
        }
    }

    #[test]
    fn ids_read_as_terraform_writes_them() {
        assert_eq!(
            RecordKey::parse("Z4KAPRWWNC7JR_dev.example.com_NS"),
            Some(key("Z4KAPRWWNC7JR", "dev.example.com", "NS", None))
        );
        assert_eq!(
            RecordKey::parse("Z4KAPRWWNC7JR_dev.example.com_NS_dev"),
            Some(key("Z4KAPRWWNC7JR", "dev.example.com", "NS", Some("dev")))
        );
        // Names with underscores, as ACM's validation records have.
        assert_eq!(
            RecordKey::parse("Z1__abc.www_x.example.com_CNAME_blue_green"),
            Some(key(
                "Z1",
                "_abc.www_x.example.com",
                "CNAME",
                Some("blue_green")
            ))
        );
        assert_eq!(RecordKey::parse("Z1_www.example.com"), None);
        assert_eq!(RecordKey::parse("nothing"), None);
        let k = key("Z1", "www", "A", Some("eu"));
        assert_eq!(RecordKey::parse(&k.text()), Some(k));
    }

    #[test]
    fn relative_names_are_completed_with_the_zone() {
        assert_eq!(expand_name("www", "example.com."), "www.example.com");
        assert_eq!(
            expand_name("WWW.example.com.", "example.com"),
            "www.example.com"
        );
        assert_eq!(expand_name("", "example.com"), "example.com");
        assert_eq!(expand_name("example.com", "example.com"), "example.com");
        // Ending in the zone's name is not enough: it must be a label.
        assert_eq!(
            expand_name("notexample.com", "example.com"),
            "notexample.com.example.com"
        );
    }

    #[test]
    fn txt_values_are_quoted_for_the_api_and_unquoted_in_state() {
        assert_eq!(expand_value("TXT", "v=spf1 -all"), "\"v=spf1 -all\"");
        assert_eq!(expand_value("TXT", "\"a\" \"b\""), "\"a\" \"b\"");
        assert_eq!(expand_value("A", "1.2.3.4"), "1.2.3.4");
        assert_eq!(flatten_value("TXT", "\"v=spf1 -all\""), "v=spf1 -all");
        assert_eq!(flatten_value("TXT", "\"a\" \"b\""), "\"a\" \"b\"");
        assert_eq!(flatten_value("CNAME", "\"x\""), "\"x\"");
    }

    #[test]
    fn alias_names_lose_case_dualstack_and_the_trailing_dot() {
        assert_eq!(
            normalize_alias_name("dualstack.My-LB-1.us-east-1.elb.amazonaws.com."),
            "my-lb-1.us-east-1.elb.amazonaws.com"
        );
        assert_eq!(
            normalize_alias_name("d111.cloudfront.net"),
            "d111.cloudfront.net"
        );
    }

    fn planned(kind: &str, records: &[&str]) -> Value {
        object([
            ("zone_id", string("Z1")),
            ("name", string("www")),
            ("type", string(kind)),
            ("ttl", Value::from(60.0)),
            ("records", string_set(records.iter().copied())),
        ])
    }

    #[test]
    fn a_planned_value_becomes_the_record_set_and_reads_back_the_same() {
        let value = planned("TXT", &["hello"]);
        let set = record_set(&value, "example.com.").unwrap();
        assert_eq!(set.name(), "www.example.com");
        assert_eq!(set.resource_records()[0].value(), "\"hello\"");
        let k = RecordKey::from_state(&value).unwrap();
        let state = record_state(&k, "example.com.", &set);
        assert_eq!(str_attr(&state, "fqdn").as_deref(), Some("www.example.com"));
        assert_eq!(str_attr(&state, "id").as_deref(), Some("Z1_www_TXT"));
        assert!(holds_planned(&state, &value));
        assert!(!holds_planned(&state, &planned("TXT", &["other"])));
    }

    #[test]
    fn a_new_type_gives_the_record_a_new_id_and_a_new_name_replaces_it() {
        let schema = Record.schema();
        let mut prior = planned("A", &["1.2.3.4"]);
        if let Value::Map(m) = &mut prior {
            m.insert("id".to_string(), string("Z1_www_A"));
        }
        let request = |config: &Value| {
            plan_record(
                &schema,
                PlanRequest {
                    type_name: "aws_route53_record",
                    prior: Some(&prior),
                    config,
                    prior_private: None,
                },
            )
        };
        let retyped = request(&planned("AAAA", &["::1"]));
        assert!(retyped.requires_replace.is_empty());
        assert!(retyped.planned.get_attr("id").unwrap().is_unknown());
        let mut renamed = planned("A", &["1.2.3.4"]);
        if let Value::Map(m) = &mut renamed {
            m.insert("name".to_string(), string("API.example.com."));
        }
        let response = request(&renamed);
        assert_eq!(response.requires_replace, ["name"]);
        assert_eq!(
            str_attr(&response.planned, "name").as_deref(),
            Some("api.example.com")
        );
    }
}
