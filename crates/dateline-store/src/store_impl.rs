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
use crate::rows;
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

    /// The text of the one row of a query selecting one text (a [`crate::json_rows::array`], a
    /// comment tree).
    pub(crate) async fn json_array(&self, sql: &Sql) -> StoreResult<String> {
        self.read_row(sql.query()).await.store_err()?.try_get(0).store_err()
    }

    /// Runs a statement begun with [`rows::select_posts`].
    pub(crate) async fn fetch_posts(&self, sql: &Sql) -> StoreResult<Vec<Post>> {
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(rows::post).collect::<Result<Vec<_>, _>>().store_err()
    }

    pub(crate) async fn post_where(&self, column: &str, value: crate::sql::Arg, kind: Option<PostKind>) -> StoreResult<Option<Post>> {
        self.post_selected_where(rows::select_posts(self.backend), column, value, kind).await
    }

    /// As [`SqlStore::post_where`], the post read by `select` ([`rows::select_posts`] or a
    /// variant of it).
    pub(crate) async fn post_selected_where(
        &self,
        select: &str,
        column: &str,
        value: crate::sql::Arg,
        kind: Option<PostKind>,
    ) -> StoreResult<Option<Post>> {
        let mut sql = Sql::new(&format!("{select} WHERE p.{column} = "));
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
