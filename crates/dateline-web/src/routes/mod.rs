//! The router: fixed routes by axum, WordPress-style content URLs by [`crate::paths::resolve`]
//! in the fallback, because `/slug/` and `/YYYY/` cannot be told apart by a route pattern.

mod around;
mod bylines;
pub(crate) mod comments;
pub(crate) mod health;
mod meta;
pub(crate) mod public;
mod search;
pub(crate) mod single;
mod wp_query;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/feed/", get(crate::feeds::site_rss))
        .route("/feed", get(|| async { public::moved_permanently("/feed/") }))
        .route("/feed/atom/", get(crate::feeds::site_atom))
        // WordPress's other names for the same feeds.
        .route("/feed/rss2/", get(crate::feeds::site_rss))
        .route("/feed/rss/", get(crate::feeds::site_rss))
        .route("/comments/feed/rss2/", get(crate::feeds::site_comments_rss))
        .route("/wp-sitemap.xml", get(|| async { public::moved_permanently("/sitemap.xml") }))
        .route("/feed.json", get(crate::feeds::site_json))
        .route("/comments", axum::routing::post(comments::submit))
        .route("/comments/feed/", get(crate::feeds::site_comments_rss))
        .route("/comments/feed/atom/", get(crate::feeds::site_comments_atom))
        .route("/comments/token", get(comments::form_token))
        .route("/comments/unsubscribe", get(comments::unsubscribe).post(comments::unsubscribe))
        .route("/post-password", axum::routing::post(single::unlock))
        .route("/sitemap.xml", get(meta::sitemap))
        .route("/robots.txt", get(meta::robots))
        .route("/favicon.ico", get(meta::favicon))
        .route("/avatar/{digest}", get(crate::avatars::identicon))
        .route("/embeds/{id}/thumbnail", get(crate::embeds::thumbnail))
        .route("/static/{*name}", get(crate::assets::serve_asset))
        .route("/media/{hash}/{name}", get(crate::media::serve))
        .route("/wp-login.php", get(wp_query::wordpress_login))
        .route("/wp-admin", get(wp_query::wordpress_admin))
        .route("/wp-admin/", get(wp_query::wordpress_admin))
        .route("/wp-admin/{*rest}", get(wp_query::wordpress_admin))
        .merge(crate::admin::router(&state))
        .merge(crate::api::router(&state))
        .fallback(public::content)
        .with_state(state)
}
