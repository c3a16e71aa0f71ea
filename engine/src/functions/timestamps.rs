//! Time functions on RFC 3339 timestamps: `timeadd`, `timecmp`. Parsing and
//! formatting use the `time` crate; durations use Go's syntax, as
//! Terraform's do (`1h30m`, `-90s`).

use ::time::format_description::well_known::Rfc3339;
use ::time::OffsetDateTime;

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

fn parse(text: &str) -> Result<OffsetDateTime, FunctionError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        failed(format!(
            "not a valid RFC3339 timestamp: {text:?}; write one like \"2024-01-31T10:00:00Z\""
        ))
    })
}

/// A Go duration that may be negative.
fn signed_duration(text: &str) -> Result<::time::Duration, FunctionError> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let duration = crate::builtin::time::parse_duration(magnitude)
        .map_err(|e| failed(format!("invalid duration {text:?}: {e}")))?;
    let duration = ::time::Duration::try_from(duration)
        .map_err(|_| failed(format!("the duration {text:?} is too long")))?;
    Ok(if negative { -duration } else { duration })
}

pub(crate) fn timeadd(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let start = parse(&args.string(0)?)?;
    let moved = start
        .checked_add(signed_duration(&args.string(1)?)?)
        .ok_or_else(|| failed("the resulting time is out of range"))?;
    moved
        .format(&Rfc3339)
        .map(Value::String)
        .map_err(|e| failed(e.to_string()))
}

pub(crate) fn timecmp(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let (a, b) = (parse(&args.string(0)?)?, parse(&args.string(1)?)?);
    Ok(Value::Number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::tests::ok;
    use crate::value::Value;

    fn s(text: &str) -> Value {
        Value::String(text.to_string())
    }

    /// Expected values are what Terraform 1.15.5's `terraform console` prints.
    #[test]
    fn timeadd_keeps_the_offset_and_takes_negative_durations() {
        assert_eq!(
            ok("timeadd", vec![s("2024-01-31T10:00:00Z"), s("1h30m")]),
            s("2024-01-31T11:30:00Z")
        );
        assert_eq!(
            ok("timeadd", vec![s("2024-01-31T10:00:00+02:00"), s("-90s")]),
            s("2024-01-31T09:58:30+02:00")
        );
    }

    #[test]
    fn timecmp_compares_instants_across_offsets() {
        let cmp = |a: &str, b: &str| ok("timecmp", vec![s(a), s(b)]);
        assert_eq!(
            cmp("2024-01-31T10:00:00Z", "2024-01-31T11:00:00+01:00"),
            Value::Number(0.0)
        );
        assert_eq!(
            cmp("2024-01-31T10:00:00Z", "2024-01-31T10:00:01Z"),
            Value::Number(-1.0)
        );
        assert_eq!(
            cmp("2024-01-31T10:00:02Z", "2024-01-31T10:00:01Z"),
            Value::Number(1.0)
        );
    }
}
