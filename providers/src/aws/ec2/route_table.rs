//! Routing: `aws_route_table` (with inline `route` blocks), `aws_route` (one
//! route of a table) and `aws_route_table_association` (a subnet or gateway
//! bound to a table). All three are read through `DescribeRouteTables`,
//! which lists many tables per call.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Route as SdkRoute, RouteOrigin, RouteTable as Sdk};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{pages, Gone, Made, Managed, Tagging};
use crate::aws::values::{
    blocks_attr, object, opt_string, required_str, str_attr, string, tags_attribute,
};
use crate::aws::{AwsError, Clients};

/// The destinations a route may have, as (argument of `aws_route`,
/// attribute of a `route` block).
const DESTINATIONS: [(&str, &str); 3] = [
    ("destination_cidr_block", "cidr_block"),
    ("destination_ipv6_cidr_block", "ipv6_cidr_block"),
    ("destination_prefix_list_id", "destination_prefix_list_id"),
];

/// The targets a route may have; the same names in both resources.
const TARGETS: [&str; 11] = [
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "odb_network_arn",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// One route, as the names of [`DESTINATIONS`] (block side) and [`TARGETS`]
/// map to AWS's.
fn route_fields(route: &SdkRoute) -> Vec<(&'static str, Option<String>)> {
    let s = |v: Option<&str>| v.map(str::to_string);
    // An internet gateway route names it in GatewayId; so does the VPC's
    // own "local" route, which is never the user's.
    vec![
        ("cidr_block", s(route.destination_cidr_block())),
        ("ipv6_cidr_block", s(route.destination_ipv6_cidr_block())),
        (
            "destination_prefix_list_id",
            s(route.destination_prefix_list_id()),
        ),
        ("carrier_gateway_id", s(route.carrier_gateway_id())),
        ("core_network_arn", s(route.core_network_arn())),
        (
            "egress_only_gateway_id",
            s(route.egress_only_internet_gateway_id()),
        ),
        ("gateway_id", s(route.gateway_id())),
        ("local_gateway_id", s(route.local_gateway_id())),
        ("nat_gateway_id", s(route.nat_gateway_id())),
        ("network_interface_id", s(route.network_interface_id())),
        ("odb_network_arn", s(route.odb_network_arn())),
        ("instance_id", s(route.instance_id())),
        ("transit_gateway_id", s(route.transit_gateway_id())),
        ("vpc_endpoint_id", None),
        (
            "vpc_peering_connection_id",
            s(route.vpc_peering_connection_id()),
        ),
    ]
}

/// Whether a route was made by a CreateRoute (the user's), not by the VPC
/// (its local route) or a propagating gateway.
fn user_route(route: &SdkRoute) -> bool {
    route.gateway_id() != Some("local")
        && !matches!(
            route.origin(),
            Some(RouteOrigin::CreateRouteTable) | Some(RouteOrigin::EnableVgwRoutePropagation)
        )
}

/// The destination of a route (CIDR, IPv6 CIDR or prefix list).
fn destination(route: &SdkRoute) -> Option<String> {
    route
        .destination_cidr_block()
        .or(route.destination_ipv6_cidr_block())
        .or(route.destination_prefix_list_id())
        .map(str::to_string)
}

/// Describes route tables through a filter, 200 values and a page a call.
async fn describe_tables(
    clients: &Clients,
    filter: &str,
    values: &[String],
) -> Result<Vec<Sdk>, AwsError> {
    let ec2 = &clients.ec2;
    describe_by_filter(values, filter, |filter, token| async move {
        let page = clients
            .call("ec2", "DescribeRouteTables", || {
                ec2.describe_route_tables()
                    .filters(filter.clone())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.route_tables().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await
}

/// Every route table of the account and region, page by page.
async fn all_tables(clients: &Clients) -> Result<Vec<Sdk>, AwsError> {
    let ec2 = &clients.ec2;
    pages(|token| async move {
        let page = clients
            .call("ec2", "DescribeRouteTables", || {
                ec2.describe_route_tables()
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.route_tables().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await
}

fn route_block() -> BlockSchema {
    let mut schema = Schema::new("A route of the table.");
    for (_, name) in DESTINATIONS {
        schema = schema.attr(
            AttributeSchema::optional(name, AttrType::String)
                .describe("A destination of the route."),
        );
    }
    for name in TARGETS.iter().chain(&["instance_id"]) {
        schema = schema.attr(
            AttributeSchema::optional(name, AttrType::String).describe("A target of the route."),
        );
    }
    BlockSchema {
        name: "route",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema,
    }
}

/// A `route` block's destination and its value as the block shows it.
fn block_of(route: &SdkRoute) -> Value {
    Value::Map(
        route_fields(route)
            .into_iter()
            .map(|(k, v)| (k.to_string(), opt_string(v)))
            .collect(),
    )
}

/// Sends CreateRoute (or ReplaceRoute) for a route given by its
/// destination (`(argument, value)`) and targets read from `value` with
/// the names in [`TARGETS`].
async fn put_route(
    clients: &Clients,
    table: &str,
    dest: (&str, &str),
    value: &Value,
    replace: bool,
) -> Result<(), ProviderError> {
    let t = |name: &str| str_attr(value, name);
    let ec2 = &clients.ec2;
    let (kind, cidr) = dest;
    // An instance is a target of a table's `route` block only; where the
    // route names its interface too, the interface is the target sent.
    let instance = t("instance_id").filter(|_| TARGETS.iter().all(|n| t(n).is_none()));
    macro_rules! send {
        ($builder:expr) => {
            $builder
                .route_table_id(table)
                .set_destination_cidr_block(
                    (kind == "destination_cidr_block").then(|| cidr.to_string()),
                )
                .set_destination_ipv6_cidr_block(
                    (kind == "destination_ipv6_cidr_block").then(|| cidr.to_string()),
                )
                .set_destination_prefix_list_id(
                    (kind == "destination_prefix_list_id").then(|| cidr.to_string()),
                )
                .set_carrier_gateway_id(t("carrier_gateway_id"))
                .set_core_network_arn(t("core_network_arn"))
                .set_egress_only_internet_gateway_id(t("egress_only_gateway_id"))
                .set_gateway_id(t("gateway_id"))
                .set_local_gateway_id(t("local_gateway_id"))
                .set_nat_gateway_id(t("nat_gateway_id"))
                .set_network_interface_id(t("network_interface_id"))
                .set_transit_gateway_id(t("transit_gateway_id"))
                .set_vpc_endpoint_id(t("vpc_endpoint_id"))
                .set_vpc_peering_connection_id(t("vpc_peering_connection_id"))
                .set_odb_network_arn(t("odb_network_arn"))
                .set_instance_id(instance.clone())
                .send()
        };
    }
    if replace {
        clients
            .call("ec2", "ReplaceRoute", || send!(ec2.replace_route()))
            .await?;
    } else {
        clients
            .call("ec2", "CreateRoute", || send!(ec2.create_route()))
            .await?;
    }
    Ok(())
}

async fn delete_route(
    clients: &Clients,
    table: &str,
    dest: (&str, &str),
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    let (kind, cidr) = dest;
    clients
        .call("ec2", "DeleteRoute", || {
            ec2.delete_route()
                .route_table_id(table)
                .set_destination_cidr_block(
                    (kind == "destination_cidr_block").then(|| cidr.to_string()),
                )
                .set_destination_ipv6_cidr_block(
                    (kind == "destination_ipv6_cidr_block").then(|| cidr.to_string()),
                )
                .set_destination_prefix_list_id(
                    (kind == "destination_prefix_list_id").then(|| cidr.to_string()),
                )
                .send()
        })
        .await
        .gone_ok()
}

/// The destination of a `route` block, as (argument of CreateRoute, value).
fn block_destination(block: &Value) -> Option<(&'static str, String)> {
    DESTINATIONS
        .iter()
        .find_map(|(arg, name)| str_attr(block, name).map(|v| (*arg, v)))
}

// ---------------------------------------------------------------------------
// aws_route_table
// ---------------------------------------------------------------------------

pub struct RouteTable;

fn table_state(clients: &Clients, table: &Sdk) -> Value {
    let id = table.route_table_id().unwrap_or_default();
    let routes = table
        .routes()
        .iter()
        .filter(|r| user_route(r))
        .map(block_of)
        .collect();
    let vgws: Vec<String> = table
        .propagating_vgws()
        .iter()
        .filter_map(|v| v.gateway_id().map(str::to_string))
        .collect();
    object([
        ("id", string(id)),
        ("arn", arn(clients, table.owner_id(), "route-table", id)),
        ("owner_id", opt_string(table.owner_id())),
        ("vpc_id", opt_string(table.vpc_id())),
        ("route", Value::set_from(routes)),
        ("propagating_vgws", crate::aws::values::string_set(vgws)),
        ("tags", tags_value(table.tags())),
    ])
}

#[async_trait]
impl Managed for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn noun(&self) -> &'static str {
        "route table"
    }

    fn schema(&self) -> Schema {
        Schema::new("A VPC route table, with its routes written inline.")
            .attr(
                AttributeSchema::required("vpc_id", AttrType::String)
                    .force_new()
                    .describe("The VPC of the table."),
            )
            .attr(
                AttributeSchema::optional_computed(
                    "propagating_vgws",
                    AttrType::set_of(AttrType::String),
                )
                .describe("Virtual private gateways whose routes propagate into the table."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The route table id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The table's ARN."))
            .attr(
                AttributeSchema::computed("owner_id", AttrType::String)
                    .describe("The account that owns the table."),
            )
            .block(route_block())
    }

    /// As in Terraform, `route` is also computed: a table configured
    /// without route blocks leaves the routes `aws_route` resources add
    /// alone instead of planning to remove them.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let configured = request
            .config
            .get_attr("route")
            .is_some_and(|r| !r.is_null() && r.as_list().is_some_and(|l| !l.is_empty()));
        let mut response = plan_by_schema(schema, request.prior, request.config);
        if !configured {
            if let (Some(prior), Value::Map(planned)) = (request.prior, &mut response.planned) {
                for name in ["route", "propagating_vgws"] {
                    if let Some(v) = prior.get_attr(name) {
                        planned.insert(name.to_string(), v.clone());
                    }
                }
            }
        }
        response
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
        let vpc = required_str(planned, "vpc_id")?;
        let tags = tag_specification(ResourceType::RouteTable, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateRouteTable",
                || {
                    ec2.create_route_table()
                        .vpc_id(&vpc)
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::RouteTable, request.operation_id),
            )
            .await?
            .found_or(|out| out.route_table()?.route_table_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("CreateRouteTable returned no id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        for block in blocks_attr(planned, "route") {
            if let Some((kind, dest)) = block_destination(&block) {
                put_route(clients, id, (kind, &dest), &block, false).await?;
            }
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
        let by_dest = |v: &Value| -> BTreeMap<(&'static str, String), Value> {
            blocks_attr(v, "route")
                .into_iter()
                .filter_map(|b| Some((block_destination(&b)?, b)))
                .collect()
        };
        let (before, after) = (by_dest(prior), by_dest(planned));
        for ((kind, dest), _) in before.iter().filter(|(k, _)| !after.contains_key(*k)) {
            delete_route(clients, id, (kind, dest)).await?;
        }
        for ((kind, dest), block) in &after {
            match before.get(&(*kind, dest.clone())) {
                None => put_route(clients, id, (kind, dest), block, false).await?,
                Some(old) if !engine::provider::values_equal(old, block) => {
                    put_route(clients, id, (kind, dest), block, true).await?
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "DeleteRouteTable", || {
                ec2.delete_route_table().route_table_id(id).send()
            })
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        Ok(describe_tables(clients, "route-table-id", ids)
            .await?
            .iter()
            .filter_map(|t| Some((t.route_table_id()?.to_string(), table_state(clients, t))))
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::RouteTable, operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_route
// ---------------------------------------------------------------------------

pub struct Route;

/// Terraform's id of a route: `r-` + table id + the CRC-32 of the
/// destination, in decimal.
fn route_id(table: &str, destination: &str) -> String {
    format!("r-{table}{}", crc32fast::hash(destination.as_bytes()))
}

/// The destination argument a route's state or plan names.
fn route_destination(value: &Value) -> Option<(&'static str, String)> {
    DESTINATIONS
        .iter()
        .find_map(|(arg, _)| str_attr(value, arg).map(|v| (*arg, v)))
}

fn route_state(table: &str, route: &SdkRoute) -> Value {
    let dest = destination(route).unwrap_or_default();
    let mut map: BTreeMap<String, Value> = route_fields(route)
        .into_iter()
        .filter(|(k, _)| TARGETS.contains(k))
        .map(|(k, v)| (k.to_string(), opt_string(v)))
        .collect();
    for (k, v) in [
        ("id", string(route_id(table, &dest))),
        ("route_table_id", string(table)),
        (
            "destination_cidr_block",
            opt_string(route.destination_cidr_block()),
        ),
        (
            "destination_ipv6_cidr_block",
            opt_string(route.destination_ipv6_cidr_block()),
        ),
        (
            "destination_prefix_list_id",
            opt_string(route.destination_prefix_list_id()),
        ),
        ("instance_id", opt_string(route.instance_id())),
        ("instance_owner_id", opt_string(route.instance_owner_id())),
        ("origin", opt_string(route.origin().map(|o| o.as_str()))),
        ("state", opt_string(route.state().map(|s| s.as_str()))),
    ] {
        map.insert(k.to_string(), v);
    }
    Value::Map(map)
}

#[async_trait]
impl Managed for Route {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn noun(&self) -> &'static str {
        "route"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("One route of a VPC route table.").attr(
            AttributeSchema::required("route_table_id", AttrType::String)
                .force_new()
                .describe("The table the route belongs to."),
        );
        for (arg, _) in DESTINATIONS {
            schema = schema.attr(
                AttributeSchema::optional(arg, AttrType::String)
                    .force_new()
                    .describe("The destination of the route (one of the three)."),
            );
        }
        for name in TARGETS {
            let attr = if name == "network_interface_id" {
                AttributeSchema::optional_computed(name, AttrType::String)
            } else {
                AttributeSchema::optional(name, AttrType::String)
            };
            schema = schema.attr(attr.describe("A target of the route (one of them)."));
        }
        schema
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The route's id."))
            .attr(
                AttributeSchema::computed("instance_id", AttrType::String)
                    .describe("The machine the route leads to, if any."),
            )
            .attr(
                AttributeSchema::computed("instance_owner_id", AttrType::String)
                    .describe("The owner of that machine."),
            )
            .attr(
                AttributeSchema::computed("origin", AttrType::String)
                    .describe("How the route was made."),
            )
            .attr(
                AttributeSchema::computed("state", AttrType::String).describe("The route's state."),
            )
    }

    /// `ROUTETABLEID_DESTINATION`, as Terraform imports a route.
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        let table = required_str(state, "route_table_id")?;
        let (_, dest) = route_destination(state)
            .ok_or_else(|| ProviderError::new("the route's state has no destination"))?;
        Ok(format!("{table}_{dest}"))
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let table = crate::aws::attribute_text(attributes, "route_table_id")?;
        let dest = DESTINATIONS
            .iter()
            .find_map(|(arg, _)| crate::aws::attribute_text(attributes, arg))?;
        Some(format!("{table}_{dest}"))
    }

    async fn create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let table = required_str(planned, "route_table_id")?;
        let (kind, dest) = route_destination(planned).ok_or_else(|| {
            ProviderError::new(
                "aws_route needs one of destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id",
            )
        })?;
        // A table has one route per destination, so CreateRoute cannot make
        // two: sent again after a lost answer, it fails with
        // RouteAlreadyExists, which says the first one took effect.
        match put_route(clients, &table, (kind, &dest), planned, false).await {
            Err(e) if e.message.contains("RouteAlreadyExists") => {}
            other => other?,
        }
        Ok(Made {
            key: format!("{table}_{dest}"),
            known: vec![("id", string(route_id(&table, &dest)))],
        })
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if TARGETS
            .iter()
            .any(|t| crate::aws::values::changed(prior, planned, t))
        {
            let table = required_str(planned, "route_table_id")?;
            let (kind, dest) = route_destination(planned)
                .ok_or_else(|| ProviderError::new("the route has no destination"))?;
            put_route(clients, &table, (kind, &dest), planned, true).await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let table = required_str(prior, "route_table_id")?;
        let (kind, dest) = route_destination(prior)
            .ok_or_else(|| ProviderError::new("the route has no destination"))?;
        delete_route(clients, &table, (kind, &dest)).await
    }

    /// One DescribeRouteTables for all the tables the routes belong to.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let split: Vec<(String, String, String)> = keys
            .iter()
            .filter_map(|k| {
                let (t, d) = k.split_once('_')?;
                Some((k.clone(), t.to_string(), d.to_string()))
            })
            .collect();
        let mut tables: Vec<String> = split.iter().map(|(_, t, _)| t.clone()).collect();
        tables.sort();
        tables.dedup();
        let found = describe_tables(clients, "route-table-id", &tables).await?;
        let mut out = BTreeMap::new();
        for (key, table, dest) in split {
            let route = found
                .iter()
                .filter(|t| t.route_table_id() == Some(table.as_str()))
                .flat_map(|t| t.routes())
                .find(|r| destination(r).as_deref() == Some(dest.as_str()));
            if let Some(route) = route {
                out.insert(key, route_state(&table, route));
            }
        }
        Ok(out)
    }

    /// The table holds one route per destination: the one there is ours.
    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let key = match self.key(planned) {
            Ok(key) => key,
            Err(_) => return Ok(None),
        };
        let found = self.describe(clients, std::slice::from_ref(&key)).await?;
        Ok(found.contains_key(&key).then_some(key))
    }
}

// ---------------------------------------------------------------------------
// aws_route_table_association
// ---------------------------------------------------------------------------

pub struct Association;

/// The subnet or gateway of an association: what stays the same when its
/// table is replaced (ReplaceRouteTableAssociation gives it a new id).
fn associated(value: &Value) -> Option<String> {
    str_attr(value, "subnet_id").or_else(|| str_attr(value, "gateway_id"))
}

#[async_trait]
impl Managed for Association {
    fn type_name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn noun(&self) -> &'static str {
        "route table association"
    }

    fn schema(&self) -> Schema {
        Schema::new("Binds a subnet or a gateway to a route table.")
            .attr(
                AttributeSchema::optional("subnet_id", AttrType::String)
                    .force_new()
                    .describe("The subnet to bind (or gateway_id)."),
            )
            .attr(
                AttributeSchema::optional("gateway_id", AttrType::String)
                    .force_new()
                    .describe("The internet or virtual private gateway to bind (or subnet_id)."),
            )
            .attr(
                AttributeSchema::required("route_table_id", AttrType::String)
                    .describe("The route table to bind to; changes in place."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The association id."))
    }

    /// The subnet or gateway id; an import's `subnet-…/rtb-…` gives it too.
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        associated(state).ok_or_else(|| {
            ProviderError::new("the association has neither subnet_id nor gateway_id")
        })
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let target = crate::aws::attribute_text(attributes, "subnet_id")
            .or_else(|| crate::aws::attribute_text(attributes, "gateway_id"))?;
        let table = crate::aws::attribute_text(attributes, "route_table_id")?;
        Some(format!("{target}/{table}"))
    }

    async fn create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let table = required_str(planned, "route_table_id")?;
        let ec2 = &clients.ec2;
        let (subnet, gateway) = (
            str_attr(planned, "subnet_id"),
            str_attr(planned, "gateway_id"),
        );
        let key = associated(planned).ok_or_else(|| {
            ProviderError::new("aws_route_table_association needs subnet_id or gateway_id")
        })?;
        // A subnet has one association: sent again after a lost answer,
        // AssociateRouteTable fails (Resource.AlreadyAssociated) instead of
        // making a second, so the lookup comes first.
        let id = clients
            .create(
                "ec2",
                "AssociateRouteTable",
                || {
                    ec2.associate_route_table()
                        .route_table_id(&table)
                        .set_subnet_id(subnet.clone())
                        .set_gateway_id(gateway.clone())
                        .send()
                },
                || self.find_created(clients, "", planned),
            )
            .await?
            .found_or(|out| out.association_id().map(str::to_string));
        Ok(Made {
            key,
            known: id.map(|id| vec![("id", string(id))]).unwrap_or_default(),
        })
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !crate::aws::values::changed(prior, planned, "route_table_id") {
            return Ok(());
        }
        let id = required_str(prior, "id")?;
        let table = required_str(planned, "route_table_id")?;
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "ReplaceRouteTableAssociation", || {
                ec2.replace_route_table_association()
                    .association_id(&id)
                    .route_table_id(&table)
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let id = required_str(prior, "id")?;
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "DisassociateRouteTable", || {
                ec2.disassociate_route_table().association_id(&id).send()
            })
            .await
            .gone_ok()
    }

    /// Subnets through the `association.subnet-id` filter, 200 a call;
    /// gateways (rare) by listing every table.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let target = |k: &String| k.split('/').next().unwrap_or_default().to_string();
        let subnets: Vec<String> = keys
            .iter()
            .map(target)
            .filter(|t| t.starts_with("subnet-"))
            .collect();
        let mut tables = describe_tables(clients, "association.subnet-id", &subnets).await?;
        if keys.iter().any(|k| !target(k).starts_with("subnet-")) {
            tables.extend(all_tables(clients).await?);
        }
        let mut out = BTreeMap::new();
        for key in keys {
            let wanted = target(key);
            let found = tables.iter().find_map(|t| {
                t.associations().iter().find(|a| {
                    a.subnet_id() == Some(wanted.as_str())
                        || a.gateway_id() == Some(wanted.as_str())
                })
            });
            if let Some(a) = found {
                out.insert(
                    key.clone(),
                    object([
                        ("id", opt_string(a.route_table_association_id())),
                        ("subnet_id", opt_string(a.subnet_id())),
                        ("gateway_id", opt_string(a.gateway_id())),
                        ("route_table_id", opt_string(a.route_table_id())),
                    ]),
                );
            }
        }
        Ok(out)
    }

    /// The subnet's (or gateway's) association, if it binds the planned table.
    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let Some(key) = associated(planned) else {
            return Ok(None);
        };
        let found = self.describe(clients, std::slice::from_ref(&key)).await?;
        let table = str_attr(planned, "route_table_id");
        Ok(found
            .get(&key)
            .filter(|v| str_attr(v, "route_table_id") == table)
            .map(|_| key))
    }
}
