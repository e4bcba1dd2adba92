//! `_links` and `_embed`: how WordPress's API points from one resource to those it relates to
//! (a post's author, its terms and replies; a comment's post and parent), and how `?_embed`
//! puts the embeddable ones inline under `_embedded` so a client needs one request, not many.
//! Only links to routes this API answers are given.

use dateline_core::{Comment, Post, PostKind, Taxonomy, Term, User};
use serde_json::{Value, json};

use super::ApiError;
use crate::AppState;

fn href(state: &AppState, route: &str) -> Value {
    json!([{ "href": format!("{}/wp-json/wp/v2/{route}", state.site().base_url) }])
}

fn embeddable(state: &AppState, route: &str) -> Value {
    json!([{ "embeddable": true, "href": format!("{}/wp-json/wp/v2/{route}", state.site().base_url) }])
}

/// The route of a kind of post: `posts` or `pages`.
fn collection(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Post => "posts",
        PostKind::Page => "pages",
    }
}

pub(crate) fn post_links(state: &AppState, post: &Post) -> Value {
    let base = collection(post.kind);
    let mut links = json!({
        "self": href(state, &format!("{base}/{}", post.id)),
        "collection": href(state, base),
        "author": embeddable(state, &format!("users/{}", post.author.id)),
        "replies": embeddable(state, &format!("comments?post={}", post.id)),
    });
    if post.kind == PostKind::Post {
        let site = state.site().base_url.clone();
        links["wp:term"] = json!([
            { "taxonomy": "category", "embeddable": true, "href": format!("{site}/wp-json/wp/v2/categories?post={}", post.id) },
            { "taxonomy": "post_tag", "embeddable": true, "href": format!("{site}/wp-json/wp/v2/tags?post={}", post.id) },
        ]);
        links["curies"] = json!([{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }]);
    }
    if let Some(parent) = post.parent_id {
        links["up"] = embeddable(state, &format!("{base}/{parent}"));
    }
    links
}

pub(crate) fn comment_links(state: &AppState, comment: &Comment) -> Value {
    let mut links = json!({
        "self": href(state, &format!("comments/{}", comment.id)),
        "collection": href(state, "comments"),
        "up": json!([{ "embeddable": true, "post_type": "post", "href": format!("{}/wp-json/wp/v2/posts/{}", state.site().base_url, comment.post_id) }]),
    });
    if let Some(parent) = comment.parent_id {
        links["in-reply-to"] = embeddable(state, &format!("comments/{parent}"));
    }
    if let Some(user) = comment.user_id {
        links["author"] = embeddable(state, &format!("users/{user}"));
    }
    links
}

pub(crate) fn term_links(state: &AppState, term: &Term) -> Value {
    let base = term_collection(term.taxonomy);
    let mut links = json!({
        "self": href(state, &format!("{base}/{}", term.id)),
        "collection": href(state, base),
        "wp:post_type": href(state, &format!("posts?{base}={}", term.id)),
        "curies": [{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }],
    });
    if let Some(parent) = term.parent_id {
        links["up"] = embeddable(state, &format!("{base}/{parent}"));
    }
    links
}

pub(crate) fn term_collection(taxonomy: Taxonomy) -> &'static str {
    match taxonomy {
        Taxonomy::Category => "categories",
        Taxonomy::Tag => "tags",
    }
}

pub(crate) fn user_links(state: &AppState, user: &User) -> Value {
    json!({ "self": href(state, &format!("users/{}", user.id)), "collection": href(state, "users") })
}

/// Whether the request asked for `_embed` (WordPress takes it with or without a value).
pub(crate) fn wants_embed(query: Option<&str>) -> bool {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).any(|(key, _)| key == "_embed")
}

/// Puts a post's author and terms inline, as WordPress's `_embedded` does.
pub(crate) async fn embed_post(state: &AppState, post: &Post, value: &mut Value, counts: &mut TermCounts) -> Result<(), ApiError> {
    let mut embedded = json!({ "author": [super::user_json(state, &post.author, false)] });
    if post.kind == PostKind::Post {
        let categories = counts.categories(state).await?.to_vec();
        let mut term_lists = Vec::new();
        for terms in [&post.categories, &post.tags] {
            let mut list = Vec::new();
            for term in terms {
                let count = counts.count(state, term).await?;
                list.push(super::terms::term_json(state, term, count, &categories));
            }
            term_lists.push(Value::Array(list));
        }
        embedded["wp:term"] = Value::Array(term_lists);
    }
    value["_embedded"] = embedded;
    Ok(())
}

/// Term post counts and the category tree, read once per request however many posts embed them.
#[derive(Default)]
pub(crate) struct TermCounts {
    categories: Option<Vec<Term>>,
    counts: std::collections::HashMap<Taxonomy, std::collections::HashMap<i64, i64>>,
}

impl TermCounts {
    async fn categories(&mut self, state: &AppState) -> Result<&[Term], ApiError> {
        if self.categories.is_none() {
            self.categories = Some(state.store.terms(Taxonomy::Category).await?);
        }
        Ok(self.categories.as_deref().unwrap_or_default())
    }

    async fn count(&mut self, state: &AppState, term: &Term) -> Result<i64, ApiError> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.counts.entry(term.taxonomy) {
            let counts = state.store.term_post_counts(term.taxonomy).await?;
            e.insert(counts);
        }
        Ok(self.counts.get(&term.taxonomy).and_then(|c| c.get(&term.id)).copied().unwrap_or(0))
    }
}
