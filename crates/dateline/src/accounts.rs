//! `dateline setup` and `dateline user …`: accounts from the shell. The first administrator
//! (asked for interactively), then: create one, list them, set a new password (which signs the
//! account out everywhere), change a role or delete (never leaving the blog without an
//! administrator), and make application passwords for API clients.

use dateline_app::accounts::{self as rules, AccountRefusal, MIN_PASSWORD_CHARS, NewAccount};
use dateline_core::{AccountStore, Role, Store, User};

use crate::cli::UserCommand;
use crate::{Failure, open_store, usage};

pub(crate) async fn run(db: &str, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Add { name, role, email, display_name } => add(db, &name, &role, email, display_name).await,
        UserCommand::List => list(db).await,
        UserCommand::Passwd { name } => passwd(db, &name).await,
        UserCommand::Role { name, role } => set_role(db, &name, &role).await,
        UserCommand::Delete { name, reassign_to } => delete(db, &name, &reassign_to).await,
        UserCommand::AppPassword { name, label } => app_password(db, &name, &label).await,
    }
}

fn parse_role(role: &str) -> Result<Role, Failure> {
    Role::parse(role).ok_or_else(|| usage(format!("--role {role:?} is not one of: {}", Role::expected())))
}

/// The password piped on standard input (one line), or a new one generated when none is
/// (`true`: it must be shown, once).
fn password_to_set() -> Result<(String, bool), Failure> {
    use std::io::{BufRead, IsTerminal};
    let piped = if std::io::stdin().is_terminal() {
        None
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Some(line.trim_end_matches(['\n', '\r']).to_string()).filter(|p| !p.is_empty())
    };
    if let Some(password) = &piped {
        rules::check_password(password).map_err(refused)?;
    }
    Ok(match piped {
        Some(password) => (password, false),
        None => (dateline_app::passwords::new_app_password().replace(' ', ""), true),
    })
}

/// A refusal of the account rules as the command line says it: the usage error (exit 2).
fn refused(refusal: AccountRefusal) -> Failure {
    match refusal {
        AccountRefusal::Store(err) => err.into(),
        AccountRefusal::ShortPassword => usage(format!("the password must be at least {MIN_PASSWORD_CHARS} characters long")),
        other => usage(other),
    }
}

fn show_generated(password: &str) {
    println!("password: {password}");
    println!("(shown once: keep it somewhere safe)");
}

async fn account(store: &dyn Store, name: &str) -> Result<User, Failure> {
    Ok(store.user_credentials(name).await?.ok_or_else(|| usage(format!("there is no account {name:?} (see `dateline user list`)")))?.0)
}

/// Creates the account (the rules every door applies) and says so.
async fn create(
    store: &dyn Store,
    login: &str,
    role: Role,
    email: Option<String>,
    display_name: Option<String>,
    password: &str,
) -> Result<User, Failure> {
    let account = NewAccount { login: login.to_string(), display_name, email, role, password: password.to_string() };
    let created = rules::create(store, account).await.map_err(refused)?;
    println!("created {} ({}), id {}", created.login, created.role, created.id);
    Ok(created)
}

async fn add(db: &str, name: &str, role: &str, email: Option<String>, display_name: Option<String>) -> Result<(), Failure> {
    let role = parse_role(role)?;
    let login = name.trim();
    rules::check_login(login).map_err(refused)?;
    let (password, generated) = password_to_set()?;
    let store = open_store(db).await?;
    create(store.as_ref(), login, role, email, display_name, &password).await?;
    if generated {
        show_generated(&password);
    }
    Ok(())
}

/// One line typed at a prompt (empty when the user just presses Enter).
fn ask(prompt: &str) -> Result<String, Failure> {
    use std::io::{BufRead, Write};
    print!("{prompt}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// A password typed twice without echo, long enough.
fn ask_password() -> Result<String, Failure> {
    loop {
        let first = rpassword::prompt_password(format!("Password (at least {MIN_PASSWORD_CHARS} characters, not shown): "))?;
        if rules::check_password(&first).is_err() {
            println!("That is shorter than {MIN_PASSWORD_CHARS} characters.");
            continue;
        }
        if rpassword::prompt_password("The same password again: ")? == first {
            return Ok(first);
        }
        println!("The two did not match; once more.");
    }
}

/// `dateline setup`: the first administrator, asked for in a terminal (or given by flags with
/// the password piped in). Does nothing when the blog has an administrator already.
pub(crate) async fn setup(db: &str, login: Option<String>, email: Option<String>, display_name: Option<String>) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let store = open_store(db).await?;
    if let Some(admin) = store.users().await?.into_iter().find(|u| u.role == Role::Administrator) {
        println!("This blog already has an administrator ({}). Add more accounts with `dateline user add`.", admin.login);
        return Ok(());
    }
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!("Creating the first administrator of this blog ({}).", dateline_store::redact(db));
    }
    let login = match login {
        Some(login) => login,
        None if interactive => ask("Login name [admin]").map(|l| if l.is_empty() { "admin".to_string() } else { l })?,
        None => return Err(usage("give --login NAME (and pipe the password in) when not run in a terminal")),
    };
    let login = login.trim().to_string();
    rules::check_login(&login).map_err(refused)?;
    let email = match email {
        Some(email) => Some(email),
        None if interactive => Some(ask("E-mail address (for notices; may be left empty)")?),
        None => None,
    };
    let (password, generated) = if interactive { (ask_password()?, false) } else { password_to_set()? };
    let user = create(store.as_ref(), &login, Role::Administrator, email, display_name, &password).await?;
    if generated {
        show_generated(&password);
    }
    println!("Next: `dateline serve`, then sign in as {} at /admin/ and write the first post.", user.login);
    Ok(())
}

/// One line per account, tab-separated, for people and for scripts.
async fn list(db: &str) -> Result<(), Failure> {
    let store = open_store(db).await?;
    let mut users = store.users().await?;
    users.sort_by_key(|u| u.id);
    println!("ID\tLOGIN\tROLE\tNAME\tEMAIL");
    for user in &users {
        let email = user.email.as_deref().unwrap_or("-");
        println!("{}\t{}\t{}\t{}\t{email}", user.id, user.login, user.role, user.display_name);
    }
    Ok(())
}

async fn passwd(db: &str, name: &str) -> Result<(), Failure> {
    let (password, generated) = password_to_set()?;
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    // Whoever had the old password is signed out too.
    rules::set_password(store.as_ref(), user.id, &password, None).await.map_err(refused)?;
    println!("new password set for {}; every session of the account has ended", user.login);
    if generated {
        show_generated(&password);
    }
    Ok(())
}

async fn set_role(db: &str, name: &str, role: &str) -> Result<(), Failure> {
    let role = parse_role(role)?;
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    rules::set_role(store.as_ref(), &user, role).await.map_err(refused)?;
    println!("{}: {} -> {role}", user.login, user.role);
    Ok(())
}

async fn delete(db: &str, name: &str, reassign_to: &str) -> Result<(), Failure> {
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    let heir = account(store.as_ref(), reassign_to).await?;
    if heir.id == user.id {
        return Err(usage("--reassign-to must name another account"));
    }
    let moved = rules::delete(store.as_ref(), &user, &heir).await.map_err(refused)?;
    println!("deleted {}; {moved} posts and pages now by {}", user.login, heir.login);
    Ok(())
}

async fn app_password(db: &str, name: &str, label: &str) -> Result<(), Failure> {
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    let password = dateline_app::passwords::new_app_password();
    // Spaces only group the characters for reading; they are not part of the password.
    let hash = dateline_app::passwords::hash_password(&password.replace(' ', "")).map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    store.create_app_password(user.id, label, &hash).await?;
    println!("application password for {} ({label}): {password}", user.login);
    println!("(shown once: use it with HTTP Basic as {}:<password>)", user.login);
    Ok(())
}
