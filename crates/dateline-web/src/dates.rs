//! An instant as pages show it: ISO 8601 for `<time datetime>`, "May 20, 2022" and "9:45 am".
//! Written digit by digit from the date's fields, not by `strftime` or `format!`: a page of a
//! hundred comments shows a hundred instants, and their three formats were 7 % of the
//! instructions of a cold 100-comment page (docs/PERFORMANCE.md, "Stop 28"). The
//! results are the same as `strftime`'s, which the tests below check, and which is used for
//! what the fast path does not cover (years before 1000, offsets with seconds).

use jiff::Zoned;

use crate::view::TimeView;

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// `zoned` as [`TimeView`] shows it (formats `%Y-%m-%dT%H:%M:%S%:z`, `%B %-d, %Y`, `%-I:%M %P`).
pub(crate) fn shown(zoned: &Zoned) -> TimeView {
    let offset = zoned.offset().seconds();
    let year = u16::try_from(zoned.year()).unwrap_or(0);
    if year < 1000 || offset % 60 != 0 {
        return by_strftime(zoned);
    }
    // Every field is within u8 now (jiff's ranges); `core::fmt` with padding cost more than
    // the rest of a comment's view, hence the digits pushed by hand.
    let field = |value: i8| u8::try_from(value).unwrap_or(0);
    let (month, day) = (field(zoned.month()), field(zoned.day()));
    let (hour, minute, second) = (field(zoned.hour()), field(zoned.minute()), field(zoned.second()));
    let mut iso = String::with_capacity(25);
    push_year(&mut iso, year);
    for (separator, value) in [('-', month), ('-', day), ('T', hour), (':', minute), (':', second)] {
        iso.push(separator);
        push_two(&mut iso, value);
    }
    let minutes = offset.unsigned_abs() / 60;
    iso.push(if offset < 0 { '-' } else { '+' });
    push_two(&mut iso, u8::try_from(minutes / 60).unwrap_or(0));
    iso.push(':');
    push_two(&mut iso, u8::try_from(minutes % 60).unwrap_or(0));

    let month_name = MONTHS[usize::from(month.max(1) - 1)];
    let mut date = String::with_capacity(month_name.len() + 9);
    date.push_str(month_name);
    date.push(' ');
    push_unpadded(&mut date, day);
    date.push_str(", ");
    push_year(&mut date, year);

    let mut time = String::with_capacity(8);
    push_unpadded(&mut time, if hour % 12 == 0 { 12 } else { hour % 12 });
    time.push(':');
    push_two(&mut time, minute);
    time.push_str(if hour < 12 { " am" } else { " pm" });
    TimeView { iso, date, time }
}

fn digit(value: u16) -> char {
    char::from(b'0' + u8::try_from(value % 10).unwrap_or(0))
}

fn push_two(out: &mut String, value: u8) {
    out.push(digit(u16::from(value / 10)));
    out.push(digit(u16::from(value)));
}

fn push_unpadded(out: &mut String, value: u8) {
    if value >= 10 {
        out.push(digit(u16::from(value / 10)));
    }
    out.push(digit(u16::from(value)));
}

fn push_year(out: &mut String, year: u16) {
    for divisor in [1000, 100, 10, 1] {
        out.push(digit(year / divisor));
    }
}

fn by_strftime(zoned: &Zoned) -> TimeView {
    TimeView {
        iso: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        date: zoned.strftime("%B %-d, %Y").to_string(),
        time: zoned.strftime("%-I:%M %P").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use jiff::tz::TimeZone;

    use super::*;

    fn same(zoned: &Zoned) {
        let (fast, slow) = (shown(zoned), by_strftime(zoned));
        assert_eq!((&fast.iso, &fast.date, &fast.time), (&slow.iso, &slow.date, &slow.time), "{zoned}");
    }

    #[test]
    fn shows_what_strftime_shows_in_every_zone_and_hour() {
        let zones: Vec<TimeZone> =
            ["UTC", "America/Havana", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Europe/Madrid"]
                .iter()
                .map(|name| TimeZone::get(name).expect("zone"))
                .chain([
                    TimeZone::fixed(jiff::tz::offset(-10)),
                    TimeZone::fixed(jiff::tz::Offset::from_seconds(-(3600 + 30 * 60)).expect("offset")),
                ])
                .collect();
        // Every hour and minute class of a year, plus the edges of the calendar.
        let mut instants: Vec<Timestamp> =
            (0..24 * 40).map(|i| Timestamp::from_second(1_704_067_200 + i * 9_173 * 4).expect("instant")).collect();
        instants.extend(
            ["1000-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2024-02-29T12:00:00Z", "9999-12-30T12:00:00Z"]
                .map(|t| t.parse::<Timestamp>().expect("instant")),
        );
        for zone in &zones {
            for instant in &instants {
                same(&instant.to_zoned(zone.clone()));
            }
        }
    }

    #[test]
    fn what_the_fast_path_leaves_is_still_shown() {
        // An offset with seconds (New York's local mean time before 1883) and a year before 1000.
        let new_york = TimeZone::get("America/New_York").expect("zone");
        let lmt = "1870-06-01T12:00:00Z".parse::<Timestamp>().expect("instant").to_zoned(new_york);
        assert_ne!(lmt.offset().seconds() % 60, 0);
        same(&lmt);
        let early = "0999-03-04T05:06:07Z".parse::<Timestamp>().expect("instant").to_zoned(TimeZone::UTC);
        assert_eq!(shown(&early).date, by_strftime(&early).date);
    }
}
