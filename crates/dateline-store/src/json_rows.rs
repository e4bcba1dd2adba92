//! Many rows read as one: the database builds a JSON array of them, and serde decodes it.
//!
//! sqlx's SQLite driver runs each connection on its own worker thread and hands every row of a
//! result to the async side separately, a thread wake-up each. A post page lists every
//! comment of the threads it shows, and on a post with 1,000 comments those wake-ups (and the
//! `Any` driver's per-row column conversions) were most of the page's cost with the cache off
//! (docs/PERFORMANCE.md). One row carrying the whole list costs one wake-up. Both stores take
//! the same path, so what a page reads does not depend on the store.

use crate::connect::Backend;

/// The SQL of a JSON array of `values` (expressions), as one value.
pub(crate) fn tuple(backend: Backend, values: &str) -> String {
    let function = match backend {
        Backend::Sqlite => "json_array",
        Backend::Postgres => "json_build_array",
    };
    format!("{function}({values})")
}

/// The SQL of an aggregate: every row's `item` in one JSON array text, in no set order; `[]`
/// when no row matched. The caller sorts what it decodes: an `ORDER BY` inside the aggregate
/// made SQLite copy every item into a temporary b-tree first, which took a third of the
/// statement's time for a 1,000-comment post (docs/PERFORMANCE.md).
pub(crate) fn array(backend: Backend, item: &str) -> String {
    aggregate(backend, item)
}

/// As [`array`], in the order `order_by` gives (for short lists chosen by that order in the
/// same statement, such as the newest pages or related posts by rank; SQLite 3.44 and later
/// take `ORDER BY` inside an aggregate).
pub(crate) fn ordered_array(backend: Backend, item: &str, order_by: &str) -> String {
    aggregate(backend, &format!("{item} ORDER BY {order_by}"))
}

/// The aggregate of [`array`] over `argument` (an item, with or without its `ORDER BY`).
fn aggregate(backend: Backend, argument: &str) -> String {
    let function = match backend {
        Backend::Sqlite => "json_group_array",
        Backend::Postgres => "json_agg",
    };
    format!("CAST(COALESCE({function}({argument}), '[]') AS TEXT)")
}

/// Decodes the text of an [`array`].
pub(crate) fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, sqlx::Error> {
    serde_json::from_str(text).map_err(|err| sqlx::Error::Decode(format!("rows as JSON: {err}").into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_result_is_an_empty_array() {
        assert!(array(Backend::Postgres, "x").contains("'[]'"));
        assert_eq!(decode::<i64>("[]").expect("an empty array"), Vec::<i64>::new());
    }
}
