//! Encrypted backups and checked restores: a restored backup holds the same rows as its
//! original, and a wrong key, a damaged file or a broken audit log replaces nothing.

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use kuzet_register::Role;
use kuzet_store::Store;
use kuzet_store::backup::{
    BackupError, BackupKey, RestoreKey, before_restore_path, restore_backup, restore_backup_into,
};

use crate::support::{TestStore, file_store, person, temp_file, user};

/// A file store with a user, three persons (one with restricted contact data) and their audit log.
async fn store_with_data() -> TestStore {
    let test = file_store().await;
    let coordinator = user(&test.store, "coordinator", Role::Coordinator).await;
    for name in ["Синтет Бекзатов", "Aidar Testov", "Dana Probova"] {
        let mut new = person(name);
        new.person.contact = "+7 000 555 00 11".into();
        test.store.add_person(&coordinator, &new).await.unwrap();
    }
    test
}

/// Removes a database and its side files, and the `.before-restore` copy, when dropped.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.0 {
            for suffix in ["", "-wal", "-shm", ".before-restore"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

fn passphrase(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn key_pair() -> (BackupKey, RestoreKey) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret = format!(
        "# test identity\n{}\n",
        identity.to_string().expose_secret()
    );
    (
        BackupKey::Recipients(vec![public]),
        RestoreKey::Identities(secret.into_bytes()),
    )
}

async fn digests_of(path: &Path) -> Vec<kuzet_store::backup::TableDigest> {
    let store = Store::open(&path.display().to_string()).await.unwrap();
    let digests = store.table_digests().await.unwrap();
    store.close().await;
    digests
}

/// Files in `folder` whose names start with `prefix`: leftovers of a failed restore.
fn leftovers(folder: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(folder)
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn a_passphrase_backup_restores_to_the_same_rows_with_an_intact_audit_log() {
    let test = store_with_data().await;
    let original = test.store.table_digests().await.unwrap();
    let out = temp_file().with_extension("age");
    let restored = temp_file();
    let _cleanup = Cleanup(vec![out.clone(), restored.clone()]);

    let summary = test
        .store
        .write_backup(&out, &BackupKey::Passphrase(passphrase("correct horse")))
        .await
        .unwrap();
    assert_eq!(summary.tables, original);
    assert!(
        matches!(summary.audit, kuzet_store::AuditVerdict::Ok { records } if records >= 4),
        "{:?}",
        summary.audit
    );
    let encrypted = std::fs::read(&out).unwrap();
    assert!(
        encrypted.starts_with(b"age-encryption.org/v1\n"),
        "an age file"
    );
    let needle = "Aidar Testov".as_bytes();
    assert!(
        !encrypted.windows(needle.len()).any(|w| w == needle),
        "no plaintext in the backup"
    );

    let result = restore_backup(
        &out,
        &restored,
        &RestoreKey::Passphrase(passphrase("correct horse")),
    )
    .await
    .unwrap();
    assert_eq!(result.previous, None, "nothing was there to keep");
    assert_eq!(result.snapshot.tables, original);
    assert_eq!(digests_of(&restored).await, original);
    let store = Store::open(&restored.display().to_string()).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), summary.audit);
    store.close().await;
}

#[tokio::test]
async fn a_restore_over_a_database_keeps_the_old_one_beside_it() {
    let (backup_key, restore_key) = key_pair();
    let test = store_with_data().await;
    let database = test.file.clone().unwrap();
    let out = temp_file().with_extension("age");
    let _cleanup = Cleanup(vec![out.clone(), database.clone()]);
    let at_backup = test.store.table_digests().await.unwrap();
    test.store.write_backup(&out, &backup_key).await.unwrap();
    // A change after the backup: the restore takes it away, the kept copy still has it.
    let coordinator = user(&test.store, "late", Role::Coordinator).await;
    test.store
        .add_person(&coordinator, &person("Later Addition"))
        .await
        .unwrap();
    let after_change = test.store.table_digests().await.unwrap();
    assert_ne!(after_change, at_backup);
    test.store.close().await;

    let result = restore_backup(&out, &database, &restore_key).await.unwrap();
    assert_eq!(result.previous, Some(before_restore_path(&database)));
    assert_eq!(digests_of(&database).await, at_backup);
    assert_eq!(
        digests_of(&before_restore_path(&database)).await,
        after_change
    );
}

#[tokio::test]
async fn a_wrong_key_or_a_damaged_file_replaces_nothing() {
    let (backup_key, restore_key) = key_pair();
    let (_, other_key) = key_pair();
    let test = store_with_data().await;
    let out = temp_file().with_extension("age");
    let damaged = temp_file().with_extension("age");
    let _cleanup = Cleanup(vec![out.clone(), damaged.clone()]);
    test.store.write_backup(&out, &backup_key).await.unwrap();
    let before = test.store.table_digests().await.unwrap();
    test.store.close().await;
    // The database moves to a folder of its own, so that the check for decrypted leftovers
    // beside it does not see another test's restore running at the same time.
    let private = tempfile::tempdir().unwrap();
    let database = private.path().join("register.sqlite");
    std::fs::copy(test.file.as_ref().unwrap(), &database).unwrap();
    let mut bytes = std::fs::read(&out).unwrap();
    let middle = bytes.len() - 100;
    bytes[middle] ^= 0x55;
    std::fs::write(&damaged, &bytes).unwrap();
    let not_age = temp_file();
    std::fs::write(&not_age, b"SQLite format 3\0 but not encrypted").unwrap();
    let _cleanup_plain = Cleanup(vec![not_age.clone()]);

    let check = async |backup: &Path, key: &RestoreKey, expected: &str| {
        let error = restore_backup(backup, &database, key).await.unwrap_err();
        let found = match &error {
            BackupError::WrongKey => "wrong key",
            BackupError::NeedsPassphrase => "needs passphrase",
            BackupError::NeedsIdentity => "needs identity",
            BackupError::Damaged(_) => "damaged",
            BackupError::NotABackup { .. } => "not a backup",
            _ => "other",
        };
        assert_eq!(found, expected, "{error}");
        assert!(error.is_user_error(), "{error}");
        assert!(
            !before_restore_path(&database).exists(),
            "nothing was moved aside"
        );
        let folder = database.parent().unwrap();
        assert_eq!(
            leftovers(folder, ".kuzet-restore-"),
            Vec::<String>::new(),
            "no decrypted leftovers"
        );
    };
    check(&out, &other_key, "wrong key").await;
    check(
        &out,
        &RestoreKey::Passphrase(passphrase("guess")),
        "needs identity",
    )
    .await;
    check(&damaged, &restore_key, "damaged").await;
    check(&not_age, &restore_key, "not a backup").await;
    assert_eq!(
        digests_of(&database).await,
        before,
        "the database is unchanged"
    );

    let passphrase_backup = temp_file().with_extension("age");
    let _cleanup_passphrase = Cleanup(vec![passphrase_backup.clone()]);
    let store = Store::open(&database.display().to_string()).await.unwrap();
    store
        .write_backup(
            &passphrase_backup,
            &BackupKey::Passphrase(passphrase("right one")),
        )
        .await
        .unwrap();
    store.close().await;
    check(
        &passphrase_backup,
        &RestoreKey::Passphrase(passphrase("wrong one")),
        "wrong key",
    )
    .await;
    check(&passphrase_backup, &restore_key, "needs passphrase").await;
}

#[tokio::test]
async fn a_backup_with_a_broken_audit_log_is_refused_on_restore() {
    let (backup_key, restore_key) = key_pair();
    let test = store_with_data().await;
    let out = temp_file().with_extension("age");
    let target = temp_file();
    let _cleanup = Cleanup(vec![out.clone(), target.clone()]);
    {
        let mut raw = test.raw().await;
        sqlx::raw_sql(
            "UPDATE audit_log SET after_json = replace(after_json, 'Dana', 'Dina') WHERE seq = 4",
        )
        .execute(&mut raw)
        .await
        .unwrap();
    }
    let summary = test.store.write_backup(&out, &backup_key).await.unwrap();
    assert!(
        matches!(
            summary.audit,
            kuzet_store::AuditVerdict::Broken { seq: 4, .. }
        ),
        "{:?}",
        summary.audit
    );
    let error = restore_backup(&out, &target, &restore_key)
        .await
        .unwrap_err();
    assert!(
        matches!(error, BackupError::AuditBroken { seq: 4, .. }),
        "{error}"
    );
    assert!(!target.exists(), "nothing was written at the target");
}

#[tokio::test]
async fn a_database_in_use_is_not_replaced() {
    let (backup_key, restore_key) = key_pair();
    let test = store_with_data().await;
    let database = test.file.clone().unwrap();
    let out = temp_file().with_extension("age");
    let _cleanup = Cleanup(vec![out.clone()]);
    test.store.write_backup(&out, &backup_key).await.unwrap();
    // The store stays open, as a running server would keep it.
    let error = restore_backup(&out, &database, &restore_key)
        .await
        .unwrap_err();
    assert!(matches!(error, BackupError::InUse(_)), "{error}");
    assert!(!before_restore_path(&database).exists());
    assert!(
        test.store.verify_audit().await.is_ok(),
        "the open store still works"
    );
}

/// PostgreSQL: a backup is a logical copy into an encrypted SQLite file. It restores into a
/// SQLite file (the ordinary restore) and into a new PostgreSQL database (a copy compared
/// with the backup's digests), both equal to the original table by table; a PostgreSQL
/// database that holds anything is not restored into. A SQLite backup restores into
/// PostgreSQL the same way.
#[tokio::test]
async fn a_postgres_backup_restores_into_sqlite_and_into_a_new_postgres_database() {
    let Some(source) = crate::support::postgres_store().await else {
        eprintln!("skipped: {} not set", crate::support::POSTGRES_URL_VAR);
        return;
    };
    let coordinator = user(&source.store, "coordinator", Role::Coordinator).await;
    for name in ["Синтет Бекзатов", "Aidar Testov", "Dana Probova"] {
        let mut new = person(name);
        new.person.contact = "+7 000 555 00 11".into();
        source.store.add_person(&coordinator, &new).await.unwrap();
    }
    let original = source.store.table_digests().await.unwrap();
    let out = temp_file().with_extension("age");
    let restored = temp_file();
    let _cleanup = Cleanup(vec![out.clone(), restored.clone()]);
    let key = passphrase("correct horse");

    let summary = source
        .store
        .write_backup(&out, &BackupKey::Passphrase(key.clone()))
        .await
        .unwrap();
    assert_eq!(summary.tables, original);
    assert_eq!(summary.audit, kuzet_store::AuditVerdict::Ok { records: 4 });
    let encrypted = std::fs::read(&out).unwrap();
    assert!(
        encrypted.starts_with(b"age-encryption.org/v1\n"),
        "an age file"
    );
    assert!(
        !encrypted.windows(12).any(|w| w == b"Aidar Testov"),
        "no plaintext in the backup"
    );

    // Into a SQLite file.
    let result = restore_backup(&out, &restored, &RestoreKey::Passphrase(key.clone()))
        .await
        .unwrap();
    assert_eq!(result.snapshot.tables, original);
    assert_eq!(digests_of(&restored).await, original);

    // Into a new PostgreSQL database.
    let target = crate::support::postgres_store().await.unwrap();
    let result = restore_backup_into(&out, &target.store, &RestoreKey::Passphrase(key.clone()))
        .await
        .unwrap();
    assert_eq!(result.snapshot.tables, original);
    assert_eq!(target.store.table_digests().await.unwrap(), original);
    assert_eq!(target.store.verify_audit().await.unwrap(), summary.audit);

    // Not into a database that holds anything: the original is left as it was.
    let error = restore_backup_into(&out, &source.store, &RestoreKey::Passphrase(key.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            BackupError::Transfer(kuzet_store::transfer::TransferError::NotEmpty { .. })
        ),
        "{error}"
    );
    assert!(error.is_user_error());
    assert_eq!(source.store.table_digests().await.unwrap(), original);

    // A SQLite backup restores into PostgreSQL too.
    let sqlite = store_with_data().await;
    let sqlite_digests = sqlite.store.table_digests().await.unwrap();
    let sqlite_out = temp_file().with_extension("age");
    let _cleanup_sqlite = Cleanup(vec![sqlite_out.clone()]);
    sqlite
        .store
        .write_backup(&sqlite_out, &BackupKey::Passphrase(key.clone()))
        .await
        .unwrap();
    let target = crate::support::postgres_store().await.unwrap();
    restore_backup_into(&sqlite_out, &target.store, &RestoreKey::Passphrase(key))
        .await
        .unwrap();
    assert_eq!(target.store.table_digests().await.unwrap(), sqlite_digests);
}
