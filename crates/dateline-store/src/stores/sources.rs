//! [`SourceStore`] and [`LeaseStore`] on SQLite and PostgreSQL: the `sources` rows that link
//! checks keep (migration 0009), and the named leases that let one instance of several run them.
//!
//! A source is *cited* while a published or scheduled post gives its URL: only those are
//! checked, counted and listed (a draft's link is not the readers' yet, and a row whose posts
//! moved to another link stays, harmless, until a post cites it again).

use async_trait::async_trait;
use dateline_core::sources::{CitingPost, SourceLink};
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::time;
use crate::sql::Sql;

/// The statuses whose posts readers can see (now or once due): their sources are checked.
const CITED: &str = "EXISTS (SELECT 1 FROM posts p WHERE p.source_url = s.url AND p.status IN ('published', 'scheduled'))";

const SOURCE_COLUMNS: &str =
    "s.url, s.state, s.final_url, s.http_status, s.last_checked_at, s.last_good_at, s.failures, s.missing_strikes, s.problem";

fn source_link(row: &AnyRow) -> Result<SourceLink, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let count = |column: &str| -> Result<u32, sqlx::Error> { Ok(u32::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0)) };
    Ok(SourceLink {
        url: row.try_get("url")?,
        state: SourceState::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("unknown source state {state:?}").into()))?,
        final_url: row.try_get("final_url")?,
        http_status: row.try_get::<Option<i64>, _>("http_status")?.and_then(|status| u16::try_from(status).ok()),
        last_checked_at: row.try_get::<Option<i64>, _>("last_checked_at")?.map(time),
        last_good_at: row.try_get::<Option<i64>, _>("last_good_at")?.map(time),
        failures: count("failures")?,
        missing_strikes: count("missing_strikes")?,
        problem: row.try_get("problem")?,
    })
}

/// `INSERT … ON CONFLICT (url) DO UPDATE` of every field of `link`: a check's result, or (when
/// moved links are updated) the new link's row.
fn upsert(link: &SourceLink, now: Timestamp) -> Sql {
    let mut sql = Sql::new(
        "INSERT INTO sources (url, state, final_url, http_status, last_checked_at, last_good_at, failures, missing_strikes, problem, created_at) VALUES (",
    );
    sql.text(&link.url).push(", ").text(link.state.as_str()).push(", ").opt_text(link.final_url.as_deref()).push(", ");
    sql.opt_int(link.http_status.map(i64::from)).push(", ").opt_int(link.last_checked_at.map(|t| t.as_second())).push(", ");
    sql.opt_int(link.last_good_at.map(|t| t.as_second())).push(", ").int(i64::from(link.failures)).push(", ");
    sql.int(i64::from(link.missing_strikes)).push(", ").opt_text(link.problem.as_deref()).push(", ").int(now.as_second());
    sql.push(
        ") ON CONFLICT (url) DO UPDATE SET state = excluded.state, final_url = excluded.final_url, \
         http_status = excluded.http_status, last_checked_at = excluded.last_checked_at, last_good_at = excluded.last_good_at, \
         failures = excluded.failures, missing_strikes = excluded.missing_strikes, problem = excluded.problem",
    );
    sql
}

/// Appends a subquery: 1 when the source at `url` was last found gone, else 0 (always 0 for
/// no address, bound as a NULL).
pub(super) fn push_source_gone(sql: &mut Sql, url: Option<&str>) {
    sql.push(source_gone_start()).nullable_text(url).push(")");
}

/// The same subquery for the address of the post `p` of the statement (0 for none).
pub(crate) fn post_source_gone() -> String {
    format!("{}p.source_url)", source_gone_start())
}

/// The start of the subquery of [`push_source_gone`], before the address and its `)`. Made
/// once: every post page with attribution asks it.
fn source_gone_start() -> &'static str {
    static START: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("(SELECT COUNT(*) FROM sources WHERE state = '{}' AND url = ", SourceState::Gone.as_str()));
    &START
}

#[async_trait]
impl SourceStore for SqlStore {
    async fn add_missing_sources(&self) -> StoreResult<u64> {
        let mut sql = Sql::new("INSERT INTO sources (url, created_at) SELECT DISTINCT p.source_url, ");
        // (SQLite needs the WHERE for `INSERT … SELECT … ON CONFLICT` to parse; it is there.)
        sql.int(Timestamp::now().as_second()).push(
            " FROM posts p WHERE p.status IN ('published', 'scheduled') AND p.source_url IS NOT NULL AND p.source_url <> '' \
             AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.url = p.source_url) ON CONFLICT (url) DO NOTHING",
        );
        self.write_one(&sql).await
    }

    async fn sources(&self, state: Option<SourceState>) -> StoreResult<Vec<SourceLink>> {
        let mut sql = Sql::new(&format!("SELECT {SOURCE_COLUMNS} FROM sources s WHERE {CITED}"));
        if let Some(state) = state {
            sql.push(" AND s.state = ").text(state.as_str());
        }
        sql.push(" ORDER BY s.url");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(source_link).collect::<Result<_, _>>().store_err()
    }

    async fn source(&self, url: &str) -> StoreResult<Option<SourceLink>> {
        let mut sql = Sql::new(&format!("SELECT {SOURCE_COLUMNS} FROM sources s WHERE s.url = "));
        sql.text(url);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(source_link).transpose().store_err()
    }

    async fn gone_sources(&self, urls: &[String]) -> StoreResult<Vec<String>> {
        if urls.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT url FROM sources WHERE state = ");
        sql.text(SourceState::Gone.as_str()).push(" AND url IN ").text_list(urls);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(|row| row.try_get::<String, _>("url")).collect::<Result<_, _>>().store_err()
    }

    async fn source_counts(&self) -> StoreResult<Vec<(SourceState, i64)>> {
        let sql = Sql::new(&format!("SELECT s.state, COUNT(*) AS n FROM sources s WHERE {CITED} GROUP BY s.state"));
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut counts = Vec::new();
        for row in rows {
            let state: String = row.try_get("state").store_err()?;
            if let Some(state) = SourceState::parse(&state) {
                counts.push((state, row.try_get("n").store_err()?));
            }
        }
        counts.sort_by_key(|(state, _)| SourceState::ALL.iter().position(|s| s == state));
        Ok(counts)
    }

    async fn record_source_check(&self, link: &SourceLink) -> StoreResult<()> {
        self.write_one(&upsert(link, Timestamp::now())).await.map(|_| ())
    }

    async fn posts_citing(&self, urls: &[String]) -> StoreResult<Vec<CitingPost>> {
        let mut sql = Sql::new("SELECT source_url, id, title, status FROM posts WHERE status <> 'trash' AND source_url IN ");
        sql.text_list(urls).push(" ORDER BY source_url, id");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut posts = Vec::with_capacity(rows.len());
        for row in rows {
            let status: String = row.try_get("status").store_err()?;
            let Some(status) = PostStatus::parse(&status) else { continue };
            posts.push(CitingPost {
                url: row.try_get("source_url").store_err()?,
                id: row.try_get("id").store_err()?,
                title: row.try_get("title").store_err()?,
                status,
            });
        }
        Ok(posts)
    }

    async fn update_moved_links(&self, urls: &[String]) -> StoreResult<u64> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let now = Timestamp::now();
        let mut changed = 0;
        for url in urls {
            let mut find = Sql::new(&format!("SELECT {SOURCE_COLUMNS} FROM sources s WHERE s.state = 'moved' AND s.url = "));
            find.text(url);
            let Some(row) = find.query().fetch_optional(&mut *tx).await.store_err()? else { continue };
            let moved = source_link(&row).store_err()?;
            let Some(target) = moved.final_url.clone().filter(|target| target != url) else { continue };
            // A narrow update rather than the post writer's whole row: only the link changes,
            // and the post's "last modified" stays (a corrected address is no new version).
            let mut rewrite = Sql::new("UPDATE posts SET source_url = ");
            rewrite.text(&target).push(" WHERE source_url = ").text(url);
            changed += rewrite.query().execute(&mut *tx).await.store_err()?.rows_affected();
            // The new link answered at the same check, so it starts ok with that check's facts.
            let arrived = SourceLink { url: target.clone(), state: SourceState::Ok, final_url: Some(target), ..moved };
            upsert(&arrived, now).query().execute(&mut *tx).await.store_err()?;
            let mut forget = Sql::new("DELETE FROM sources WHERE url = ");
            forget.text(url);
            forget.query().execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()?;
        Ok(changed)
    }
}

#[async_trait]
impl LeaseStore for SqlStore {
    async fn take_lease(&self, name: &str, holder: &str, now: Timestamp, until: Timestamp) -> StoreResult<bool> {
        // One statement: the insert of a lease never taken, or the takeover of an expired
        // one; while a lease is live the WHERE leaves it alone and no row comes back.
        // PostgreSQL's upsert (a second inserter waits for the first, then sees its row) and
        // SQLite's single writer make it atomic.
        let mut sql = Sql::new("INSERT INTO leases (name, holder, expires_at) VALUES (");
        sql.text(name).push(", ").text(holder).push(", ").int(until.as_second());
        sql.push(
            ") ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at <= ",
        )
        .int(now.as_second())
        .push(" RETURNING holder");
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let row = sql.query().fetch_optional(&mut *tx).await.store_err()?;
        tx.commit().await.store_err()?;
        Ok(row.is_some())
    }

    async fn hold_lease_until(&self, name: &str, holder: &str, until: Timestamp) -> StoreResult<bool> {
        let mut sql = Sql::new("UPDATE leases SET expires_at = ");
        sql.int(until.as_second()).push(" WHERE name = ").text(name).push(" AND holder = ").text(holder);
        Ok(self.write_one(&sql).await? == 1)
    }
}
