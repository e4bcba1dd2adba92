//! What several stores share for reading posts (the public stream's filter, loading posts with
//! their terms), and `Store` itself: the entity traits are implemented in `stores/`.

use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Any;
use sqlx::Row;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::rows::{self, POST_COLUMNS, POST_FROM, TERM_COLUMNS};
use crate::sql::Sql;

/// The WHERE clause of the public stream for `query`, appended to `sql`.
pub(crate) fn push_stream_filter(sql: &mut Sql, query: &PostQuery) {
    sql.push(" WHERE p.kind = ").fixed_text(query.kind.as_str());
    sql.push(" AND p.status IN ('published', 'scheduled') AND p.published_at <= ").int(query.now.as_second());
    match &query.filter {
        PostFilter::All => {}
        PostFilter::Category(term) => {
            // The category and all of its descendants, however deep.
            sql.push(
                " AND p.id IN (SELECT pt.post_id FROM post_terms pt WHERE pt.term_id IN (\
                 WITH RECURSIVE tree(id) AS (SELECT CAST(",
            )
            .int(*term)
            .push(" AS BIGINT) UNION SELECT t.id FROM terms t JOIN tree ON t.parent_id = tree.id) SELECT id FROM tree))");
        }
        PostFilter::Tag(term) => {
            sql.push(" AND p.id IN (SELECT pt.post_id FROM post_terms pt WHERE pt.term_id = ").int(*term).push(")");
        }
        PostFilter::Author(user) => {
            sql.push(" AND p.author_id = ").int(*user);
        }
        PostFilter::Outlet(outlet) => {
            sql.push(" AND p.id IN (SELECT po.post_id FROM post_outlets po WHERE po.outlet_id = ").int(*outlet).push(")");
        }
        PostFilter::Reporter(reporter) => {
            sql.push(" AND p.id IN (SELECT pr.post_id FROM post_reporters pr WHERE pr.reporter_id = ").int(*reporter).push(")");
        }
        PostFilter::Between { from, to } => {
            sql.push(" AND p.published_at >= ").int(from.as_second());
            sql.push(" AND p.published_at < ").int(to.as_second());
        }
    }
}

impl SqlStore {
    /// Runs one read on a connection kept for reads (see `readers`): all its rows.
    pub(crate) async fn read_rows<'q>(&self, query: Query<'q, Any, AnyArguments<'q>>) -> Result<Vec<AnyRow>, sqlx::Error> {
        let mut reader = self.readers.take(&self.pool).await?;
        let rows = query.fetch_all(reader.connection()).await;
        reader.finish(&rows);
        rows
    }

    /// As [`SqlStore::read_rows`], for exactly one row (`RowNotFound` otherwise).
    pub(crate) async fn read_row<'q>(&self, query: Query<'q, Any, AnyArguments<'q>>) -> Result<AnyRow, sqlx::Error> {
        let mut reader = self.readers.take(&self.pool).await?;
        let row = query.fetch_one(reader.connection()).await;
        reader.finish(&row);
        row
    }

    /// As [`SqlStore::read_rows`], for at most one row.
    pub(crate) async fn read_optional_row<'q>(&self, query: Query<'q, Any, AnyArguments<'q>>) -> Result<Option<AnyRow>, sqlx::Error> {
        let mut reader = self.readers.take(&self.pool).await?;
        let row = query.fetch_optional(reader.connection()).await;
        reader.finish(&row);
        row
    }

    /// The text of the one row of a query selecting a [`crate::json_rows::array`].
    pub(crate) async fn json_array(&self, sql: &Sql) -> StoreResult<String> {
        self.read_row(sql.query()).await.store_err()?.try_get(0).store_err()
    }

    /// Runs a post query and attaches each post's terms with one more query.
    pub(crate) async fn fetch_posts(&self, sql: &Sql) -> StoreResult<Vec<Post>> {
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut posts = rows.iter().map(rows::post).collect::<Result<Vec<_>, _>>().store_err()?;
        self.attach_terms(&mut posts).await?;
        Ok(posts)
    }

    /// Attaches each post's terms and reporters, with one query for the whole list: a listing
    /// costs the same number of queries however many posts and reporters it shows (issue 8).
    /// The reporters ride in the terms' columns (`taxonomy` = 'reporter', their position in
    /// the line in `parent_id`).
    pub(crate) async fn attach_terms(&self, posts: &mut [Post]) -> StoreResult<()> {
        if posts.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let mut sql = Sql::new(&format!(
            "SELECT pt.post_id, {TERM_COLUMNS} FROM post_terms pt JOIN terms t ON t.id = pt.term_id WHERE pt.post_id IN "
        ));
        sql.int_list(&ids);
        sql.push(
            " UNION ALL SELECT pr.post_id, r.id, 'reporter' AS taxonomy, r.name, r.slug, '' AS description, pr.position AS parent_id \
             FROM post_reporters pr JOIN reporters r ON r.id = pr.reporter_id WHERE pr.post_id IN ",
        );
        sql.int_list(&ids).push(" ORDER BY name");
        let mut reporters: Vec<(i64, i64, BylineRef)> = Vec::new();
        for row in self.read_rows(sql.query()).await.store_err()? {
            let post_id: i64 = row.try_get("post_id").store_err()?;
            let Some(post) = posts.iter_mut().find(|p| p.id == post_id) else { continue };
            if row.try_get::<String, _>("taxonomy").store_err()? == "reporter" {
                let reporter = BylineRef {
                    id: row.try_get("id").store_err()?,
                    name: row.try_get("name").store_err()?,
                    slug: row.try_get("slug").store_err()?,
                };
                let position: Option<i64> = row.try_get("parent_id").store_err()?;
                reporters.push((post_id, position.unwrap_or(0), reporter));
                continue;
            }
            let term = rows::term(&row).store_err()?;
            match term.taxonomy {
                Taxonomy::Category => post.categories.push(term),
                Taxonomy::Tag => post.tags.push(term),
            }
        }
        // In the order the attribution line names them.
        reporters.sort_by_key(|(_, position, _)| *position);
        for (post_id, _, reporter) in reporters {
            if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
                post.reporters.push(reporter);
            }
        }
        Ok(())
    }

    pub(crate) async fn post_where(&self, column: &str, value: crate::sql::Arg, kind: Option<PostKind>) -> StoreResult<Option<Post>> {
        let mut sql = Sql::new(&format!("SELECT {POST_COLUMNS} {POST_FROM} WHERE p.{column} = "));
        sql.arg(value);
        if let Some(kind) = kind {
            sql.push(" AND p.kind = ").text(kind.as_str());
        }
        Ok(self.fetch_posts(&sql).await?.into_iter().next())
    }
}

#[async_trait::async_trait]
impl Store for SqlStore {
    fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn schema_versions(&self) -> StoreResult<SchemaVersions> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM dateline_migrations").fetch_one(&self.pool).await.store_err()?;
        let migrations = match self.backend {
            Backend::Sqlite => crate::migrate::MIGRATIONS_SQLITE,
            Backend::Postgres => crate::migrate::MIGRATIONS_POSTGRES,
        };
        let expected = migrations.iter().map(|m| m.version).max().unwrap_or(0);
        Ok(SchemaVersions { applied: applied.unwrap_or(0), expected })
    }
}
