//! `/wp-json/openapi.json`: an OpenAPI 3.1 description of exactly the routes implemented here.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;

fn list_params(extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "default": 1 } }),
        json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 } }),
        fields_param(),
    ];
    for (name, kind) in extra {
        params.push(json!({ "name": name, "in": "query", "schema": { "type": kind } }));
    }
    Value::Array(params)
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

fn one(schema: &str) -> Value {
    json!({ "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn error() -> Value {
    json!({ "description": "WordPress error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, fields_param()])
}

/// WordPress's `_fields`, which every answer takes.
fn fields_param() -> Value {
    json!({ "name": "_fields", "in": "query", "description": "Only these fields (comma-separated; nested ones as a.b)", "schema": { "type": "string" } })
}

fn collection(tag: &str, schema: &str, extra: &[(&str, &str)], writable: bool) -> (Value, Value) {
    let mut list = json!({
        "get": { "tags": [tag], "summary": format!("List {tag}"), "parameters": list_params(extra), "responses": { "200": paged_response(schema), "400": error() } }
    });
    let mut item = json!({
        "get": { "tags": [tag], "summary": format!("Read one of {tag}"), "parameters": id_param(), "responses": { "200": one(schema), "404": error() } }
    });
    if writable {
        let body = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        list["post"] = json!({ "tags": [tag], "summary": format!("Create in {tag}"), "security": [{ "applicationPassword": [] }], "requestBody": body, "responses": { "201": one(schema), "400": error(), "401": error(), "403": error() } });
        let update = json!({ "tags": [tag], "summary": format!("Update one of {tag}"), "security": [{ "applicationPassword": [] }], "parameters": id_param(), "requestBody": body, "responses": { "200": one(schema), "401": error(), "403": error(), "404": error() } });
        item["post"] = update.clone();
        item["put"] = update.clone();
        item["patch"] = update;
        item["delete"] = json!({ "tags": [tag], "summary": format!("Trash (or with force=true delete) one of {tag}"), "security": [{ "applicationPassword": [] }], "parameters": id_param(), "responses": { "200": one(schema), "401": error(), "403": error(), "404": error(), "410": error() } });
    }
    (list, item)
}

pub(crate) async fn document(State(state): State<AppState>) -> Response {
    let post_filters = [("search", "string"), ("status", "string"), ("categories", "string"), ("tags", "string"), ("author", "integer"), ("slug", "string"), ("include", "string"), ("orderby", "string"), ("order", "string"), ("context", "string"), ("_embed", "string"), ("after", "string"), ("before", "string"), ("exclude", "string"), ("offset", "integer"), ("sticky", "boolean")];
    let (posts, post) = collection("posts", "Post", &post_filters, true);
    let (pages, page) = collection("pages", "Post", &post_filters, true);
    let (comments, comment) = collection("comments", "Comment", &[("post", "integer"), ("status", "string")], true);
    let (categories, category) = collection("categories", "Term", &[("search", "string"), ("parent", "integer"), ("post", "integer"), ("hide_empty", "boolean"), ("orderby", "string"), ("order", "string")], false);
    let (tags, tag) = collection("tags", "Term", &[("search", "string"), ("post", "integer"), ("hide_empty", "boolean"), ("orderby", "string"), ("order", "string")], false);
    let (users, user) = collection("users", "User", &[("search", "string"), ("orderby", "string"), ("order", "string"), ("context", "string")], false);
    let mut categories = categories;
    let mut tags = tags;
    for list in [&mut categories, &mut tags] {
        list["post"] = json!({ "summary": "Create a term", "security": [{ "applicationPassword": [] }], "responses": { "201": one("Term"), "400": error(), "401": error(), "403": error() } });
    }
    let rendered = json!({ "type": "object", "properties": { "rendered": { "type": "string" }, "raw": { "type": "string" } } });
    let doc = json!({
        "openapi": "3.1.0",
        "info": { "title": format!("{} (Dateline)", state.site().config.site.title), "version": "wp/v2", "description": "The subset of the WordPress REST API that Dateline implements. Link-post fields are under `dateline`." },
        "servers": [{ "url": format!("{}/wp-json", state.site().base_url) }],
        "paths": {
            "/wp/v2/posts": posts, "/wp/v2/posts/{id}": post,
            "/wp/v2/pages": pages, "/wp/v2/pages/{id}": page,
            "/wp/v2/comments": comments, "/wp/v2/comments/{id}": comment,
            "/wp/v2/categories": categories, "/wp/v2/categories/{id}": category,
            "/wp/v2/tags": tags, "/wp/v2/tags/{id}": tag,
            "/wp/v2/users": users, "/wp/v2/users/{id}": user,
            "/wp/v2/users/me": { "get": { "tags": ["users"], "summary": "The authenticated account", "security": [{ "applicationPassword": [] }], "responses": { "200": one("User"), "401": error() } } }
        },
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
                        "excerpt": { "type": "array", "items": { "type": "string" } }, "continue_reading_text": { "type": ["string", "null"] } } } } }
                } },
                "Comment": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "post": { "type": "integer" }, "parent": { "type": "integer" }, "author_name": { "type": "string" }, "author_url": { "type": "string" },
                    "date": { "type": "string" }, "date_gmt": { "type": "string" }, "content": rendered, "link": { "type": "string" },
                    "status": { "type": "string", "enum": ["approved", "hold", "spam", "trash"] }, "type": { "type": "string" } } },
                "Term": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "count": { "type": "integer" }, "description": { "type": "string" }, "link": { "type": "string" }, "name": { "type": "string" },
                    "slug": { "type": "string" }, "taxonomy": { "type": "string" }, "parent": { "type": "integer" } } },
                "User": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" }, "link": { "type": "string" }, "roles": { "type": "array", "items": { "type": "string" } } } }
            }
        }
    });
    Json(doc).into_response()
}
