//! A query assembled from fixed SQL fragments with numbered parameters. Values are always
//! bound, never spliced into the text: only the fragments written here become SQL, and the
//! numbers and names the code itself fixes ([`Sql::fixed`], [`Sql::fixed_text`]).

use sqlx::Any;

use crate::connect::Backend;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Float(f64),
    Text(String),
    /// A NULL where a text goes (typed, so PostgreSQL compares it with a text column).
    NullText,
    /// A NULL where an integer goes.
    NullInt,
}

/// SQL text plus its arguments, in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
    /// Placeholders are `?`, numbered by their order, instead of `$N` (see [`Sql::wide`]).
    anonymous: bool,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new(), anonymous: false }
    }

    /// For a statement of many rows (thousands of parameters): on SQLite its placeholders are
    /// `?`, which SQLite numbers in order, as [`Sql::arg`] appends them. A named one (`$N`) is
    /// looked up in a list, when SQLite parses it and again when sqlx binds it, so a statement's
    /// cost grew with the square of its parameters (a 200-comment `INSERT`, 3,200 parameters,
    /// took 7 ms, a third of an import). PostgreSQL only knows `$N`.
    pub(crate) fn wide(text: &str, backend: Backend) -> Sql {
        Sql { anonymous: backend == Backend::Sqlite, ..Sql::new(text) }
    }

    /// Appends a fragment of SQL written in this crate.
    pub(crate) fn push(&mut self, fragment: &str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    /// Appends a placeholder for `arg`. Text loses any NUL character: PostgreSQL cannot store
    /// one (it refuses the whole statement), SQLite would cut C strings at it, and nobody types
    /// one on purpose, so a `?tag=%00` finds nothing instead of failing.
    pub(crate) fn arg(&mut self, arg: Arg) -> &mut Sql {
        let arg = match arg {
            Arg::Text(text) if text.contains('\0') => Arg::Text(text.replace('\0', "")),
            other => other,
        };
        self.args.push(arg);
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push_str(&format!("${}", self.args.len()));
        }
        self
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Sql {
        self.arg(Arg::Int(value))
    }

    /// Writes an integer the code fixes (a limit that is the same on every call) into the text
    /// instead of binding it. PostgreSQL plans a prepared statement again on every execution
    /// while its generic plan looks dearer than the plans made for the values given, and a
    /// bound `LIMIT` makes every generic plan look dear (the planner cannot know it is small):
    /// the related posts' statement was planned on every post page (0.7 ms of 1.7). An `i64`
    /// printed in decimal is nothing but digits and a sign, so nothing can be spliced this way.
    pub(crate) fn fixed(&mut self, value: i64) -> &mut Sql {
        self.text.push_str(&value.to_string());
        self
    }

    /// Writes a text the code fixes (a post kind's name) into the statement as a quoted
    /// literal, for the same reason as [`Sql::fixed`]: bound, `kind = $1` made PostgreSQL plan
    /// the navigation's list of pages on every page, its generic plan priced for posts, which
    /// are thousands, not for pages, which are a few. Only `'static` text (the code's own) is
    /// taken, and a quote in it is refused.
    pub(crate) fn fixed_text(&mut self, value: &'static str) -> &mut Sql {
        assert!(!value.contains('\''), "a fixed text holds no quote");
        self.text.push('\'');
        self.text.push_str(value);
        self.text.push('\'');
        self
    }

    pub(crate) fn text(&mut self, value: &str) -> &mut Sql {
        self.arg(Arg::Text(value.to_string()))
    }

    /// Appends a placeholder for the text, or `NULL`.
    pub(crate) fn opt_text(&mut self, value: Option<&str>) -> &mut Sql {
        match value {
            Some(v) => self.text(v),
            None => self.push("NULL"),
        }
    }

    /// Appends a placeholder for the integer, or `NULL`.
    pub(crate) fn opt_int(&mut self, value: Option<i64>) -> &mut Sql {
        match value {
            Some(v) => self.int(v),
            None => self.push("NULL"),
        }
    }

    /// Appends a placeholder for the text or a NULL, bound either way: unlike
    /// [`Sql::opt_text`], the statement's text is the same with and without a value.
    pub(crate) fn nullable_text(&mut self, value: Option<&str>) -> &mut Sql {
        match value {
            Some(v) => self.text(v),
            None => self.arg(Arg::NullText),
        }
    }

    /// As [`Sql::nullable_text`], for an integer.
    pub(crate) fn nullable_int(&mut self, value: Option<i64>) -> &mut Sql {
        match value {
            Some(v) => self.int(v),
            None => self.arg(Arg::NullInt),
        }
    }

    /// Appends `(p1, p2, …)` for a list of values; `(NULL)` for an empty list matches nothing.
    fn list<T>(&mut self, values: &[T], arg: impl Fn(&T) -> Arg) -> &mut Sql {
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.arg(arg(value));
        }
        self.push(")")
    }

    pub(crate) fn int_list(&mut self, values: &[i64]) -> &mut Sql {
        self.list(values, |v| Arg::Int(*v))
    }

    /// Appends a test that the expression before it is one of `values`, bound as one text (an
    /// array on PostgreSQL, JSON on SQLite): the statement's text is the same however many
    /// there are. A list of one placeholder per value is a new statement for
    /// each length, and a post page's comments are a list that grows with every approval:
    /// PostgreSQL parsed and planned it afresh on every rendering, and each length took a slot
    /// in the connection's statement cache.
    pub(crate) fn int_set(&mut self, values: &[i64], backend: Backend) -> &mut Sql {
        let joined = values.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        match backend {
            Backend::Postgres => self.push(" = ANY(CAST(").text(&format!("{{{joined}}}")).push(" AS BIGINT[]))"),
            Backend::Sqlite => self.push(" IN (SELECT value FROM json_each(").text(&format!("[{joined}]")).push("))"),
        }
    }

    pub(crate) fn text_list(&mut self, values: &[String]) -> &mut Sql {
        self.list(values, |v| Arg::Text(v.clone()))
    }

    /// The query, ready to run.
    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::Int(v) => query.bind(*v),
                Arg::Float(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.as_str()),
                Arg::NullText => query.bind(None::<&str>),
                Arg::NullInt => query.bind(None::<i64>),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_never_binds_a_nul() {
        let mut sql = Sql::new("SELECT ");
        sql.text("a\0b").push(", ").text_list(&["c\0".to_string()]);
        let texts: Vec<_> = sql.args.iter().filter_map(|a| if let Arg::Text(t) = a { Some(t.as_str()) } else { None }).collect();
        assert_eq!(texts, ["ab", "c"]);
        assert_eq!(sql.text, "SELECT $1, ($2)");
    }

    #[test]
    fn a_nullable_value_is_bound_with_or_without_a_value() {
        let texts: Vec<String> = [(Some("a"), Some(1)), (None, None)]
            .into_iter()
            .map(|(text, int)| {
                let mut sql = Sql::new("SELECT ");
                sql.nullable_text(text).push(", ").nullable_int(int);
                assert_eq!(sql.args.len(), 2);
                sql.text
            })
            .collect();
        assert_eq!(texts, ["SELECT $1, $2", "SELECT $1, $2"]);
    }

    #[test]
    fn wide_statements_number_placeholders_by_order_on_sqlite_only() {
        for (backend, text) in [(Backend::Sqlite, "VALUES (?, ?), (?)"), (Backend::Postgres, "VALUES ($1, $2), ($3)")] {
            let mut sql = Sql::wide("VALUES (", backend);
            sql.int(1).push(", ").text("a").push("), (").int(2).push(")");
            assert_eq!(sql.text, text);
            assert_eq!(sql.args.len(), 3);
        }
    }
}
