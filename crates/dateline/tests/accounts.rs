//! `dateline user …` as an administrator uses it from the shell, and a server that sees the
//! result: a new password works at the login form and the old one no longer does.

use crate::support::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn accounts_are_listed_repassworded_and_given_roles() {
    let dir = temp_dir();
    let ok = |args: &[&str], stdin: Option<&str>| {
        let output = run(&dir, args, stdin);
        assert!(output.status.success(), "dateline {args:?}: {}", text(&output.stderr));
        text(&output.stdout)
    };
    ok(&["user", "add", "marta", "--role", "administrator", "--email", "marta@example.org"], Some("first password\n"));
    ok(&["user", "add", "ravi", "--role", "author"], Some("ravi's password\n"));

    let listing = ok(&["user", "list"], None);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines[0], "ID\tLOGIN\tROLE\tNAME\tEMAIL");
    assert!(lines[1].ends_with("\tmarta\tadministrator\tmarta\tmarta@example.org"), "{listing}");
    assert!(lines[2].ends_with("\travi\tauthor\travi\t-"), "{listing}");
    assert_eq!(lines.len(), 3, "nothing but the table on standard output: {listing}");

    // A new password from standard input; by e-mail address as well as by login.
    let changed = ok(&["user", "passwd", "marta@example.org"], Some("second password\n"));
    assert!(changed.starts_with("new password set for marta"), "{changed}");
    // None piped: one is made and shown once.
    let generated = ok(&["user", "passwd", "ravi"], None);
    assert!(generated.lines().any(|l| l.starts_with("password: ") && l.len() > "password: ".len() + 12), "{generated}");

    assert_eq!(ok(&["user", "role", "ravi", "editor"], None).trim(), "ravi: author -> editor");
    let last = run(&dir, &["user", "role", "marta", "author"], None);
    assert_eq!(last.status.code(), Some(2));
    assert!(text(&last.stderr).contains("marta is the only administrator"), "{}", text(&last.stderr));
    let unknown = run(&dir, &["user", "passwd", "nobody"], Some("whatever password\n"));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("there is no account \"nobody\""), "{}", text(&unknown.stderr));
    let short = run(&dir, &["user", "passwd", "marta"], Some("short\n"));
    assert_eq!(short.status.code(), Some(2));
    let last = run(&dir, &["user", "delete", "marta", "--reassign-to", "ravi"], None);
    assert_eq!(last.status.code(), Some(2), "the last administrator stays");
    ok(&["user", "add", "gone", "--role", "author"], Some("a password here\n"));
    ok(&["post", "new", "--json", "-"], Some(r#"{"title": "By gone", "author": "gone", "published_at": "2026-01-01T00:00:00Z"}"#));
    assert_eq!(ok(&["user", "delete", "gone", "--reassign-to", "ravi"], None).trim(), "deleted gone; 1 posts and pages now by ravi");
    assert!(!ok(&["user", "list"], None).contains("\tgone\t"));

    // The server agrees: the new password signs in, the old one does not.
    let server = serve(&dir, &[], &[]);
    let login = |password: &str| {
        let form = get(&server.base, "/admin/login");
        let token = form.body.split("name=\"_token\" value=\"").nth(1).and_then(|v| v.split('"').next()).expect("token").to_string();
        let cookie = form.header("set-cookie").and_then(|c| c.split(';').next().map(str::to_string)).unwrap_or_default();
        let body = format!(
            "log=marta&pwd={}&_token={}&redirect_to=%2Fadmin%2F",
            password.replace(' ', "+"),
            token.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
        );
        post_form(&server.base, "/admin/login", &cookie, &body)
    };
    assert_eq!(login("second password").status, 303);
    assert_ne!(login("first password").status, 303);
}

#[test]
fn logs_can_be_json_lines_on_standard_error_only() {
    let dir = temp_dir();
    let output = run(&dir, &["--log-format", "json", "user", "list"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("ID\tLOGIN"), "the command's output only: {}", text(&output.stdout));
    let logs = text(&output.stderr);
    let lines: Vec<serde_json::Value> = logs.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"))).collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "applying migration"), "{logs}");
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string()), "{logs}");
}

#[test]
fn setup_makes_the_first_administrator_once() {
    let dir = temp_dir();
    // The empty blog's home page says how to begin.
    let server = serve(&dir, &[], &[]);
    assert!(get(&server.base, "/").body.contains("dateline setup"), "the empty blog points at setup");
    let without = run(&dir, &["setup"], None);
    assert_eq!(without.status.code(), Some(2), "no terminal: the login must be given");
    let output = run(&dir, &["setup", "--login", "boss", "--email", "boss@example.org"], Some("a good password\n"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(said.contains("created boss (administrator)") && said.contains("sign in as boss at /admin/"), "{said}");
    let again = run(&dir, &["setup", "--login", "other"], Some("another password\n"));
    assert!(text(&again.stdout).contains("already has an administrator (boss)"), "{}", text(&again.stdout));
    assert_eq!(run(&dir, &["user", "list"], None).stdout.iter().filter(|b| **b == b'\n').count(), 2, "one account");
    // The server notices the account (written by another process) and stops pointing at setup.
    let started = std::time::Instant::now();
    while get(&server.base, "/").body.contains("dateline setup") && started.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!get(&server.base, "/").body.contains("dateline setup"));
}

/// The shell meets the admin's account rules (one copy, `dateline_app::accounts`): before, it
/// took any login without spaces and any email text, which the Users page refused.
#[test]
fn the_shell_refuses_the_logins_and_addresses_the_admin_refuses() {
    let dir = temp_dir();
    for (args, words) in [
        (&["user", "add", "<b>x</b>", "--role", "author"][..], "is not a usable login"),
        (&["user", "add", "ñandú", "--role", "author"][..], "is not a usable login"),
        (&["user", "add", "ana", "--role", "author", "--email", "ana at example"][..], "is not an email address"),
        (&["setup", "--login", "bad login"][..], "is not a usable login"),
    ] {
        let refused = run(&dir, args, Some("a long enough password\n"));
        assert_eq!(refused.status.code(), Some(2), "dateline {args:?}");
        assert!(text(&refused.stderr).contains(words), "dateline {args:?}: {}", text(&refused.stderr));
    }
    let listing = run(&dir, &["user", "list"], None);
    assert_eq!(text(&listing.stdout).lines().count(), 1, "no account was made: {}", text(&listing.stdout));
}
