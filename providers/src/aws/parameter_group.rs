//! Parameter groups: `aws_db_parameter_group` (RDS) and
//! `aws_elasticache_parameter_group`. Both services shape them alike: a
//! named group of one engine family, whose `parameter` blocks are the
//! parameters the user changed from the family's defaults.
//!
//! A group's parameters are written after its create (the create call takes
//! none) and in place on update: changed or added ones with Modify*, removed
//! ones with Reset*, twenty per call, the APIs' limit. Reads list the
//! groups (one call for one group, one paged listing for several) and then
//! each group's user-set parameters (`Source=user`), one paged call per
//! group, as neither API lists the parameters of several groups at once.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticache::types::{CacheParameterGroup, ParameterNameValue};
use aws_sdk_rds::types::{ApplyMethod, DbParameterGroup, Parameter};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::elasticache::ElastiCacheTags;
use super::managed::{
    create_tags, one_or_all, ours_by_name, pages, Gone, Made, Managed, Seam, Tagging,
};
use super::rds::RdsTags;
use super::values::{
    blocks_attr, changed, object, opt_string, required_str, str_attr, string, tags_attribute,
};
use super::{AwsError, AwsResource, Clients};

/// The resource types of this module, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(DbParameterGroupResource)),
        Box::new(Seam(CacheParameterGroupResource)),
    ]
}

/// How many parameters one Modify* or Reset* call may carry (RDS and
/// ElastiCache API references: "maximum of 20 parameters").
const PARAMETERS_PER_CALL: usize = 20;

/// The description Terraform's provider gives a group without one.
const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// One `parameter` block: name, value and (RDS only) how it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    name: String,
    value: String,
    apply_method: Option<String>,
}

impl Param {
    fn block(&self) -> Value {
        let mut pairs = vec![("name", string(&self.name)), ("value", string(&self.value))];
        if let Some(method) = &self.apply_method {
            pairs.push(("apply_method", string(method)));
        }
        object(pairs)
    }
}

/// The `parameter` blocks of a configuration or state, by name.
fn params(value: &Value) -> BTreeMap<String, Param> {
    blocks_attr(value, "parameter")
        .iter()
        .filter_map(|b| {
            Some(Param {
                name: str_attr(b, "name")?,
                value: str_attr(b, "value").unwrap_or_default(),
                apply_method: str_attr(b, "apply_method"),
            })
        })
        .map(|p| (p.name.clone(), p))
        .collect()
}

/// What an update sends: parameters new or changed, and those removed.
fn param_changes(prior: &Value, planned: &Value) -> (Vec<Param>, Vec<Param>) {
    let (old, new) = (params(prior), params(planned));
    let set = new
        .values()
        .filter(|p| old.get(&p.name) != Some(*p))
        .cloned()
        .collect();
    let reset = old
        .values()
        .filter(|p| !new.contains_key(&p.name))
        .cloned()
        .collect();
    (set, reset)
}

fn parameter_block(with_apply_method: bool) -> BlockSchema {
    let mut schema = Schema::new("A parameter set to a value other than the family's default.")
        .attr(AttributeSchema::required("name", AttrType::String).describe("The parameter's name."))
        .attr(
            AttributeSchema::required("value", AttrType::String).describe("The parameter's value."),
        );
    if with_apply_method {
        schema = schema.attr(
            AttributeSchema::optional("apply_method", AttrType::String)
                .default("immediate")
                .describe("\"immediate\" or \"pending-reboot\" (for static parameters)."),
        );
    }
    BlockSchema {
        name: "parameter",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema,
    }
}

/// The arguments and attributes both kinds of group share, after `name`.
fn common_schema(schema: Schema, with_apply_method: bool) -> Schema {
    schema
        .attr(
            AttributeSchema::required("family", AttrType::String)
                .force_new()
                .describe("The engine family of the group, e.g. \"postgres16\" or \"redis7\"."),
        )
        .attr(
            AttributeSchema::optional("description", AttrType::String)
                .force_new()
                .default(DEFAULT_DESCRIPTION)
                .describe("The description of the group."),
        )
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The group's name."))
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The group's ARN."))
        .block(parameter_block(with_apply_method))
}

/// A state value from what the group listing says and its parameters.
fn group_state(
    name: &str,
    family: Option<&str>,
    description: Option<&str>,
    arn: Option<&str>,
    parameters: &[Param],
) -> Value {
    object([
        ("id", string(name)),
        ("name", string(name)),
        ("family", opt_string(family)),
        ("description", opt_string(description)),
        ("arn", opt_string(arn)),
        (
            "parameter",
            Value::set_from(parameters.iter().map(Param::block).collect()),
        ),
    ])
}

/// Adds each group's parameters, read by `read(name)`, to its state.
async fn with_parameters<F, Fut>(
    mut groups: BTreeMap<String, Value>,
    read: F,
) -> Result<BTreeMap<String, Value>, ProviderError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Vec<Param>>, ProviderError>>,
{
    let mut gone = Vec::new();
    for (name, state) in groups.iter_mut() {
        let Some(parameters) = read(name.clone()).await? else {
            // Deleted between the two calls.
            gone.push(name.clone());
            continue;
        };
        if let Value::Map(map) = state {
            map.insert(
                "parameter".to_string(),
                Value::set_from(parameters.iter().map(Param::block).collect()),
            );
        }
    }
    for name in gone {
        groups.remove(&name);
    }
    Ok(groups)
}

// ---------------------------------------------------------------------------
// aws_db_parameter_group
// ---------------------------------------------------------------------------

pub struct DbParameterGroupResource;

fn db_group_state(group: &DbParameterGroup) -> Option<(String, Value)> {
    let name = group.db_parameter_group_name()?;
    Some((
        name.to_string(),
        group_state(
            name,
            group.db_parameter_group_family(),
            group.description(),
            group.db_parameter_group_arn(),
            &[],
        ),
    ))
}

fn rds_parameter(p: &Param) -> Parameter {
    Parameter::builder()
        .parameter_name(&p.name)
        .parameter_value(&p.value)
        .apply_method(ApplyMethod::from(
            p.apply_method.as_deref().unwrap_or("immediate"),
        ))
        .build()
}

/// The configuration with `apply_method = "immediate"` in each `parameter`
/// block that leaves it out, as the API reports it, so that a re-plan
/// compares like with like.
fn with_default_apply_method(config: &Value) -> Value {
    let mut config = config.clone();
    let Value::Map(map) = &mut config else {
        return config;
    };
    let Some(blocks) = map.get("parameter").and_then(Value::as_list) else {
        return config;
    };
    let blocks = blocks
        .iter()
        .cloned()
        .map(|mut block| {
            if let Value::Map(fields) = &mut block {
                let method = fields
                    .entry("apply_method".to_string())
                    .or_insert(Value::Null);
                if method.is_null() {
                    *method = string("immediate");
                }
            }
            block
        })
        .collect();
    // Rebuilt, so that the set is in order again.
    map.insert("parameter".to_string(), Value::set_from(blocks));
    config
}

/// The user-set parameters of one DB parameter group, every page.
async fn db_parameters(
    clients: &Clients,
    name: String,
) -> Result<Option<Vec<Param>>, ProviderError> {
    let rds = &clients.rds;
    let name = &name;
    let found = pages(|marker| async move {
        let out = clients
            .call("rds", "DescribeDBParameters", || {
                rds.describe_db_parameters()
                    .db_parameter_group_name(name)
                    .source("user")
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let items: Vec<Param> = out
            .parameters()
            .iter()
            .filter_map(|p| {
                Some(Param {
                    name: p.parameter_name()?.to_string(),
                    value: p.parameter_value()?.to_string(),
                    apply_method: Some(
                        p.apply_method()
                            .map(|m| m.as_str().to_string())
                            .unwrap_or_else(|| "immediate".to_string()),
                    ),
                })
            })
            .collect();
        Ok::<_, AwsError>((items, out.marker().map(str::to_string)))
    })
    .await
    .or_gone()?;
    Ok(found)
}

/// Sends the changes of a DB parameter group's parameters.
async fn write_db_parameters(
    clients: &Clients,
    name: &str,
    set: &[Param],
    reset: &[Param],
) -> Result<(), ProviderError> {
    let rds = &clients.rds;
    for chunk in reset.chunks(PARAMETERS_PER_CALL) {
        let parameters: Vec<Parameter> = chunk.iter().map(rds_parameter).collect();
        clients
            .call("rds", "ResetDBParameterGroup", || {
                rds.reset_db_parameter_group()
                    .db_parameter_group_name(name)
                    .set_parameters(Some(parameters.clone()))
                    .send()
            })
            .await?;
    }
    for chunk in set.chunks(PARAMETERS_PER_CALL) {
        let parameters: Vec<Parameter> = chunk.iter().map(rds_parameter).collect();
        clients
            .call("rds", "ModifyDBParameterGroup", || {
                rds.modify_db_parameter_group()
                    .db_parameter_group_name(name)
                    .set_parameters(Some(parameters.clone()))
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// The name a create uses: the user's, or one generated from `name_prefix`
/// (RDS keeps names in lower case, so the generated one is too).
fn db_group_name(planned: &Value, operation_id: &str) -> String {
    str_attr(planned, "name")
        .unwrap_or_else(|| super::iam::generated_name(planned, operation_id, 255).to_lowercase())
}

#[async_trait]
impl Managed for DbParameterGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_db_parameter_group"
    }

    fn noun(&self) -> &'static str {
        "DB parameter group"
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new("An RDS DB parameter group: engine settings for DB instances.")
            .attr(
                AttributeSchema::optional_computed("name", AttrType::String)
                    .force_new()
                    .describe("The name; generated from name_prefix or the operation when unset."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", AttrType::String)
                    .force_new()
                    .describe("The start of a generated name; conflicts with name."),
            );
        common_schema(schema, true)
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = with_default_apply_method(request.config);
        plan_by_schema(schema, request.prior, &config)
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&RdsTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = db_group_name(planned, request.operation_id);
        let family = required_str(planned, "family")?;
        let description =
            str_attr(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.into());
        let tags = super::rds::tags_to_sdk(&create_tags(planned, request.operation_id));
        let rds = &clients.rds;
        clients
            .create(
                "rds",
                "CreateDBParameterGroup",
                || {
                    rds.create_db_parameter_group()
                        .db_parameter_group_name(&name)
                        .db_parameter_group_family(&family)
                        .description(&description)
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let (set, _) = param_changes(&Value::Null, planned);
        write_db_parameters(clients, name, &set, &[]).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !changed(prior, planned, "parameter") {
            return Ok(());
        }
        let (set, reset) = param_changes(prior, planned);
        write_db_parameters(clients, name, &set, &reset).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let rds = &clients.rds;
        clients
            .call("rds", "DeleteDBParameterGroup", || {
                rds.delete_db_parameter_group()
                    .db_parameter_group_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// DescribeDBParameterGroups for one group, one paged listing for
    /// several; then each group's user-set parameters.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let rds = &clients.rds;
        let groups = one_or_all(
            names,
            |name| async move {
                let out = clients
                    .call("rds", "DescribeDBParameterGroups", || {
                        rds.describe_db_parameter_groups()
                            .db_parameter_group_name(&name)
                            .send()
                    })
                    .await
                    .or_gone()?;
                Ok(out.and_then(|out| {
                    out.db_parameter_groups()
                        .iter()
                        .filter_map(db_group_state)
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v)
                }))
            },
            || async {
                let groups = pages(|marker| async move {
                    let out = clients
                        .call("rds", "DescribeDBParameterGroups", || {
                            rds.describe_db_parameter_groups()
                                .set_marker(marker.clone())
                                .send()
                        })
                        .await?;
                    Ok::<_, AwsError>((
                        out.db_parameter_groups().to_vec(),
                        out.marker().map(str::to_string),
                    ))
                })
                .await?;
                Ok(groups.iter().filter_map(db_group_state).collect())
            },
        )
        .await?;
        with_parameters(groups, |name| db_parameters(clients, name)).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = db_group_name(planned, operation_id);
        ours_by_name(self, clients, Some(name), operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elasticache_parameter_group
// ---------------------------------------------------------------------------

pub struct CacheParameterGroupResource;

fn cache_group_state(group: &CacheParameterGroup) -> Option<(String, Value)> {
    let name = group.cache_parameter_group_name()?;
    Some((
        name.to_string(),
        group_state(
            name,
            group.cache_parameter_group_family(),
            group.description(),
            group.arn(),
            &[],
        ),
    ))
}

fn cache_parameter(p: &Param) -> ParameterNameValue {
    ParameterNameValue::builder()
        .parameter_name(&p.name)
        .parameter_value(&p.value)
        .build()
}

/// The user-set parameters of one cache parameter group, every page.
async fn cache_parameters(
    clients: &Clients,
    name: String,
) -> Result<Option<Vec<Param>>, ProviderError> {
    let ec = &clients.elasticache;
    let name = &name;
    let found = pages(|marker| async move {
        let out = clients
            .call("elasticache", "DescribeCacheParameters", || {
                ec.describe_cache_parameters()
                    .cache_parameter_group_name(name)
                    .source("user")
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let items: Vec<Param> = out
            .parameters()
            .iter()
            .filter_map(|p| {
                Some(Param {
                    name: p.parameter_name()?.to_string(),
                    value: p.parameter_value()?.to_string(),
                    apply_method: None,
                })
            })
            .collect();
        Ok::<_, AwsError>((items, out.marker().map(str::to_string)))
    })
    .await
    .or_gone()?;
    Ok(found)
}

/// Sends the changes of a cache parameter group's parameters.
async fn write_cache_parameters(
    clients: &Clients,
    name: &str,
    set: &[Param],
    reset: &[Param],
) -> Result<(), ProviderError> {
    let ec = &clients.elasticache;
    for chunk in reset.chunks(PARAMETERS_PER_CALL) {
        let parameters: Vec<ParameterNameValue> = chunk.iter().map(cache_parameter).collect();
        clients
            .call("elasticache", "ResetCacheParameterGroup", || {
                ec.reset_cache_parameter_group()
                    .cache_parameter_group_name(name)
                    .reset_all_parameters(false)
                    .set_parameter_name_values(Some(parameters.clone()))
                    .send()
            })
            .await?;
    }
    for chunk in set.chunks(PARAMETERS_PER_CALL) {
        let parameters: Vec<ParameterNameValue> = chunk.iter().map(cache_parameter).collect();
        clients
            .call("elasticache", "ModifyCacheParameterGroup", || {
                ec.modify_cache_parameter_group()
                    .cache_parameter_group_name(name)
                    .set_parameter_name_values(Some(parameters.clone()))
                    .send()
            })
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Managed for CacheParameterGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_parameter_group"
    }

    fn noun(&self) -> &'static str {
        "cache parameter group"
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new("An ElastiCache parameter group: engine settings for caches.")
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .force_new()
                    .describe("The name of the parameter group."),
            );
        common_schema(schema, false)
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&ElastiCacheTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let family = required_str(planned, "family")?;
        let description =
            str_attr(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.into());
        let tags = super::elasticache::tags_to_sdk(&create_tags(planned, request.operation_id));
        let ec = &clients.elasticache;
        clients
            .create(
                "elasticache",
                "CreateCacheParameterGroup",
                || {
                    ec.create_cache_parameter_group()
                        .cache_parameter_group_name(&name)
                        .cache_parameter_group_family(&family)
                        .description(&description)
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let (set, _) = param_changes(&Value::Null, planned);
        write_cache_parameters(clients, name, &set, &[]).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !changed(prior, planned, "parameter") {
            return Ok(());
        }
        let (set, reset) = param_changes(prior, planned);
        write_cache_parameters(clients, name, &set, &reset).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        clients
            .call("elasticache", "DeleteCacheParameterGroup", || {
                ec.delete_cache_parameter_group()
                    .cache_parameter_group_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// DescribeCacheParameterGroups for one group, one paged listing for
    /// several; then each group's user-set parameters.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let ec = &clients.elasticache;
        let groups = one_or_all(
            names,
            |name| async move {
                let out = clients
                    .call("elasticache", "DescribeCacheParameterGroups", || {
                        ec.describe_cache_parameter_groups()
                            .cache_parameter_group_name(&name)
                            .send()
                    })
                    .await
                    .or_gone()?;
                Ok(out.and_then(|out| {
                    out.cache_parameter_groups()
                        .iter()
                        .filter_map(cache_group_state)
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v)
                }))
            },
            || async {
                let groups = pages(|marker| async move {
                    let out = clients
                        .call("elasticache", "DescribeCacheParameterGroups", || {
                            ec.describe_cache_parameter_groups()
                                .set_marker(marker.clone())
                                .send()
                        })
                        .await?;
                    Ok::<_, AwsError>((
                        out.cache_parameter_groups().to_vec(),
                        out.marker().map(str::to_string),
                    ))
                })
                .await?;
                Ok(groups.iter().filter_map(cache_group_state).collect())
            },
        )
        .await?;
        with_parameters(groups, |name| cache_parameters(clients, name)).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(self, clients, str_attr(planned, "name"), operation_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_params(pairs: &[(&str, &str)]) -> Value {
        object([(
            "parameter",
            Value::set_from(
                pairs
                    .iter()
                    .map(|(n, v)| object([("name", string(*n)), ("value", string(*v))]))
                    .collect(),
            ),
        )])
    }

    #[test]
    fn changed_parameters_are_set_and_removed_ones_reset() {
        let prior = with_params(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let planned = with_params(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let (set, reset) = param_changes(&prior, &planned);
        let names = |ps: &[Param]| ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&set), ["b", "d"]);
        assert_eq!(set[0].value, "20");
        assert_eq!(names(&reset), ["c"]);
        let (set, reset) = param_changes(&Value::Null, &prior);
        assert_eq!(names(&set), ["a", "b", "c"]);
        assert!(reset.is_empty());
    }
}
