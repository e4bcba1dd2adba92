//! The one place a post's row and its term links are written, whoever writes: the editor and
//! the REST API (`save_post`), `dateline post new` and the demo (`create_post`), and an import.
//! Each caller owns its transaction and what comes around the row (names resolved into ids,
//! comments, metadata, the search index), and hands this a [`PostWrite`] and the keys below.
//! The links to the outlet and reporters the attribution names are made here (`crate::bylines`).

use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::connect::Backend;
use crate::error::OrStoreError;
use crate::sql::{Arg, Sql};

/// Term links written per `INSERT` (two parameters each, far below either server's limit).
const LINKS_PER_INSERT: usize = 500;

/// Which row a write goes to, and the columns only some writers set.
pub(crate) struct RowKeys<'a> {
    /// The row to update; `None` inserts one.
    pub existing: Option<PostId>,
    /// For an insert: the id to give the row (an import keeping WordPress's); `None` numbers it.
    pub new_id: Option<PostId>,
    /// For an insert: where an imported post came from (it is found by this on a re-import).
    pub source_key: Option<&'a str>,
    /// Set on insert only.
    pub created_at: Timestamp,
    /// An editor's save is now; an import keeps the old site's date.
    pub updated_at: Timestamp,
    /// The slug, when the caller has already chosen a free one (an import knows every post's
    /// slug and holds the slug lock throughout); `None`: chosen here from the post's.
    pub slug: Option<String>,
    /// Where the post's term links go when the caller writes them later, many posts' to a
    /// statement (an import); `None`: written here.
    pub deferred_links: Option<&'a mut Vec<(PostId, TermId)>>,
}

impl RowKeys<'_> {
    /// A save by a person now: an update of `existing`, or a new row.
    pub(crate) fn saved_now(existing: Option<PostId>) -> RowKeys<'static> {
        let now = Timestamp::now();
        RowKeys { existing, new_id: None, source_key: None, created_at: now, updated_at: now, slug: None, deferred_links: None }
    }
}

/// Writes `post` (slug made unique, term links replaced) and returns its id. The search index
/// is the caller's to refresh: an import fills it once at the end.
pub(crate) async fn write_post_row(conn: &mut AnyConnection, post: &PostWrite, keys: RowKeys<'_>) -> StoreResult<PostId> {
    let slug = match keys.slug {
        Some(slug) => slug,
        None => free_slug(conn, &post.slug, keys.existing).await?,
    };
    let fields = columns(post, slug, keys.updated_at);
    let id = match keys.existing {
        Some(id) => {
            let mut update = Sql::new("UPDATE posts SET ");
            for (i, (column, value)) in fields.iter().enumerate() {
                update.push(if i == 0 { "" } else { ", " }).push(&format!("{column} = "));
                push_value(&mut update, value);
            }
            update.push(" WHERE id = ").int(id);
            update.query().execute(&mut *conn).await.store_err()?;
            let mut unlink = Sql::new("DELETE FROM post_terms WHERE post_id = ");
            unlink.int(id);
            unlink.query().execute(&mut *conn).await.store_err()?;
            id
        }
        None => {
            let mut names: Vec<&str> = vec!["created_at", "source_key"];
            let mut insert_values = vec![Some(Arg::Int(keys.created_at.as_second())), keys.source_key.map(|k| Arg::Text(k.into()))];
            if let Some(id) = keys.new_id {
                names.push("id");
                insert_values.push(Some(Arg::Int(id)));
            }
            names.extend(fields.iter().map(|(column, _)| *column));
            insert_values.extend(fields.into_iter().map(|(_, value)| value));
            let mut insert = Sql::new(&format!("INSERT INTO posts ({}) VALUES (", names.join(", ")));
            for (i, value) in insert_values.iter().enumerate() {
                insert.push(if i == 0 { "" } else { ", " });
                push_value(&mut insert, value);
            }
            insert.push(") RETURNING id");
            insert.query().fetch_one(&mut *conn).await.store_err()?.try_get("id").store_err()?
        }
    };
    let links = term_links(id, post);
    match keys.deferred_links {
        Some(later) => later.extend(links),
        None => insert_links(conn, crate::search::backend_of(conn), &links).await?,
    }
    // The outlet and reporters its attribution names, here so that every writer links them.
    // (A new row has no links to replace: they go when their post does.)
    crate::bylines::link_post(conn, id, post.source.as_ref(), keys.existing.is_some()).await?;
    Ok(id)
}

/// Post `id`'s links to its categories and tags, each once.
pub(crate) fn term_links(id: PostId, post: &PostWrite) -> Vec<(PostId, TermId)> {
    let mut terms: Vec<TermId> = post.category_ids.iter().chain(&post.tag_ids).copied().collect();
    terms.sort_unstable();
    terms.dedup();
    terms.into_iter().map(|term| (id, term)).collect()
}

/// Posts' term links, written in one statement (an import's thousands, many to a statement).
pub(crate) async fn insert_links(conn: &mut AnyConnection, backend: Backend, links: &[(PostId, TermId)]) -> StoreResult<()> {
    for chunk in links.chunks(LINKS_PER_INSERT) {
        let mut insert = Sql::wide("INSERT INTO post_terms (post_id, term_id) VALUES ", backend);
        for (i, (post, term)) in chunk.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" }).int(*post).push(", ").int(*term).push(")");
        }
        insert.query().execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

/// The slug a post gets: the one asked for when it is free or already this post's own (and not
/// one of the site's own addresses); else the first free `slug-2`, `slug-3`…
async fn free_slug(conn: &mut AnyConnection, wanted: &str, own: Option<PostId>) -> StoreResult<String> {
    crate::writes::lock_slugs(conn).await?;
    let mut holder = Sql::new("SELECT id FROM posts WHERE slug = ");
    holder.text(wanted);
    let holder: Option<PostId> =
        holder.query().fetch_optional(&mut *conn).await.store_err()?.map(|r| r.try_get("id")).transpose().store_err()?;
    choose_slug(conn, wanted, own, holder).await
}

/// The slug a post gets, knowing which post (`holder`) has `wanted` now: see [`free_slug`].
/// The caller holds the slug lock.
pub(crate) async fn choose_slug(
    conn: &mut AnyConnection,
    wanted: &str,
    own: Option<PostId>,
    holder: Option<PostId>,
) -> StoreResult<String> {
    if slug_is_free(wanted, own, holder) { Ok(wanted.to_string()) } else { crate::writes::unique_slug(conn, "posts", None, wanted).await }
}

/// Whether post `own` (`None`: a new one) may take `wanted`, held by `holder`, as it is:
/// then [`choose_slug`] asks the store nothing.
pub(crate) fn slug_is_free(wanted: &str, own: Option<PostId>, holder: Option<PostId>) -> bool {
    (holder.is_none() || holder == own) && !dateline_core::slug::is_reserved(wanted)
}

/// A new post's row with the id it is given, for [`insert_posts`].
pub(crate) struct NewPostRow {
    pub id: PostId,
    pub source_key: String,
    fields: Vec<(&'static str, Option<Arg>)>,
    created_at: Timestamp,
}

impl NewPostRow {
    /// `post` as inserted with `id` and `slug` (already chosen, free).
    pub(crate) fn new(
        post: &PostWrite,
        id: PostId,
        slug: String,
        source_key: &str,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> NewPostRow {
        NewPostRow { id, source_key: source_key.to_string(), fields: columns(post, slug, updated_at), created_at }
    }
}

/// Inserts new posts, many to a statement (an import's posts whose ids it knows). What
/// [`write_post_row`] writes beside the row is the caller's: their term links (an import
/// defers them) and their bylines (an import writes a post with an attribution through
/// [`write_post_row`]).
pub(crate) async fn insert_posts(conn: &mut AnyConnection, backend: Backend, rows: &[NewPostRow]) -> StoreResult<()> {
    let Some(first) = rows.first() else { return Ok(()) };
    // Every row has the same columns, in the same order (`columns`).
    let names: Vec<&str> = first.fields.iter().map(|(column, _)| *column).collect();
    let mut insert = Sql::wide(&format!("INSERT INTO posts (id, created_at, source_key, {}) VALUES ", names.join(", ")), backend);
    for (i, row) in rows.iter().enumerate() {
        insert.push(if i == 0 { "(" } else { ", (" });
        insert.int(row.id).push(", ").int(row.created_at.as_second()).push(", ").text(&row.source_key);
        for (_, value) in &row.fields {
            insert.push(", ");
            push_value(&mut insert, value);
        }
        insert.push(")");
    }
    insert.query().execute(&mut *conn).await.store_err()?;
    Ok(())
}

/// Every column a write sets, with its value (`None`: NULL).
fn columns(post: &PostWrite, slug: String, updated_at: Timestamp) -> Vec<(&'static str, Option<Arg>)> {
    let source = post.source.clone().unwrap_or_default();
    // The quoted paragraphs are kept as a JSON list.
    let excerpt_json = (!source.excerpt.is_empty()).then(|| serde_json::to_string(&source.excerpt).unwrap_or_default());
    vec![
        ("kind", Some(Arg::Text(post.kind.as_str().into()))),
        ("title", Some(Arg::Text(post.title.clone()))),
        ("slug", Some(Arg::Text(slug))),
        ("dek", post.dek.clone().map(Arg::Text)),
        ("excerpt", post.excerpt.clone().map(Arg::Text)),
        ("body_source", Some(Arg::Text(post.body_source.clone()))),
        ("body_format", Some(Arg::Text(post.body_format.as_str().into()))),
        ("body_html", Some(Arg::Text(post.body_html.clone()))),
        ("status", Some(Arg::Text(post.status.as_str().into()))),
        ("published_at", Some(Arg::Int(post.published_at.as_second()))),
        ("updated_at", Some(Arg::Int(updated_at.as_second()))),
        ("author_id", Some(Arg::Int(post.author))),
        ("sticky", Some(Arg::Int(i64::from(post.sticky)))),
        ("comment_status", Some(Arg::Text(post.discussion.as_str().into()))),
        ("password", post.password.clone().map(Arg::Text)),
        ("parent_id", post.parent_id.map(Arg::Int)),
        ("menu_order", Some(Arg::Int(post.menu_order))),
        ("source_reporter", source.reporter.map(Arg::Text)),
        ("source_outlet", source.outlet.map(Arg::Text)),
        ("source_url", source.url.map(Arg::Text)),
        ("source_headline", source.headline.map(Arg::Text)),
        ("source_excerpt", excerpt_json.map(Arg::Text)),
        ("source_continue_text", source.continue_reading_text.map(Arg::Text)),
        ("source_words", source.words.map(|w| Arg::Int(i64::from(w)))),
        // The override's author name is read back from the account, not written.
        ("quote_override_by", post.quote_override.as_ref().and_then(|o| o.by).map(Arg::Int)),
        ("quote_override_at", post.quote_override.as_ref().map(|o| Arg::Int(o.at.as_second()))),
        ("quote_override_words", post.quote_override.as_ref().map(|o| Arg::Int(i64::from(o.words)))),
        ("source_archive_url", source.archive_url.map(Arg::Text)),
        ("featured_media", post.featured_media.map(Arg::Int)),
    ]
}

fn push_value(sql: &mut Sql, value: &Option<Arg>) {
    match value {
        Some(arg) => sql.arg(arg.clone()),
        None => sql.push("NULL"),
    };
}
