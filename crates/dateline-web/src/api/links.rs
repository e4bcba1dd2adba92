//! WordPress's pagination `Link` header (`rel="prev"` and `rel="next"`) on every paged list,
//! worked out from the request and the `X-WP-TotalPages` its handler set. Clients such as
//! node-wpapi and many scripts follow these links rather than count pages.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

pub(crate) async fn pagination_links(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let mut response = next.run(request).await;
    let total_pages = response.headers().get("X-WP-TotalPages").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(total_pages) = total_pages
        && let Some(value) = link_header(&state.site().base_url, &path, query.as_deref(), total_pages)
        && let Ok(value) = HeaderValue::from_str(&value)
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The header's value for the list at `path?query` with `total_pages`; `None` when there is no
/// page before or after. As WordPress does, a page past the end points back to the last page.
fn link_header(base_url: &str, path: &str, query: Option<&str>, total_pages: u64) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let page = pairs.iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse::<u64>().ok()).unwrap_or(1).max(1);
    let url = |to: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs.iter().filter(|(k, _)| k != "page") {
            query.append_pair(key, value);
        }
        if to > 1 {
            query.append_pair("page", &to.to_string());
        }
        match query.finish() {
            q if q.is_empty() => format!("{base_url}{path}"),
            q => format!("{base_url}{path}?{q}"),
        }
    };
    let mut links = Vec::new();
    if page > 1 && total_pages > 0 {
        links.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(total_pages))));
    }
    if page < total_pages {
        links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::link_header;

    #[test]
    fn links_point_before_and_after_keeping_the_filters() {
        let base = "https://blog.example";
        assert_eq!(link_header(base, "/wp-json/wp/v2/posts", None, 1), None);
        assert_eq!(
            link_header(base, "/wp-json/wp/v2/posts", None, 3).as_deref(),
            Some("<https://blog.example/wp-json/wp/v2/posts?page=2>; rel=\"next\"")
        );
        assert_eq!(
            link_header(base, "/wp-json/wp/v2/posts", Some("per_page=2&page=2&search=ferry+vote"), 3).as_deref(),
            Some(
                "<https://blog.example/wp-json/wp/v2/posts?per_page=2&search=ferry+vote>; rel=\"prev\", <https://blog.example/wp-json/wp/v2/posts?per_page=2&search=ferry+vote&page=3>; rel=\"next\""
            )
        );
        assert_eq!(
            link_header(base, "/wp-json/wp/v2/tags", Some("page=9"), 3).as_deref(),
            Some("<https://blog.example/wp-json/wp/v2/tags?page=3>; rel=\"prev\"")
        );
    }
}
