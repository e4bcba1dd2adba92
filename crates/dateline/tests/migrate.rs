//! `dateline import wxr` and `dateline export wxr` as a user runs them.

use crate::support::*;

/// The shared WordPress exports, or `None` (the case skips, saying so) without them.
fn exports() -> Option<std::path::PathBuf> {
    dateline_testkit::fixtures("`dateline import wxr` on real exports").map(|dir| dir.join("wordpress"))
}

fn fixture(exports: &std::path::Path, name: &str) -> String {
    exports.join(name).display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn import_reports_and_the_blog_serves_the_old_urls() {
    let Some(exports) = exports() else { return };
    let dir = temp_dir();
    let output = run(&dir, &["import", "wxr", &fixture(&exports, "themeunittestdata.wordpress.xml")], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = text(&output.stdout);
    for line in [
        "Imported from 374 records",
        "post published",
        "pingback approved",
        "attachment",
        "Skipped:",
        "nav_menu_item",
        "[simple] ×1",
        "peak memory",
        "clock ran at UTC-07:00",
        "The old blog was called “Theme Unit Test Data” (“Just another WordPress website with a purposefully really long description”)",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    let server = serve(&dir, &[], &[]);
    assert_eq!(get(&server.base, "/2012/01/04/template-password-protected/").status, 200);
    let old = get(&server.base, "/?p=1241");
    assert_eq!(old.status, 301);
    assert_eq!(get(&server.base, &old.header("location").expect("location")).status, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_broken_file_exits_2_and_imports_nothing() {
    let Some(exports) = exports() else { return };
    let dir = temp_dir();
    let output = run(
        &dir,
        &[
            "import",
            "wxr",
            &fixture(&exports, "wordpress-importer/valid-wxr-1.1.xml"),
            &fixture(&exports, "wordpress-importer/malformed.xml"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output.stderr);
    assert!(message.contains("malformed.xml: ill-formed document: expected `</notachanneltag>`, but `</channel>` was found (line 90, column 1); nothing was imported"), "{message}");
    let export = run(&dir, &["export", "wxr"], None);
    assert!(text(&export.stderr).contains("exported 0 items"), "the first file was rolled back too: {}", text(&export.stderr));
    let output = run(&dir, &["import", "wxr", "no-such.xml"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no-such.xml: no such file"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A small export written here (no fixture needed): one post, and `padding` bytes of body.
fn export_of(padding: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old blog</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://old.example</wp:base_site_url>
<item><title>Harbor news</title><link>https://old.example/?p=1</link><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>
<wp:status>publish</wp:status><wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt><wp:post_name>harbor-news</wp:post_name>
<content:encoded><![CDATA[<p>{}</p>]]></content:encoded></item>
</channel></rss>
"#,
        "word ".repeat(padding / 5)
    )
}

#[test]
fn a_file_over_the_import_limit_is_refused_and_imports_nothing() {
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), "[import]\nmax_file_mb = 1\n").expect("config");
    std::fs::write(dir.join("big.xml"), export_of(1_200_000)).expect("export");
    std::fs::write(dir.join("small.xml"), export_of(100)).expect("export");
    let output = run(&dir, &["import", "wxr", "small.xml", "big.xml"], None);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let message = text(&output.stderr);
    assert!(
        message.contains("big.xml: the file is 1.1 MiB, over the import limit of 1 MiB ([import] max_file_mb in dateline.toml raises it); nothing was imported"),
        "{message}"
    );
    let export = run(&dir, &["export", "wxr"], None);
    assert!(text(&export.stderr).contains("exported 0 items"), "the file under the limit was rolled back too: {}", text(&export.stderr));
    // Under the limit, the same file imports.
    std::fs::write(dir.join("dateline.toml"), "[import]\nmax_file_mb = 2\n").expect("config");
    let output = run(&dir, &["import", "wxr", "big.xml"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("post published"), "{}", text(&output.stdout));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn dry_run_reports_without_writing() {
    let Some(exports) = exports() else { return };
    let dir = temp_dir();
    let output = run(&dir, &["import", "wxr", "--dry-run", &fixture(&exports, "wordpress-importer/small-export.xml")], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("Dry run: would import from 48 records"), "{}", text(&output.stdout));
    assert!(!dir.join("dateline.db").exists(), "a dry run does not even create the database");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn export_reimports_elsewhere() {
    let Some(exports) = exports() else { return };
    let dir = temp_dir();
    let output = run(&dir, &["import", "wxr", &fixture(&exports, "wordpress-importer/small-export.xml")], None);
    assert!(output.status.success());
    let export = run(&dir, &["export", "wxr"], None);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let wxr = text(&export.stdout);
    assert!(wxr.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>"));
    assert!(wxr.contains("<wp:wxr_version>1.2</wp:wxr_version>"));
    std::fs::write(dir.join("out.xml"), &wxr).expect("write");
    let again = run(&dir, &["--db", "sqlite:again.db", "import", "wxr", "out.xml"], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let report = text(&again.stdout);
    assert!(
        report.contains("post published                      5") && report.contains("page published                      4"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
