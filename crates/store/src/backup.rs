//! Encrypted backups and checked restores.
//!
//! A backup is a consistent online snapshot written into a private temporary folder as a
//! SQLite file: on SQLite with `VACUUM INTO` (which reads one transaction's view while the app
//! keeps running), on PostgreSQL with the logical copy of [`crate::transfer`] (one
//! `REPEATABLE READ` snapshot). It is encrypted in the [age](https://age-encryption.org)
//! format with a passphrase or to a recipient's public key, and written next to its
//! destination before being renamed into place, so a crash never leaves a half-written backup
//! under the real name. The plaintext snapshot is removed as soon as it is encrypted. The
//! summary's digests are the canonical ones of [`Store::table_digests`], equal on both
//! backends.
//!
//! A restore decrypts into a temporary file and checks it before anything is replaced:
//! SQLite's `integrity_check`, a schema version this program knows, and an intact audit
//! chain. Into a SQLite file: the current database is kept as `PATH.before-restore` and the
//! restored file renamed over `PATH` in one step. Into PostgreSQL
//! ([`restore_backup_into`]): the checked file is copied into a new, empty database in one
//! transaction, compared table by table with the backup's digests before it commits.
//!
//! What this module must never do: leave a plaintext copy behind, replace a database with a
//! file that failed a check, or replace a database another process is using.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub use age::secrecy::SecretString;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use crate::Store;
use crate::audit::AuditVerdict;
use crate::error::StoreError;
use crate::schema::LATEST_VERSION;
use crate::transfer::TransferError;

/// The scrypt work factor (`N = 2^18`, 256 MiB, about a second) for passphrase backups. It is
/// fixed rather than measured, as age does by default, so that a backup written on a fast
/// server still opens on a slow laptop.
pub const PASSPHRASE_WORK_FACTOR: u8 = 18;
/// The highest work factor accepted on restore (1 GiB of memory): higher would let a crafted
/// file exhaust the machine.
pub const MAX_PASSPHRASE_WORK_FACTOR: u8 = 20;

/// How a backup is encrypted.
pub enum BackupKey {
    /// Anyone with the passphrase can restore (scrypt, as age does it).
    Passphrase(SecretString),
    /// Public keys (`age1...`); only holders of a matching identity file can restore.
    Recipients(Vec<String>),
}

/// How a backup is decrypted.
pub enum RestoreKey {
    Passphrase(SecretString),
    /// The contents of an age identity file (`AGE-SECRET-KEY-1...` lines).
    Identities(Vec<u8>),
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackupKey::Passphrase(_) => f.write_str("BackupKey::Passphrase(..)"),
            BackupKey::Recipients(recipients) => write!(f, "BackupKey::Recipients({recipients:?})"),
        }
    }
}

impl std::fmt::Debug for RestoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreKey::Passphrase(_) => f.write_str("RestoreKey::Passphrase(..)"),
            RestoreKey::Identities(_) => f.write_str("RestoreKey::Identities(..)"),
        }
    }
}

/// Why a backup or restore did not happen. Every variant but `Io`, `Database` and `Encrypt`
/// is about what the user gave (a key, a file) rather than a failure inside.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the passphrase or identity does not open this backup")]
    WrongKey,
    #[error("this backup was encrypted with a passphrase; give --passphrase-file")]
    NeedsPassphrase,
    #[error("this backup was encrypted to a public key; give the matching --identity file")]
    NeedsIdentity,
    #[error("{path}: not an age-encrypted backup ({reason})")]
    NotABackup { path: PathBuf, reason: String },
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("`{0}` is not an age public key (age1...)")]
    BadRecipient(String),
    #[error("the identity file has no usable age identity: {0}")]
    BadIdentity(String),
    #[error("the restored file is not a Kuzet database: {0}")]
    NotKuzet(String),
    #[error("the restored database fails SQLite's integrity check: {0}")]
    Integrity(String),
    #[error(
        "the backup is at schema version {found}, newer than this program ({supported}); upgrade Kuzet to restore it"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("the backup's audit log is broken at record {seq}: {reason}")]
    AuditBroken { seq: i64, reason: String },
    #[error("{0} exists from an earlier restore; move it somewhere safe first")]
    BeforeRestoreExists(PathBuf),
    #[error(
        "{0} is in use by another process (is `kuzet serve` running?); stop it and restore again"
    )]
    InUse(PathBuf),
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackupError {
    /// Whether the user can fix this by giving another key or file (exit code 2 in the CLI).
    pub fn is_user_error(&self) -> bool {
        match self {
            BackupError::Transfer(error) => error.is_user_error(),
            other => !matches!(
                other,
                BackupError::Io { .. }
                    | BackupError::Encrypt(_)
                    | BackupError::Store(_)
                    | BackupError::InUse(_)
            ),
        }
    }
}

/// One table's contents in short: its rows and a digest of them (independent of row order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDigest {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
}

/// What a backup holds, or a restore put in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotSummary {
    pub schema_version: i64,
    /// The audit chain's verdict at the time of the snapshot.
    pub audit: AuditVerdict,
    pub tables: Vec<TableDigest>,
    /// Size of the encrypted file.
    pub encrypted_bytes: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    pub snapshot: SnapshotSummary,
    /// Where the database that was replaced is kept, if there was one.
    pub previous: Option<PathBuf>,
}

impl Store {
    /// Writes an encrypted, consistent snapshot of the whole database to `out`. On
    /// PostgreSQL the snapshot is a logical copy into a SQLite file (the generic copy of
    /// [`crate::transfer`], one `REPEATABLE READ` snapshot of the source), so a backup of
    /// either backend is the same kind of file and restores into either.
    pub async fn write_backup(
        &self,
        out: &Path,
        key: &BackupKey,
    ) -> Result<SnapshotSummary, BackupError> {
        let recipients = recipients(key)?;
        let private = tempfile::Builder::new()
            .prefix("kuzet-backup-")
            .tempdir()
            .map_err(|source| BackupError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let snapshot = private.path().join("snapshot.sqlite");
        let snapshot_text = snapshot.to_str().ok_or_else(|| {
            BackupError::Encrypt("the temporary folder's path is not UTF-8".into())
        })?;
        let (audit, schema_version, tables) = if self.is_postgres() {
            let audit = self.verify_audit().await?;
            let copy = Store::open(snapshot_text).await?;
            let copied = self.copy_checked(&copy, &|_| {}, false).await;
            copy.close().await;
            let mut copied = copied?;
            single_file(&snapshot).await?;
            // In name order, as `table_digests` gives them (the copy lists them in its order).
            copied.tables.sort_by(|a, b| a.table.cmp(&b.table));
            (audit, copied.schema_version, copied.tables)
        } else {
            // On the writer connection, so that no write is half-way through the snapshot.
            sqlx::query("VACUUM INTO ?")
                .bind(snapshot_text)
                .execute(self.sqlite_write("backup")?)
                .await
                .map_err(StoreError::from)?;
            let audit = self.verify_audit().await?;
            let schema_version = self.schema_version().await?;
            // The digests of the snapshot itself: the live database may have moved on.
            let copy = Store::open(snapshot_text).await?;
            let tables = copy.table_digests().await;
            copy.close().await;
            single_file(&snapshot).await?;
            (audit, schema_version, tables?)
        };

        let encrypted_bytes = encrypt_file(&snapshot, out, &recipients)?;
        // Dropping the folder removes the plaintext; do it now rather than at the end of scope,
        // and report a failure, since a plaintext copy left behind is a leak.
        private.close().map_err(|source| BackupError::Io {
            path: snapshot.clone(),
            source,
        })?;
        Ok(SnapshotSummary {
            schema_version,
            audit,
            tables,
            encrypted_bytes,
        })
    }
}

/// Decrypts `backup`, checks it, and copies it into `target`, a new, empty database (on
/// PostgreSQL, where a database cannot be swapped by renaming a file). The copy is one
/// transaction, compared table by table with the backup's digests before it commits.
pub async fn restore_backup_into(
    backup: &Path,
    target: &Store,
    key: &RestoreKey,
) -> Result<RestoreSummary, BackupError> {
    let candidate = decrypt_to_temp(backup, key, &std::env::temp_dir())?;
    let snapshot = check_candidate(candidate.path(), backup).await?;
    let path = candidate
        .path()
        .to_str()
        .ok_or_else(|| BackupError::NotKuzet("its temporary path is not UTF-8".into()))?;
    let source = Store::open(path).await?;
    let copied = source.copy_into(target, &|_| {}).await;
    source.close().await;
    let mut copied = copied?;
    drop(candidate);
    copied.tables.sort_by(|a, b| a.table.cmp(&b.table));
    if copied.tables != snapshot.tables {
        return Err(BackupError::Transfer(TransferError::Mismatch {
            tables: "the restored database and the backup's digests".into(),
        }));
    }
    Ok(RestoreSummary {
        snapshot,
        previous: None,
    })
}

/// Decrypts and checks `backup` without replacing anything.
pub async fn check_backup(backup: &Path, key: &RestoreKey) -> Result<SnapshotSummary, BackupError> {
    let folder = std::env::temp_dir();
    let candidate = decrypt_to_temp(backup, key, &folder)?;
    let summary = check_candidate(candidate.path(), backup).await?;
    drop(candidate);
    Ok(summary)
}

/// Decrypts `backup`, checks it, and puts it in place of the database at `database`, keeping
/// the current one as `database.before-restore`. Nothing is replaced unless every check passes.
pub async fn restore_backup(
    backup: &Path,
    database: &Path,
    key: &RestoreKey,
) -> Result<RestoreSummary, BackupError> {
    let previous = before_restore_path(database);
    if previous.exists() {
        return Err(BackupError::BeforeRestoreExists(previous));
    }
    // The restored file is written in the database's own folder so that the final rename is
    // atomic (a rename across file systems is a copy).
    let folder = match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let candidate = decrypt_to_temp(backup, key, &folder)?;
    let snapshot = check_candidate(candidate.path(), backup).await?;

    let database_exists = database.exists();
    if database_exists {
        release_wal(database).await?;
        link_or_copy(database, &previous)?;
    }
    candidate
        .persist(database)
        .map_err(|error| BackupError::Io {
            path: database.to_owned(),
            source: error.error,
        })?;
    sync_folder(&folder);
    Ok(RestoreSummary {
        snapshot,
        previous: database_exists.then_some(previous),
    })
}

/// `PATH.before-restore`.
pub fn before_restore_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".before-restore");
    PathBuf::from(name)
}

fn recipients(key: &BackupKey) -> Result<Vec<Box<dyn age::Recipient + Send>>, BackupError> {
    match key {
        BackupKey::Passphrase(passphrase) => {
            let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
            recipient.set_work_factor(PASSPHRASE_WORK_FACTOR);
            Ok(vec![Box::new(recipient)])
        }
        BackupKey::Recipients(keys) => {
            if keys.is_empty() {
                return Err(BackupError::BadRecipient(String::new()));
            }
            keys.iter()
                .map(|text| {
                    age::x25519::Recipient::from_str(text.trim())
                        .map(|recipient| Box::new(recipient) as Box<dyn age::Recipient + Send>)
                        .map_err(|_| BackupError::BadRecipient(text.trim().to_owned()))
                })
                .collect()
        }
    }
}

/// Encrypts `plain` into a temporary file beside `out`, then renames it to `out`.
fn encrypt_file(
    plain: &Path,
    out: &Path,
    recipients: &[Box<dyn age::Recipient + Send>],
) -> Result<u64, BackupError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source: io::Error| BackupError::Io { path, source }
    };
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let encryptor = age::Encryptor::with_recipients(
        recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
    )
    .map_err(|error| BackupError::Encrypt(error.to_string()))?;
    let temporary = tempfile::Builder::new()
        .prefix(".kuzet-backup-")
        .tempfile_in(&folder)
        .map_err(io_error(&folder))?;
    {
        let mut writer = encryptor
            .wrap_output(BufWriter::new(temporary.as_file()))
            .map_err(io_error(out))?;
        let mut input = BufReader::new(File::open(plain).map_err(io_error(plain))?);
        io::copy(&mut input, &mut writer).map_err(io_error(out))?;
        let mut buffered = writer.finish().map_err(io_error(out))?;
        buffered.flush().map_err(io_error(out))?;
    }
    temporary.as_file().sync_all().map_err(io_error(out))?;
    let bytes = temporary.as_file().metadata().map_err(io_error(out))?.len();
    temporary.persist(out).map_err(|error| BackupError::Io {
        path: out.to_owned(),
        source: error.error,
    })?;
    sync_folder(&folder);
    Ok(bytes)
}

/// Decrypts `backup` into a private temporary file in `folder`; the file is removed when the
/// returned handle is dropped unless it is persisted.
fn decrypt_to_temp(
    backup: &Path,
    key: &RestoreKey,
    folder: &Path,
) -> Result<tempfile::NamedTempFile, BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: backup.to_owned(),
        reason,
    };
    let file = File::open(backup).map_err(|source| BackupError::Io {
        path: backup.to_owned(),
        source,
    })?;
    let decryptor =
        age::Decryptor::new_buffered(BufReader::new(file)).map_err(|error| match error {
            age::DecryptError::Io(error) => not_a_backup(error.to_string()),
            other => not_a_backup(other.to_string()),
        })?;
    let identities: Vec<Box<dyn age::Identity>> = match key {
        RestoreKey::Passphrase(passphrase) => {
            if !decryptor.is_scrypt() {
                return Err(BackupError::NeedsIdentity);
            }
            let mut identity = age::scrypt::Identity::new(passphrase.clone());
            identity.set_max_work_factor(MAX_PASSPHRASE_WORK_FACTOR);
            vec![Box::new(identity)]
        }
        RestoreKey::Identities(contents) => {
            if decryptor.is_scrypt() {
                return Err(BackupError::NeedsPassphrase);
            }
            let file = age::IdentityFile::from_buffer(BufReader::new(contents.as_slice()))
                .map_err(|error| BackupError::BadIdentity(error.to_string()))?;
            let identities = file
                .into_identities()
                .map_err(|error| BackupError::BadIdentity(error.to_string()))?;
            if identities.is_empty() {
                return Err(BackupError::BadIdentity(
                    "the file holds no identities".into(),
                ));
            }
            identities
                .into_iter()
                .map(|identity| identity as Box<dyn age::Identity>)
                .collect()
        }
    };
    let mut reader = decryptor.decrypt(identities.iter().map(|identity| identity.as_ref())).map_err(|error| match error {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys | age::DecryptError::KeyDecryptionFailed => {
            BackupError::WrongKey
        }
        age::DecryptError::ExcessiveWork { required, .. } => BackupError::Damaged(format!(
            "its passphrase needs the scrypt work factor 2^{required}, above the 2^{MAX_PASSPHRASE_WORK_FACTOR} Kuzet accepts"
        )),
        other => BackupError::Damaged(other.to_string()),
    })?;
    let temporary = tempfile::Builder::new()
        .prefix(".kuzet-restore-")
        .tempfile_in(folder)
        .map_err(|source| BackupError::Io {
            path: folder.to_owned(),
            source,
        })?;
    {
        let mut writer = BufWriter::new(temporary.as_file());
        // The payload is authenticated chunk by chunk: a changed or cut file fails here.
        io::copy(&mut reader, &mut writer)
            .map_err(|error| BackupError::Damaged(error.to_string()))?;
        writer.flush().map_err(|source| BackupError::Io {
            path: temporary.path().to_owned(),
            source,
        })?;
    }
    temporary
        .as_file()
        .sync_all()
        .map_err(|source| BackupError::Io {
            path: temporary.path().to_owned(),
            source,
        })?;
    Ok(temporary)
}

/// Runs every check on a decrypted file and leaves it as one self-contained file (no WAL).
async fn check_candidate(candidate: &Path, backup: &Path) -> Result<SnapshotSummary, BackupError> {
    let encrypted_bytes = fs::metadata(backup).map(|m| m.len()).unwrap_or(0);
    let not_kuzet = |error: sqlx::Error| BackupError::NotKuzet(error.to_string());
    {
        let mut connection = connect(candidate).await.map_err(not_kuzet)?;
        sqlx::query("PRAGMA journal_mode = DELETE")
            .execute(&mut connection)
            .await
            .map_err(not_kuzet)?;
        let verdicts: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut connection)
            .await
            .map_err(not_kuzet)?;
        if verdicts != ["ok"] {
            return Err(BackupError::Integrity(verdicts.join("; ")));
        }
        let has_versions: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        )
        .fetch_one(&mut connection)
        .await
        .map_err(not_kuzet)?;
        if has_versions == 0 {
            return Err(BackupError::NotKuzet(
                "it has no schema_version table".into(),
            ));
        }
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .fetch_one(&mut connection)
                .await
                .map_err(not_kuzet)?;
        if version > LATEST_VERSION {
            return Err(BackupError::SchemaTooNew {
                found: version,
                supported: LATEST_VERSION,
            });
        }
        if version == 0 {
            return Err(BackupError::NotKuzet(
                "no migration was ever applied to it".into(),
            ));
        }
        connection.close().await.map_err(not_kuzet)?;
    }
    // Opening it as a store brings an older schema up to date, as opening the database would.
    let path = candidate
        .to_str()
        .ok_or_else(|| BackupError::NotKuzet("its temporary path is not UTF-8".into()))?;
    let store = Store::open(path).await?;
    let audit = store.verify_audit().await;
    let summary = match audit {
        Ok(AuditVerdict::Broken { seq, reason }) => Err(BackupError::AuditBroken { seq, reason }),
        Ok(audit) => match (store.schema_version().await, store.table_digests().await) {
            (Ok(schema_version), Ok(tables)) => Ok(SnapshotSummary {
                schema_version,
                audit,
                tables,
                encrypted_bytes,
            }),
            (Err(error), _) | (_, Err(error)) => Err(error.into()),
        },
        Err(error) => Err(error.into()),
    };
    store.close().await;
    // The store left the file in WAL mode; make it one file again before it is moved.
    let mut connection = connect(candidate).await.map_err(not_kuzet)?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut connection)
        .await
        .map_err(not_kuzet)?;
    connection.close().await.map_err(not_kuzet)?;
    summary
}

/// Folds the current database's write-ahead log into it and switches it to a single file, so
/// that renaming it keeps every committed change. SQLite refuses while another connection is
/// open, which is how a running server is detected.
async fn release_wal(database: &Path) -> Result<(), BackupError> {
    let in_use = |_| BackupError::InUse(database.to_owned());
    let options = SqliteConnectOptions::new()
        .filename(database)
        .busy_timeout(Duration::from_secs(2));
    let mut connection = options.connect().await.map_err(StoreError::from)?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await
        .map_err(in_use)?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut connection)
        .await
        .map_err(in_use)?;
    connection.close().await.map_err(StoreError::from)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(BackupError::InUse(database.to_owned()));
    }
    Ok(())
}

/// Makes a closed SQLite file self-contained (no write-ahead log beside it), so that
/// encrypting the one file takes every row.
async fn single_file(path: &Path) -> Result<(), BackupError> {
    let mut connection = connect(path).await.map_err(StoreError::from)?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut connection)
        .await
        .map_err(StoreError::from)?;
    connection.close().await.map_err(StoreError::from)?;
    Ok(())
}

async fn connect(path: &Path) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(2))
        .connect()
        .await
}

fn link_or_copy(from: &Path, to: &Path) -> Result<(), BackupError> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|source| BackupError::Io {
            path: to.to_owned(),
            source,
        })
}

/// Makes a rename in `folder` durable. Best effort: not every platform can open a folder.
fn sync_folder(folder: &Path) {
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
}
