//! `kuzet backup` and `kuzet restore` end to end: a backup restored holds the same rows as its
//! original with an intact audit log; a wrong key or a second restore replaces nothing.

use std::path::{Path, PathBuf};

use kuzet_store::backup::TableDigest;

use crate::kuzet;
use crate::user::{add_user, expect_code, outcome, path_str, scratch, with_store};

/// A key pair made for these tests only; it protects nothing.
const TEST_RECIPIENT: &str = "age1uhxh22nwarxl33u2js382mlzxhta2l7wthxldnenwm9akfyw3pjs9kpc8m";
const TEST_IDENTITY: &str = "AGE-SECRET-KEY-12L8V82W99LTFJC2W3KZXD7RNZ3XFWD76EXJPGZWTZ3Y4LH9EU3CSYAAM8D";

/// A register with an account and two imported persons (detention, decision, source); also
/// the starting point of the migrate-store tests.
pub(crate) fn register(dir: &Path) -> PathBuf {
    let database = dir.join("register.db");
    add_user(&database, "coord", "coordinator");
    let file = dir.join("rows.csv");
    std::fs::write(
        &file,
        "ФИО;Дата задержания;Решение суда;Дата решения;Телефон\n\
         Первый Синтетов;09.06.2019 14:00;арест 15 суток;10.06.2019;+7 000 123 45 67\n\
         Вторая Синтетова;09.06.2019 15:30;штраф 126250;10.06.2019;\n",
    )
    .unwrap();
    expect_code(&["import", path_str(&file), "--database", path_str(&database), "--as", "coord"], 0);
    database
}

fn digests(database: &Path) -> Vec<TableDigest> {
    with_store(database, async |store| store.table_digests().await.unwrap())
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn a_passphrase_backup_restores_the_same_rows_and_a_wrong_passphrase_replaces_nothing() {
    let dir = scratch("backup-passphrase");
    let database = register(&dir);
    let original = digests(&database);
    let passphrase = write(&dir, "passphrase.txt", "correct horse battery staple\n");
    let wrong = write(&dir, "wrong.txt", "incorrect horse\n");
    let backup = dir.join("register.age");

    let stdout = expect_code(
        &["backup", "--database", path_str(&database), "--out", path_str(&backup), "--passphrase-file", path_str(&passphrase)],
        0,
    );
    // One account, then one import record per person (holding their detention, decision and
    // source).
    assert!(stdout.contains("audit log: intact, 3 records"), "{stdout}");
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&bytes).contains("+7 000"), "nothing readable in the backup");
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    assert!(leftovers.iter().all(|name| !name.starts_with(".kuzet-")), "no temporary files: {leftovers:?}");

    // Restored to a new place: the same rows, an intact chain.
    let restored = dir.join("restored.db");
    let stdout = expect_code(
        &["restore", path_str(&backup), "--database", path_str(&restored), "--passphrase-file", path_str(&passphrase)],
        0,
    );
    assert!(stdout.starts_with(&format!("restored {}", restored.display())), "{stdout}");
    assert_eq!(digests(&restored), original);
    expect_code(&["audit", "verify", "--database", path_str(&restored)], 0);

    // A wrong passphrase: a clear error, and the database is as it was.
    let (code, _, stderr) = outcome(&kuzet(&[
        "restore",
        path_str(&backup),
        "--database",
        path_str(&restored),
        "--passphrase-file",
        path_str(&wrong),
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the passphrase or identity does not open this backup"), "{stderr}");
    assert!(!PathBuf::from(format!("{}.before-restore", restored.display())).exists());
    assert_eq!(digests(&restored), original);
}

#[test]
fn a_restore_over_a_changed_database_keeps_it_aside_once() {
    let dir = scratch("backup-recipient");
    let database = register(&dir);
    let at_backup = digests(&database);
    let identity = write(&dir, "identity.txt", &format!("# test key\n{TEST_IDENTITY}\n"));
    let backup = dir.join("register.age");
    expect_code(&["backup", "--database", path_str(&database), "--out", path_str(&backup), "--recipient", TEST_RECIPIENT], 0);
    expect_code(
        &["restore", path_str(&backup), "--database", path_str(&database), "--identity", path_str(&identity), "--check-only"],
        0,
    );

    add_user(&database, "later", "analyst");
    let changed = digests(&database);
    assert_ne!(changed, at_backup);
    let stdout =
        expect_code(&["restore", path_str(&backup), "--database", path_str(&database), "--identity", path_str(&identity)], 0);
    let kept = PathBuf::from(format!("{}.before-restore", database.display()));
    assert!(stdout.contains(&format!("the previous database is kept as {}", kept.display())), "{stdout}");
    assert_eq!(digests(&database), at_backup);
    assert_eq!(digests(&kept), changed);

    // A second restore would overwrite the kept copy: refused until it is moved away.
    let (code, _, stderr) =
        outcome(&kuzet(&["restore", path_str(&backup), "--database", path_str(&database), "--identity", path_str(&identity)]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("exists from an earlier restore"), "{stderr}");
}

#[test]
fn keys_must_match_the_backup() {
    let dir = scratch("backup-keys");
    let database = register(&dir);
    let db = path_str(&database);
    let passphrase = write(&dir, "passphrase.txt", "correct horse battery staple\n");
    let empty = write(&dir, "empty.txt", "\n");
    let identity = write(&dir, "identity.txt", &format!("{TEST_IDENTITY}\n"));
    let backup = dir.join("register.age");
    let check = |args: &[&str], message: &str| {
        let (code, _, stderr) = outcome(&kuzet(args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    check(&["backup", "--database", db, "--out", path_str(&backup)], "--passphrase-file");
    check(&["backup", "--database", db, "--out", path_str(&backup), "--recipient", "age1notakey"], "is not an age public key");
    check(&["backup", "--database", db, "--out", path_str(&backup), "--passphrase-file", path_str(&empty)], "the passphrase file is empty");
    assert!(!backup.exists());
    expect_code(&["backup", "--database", db, "--out", path_str(&backup), "--passphrase-file", path_str(&passphrase)], 0);
    let target = dir.join("target.db");
    check(
        &["restore", path_str(&backup), "--database", path_str(&target), "--identity", path_str(&identity)],
        "encrypted with a passphrase",
    );
    check(&["restore", path_str(&passphrase), "--database", path_str(&target), "--passphrase-file", path_str(&passphrase)], "not an age-encrypted backup");
    assert!(!target.exists(), "nothing was created");
}
