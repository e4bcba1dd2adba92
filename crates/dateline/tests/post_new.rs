//! Bad input on the command line: one clear line, exit code 2, nothing stored.

use crate::support::*;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn unusable_databases_exit_2_with_one_line() {
    let dir = temp_dir();
    for (db, expect) in [
        ("mysql://localhost/blog", "unsupported database URL"),
        ("sqlite:/no/such/dir/blog.db", "directory /no/such/dir does not exist"),
        ("postgres://nobody@127.0.0.1:1/blog", "cannot open the database postgres://nobody@127.0.0.1:1/blog"),
    ] {
        let output = run(&dir, &["--db", db, "serve", "--listen", "127.0.0.1:0"], None);
        assert_eq!(output.status.code(), Some(2), "{db}: {}", stderr(&output));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{db}: one line, got {message}");
        assert!(message.contains(expect), "{db}: {message}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_post_json_names_the_field_and_stores_nothing() {
    let dir = temp_dir();
    for (json, field) in [
        (r#"{"title": ""}"#, "title: must not be empty"),
        (r#"{"title": "x", "source": {"url": "javascript:alert(1)"}}"#, "source.url"),
        (r#"{"title": "x", "status": "live"}"#, "status: \"live\" is not one of"),
        (r#"{"title": "x", "published_at": "last week"}"#, "published_at"),
        (r#"{"title": "x", "comments": [{"body": "hi", "parent": 3}]}"#, "comments[0].parent"),
        (r#"{"title": "x", "colour": "red"}"#, "unknown field `colour`"),
        (r#"{"title": "x""#, "not valid JSON"),
    ] {
        let output = run(&dir, &["post", "new", "--json", "-"], Some(json));
        assert_eq!(output.status.code(), Some(2), "{json}");
        assert!(stderr(&output).contains(field), "{json}: {}", stderr(&output));
    }
    assert!(!dir.join("dateline.db").exists(), "invalid input must not create or touch the store");
    let output = run(&dir, &["post", "new", "--json", "missing.json"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read missing.json"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_seed_file_is_accepted_as_is() {
    let Some(fixtures) = dateline_testkit::fixtures("the seed file through `dateline post new`") else { return };
    let dir = temp_dir();
    let seed = fixtures.join("seed/post.json");
    // It quotes 301 words, one more than the default quote limit; the shape is what is tested.
    let output = run(&dir, &["post", "new", "--json", seed.to_str().expect("path")], None);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("The post quotes 301 words of its source; the site's limit is 300 words."), "{}", stderr(&output));
    std::fs::write(dir.join("dateline.toml"), "[quote]\nmax_words = 400\n").expect("write");
    let output = run(&dir, &["post", "new", "--json", seed.to_str().expect("path")], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("/as-biden-tries-to-cozy-up-to-communist-cuba"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn configuration_comes_from_file_environment_and_flags() {
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), "[site]\ntitle = \"The Clip Sheet\"\ntimezone = \"Europe/Madrid\"\n").expect("write");
    let db = format!("sqlite:{}", dir.join("from-env.db").display());
    let server = serve(&dir, &[], &[("DATELINE_DB", &db)]);
    assert!(get(&server.base, "/").body.contains("<title>The Clip Sheet</title>"));
    assert!(dir.join("from-env.db").is_file(), "DATELINE_DB is honoured");
    drop(server);

    std::fs::write(dir.join("bad.toml"), "[site]\ntimezone = \"Mars/Olympus\"\n").expect("write");
    let output = run(&dir, &["--config", "bad.toml", "serve"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("site.timezone"), "{}", stderr(&output));
    let output = run(&dir, &["serve", "--theme", "no-such-theme", "--listen", "127.0.0.1:0"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--theme no-such-theme: not a directory"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn post_new_files_the_post_under_its_outlet_and_reporter() {
    let Some(fixtures) = dateline_testkit::fixtures("the seed's attribution through `dateline post new`") else { return };
    let dir = temp_dir();
    // The seed quotes 301 words: over the default quote limit, so this blog allows 400.
    std::fs::write(dir.join("dateline.toml"), "[quote]\nmax_words = 400\n").expect("config");
    let seed = fixtures.join("seed/post.json");
    let output = run(&dir, &["post", "new", "--json", seed.to_str().expect("path")], None);
    assert!(output.status.success(), "{}", stderr(&output));
    // A second post naming the outlet another way, and two reporters in one line.
    let other = r#"{"title": "Another", "body": "More.", "source": {"reporter": "Nora Gámez Torres y Mario Pentón", "outlet": "The Miami Herald", "excerpt": ["Quoted."]}}"#;
    let output = run(&dir, &["post", "new", "--json", "-"], Some(other));
    assert!(output.status.success(), "{}", stderr(&output));
    let server = serve(&dir, &[], &[]);
    let outlet = get(&server.base, "/source/miami-herald/");
    assert_eq!(outlet.status, 200, "{}", outlet.body);
    assert!(outlet.body.contains("As Biden tries to cozy up to communist Cuba") && outlet.body.contains("Another"), "{}", outlet.body);
    let reporter = get(&server.base, "/reporter/nora-gamez-torres/");
    assert!(reporter.body.contains("As Biden tries to cozy up to communist Cuba") && reporter.body.contains("Another"));
    let second = get(&server.base, "/reporter/mario-penton/");
    assert!(second.body.contains("Another") && !second.body.contains("As Biden tries"), "{}", second.body);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn post_new_keeps_to_the_quote_limit_unless_an_editor_overrides() {
    let dir = temp_dir();
    let db = format!("sqlite:{}", dir.join("dateline.db").display());
    let quoted = (1..=301).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let post = |author: &str, status: &str| {
        serde_json::json!({"title": format!("Quoted by {author}, {status}"), "author": author, "status": status,
            "source": {"outlet": "Ledger", "excerpt": [quoted], "words": 5000}})
        .to_string()
    };
    let new_post = |json: &str, args: &[&str]| {
        let mut all = vec!["--db", db.as_str(), "post", "new", "--json", "-"];
        all.extend_from_slice(args);
        run(&dir, &all, Some(json))
    };

    let refused = new_post(&post("Eda", "published"), &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(
        stderr(&refused).trim().lines().last().unwrap_or_default(),
        "dateline: The post quotes 301 words of its source; the site's limit is 300 words. Quote less, save it as a draft (\"status\": \"draft\"), or publish it over the limit with --quote-override as an editor."
    );
    let scheduled = new_post(
        &serde_json::json!({"title": "Later", "published_at": "2099-01-01T00:00:00Z", "source": {"excerpt": [quoted]}}).to_string(),
        &[],
    );
    assert_eq!(scheduled.status.code(), Some(2), "scheduling is publishing");
    let draft = new_post(&post("Drew", "draft"), &[]);
    assert!(draft.status.success(), "drafts are never refused: {}", stderr(&draft));

    // The acting account is the post's author: it must exist, and be an editor or administrator.
    let nobody = new_post(&post("Nobody", "published"), &["--quote-override"]);
    assert_eq!(nobody.status.code(), Some(2));
    assert!(stderr(&nobody).contains("the post's author, \"Nobody\", is not an account on this site"), "{}", stderr(&nobody));
    // (The draft above made an account for its author, as `post new` does: an author's.)
    let drew = new_post(&post("Drew", "published"), &["--quote-override"]);
    assert!(stderr(&drew).contains("only editors and administrators may publish over the quote limit"), "{}", stderr(&drew));
    for (login, role, name) in [("ann", "author", "Ann"), ("eda", "editor", "Eda")] {
        let added =
            run(&dir, &["--db", &db, "user", "add", login, "--role", role, "--display-name", name], Some("a long enough password\n"));
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let author = new_post(&post("Ann", "published"), &["--quote-override"]);
    assert_eq!(author.status.code(), Some(2));
    assert!(stderr(&author).contains("only editors and administrators may publish over the quote limit"), "{}", stderr(&author));
    let allowed = new_post(&post("Eda", "published"), &["--quote-override"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let id: i64 = String::from_utf8_lossy(&allowed.stdout).split('\t').next().and_then(|id| id.parse().ok()).expect("id");

    // The decision is on the post: who and how much.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let post = runtime.block_on(async {
        use dateline_core::PostStore;
        let store = dateline_store::SqlStore::open(&db).await.expect("open");
        store.post_by_id(id).await.expect("read").expect("post")
    });
    let record = post.quote_override.expect("recorded");
    assert_eq!((record.by_name.as_deref(), record.words), (Some("Eda"), 301));
    assert_eq!(post.source.and_then(|s| s.words), Some(5000), "the source's words are kept");
    let _ = std::fs::remove_dir_all(dir);
}
