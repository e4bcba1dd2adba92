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
