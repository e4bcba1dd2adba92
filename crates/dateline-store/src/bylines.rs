//! Outlets and reporters (issue 10): linking a post to those its attribution names, inside the
//! transaction that writes the post ([`link_post`], called by the one post writer), and the
//! queries of [`dateline_core::BylineStore`] (renaming, merging, related posts).
//!
//! How an attribution finds its outlet: by its folded name ("The Miami Herald" is "miami
//! herald"), or by the domain when the name is an address ("miamiherald.com"); a name not known
//! yet makes a new outlet, which learns the domain of the post's link unless another outlet has
//! it. A post that names no outlet is filed under the one known by its link's domain. A named
//! outlet is never matched by its link's domain: one domain carries many outlets' stories
//! (syndication, aggregators, the demo's example.com), so a wrong guess would file a post under
//! another paper; two names of one outlet are merged once by an editor instead, and the merged
//! name then finds the survivor.

use dateline_core::byline::{domain_of, normal_domain, outlet_key, reporter_key, reporter_names};
use dateline_core::slug::slugify;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::error::OrStoreError;
use crate::sql::Sql;

/// The tables of one kind of byline.
pub(crate) struct Tables {
    pub table: &'static str,
    pub keys: &'static str,
    pub fk: &'static str,
    /// `FROM … WHERE` selecting the posts of byline `b`, for counting them.
    pub posts_of: &'static str,
}

pub(crate) fn tables(kind: BylineKind) -> Tables {
    match kind {
        BylineKind::Outlet => Tables {
            table: "outlets",
            keys: "outlet_keys",
            fk: "outlet_id",
            posts_of: "FROM post_outlets po JOIN posts p ON p.id = po.post_id WHERE po.outlet_id = b.id",
        },
        BylineKind::Reporter => Tables {
            table: "reporters",
            keys: "reporter_keys",
            fk: "reporter_id",
            posts_of: "FROM post_reporters pr JOIN posts p ON p.id = pr.post_id WHERE pr.reporter_id = b.id",
        },
    }
}

/// Links post `id` to the outlet and reporters its `source` names (none without one),
/// replacing earlier links when `replace` (a post just inserted has none). Needs the slug lock
/// (taken by the post writer before).
pub(crate) async fn link_post(conn: &mut AnyConnection, id: PostId, source: Option<&Source>, replace: bool) -> StoreResult<()> {
    if replace {
        for table in ["post_reporters", "post_outlets"] {
            let mut unlink = Sql::new(&format!("DELETE FROM {table} WHERE post_id = "));
            unlink.int(id);
            unlink.query().execute(&mut *conn).await.store_err()?;
        }
    }
    let outlet = match source {
        Some(source) => find_outlet(conn, source.outlet.as_deref(), source.url.as_deref()).await?,
        None => None,
    };
    if let Some(outlet) = outlet {
        let mut link = Sql::new("INSERT INTO post_outlets (post_id, outlet_id) VALUES (");
        link.int(id).push(", ").int(outlet).push(")");
        link.query().execute(&mut *conn).await.store_err()?;
    }
    let names = source.and_then(|s| s.reporter.as_deref()).map(reporter_names).unwrap_or_default();
    for (position, name) in names.iter().enumerate() {
        let reporter = find_or_make(conn, BylineKind::Reporter, name, None).await?;
        // Two names of one reporter (merged earlier) link once.
        let mut link = Sql::new("INSERT INTO post_reporters (post_id, reporter_id, position) VALUES (");
        link.int(id).push(", ").int(reporter).push(", ").int(i64::try_from(position).unwrap_or(0));
        link.push(") ON CONFLICT DO NOTHING");
        link.query().execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

/// The outlet of an attribution: see the module's comment.
async fn find_outlet(conn: &mut AnyConnection, name: Option<&str>, url: Option<&str>) -> StoreResult<Option<i64>> {
    let name = name.map(str::trim).filter(|n| !outlet_key(n).is_empty());
    // An outlet named by its address ("miamiherald.com") is the outlet known by that domain.
    let name_domain = name.filter(|n| !n.contains(char::is_whitespace)).and_then(normal_domain);
    let url_domain = url.and_then(domain_of);
    let Some(name) = name else {
        return match url_domain {
            Some(domain) => key_owner(conn, BylineKind::Outlet, "domain", &domain).await,
            None => Ok(None),
        };
    };
    if let Some(found) = key_owner(conn, BylineKind::Outlet, "name", &outlet_key(name)).await? {
        return Ok(Some(found));
    }
    if let Some(domain) = &name_domain
        && let Some(found) = key_owner(conn, BylineKind::Outlet, "domain", domain).await?
    {
        return Ok(Some(found));
    }
    Ok(Some(find_or_make(conn, BylineKind::Outlet, name, name_domain.or(url_domain).as_deref()).await?))
}

/// The key's byline, if any.
async fn key_owner(conn: &mut AnyConnection, kind: BylineKind, key: &str, value: &str) -> StoreResult<Option<i64>> {
    let t = tables(kind);
    let mut find = Sql::new(&format!("SELECT {} AS owner FROM {} WHERE kind = ", t.fk, t.keys));
    find.text(key).push(" AND value = ").text(value);
    let row = find.query().fetch_optional(&mut *conn).await.store_err()?;
    row.map(|r| r.try_get("owner")).transpose().store_err()
}

fn name_key(kind: BylineKind, name: &str) -> String {
    match kind {
        BylineKind::Outlet => outlet_key(name),
        BylineKind::Reporter => reporter_key(name),
    }
}

/// The byline known by `name`, made (with `domain`, for an outlet) when there is none.
async fn find_or_make(conn: &mut AnyConnection, kind: BylineKind, name: &str, domain: Option<&str>) -> StoreResult<i64> {
    let key = name_key(kind, name);
    if let Some(found) = key_owner(conn, kind, "name", &key).await? {
        return Ok(found);
    }
    let t = tables(kind);
    // "The Miami Herald" lives at /source/miami-herald/.
    let base = match slugify(&key) {
        slug if slug.is_empty() => kind.as_str().to_string(),
        slug => slug,
    };
    let slug = free_slug(conn, kind, &base, None).await?;
    let mut insert = Sql::new(&format!("INSERT INTO {} (name, slug) VALUES (", t.table));
    insert.text(name.trim()).push(", ").text(&slug).push(") RETURNING id");
    let id: i64 = insert.query().fetch_one(&mut *conn).await.store_err()?.try_get("id").store_err()?;
    add_key(conn, kind, "name", &key, id).await?;
    if let Some(domain) = domain {
        add_key(conn, kind, "domain", domain, id).await?;
    }
    Ok(id)
}

/// Gives `id` the key unless some byline has it already (the first outlet seen on a domain
/// keeps it).
async fn add_key(conn: &mut AnyConnection, kind: BylineKind, key: &str, value: &str, id: i64) -> StoreResult<()> {
    let t = tables(kind);
    let mut insert = Sql::new(&format!("INSERT INTO {} (kind, value, {}) VALUES (", t.keys, t.fk));
    insert.text(key).push(", ").text(value).push(", ").int(id).push(") ON CONFLICT DO NOTHING");
    insert.query().execute(&mut *conn).await.store_err()?;
    Ok(())
}

/// Whether `slug` is free for byline `own` (or a new one): no other has it, now or as an old
/// slug that still redirects.
async fn slug_free(conn: &mut AnyConnection, kind: BylineKind, slug: &str, own: Option<i64>) -> StoreResult<bool> {
    let t = tables(kind);
    let mut holder = Sql::new(&format!("SELECT id FROM {} WHERE slug = ", t.table));
    holder.text(slug).push(&format!(" UNION ALL SELECT {} FROM {} WHERE kind = 'old_slug' AND value = ", t.fk, t.keys)).text(slug);
    let holders: Vec<i64> = holder
        .query()
        .fetch_all(&mut *conn)
        .await
        .store_err()?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()
        .store_err()?;
    Ok(holders.iter().all(|h| Some(*h) == own))
}

/// The first free slug among `base`, `base-2`, `base-3`…
async fn free_slug(conn: &mut AnyConnection, kind: BylineKind, base: &str, own: Option<i64>) -> StoreResult<String> {
    for n in 1..10_000 {
        let candidate = if n == 1 { base.to_string() } else { format!("{base}-{n}") };
        if slug_free(conn, kind, &candidate, own).await? {
            return Ok(candidate);
        }
    }
    Err(StoreError::Conflict(format!("no free slug for {base:?}")))
}

/// Links every existing post (the migration that brings bylines in runs this once).
pub(crate) async fn link_all(conn: &mut AnyConnection) -> Result<(), StoreError> {
    crate::writes::lock_slugs(conn).await?;
    let rows = sqlx::query(
        "SELECT id, source_reporter, source_outlet, source_url FROM posts \
         WHERE source_reporter IS NOT NULL OR source_outlet IS NOT NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .store_err()?;
    for row in rows {
        let source = Source {
            reporter: row.try_get("source_reporter").store_err()?,
            outlet: row.try_get("source_outlet").store_err()?,
            url: row.try_get("source_url").store_err()?,
            ..Source::default()
        };
        link_post(conn, row.try_get("id").store_err()?, Some(&source), true).await?;
    }
    Ok(())
}

/// `SELECT` of bylines with their counts at `now`, to finish with a `WHERE`/`ORDER BY`.
pub(crate) fn select(kind: BylineKind, now: Timestamp) -> Sql {
    let t = tables(kind);
    let mut sql = Sql::new(&format!(
        "SELECT b.id, b.name, b.slug, (SELECT COUNT(*) {posts} AND p.status <> 'trash') AS posts, \
         (SELECT COUNT(*) {posts} AND p.kind = 'post' AND p.status IN ('published', 'scheduled') AND p.published_at <= ",
        posts = t.posts_of
    ));
    sql.int(now.as_second()).push(&format!(") AS public_posts FROM {} b", t.table));
    sql
}

/// Decodes rows of [`select`], with an outlet's domains from one more query.
pub(crate) async fn decode(conn: &mut AnyConnection, kind: BylineKind, sql: &Sql) -> StoreResult<Vec<Byline>> {
    let rows = sql.query().fetch_all(&mut *conn).await.store_err()?;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        found.push(Byline {
            id: row.try_get("id").store_err()?,
            kind,
            name: row.try_get("name").store_err()?,
            slug: row.try_get("slug").store_err()?,
            domains: Vec::new(),
            posts: row.try_get("posts").store_err()?,
            public_posts: row.try_get("public_posts").store_err()?,
        });
    }
    if kind == BylineKind::Outlet && !found.is_empty() {
        let ids: Vec<i64> = found.iter().map(|b| b.id).collect();
        let mut domains = Sql::new("SELECT outlet_id, value FROM outlet_keys WHERE kind = 'domain' AND outlet_id IN ");
        domains.int_list(&ids).push(" ORDER BY value");
        for row in domains.query().fetch_all(&mut *conn).await.store_err()? {
            let owner: i64 = row.try_get("outlet_id").store_err()?;
            if let Some(byline) = found.iter_mut().find(|b| b.id == owner) {
                byline.domains.push(row.try_get("value").store_err()?);
            }
        }
    }
    Ok(found)
}

/// Renames byline `id` (see [`dateline_core::BylineStore::update_byline`]).
pub(crate) async fn update(
    conn: &mut AnyConnection,
    kind: BylineKind,
    id: i64,
    name: &str,
    slug: &str,
    domains: &[String],
) -> StoreResult<()> {
    crate::writes::lock_slugs(conn).await?;
    let t = tables(kind);
    let mut current = Sql::new(&format!("SELECT slug FROM {} WHERE id = ", t.table));
    current.int(id);
    let old_slug: String = match current.query().fetch_optional(&mut *conn).await.store_err()? {
        Some(row) => row.try_get("slug").store_err()?,
        None => return Err(StoreError::NotFound(format!("{kind} {id}"))),
    };
    if !slug_free(conn, kind, slug, Some(id)).await? {
        return Err(StoreError::Conflict(format!("the slug {slug:?} belongs to another {kind}")));
    }
    let key = name_key(kind, name);
    if key_owner(conn, kind, "name", &key).await?.is_some_and(|owner| owner != id) {
        return Err(StoreError::Conflict(format!("another {kind} is named {name:?}: merge them instead")));
    }
    for domain in domains {
        if key_owner(conn, kind, "domain", domain).await?.is_some_and(|owner| owner != id) {
            return Err(StoreError::Conflict(format!("the domain {domain} belongs to another outlet")));
        }
    }
    let mut set = Sql::new(&format!("UPDATE {} SET name = ", t.table));
    set.text(name).push(", slug = ").text(slug).push(" WHERE id = ").int(id);
    set.query().execute(&mut *conn).await.store_err()?;
    // The slug it takes is no longer an old one; the one it leaves keeps leading here.
    let mut reclaim = Sql::new(&format!("DELETE FROM {} WHERE kind = 'old_slug' AND value = ", t.keys));
    reclaim.text(slug);
    reclaim.query().execute(&mut *conn).await.store_err()?;
    if old_slug != slug {
        add_key(conn, kind, "old_slug", &old_slug, id).await?;
    }
    // The old name keeps finding it too (posts written with it).
    add_key(conn, kind, "name", &key, id).await?;
    if kind == BylineKind::Outlet {
        let mut clear = Sql::new("DELETE FROM outlet_keys WHERE kind = 'domain' AND outlet_id = ");
        clear.int(id);
        clear.query().execute(&mut *conn).await.store_err()?;
        for domain in domains {
            add_key(conn, kind, "domain", domain, id).await?;
        }
    }
    Ok(())
}

/// Merges byline `from` into `into` (see [`dateline_core::BylineStore::merge_bylines`]).
pub(crate) async fn merge(conn: &mut AnyConnection, kind: BylineKind, from: i64, into: i64) -> StoreResult<()> {
    if from == into {
        return Err(StoreError::Invalid(format!("a {kind} cannot be merged into itself")));
    }
    crate::writes::lock_slugs(conn).await?;
    let t = tables(kind);
    let mut both = Sql::new(&format!("SELECT id, slug FROM {} WHERE id IN ", t.table));
    both.int_list(&[from, into]);
    let rows = both.query().fetch_all(&mut *conn).await.store_err()?;
    let mut from_slug = None;
    for row in &rows {
        if row.try_get::<i64, _>("id").store_err()? == from {
            from_slug = Some(row.try_get::<String, _>("slug").store_err()?);
        }
    }
    let (Some(from_slug), 2) = (from_slug, rows.len()) else {
        return Err(StoreError::NotFound(format!("{kind} {from} or {into}")));
    };
    let mut statements: Vec<Sql> = Vec::new();
    match kind {
        BylineKind::Outlet => {
            let mut relink = Sql::new("UPDATE post_outlets SET outlet_id = ");
            relink.int(into).push(" WHERE outlet_id = ").int(from);
            statements.push(relink);
        }
        BylineKind::Reporter => {
            // A post naming both keeps one link, at the first of their places.
            let mut first = Sql::new(
                "UPDATE post_reporters SET position = (SELECT MIN(o.position) FROM post_reporters o \
                 WHERE o.post_id = post_reporters.post_id AND o.reporter_id IN ",
            );
            first.int_list(&[from, into]).push(") WHERE reporter_id = ").int(into);
            first.push(" AND post_id IN (SELECT post_id FROM post_reporters WHERE reporter_id = ").int(from).push(")");
            let mut twice = Sql::new("DELETE FROM post_reporters WHERE reporter_id = ");
            twice.int(from).push(" AND post_id IN (SELECT post_id FROM post_reporters WHERE reporter_id = ").int(into).push(")");
            let mut relink = Sql::new("UPDATE post_reporters SET reporter_id = ");
            relink.int(into).push(" WHERE reporter_id = ").int(from);
            statements.extend([first, twice, relink]);
        }
    }
    let mut keys = Sql::new(&format!("UPDATE {} SET {} = ", t.keys, t.fk));
    keys.int(into).push(&format!(" WHERE {} = ", t.fk)).int(from);
    let mut delete = Sql::new(&format!("DELETE FROM {} WHERE id = ", t.table));
    delete.int(from);
    statements.extend([keys, delete]);
    for statement in &statements {
        statement.query().execute(&mut *conn).await.store_err()?;
    }
    add_key(conn, kind, "old_slug", &from_slug, into).await
}

/// How many candidates each kind of relation (each tag) offers before they are ranked.
const RELATED_CANDIDATES: i64 = 50;

/// How many of a post's tags (the first by name) are asked for related posts: a branch each,
/// so a page's statement stays bounded however many tags a post carries, and well under
/// SQLite's 500 branches to a compound SELECT. WordPress's theme test data has a post with 45.
const RELATED_TAGS: usize = 100;

/// Appends the related-posts query (see [`dateline_core::BylineStore::related_posts`]) to
/// `sql`: the links' columns and their `rank` (1 the same story, 2 the same reporter or outlet,
/// 3 a shared tag), best first. The post has at least one branch ([`can_be_related`]).
///
/// What it costs (checked with SQLite's EXPLAIN QUERY PLAN): only covering indexes until the
/// last step. The same story's and the same outlet's branches walk `posts_by_source_url` and
/// `post_outlets_by_outlet` newest-numbered first and stop after [`RELATED_CANDIDATES`] rows.
/// The reporters' branch reads the integer index entries of the posts sharing the post's
/// reporters (`post_reporters_by_reporter`) and keeps the newest-numbered
/// [`RELATED_CANDIDATES`]; each of the post's tags (up to [`RELATED_TAGS`]) reads its newest
/// [`RELATED_CANDIDATES`] entries of `post_terms_by_term` backwards and stops. Then the
/// candidates (a few dozen for most posts; at most 50 a branch, 5,150 for a post with
/// [`RELATED_TAGS`] tags) are looked up by primary key for their visibility and
/// date (`CROSS JOIN`: SQLite's planner would otherwise walk every public post through
/// `posts_visible` and probe the candidates; PostgreSQL plans it either way; on PostgreSQL
/// from `posts_visibility_by_id` alone, without the rows once the table is vacuumed), the best 5 sorted, and only those
/// 5 rows read for their titles. (Ids grow with time, so the newest-numbered are the newest;
/// an import keeps WordPress's ids, which grew with time there too.) The post page caches the
/// result with the page. The limits are written into the text ([`Sql::fixed`]) so that
/// PostgreSQL keeps one plan for the statement instead of planning it for each page.
///
/// The post's own source address, reporters, outlet and tags are the values, and branches the
/// post cannot match are left out: the post's rows were read again for them, and a branch
/// that cannot match still cost PostgreSQL its plan's setup on every page
/// (docs/PERFORMANCE.md, stop 33).
fn push_related(sql: &mut Sql, backend: crate::connect::Backend, post: &Post, now: Timestamp, limit: u32) {
    let n = RELATED_CANDIDATES;
    let source_url = post.source_url();
    let reporters: Vec<i64> = post.reporters.iter().map(|reporter| reporter.id).collect();
    let tags = &post.tags[..post.tags.len().min(RELATED_TAGS)];
    sql.push("SELECT p.id, p.kind, p.title, p.slug, p.published_at, v.rank FROM (SELECT q.id, best.rank FROM (SELECT c.id, MIN(c.rank) AS rank FROM (");
    let mut first = true;
    let mut branch = |sql: &mut Sql, text: &str| {
        if !std::mem::take(&mut first) {
            sql.push(" UNION ALL ");
        }
        sql.push(text);
    };
    // The attribution's three branches come together or not at all (a post quoting a source
    // usually names all three, another none), with a NULL or an empty set for what is missing:
    // each shape is a prepared statement on every connection, and a shape for every mix
    // would crowd the connections' statement caches (100 statements each).
    if has_attribution(post) {
        branch(sql, "SELECT s.id, 1 AS rank FROM (SELECT o.id FROM posts o WHERE o.source_url = ");
        sql.nullable_text(source_url).push(" AND o.id <> ").int(post.id).push(" ORDER BY o.id DESC LIMIT ").fixed(n).push(") s");
        branch(sql, "SELECT r.id, 2 AS rank FROM (SELECT DISTINCT o.post_id AS id FROM post_reporters o WHERE o.reporter_id");
        sql.int_set(&reporters, backend).push(" AND o.post_id <> ").int(post.id).push(" ORDER BY 1 DESC LIMIT ").fixed(n).push(") r");
        branch(sql, "SELECT w.id, 2 AS rank FROM (SELECT o.post_id AS id FROM post_outlets o WHERE o.outlet_id = ");
        let outlet = post.outlet.as_ref().map(|outlet| outlet.id);
        sql.nullable_int(outlet).push(" AND o.post_id <> ").int(post.id).push(" ORDER BY o.post_id DESC LIMIT ").fixed(n).push(") w");
    }
    // Per tag, the newest-numbered posts straight from `post_terms_by_term`, read backwards:
    // [`RELATED_CANDIDATES`] entries a tag, however many posts carry it. (All the posts of all
    // the tags at once made SQLite read every entry of a 1,000-post tag into two temporary
    // b-trees, for DISTINCT and ORDER BY: half the statement's time.) A post on two of the
    // tags comes twice; the GROUP BY below keeps it once.
    for tag in tags {
        branch(sql, "SELECT g.id, 3 AS rank FROM (SELECT o.post_id AS id FROM post_terms o WHERE o.term_id = ");
        sql.int(tag.id).push(" AND o.post_id <> ").int(post.id).push(" ORDER BY o.post_id DESC LIMIT ").fixed(n).push(") g");
    }
    sql.push(") c GROUP BY c.id) best CROSS JOIN posts q WHERE q.id = best.id AND q.kind = 'post' AND q.status IN ('published', 'scheduled') AND q.published_at <= ")
        .int(now.as_second())
        .push(" ORDER BY best.rank, q.published_at DESC, q.id DESC LIMIT ")
        .fixed(i64::from(limit))
        .push(") v CROSS JOIN posts p WHERE p.id = v.id");
}

/// Whether `post`'s attribution gives a source address, a reporter or an outlet.
pub(crate) fn has_attribution(post: &Post) -> bool {
    post.source_url().is_some() || !post.reporters.is_empty() || post.outlet.is_some()
}

/// Whether anything can be related to `post`: it has attribution or a tag.
pub(crate) fn can_be_related(post: &Post) -> bool {
    has_attribution(post) || !post.tags.is_empty()
}

/// Appends a subquery: the related posts of [`push_related`] as one JSON array of links
/// ([`crate::rows::links`]), best first (an empty array when nothing can be related).
pub(crate) fn push_related_links(sql: &mut Sql, backend: crate::connect::Backend, post: &Post, now: Timestamp, limit: u32) {
    use crate::json_rows::{ordered_array, tuple};
    if !can_be_related(post) {
        sql.push("'[]'");
        return;
    }
    let links = ordered_array(backend, &tuple(backend, crate::rows::LINK_COLUMNS), "x.rank, x.published_at DESC, x.id DESC");
    sql.push(&format!("(SELECT {links} FROM ("));
    push_related(sql, backend, post, now, limit);
    sql.push(") x)");
}
