//! WordPress's `_fields` parameter: `?_fields=id,title.rendered,link` answers with just those
//! fields of each item (nested ones by dotted path), which headless front ends use to keep
//! responses small. Applied to every successful JSON answer of the API, after its handler.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// Larger answers than this are passed on whole rather than buffered to be filtered.
const MAX_FILTERED_BODY: usize = 32 << 20;

pub(crate) async fn only_requested_fields(request: Request, next: Next) -> Response {
    let wanted = requested(request.uri().query());
    let response = next.run(request).await;
    let is_json =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/json"));
    let Some(wanted) = wanted.filter(|_| response.status().is_success() && is_json) else { return response };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FILTERED_BODY).await else {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "response too large to filter").into_response();
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else { return Response::from_parts(parts, Body::from(bytes)) };
    let filtered = match value {
        Value::Array(items) => Value::Array(items.iter().map(|item| keep(item, &wanted)).collect()),
        other => keep(&other, &wanted),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(filtered.to_string()))
}

/// The dotted paths `_fields` names (`_fields=a,b.c` or `_fields[]=a&_fields[]=b.c`).
fn requested(query: Option<&str>) -> Option<Vec<Vec<String>>> {
    let mut paths = Vec::new();
    let mut present = false;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if key.trim_end_matches("[]") == "_fields" {
            present = true;
            paths.extend(value.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| p.split('.').map(str::to_string).collect()));
        }
    }
    (present && !paths.is_empty()).then_some(paths)
}

/// `value` with only the fields on `paths` (an object; anything else is kept as it is).
fn keep(value: &Value, paths: &[Vec<String>]) -> Value {
    let Value::Object(object) = value else { return value.clone() };
    let mut out = Map::new();
    for path in paths {
        copy_path(object, &mut out, path);
    }
    Value::Object(out)
}

fn copy_path(from: &Map<String, Value>, to: &mut Map<String, Value>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else { return };
    let Some(found) = from.get(first) else { return };
    match (rest.is_empty(), found) {
        (true, _) => {
            to.insert(first.clone(), found.clone());
        }
        (false, Value::Object(inner)) => {
            let entry = to.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
            // A whole field asked for beside one of its parts stays whole.
            if let Value::Object(target) = entry {
                copy_path(inner, target, rest);
            }
        }
        (false, _) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_named_fields_and_nested_parts() {
        let wanted = requested(Some("_fields=id,title.rendered,dateline.source.outlet,missing")).expect("paths");
        let item = json!({ "id": 7, "title": { "rendered": "T", "raw": "t" }, "dateline": { "dek": "d", "source": { "outlet": "O", "url": "u" } }, "link": "l" });
        assert_eq!(keep(&item, &wanted), json!({ "id": 7, "title": { "rendered": "T" }, "dateline": { "source": { "outlet": "O" } } }));
        assert_eq!(requested(Some("_fields[]=id&_fields[]=link")), Some(vec![vec!["id".to_string()], vec!["link".to_string()]]));
        assert_eq!(requested(Some("page=2")), None);
        let whole = requested(Some("_fields=title,title.rendered")).expect("paths");
        assert_eq!(keep(&item, &whole), json!({ "title": { "rendered": "T", "raw": "t" } }));
    }
}
