//! Timestamps as the API writes and reads them.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// RFC 3339 in UTC with a `Z`, with as many fraction digits as the time has (none, 3, 6 or 9):
/// the API's own spelling.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses RFC 3339, or an ISO 8601 date-time without an offset (taken as UTC), as the API's
/// query parameters accept.
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    Some(naive.and_utc())
}

/// Serializes a record's timestamp in the API's spelling (`#[serde(serialize_with = "...")]`).
pub(crate) fn rfc3339<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_timestamp(t))
}

/// [`rfc3339`] for an optional timestamp: `null` when there is none.
pub(crate) fn rfc3339_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_the_apis_spelling() {
        let t = parse_timestamp("2025-01-15T10:45:00.123Z").unwrap();
        assert_eq!(format_timestamp(&t), "2025-01-15T10:45:00.123Z");
        let naive = parse_timestamp("2025-01-15 10:45:00").unwrap();
        assert_eq!(format_timestamp(&naive), "2025-01-15T10:45:00Z");
        let offset = parse_timestamp("2025-01-15T12:45:00+02:00").unwrap();
        assert_eq!(format_timestamp(&offset), "2025-01-15T10:45:00Z");
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
