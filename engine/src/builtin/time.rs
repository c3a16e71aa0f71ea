//! The `time` provider: `time_sleep`, a resource whose creation and
//! destruction wait for a while, as in Terraform's `hashicorp/time`.
//!
//! Users put it between two resources to wait for eventual consistency (an
//! IAM role that other services do not see yet); our tests use it to make an
//! apply slow enough to be interrupted midway.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, PlanRequest,
    PlanResponse, Provider, ProviderError, ProviderSchema, ReadRequest, ReadResponse, Schema,
};
use crate::value::Value;

use super::support::{attr, ensure_known, resolve_planned};

const DURATION_ATTRIBUTES: [&str; 2] = ["create_duration", "destroy_duration"];

pub struct TimeProvider {
    schema: ProviderSchema,
}

impl TimeProvider {
    pub fn new() -> TimeProvider {
        let time_sleep = Schema::new(
            "Waits for `create_duration` when created and for `destroy_duration` when \
             destroyed; it is replaced whenever a value in `triggers` changes.",
        )
        .attr(
            AttributeSchema::optional("create_duration", AttrType::String).describe(
                "How long to wait when the resource is created, e.g. \"30s\", \"1m30s\" or \"500ms\".",
            ),
        )
        .attr(
            AttributeSchema::optional("destroy_duration", AttrType::String).describe(
                "How long to wait when the resource is destroyed, e.g. \"30s\", \"1m30s\" or \"500ms\".",
            ),
        )
        .attr(
            AttributeSchema::optional("triggers", AttrType::map_of(AttrType::String))
                .force_new()
                .describe("Arbitrary values whose change replaces the resource, waiting again."),
        )
        .attr(
            AttributeSchema::computed("id", AttrType::String)
                .describe("The time of creation, as an RFC 3339 timestamp in UTC."),
        );
        let mut schema = ProviderSchema::default();
        schema.resources.insert("time_sleep", time_sleep);
        TimeProvider { schema }
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        self.schema.resources.get(type_name).ok_or_else(|| {
            ProviderError::new(format!(
                "resource type {type_name} is not supported by provider time"
            ))
        })
    }
}

impl Default for TimeProvider {
    fn default() -> TimeProvider {
        TimeProvider::new()
    }
}

/// A duration attribute: `Ok(None)` when absent, null or not yet known, so
/// that plans with unknown configuration go ahead; an error diagnostic when
/// the text is not a duration.
fn duration_attr(object: &Value, name: &str) -> Result<Option<Duration>, Diagnostic> {
    let Some(value) = attr(object, name) else {
        return Ok(None);
    };
    let text = match value.peel() {
        Value::Unknown => return Ok(None),
        Value::String(text) => text,
        _ => {
            return Err(Diagnostic::error(
                "Incorrect attribute value type",
                format!("The `{name}` argument must be a string such as \"30s\", not {value}."),
            ))
        }
    };
    parse_duration(text).map(Some).map_err(|reason| {
        Diagnostic::error(
            "Invalid duration",
            format!(
                "The `{name}` argument must be a duration such as \"30s\", \"1m30s\" or \
                 \"500ms\" (units h, m, s, ms, us, ns), but {} {reason}.",
                Value::string(text.as_str())
            ),
        )
    })
}

/// Parses Go's `time.ParseDuration` syntax, which the Terraform provider
/// uses: a sequence of decimal numbers with units, such as "1h2m3.5s".
/// Negative durations are rejected, since waiting a negative time is always
/// a mistake. The error says what is wrong, to complete a sentence.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if let Some(magnitude) = unsigned.strip_prefix('-') {
        return match parse_duration(magnitude) {
            Ok(duration) if duration.is_zero() => Ok(duration),
            Ok(_) => Err("is negative".to_string()),
            Err(reason) => Err(reason),
        };
    }
    if unsigned == "0" {
        return Ok(Duration::ZERO);
    }
    if unsigned.is_empty() {
        return Err("is empty".to_string());
    }
    let mut rest = unsigned;
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err("has no number before its unit".to_string());
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("has no unit after {number}")),
            other => return Err(format!("has the unknown unit `{other}`")),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| "is too long".to_string())?
        };
        let mut nanos = whole
            .checked_mul(unit_nanos)
            .ok_or_else(|| "is too long".to_string())?;
        // Fractions beyond nanosecond precision are dropped, as Go does.
        let mut scale = unit_nanos;
        for digit in fraction.bytes().take(40) {
            scale /= 10;
            nanos += u128::from(digit - b'0') * scale;
        }
        total_nanos = total_nanos
            .checked_add(nanos)
            .ok_or_else(|| "is too long".to_string())?;
    }
    // Go's durations are limited to about 292 years; so are ours.
    if total_nanos > i64::MAX as u128 {
        return Err("is too long".to_string());
    }
    let secs = u64::try_from(total_nanos / 1_000_000_000).map_err(|_| "is too long".to_string())?;
    let nanos = u32::try_from(total_nanos % 1_000_000_000).unwrap_or(0);
    Ok(Duration::new(secs, nanos))
}

/// Waits, telling the progress sink why the apply is not moving.
async fn sleep(duration: Duration, what: &str, request: &ApplyRequest<'_>) {
    if duration.is_zero() {
        return;
    }
    if let Some(progress) = &request.progress {
        progress(&format!("Waiting {duration:?} before {what}"));
    }
    tokio::time::sleep(duration).await;
}

#[async_trait::async_trait]
impl Provider for TimeProvider {
    fn name(&self) -> &'static str {
        "time"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        let Ok(schema) = self.resource_schema(request.type_name) else {
            let mut response = plan_by_schema(&Schema::default(), request.prior, request.config);
            response.diagnostics.push(Diagnostic::error(
                "Unsupported resource type",
                format!(
                    "The time provider has no resource type `{}`.",
                    request.type_name
                ),
            ));
            return response;
        };
        let mut response = plan_by_schema(schema, request.prior, request.config);
        for name in DURATION_ATTRIBUTES {
            if let Err(diagnostic) = duration_attr(request.config, name) {
                response.diagnostics.push(diagnostic);
            }
        }
        response
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let as_error = |d: Diagnostic| ProviderError::new(d.detail);
        let Some(planned) = request.planned else {
            // Deleting waits, then forgets: nothing exists outside the state.
            if let Some(prior) = request.prior {
                let wait = duration_attr(prior, "destroy_duration").map_err(as_error)?;
                sleep(wait.unwrap_or_default(), "destroying", &request).await;
            }
            return Ok(ApplyResponse {
                new_state: None,
                private: None,
                diagnostics: Diagnostics::new(),
            });
        };
        let schema = self.resource_schema(request.type_name)?;
        let resolved = resolve_planned(schema, planned, request.config);
        let mut state: BTreeMap<String, Value> = resolved.as_map().cloned().unwrap_or_default();
        for name in ["create_duration", "destroy_duration", "triggers"] {
            state.entry(name.to_string()).or_insert(Value::Null);
        }
        // Validate both durations before waiting, so that a bad destroy
        // duration fails now rather than after the create wait.
        let create = duration_attr(&resolved, "create_duration").map_err(as_error)?;
        duration_attr(&resolved, "destroy_duration").map_err(as_error)?;
        if request.prior.is_none() {
            sleep(create.unwrap_or_default(), "creating", &request).await;
            // Terraform's provider takes the id after the wait.
            state.insert("id".to_string(), Value::String(state::clock::now_rfc3339()));
        } else {
            // Changing a duration in place only records it; the wait
            // belongs to creation and destruction.
            let id_known = state
                .get("id")
                .is_some_and(|v| v.is_wholly_known() && !v.is_null());
            if !id_known {
                state.insert("id".to_string(), Value::String(state::clock::now_rfc3339()));
            }
        }
        ensure_known(&state)?;
        Ok(ApplyResponse {
            new_state: Some(Value::Map(state)),
            private: None,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        // Nothing exists outside the state, so the state is the truth.
        Ok(ReadResponse {
            new_state: Some(request.current.clone()),
            diagnostics: Diagnostics::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
        TimeProvider::new().plan(PlanRequest {
            type_name: "time_sleep",
            prior,
            config,
            prior_private: None,
        })
    }

    async fn apply(
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: Option<&Value>,
    ) -> Option<Value> {
        TimeProvider::new()
            .apply(ApplyRequest {
                type_name: "time_sleep",
                prior,
                planned,
                config,
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await
            .unwrap()
            .new_state
    }

    async fn create(config: &Value) -> Value {
        let response = plan(None, config);
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        assert!(response.planned.get_attr("id").unwrap().is_unknown());
        apply(None, Some(&response.planned), Some(config))
            .await
            .unwrap()
    }

    #[test]
    fn durations_parse_as_go_does() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(ms(500)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration(".5s"), Ok(ms(500)));
        assert_eq!(parse_duration("2h45m"), Ok(Duration::from_secs(9900)));
        assert_eq!(parse_duration("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse_duration("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("+1s"), Ok(Duration::from_secs(1)));
        for bad in [
            "",
            "30",
            "s",
            "1x",
            "-1s",
            "1..5s",
            "abc",
            "1s2",
            "99999999999h",
            "-",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn invalid_durations_are_reported_at_plan_time() {
        let config = object(&[
            ("create_duration", Value::string("30 seconds")),
            ("destroy_duration", Value::string("-5s")),
        ]);
        let response = plan(None, &config);
        let details: Vec<&str> = response
            .diagnostics
            .iter()
            .map(|d| d.detail.as_str())
            .collect();
        assert_eq!(details.len(), 2, "{details:?}");
        assert!(response
            .diagnostics
            .iter()
            .all(|d| d.summary == "Invalid duration"));
        assert!(details[0].contains("`create_duration`") && details[0].contains("\"30 seconds\""));
        assert!(details[1].contains("`destroy_duration`") && details[1].contains("negative"));

        let unknown = object(&[("create_duration", Value::Unknown)]);
        assert!(plan(None, &unknown).diagnostics.is_empty());
        let number = object(&[("create_duration", Value::number(3.0))]);
        assert_eq!(
            plan(None, &number)
                .diagnostics
                .iter()
                .next()
                .map(|d| d.summary.as_str()),
            Some("Incorrect attribute value type")
        );
    }

    #[tokio::test]
    async fn create_waits_and_records_the_time() {
        let config = object(&[("create_duration", Value::string("50ms"))]);
        let started = Instant::now();
        let state = create(&config).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        let id = state.get_attr("id").and_then(Value::as_str).unwrap();
        assert_eq!(id.len(), 20, "{id}");
        assert_eq!(
            state.get_attr("create_duration").and_then(Value::as_str),
            Some("50ms")
        );
        assert!(state.get_attr("destroy_duration").unwrap().is_null());
    }

    #[tokio::test]
    async fn delete_waits_for_the_destroy_duration() {
        let config = object(&[("destroy_duration", Value::string("50ms"))]);
        let started = Instant::now();
        let state = create(&config).await;
        assert!(started.elapsed() < Duration::from_millis(50));
        let started = Instant::now();
        assert!(apply(Some(&state), None, None).await.is_none());
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[tokio::test]
    async fn triggers_replace_and_durations_update_in_place() {
        let config = object(&[
            ("create_duration", Value::string("1ms")),
            ("triggers", object(&[("v", Value::string("1"))])),
        ]);
        let state = create(&config).await;

        let same = plan(Some(&state), &config);
        assert!(same.requires_replace.is_empty());
        assert_eq!(same.planned, state);

        let longer = object(&[
            ("create_duration", Value::string("10s")),
            ("triggers", object(&[("v", Value::string("1"))])),
        ]);
        let update = plan(Some(&state), &longer);
        assert!(update.requires_replace.is_empty());
        assert_eq!(update.planned.get_attr("id"), state.get_attr("id"));
        // An in-place update records the new duration without waiting it.
        let started = Instant::now();
        let updated = apply(Some(&state), Some(&update.planned), Some(&longer))
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(updated.get_attr("id"), state.get_attr("id"));
        assert_eq!(
            updated.get_attr("create_duration").and_then(Value::as_str),
            Some("10s")
        );

        let changed = object(&[("triggers", object(&[("v", Value::string("2"))]))]);
        let replace = plan(Some(&state), &changed);
        assert_eq!(replace.requires_replace, vec!["triggers".to_string()]);
        assert!(replace.planned.get_attr("id").unwrap().is_unknown());
    }

    #[tokio::test]
    async fn an_unknown_type_is_a_diagnostic_not_a_panic() {
        let response = TimeProvider::new().plan(PlanRequest {
            type_name: "time_rotating",
            prior: None,
            config: &object(&[]),
            prior_private: None,
        });
        assert!(response.diagnostics.has_errors());
        let result = TimeProvider::new()
            .apply(ApplyRequest {
                type_name: "time_rotating",
                prior: None,
                planned: Some(&object(&[])),
                config: None,
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await;
        assert!(result.is_err());
    }
}
