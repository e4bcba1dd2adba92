//! `dateline user …`: accounts from the shell. Create one, list them, set a new password
//! (which signs the account out everywhere), change a role (never leaving the blog without an
//! administrator), and make application passwords for API clients.

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
    if piped.as_ref().is_some_and(|p| p.chars().count() < 8) {
        return Err(usage("the password must be at least 8 characters long"));
    }
    Ok(match piped {
        Some(password) => (password, false),
        None => (dateline_app::passwords::new_app_password().replace(' ', ""), true),
    })
}

fn hash(password: &str) -> Result<String, Failure> {
    dateline_app::passwords::hash_password(password).map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))
}

fn show_generated(password: &str) {
    println!("password: {password}");
    println!("(shown once: keep it somewhere safe)");
}

async fn account(store: &dyn Store, name: &str) -> Result<User, Failure> {
    Ok(store.user_credentials(name).await?.ok_or_else(|| usage(format!("there is no account {name:?} (see `dateline user list`)")))?.0)
}

async fn add(db: &str, name: &str, role: &str, email: Option<String>, display_name: Option<String>) -> Result<(), Failure> {
    let role = parse_role(role)?;
    let login = name.trim();
    if login.is_empty() || login.chars().any(|c| c.is_whitespace() || c.is_control()) || login.len() > 60 {
        return Err(usage(format!("{name:?} is not a usable login: use up to 60 characters without spaces")));
    }
    let (password, generated) = password_to_set()?;
    let store = open_store(db).await?;
    let user = dateline_core::accounts::NewUser {
        login: login.to_string(),
        display_name: display_name.unwrap_or_else(|| login.to_string()),
        email,
        role,
        password_hash: hash(&password)?,
    };
    let created = match store.create_user(user).await {
        Err(dateline_core::StoreError::Conflict(message)) => return Err(usage(message)),
        other => other?,
    };
    println!("created {} ({}), id {}", created.login, created.role, created.id);
    if generated {
        show_generated(&password);
    }
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
    store.set_password_hash(user.id, &hash(&password)?).await?;
    // Whoever had the old password is signed out too.
    store.end_other_sessions(user.id, "").await?;
    println!("new password set for {}; every session of the account has ended", user.login);
    if generated {
        show_generated(&password);
    }
    Ok(())
}

/// Refuses what would leave the blog without an administrator (`user` stops being one).
async fn keep_an_administrator(store: &dyn Store, user: &User) -> Result<(), Failure> {
    if user.role == Role::Administrator {
        let administrators = store.users().await?.iter().filter(|u| u.role == Role::Administrator).count();
        if administrators <= 1 {
            return Err(usage(format!("{} is the only administrator: make another one first", user.login)));
        }
    }
    Ok(())
}

async fn set_role(db: &str, name: &str, role: &str) -> Result<(), Failure> {
    let role = parse_role(role)?;
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    if role != Role::Administrator {
        keep_an_administrator(store.as_ref(), &user).await?;
    }
    store.set_role(user.id, role).await?;
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
    keep_an_administrator(store.as_ref(), &user).await?;
    let moved = store.delete_user(user.id, heir.id).await?;
    println!("deleted {}; {moved} posts and pages now by {}", user.login, heir.login);
    Ok(())
}

async fn app_password(db: &str, name: &str, label: &str) -> Result<(), Failure> {
    let store = open_store(db).await?;
    let user = account(store.as_ref(), name).await?;
    let password = dateline_app::passwords::new_app_password();
    // Spaces only group the characters for reading; they are not part of the password.
    store.create_app_password(user.id, label, &hash(&password.replace(' ', ""))?).await?;
    println!("application password for {} ({label}): {password}", user.login);
    println!("(shown once: use it with HTTP Basic as {}:<password>)", user.login);
    Ok(())
}
