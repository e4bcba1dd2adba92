//! `/wp/v2/users`: as in WordPress, anyone may see the people who have published posts (the
//! authors a post's `author` link names); administrators see every account; `users/me` is
//! the account the request authenticates as.

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_core::User;
use dateline_core::accounts::Capability;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::{ApiError, ApiResult, api_user, paged, paging};
use crate::AppState;

pub(crate) fn user_json(state: &AppState, user: &User, edit: bool) -> Value {
    let mut value = json!({
        "id": user.id,
        "name": user.display_name,
        "url": "",
        "description": "",
        "link": format!("{}{}", state.site().base_url, crate::view::author_path(user)),
        "slug": user.slug,
        "avatar_urls": crate::avatars::avatar_urls(state, user.email.as_deref(), &user.login),
        "meta": [],
        "_links": super::related::user_links(state, user),
    });
    if edit {
        value["username"] = user.login.clone().into();
        value["email"] = user.email.clone().unwrap_or_default().into();
        value["roles"] = json!([user.role.as_str()]);
        value["capabilities"] = capabilities(user.role);
    }
    value
}

/// The account's capabilities, under WordPress's names, as `context=edit` lists them.
fn capabilities(role: dateline_core::Role) -> Value {
    use dateline_core::accounts::Capability::*;
    let names = [
        (Read, &["read"][..]),
        (WritePosts, &["edit_posts", "delete_posts"][..]),
        (PublishPosts, &["publish_posts", "edit_published_posts", "delete_published_posts", "upload_files"][..]),
        (
            EditOthersPosts,
            &[
                "edit_others_posts",
                "delete_others_posts",
                "edit_pages",
                "edit_others_pages",
                "publish_pages",
                "read_private_posts",
                "read_private_pages",
            ][..],
        ),
        (ModerateComments, &["moderate_comments"][..]),
        (ManageTerms, &["manage_categories"][..]),
        (ManageSettings, &["manage_options"][..]),
        (ManageUsers, &["list_users", "create_users", "edit_users", "promote_users", "delete_users"][..]),
    ];
    let mut caps = serde_json::Map::new();
    for (capability, wordpress) in names {
        if role.can(capability) {
            for name in wordpress {
                caps.insert((*name).to_string(), true.into());
            }
        }
    }
    caps.insert(role.as_str().to_string(), true.into());
    Value::Object(caps)
}

/// Whether `user` has a post readers can see now (what makes an account public in WordPress).
async fn has_published_posts(state: &AppState, user: &User) -> Result<bool, ApiError> {
    Ok(state.store.public_author_ids(Timestamp::now()).await?.contains(&user.id))
}

fn sees_everyone(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.role.can(Capability::ManageUsers))
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    let query = super::Params::parse(raw.as_deref());
    let viewer = api_user(&state, &headers).await?;
    let (page, per_page) = paging(query.get("page"), query.get("per_page"), 10)?;
    let mut users = state.store.users().await?;
    if !sees_everyone(viewer.as_ref()) {
        let public = state.store.public_author_ids(Timestamp::now()).await?;
        users.retain(|user| public.contains(&user.id));
    }
    if let Some(search) = query.get("search").map(|s| s.to_lowercase()) {
        users.retain(|u| u.display_name.to_lowercase().contains(&search) || u.slug.contains(&search));
    }
    let slugs = query.list("slug");
    if !slugs.is_empty() {
        users.retain(|u| slugs.contains(&u.slug));
    }
    match query.get("orderby") {
        None | Some("name") => users.sort_by_key(|u| u.display_name.to_lowercase()),
        Some("id") => users.sort_by_key(|u| u.id),
        Some("slug") => users.sort_by(|a, b| a.slug.cmp(&b.slug)),
        Some(other) => return Err(ApiError::invalid_param("orderby", format!("{other:?} is not one of name, id, slug"))),
    }
    if query.get("order").is_some_and(|o| o == "desc") {
        users.reverse();
    }
    let total = users.len() as u64;
    let edit = query.get("context").is_some_and(|c| c == "edit") && sees_everyone(viewer.as_ref());
    let items: Vec<Value> =
        users.iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).map(|u| user_json(&state, u, edit)).collect();
    if items.is_empty() && page > 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    Ok(paged(items, total, per_page))
}

pub(crate) async fn get_one(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let id = super::path_id(&id)?;
    let viewer = api_user(&state, &headers).await?;
    let invalid = || ApiError::new(StatusCode::NOT_FOUND, "rest_user_invalid_id", "Invalid user ID.");
    let user = state.store.user_by_id(id).await?.ok_or_else(invalid)?;
    let own = viewer.as_ref().is_some_and(|v| v.id == user.id);
    if !own && !sees_everyone(viewer.as_ref()) && !has_published_posts(&state, &user).await? {
        return Err(ApiError::forbidden(viewer.as_ref(), "rest_user_cannot_view", "Sorry, you are not allowed to list users."));
    }
    Ok(Json(user_json(&state, &user, own || sees_everyone(viewer.as_ref()))).into_response())
}

pub(crate) async fn me(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> ApiResult {
    let Some(user) = api_user(&state, &headers).await? else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "rest_not_logged_in", "You are not currently logged in."));
    };
    // Roles and login are part of the edit context, as in WordPress.
    let edit = query.get("context").is_some_and(|c| c == "edit");
    Ok(Json(user_json(&state, &user, edit)).into_response())
}
