//! `/wp-json/openapi.json`: an OpenAPI 3.1 description of exactly the routes implemented here.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::catalog::{Param, ROUTES, Route, each};
use crate::AppState;

fn one(schema: &str) -> Value {
    json!({ "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn error() -> Value {
    json!({ "description": "WordPress error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn paged_response(schema: &str) -> Value {
    json!({
        "description": "A page of results",
        "headers": {
            "X-WP-Total": { "schema": { "type": "integer" }, "description": "Items across all pages" },
            "X-WP-TotalPages": { "schema": { "type": "integer" }, "description": "Number of pages" },
            "Link": { "schema": { "type": "string" }, "description": "The previous and next pages, as rel=\"prev\" and rel=\"next\" links (when there are any)" }
        },
        "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } } } }
    })
}

/// Query parameters from the catalog, with the path's id and WordPress's `_fields`.
fn parameters<'a>(path: &str, params: impl IntoIterator<Item = &'a Param>) -> Value {
    let mut list: Vec<Value> = Vec::new();
    if path.contains("{id}") {
        list.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }));
    }
    for (name, kind, description) in params {
        let schema = if *kind == "array" {
            json!({ "type": "string", "description": "comma-separated, or repeated as name[]" })
        } else {
            json!({ "type": kind })
        };
        list.push(json!({ "name": name, "in": "query", "description": description, "schema": schema }));
    }
    list.push(json!({ "name": "_fields", "in": "query", "description": "Only these fields (comma-separated; nested ones as a.b)", "schema": { "type": "string" } }));
    Value::Array(list)
}

/// The OpenAPI path item of one catalog route.
fn path_item(route: &Route) -> Value {
    let tag =
        route.path.trim_start_matches('/').trim_start_matches(route.namespace()).trim_start_matches('/').split('/').next().unwrap_or("");
    let schema = match tag {
        "posts" | "pages" | "clip" => "Post",
        "comments" => "Comment",
        "categories" | "tags" => "Term",
        "outlets" | "reporters" => "Byline",
        "media" => "Media",
        _ => "User",
    };
    let item = route.path.contains('{') || route.path.ends_with("/me");
    let read = if item { one(schema) } else { paged_response(schema) };
    let secured = json!([{ "applicationPassword": [] }]);
    let mut value = json!({});
    if let Some(params) = route.read {
        value["get"] = json!({ "tags": [tag], "summary": format!("Read {tag}"), "parameters": parameters(route.path, each(params)), "responses": { "200": read, "400": error(), "404": error() } });
    }
    if let Some(write) = route.write {
        let properties: serde_json::Map<String, Value> = each(write)
            .map(|(name, kind, description)| ((*name).to_string(), json!({ "type": kind, "description": description })))
            .collect();
        let body =
            json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": properties } } } });
        let status = if item { "200" } else { "201" };
        let operation = json!({ "tags": [tag], "summary": format!("Write {tag}"), "security": secured, "parameters": parameters(route.path, []), "requestBody": body, "responses": { status: one(schema), "400": error(), "401": error(), "403": error() } });
        value["post"] = operation.clone();
        if item {
            value["put"] = operation.clone();
            value["patch"] = operation;
        }
    }
    if let Some(delete) = route.delete {
        value["delete"] = json!({ "tags": [tag], "summary": format!("Trash or (force=true) delete {tag}"), "security": secured, "parameters": parameters(route.path, delete.iter()), "responses": { "200": one(schema), "401": error(), "403": error(), "404": error(), "410": error(), "501": error() } });
    }
    value
}

pub(crate) async fn document(State(state): State<AppState>) -> Response {
    let paths: serde_json::Map<String, Value> = ROUTES.iter().map(|route| (route.path.to_string(), path_item(route))).collect();
    let rendered = json!({ "type": "object", "properties": { "rendered": { "type": "string" }, "raw": { "type": "string" } } });
    let doc = json!({
        "openapi": "3.1.0",
        "info": { "title": format!("{} (Dateline)", state.site().config.site.title), "version": "wp/v2", "description": "The subset of the WordPress REST API that Dateline implements. Link-post fields are under `dateline`." },
        "servers": [{ "url": format!("{}/wp-json", state.site().base_url) }],
        "paths": paths,
        "components": {
            "securitySchemes": { "applicationPassword": { "type": "http", "scheme": "basic", "description": "login:application password (created under Profile in the admin)" } },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message", "data"], "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "data": { "type": "object", "properties": { "status": { "type": "integer" } } } } },
                "Post": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "date": { "type": "string" }, "date_gmt": { "type": "string" }, "modified": { "type": "string" }, "modified_gmt": { "type": "string" },
                    "slug": { "type": "string" }, "status": { "type": "string", "enum": ["publish", "future", "draft", "pending", "private", "trash"] }, "type": { "type": "string" }, "link": { "type": "string" },
                    "title": rendered, "content": rendered, "excerpt": rendered, "author": { "type": "integer" }, "comment_status": { "type": "string" }, "sticky": { "type": "boolean" },
                    "categories": { "type": "array", "items": { "type": "integer" } }, "tags": { "type": "array", "items": { "type": "integer" } },
                    "dateline": { "type": "object", "properties": { "dek": { "type": ["string", "null"] }, "markdown": { "type": "string", "description": "write-only: a Markdown body" }, "source": { "type": ["object", "null"], "properties": {
                        "reporter": { "type": ["string", "null"] }, "outlet": { "type": ["string", "null"] }, "url": { "type": ["string", "null"] }, "headline": { "type": ["string", "null"] },
                        "excerpt": { "type": "array", "items": { "type": "string" } }, "continue_reading_text": { "type": ["string", "null"] },
                        "archive_url": { "type": ["string", "null"], "description": "an archived copy, linked once the source is gone" },
                        "words": { "type": ["integer", "null"], "description": "the whole source story's words, when known (the quote limit's percentage)" } } },
                        "quote_override": { "type": ["object", "null"], "description": "context=edit: the last time an editor allowed the post over the site's quote limit (by, by_name, at, words)" } } },
                    "quote_override": { "type": "boolean", "description": "write-only: publish over the site's quote limit (editors and administrators; recorded on the post). Without it a post over the limit is refused with dateline_quote_limit" }
                } },
                "Comment": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "post": { "type": "integer" }, "parent": { "type": "integer" }, "author_name": { "type": "string" }, "author_url": { "type": "string" },
                    "date": { "type": "string" }, "date_gmt": { "type": "string" }, "content": rendered, "link": { "type": "string" },
                    "status": { "type": "string", "enum": ["approved", "hold", "spam", "trash"] }, "type": { "type": "string" } } },
                "Term": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "count": { "type": "integer" }, "description": { "type": "string" }, "link": { "type": "string" }, "name": { "type": "string" },
                    "slug": { "type": "string" }, "taxonomy": { "type": "string" }, "parent": { "type": "integer" } } },
                "Media": { "type": "object", "description": "A file in the media library", "properties": { "id": { "type": "integer" }, "source_url": { "type": "string" }, "mime_type": { "type": "string" }, "media_type": { "type": "string", "description": "image or file" }, "alt_text": { "type": "string" }, "caption": { "type": "object" }, "media_details": { "type": "object", "description": "width, height, file, filesize and sizes (by width, -webp for the WebP copies, and full)" } } },
                "Byline": { "type": "object", "description": "An outlet or a reporter (dateline/v1)", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" }, "link": { "type": "string" }, "count": { "type": "integer", "description": "posts readers can see" }, "domains": { "type": "array", "items": { "type": "string" }, "description": "outlets only: the web domains it publishes on" } } },
                "User": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" }, "link": { "type": "string" }, "roles": { "type": "array", "items": { "type": "string" } } } }
            }
        }
    });
    Json(doc).into_response()
}
