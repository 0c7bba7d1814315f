//! `kuzet user` end to end, and the helpers the register commands' tests share: a fresh
//! folder per test, running the binary with standard input, and reaching into the database.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kuzet_store::Store;

use crate::kuzet;

/// A fresh, empty folder for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("register").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs the binary with `stdin` as its standard input.
pub fn kuzet_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kuzet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kuzet binary runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("writing stdin");
    child.wait_with_output().expect("kuzet finishes")
}

/// Exit code, standard output and standard error.
pub fn outcome(output: &Output) -> (Option<i32>, String, String) {
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `kuzet args…`, asserts the exit code and returns standard output.
pub fn expect_code(args: &[&str], code: i32) -> String {
    let (found, stdout, stderr) = outcome(&kuzet(args));
    assert_eq!(found, Some(code), "kuzet {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Adds a user with a generated password through the CLI and returns the password.
pub fn add_user(database: &Path, username: &str, role: &str) -> String {
    let stdout = expect_code(&["user", "add", username, "--role", role, "--database", path_str(database)], 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a headline and the password: {stdout}");
    assert!(lines[0].starts_with(&format!("created {username}")), "{stdout}");
    lines[1].to_owned()
}

/// Runs `work` on the store at `database` and closes it.
pub fn with_store<T>(database: &Path, work: impl AsyncFnOnce(&Store) -> T) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
        let store = Store::open(path_str(database)).await.expect("open the database");
        let result = work(&store).await;
        store.close().await;
        result
    })
}

/// Whether `password` logs `username` in.
fn logs_in(database: &Path, username: &str, password: &str) -> bool {
    with_store(database, async |store| store.login(username, password, "127.0.0.1").await.is_ok())
}

#[test]
fn add_list_disable_enable_and_reset_password() {
    let dir = scratch("user-flow");
    let database = dir.join("register.db");
    let db = path_str(&database);

    let password = add_user(&database, "Admin1", "admin");
    assert_eq!(password.chars().count(), 20, "{password}");
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");
    assert!(logs_in(&database, "admin1", &password), "the printed password works");
    let second = add_user(&database, "analyst", "analyst");
    assert_ne!(second, password, "each generated password is new");

    let listed = expect_code(&["user", "list", "--database", db], 0);
    let rows: Vec<Vec<&str>> = listed.lines().skip(1).map(|line| line.split_whitespace().take(3).collect()).collect();
    assert_eq!(rows, [vec!["Admin1", "admin", "active"], vec!["analyst", "analyst", "active"]]);

    expect_code(&["user", "disable", "analyst", "--database", db], 0);
    assert!(!logs_in(&database, "analyst", &second), "a disabled account cannot log in");
    let json: serde_json::Value = serde_json::from_str(&expect_code(&["user", "list", "--database", db, "--json"], 0)).unwrap();
    let states: Vec<(String, bool)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].as_str().unwrap().to_owned(), u["disabled"].as_bool().unwrap()))
        .collect();
    assert_eq!(states, [("Admin1".to_owned(), false), ("analyst".to_owned(), true)]);
    expect_code(&["user", "enable", "analyst", "--database", db], 0);
    assert!(logs_in(&database, "analyst", &second));

    // A password from standard input is used as given and never printed.
    let chosen = "a long chosen passphrase";
    let (code, stdout, stderr) =
        outcome(&kuzet_with_stdin(&["user", "reset-password", "analyst", "--password-stdin", "--database", db], &format!("{chosen}\n")));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "password reset for analyst\n");
    assert!(!stderr.contains(chosen) && !stdout.contains(chosen));
    assert!(logs_in(&database, "analyst", chosen));
    assert!(!logs_in(&database, "analyst", &second), "the old password no longer works");

    // Every change is in the audit log (with the logins above), and the log verifies.
    let json: serde_json::Value =
        serde_json::from_str(&expect_code(&["audit", "show", "--database", db, "--entity", "user", "--json"], 0)).unwrap();
    let mut actions: Vec<(&str, i64)> =
        json.as_array().unwrap().iter().map(|r| (r["action"].as_str().unwrap(), r["entity_id"].as_i64().unwrap())).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [("create", 1), ("login", 1), ("create", 2), ("disable", 2), ("enable", 2), ("login", 2), ("reset_password", 2), ("login", 2)]
    );
    let verified = expect_code(&["audit", "verify", "--database", db], 0);
    assert!(verified.starts_with("audit log intact: 8 records"), "{verified}");
}

#[test]
fn bad_requests_exit_with_2_and_say_why() {
    let dir = scratch("user-errors");
    let database = dir.join("register.db");
    let db = path_str(&database);
    add_user(&database, "admin", "admin");
    let check = |args: &[&str], stdin: &str, message: &str| {
        let (code, _, stderr) = outcome(&kuzet_with_stdin(args, stdin));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    check(&["user", "add", "admin", "--role", "admin", "--database", db], "", "taken");
    check(&["user", "add", "x", "--role", "boss", "--database", db], "", "`boss` is not one of");
    check(&["user", "add", "shorty", "--role", "analyst", "--password-stdin", "--database", db], "short\n", "password");
    check(&["user", "add", "empty", "--role", "analyst", "--password-stdin", "--database", db], "\n", "no password on standard input");
    check(&["user", "disable", "nobody", "--database", db], "", "no user named `nobody`");
    let missing = dir.join("missing.db");
    check(&["user", "list", "--database", path_str(&missing)], "", "no database here");
    assert!(!missing.exists(), "a mistyped path is not created");
}

/// The current 6-digit TOTP code of a base32 secret on the system clock.
fn totp_now(secret: &str) -> String {
    let bytes = kuzet_store::totp::base32_decode(secret).expect("base32 secret");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    kuzet_store::totp::code(&bytes, kuzet_store::totp::step_at(now) as u64, 6)
}

/// Runs `kuzet user totp-enable`, answering with the code of the secret it prints; returns the
/// secret, the URI and the full standard output.
fn enrol_interactively(db: &str, username: &str) -> (String, String, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kuzet"))
        .args(["user", "totp-enable", username, "--database", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kuzet binary runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = vec![String::new(), String::new(), String::new()];
    for line in &mut lines {
        stdout.read_line(line).expect("a line of standard output");
    }
    let (secret, uri) = (lines[1].trim().to_owned(), lines[2].trim().to_owned());
    child.stdin.take().unwrap().write_all(format!("{}\n", totp_now(&secret)).as_bytes()).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "stdout: {lines:?} {rest}\nstderr: {stderr}");
    (secret, uri, format!("{}{rest}", lines.concat()))
}

#[test]
fn totp_is_enrolled_with_a_confirming_code_required_of_admins_and_removed() {
    let dir = scratch("user-totp");
    let database = dir.join("register.db");
    let db = path_str(&database);
    let password = add_user(&database, "chief", "admin");

    // A wrong code stores nothing.
    let (code, stdout, stderr) = outcome(&kuzet_with_stdin(&["user", "totp-enable", "chief", "--database", db], "12345\n"));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("code: does not match the secret"), "{stderr}");
    let listed = expect_code(&["user", "list", "--database", db], 0);
    assert_eq!(listed.lines().nth(1).unwrap().split_whitespace().nth(3), Some("no"), "{listed}");

    let (secret, uri, stdout) = enrol_interactively(db, "chief");
    assert_eq!(kuzet_store::totp::base32_decode(&secret).map(|b| b.len()), Some(20), "{stdout}");
    assert!(uri.starts_with(&format!("otpauth://totp/Kuzet:chief?secret={secret}&issuer=Kuzet")), "{uri}");
    assert!(stdout.ends_with("TOTP enabled for chief\n"), "{stdout}");
    let listed = expect_code(&["user", "list", "--database", db], 0);
    assert_eq!(listed.lines().nth(1).unwrap().split_whitespace().nth(3), Some("yes"), "{listed}");
    let step = with_store(&database, async |store| match store.begin_login("chief", &password, "127.0.0.1").await {
        Ok(kuzet_store::LoginStep::CodeNeeded(_)) => "code needed",
        Ok(_) => "signed in without a code",
        Err(_) => "refused",
    });
    assert_eq!(step, "code needed");

    assert_eq!(expect_code(&["user", "require-admin-totp", "--database", db], 0), "admins do not need TOTP to sign in\n");
    assert_eq!(expect_code(&["user", "require-admin-totp", "on", "--database", db], 0), "admins need TOTP to sign in\n");
    let (code, _, stderr) = outcome(&kuzet_with_stdin(&["user", "require-admin-totp", "maybe", "--database", db], ""));
    assert_eq!((code, stderr.contains("`maybe` is not on or off")), (Some(2), true), "{stderr}");

    assert_eq!(expect_code(&["user", "totp-disable", "chief", "--database", db], 0), "TOTP disabled for chief\n");
    let step = with_store(&database, async |store| match store.begin_login("chief", &password, "127.0.0.1").await {
        Ok(kuzet_store::LoginStep::TotpEnrolmentRequired) => "enrolment required",
        Ok(_) => "signed in or code asked",
        Err(_) => "refused",
    });
    assert_eq!(step, "enrolment required", "an admin without TOTP is kept out while it is required");

    // Enrolment, removal and the setting are audited, and the secret is in no record.
    let log = expect_code(&["audit", "show", "--database", db, "--json"], 0);
    assert!(!log.contains(&secret), "the secret leaked into the audit log");
    let json: serde_json::Value = serde_json::from_str(&log).unwrap();
    let actions: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["entity"].as_str().unwrap(), r["action"].as_str().unwrap()))
        .collect();
    for expected in ["user totp_enable", "user totp_disable", "setting set"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
    assert!(expect_code(&["audit", "verify", "--database", db], 0).starts_with("audit log intact"));
}
