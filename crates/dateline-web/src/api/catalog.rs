//! The routes of the API and the parameters each takes, in one table: the `/wp-json/` index
//! describes them (as WordPress's does, so clients such as `wpapi` can discover the API), the
//! OpenAPI document lists them, and a request's query is checked against them (a parameter
//! this site does not honour is refused with WordPress's 400, never silently dropped).

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::ApiError;

/// A parameter: its name, JSON type and what it means.
pub(crate) type Param = (&'static str, &'static str, &'static str);

/// Parameters in groups, so lists that share most of theirs say so once.
pub(crate) type Params = &'static [&'static [Param]];

/// One route: its path under `/wp-json` in axum's syntax (`{id}`), and the parameters of its
/// reads (query), writes (body) and deletes (query). `None`: the route does not take them.
pub(crate) struct Route {
    pub path: &'static str,
    pub read: Option<Params>,
    pub write: Option<Params>,
    pub delete: Option<&'static [Param]>,
}

/// Every parameter of `groups`.
pub(crate) fn each(groups: Params) -> impl Iterator<Item = &'static Param> {
    groups.iter().flat_map(|group| group.iter())
}

/// Taken by every route, as WordPress's global parameters. (`_wpnonce` is the nonce of
/// WordPress's cookie authentication, which this API does not use: it is accepted and has no
/// effect. `_envelope`, `_jsonp` and `_method` are refused.)
const GLOBAL: &[&str] = &["_fields", "_embed", "_locale", "_wpnonce"];

const CONTEXT: Param = ("context", "string", "Scope of the answer: view, or edit (more fields, for those who may edit)");
const PAGE: Param = ("page", "integer", "Page of the collection (from 1)");
const PER_PAGE: Param = ("per_page", "integer", "Items on a page (1 to 100)");
const SEARCH: Param = ("search", "string", "Only items that contain these words");
const INCLUDE: Param = ("include", "array", "Only these ids");
const EXCLUDE: Param = ("exclude", "array", "Not these ids");
const ORDER: Param = ("order", "string", "asc or desc");
const SLUG: Param = ("slug", "array", "Only items with these slugs");
const FORCE: &[Param] = &[("force", "boolean", "Delete for good instead of moving to the trash")];

/// What lists of posts and of pages both take.
const ENTRIES_READ: &[Param] = &[
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    ("after", "string", "Published after this date (ISO 8601)"),
    ("before", "string", "Published before this date (ISO 8601)"),
    ("author", "array", "Only entries by these accounts"),
    ("author_exclude", "array", "Not entries by these accounts"),
    EXCLUDE,
    INCLUDE,
    ("offset", "integer", "Skip this many items"),
    ORDER,
    ("orderby", "string", "date, id, title, modified or relevance (the default with search)"),
    SLUG,
    ("status", "array", "publish, future, draft, pending, private, trash, or any"),
];
const POSTS_READ: &[Param] = &[
    ("categories", "array", "Only posts in any of these categories"),
    ("categories_exclude", "array", "Not posts in any of these categories"),
    ("tags", "array", "Only posts with any of these tags"),
    ("tags_exclude", "array", "Not posts with any of these tags"),
    ("sticky", "boolean", "Only sticky posts (true) or only others (false)"),
];
/// What posts and pages are both written with.
const ENTRY_WRITE: &[Param] = &[
    ("title", "string", "The title (at most 500 characters)"),
    ("content", "string", "The body, as HTML"),
    ("excerpt", "string", "The excerpt"),
    ("status", "string", "publish, future, draft, pending or private"),
    ("date", "string", "Publication date in the site's time zone"),
    ("date_gmt", "string", "Publication date in UTC"),
    ("slug", "string", "The address part"),
    ("author", "integer", "The author's account id"),
    ("comment_status", "string", "open or closed"),
    ("password", "string", "A password readers must give to read it"),
    ("featured_media", "integer", "The id of an image in the media library, shown at the top and on share cards (0 for none)"),
    (
        "dateline",
        "object",
        "Link-post fields: dek, source {reporter, outlet, url, headline, excerpt, continue_reading_text, archive_url}, markdown",
    ),
];
const POSTS_WRITE: &[Param] =
    &[("sticky", "boolean", "Kept at the top of the home page"), ("categories", "array", "Category ids"), ("tags", "array", "Tag ids")];
const PAGES_WRITE: &[Param] =
    &[("parent", "integer", "The parent page's id (0 for none)"), ("menu_order", "integer", "Position among its siblings")];
const COMMENTS_READ: &[Param] = &[
    CONTEXT,
    PAGE,
    PER_PAGE,
    ("post", "array", "Only comments on this post"),
    ("search", "string", "Only comments with these words in the text or the name (or, for moderators, the e-mail address)"),
    ("status", "string", "approve (the default), hold, spam, trash or all; other than approve for moderators"),
];
const COMMENTS_WRITE: &[Param] = &[
    ("post", "integer", "The post the comment is on"),
    ("parent", "integer", "The comment it replies to"),
    ("content", "string", "The comment"),
    ("author_name", "string", "The commenter's name"),
    ("author_email", "string", "The commenter's email address"),
    ("author_url", "string", "The commenter's website"),
    ("status", "string", "approve, hold, spam or trash (moderators)"),
];
/// What lists of categories and of tags both take.
const TERMS_READ: &[Param] = &[
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    EXCLUDE,
    INCLUDE,
    ORDER,
    ("orderby", "string", "name, id, slug or count"),
    ("hide_empty", "boolean", "Leave out terms without published posts"),
    ("post", "integer", "Only the terms of this post"),
    SLUG,
];
const CATEGORIES_READ: &[Param] = &[("parent", "integer", "Only the children of this category (0: the top level)")];
const TERM_WRITE: &[Param] =
    &[("name", "string", "The name"), ("slug", "string", "The address part"), ("description", "string", "A description")];
const CATEGORY_WRITE: &[Param] = &[("parent", "integer", "The parent category's id (0 for the top level)")];
const SEARCH_READ: &[Param] = &[
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    ("type", "string", "post (posts and pages, best match first) or term (categories and tags)"),
    ("subtype", "string", "any, post or page; any, category or post_tag"),
];
const BYLINES_READ: &[Param] = &[CONTEXT, PAGE, PER_PAGE, SEARCH];
const CLIP_WRITE: &[Param] = &[
    ("url", "string", "The story's address (required; with html, where the page was read)"),
    ("html", "string", "The page's HTML, when the server cannot fetch it (a paywall); up to 5 MB"),
    ("selection", "string", "The passage to quote, paragraphs on their own lines (else the story's lead)"),
];
const MEDIA_READ: &[Param] = &[
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    ("media_type", "string", "image, video, audio or application"),
    ("mime_type", "string", "Only files of this MIME type (or type prefix)"),
    ("author", "integer", "Only files uploaded by this account"),
];
const MEDIA_FILE: &[Param] =
    &[("file", "string", "The file (multipart form); or send it as the raw body with Content-Disposition: attachment; filename=NAME")];
const MEDIA_WRITE: &[Param] = &[
    ("title", "string", "The title (the file name by default)"),
    ("alt_text", "string", "What a screen reader says in place of the image"),
    ("caption", "string", "Plain text shown under the image"),
];
const USERS_READ: &[Param] = &[CONTEXT, PAGE, PER_PAGE, SEARCH, ORDER, ("orderby", "string", "name, id or slug"), SLUG];
const ITEM_READ: &[Param] = &[CONTEXT];

/// Every route the API answers, in the order the index lists them.
pub(crate) const ROUTES: &[Route] = &[
    Route { path: "/wp/v2/posts", read: Some(&[ENTRIES_READ, POSTS_READ]), write: Some(&[ENTRY_WRITE, POSTS_WRITE]), delete: None },
    Route { path: "/wp/v2/posts/{id}", read: Some(&[ITEM_READ]), write: Some(&[ENTRY_WRITE, POSTS_WRITE]), delete: Some(FORCE) },
    Route { path: "/wp/v2/pages", read: Some(&[ENTRIES_READ]), write: Some(&[ENTRY_WRITE, PAGES_WRITE]), delete: None },
    Route { path: "/wp/v2/pages/{id}", read: Some(&[ITEM_READ]), write: Some(&[ENTRY_WRITE, PAGES_WRITE]), delete: Some(FORCE) },
    Route { path: "/wp/v2/comments", read: Some(&[COMMENTS_READ]), write: Some(&[COMMENTS_WRITE]), delete: None },
    Route { path: "/wp/v2/comments/{id}", read: Some(&[ITEM_READ]), write: Some(&[COMMENTS_WRITE]), delete: Some(FORCE) },
    Route {
        path: "/wp/v2/categories",
        read: Some(&[TERMS_READ, CATEGORIES_READ]),
        write: Some(&[TERM_WRITE, CATEGORY_WRITE]),
        delete: None,
    },
    Route { path: "/wp/v2/categories/{id}", read: Some(&[ITEM_READ]), write: Some(&[TERM_WRITE, CATEGORY_WRITE]), delete: Some(FORCE) },
    Route { path: "/wp/v2/tags", read: Some(&[TERMS_READ]), write: Some(&[TERM_WRITE]), delete: None },
    Route { path: "/wp/v2/tags/{id}", read: Some(&[ITEM_READ]), write: Some(&[TERM_WRITE]), delete: Some(FORCE) },
    Route { path: "/wp/v2/search", read: Some(&[SEARCH_READ]), write: None, delete: None },
    Route { path: "/wp/v2/media", read: Some(&[MEDIA_READ]), write: Some(&[MEDIA_FILE, MEDIA_WRITE]), delete: None },
    Route { path: "/wp/v2/media/{id}", read: Some(&[ITEM_READ]), write: Some(&[MEDIA_WRITE]), delete: Some(FORCE) },
    Route { path: "/wp/v2/users", read: Some(&[USERS_READ]), write: None, delete: None },
    Route { path: "/wp/v2/users/me", read: Some(&[ITEM_READ]), write: None, delete: None },
    Route { path: "/wp/v2/users/{id}", read: Some(&[ITEM_READ]), write: None, delete: None },
    Route { path: "/dateline/v1/clip", read: None, write: Some(&[CLIP_WRITE]), delete: None },
    Route { path: "/dateline/v1/outlets", read: Some(&[BYLINES_READ]), write: None, delete: None },
    Route { path: "/dateline/v1/outlets/{id}", read: Some(&[ITEM_READ]), write: None, delete: None },
    Route { path: "/dateline/v1/reporters", read: Some(&[BYLINES_READ]), write: None, delete: None },
    Route { path: "/dateline/v1/reporters/{id}", read: Some(&[ITEM_READ]), write: None, delete: None },
];

/// The namespaces, as the index lists them: WordPress's, then Dateline's own (clipping, outlets
/// and reporters), which no WordPress has.
pub(crate) const NAMESPACES: &[&str] = &["wp/v2", "dateline/v1"];

impl Route {
    /// `wp/v2` or `dateline/v1`: the path's first two parts.
    pub(crate) fn namespace(&self) -> &'static str {
        let path = self.path.trim_start_matches('/');
        let end = path.match_indices('/').nth(1).map_or(path.len(), |(i, _)| i);
        &path[..end]
    }
}

fn route_at(matched: &str) -> Option<&'static Route> {
    let path = matched.strip_prefix("/wp-json")?;
    ROUTES.iter().find(|r| r.path == path)
}

/// A route's path as WordPress names it in its index: `(?P<id>[\d]+)` for `{id}`.
pub(crate) fn wordpress_path(path: &str) -> String {
    path.replace("{id}", "(?P<id>[\\d]+)")
}

fn args<'a>(params: impl IntoIterator<Item = &'a Param>) -> Value {
    let mut map = Map::new();
    for (name, kind, description) in params {
        map.insert((*name).to_string(), json!({ "type": kind, "description": description, "required": false }));
    }
    Value::Object(map)
}

/// The `routes` of the index, in WordPress's shape: every namespace's, or one's.
pub(crate) fn index_routes(api_root: &str, namespace: Option<&str>) -> Value {
    let mut routes = Map::new();
    if namespace.is_none() {
        routes.insert("/".into(), json!({ "namespace": "", "methods": ["GET"], "endpoints": [{ "methods": ["GET"], "args": args([&CONTEXT]) }], "_links": { "self": [{ "href": format!("{api_root}/") }] } }));
    }
    for name in NAMESPACES.iter().filter(|n| namespace.is_none_or(|wanted| wanted == **n)) {
        routes.insert(format!("/{name}"), json!({ "namespace": name, "methods": ["GET"], "endpoints": [{ "methods": ["GET"], "args": args([&CONTEXT]) }], "_links": { "self": [{ "href": format!("{api_root}/{name}") }] } }));
    }
    for route in ROUTES.iter().filter(|r| namespace.is_none_or(|wanted| wanted == r.namespace())) {
        let mut methods = Vec::new();
        let mut endpoints = Vec::new();
        if let Some(read) = route.read {
            methods.push("GET");
            endpoints.push(json!({ "methods": ["GET"], "args": args(each(read)) }));
        }
        if let Some(write) = route.write {
            let verbs: &[&str] = if route.path.ends_with("{id}") { &["POST", "PUT", "PATCH"] } else { &["POST"] };
            methods.extend_from_slice(verbs);
            endpoints.push(json!({ "methods": verbs, "args": args(each(write)) }));
        }
        if let Some(delete) = route.delete {
            methods.push("DELETE");
            endpoints.push(json!({ "methods": ["DELETE"], "args": args(delete) }));
        }
        let mut entry = json!({ "namespace": route.namespace(), "methods": methods, "endpoints": endpoints });
        // WordPress links routes without placeholders to themselves.
        if !route.path.contains('{') {
            entry["_links"] = json!({ "self": [{ "href": format!("{api_root}{}", route.path) }] });
        }
        routes.insert(wordpress_path(route.path), entry);
    }
    Value::Object(routes)
}

/// Refuses a read or delete whose query names a parameter its route does not take.
pub(crate) async fn known_parameters(request: Request, next: Next) -> Response {
    let params: Option<Vec<&Param>> = match (request.extensions().get::<MatchedPath>().and_then(|m| route_at(m.as_str())), request.method())
    {
        (Some(route), &Method::GET | &Method::HEAD) => route.read.map(|read| each(read).collect()),
        (Some(route), &Method::DELETE) => route.delete.map(|d| d.iter().collect()),
        _ => None,
    };
    if let (Some(params), Some(query)) = (params, request.uri().query()) {
        for (key, _) in form_urlencoded::parse(query.as_bytes()) {
            let key = key.trim_end_matches("[]");
            if !GLOBAL.contains(&key) && !params.iter().any(|(name, _, _)| *name == key) {
                let known = params.iter().map(|(name, _, _)| *name).collect::<Vec<_>>().join(", ");
                let why = format!("this site does not support it here; supported: {known}");
                return ApiError::invalid_param(key, why).into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_routes_as_wordpress_does() {
        let routes = index_routes("https://example.org/wp-json", None);
        let post = &routes["/wp/v2/posts/(?P<id>[\\d]+)"];
        assert_eq!(post["methods"], json!(["GET", "POST", "PUT", "PATCH", "DELETE"]));
        assert_eq!(post["endpoints"][0]["args"]["context"]["type"], "string");
        assert_eq!(routes["/wp/v2/posts"]["_links"]["self"][0]["href"], "https://example.org/wp-json/wp/v2/posts");
        assert!(routes["/wp/v2/tags"]["endpoints"][0]["args"].get("slug").is_some());
        assert_eq!(routes["/dateline/v1/clip"]["methods"], json!(["POST"]));
        assert_eq!(routes["/dateline/v1/clip"]["namespace"], "dateline/v1");
        assert_eq!(routes["/dateline/v1/outlets/(?P<id>[\\d]+)"]["methods"], json!(["GET"]));
        let dateline_only = index_routes("https://example.org/wp-json", Some("dateline/v1"));
        let names: Vec<&String> = dateline_only.as_object().expect("routes").keys().collect();
        assert!(names.iter().all(|n| n.starts_with("/dateline/v1")), "{names:?}");
    }
}
