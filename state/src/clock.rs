//! Times as RFC 3339, from one place: every time stamp `stack` writes or
//! prints (state history, locks, `timestamp()`, `plantimestamp()`,
//! `time_static`) is UTC with whole seconds, `2024-05-01T12:34:56Z`, the
//! form Go's `time.RFC3339` gives Terraform. This crate is the lowest one
//! every other depends on, so the engine and the binary use it too.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current time, e.g. `2024-05-01T12:34:56Z`.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    format(now.replace_nanosecond(0).unwrap_or(now))
}

/// `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`: RFC 3339 has four-digit years.
const FIRST: i64 = -62_167_219_200;
const LAST: i64 = 253_402_300_799;

/// Seconds since the Unix epoch (negative before it) as RFC 3339; a time
/// outside the years 0–9999 is clamped to the nearest one that prints.
pub fn rfc3339_from_unix(secs: i64) -> String {
    let clamped = secs.clamp(FIRST, LAST);
    format(OffsetDateTime::from_unix_timestamp(clamped).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

fn format(time: OffsetDateTime) -> String {
    // Formatting a UTC time with a four-digit year cannot fail.
    time.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_print_in_utc_with_whole_seconds() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339_from_unix(1_714_566_896), "2024-05-01T12:34:56Z");
        assert_eq!(rfc3339_from_unix(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(-86_400), "1969-12-31T00:00:00Z");
        assert_eq!(rfc3339_from_unix(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_from_unix(i64::MIN), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn now_has_whole_seconds_and_reads_back() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'), "{now}");
        OffsetDateTime::parse(&now, &Rfc3339).expect("parses back");
    }
}
