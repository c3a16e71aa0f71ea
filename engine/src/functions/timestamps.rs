//! Time functions on RFC 3339 timestamps: `formatdate`, `plantimestamp`,
//! `timeadd`, `timecmp`. Timestamps are parsed as Terraform parses them (Go's
//! `time.Parse` with the RFC 3339 layout, then cty's stricter checks), so
//! that a bad timestamp gets Terraform's own explanation; arithmetic and
//! formatting use the `time` crate. Durations use Go's syntax (`1h30m`, `-90s`).

use ::time::format_description::well_known::Rfc3339;
use ::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

/// Where Go's parser stopped: the layout element it was reading, the rest of
/// the input at that point, and its message (empty, or starting with ": ").
struct GoParseError {
    layout: &'static str,
    value: String,
    message: &'static str,
}

fn go_error(layout: &'static str, value: &[u8], message: &'static str) -> GoParseError {
    GoParseError {
        layout,
        value: String::from_utf8_lossy(value).into_owned(),
        message,
    }
}

/// Parses an RFC 3339 timestamp, returning the sentence Terraform gives for a
/// bad one (after "not a valid RFC3339 timestamp").
pub(crate) fn parse_timestamp(text: &str) -> Result<OffsetDateTime, String> {
    let e = match go_parse(text.as_bytes()).and_then(|t| strict(text.as_bytes()).map(|()| t)) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    // cty rewords Go's errors, which speak of Go's reference date.
    if e.layout.is_empty() && e.value.is_empty() && !e.message.is_empty() {
        return Err(format!("not a valid RFC3339 timestamp{}", e.message));
    }
    let what = match e.layout {
        "2006" => "year",
        "01" => "month",
        "02" => "day of month",
        "15" => "hour",
        "04" => "minute",
        "05" => "second",
        "Z07:00" => "UTC offset",
        "T" => {
            return Err(
                "not a valid RFC3339 timestamp: missing required time introducer 'T'".to_string(),
            )
        }
        ":" | "-" if e.value.is_empty() => {
            return Err(format!(
                "not a valid RFC3339 timestamp: end of string where {} is expected",
                go_quote(e.layout)
            ))
        }
        ":" | "-" => {
            return Err(format!(
                "not a valid RFC3339 timestamp: found {} where {} is expected",
                go_quote(&e.value),
                go_quote(e.layout)
            ))
        }
        _ => "timestamp segment",
    };
    Err(if e.value.is_empty() {
        format!("not a valid RFC3339 timestamp: end of string before {what}")
    } else if what == "hour" && e.value.contains(':') {
        "not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive".to_string()
    } else if what == "hour" && e.value.len() != 2 {
        "not a valid RFC3339 timestamp: hour must have exactly two digits".to_string()
    } else if what == "minute" && e.value.len() != 2 {
        "not a valid RFC3339 timestamp: minute must have exactly two digits".to_string()
    } else {
        format!(
            "not a valid RFC3339 timestamp: cannot use {} as {what}",
            go_quote(&e.value)
        )
    })
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let digit = |i: usize| {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

fn skip<'s>(s: &'s [u8], literal: &'static str) -> Result<&'s [u8], GoParseError> {
    match s.strip_prefix(literal.as_bytes()) {
        Some(rest) => Ok(rest),
        None => Err(go_error(literal, s, "")),
    }
}

/// Reads one number of the layout; `max` is the first value out of range.
fn field<'s>(
    s: &'s [u8],
    layout: &'static str,
    fixed: bool,
    max: u32,
) -> Result<(u32, &'s [u8]), GoParseError> {
    let (n, rest) = getnum(s, fixed).ok_or_else(|| go_error(layout, s, ""))?;
    if n >= max {
        return Err(go_error(layout, rest, ": out of range"));
    }
    Ok((n, rest))
}

/// Go's `time.Parse(time.RFC3339, text)`, step by step as Go takes it, so
/// that it fails where Go fails.
fn go_parse(s: &[u8]) -> Result<OffsetDateTime, GoParseError> {
    let year_digits = s.get(..4).filter(|y| y.iter().all(u8::is_ascii_digit));
    let year = year_digits.ok_or_else(|| go_error("2006", s, ""))?;
    let year: i32 = year.iter().fold(0, |n, d| n * 10 + i32::from(d - b'0'));
    let s = skip(&s[4..], "-")?;
    let (month, s) = getnum(s, true).ok_or_else(|| go_error("01", s, ""))?;
    if !(1..=12).contains(&month) {
        return Err(go_error("01", s, ": month out of range"));
    }
    let s = skip(s, "-")?;
    let (day, s) = getnum(s, true).ok_or_else(|| go_error("02", s, ""))?;
    let s = skip(s, "T")?;
    let (hour, s) = field(s, "15", false, 24)?;
    let s = skip(s, ":")?;
    let (minute, s) = field(s, "04", true, 60)?;
    let s = skip(s, ":")?;
    let (second, s) = field(s, "05", true, 60)?;
    let (nanos, s) = fraction(s);
    let (offset, s) = zone(s)?;
    if !s.is_empty() {
        return Err(go_error("", s, ": extra text"));
    }
    let month = Month::try_from(month as u8).map_err(|_| go_error("01", s, ""))?;
    let date = Date::from_calendar_date(year, month, day as u8)
        .map_err(|_| go_error("", b"", ": day out of range"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| go_error("15", s, ""))?;
    let offset = UtcOffset::from_whole_seconds(offset).map_err(|_| go_error("Z07:00", s, ""))?;
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// A fractional second after the seconds (`.5`, `,5`), as Go reads it: at
/// most nine digits count.
fn fraction(s: &[u8]) -> (u32, &[u8]) {
    let starts = s.len() >= 2 && matches!(s[0], b'.' | b',') && s[1].is_ascii_digit();
    if !starts {
        return (0, s);
    }
    let end = 1 + s[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    let digits = &s[1..end.min(10)];
    let mut nanos = digits
        .iter()
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    for _ in digits.len()..9 {
        nanos *= 10;
    }
    (nanos, &s[end..])
}

/// The `Z07:00` element: `Z` or `±hh:mm`, in seconds east of UTC.
fn zone(s: &[u8]) -> Result<(i32, &[u8]), GoParseError> {
    if let Some(rest) = s.strip_prefix(b"Z") {
        return Ok((0, rest));
    }
    let bad = || go_error("Z07:00", s, "");
    if s.len() < 6 || s[3] != b':' {
        return Err(bad());
    }
    let (hours, minutes, rest) = (&s[1..3], &s[4..6], &s[6..]);
    let hours = getnum(hours, true).map(|(n, _)| n);
    let minutes = getnum(minutes, true).map(|(n, _)| n);
    // Go checks the ranges before the syntax, with `>`: 24:00 passes here.
    if hours.is_some_and(|h| h > 24) || minutes.is_some_and(|m| m > 60) {
        return Err(go_error("Z07:00", rest, ": time zone offset out of range"));
    }
    let (Some(hours), Some(minutes)) = (hours, minutes) else {
        return Err(bad());
    };
    let seconds = (hours * 60 + minutes) as i32 * 60;
    match s[0] {
        b'+' => Ok((seconds, rest)),
        b'-' => Ok((-seconds, rest)),
        _ => Err(bad()),
    }
}

/// What Go's RFC 3339 fast path rejects although its general parser took it
/// (the checks of Go's `parseStrictRFC3339`, which cty applies too).
fn strict(s: &[u8]) -> Result<(), GoParseError> {
    let num2 = |b: &[u8]| u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    if s.get(12) == Some(&b':') {
        return Err(go_error("15", &s[11..12], ""));
    }
    if s.get(19) == Some(&b',') {
        return Err(go_error(".", b",", ""));
    }
    if s.last() != Some(&b'Z') && s.len() >= 6 {
        let zone = &s[s.len() - 6..];
        if num2(&zone[1..3]) >= 24 || num2(&zone[4..6]) >= 60 {
            return Err(go_error("Z07:00", zone, ": timezone out of range"));
        }
    }
    Ok(())
}

/// Go's `%q` for the ASCII and printable text a timestamp error quotes.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A timestamp argument: a bad one is an argument error when the function
/// reports it so (`formatdate`, `timecmp`), a call failure otherwise (`timeadd`).
fn timestamp_arg(
    args: &Args,
    i: usize,
    as_argument: bool,
) -> Result<OffsetDateTime, FunctionError> {
    parse_timestamp(&args.string(i)?).map_err(|m| {
        if as_argument {
            args.error(i, m)
        } else {
            failed(m)
        }
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
    let start = timestamp_arg(&args, 0, false)?;
    let moved = start
        .checked_add(signed_duration(&args.string(1)?)?)
        .ok_or_else(|| failed("the resulting time is out of range"))?;
    moved
        .format(&Rfc3339)
        .map(Value::String)
        .map_err(|e| failed(e.to_string()))
}

pub(crate) fn timecmp(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let a = timestamp_arg(&args, 0, true)?;
    let b = timestamp_arg(&args, 1, true)?;
    Ok(Value::number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

/// `plantimestamp()`: the time the plan was made, known while planning and
/// the same in the apply of that plan (the plan carries it). Unknown in
/// `stack validate`, as in Terraform.
pub(crate) fn plantimestamp(_: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(match ctx.plan_timestamp {
        Some(t) => Value::string(t),
        None => Value::Unknown,
    })
}

/// The current time as `plantimestamp()` and `timestamp()` print it.
pub use state::clock::now_rfc3339;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Splits a `formatdate` specification as Terraform does: runs of one ASCII
/// letter (verbs), quoted literals (`'...'`, `''` for a quote), and anything
/// else as it is.
fn format_tokens(spec: &str) -> Vec<&str> {
    let bytes = spec.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let first = bytes[start];
        let mut end = start + 1;
        if first == b'\'' {
            if bytes.get(end) == Some(&b'\'') {
                end += 1;
            } else {
                loop {
                    match bytes.get(end) {
                        None => break,
                        Some(b'\'') if bytes.get(end + 1) == Some(&b'\'') => end += 2,
                        Some(b'\'') => {
                            end += 1;
                            break;
                        }
                        Some(_) => end += 1,
                    }
                }
            }
        } else if first.is_ascii_alphabetic() {
            while bytes.get(end) == Some(&first) {
                end += 1;
            }
        } else {
            while end < bytes.len() && bytes[end] != b'\'' && !bytes[end].is_ascii_alphabetic() {
                end += 1;
            }
        }
        // Token boundaries are ASCII bytes, so every slice is on a char boundary.
        tokens.push(&spec[start..end]);
        start = end;
    }
    tokens
}

/// The offset as Go formats it: `Z07:00` (`colon`) or `-0700`.
fn format_offset(offset: UtcOffset, colon: bool, z_for_utc: bool) -> String {
    if z_for_utc && offset.is_utc() {
        return "Z".to_string();
    }
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    let sep = if colon { ":" } else { "" };
    format!("{sign}{:02}{sep}{:02}", h.abs(), m.abs())
}

/// One verb of `formatdate`, or Terraform's complaint about it.
fn format_verb(verb: &str, t: OffsetDateTime) -> Result<String, String> {
    let n = verb.len();
    let pick = |one: String, two: String, rule: &str| match n {
        1 => Ok(one),
        2 => Ok(two),
        _ => Err(rule.to_string()),
    };
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let bad = |rule: &str| format!("invalid date format verb {}: {rule}", go_quote(verb));
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    let weekday = WEEKDAYS[usize::from(t.weekday().number_days_from_monday())];
    match verb.as_bytes()[0] {
        b'Y' => match n {
            2 => Ok(format!("{:02}", t.year().rem_euclid(100))),
            4 => Ok(format!("{:04}", t.year())),
            _ => Err(bad("year must either be \"YY\" or \"YYYY\"")),
        },
        b'M' => match n {
            1 | 2 => pick(
                u8::from(t.month()).to_string(),
                format!("{:02}", u8::from(t.month())),
                "",
            ),
            3 => Ok(month[..3].to_string()),
            4 => Ok(month.to_string()),
            _ => Err(bad("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
        },
        b'D' => pick(t.day().to_string(), format!("{:02}", t.day()), "")
            .map_err(|_| bad("day of month must either be \"D\" or \"DD\"")),
        b'E' => match n {
            3 => Ok(weekday[..3].to_string()),
            4 => Ok(weekday.to_string()),
            _ => Err(bad("day of week must either be \"EEE\" or \"EEEE\"")),
        },
        b'h' => pick(t.hour().to_string(), format!("{:02}", t.hour()), "")
            .map_err(|_| bad("24-hour must either be \"h\" or \"hh\"")),
        b'H' => pick(hour12.to_string(), format!("{hour12:02}"), "")
            .map_err(|_| bad("12-hour must either be \"H\" or \"HH\"")),
        c @ (b'A' | b'a') if n == 2 => {
            let marker = if t.hour() < 12 { "AM" } else { "PM" };
            Ok(if c == b'a' {
                marker.to_lowercase()
            } else {
                marker.to_string()
            })
        }
        c @ (b'A' | b'a') => Err(bad(&format!("must be \"{0}{0}\"", c as char))),
        b'm' => pick(t.minute().to_string(), format!("{:02}", t.minute()), "")
            .map_err(|_| bad("minute must either be \"m\" or \"mm\"")),
        b's' => pick(t.second().to_string(), format!("{:02}", t.second()), "")
            .map_err(|_| bad("second must either be \"s\" or \"ss\"")),
        b'Z' => match n {
            1 => Ok(format_offset(t.offset(), true, true)),
            // Go prints the zone's name; a parsed zero offset is UTC (the
            // local zone of a machine on UTC), any other has no name.
            3 if t.offset().is_utc() => Ok("UTC".to_string()),
            3 | 4 => Ok(format_offset(t.offset(), false, false)),
            5 => Ok(format_offset(t.offset(), true, false)),
            _ => Err(bad("timezone must be Z, ZZZZ, or ZZZZZ")),
        },
        _ => Err(format!("invalid date format verb {}", go_quote(verb))),
    }
}

/// `formatdate(spec, timestamp)`.
pub(crate) fn formatdate(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let spec = args.string(0)?;
    let t = timestamp_arg(&args, 1, true)?;
    let mut out = String::new();
    for token in format_tokens(&spec) {
        let first = token.as_bytes()[0];
        if token == "''" {
            out.push('\'');
        } else if first == b'\'' {
            let body = token
                .strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
                .filter(|_| token.len() >= 2)
                .ok_or_else(|| args.error(0, "unterminated literal '"))?;
            out.push_str(&body.replace("''", "'"));
        } else if first.is_ascii_alphabetic() {
            out.push_str(&format_verb(token, t).map_err(|m| args.error(0, m))?);
        } else {
            out.push_str(token);
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok};
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
            Value::number(0.0)
        );
        assert_eq!(
            cmp("2024-01-31T10:00:00Z", "2024-01-31T10:00:01Z"),
            Value::number(-1.0)
        );
        assert_eq!(
            cmp("2024-01-31T10:00:02Z", "2024-01-31T10:00:01Z"),
            Value::number(1.0)
        );
    }

    #[test]
    fn formatdate_verbs_and_literals() {
        let fmt = |spec: &str, t: &str| ok("formatdate", vec![s(spec), s(t)]);
        assert_eq!(
            fmt("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2019-02-10T18:30:00-05:00"),
            s("Sunday, 10-Feb-19 18:30:00 -0500")
        );
        assert_eq!(fmt("H HH AA aa", "2018-01-02T00:04:05Z"), s("12 12 AM am"));
        assert_eq!(
            fmt("Z ZZZ ZZZZ ZZZZZ", "2018-01-02T00:04:05+05:30"),
            s("+05:30 +0530 +0530 +05:30")
        );
        assert_eq!(fmt("ZZZ Z", "2018-01-02T00:04:05+00:00"), s("UTC Z"));
        assert_eq!(fmt("'' 'a''b' ''''", "2018-01-02T00:04:05Z"), s("' a'b ''"));
        let e = err("formatdate", vec![s("DD'"), s("2018-01-02T00:04:05Z")]);
        assert!(e.ends_with("unterminated literal '."), "{e}");
        let e = err("formatdate", vec![s("YYY"), s("2018-01-02T00:04:05Z")]);
        assert!(
            e.contains("invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\""),
            "{e}"
        );
    }

    /// Terraform's wording for each way a timestamp can be wrong.
    #[test]
    fn bad_timestamps_are_explained_as_terraform_does() {
        let cases = [
            ("2018-01-02T1:04:05Z", "hour must have exactly two digits"),
            (
                "2018-01-02T00:04:05Zx",
                "cannot use \"x\" as timestamp segment",
            ),
            (
                "2018x01-02T00:04:05Z",
                "found \"x01-02T00:04:05Z\" where \"-\" is expected",
            ),
            (
                "2018-01-02T00:04:05,5Z",
                "cannot use \",\" as timestamp segment",
            ),
            (
                "2018-01-02T00:04:05+0500",
                "cannot use \"+0500\" as UTC offset",
            ),
            ("2018-01-02T00:04:60Z", "cannot use \"Z\" as second"),
            (
                "2018-01-02T00:60:05Z",
                "minute must have exactly two digits",
            ),
            (
                "2018-13-02T00:04:05Z",
                "cannot use \"-02T00:04:05Z\" as month",
            ),
            ("2018-02-30T00:04:05Z", "day out of range"),
            (
                "2018-01-02T25:04:05Z",
                "hour must be between 0 and 23 inclusive",
            ),
            (
                "2018-01-02T00:04:05+25:00",
                "end of string before UTC offset",
            ),
            (
                "2018-01-02T00:04:05+24:00",
                "cannot use \"+24:00\" as UTC offset",
            ),
            ("2018-01-02", "missing required time introducer 'T'"),
            ("2018-01-02T00:04", "end of string where \":\" is expected"),
            ("", "end of string before year"),
        ];
        for (text, want) in cases {
            let got = super::parse_timestamp(text).unwrap_err();
            assert_eq!(
                got,
                format!("not a valid RFC3339 timestamp: {want}"),
                "{text}"
            );
        }
        assert!(super::parse_timestamp("2018-01-02T00:04:05.1234567891234+01:00").is_ok());
    }
}
