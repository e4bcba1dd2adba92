//! A PostgreSQL store's backup and restore, with PostgreSQL's own tools (`pg_dump`,
//! `pg_restore`, `psql`; Debian's postgresql-client), one schema at a time.
//!
//! A blog's tables are those of one schema (`public`, or the URL's `search_path`); the
//! database may hold other blogs, or other applications, in other schemas. A backup copies
//! the blog's schema alone, and a restore replaces that schema alone: everything in it is
//! dropped (tables a newer version made too, so that the restored store migrates as it did
//! when it was backed up) and the backup's objects and rows made again, in one transaction
//! that commits only when all of the backup was read. Running instances keep serving: they
//! wait at the transaction's locks and then read the restored rows (see `restoring.rs` in the
//! store for how their kept parts learn of it).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{Failure, usage};

/// Writes the backup of `schema` to `path` (pg_dump's custom format).
pub(crate) fn dump(db: &str, schema: &str, path: &Path) -> Result<(), Failure> {
    let pattern = quoted_pattern(schema);
    run_tool("pg_dump", &["--format=custom", "--no-owner", "--schema", &pattern, "--file", &path.display().to_string(), db]).map(drop)
}

/// Replaces everything in `schema` with the backup `path` of that schema.
pub(crate) fn restore(db: &str, schema: &str, path: &Path) -> Result<(), Failure> {
    let file = path.display().to_string();
    let listing = run_tool("pg_restore", &["--list", &file])?;
    let blogs = blog_schemas(&listing);
    if !blogs.iter().any(|blog| blog == schema) {
        return Err(usage(match blogs.as_slice() {
            [] => format!("{file} holds no Dateline blog (no posts table): is it a backup made by `dateline backup`?"),
            _ => format!(
                "{file} holds the blog of schema {} and this store is in schema {schema}: restore it into a store in that \
                 schema (a database URL with options=-c search_path=SCHEMA; without one the schema is public)",
                blogs.join(", ")
            ),
        }));
    }
    // A reader that locked one table while the restore locked another is a deadlock, which
    // PostgreSQL ends by rolling one of them back; when that is the restore, it goes again.
    let mut attempt = 1;
    loop {
        match replace_schema(db, schema, &file) {
            Err(Failure::Runtime(err)) if attempt < 3 && err.to_string().contains("deadlock detected") => attempt += 1,
            outcome => return outcome,
        }
    }
}

/// Drops everything in `schema` and makes the backup `file`'s objects and rows in it, in one
/// transaction.
fn replace_schema(db: &str, schema: &str, file: &str) -> Result<(), Failure> {
    let mut psql = spawn_tool(
        Command::new("psql")
            .args(["--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--dbname", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::null()),
        "psql",
    )?;
    let mut script = psql.stdin.take().ok_or_else(|| usage("psql took no input"))?;
    let mut pg_restore = spawn_tool(
        Command::new("pg_restore").args(["--no-owner", "--schema", schema, "--file", "-", file]).stdout(Stdio::piped()),
        "pg_restore",
    )?;
    let mut rows = pg_restore.stdout.take().ok_or_else(|| usage("pg_restore gave no output"))?;
    // psql ends at the first error, rolling the transaction back; COMMIT is sent only when
    // pg_restore read the whole backup, so a damaged file changes nothing either. (Notices,
    // such as a DROP's "does not exist, skipping", are not asked for: unread, enough of them
    // would fill psql's standard error and stop it.)
    let begin = format!("BEGIN;\nSET LOCAL client_min_messages = warning;\n{}\n", drop_everything_in(schema));
    let sent = script.write_all(begin.as_bytes()).and_then(|()| std::io::copy(&mut rows, &mut script).map(drop));
    // Closed first: a pg_restore still writing (psql stopped early) ends instead of waiting.
    drop(rows);
    let read = pg_restore.wait_with_output()?;
    if sent.is_ok() && read.status.success() {
        // psql may have stopped at an error already: its answer below says so.
        let _ = script.write_all(b"COMMIT;\n");
    }
    drop(script);
    let applied = psql.wait_with_output()?;
    // psql's error is the cause when both failed (pg_restore then only lost its reader).
    for (tool, output) in [("psql", &applied), ("pg_restore", &read)] {
        if !output.status.success() {
            return Err(Failure::Runtime(anyhow::anyhow!("{tool} failed: {}", String::from_utf8_lossy(&output.stderr).trim())));
        }
    }
    Ok(sent?)
}

/// The schemas of `pg_restore --list` that hold a blog (a `posts` table): an entry is
/// `ID; CATALOG OID TABLE SCHEMA NAME OWNER`.
fn blog_schemas(listing: &str) -> Vec<String> {
    let mut schemas: Vec<String> = listing
        .lines()
        .filter(|line| !line.starts_with(';'))
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>()[..] {
            [_, _, _, "TABLE", schema, "posts", ..] => Some(schema.to_string()),
            _ => None,
        })
        .collect();
    schemas.sort();
    schemas.dedup();
    schemas
}

/// A statement that drops every table, view, sequence and function in `schema`, and what
/// hangs on them (indexes, triggers, constraints), leaving the schema itself and its grants.
fn drop_everything_in(schema: &str) -> String {
    let name = schema.replace('\'', "''");
    format!(
        "DO $dateline_restore$
DECLARE item record;
BEGIN
    FOR item IN SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
            CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, n.nspname, c.relname) AS statement
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{name}' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        -- Sequences last: one a table's column owns goes with the table, and alone is refused.
        ORDER BY c.relkind = 'S'
    LOOP EXECUTE item.statement; END LOOP;
    FOR item IN SELECT format('DROP %s IF EXISTS %I.%I(%s) CASCADE',
            CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
            n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS statement
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = '{name}'
    LOOP EXECUTE item.statement; END LOOP;
END
$dateline_restore$;"
    )
}

/// `schema` as a pg_dump pattern that matches it alone (quoted: no wildcards, case kept).
fn quoted_pattern(schema: &str) -> String {
    format!("\"{}\"", schema.replace('"', "\"\""))
}

/// Runs PostgreSQL's `tool` with `args`; its standard output, or what it said went wrong.
fn run_tool(tool: &str, args: &[&str]) -> Result<String, Failure> {
    let output = spawn_tool(Command::new(tool).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()), tool)?.wait_with_output()?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(Failure::Runtime(anyhow::anyhow!("{tool} failed: {}", said.trim())));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Starts `command` (PostgreSQL's `tool`), saying clearly when it is not installed. What it
/// says on its standard error is kept for the message.
fn spawn_tool(command: &mut Command, tool: &str) -> Result<std::process::Child, Failure> {
    match command.stderr(Stdio::piped()).spawn() {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(usage(format!(
            "{tool} is not installed: a PostgreSQL store is copied with PostgreSQL's own tools (Debian: apt-get install postgresql-client)"
        ))),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_names_the_schemas_that_hold_a_blog() {
        let listing = "; Archive created at 2026-12-05\n;     dbname: postgres\n\
            6; 2615 16387 SCHEMA - blog_a postgres\n\
            216; 1259 16388 TABLE blog_a posts postgres\n\
            217; 1259 16390 TABLE blog_a posts_archive postgres\n\
            3345; 0 16388 TABLE DATA blog_a posts postgres\n\
            218; 1259 16395 TABLE public posts postgres\n\
            219; 1259 16396 TABLE other t postgres\n";
        assert_eq!(blog_schemas(listing), ["blog_a", "public"]);
        assert!(blog_schemas("; nothing\n").is_empty());
    }

    #[test]
    fn a_schema_s_name_is_matched_literally() {
        assert_eq!(quoted_pattern("blog"), "\"blog\"");
        assert_eq!(quoted_pattern("My\"Blog*"), "\"My\"\"Blog*\"");
        assert!(drop_everything_in("o'brien").contains("n.nspname = 'o''brien'"));
    }
}
