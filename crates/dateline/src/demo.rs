//! Demo content for `dateline serve --demo`: the seed post (a real page of a news-curation
//! blog, exactly as its parts say) and a small fictional blog around it, so that archives,
//! pagination and feeds have something to show. It ships inside the binary.

use dateline_core::input::{InputDefaults, InputError, parse_post_json, parse_posts_json};
use dateline_core::{NewPost, Store, StoreError};
use jiff::Timestamp;

/// The seed post, or `null` when the binary was built without the shared fixtures.
const SEED_POST: &str = include_str!(concat!(env!("OUT_DIR"), "/seed_post.json"));
/// The fictional blog, written for Dateline.
const DEMO_POSTS: &str = include_str!("../demo/demo.json");

/// What the seed page shows but `post.json` leaves out (null): when and by whom it was
/// posted and where it is filed. Its comments stay open: the demo closes comments by age,
/// so "Comments are closed." shows because the post is old, as on the seed page.
const SEED_DEFAULTS: &[(&str, &str)] = &[
    ("published_at", "\"2022-05-20T14:30:00Z\""),
    ("author", "\"Marta Reyes\""),
    ("categories", "[\"World/Latin America\"]"),
    ("tags", "[\"Cuba\", \"Russia\"]"),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo content is invalid: {0}")]
    Input(#[from] InputError),
    #[error("demo content could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// The seed post with the defaults above filled in where post.json has null or nothing.
fn seed_post(defaults: &InputDefaults) -> Result<Option<NewPost>, InputError> {
    let Ok(serde_json::Value::Object(mut seed)) = serde_json::from_str::<serde_json::Value>(SEED_POST) else {
        return Ok(None);
    };
    for (key, value) in SEED_DEFAULTS {
        if seed.get(*key).is_none_or(|v| v.is_null()) {
            seed.insert(key.to_string(), serde_json::from_str(value).unwrap_or_default());
        }
    }
    let text = serde_json::Value::Object(seed).to_string();
    parse_post_json(&text, defaults, &dateline_render::markdown_to_html).map(Some)
}

/// The setting an instance claims the demo fill with.
const DEMO_CLAIM: &str = "demo_filled_by";

/// The demo's discussion settings: comments close on posts older than 14 days.
pub fn configure(config: &mut dateline_core::Config) {
    config.discussion.close_old_posts = true;
    // The demo blog's own name, unless the config gives the site one.
    let defaults = dateline_core::config::SiteSettings::default();
    if config.site.title == defaults.title {
        config.site.title = "The Daily Clip".into();
    }
}

/// Every demo post, oldest first so ids grow with time as on a real blog. The fictional
/// blog is moved forward in whole weeks so its newest post or comment is less than a week
/// old: its newest post stays open for comments on any day the demo is started (the demo
/// closes posts older than 14 days), and the days of the week its posts name stay right.
pub fn demo_posts(now: Timestamp) -> Result<Vec<NewPost>, InputError> {
    let defaults = InputDefaults { author: crate::settings::DEFAULT_AUTHOR.into(), now };
    let mut posts = parse_posts_json(DEMO_POSTS, &defaults, &dateline_render::markdown_to_html)?;
    move_to_this_week(&mut posts, now);
    posts.extend(seed_post(&defaults)?);
    posts.sort_by_key(|p| p.write.published_at);
    Ok(posts)
}

/// Moves every post and comment by the same whole number of weeks, so the newest of them (a
/// comment may come hours after its post) falls in the week before `now`, never after it: no
/// comment is dated in the future (a demo started before the written dates moves back).
fn move_to_this_week(posts: &mut [NewPost], now: Timestamp) {
    const WEEK_SECONDS: i64 = 7 * 24 * 60 * 60;
    let written = posts.iter().flat_map(|p| std::iter::once(p.write.published_at).chain(p.comments.iter().map(|c| c.created_at)));
    let Some(newest) = written.max() else { return };
    let weeks = (now.as_second() - newest.as_second()).div_euclid(WEEK_SECONDS);
    if weeks == 0 {
        return;
    }
    let shift = jiff::SignedDuration::from_secs(weeks * WEEK_SECONDS);
    let moved = |t: Timestamp| t.checked_add(shift).unwrap_or(t);
    for post in posts {
        post.write.published_at = moved(post.write.published_at);
        for comment in &mut post.comments {
            comment.created_at = moved(comment.created_at);
        }
    }
}

/// Fills an empty store with the demo content; returns how many posts were created (0 when
/// the store already had content, which is never touched). Of several instances starting on
/// one empty store, only the first to claim it fills it; it also saves the demo's settings as
/// the site's, so every instance (with `--demo` or not) shows the same blog.
pub async fn fill_if_empty(store: &dyn Store, config: &dateline_core::Config, now: Timestamp) -> Result<usize, DemoError> {
    if !store.is_empty().await? {
        return Ok(0);
    }
    let mine = dateline_app::tokens::random_token();
    if store.setting_or_init(DEMO_CLAIM, &mine).await? != mine {
        return Ok(0);
    }
    dateline_app::settings::save_if_none(store, config).await?;
    let posts = demo_posts(now)?;
    let count = posts.len();
    for post in posts {
        store.create_post(post).await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_is_valid_and_includes_the_seed() {
        let posts = demo_posts(Timestamp::now()).expect("valid demo content");
        assert!(posts.len() >= 25, "{}", posts.len());
        assert!(posts.iter().any(|p| p.write.kind == dateline_core::PostKind::Page));
        if SEED_POST.trim() != "null" {
            let seed = posts.iter().find(|p| p.write.title.starts_with("As Biden tries")).expect("seed post");
            assert_eq!(seed.comments.len(), 1);
            assert_eq!(seed.comments[0].author_name, None);
            assert_eq!(seed.write.discussion, dateline_core::Discussion::Open, "closed by age, not by hand");
        }
    }

    /// The demo's newest post is open for comments on any day it is started, keeps its weekday
    /// and time of day, and nothing, post or comment, is dated in the future.
    #[test]
    fn the_fictional_blog_is_always_recent() {
        // The fictional blog's posts as demo.json dates them.
        let defaults = InputDefaults { author: crate::settings::DEFAULT_AUTHOR.into(), now: Timestamp::UNIX_EPOCH };
        let written = parse_posts_json(DEMO_POSTS, &defaults, &dateline_render::markdown_to_html).expect("valid demo content");
        let newest_written = written.iter().map(|p| p.write.published_at).max().expect("demo posts");
        for now in ["2026-12-04T16:49:00Z", "2031-02-17T03:00:00Z", "2026-11-20T16:41:00Z"] {
            let now: Timestamp = now.parse().expect("a timestamp");
            let posts = demo_posts(now).expect("valid demo content");
            let newest = posts.iter().map(|p| p.write.published_at).max().expect("demo posts");
            let age = now.as_second() - newest.as_second();
            // Open for comments: the demo closes posts older than `close_after_days`.
            let open_days = i64::from(dateline_core::Config::default().discussion.close_after_days);
            assert!((0..open_days * 86_400).contains(&age), "{now}: newest post is {age} s old");
            assert_eq!((newest.as_second() - newest_written.as_second()) % (7 * 86_400), 0, "{now}: moved by whole weeks");
            let oldest = posts
                .iter()
                .filter(|p| !p.write.title.starts_with("As Biden tries"))
                .map(|p| p.write.published_at)
                .min()
                .expect("demo posts");
            assert!(oldest < newest, "the blog keeps its spread");
            let comments = posts.iter().flat_map(|p| p.comments.iter().map(|c| c.created_at));
            assert!(comments.clone().count() > 0 && comments.clone().all(|at| at <= now), "{now}: a comment dated in the future");
            assert!(comments.max().is_some_and(|at| now.as_second() - at.as_second() < 7 * 86_400), "{now}: the newest comment is recent");
        }
    }
}
