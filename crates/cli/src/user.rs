//! `kuzet user`: add, list, disable, enable accounts and reset passwords; enrol and remove a
//! TOTP second factor, and require one of admins.
//!
//! The command acts as the system (whoever can run it can read the database file anyway); each
//! change is still written to the audit log. A password is read from standard input, or
//! generated and printed once on standard output; it never goes to a log or to standard error.
//!
//! This module also holds the small helpers that the register commands share (`import`,
//! `export`, `audit`): the runtime, opening an existing database, and acting as a named user.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kuzet_register::{Actor, Role, UserId};
use kuzet_store::{Store, StoreError, UserRow};

use crate::exit::InputError;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(clap::Subcommand)]
enum UserCommand {
    /// Create an account (the database is created if it does not exist yet).
    Add {
        username: String,
        /// admin, coordinator, volunteer or analyst.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        database: DatabaseArg,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        json: bool,
    },
    /// Disable an account and end its sessions.
    Disable {
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Enable a disabled account again.
    Enable {
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Set a new password (read from standard input or generated) and end the account's sessions.
    ResetPassword {
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Enrol a TOTP second factor: prints a new secret and its otpauth:// URI once, then reads
    /// the code an authenticator app shows for it from standard input; nothing is stored
    /// unless the code is right. Replaces any earlier secret.
    TotpEnable {
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Remove an account's TOTP second factor (e.g. a lost phone).
    TotpDisable {
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Require a TOTP second factor of admins to sign in to the web (`on`), or not (`off`).
    /// Without an argument, show the setting.
    RequireAdminTotp {
        /// on or off.
        state: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// `--database PATH`, shared by the register commands.
#[derive(clap::Args, Clone)]
pub struct DatabaseArg {
    /// The SQLite database file.
    #[arg(long, env = "KUZET_DATABASE", value_name = "PATH")]
    pub database: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        match args.command {
            UserCommand::Add { username, role, database, password_stdin } => {
                let role = Role::parse(&role).map_err(|error| InputError(error.to_string()))?;
                let store = open_store(&database.database, true).await?;
                let (password, generated) = password(password_stdin)?;
                let result = store.add_user(&Actor::system(), &username, &password, role).await;
                store.close().await;
                result.map_err(store_error)?;
                announce("created", &username, &password, generated)?;
            }
            UserCommand::List { database, json } => {
                let store = open_store(&database.database, false).await?;
                let users = store.list_users(&Actor::system()).await.map_err(store_error);
                store.close().await;
                print_users(&users?, json)?;
            }
            UserCommand::Disable { username, database } => {
                let store = open_store(&database.database, false).await?;
                let result = async {
                    let user = find_user(&store, &username).await?;
                    store.disable_user(&Actor::system(), UserId(user.id)).await.map_err(store_error)
                }
                .await;
                store.close().await;
                result?;
                println!("disabled {username}; their sessions are ended");
            }
            UserCommand::Enable { username, database } => {
                let store = open_store(&database.database, false).await?;
                let result = async {
                    let user = find_user(&store, &username).await?;
                    store.enable_user(&Actor::system(), UserId(user.id)).await.map_err(store_error)
                }
                .await;
                store.close().await;
                result?;
                println!("enabled {username}");
            }
            UserCommand::ResetPassword { username, database, password_stdin } => {
                let store = open_store(&database.database, false).await?;
                let (password, generated) = password(password_stdin)?;
                let result = async {
                    let user = find_user(&store, &username).await?;
                    store.reset_password(&Actor::system(), UserId(user.id), &password).await.map_err(store_error)
                }
                .await;
                store.close().await;
                result?;
                announce("password reset for", &username, &password, generated)?;
            }
            UserCommand::TotpEnable { username, database } => {
                let store = open_store(&database.database, false).await?;
                let result = enable_totp(&store, &username).await;
                store.close().await;
                result?;
                println!("TOTP enabled for {username}");
            }
            UserCommand::TotpDisable { username, database } => {
                let store = open_store(&database.database, false).await?;
                let result = async {
                    let user = find_user(&store, &username).await?;
                    store.disable_totp(&Actor::system(), UserId(user.id)).await.map_err(store_error)
                }
                .await;
                store.close().await;
                result?;
                println!("TOTP disabled for {username}");
            }
            UserCommand::RequireAdminTotp { state, database } => {
                let required = match state.as_deref().map(str::trim) {
                    None => None,
                    Some("on") => Some(true),
                    Some("off") => Some(false),
                    Some(other) => return Err(InputError(format!("`{other}` is not on or off")).into()),
                };
                let store = open_store(&database.database, false).await?;
                let result = async {
                    if let Some(required) = required {
                        store.set_require_admin_totp(&Actor::system(), required).await?;
                    }
                    store.require_admin_totp().await
                }
                .await;
                store.close().await;
                let required = result.map_err(store_error)?;
                println!("admins {} TOTP to sign in", if required { "need" } else { "do not need" });
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Shows a fresh secret on standard output, reads the confirming code from standard input and
/// stores the secret only when the code matches it now.
async fn enable_totp(store: &Store, username: &str) -> anyhow::Result<()> {
    let user = find_user(store, username).await?;
    let enrolment = kuzet_store::new_totp_enrolment(&user.username).map_err(store_error)?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "TOTP secret for {} (shown only now; type it or the URI into an authenticator app):", user.username)?;
        writeln!(out, "{}", enrolment.secret)?;
        writeln!(out, "{}", enrolment.uri)?;
        out.flush()?;
    }
    eprint!("code the app shows now: ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the code from standard input")?;
    let code: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        return Err(InputError("no code on standard input; TOTP is not enabled".into()).into());
    }
    store.enable_totp(&Actor::system(), UserId(user.id), &enrolment.secret, &code).await.map_err(store_error)
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password()?, true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(InputError("no password on standard input".into()).into());
    }
    Ok((password, false))
}

/// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I): about 100 bits.
fn generate_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    let mut password = String::with_capacity(bytes.len());
    while password.len() < 20 {
        getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no system randomness: {error}"))?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        for byte in bytes {
            if usize::from(byte) < limit && password.len() < 20 {
                password.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    Ok(password)
}

/// Prints the outcome; a generated password goes to standard output once, on its own line,
/// so that scripts can read it and nothing else keeps it.
fn announce(what: &str, username: &str, password: &str, generated: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if generated {
        writeln!(out, "{what} {username}; their password (shown only now):")?;
        writeln!(out, "{password}")?;
    } else {
        writeln!(out, "{what} {username}")?;
    }
    Ok(())
}

fn print_users(users: &[UserRow], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, users)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{:<24} {:<12} {:<9} {:<5} created", "username", "role", "state", "totp")?;
    for user in users {
        let state = if user.disabled { "disabled" } else { "active" };
        let totp = if user.totp { "yes" } else { "no" };
        writeln!(out, "{:<24} {:<12} {:<9} {:<5} {}", user.username, user.role, state, totp, user.created_at)?;
    }
    Ok(())
}

/// A current-thread runtime: the commands do one thing at a time.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// Opens the database at `path`. Only `user add` may create one: every other command on a
/// mistyped path should say so rather than create an empty database.
pub(crate) async fn open_store(path: &Path, create: bool) -> anyhow::Result<Store> {
    if !create && !path.exists() {
        return Err(InputError(format!("{}: no database here (create one with `kuzet user add` or `kuzet demo`)", path.display())).into());
    }
    let text = path.to_str().ok_or_else(|| InputError(format!("{}: the path is not UTF-8", path.display())))?;
    Store::open(text).await.map_err(store_error).with_context(|| format!("opening {}", path.display()))
}

/// The account named `username`, or an input error.
pub(crate) async fn find_user(store: &Store, username: &str) -> anyhow::Result<UserRow> {
    store
        .find_user(&Actor::system(), username)
        .await
        .map_err(store_error)?
        .ok_or_else(|| InputError(format!("no user named `{username}`")).into())
}

/// Acts as the user named `username`: the store's permission checks then apply to them.
pub(crate) async fn acting_user(store: &Store, username: &str) -> anyhow::Result<Actor> {
    let user = find_user(store, username).await?;
    if user.disabled {
        return Err(InputError(format!("the account `{username}` is disabled")).into());
    }
    let role = Role::parse(&user.role).map_err(|error| anyhow::anyhow!("stored role: {error}"))?;
    Ok(Actor::user(UserId(user.id), role))
}

/// Store errors the user caused (invalid value, forbidden, not found) exit with code 2.
pub(crate) fn store_error(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Invalid { .. } | StoreError::NotFound | StoreError::Conflict { .. } => InputError(error.to_string()).into(),
        StoreError::Forbidden => InputError("the acting user's role does not allow this".into()).into(),
        other => anyhow::Error::new(other),
    }
}
