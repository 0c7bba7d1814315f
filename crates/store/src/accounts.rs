//! Accounts, sessions, login throttling and API tokens.
//!
//! Passwords are argon2id PHC strings (`password-auth`); session and API tokens are 32 random
//! bytes given to the client once and stored only as SHA-256 digests, so a stolen database
//! opens no session. A session ends after 30 idle minutes or 12 hours in all; a login always
//! creates a new session (the web layer ends the old one). Login is throttled per account
//! (5 failures in 15 minutes) and per client address (20 in 15 minutes).
//!
//! An account may have a TOTP second factor ([`totp`], RFC 6238: HMAC-SHA-1, 6 digits, 30 s
//! steps, one step of clock drift either way). Sign-in is then two steps: the password gives a
//! pending login (a token stored as a digest, valid 5 minutes, bound to the client address,
//! opening nothing but the code step), and a current code turns it into a session. Wrong codes
//! count as failed logins for the throttles; a code is accepted once (the last accepted step is
//! stored). The setting `require_admin_totp` keeps admins without TOTP out of sign-in until
//! they enrol. The TOTP secret is stored in clear (the server must compute codes from it):
//! whoever reads the database file can compute codes, as they can read everything else in it.

use std::sync::OnceLock;

use kuzet_register::{Action, Actor, Resource, ResourceKind, Role, UserId, can};
use serde::Serialize;

use crate::audit::Change;
use crate::db::{self, DbRow};
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
/// A pending login (password checked, code owed) ends after this many seconds.
pub const PENDING_LOGIN_SECS: i64 = 5 * 60;
/// The settings key that keeps admins without TOTP from signing in.
const REQUIRE_ADMIN_TOTP: &str = "require_admin_totp";
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
    /// Whether the account has a TOTP second factor.
    pub totp: bool,
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

/// What a correct password leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    /// Signed in: no second factor is needed.
    Session(NewSession),
    /// The account has TOTP: finish with [`Store::finish_login`] and a current code.
    CodeNeeded(PendingLogin),
    /// The account is an admin without TOTP while `require_admin_totp` is set: no session
    /// until they enrol (`kuzet user totp-enable`).
    TotpEnrolmentRequired,
}

/// A password checked, a code owed: give `token` to the client once; it is stored only as a
/// digest, ends after [`PENDING_LOGIN_SECS`] and is not a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub token: String,
}

/// A TOTP secret being enrolled: show `secret` and `uri` to the user once, then confirm with
/// [`Store::enable_totp`] and a code their authenticator app computes from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// Base32 (RFC 4648, no padding), to type into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/Kuzet:<username>?secret=…&issuer=Kuzet`, for apps that read a URI.
    pub uri: String,
}

/// TOTP (RFC 6238) with HMAC-SHA-1, [`totp::DIGITS`] digits and [`totp::STEP_SECS`]-second
/// steps, and the base32 encoding (RFC 4648, no padding) of its secrets.
pub mod totp {
    use hmac::{Hmac, KeyInit, Mac};

    pub const STEP_SECS: i64 = 30;
    pub const DIGITS: u32 = 6;
    /// Bytes of a new secret: 160 bits, the size of an HMAC-SHA-1 output (RFC 4226).
    pub const SECRET_BYTES: usize = 20;
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// The time step of a Unix time (RFC 6238, T0 = 0).
    pub fn step_at(unix_secs: i64) -> i64 {
        unix_secs.div_euclid(STEP_SECS)
    }

    /// The HOTP value (RFC 4226) of `secret` at counter `step`, `digits` digits long with
    /// leading zeros.
    pub fn code(secret: &[u8], step: u64, digits: u32) -> String {
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
        mac.update(&step.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        // Dynamic truncation: the low nibble of the last byte picks four bytes.
        let offset = usize::from(hash[hash.len() - 1] & 0x0f);
        let value = u32::from_be_bytes([
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ]);
        let modulus = 10u64.pow(digits);
        format!(
            "{:0width$}",
            u64::from(value) % modulus,
            width = digits as usize
        )
    }

    /// Base32 without padding, upper case.
    pub fn base32_encode(bytes: &[u8]) -> String {
        let mut text = String::with_capacity(bytes.len().div_ceil(5) * 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &byte in bytes {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                text.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
            }
        }
        if bits > 0 {
            text.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
        }
        text
    }

    /// Decodes base32, ignoring case, spaces, hyphens and `=` padding; `None` on any other
    /// character.
    pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
        let mut bytes = Vec::with_capacity(text.len() * 5 / 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in text.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
            let upper = c.to_ascii_uppercase();
            let value = BASE32.iter().position(|&b| char::from(b) == upper)? as u32;
            buffer = (buffer << 5) | value;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push((buffer >> bits) as u8);
            }
            buffer &= (1 << bits) - 1;
        }
        Some(bytes)
    }

    /// The `otpauth://` URI of a base32 secret, which authenticator apps read (typed, pasted
    /// or from a QR code made of it).
    pub fn uri(username: &str, secret: &str) -> String {
        let label: String = username
            .trim()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        format!(
            "otpauth://totp/Kuzet:{label}?secret={secret}&issuer=Kuzet&algorithm=SHA1&digits=6&period=30"
        )
    }

    /// The step among `now_step - 1 ..= now_step + 1` whose code is `code`, if any. Compares
    /// every candidate in full so that timing does not tell which digits were right.
    pub fn matching_step(secret: &[u8], code: &str, now_step: i64) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut found = None;
        for step in [now_step - 1, now_step, now_step + 1] {
            let Ok(counter) = u64::try_from(step) else {
                continue;
            };
            let expected = self::code(secret, counter, DIGITS);
            let same = expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
            if same && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// A fresh TOTP secret for `username` and its `otpauth://` URI. Nothing is stored yet.
pub fn new_totp_enrolment(username: &str) -> Result<TotpEnrolment, StoreError> {
    let mut bytes = [0u8; totp::SECRET_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| StoreError::corrupt(format!("no randomness from the system: {error}")))?;
    let secret = totp::base32_encode(&bytes);
    let uri = totp::uri(username, &secret);
    Ok(TotpEnrolment { secret, uri })
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiTokenScope {
    /// View and export what the user's role may.
    Read,
    /// Also create and edit what the user's role may.
    Write,
    /// Only send observers' protocols (and their photos) and see the elections they belong
    /// to: a token for a field app that must not read the register.
    Submit,
}

impl ApiTokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiTokenScope::Read => "read",
            ApiTokenScope::Write => "write",
            ApiTokenScope::Submit => "submit",
        }
    }

    pub fn parse(raw: &str) -> Option<ApiTokenScope> {
        match raw.trim() {
            "read" => Some(ApiTokenScope::Read),
            "write" => Some(ApiTokenScope::Write),
            "submit" => Some(ApiTokenScope::Submit),
            _ => None,
        }
    }

    /// Whether this scope covers `action` on a resource of `kind` (the role is checked
    /// separately by `can`).
    pub fn covers(self, action: Action, kind: ResourceKind) -> bool {
        match self {
            ApiTokenScope::Read => matches!(action, Action::View | Action::Export),
            ApiTokenScope::Write => true,
            ApiTokenScope::Submit => matches!(
                (action, kind),
                (Action::Create, ResourceKind::Submission) | (Action::View, ResourceKind::Election)
            ),
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
            // A submit-only token reads nothing of the register.
            Action::View | Action::Export => self
                .scopes
                .iter()
                .any(|scope| matches!(scope, ApiTokenScope::Read | ApiTokenScope::Write)),
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

fn role_from_row(row: &DbRow) -> Result<Role, StoreError> {
    let role: String = row.try_get("role")?;
    Role::parse(&role).map_err(|_| StoreError::corrupt(format!("stored role `{role}` is unknown")))
}

fn user_row(row: &DbRow) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
        totp: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
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
        let taken = db::query("SELECT 1 FROM users WHERE username_key = ?")
            .bind(username_key(&username))
            .fetch_optional(&mut change.tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "username",
                format!("`{username}` is taken"),
            ));
        }
        let id: i64 = db::query(
            "INSERT INTO users (username, username_key, password_hash, role, disabled, created_at)
             VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
        )
        .bind(&username)
        .bind(username_key(&username))
        .bind(&hash)
        .bind(role.as_str())
        .bind(&change.at)
        .fetch_one(&mut change.tx)
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
        let rows = db::query(
            "SELECT id, username, role, disabled, created_at, totp_secret FROM users ORDER BY username_key",
        )
        .fetch_all(self.db_read())
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
        let row = db::query(
            "SELECT id, username, role, disabled, created_at, totp_secret FROM users WHERE username_key = ?",
        )
        .bind(username_key(username))
        .fetch_optional(self.db_read())
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
        let row = db::query("SELECT id, username, role, disabled FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let username: String = row.try_get("username")?;
        let role = role_from_row(&row)?;
        let was_disabled = row.try_get::<i64, _>("disabled")? != 0;
        db::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(i64::from(disabled))
            .bind(user.0)
            .execute(&mut change.tx)
            .await?;
        if disabled {
            db::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(user.0)
                .execute(&mut change.tx)
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
        let updated = db::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(&hash)
            .bind(user.0)
            .execute(&mut change.tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        db::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.0)
            .execute(&mut change.tx)
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
        let row = db::query("SELECT id, username, role, disabled FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let username: String = row.try_get("username")?;
        let old_role = role_from_row(&row)?;
        let disabled = row.try_get::<i64, _>("disabled")? != 0;
        db::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(user.0)
            .execute(&mut change.tx)
            .await?;
        db::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.0)
            .execute(&mut change.tx)
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

    /// Signs in an account without a second factor: [`Store::begin_login`] when it gives a
    /// session. An account that owes a TOTP code (or must enrol first) gets `Forbidden`: only
    /// the two-step flow may sign it in.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client_addr: &str,
    ) -> Result<NewSession, StoreError> {
        match self.begin_login(username, password, client_addr).await? {
            LoginStep::Session(session) => Ok(session),
            LoginStep::CodeNeeded(pending) => {
                db::query("DELETE FROM pending_logins WHERE token_hash = ?")
                    .bind(encode::sha256_hex(&pending.token))
                    .execute(self.db_write())
                    .await?;
                Err(StoreError::Forbidden)
            }
            LoginStep::TotpEnrolmentRequired => Err(StoreError::Forbidden),
        }
    }

    /// Seconds to wait when the account or the address has failed too often, else `None`.
    async fn throttled(
        &self,
        key: &str,
        client_addr: &str,
        now: i64,
    ) -> Result<Option<u64>, StoreError> {
        let window_start = now - LOGIN_WINDOW_SECS;
        let mut waits = Vec::new();
        for (sql, value, limit) in [
            (
                "SELECT at FROM login_attempts WHERE username_key = ? AND at > ? AND succeeded = 0 ORDER BY at",
                key,
                LOGIN_FAILURE_LIMIT,
            ),
            (
                "SELECT at FROM login_attempts WHERE address = ? AND at > ? AND succeeded = 0 ORDER BY at",
                client_addr,
                ADDRESS_FAILURE_LIMIT,
            ),
        ] {
            let rows = db::query(sql)
                .bind(value)
                .bind(window_start)
                .fetch_all(self.db_read())
                .await?;
            let failures = rows
                .iter()
                .map(|row| row.try_get::<i64, _>("at"))
                .collect::<Result<Vec<i64>, sqlx::Error>>()?;
            waits.extend(retry_after(&failures, limit, now));
        }
        Ok(waits.into_iter().max())
    }

    async fn record_failure(
        &self,
        key: &str,
        client_addr: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO login_attempts (username_key, address, at, succeeded) VALUES (?, ?, ?, 0)",
        )
        .bind(key)
        .bind(client_addr)
        .bind(now)
        .execute(self.db_write())
        .await?;
        Ok(())
    }

    /// Whether admins without TOTP are kept from signing in. Off until set.
    pub async fn require_admin_totp(&self) -> Result<bool, StoreError> {
        let value: Option<String> = db::query("SELECT value FROM settings WHERE key = ?")
            .bind(REQUIRE_ADMIN_TOTP)
            .fetch_optional(self.db_read())
            .await?
            .map(|row| row.try_get("value"))
            .transpose()?;
        Ok(value.as_deref() == Some("1"))
    }

    /// Sets whether admins must have TOTP to sign in. Needs `ManageUsers`; audited.
    pub async fn set_require_admin_totp(
        &self,
        actor: &Actor,
        required: bool,
    ) -> Result<(), StoreError> {
        Store::require_manage_users(actor)?;
        let before = self.require_admin_totp().await?;
        let mut change = Change::begin(self, *actor).await?;
        db::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(REQUIRE_ADMIN_TOTP)
            .bind(if required { "1" } else { "0" })
            .execute(&mut change.tx)
            .await?;
        change
            .audit(
                "setting",
                0,
                None,
                "set",
                Some(&serde_json::json!({ REQUIRE_ADMIN_TOTP: before })),
                Some(&serde_json::json!({ REQUIRE_ADMIN_TOTP: required })),
            )
            .await?;
        change.commit().await
    }

    /// Checks a TOTP secret with a code computed from it and stores it as the account's second
    /// factor (replacing any earlier one). The user themselves or `ManageUsers` (the CLI acts
    /// as the system). The confirming code's step counts as used. The audit record says that
    /// TOTP was enabled, never the secret.
    pub async fn enable_totp(
        &self,
        actor: &Actor,
        user: UserId,
        secret: &str,
        code: &str,
    ) -> Result<(), StoreError> {
        if actor.user_id != Some(user) {
            Store::require_manage_users(actor)?;
        }
        let bytes = totp::base32_decode(secret)
            .filter(|bytes| bytes.len() >= 16)
            .ok_or_else(|| {
                StoreError::invalid("secret", "is not a base32 TOTP secret of at least 128 bits")
            })?;
        let step =
            totp::matching_step(&bytes, code, totp::step_at(self.now_secs())).ok_or_else(|| {
                StoreError::invalid(
                    "code",
                    "does not match the secret at this time (check the device's clock)",
                )
            })?;
        let mut change = Change::begin(self, *actor).await?;
        change
            .replace_totp(user, Some((totp::base32_encode(&bytes), step)))
            .await?;
        change.commit().await
    }

    /// Whether the account has a TOTP second factor.
    pub async fn totp_enabled(&self, user: UserId) -> Result<bool, StoreError> {
        let secret: Option<Option<String>> =
            db::query("SELECT totp_secret FROM users WHERE id = ?")
                .bind(user.0)
                .fetch_optional(self.db_read())
                .await?
                .map(|row| row.try_get("totp_secret"))
                .transpose()?;
        Ok(secret.ok_or(StoreError::NotFound)?.is_some())
    }

    /// Checks the signed-in user's password again before a sensitive change of their own
    /// account (enrolling TOTP on the web), so that a stolen session alone cannot make it.
    /// Throttled and counted like sign-in failures.
    pub async fn confirm_password(
        &self,
        user: UserId,
        password: &str,
        client_addr: &str,
    ) -> Result<(), StoreError> {
        let now = self.now_secs();
        let row = db::query("SELECT username_key, password_hash FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(self.db_read())
            .await?
            .ok_or(StoreError::NotFound)?;
        let key: String = row.try_get("username_key")?;
        if let Some(retry_after_secs) = self.throttled(&key, client_addr, now).await? {
            return Err(StoreError::Throttled { retry_after_secs });
        }
        let hash: String = row.try_get("password_hash")?;
        if password.len() <= 1024 && password_matches(password, Some(hash)).await? {
            Ok(())
        } else {
            self.record_failure(&key, client_addr, now).await?;
            Err(StoreError::WrongCredentials)
        }
    }

    /// Removes an account's second factor and its pending logins. The user themselves or
    /// `ManageUsers`; audited. Not an error when it had none.
    pub async fn disable_totp(&self, actor: &Actor, user: UserId) -> Result<(), StoreError> {
        if actor.user_id != Some(user) {
            Store::require_manage_users(actor)?;
        }
        let mut change = Change::begin(self, *actor).await?;
        change.replace_totp(user, None).await?;
        db::query("DELETE FROM pending_logins WHERE user_id = ?")
            .bind(user.0)
            .execute(&mut change.tx)
            .await?;
        change.commit().await
    }

    /// The first step of signing in: checks the throttles, then the password. Gives a session,
    /// or a pending login when the account has TOTP, or says an admin must enrol first.
    ///
    /// A wrong password, an unknown user and a disabled account all give the same
    /// `WrongCredentials`, so that the answer does not reveal which accounts exist; whether an
    /// account has TOTP is told only after its password.
    pub async fn begin_login(
        &self,
        username: &str,
        password: &str,
        client_addr: &str,
    ) -> Result<LoginStep, StoreError> {
        let now = self.now_secs();
        let key = username_key(username);
        if let Some(retry_after_secs) = self.throttled(&key, client_addr, now).await? {
            return Err(StoreError::Throttled { retry_after_secs });
        }

        let user = db::query(
            "SELECT id, username, role, disabled, password_hash, totp_secret FROM users WHERE username_key = ?",
        )
        .bind(&key)
        .fetch_optional(self.db_read())
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
                self.record_failure(&key, client_addr, now).await?;
                return Err(StoreError::WrongCredentials);
            }
        };
        let user_id: i64 = user.try_get("id")?;
        let role = role_from_row(&user)?;
        let username: String = user.try_get("username")?;
        if user.try_get::<Option<String>, _>("totp_secret")?.is_some() {
            let token = encode::random_token()?;
            let mut tx = self.db_begin().await?;
            db::query("DELETE FROM pending_logins WHERE created_at <= ?")
                .bind(now - PENDING_LOGIN_SECS)
                .execute(&mut tx)
                .await?;
            db::query("INSERT INTO pending_logins (token_hash, user_id, address, created_at) VALUES (?, ?, ?, ?)")
                .bind(encode::sha256_hex(&token))
                .bind(user_id)
                .bind(client_addr)
                .bind(now)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            return Ok(LoginStep::CodeNeeded(PendingLogin { token }));
        }
        if role == Role::Admin && self.require_admin_totp().await? {
            return Ok(LoginStep::TotpEnrolmentRequired);
        }
        let session = self
            .open_session(UserId(user_id), username, role, &key, now, None)
            .await?;
        Ok(LoginStep::Session(session))
    }

    /// The second step: a current TOTP code for a pending login gives a session.
    ///
    /// An unknown, expired or other-address pending login is `NotFound` (sign in again). A
    /// wrong or already used code is `WrongCredentials` and counts as a failed login of the
    /// account and the address; the pending login stays for another try until it expires.
    pub async fn finish_login(
        &self,
        pending_token: &str,
        code: &str,
        client_addr: &str,
    ) -> Result<NewSession, StoreError> {
        let now = self.now_secs();
        let token_hash = encode::sha256_hex(pending_token);
        let row = db::query(
            "SELECT p.user_id, p.address, p.created_at, u.username, u.username_key, u.role, u.disabled,
                    u.totp_secret, u.totp_last_step
             FROM pending_logins p JOIN users u ON u.id = p.user_id WHERE p.token_hash = ?",
        )
        .bind(&token_hash)
        .fetch_optional(self.db_read())
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound);
        };
        let created_at: i64 = row.try_get("created_at")?;
        let address: String = row.try_get("address")?;
        let secret: Option<String> = row.try_get("totp_secret")?;
        let usable = now - created_at < PENDING_LOGIN_SECS
            && row.try_get::<i64, _>("disabled")? == 0
            && secret.is_some();
        if !usable {
            db::query("DELETE FROM pending_logins WHERE token_hash = ?")
                .bind(&token_hash)
                .execute(self.db_write())
                .await?;
            return Err(StoreError::NotFound);
        }
        if address != client_addr {
            return Err(StoreError::NotFound);
        }
        let key: String = row.try_get("username_key")?;
        if let Some(retry_after_secs) = self.throttled(&key, client_addr, now).await? {
            return Err(StoreError::Throttled { retry_after_secs });
        }
        let bytes = secret
            .as_deref()
            .and_then(totp::base32_decode)
            .ok_or_else(|| StoreError::corrupt("stored TOTP secret is not base32"))?;
        let last_step: Option<i64> = row.try_get("totp_last_step")?;
        let step = totp::matching_step(&bytes, code, totp::step_at(now))
            .filter(|step| last_step.is_none_or(|last| *step > last));
        let Some(step) = step else {
            self.record_failure(&key, client_addr, now).await?;
            return Err(StoreError::WrongCredentials);
        };
        let user_id = UserId(row.try_get("user_id")?);
        let role = role_from_row(&row)?;
        let username: String = row.try_get("username")?;
        match self
            .open_session(
                user_id,
                username,
                role,
                &key,
                now,
                Some((&token_hash, step)),
            )
            .await
        {
            // Another request used the same code first: a replay.
            Err(StoreError::Conflict { .. }) => {
                self.record_failure(&key, client_addr, now).await?;
                Err(StoreError::WrongCredentials)
            }
            other => other,
        }
    }

    /// Creates a session after a successful sign-in, in one audited transaction. With
    /// `totp = Some((pending token digest, step))`, also uses up the pending login and marks
    /// the code's step as used, or fails with `Conflict` when that step (or a later one) was
    /// used meanwhile.
    async fn open_session(
        &self,
        user_id: UserId,
        username: String,
        role: Role,
        key: &str,
        now: i64,
        totp: Option<(&str, i64)>,
    ) -> Result<NewSession, StoreError> {
        let session_user = SessionUser {
            user_id,
            username,
            role,
            csrf_token: encode::random_token()?,
        };
        let token = encode::random_token()?;
        let window_start = now - LOGIN_WINDOW_SECS;

        let mut change = Change::begin(self, Actor::user(user_id, role)).await?;
        if let Some((pending_hash, step)) = totp {
            let used = db::query(
                "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            )
            .bind(step)
            .bind(user_id.0)
            .bind(step)
            .execute(&mut change.tx)
            .await?;
            if used.rows_affected() == 0 {
                return Err(StoreError::Conflict { current_version: 0 });
            }
            db::query("DELETE FROM pending_logins WHERE token_hash = ?")
                .bind(pending_hash)
                .execute(&mut change.tx)
                .await?;
        }
        // A success forgives the account's earlier failures (not the address's).
        db::query("DELETE FROM login_attempts WHERE username_key = ? AND succeeded = 0")
            .bind(key)
            .execute(&mut change.tx)
            .await?;
        db::query("DELETE FROM login_attempts WHERE at <= ?")
            .bind(window_start)
            .execute(&mut change.tx)
            .await?;
        db::query("DELETE FROM sessions WHERE last_seen_at <= ? OR created_at <= ?")
            .bind(now - IDLE_SESSION_SECS)
            .bind(now - ABSOLUTE_SESSION_SECS)
            .execute(&mut change.tx)
            .await?;
        db::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
            .bind(encode::sha256_hex(&token))
            .bind(user_id.0)
            .bind(&session_user.csrf_token)
            .bind(now)
            .bind(now)
            .execute(&mut change.tx)
            .await?;
        let after = totp.map(|_| serde_json::json!({ "second_factor": "totp" }));
        change
            .audit("user", user_id.0, None, "login", None, after.as_ref())
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
        let row = db::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.username, u.role, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        )
        .bind(&token_hash)
        .fetch_optional(self.db_read())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        let last_seen_at: i64 = row.try_get("last_seen_at")?;
        let expired =
            now - last_seen_at >= IDLE_SESSION_SECS || now - created_at >= ABSOLUTE_SESSION_SECS;
        if expired || row.try_get::<i64, _>("disabled")? != 0 {
            db::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(&token_hash)
                .execute(self.db_write())
                .await?;
            return Ok(None);
        }
        if now - last_seen_at >= LAST_SEEN_RESOLUTION_SECS {
            db::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(&token_hash)
                .execute(self.db_write())
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
        db::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(encode::sha256_hex(token))
            .execute(self.db_write())
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
        let id: i64 = db::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user.0)
        .bind(name)
        .bind(encode::sha256_hex(&token))
        .bind(scope_names.join(","))
        .bind(&change.at)
        .fetch_one(&mut change.tx)
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
        let rows = db::query(
            "SELECT id, user_id, name, scopes, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE ? = 1 OR user_id = ? ORDER BY id",
        )
        .bind(i64::from(all))
        .bind(user)
        .fetch_all(self.db_read())
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
        let row = db::query("SELECT user_id, revoked_at FROM api_tokens WHERE id = ?")
            .bind(token.0)
            .fetch_optional(&mut change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let owner: i64 = row.try_get("user_id")?;
        if actor.user_id != Some(UserId(owner)) && Store::require_manage_users(actor).is_err() {
            return Err(StoreError::Forbidden);
        }
        if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
            return Ok(());
        }
        db::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ?")
            .bind(&change.at)
            .bind(token.0)
            .execute(&mut change.tx)
            .await?;
        change
            .audit("api_token", token.0, None, "revoke", None, None)
            .await?;
        change.commit().await
    }

    /// The user behind an API token, or `None` when unknown, revoked or the account disabled.
    pub async fn api_token(&self, token: &str) -> Result<Option<TokenUser>, StoreError> {
        let token_hash = encode::sha256_hex(token);
        let row = db::query(
            "SELECT t.id, t.user_id, t.scopes, t.last_used_at, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0",
        )
        .bind(&token_hash)
        .fetch_optional(self.db_read())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = self.now_secs();
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|at| now - at >= LAST_SEEN_RESOLUTION_SECS) {
            db::query("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(&token_hash)
                .execute(self.db_write())
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

impl Change {
    /// Sets an account's TOTP secret and last used step (`None`: removes its second factor),
    /// with an audit record saying whether it had one before; the secret itself is never
    /// audited.
    async fn replace_totp(
        &mut self,
        user: UserId,
        secret_and_step: Option<(String, i64)>,
    ) -> Result<(), StoreError> {
        let row = db::query("SELECT totp_secret FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let had = row.try_get::<Option<String>, _>("totp_secret")?.is_some();
        let enabled = secret_and_step.is_some();
        let (secret, step) = secret_and_step.unzip();
        db::query("UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?")
            .bind(secret)
            .bind(step)
            .bind(user.0)
            .execute(&mut self.tx)
            .await?;
        let action = if enabled {
            "totp_enable"
        } else {
            "totp_disable"
        };
        self.audit(
            "user",
            user.0,
            None,
            action,
            Some(&serde_json::json!({ "totp": had })),
            Some(&serde_json::json!({ "totp": enabled })),
        )
        .await
    }
}
