//! Accounts, sessions, login throttling and API tokens.
//!
//! Passwords are argon2id PHC strings (`password-auth`); session and API tokens are 32 random
//! bytes given to the client once and stored only as SHA-256 digests, so a stolen database
//! opens no session. A session ends after 30 idle minutes or 12 hours in all; a login always
//! creates a new session (the web layer ends the old one). Login is throttled per account
//! (5 failures in 15 minutes) and per client address (20 in 15 minutes).

use std::sync::OnceLock;

use kuzet_register::{Action, Actor, Resource, ResourceKind, Role, UserId, can};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::audit::Change;
use crate::error::StoreError;
use crate::{ApiTokenId, Store, encode};

/// A session ends after this many seconds without a request.
pub const IDLE_SESSION_SECS: i64 = 30 * 60;
/// A session ends this many seconds after login, however active.
pub const ABSOLUTE_SESSION_SECS: i64 = 12 * 60 * 60;
/// Failed logins counted over this many seconds.
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// Failed logins of one account in the window after which it is throttled.
pub const LOGIN_FAILURE_LIMIT: usize = 5;
/// Failed logins from one client address in the window after which it is throttled (higher:
/// volunteers may share one address behind a NAT).
pub const ADDRESS_FAILURE_LIMIT: usize = 20;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// `last_seen_at` is written at most this often, so that reading pages is not a write each.
const LAST_SEEN_RESOLUTION_SECS: i64 = 60;

/// An account as listed to admins. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    /// `admin`, `coordinator`, `volunteer`, `analyst`.
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

/// The signed-in user behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    /// Every state-changing form must carry this token.
    pub csrf_token: String,
}

impl SessionUser {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, self.role)
    }
}

/// A new session: give `token` to the client (cookie) once; it is not stored in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: SessionUser,
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiTokenScope {
    /// View and export what the user's role may.
    Read,
    /// Also create and edit what the user's role may.
    Write,
}

impl ApiTokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiTokenScope::Read => "read",
            ApiTokenScope::Write => "write",
        }
    }

    pub fn parse(raw: &str) -> Option<ApiTokenScope> {
        match raw.trim() {
            "read" => Some(ApiTokenScope::Read),
            "write" => Some(ApiTokenScope::Write),
            _ => None,
        }
    }
}

/// A new API token: `token` is shown once and stored only as a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub id: ApiTokenId,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub user_id: i64,
    pub name: String,
    pub scopes: Vec<ApiTokenScope>,
    pub created_at: String,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// The user behind a valid API token, with the token's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    pub token_id: ApiTokenId,
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    pub scopes: Vec<ApiTokenScope>,
}

impl TokenUser {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, self.role)
    }

    /// Whether the token's scopes cover `action` (the role is checked separately by `can`).
    pub fn allows(&self, action: Action) -> bool {
        match action {
            Action::View | Action::Export => !self.scopes.is_empty(),
            _ => self.scopes.contains(&ApiTokenScope::Write),
        }
    }
}

fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn check_username(username: &str) -> Result<String, StoreError> {
    let name = username.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("username", "is empty"));
    }
    if name.chars().count() > 64 {
        return Err(StoreError::invalid(
            "username",
            "is longer than 64 characters",
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::invalid(
            "username",
            "may not contain spaces or control characters",
        ));
    }
    Ok(name.to_owned())
}

fn check_password(password: &str) -> Result<(), StoreError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(StoreError::invalid(
            "password",
            format!("has {length} characters; at least {MIN_PASSWORD_CHARS} are needed"),
        ));
    }
    if length > 1024 {
        return Err(StoreError::invalid(
            "password",
            "is longer than 1024 characters",
        ));
    }
    Ok(())
}

async fn hash_password(password: &str) -> Result<String, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|_| StoreError::corrupt("password hashing task failed"))
}

/// Verifies on a blocking thread: argon2id takes tens of milliseconds on purpose.
async fn password_matches(password: &str, hash: Option<String>) -> Result<bool, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        // An unknown user costs as much time as a known one, so timing does not reveal names.
        static DUMMY_HASH: OnceLock<String> = OnceLock::new();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| {
            DUMMY_HASH
                .get_or_init(|| password_auth::generate_hash("not a password"))
                .clone()
        });
        password_auth::verify_password(password, &hash).is_ok() && known
    })
    .await
    .map_err(|_| StoreError::corrupt("password check task failed"))
}

fn role_from_row(row: &SqliteRow) -> Result<Role, StoreError> {
    let role: String = row.try_get("role")?;
    Role::parse(&role).map_err(|_| StoreError::corrupt(format!("stored role `{role}` is unknown")))
}

fn user_row(row: &SqliteRow) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

fn user_json(id: i64, username: &str, role: Role, disabled: bool) -> serde_json::Value {
    serde_json::json!({ "id": id, "username": username, "role": role.as_str(), "disabled": disabled })
}

/// Seconds until the oldest failure that keeps the count at `limit` leaves the window, when
/// the count has reached `limit`.
fn retry_after(failures_ascending: &[i64], limit: usize, now: i64) -> Option<u64> {
    if failures_ascending.len() < limit {
        return None;
    }
    let deciding = failures_ascending[failures_ascending.len() - limit];
    Some((deciding + LOGIN_WINDOW_SECS - now).max(1) as u64)
}

impl Store {
    fn now_secs(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    fn require_manage_users(actor: &Actor) -> Result<(), StoreError> {
        if can(
            actor,
            Action::ManageUsers,
            &Resource::of(ResourceKind::User),
        ) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Creates an account. Needs `ManageUsers` (the CLI acts as `Actor::system()`).
    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<UserId, StoreError> {
        Store::require_manage_users(actor)?;
        let username = check_username(username)?;
        check_password(password)?;
        if role == Role::Public {
            return Err(StoreError::invalid(
                "role",
                "public is the role of visitors without an account",
            ));
        }
        let hash = hash_password(password).await?;
        let mut change = Change::begin(self, *actor).await?;
        let taken = sqlx::query("SELECT 1 FROM users WHERE username_key = ?")
            .bind(username_key(&username))
            .fetch_optional(&mut *change.tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "username",
                format!("`{username}` is taken"),
            ));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, username_key, password_hash, role, disabled, created_at)
             VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
        )
        .bind(&username)
        .bind(username_key(&username))
        .bind(&hash)
        .bind(role.as_str())
        .bind(&change.at)
        .fetch_one(&mut *change.tx)
        .await?
        .try_get("id")?;
        change
            .audit(
                "user",
                id,
                None,
                "create",
                None,
                Some(&user_json(id, &username, role, false)),
            )
            .await?;
        change.commit().await?;
        Ok(UserId(id))
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserRow>, StoreError> {
        Store::require_manage_users(actor)?;
        let rows = sqlx::query(
            "SELECT id, username, role, disabled, created_at FROM users ORDER BY username_key",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(user_row).collect()
    }

    /// The account named `username` (case-insensitive), for the CLI.
    pub async fn find_user(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        Store::require_manage_users(actor)?;
        let row = sqlx::query(
            "SELECT id, username, role, disabled, created_at FROM users WHERE username_key = ?",
        )
        .bind(username_key(username))
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_row).transpose()
    }

    /// Disables an account and ends its sessions; its API tokens stop working.
    pub async fn disable_user(&self, actor: &Actor, user: UserId) -> Result<(), StoreError> {
        self.set_disabled(actor, user, true).await
    }

    pub async fn enable_user(&self, actor: &Actor, user: UserId) -> Result<(), StoreError> {
        self.set_disabled(actor, user, false).await
    }

    async fn set_disabled(
        &self,
        actor: &Actor,
        user: UserId,
        disabled: bool,
    ) -> Result<(), StoreError> {
        Store::require_manage_users(actor)?;
        let mut change = Change::begin(self, *actor).await?;
        let row = sqlx::query("SELECT id, username, role, disabled FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut *change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let username: String = row.try_get("username")?;
        let role = role_from_row(&row)?;
        let was_disabled = row.try_get::<i64, _>("disabled")? != 0;
        sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(i64::from(disabled))
            .bind(user.0)
            .execute(&mut *change.tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(user.0)
                .execute(&mut *change.tx)
                .await?;
        }
        change
            .audit(
                "user",
                user.0,
                None,
                if disabled { "disable" } else { "enable" },
                Some(&user_json(user.0, &username, role, was_disabled)),
                Some(&user_json(user.0, &username, role, disabled)),
            )
            .await?;
        change.commit().await
    }

    /// Sets a new password and ends the account's sessions.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        user: UserId,
        new_password: &str,
    ) -> Result<(), StoreError> {
        Store::require_manage_users(actor)?;
        check_password(new_password)?;
        let hash = hash_password(new_password).await?;
        let mut change = Change::begin(self, *actor).await?;
        let updated = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(&hash)
            .bind(user.0)
            .execute(&mut *change.tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.0)
            .execute(&mut *change.tx)
            .await?;
        change
            .audit("user", user.0, None, "reset_password", None, None)
            .await?;
        change.commit().await
    }

    /// Changes an account's role; its sessions end so that the new role applies at once.
    pub async fn set_user_role(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        Store::require_manage_users(actor)?;
        if role == Role::Public {
            return Err(StoreError::invalid(
                "role",
                "public is the role of visitors without an account",
            ));
        }
        let mut change = Change::begin(self, *actor).await?;
        let row = sqlx::query("SELECT id, username, role, disabled FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut *change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let username: String = row.try_get("username")?;
        let old_role = role_from_row(&row)?;
        let disabled = row.try_get::<i64, _>("disabled")? != 0;
        sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(user.0)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.0)
            .execute(&mut *change.tx)
            .await?;
        change
            .audit(
                "user",
                user.0,
                None,
                "set_role",
                Some(&user_json(user.0, &username, old_role, disabled)),
                Some(&user_json(user.0, &username, role, disabled)),
            )
            .await?;
        change.commit().await
    }

    /// Signs in: checks the throttles, then the password, and creates a new session.
    ///
    /// A wrong password, an unknown user and a disabled account all give the same
    /// `WrongCredentials`, so that the answer does not reveal which accounts exist.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client_addr: &str,
    ) -> Result<NewSession, StoreError> {
        let now = self.now_secs();
        let key = username_key(username);
        let window_start = now - LOGIN_WINDOW_SECS;
        let failures = |column: &'static str, value: String| {
            let sql = match column {
                "username_key" => {
                    "SELECT at FROM login_attempts WHERE username_key = ? AND at > ? AND succeeded = 0 ORDER BY at"
                }
                _ => {
                    "SELECT at FROM login_attempts WHERE address = ? AND at > ? AND succeeded = 0 ORDER BY at"
                }
            };
            let read = self.read.clone();
            async move {
                let rows = sqlx::query(sql)
                    .bind(value)
                    .bind(window_start)
                    .fetch_all(&read)
                    .await?;
                rows.iter()
                    .map(|row| row.try_get::<i64, _>("at"))
                    .collect::<Result<Vec<i64>, sqlx::Error>>()
            }
        };
        let account_failures = failures("username_key", key.clone()).await?;
        let address_failures = failures("address", client_addr.to_owned()).await?;
        let throttle = [
            retry_after(&account_failures, LOGIN_FAILURE_LIMIT, now),
            retry_after(&address_failures, ADDRESS_FAILURE_LIMIT, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(retry_after_secs) = throttle {
            return Err(StoreError::Throttled { retry_after_secs });
        }

        let user = sqlx::query(
            "SELECT id, username, role, disabled, password_hash FROM users WHERE username_key = ?",
        )
        .bind(&key)
        .fetch_optional(&self.read)
        .await?;
        let hash = match &user {
            Some(row) => Some(row.try_get::<String, _>("password_hash")?),
            None => None,
        };
        // No password is longer than `check_password` allows; refusing longer ones unhashed
        // keeps a megabyte "password" from costing argon2 time (it still counts as a failure).
        let matches = password.len() <= 1024 && password_matches(password, hash).await?;
        let user = match user {
            Some(row) if matches && row.try_get::<i64, _>("disabled")? == 0 => row,
            _ => {
                sqlx::query("INSERT INTO login_attempts (username_key, address, at, succeeded) VALUES (?, ?, ?, 0)")
                    .bind(&key)
                    .bind(client_addr)
                    .bind(now)
                    .execute(&self.write)
                    .await?;
                return Err(StoreError::WrongCredentials);
            }
        };
        let user_id: i64 = user.try_get("id")?;
        let role = role_from_row(&user)?;
        let session_user = SessionUser {
            user_id: UserId(user_id),
            username: user.try_get("username")?,
            role,
            csrf_token: encode::random_token()?,
        };
        let token = encode::random_token()?;

        let mut change = Change::begin(self, Actor::user(UserId(user_id), role)).await?;
        // A success forgives the account's earlier failures (not the address's).
        sqlx::query("DELETE FROM login_attempts WHERE username_key = ? AND succeeded = 0")
            .bind(&key)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM login_attempts WHERE at <= ?")
            .bind(window_start)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE last_seen_at <= ? OR created_at <= ?")
            .bind(now - IDLE_SESSION_SECS)
            .bind(now - ABSOLUTE_SESSION_SECS)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
            .bind(encode::sha256_hex(&token))
            .bind(user_id)
            .bind(&session_user.csrf_token)
            .bind(now)
            .bind(now)
            .execute(&mut *change.tx)
            .await?;
        change
            .audit("user", user_id, None, "login", None, None)
            .await?;
        change.commit().await?;
        Ok(NewSession {
            token,
            csrf_token: session_user.csrf_token.clone(),
            user: session_user,
        })
    }

    /// The user behind a session token, or `None` when the token is unknown, expired (30 idle
    /// minutes, 12 hours in all) or its account disabled. Refreshes the idle timer.
    pub async fn session(&self, token: &str) -> Result<Option<SessionUser>, StoreError> {
        let now = self.now_secs();
        let token_hash = encode::sha256_hex(token);
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.username, u.role, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        )
        .bind(&token_hash)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        let last_seen_at: i64 = row.try_get("last_seen_at")?;
        let expired =
            now - last_seen_at >= IDLE_SESSION_SECS || now - created_at >= ABSOLUTE_SESSION_SECS;
        if expired || row.try_get::<i64, _>("disabled")? != 0 {
            sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(&token_hash)
                .execute(&self.write)
                .await?;
            return Ok(None);
        }
        if now - last_seen_at >= LAST_SEEN_RESOLUTION_SECS {
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(&token_hash)
                .execute(&self.write)
                .await?;
        }
        Ok(Some(SessionUser {
            user_id: UserId(row.try_get("user_id")?),
            username: row.try_get("username")?,
            role: role_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    /// Ends a session; an unknown token is not an error.
    pub async fn logout(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(encode::sha256_hex(token))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Creates an API token for the acting user.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[ApiTokenScope],
    ) -> Result<NewApiToken, StoreError> {
        let user = actor.user_id.ok_or(StoreError::Forbidden)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid("name", "must be 1–100 characters"));
        }
        if scopes.is_empty() {
            return Err(StoreError::invalid(
                "scopes",
                "give at least one of read, write",
            ));
        }
        let mut scope_names: Vec<&str> = scopes.iter().map(|scope| scope.as_str()).collect();
        scope_names.sort_unstable();
        scope_names.dedup();
        let token = format!("kzt_{}", encode::random_token()?);
        let mut change = Change::begin(self, *actor).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user.0)
        .bind(name)
        .bind(encode::sha256_hex(&token))
        .bind(scope_names.join(","))
        .bind(&change.at)
        .fetch_one(&mut *change.tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({ "user_id": user.0, "name": name, "scopes": scope_names });
        change
            .audit("api_token", id, None, "create", None, Some(&after))
            .await?;
        change.commit().await?;
        Ok(NewApiToken {
            id: ApiTokenId(id),
            token,
        })
    }

    /// The acting user's tokens; an admin sees everyone's.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenRow>, StoreError> {
        let all = Store::require_manage_users(actor).is_ok();
        let user = actor.user_id.map(|id| id.0);
        if !all && user.is_none() {
            return Err(StoreError::Forbidden);
        }
        let rows = sqlx::query(
            "SELECT id, user_id, name, scopes, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE ? OR user_id = ? ORDER BY id",
        )
        .bind(all)
        .bind(user)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let scopes: String = row.try_get("scopes")?;
                Ok(ApiTokenRow {
                    id: ApiTokenId(row.try_get("id")?),
                    user_id: row.try_get("user_id")?,
                    name: row.try_get("name")?,
                    scopes: scopes.split(',').filter_map(ApiTokenScope::parse).collect(),
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    revoked: row.try_get::<Option<String>, _>("revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Revokes a token: the owner's own, or any for an admin.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        token: ApiTokenId,
    ) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let row = sqlx::query("SELECT user_id, revoked_at FROM api_tokens WHERE id = ?")
            .bind(token.0)
            .fetch_optional(&mut *change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let owner: i64 = row.try_get("user_id")?;
        if actor.user_id != Some(UserId(owner)) && Store::require_manage_users(actor).is_err() {
            return Err(StoreError::Forbidden);
        }
        if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
            return Ok(());
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ?")
            .bind(&change.at)
            .bind(token.0)
            .execute(&mut *change.tx)
            .await?;
        change
            .audit("api_token", token.0, None, "revoke", None, None)
            .await?;
        change.commit().await
    }

    /// The user behind an API token, or `None` when unknown, revoked or the account disabled.
    pub async fn api_token(&self, token: &str) -> Result<Option<TokenUser>, StoreError> {
        let token_hash = encode::sha256_hex(token);
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.scopes, t.last_used_at, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0",
        )
        .bind(&token_hash)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = self.now_secs();
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|at| now - at >= LAST_SEEN_RESOLUTION_SECS) {
            sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(&token_hash)
                .execute(&self.write)
                .await?;
        }
        let scopes: String = row.try_get("scopes")?;
        Ok(Some(TokenUser {
            token_id: ApiTokenId(row.try_get("id")?),
            user_id: UserId(row.try_get("user_id")?),
            username: row.try_get("username")?,
            role: role_from_row(&row)?,
            scopes: scopes.split(',').filter_map(ApiTokenScope::parse).collect(),
        }))
    }
}
