//! A PostgreSQL store's backup and restore, with PostgreSQL's own tools (`pg_dump`,
//! `pg_restore`, `psql`; Debian's postgresql-client), one schema at a time.
//!
//! A blog's tables are those of one schema (`public`, or the URL's `search_path`); the
//! database may hold other blogs, or other applications, in other schemas. A backup copies
//! the blog's schema alone, and a restore replaces that schema alone. Everything in it is
//! dropped (tables a newer version made too, so that the restored store migrates as it did
//! when it was backed up; not what an extension installed there) and the backup's objects and
//! rows made again, in one transaction that commits only when all of the backup was read.
//!
//! Running instances keep serving: they wait at the transaction's locks and then read the
//! restored rows. The same transaction reads the numbers they keep pages' parts by, once it
//! holds their tables, and moves the restored ones past them, and tells every instance
//! (`restoring.rs` in the store says why).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use dateline_store::{Given, GivenNumbers};

use crate::{Failure, usage};

/// Writes the backup of `schema` to `path` (pg_dump's custom format).
pub(crate) fn dump(db: &str, schema: &str, path: &Path) -> Result<(), Failure> {
    let pattern = quoted_pattern(schema);
    run_tool("pg_dump", &["--format=custom", "--no-owner", "--schema", &pattern, "--file", &path.display().to_string(), db]).map(drop)
}

/// What a restore did besides the rows: the numbers the store had given before it (read
/// inside its transaction), and whether it moved the restored numbers past them (it does when
/// the backup has their tables; otherwise they are moved once the store has migrated).
pub(crate) struct Restored {
    pub given: GivenNumbers,
    pub moved: bool,
}

/// Replaces everything in `schema` with the backup `path` of that schema.
pub(crate) fn restore(db: &str, schema: &str, path: &Path) -> Result<Restored, Failure> {
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
    // A reader or writer that locked one table while the restore locked another is a
    // deadlock, which PostgreSQL ends by rolling one of them back; when that is the restore,
    // it goes again.
    let mut attempt = 1;
    loop {
        match replace_schema(db, schema, &file) {
            Err(Failure::Runtime(err)) if attempt < 3 && err.to_string().contains(DEADLOCK) => attempt += 1,
            outcome => return outcome,
        }
    }
}

/// PostgreSQL's code for a deadlock, which psql prints with its errors (`VERBOSITY=verbose`)
/// in every language.
const DEADLOCK: &str = "40P01";

/// What the script says on psql's standard output: the numbers given before the restore, and
/// whether it moved the restored ones past them.
const GIVEN_LINE: &str = "dateline-given";

/// Drops everything in `schema` and makes the backup `file`'s objects and rows in it, in one
/// transaction.
fn replace_schema(db: &str, schema: &str, file: &str) -> Result<Restored, Failure> {
    let mut psql = spawn_tool(
        Command::new("psql")
            .args(["--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--set", "VERBOSITY=verbose", "--dbname", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
        "psql",
    )?;
    let mut script = psql.stdin.take().ok_or_else(|| Failure::Runtime(anyhow::anyhow!("psql took no input")))?;
    let mut pg_restore = spawn_tool(
        Command::new("pg_restore").args(["--no-owner", "--schema", schema, "--file", "-", file]).stdout(Stdio::piped()),
        "pg_restore",
    )?;
    let mut rows = pg_restore.stdout.take().ok_or_else(|| Failure::Runtime(anyhow::anyhow!("pg_restore gave no output")))?;
    // psql ends at the first error, rolling the transaction back; COMMIT is sent only when
    // pg_restore read the whole backup, so a damaged file changes nothing either.
    let sent = script
        .write_all(script_before().as_bytes())
        .and_then(|()| std::io::copy(&mut rows, &mut script).map(drop))
        .and_then(|()| script.write_all(script_after().as_bytes()));
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
    sent?;
    let said = String::from_utf8_lossy(&applied.stdout);
    said.lines()
        .find_map(|line| line.strip_prefix(GIVEN_LINE))
        .and_then(parse_given)
        .ok_or_else(|| Failure::Runtime(anyhow::anyhow!("psql did not say the numbers the store had given: {said}")))
}

/// What the script sends before the backup's own: the transaction, the numbers' tables
/// locked and their numbers read (into psql variables, and said on standard output), and
/// everything in the schema dropped. Query results are not printed (the backup's `setval`s).
fn script_before() -> String {
    use dateline_store::{Backend, NUMBERS_TABLES, given_numbers_sql};
    format!(
        "BEGIN;
-- Unread, enough notices (a DROP's \"does not exist, skipping\") would fill psql's standard error.
SET LOCAL client_min_messages = warning;
-- A session that sits in a transaction holding a table would otherwise keep the restore, and
-- every reader queued behind it, waiting for ever.
SET LOCAL lock_timeout = '60s';
\\o /dev/null
LOCK TABLE {NUMBERS_TABLES} IN ACCESS EXCLUSIVE MODE;
{} \\gset dateline_given_
{DROP_EVERYTHING}
",
        given_numbers_sql(Backend::Postgres)
    )
}

/// What the script sends after the backup's own: the restored numbers moved past the given
/// ones when the backup has their tables, and what was given and done said.
fn script_after() -> String {
    use dateline_store::{Backend, move_past_statements};
    let variable = |given: dateline_store::Given| format!(":dateline_given_{}", given.column());
    let statements: String = move_past_statements(Backend::Postgres, variable).iter().map(|s| format!("{s};\n")).collect();
    let said = Given::ALL.map(variable);
    format!(
        "
-- The backup's script empties the search path; the session's own (the blog's schema) again.
RESET search_path;
SELECT to_regclass('content_version') IS NOT NULL AND to_regclass('comment_version_numbers') IS NOT NULL
    AND to_regclass('comment_versions') IS NOT NULL
    AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('comments') AND attname = 'revision')
    AS dateline_numbers \\gset
\\if :dateline_numbers
{statements}\\endif
\\echo {GIVEN_LINE} {} :dateline_numbers
",
        said.join(" ")
    )
}

/// The numbers of a `GIVEN_LINE` (in the order of [`Given::ALL`]) and whether they were moved
/// (`t` or `f`).
fn parse_given(line: &str) -> Option<Restored> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (moved, numbers) = words.split_last()?;
    if numbers.len() != Given::ALL.len() {
        return None;
    }
    let given = GivenNumbers::from_each(|given| numbers[given as usize].parse::<i64>()).ok()?;
    Some(Restored { given, moved: *moved == "t" })
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

/// A statement that drops every table, view, sequence and function in the session's schema
/// (the blog's), and what hangs on them (indexes, triggers, constraints), leaving the schema
/// itself, its grants, and what an extension installed there (`pg_stat_statements` in
/// `public`, say), which a backup does not copy either.
const DROP_EVERYTHING: &str = "DO $dateline_restore$
DECLARE item record;
BEGIN
    FOR item IN SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
            CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, n.nspname, c.relname) AS statement
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        -- Sequences last: one a table's column owns goes with the table, and alone is refused.
        ORDER BY c.relkind = 'S'
    LOOP EXECUTE item.statement; END LOOP;
    FOR item IN SELECT format('DROP %s IF EXISTS %I.%I(%s) CASCADE',
            CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
            n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS statement
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema()
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP EXECUTE item.statement; END LOOP;
END
$dateline_restore$;";

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
    fn the_given_line_reads_four_numbers_and_whether_they_moved() {
        let restored = parse_given(" 7 12 340 13 t").expect("a line");
        let given = GivenNumbers { content_version: 7, comments_version: 12, comment_id: 340, comment_revision: 13 };
        assert_eq!((restored.given, restored.moved), (given, true));
        assert!(!parse_given(" 7 12 340 13 f").expect("a line").moved);
        assert!(parse_given(" 7 12 340 t").is_none() && parse_given(" 7 x 340 13 t").is_none());
    }

    #[test]
    fn a_schema_s_name_is_matched_literally() {
        assert_eq!(quoted_pattern("blog"), "\"blog\"");
        assert_eq!(quoted_pattern("My\"Blog*"), "\"My\"\"Blog*\"");
    }
}
