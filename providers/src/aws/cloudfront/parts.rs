//! The parts of a distribution's configuration beyond origins, cache
//! behaviours, certificate and restrictions' basics, with Terraform's
//! argument names: logging, custom error responses, origin groups, an
//! origin's access control, custom headers, Origin Shield and connection
//! settings, a behaviour's policies, signers and function associations,
//! and the distribution's computed signer lists. Each part has its schema,
//! its SDK form (configuration → API) and its state form (API → state).

use aws_sdk_cloudfront::types::{
    ActiveTrustedKeyGroups, ActiveTrustedSigners, CustomErrorResponse, CustomErrorResponses,
    CustomHeaders, EventType, FunctionAssociation, FunctionAssociations, LambdaFunctionAssociation,
    LambdaFunctionAssociations, LoggingConfig, OriginCustomHeader, OriginGroup,
    OriginGroupFailoverCriteria, OriginGroupMember, OriginGroupMembers, OriginGroups, OriginShield,
    QueryStringCacheKeys, StatusCodes, TrustedKeyGroups, TrustedSigners,
};
use engine::provider::{
    AttrType, AttributeSchema as A, BlockSchema, Nesting, ProviderError, Schema,
};
use engine::value::Value;

use super::super::values::{
    blocks_attr, bool_attr, number_attr, object, required_str, str_attr, string, string_list,
    string_set, strings_attr,
};
use super::{build_error, non_empty, num, single};

fn blocks(
    name: &'static str,
    nesting: Nesting,
    (min_items, max_items): (usize, Option<usize>),
    schema: Schema,
) -> BlockSchema {
    BlockSchema {
        name,
        nesting,
        min_items,
        max_items,
        force_new: false,
        schema,
    }
}

fn int(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

pub(super) fn logging_block() -> BlockSchema {
    single(
        "logging_config",
        0,
        Schema::new("Where CloudFront writes access logs.")
            .attr(
                A::required("bucket", AttrType::String)
                    .describe("The S3 bucket for the logs, e.g. mylogs.s3.amazonaws.com."),
            )
            .attr(
                A::optional("include_cookies", AttrType::Bool)
                    .default(false)
                    .describe("Whether cookies are logged."),
            )
            .attr(
                A::optional("prefix", AttrType::String)
                    .default("")
                    .describe("A prefix for the log file names, e.g. cdn/."),
            ),
    )
}

pub(super) fn custom_error_response_block() -> BlockSchema {
    blocks(
        "custom_error_response",
        Nesting::Set,
        (0, None),
        Schema::new("What viewers get for an HTTP error from the origin.")
            .attr(
                A::required("error_code", AttrType::Number)
                    .describe("The 4xx or 5xx status code this applies to."),
            )
            .attr(
                A::optional("response_code", AttrType::Number)
                    .describe("The status code viewers get instead."),
            )
            .attr(
                A::optional("response_page_path", AttrType::String)
                    .describe("The page viewers get, e.g. /404.html."),
            )
            .attr(
                A::optional("error_caching_min_ttl", AttrType::Number)
                    .describe("Seconds the error is cached."),
            ),
    )
}

pub(super) fn origin_group_block() -> BlockSchema {
    blocks(
        "origin_group",
        Nesting::Set,
        (0, None),
        Schema::new("Two origins, the second used when the first fails.")
            .attr(
                A::required("origin_id", AttrType::String)
                    .describe("The group's id, which cache behaviours can target."),
            )
            .block(single(
                "failover_criteria",
                1,
                Schema::new("When CloudFront fails over to the second origin.").attr(
                    A::required("status_codes", AttrType::set_of(AttrType::Number))
                        .describe("The origin's status codes that cause a failover."),
                ),
            ))
            .block(blocks(
                "member",
                Nesting::List,
                (2, Some(2)),
                Schema::new("An origin of the group, the primary first.").attr(
                    A::required("origin_id", AttrType::String).describe("The origin's origin_id."),
                ),
            )),
    )
}

/// The arguments of an origin beyond its domain, id, path and S3 or custom
/// configuration.
pub(super) fn origin_extras(schema: Schema) -> Schema {
    schema
        .attr(
            A::optional("origin_access_control_id", AttrType::String).describe(
                "The origin access control CloudFront signs requests to the origin with.",
            ),
        )
        .attr(
            A::optional("connection_attempts", AttrType::Number)
                .default(3.0)
                .describe("How many times CloudFront tries to connect, 1 to 3."),
        )
        .attr(
            A::optional("connection_timeout", AttrType::Number)
                .default(10.0)
                .describe("Seconds to wait for a connection, 1 to 10."),
        )
        .block(blocks(
            "custom_header",
            Nesting::Set,
            (0, None),
            Schema::new("A header CloudFront adds to requests to the origin.")
                .attr(A::required("name", AttrType::String).describe("The header's name."))
                .attr(A::required("value", AttrType::String).describe("The header's value.")),
        ))
        .block(single(
            "origin_shield",
            0,
            Schema::new("Origin Shield, an extra caching layer in front of the origin.")
                .attr(
                    A::required("enabled", AttrType::Bool).describe("Whether Origin Shield is on."),
                )
                .attr(
                    A::optional("origin_shield_region", AttrType::String)
                        .describe("The region of the shield, e.g. us-east-2."),
                ),
        ))
}

/// The arguments of a cache behaviour beyond its origin, methods, TTLs and
/// forwarded values.
pub(super) fn behavior_extras(schema: Schema) -> Schema {
    schema
        .attr(
            A::optional("origin_request_policy_id", AttrType::String)
                .describe("An origin request policy."),
        )
        .attr(
            A::optional("response_headers_policy_id", AttrType::String)
                .describe("A response headers policy."),
        )
        .attr(
            A::optional("realtime_log_config_arn", AttrType::String)
                .describe("A real-time log configuration."),
        )
        .attr(
            A::optional("field_level_encryption_id", AttrType::String)
                .describe("A field-level encryption configuration."),
        )
        .attr(
            A::optional("smooth_streaming", AttrType::Bool)
                .default(false)
                .describe("Whether media is served in Microsoft Smooth Streaming format."),
        )
        .attr(
            A::optional("trusted_signers", AttrType::list_of(AttrType::String))
                .describe("AWS accounts (or self) whose key pairs may sign URLs."),
        )
        .attr(
            A::optional("trusted_key_groups", AttrType::list_of(AttrType::String))
                .describe("Key groups whose keys may sign URLs."),
        )
        .block(blocks(
            "lambda_function_association",
            Nesting::Set,
            (0, Some(4)),
            Schema::new("A Lambda@Edge function run on an event.")
                .attr(A::required("event_type", AttrType::String).describe(
                    "viewer-request, origin-request, viewer-response or origin-response.",
                ))
                .attr(
                    A::required("lambda_arn", AttrType::String)
                        .describe("The function version's ARN."),
                )
                .attr(
                    A::optional("include_body", AttrType::Bool)
                        .default(false)
                        .describe("Whether the function sees the request body."),
                ),
        ))
        .block(blocks(
            "function_association",
            Nesting::Set,
            (0, Some(2)),
            Schema::new("A CloudFront Function run on an event.")
                .attr(
                    A::required("event_type", AttrType::String)
                        .describe("viewer-request or viewer-response."),
                )
                .attr(
                    A::required("function_arn", AttrType::String).describe("The function's ARN."),
                ),
        ))
}

/// The distribution's computed lists of who may sign URLs.
pub(super) fn signer_attributes(schema: Schema) -> Schema {
    let nested = AttrType::list_of(AttrType::map_of(AttrType::Any));
    schema
        .attr(A::computed("trusted_signers", nested.clone()).describe("The accounts whose key pairs may sign URLs: enabled, items (aws_account_number, key_pair_ids)."))
        .attr(A::computed("trusted_key_groups", nested).describe("The key groups that may sign URLs: enabled, items (key_group_id, key_pair_ids)."))
}

// ---------------------------------------------------------------------------
// Configuration → API
// ---------------------------------------------------------------------------

/// Logging as CloudFront takes it: without a block, off.
pub(super) fn logging(planned: &Value) -> LoggingConfig {
    let block = planned.get_attr("logging_config").filter(|b| !b.is_null());
    LoggingConfig::builder()
        .enabled(block.is_some())
        .include_cookies(
            block
                .and_then(|b| bool_attr(b, "include_cookies"))
                .unwrap_or(false),
        )
        .bucket(
            block
                .and_then(|b| str_attr(b, "bucket"))
                .unwrap_or_default(),
        )
        .prefix(
            block
                .and_then(|b| str_attr(b, "prefix"))
                .unwrap_or_default(),
        )
        .build()
}

pub(super) fn custom_error_responses(
    planned: &Value,
) -> Result<CustomErrorResponses, ProviderError> {
    let items = blocks_attr(planned, "custom_error_response")
        .iter()
        .map(|r| {
            CustomErrorResponse::builder()
                .error_code(int(r, "error_code").unwrap_or_default())
                .set_response_code(int(r, "response_code").map(|c| c.to_string()))
                .set_response_page_path(str_attr(r, "response_page_path"))
                .set_error_caching_min_ttl(
                    number_attr(r, "error_caching_min_ttl").map(|n| n as i64),
                )
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    CustomErrorResponses::builder()
        .quantity(items.len() as i32)
        .set_items((!items.is_empty()).then_some(items))
        .build()
        .map_err(build_error)
}

pub(super) fn origin_groups(planned: &Value) -> Result<OriginGroups, ProviderError> {
    let items = blocks_attr(planned, "origin_group")
        .iter()
        .map(origin_group)
        .collect::<Result<Vec<_>, _>>()?;
    OriginGroups::builder()
        .quantity(items.len() as i32)
        .set_items((!items.is_empty()).then_some(items))
        .build()
        .map_err(build_error)
}

fn origin_group(group: &Value) -> Result<OriginGroup, ProviderError> {
    let codes: Vec<i32> = group
        .get_attr("failover_criteria")
        .and_then(|c| c.get_attr("status_codes"))
        .and_then(|s| s.peel().as_list().map(<[Value]>::to_vec))
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.peel().as_number().map(|n| n as i32))
        .collect();
    let members = blocks_attr(group, "member")
        .iter()
        .map(|m| {
            OriginGroupMember::builder()
                .origin_id(required_str(m, "origin_id")?)
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    OriginGroup::builder()
        .id(required_str(group, "origin_id")?)
        .failover_criteria(
            OriginGroupFailoverCriteria::builder()
                .status_codes(
                    StatusCodes::builder()
                        .quantity(codes.len() as i32)
                        .set_items(Some(codes))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        )
        .members(
            OriginGroupMembers::builder()
                .quantity(members.len() as i32)
                .set_items(Some(members))
                .build()
                .map_err(build_error)?,
        )
        .build()
        .map_err(build_error)
}

/// An origin's extra settings, applied to its builder.
pub(super) fn origin_settings(
    builder: aws_sdk_cloudfront::types::builders::OriginBuilder,
    value: &Value,
) -> Result<aws_sdk_cloudfront::types::builders::OriginBuilder, ProviderError> {
    let headers = blocks_attr(value, "custom_header")
        .iter()
        .map(|h| {
            OriginCustomHeader::builder()
                .header_name(required_str(h, "name")?)
                .header_value(required_str(h, "value")?)
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shield = match value.get_attr("origin_shield").filter(|s| !s.is_null()) {
        Some(s) => Some(
            OriginShield::builder()
                .enabled(bool_attr(s, "enabled").unwrap_or(false))
                .set_origin_shield_region(str_attr(s, "origin_shield_region"))
                .build()
                .map_err(build_error)?,
        ),
        None => None,
    };
    Ok(builder
        .origin_access_control_id(str_attr(value, "origin_access_control_id").unwrap_or_default())
        .connection_attempts(int(value, "connection_attempts").unwrap_or(3))
        .connection_timeout(int(value, "connection_timeout").unwrap_or(10))
        .custom_headers(
            CustomHeaders::builder()
                .quantity(headers.len() as i32)
                .set_items((!headers.is_empty()).then_some(headers))
                .build()
                .map_err(build_error)?,
        )
        .set_origin_shield(shield))
}

/// A behaviour's extra settings in their SDK form.
pub(super) struct BehaviorExtras {
    pub origin_request_policy_id: Option<String>,
    pub response_headers_policy_id: Option<String>,
    pub realtime_log_config_arn: Option<String>,
    pub field_level_encryption_id: String,
    pub smooth_streaming: bool,
    pub trusted_signers: TrustedSigners,
    pub trusted_key_groups: TrustedKeyGroups,
    pub lambda_function_associations: LambdaFunctionAssociations,
    pub function_associations: FunctionAssociations,
}

pub(super) fn behavior_extras_of(value: &Value) -> Result<BehaviorExtras, ProviderError> {
    let signers = strings_attr(value, "trusted_signers");
    let key_groups = strings_attr(value, "trusted_key_groups");
    let lambdas = blocks_attr(value, "lambda_function_association")
        .iter()
        .map(|l| {
            LambdaFunctionAssociation::builder()
                .lambda_function_arn(required_str(l, "lambda_arn")?)
                .event_type(EventType::from(required_str(l, "event_type")?.as_str()))
                .include_body(bool_attr(l, "include_body").unwrap_or(false))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let functions = blocks_attr(value, "function_association")
        .iter()
        .map(|f| {
            FunctionAssociation::builder()
                .function_arn(required_str(f, "function_arn")?)
                .event_type(EventType::from(required_str(f, "event_type")?.as_str()))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BehaviorExtras {
        origin_request_policy_id: str_attr(value, "origin_request_policy_id"),
        response_headers_policy_id: str_attr(value, "response_headers_policy_id"),
        realtime_log_config_arn: str_attr(value, "realtime_log_config_arn"),
        field_level_encryption_id: str_attr(value, "field_level_encryption_id").unwrap_or_default(),
        smooth_streaming: bool_attr(value, "smooth_streaming").unwrap_or(false),
        trusted_signers: TrustedSigners::builder()
            .enabled(!signers.is_empty())
            .quantity(signers.len() as i32)
            .set_items((!signers.is_empty()).then_some(signers))
            .build()
            .map_err(build_error)?,
        trusted_key_groups: TrustedKeyGroups::builder()
            .enabled(!key_groups.is_empty())
            .quantity(key_groups.len() as i32)
            .set_items((!key_groups.is_empty()).then_some(key_groups))
            .build()
            .map_err(build_error)?,
        lambda_function_associations: LambdaFunctionAssociations::builder()
            .quantity(lambdas.len() as i32)
            .set_items((!lambdas.is_empty()).then_some(lambdas))
            .build()
            .map_err(build_error)?,
        function_associations: FunctionAssociations::builder()
            .quantity(functions.len() as i32)
            .set_items((!functions.is_empty()).then_some(functions))
            .build()
            .map_err(build_error)?,
    })
}

pub(super) fn query_string_cache_keys(
    forwarded: &Value,
) -> Result<Option<QueryStringCacheKeys>, ProviderError> {
    let keys = strings_attr(forwarded, "query_string_cache_keys");
    if keys.is_empty() {
        return Ok(None);
    }
    QueryStringCacheKeys::builder()
        .quantity(keys.len() as i32)
        .set_items(Some(keys))
        .build()
        .map(Some)
        .map_err(build_error)
}

// ---------------------------------------------------------------------------
// API → state
// ---------------------------------------------------------------------------

pub(super) fn logging_value(logging: Option<&LoggingConfig>) -> Value {
    match logging.filter(|l| l.enabled()) {
        Some(l) => object([
            ("bucket", string(l.bucket())),
            ("include_cookies", Value::Bool(l.include_cookies())),
            ("prefix", string(l.prefix())),
        ]),
        None => Value::Null,
    }
}

pub(super) fn custom_error_responses_value(responses: Option<&CustomErrorResponses>) -> Value {
    let items = responses.map(|r| r.items()).unwrap_or_default();
    Value::set_from(
        items
            .iter()
            .map(|r| {
                object([
                    ("error_code", num(r.error_code())),
                    (
                        "response_code",
                        r.response_code()
                            .filter(|c| !c.is_empty())
                            .and_then(|c| c.parse::<i32>().ok())
                            .map(num)
                            .unwrap_or(Value::Null),
                    ),
                    ("response_page_path", non_empty(r.response_page_path())),
                    (
                        "error_caching_min_ttl",
                        r.error_caching_min_ttl()
                            .map(|t| num(t as f64))
                            .unwrap_or(Value::Null),
                    ),
                ])
            })
            .collect(),
    )
}

pub(super) fn origin_groups_value(groups: Option<&OriginGroups>) -> Value {
    let items = groups.map(|g| g.items()).unwrap_or_default();
    Value::set_from(
        items
            .iter()
            .map(|g| {
                let codes = g
                    .failover_criteria()
                    .and_then(|c| c.status_codes())
                    .map(|s| s.items().iter().map(|c| num(*c)).collect())
                    .unwrap_or_default();
                let members = g
                    .members()
                    .map(|m| {
                        m.items()
                            .iter()
                            .map(|m| object([("origin_id", string(m.origin_id()))]))
                            .collect()
                    })
                    .unwrap_or_default();
                object([
                    ("origin_id", string(g.id())),
                    (
                        "failover_criteria",
                        object([("status_codes", Value::set_from(codes))]),
                    ),
                    ("member", Value::List(members)),
                ])
            })
            .collect(),
    )
}

/// An origin's extra settings as state attributes.
pub(super) fn origin_settings_value(
    o: &aws_sdk_cloudfront::types::Origin,
) -> Vec<(&'static str, Value)> {
    let headers = o
        .custom_headers()
        .map(|h| {
            h.items()
                .iter()
                .map(|h| {
                    object([
                        ("name", string(h.header_name())),
                        ("value", string(h.header_value())),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    // A disabled shield without a region is what leaving the block out means.
    let shield = o
        .origin_shield()
        .filter(|s| s.enabled() || s.origin_shield_region().is_some())
        .map(|s| {
            object([
                ("enabled", Value::Bool(s.enabled())),
                ("origin_shield_region", non_empty(s.origin_shield_region())),
            ])
        })
        .unwrap_or(Value::Null);
    vec![
        (
            "origin_access_control_id",
            non_empty(o.origin_access_control_id()),
        ),
        (
            "connection_attempts",
            num(o.connection_attempts().unwrap_or(3)),
        ),
        (
            "connection_timeout",
            num(o.connection_timeout().unwrap_or(10)),
        ),
        ("custom_header", Value::set_from(headers)),
        ("origin_shield", shield),
    ]
}

/// A behaviour's extra settings as state attributes; the two SDK behaviour
/// types have the same getters but no common trait, so the caller passes
/// what it read.
pub(super) struct BehaviorRead<'a> {
    pub origin_request_policy_id: Option<&'a str>,
    pub response_headers_policy_id: Option<&'a str>,
    pub realtime_log_config_arn: Option<&'a str>,
    pub field_level_encryption_id: Option<&'a str>,
    pub smooth_streaming: Option<bool>,
    pub trusted_signers: Option<&'a TrustedSigners>,
    pub trusted_key_groups: Option<&'a TrustedKeyGroups>,
    pub lambda_function_associations: Option<&'a LambdaFunctionAssociations>,
    pub function_associations: Option<&'a FunctionAssociations>,
}

pub(super) fn behavior_extras_value(b: BehaviorRead<'_>) -> Vec<(&'static str, Value)> {
    let lambdas = b
        .lambda_function_associations
        .map(|l| {
            l.items()
                .iter()
                .map(|l| {
                    object([
                        ("event_type", string(l.event_type().as_str())),
                        ("lambda_arn", string(l.lambda_function_arn())),
                        (
                            "include_body",
                            Value::Bool(l.include_body().unwrap_or(false)),
                        ),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let functions = b
        .function_associations
        .map(|f| {
            f.items()
                .iter()
                .map(|f| {
                    object([
                        ("event_type", string(f.event_type().as_str())),
                        ("function_arn", string(f.function_arn())),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    vec![
        (
            "origin_request_policy_id",
            non_empty(b.origin_request_policy_id),
        ),
        (
            "response_headers_policy_id",
            non_empty(b.response_headers_policy_id),
        ),
        (
            "realtime_log_config_arn",
            non_empty(b.realtime_log_config_arn),
        ),
        (
            "field_level_encryption_id",
            non_empty(b.field_level_encryption_id),
        ),
        (
            "smooth_streaming",
            Value::Bool(b.smooth_streaming.unwrap_or(false)),
        ),
        (
            "trusted_signers",
            string_list(
                b.trusted_signers
                    .map(|s| s.items().to_vec())
                    .unwrap_or_default(),
            ),
        ),
        (
            "trusted_key_groups",
            string_list(
                b.trusted_key_groups
                    .map(|k| k.items().to_vec())
                    .unwrap_or_default(),
            ),
        ),
        ("lambda_function_association", Value::set_from(lambdas)),
        ("function_association", Value::set_from(functions)),
    ]
}

pub(super) fn query_string_cache_keys_value(keys: Option<&QueryStringCacheKeys>) -> Value {
    string_list(keys.map(|k| k.items().to_vec()).unwrap_or_default())
}

/// The computed `trusted_signers` and `trusted_key_groups` of a distribution.
pub(super) fn signers_value(
    signers: Option<&ActiveTrustedSigners>,
    key_groups: Option<&ActiveTrustedKeyGroups>,
) -> [(&'static str, Value); 2] {
    let key_pairs = |ids: Option<&aws_sdk_cloudfront::types::KeyPairIds>| {
        string_set(ids.map(|i| i.items().to_vec()).unwrap_or_default())
    };
    let signer_items = signers
        .map(|s| {
            s.items()
                .iter()
                .map(|i| {
                    object([
                        ("aws_account_number", non_empty(i.aws_account_number())),
                        ("key_pair_ids", key_pairs(i.key_pair_ids())),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let group_items = key_groups
        .map(|g| {
            g.items()
                .iter()
                .map(|i| {
                    object([
                        ("key_group_id", non_empty(i.key_group_id())),
                        ("key_pair_ids", key_pairs(i.key_pair_ids())),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    [
        (
            "trusted_signers",
            Value::List(vec![object([
                ("enabled", Value::Bool(signers.is_some_and(|s| s.enabled()))),
                ("items", Value::List(signer_items)),
            ])]),
        ),
        (
            "trusted_key_groups",
            Value::List(vec![object([
                (
                    "enabled",
                    Value::Bool(key_groups.is_some_and(|g| g.enabled())),
                ),
                ("items", Value::List(group_items)),
            ])]),
        ),
    ]
}
