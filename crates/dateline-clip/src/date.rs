//! Publication dates as pages write them: RFC 3339 (`2015-07-24T05:36:09+01:00`), without an
//! offset (`2018-12-21 12:55:00`, taken as UTC, the only reading that needs no guess about
//! the outlet's time zone), or a bare date (`2015/05/04`, as `citation_date` has it).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// The instant `text` names, if it is one of the shapes above.
pub fn parse(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant);
    }
    let normalized = text.replace('/', "-");
    let civil = normalized.parse::<DateTime>().ok().or_else(|| {
        normalized.get(..10).and_then(|day| day.parse::<Date>().ok()).map(|day| day.to_datetime(jiff::civil::Time::midnight()))
    })?;
    civil.to_zoned(TimeZone::UTC).ok().map(|zoned| zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_shapes_pages_use() {
        let at = |text: &str| parse(text).map(|t| t.to_string());
        assert_eq!(at("2015-07-24T05:36:09+01:00").as_deref(), Some("2015-07-24T04:36:09Z"));
        assert_eq!(at("2019-01-03T07:00:02.000Z").as_deref(), Some("2019-01-03T07:00:02Z"));
        assert_eq!(at(" 2018-12-21 12:55:00 ").as_deref(), Some("2018-12-21T12:55:00Z"));
        assert_eq!(at("2015/05/04").as_deref(), Some("2015-05-04T00:00:00Z"));
        assert_eq!(at("yesterday"), None);
        assert_eq!(at(""), None);
    }
}
