//! Accounts, sessions, throttling and API tokens.

use kuzet_register::{Action, Role, UserId};
use kuzet_store::{
    ABSOLUTE_SESSION_SECS, ADDRESS_FAILURE_LIMIT, ApiTokenScope, IDLE_SESSION_SECS,
    LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_SECS, Store, StoreError,
};
use time::Duration;

use crate::support::{START, actor, admin, file_store, stores, user};

const PASSWORD: &str = "correct horse battery";

fn outcome<T>(result: Result<T, StoreError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(error) => format!("error: {error}"),
    }
}

/// Adds a user and says what happened.
async fn check_add_user(store: &Store, username: &str, password: &str, role: Role, expected: &str) {
    let actual = outcome(store.add_user(&admin(), username, password, role).await);
    assert_eq!(
        actual, expected,
        "add_user({username:?}, {password:?}, {role:?})"
    );
}

#[tokio::test]
async fn adding_users_validates_names_passwords_and_roles() {
    for test in stores().await {
        let store = &test.store;
        check_add_user(store, "aigul", PASSWORD, Role::Coordinator, "ok").await;
        check_add_user(
            store,
            "AIGUL",
            PASSWORD,
            Role::Volunteer,
            "error: username: `AIGUL` is taken",
        )
        .await;
        check_add_user(
            store,
            "  ",
            PASSWORD,
            Role::Volunteer,
            "error: username: is empty",
        )
        .await;
        check_add_user(
            store,
            "two words",
            PASSWORD,
            Role::Volunteer,
            "error: username: may not contain spaces or control characters",
        )
        .await;
        check_add_user(
            store,
            "short",
            "2short",
            Role::Volunteer,
            "error: password: has 6 characters; at least 10 are needed",
        )
        .await;
        check_add_user(
            store,
            "visitor",
            PASSWORD,
            Role::Public,
            "error: role: public is the role of visitors without an account",
        )
        .await;
        check_add_user(store, "ерлан", PASSWORD, Role::Analyst, "ok").await;

        let users = store.list_users(&admin()).await.unwrap();
        let listed: Vec<String> = users
            .iter()
            .map(|u| format!("{}:{}:{}", u.username, u.role, u.disabled))
            .collect();
        assert_eq!(
            listed,
            ["aigul:coordinator:false", "ерлан:analyst:false"],
            "{}",
            test.backend
        );
        assert_eq!(
            store
                .find_user(&admin(), "Aigul")
                .await
                .unwrap()
                .map(|u| u.username),
            Some("aigul".to_owned())
        );
        assert_eq!(store.find_user(&admin(), "nobody").await.unwrap(), None);

        // Only admins manage users.
        let coordinator = actor(Role::Coordinator, users[0].id);
        assert!(matches!(
            store.list_users(&coordinator).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .add_user(&coordinator, "x1", PASSWORD, Role::Volunteer)
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store.disable_user(&coordinator, UserId(users[1].id)).await,
            Err(StoreError::Forbidden)
        ));
    }
}

#[tokio::test]
async fn login_gives_a_new_session_each_time_and_logout_ends_it() {
    for test in stores().await {
        let store = &test.store;
        let volunteer = user(store, "dana", Role::Volunteer).await;
        let first = store.login("Dana", PASSWORD, "10.0.0.1").await.unwrap();
        let second = store.login("dana", PASSWORD, "10.0.0.1").await.unwrap();
        assert_ne!(
            first.token, second.token,
            "{}: a login rotates the session token",
            test.backend
        );
        assert_ne!(first.csrf_token, second.csrf_token);
        assert_eq!(first.token.len(), 64);
        let session = store.session(&first.token).await.unwrap().expect("session");
        assert_eq!(
            (session.username.as_str(), session.role, session.user_id),
            ("dana", Role::Volunteer, volunteer.user_id.unwrap())
        );
        assert_eq!(session.csrf_token, first.csrf_token);
        assert_eq!(session.actor(), volunteer);

        store.logout(&first.token).await.unwrap();
        assert_eq!(store.session(&first.token).await.unwrap(), None);
        assert!(
            store.session(&second.token).await.unwrap().is_some(),
            "other sessions survive a logout"
        );
        assert_eq!(store.session("not a token").await.unwrap(), None);
        store.logout("not a token").await.unwrap();
    }
}

#[tokio::test]
async fn wrong_passwords_unknown_users_and_disabled_accounts_look_the_same() {
    for test in stores().await {
        let store = &test.store;
        let analyst = user(store, "marat", Role::Analyst).await;
        let huge = "x".repeat(1_000_000);
        let cases = [
            ("marat", "wrong password!"),
            ("nobody", PASSWORD),
            ("marat", huge.as_str()),
        ];
        for (name, password) in cases {
            assert!(
                matches!(
                    store.login(name, password, "10.0.0.2").await,
                    Err(StoreError::WrongCredentials)
                ),
                "{name}"
            );
        }
        let session = store.login("marat", PASSWORD, "10.0.0.2").await.unwrap();
        store
            .disable_user(&admin(), analyst.user_id.unwrap())
            .await
            .unwrap();
        assert_eq!(
            store.session(&session.token).await.unwrap(),
            None,
            "disabling ends sessions"
        );
        assert!(matches!(
            store.login("marat", PASSWORD, "10.0.0.2").await,
            Err(StoreError::WrongCredentials)
        ));
        store
            .enable_user(&admin(), analyst.user_id.unwrap())
            .await
            .unwrap();
        assert!(store.login("marat", PASSWORD, "10.0.0.2").await.is_ok());
    }
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_twelve_hours() {
    for test in stores().await {
        let store = &test.store;
        let clock = kuzet_store::Clock::manual(START);
        let store = store.clone().with_clock(clock.clone());
        user(&store, "saule", Role::Coordinator).await;

        // Idle: a request within 30 minutes keeps it alive; 30 minutes of silence ends it.
        let idle = store.login("saule", PASSWORD, "10.0.0.3").await.unwrap();
        clock.advance(Duration::seconds(IDLE_SESSION_SECS - 60));
        assert!(
            store.session(&idle.token).await.unwrap().is_some(),
            "{}: 29 minutes idle",
            test.backend
        );
        clock.advance(Duration::seconds(IDLE_SESSION_SECS - 60));
        assert!(
            store.session(&idle.token).await.unwrap().is_some(),
            "{}: the last request reset the idle timer",
            test.backend
        );
        clock.advance(Duration::seconds(IDLE_SESSION_SECS));
        assert_eq!(
            store.session(&idle.token).await.unwrap(),
            None,
            "{}: 30 minutes idle",
            test.backend
        );

        // Absolute: however active, the session ends 12 hours after login.
        let busy = store.login("saule", PASSWORD, "10.0.0.3").await.unwrap();
        let step = Duration::seconds(IDLE_SESSION_SECS / 2);
        let mut elapsed = Duration::ZERO;
        while elapsed + step < Duration::seconds(ABSOLUTE_SESSION_SECS) {
            clock.advance(step);
            elapsed += step;
            assert!(
                store.session(&busy.token).await.unwrap().is_some(),
                "{}: active after {elapsed}",
                test.backend
            );
        }
        clock.advance(Duration::seconds(ABSOLUTE_SESSION_SECS) - elapsed);
        assert_eq!(
            store.session(&busy.token).await.unwrap(),
            None,
            "{}: 12 hours after login",
            test.backend
        );
    }
}

#[tokio::test]
async fn failed_logins_throttle_the_account_then_the_window_passes() {
    for test in stores().await {
        let clock = kuzet_store::Clock::manual(START);
        let store = test.store.clone().with_clock(clock.clone());
        user(&store, "nurlan", Role::Volunteer).await;
        for attempt in 0..LOGIN_FAILURE_LIMIT {
            clock.advance(Duration::seconds(10));
            let result = store
                .login("nurlan", "wrong password!", &format!("10.1.0.{attempt}"))
                .await;
            assert!(
                matches!(result, Err(StoreError::WrongCredentials)),
                "{}: attempt {attempt}",
                test.backend
            );
        }
        // The right password does not help while throttled, from any address.
        let throttled = store.login("nurlan", PASSWORD, "10.9.9.9").await;
        let Err(StoreError::Throttled { retry_after_secs }) = throttled else {
            panic!(
                "{}: expected throttling, got {:?}",
                test.backend,
                throttled.map(|s| s.user.username)
            );
        };
        // The first failure was 50 s ago; it leaves the 15-minute window in 850 s.
        assert_eq!(
            retry_after_secs,
            (LOGIN_WINDOW_SECS - 10 * LOGIN_FAILURE_LIMIT as i64 + 10) as u64,
            "{}",
            test.backend
        );
        clock.advance(Duration::seconds(retry_after_secs as i64));
        let session = store.login("nurlan", PASSWORD, "10.9.9.9").await;
        assert!(session.is_ok(), "{}: after the window", test.backend);
        // A success forgives the earlier failures.
        assert!(matches!(
            store.login("nurlan", "wrong password!", "10.9.9.9").await,
            Err(StoreError::WrongCredentials)
        ));
        assert!(store.login("nurlan", PASSWORD, "10.9.9.9").await.is_ok());
    }
}

#[tokio::test]
async fn failed_logins_from_one_address_throttle_that_address() {
    for test in stores().await {
        let store = &test.store;
        user(store, "gulnara", Role::Volunteer).await;
        for attempt in 0..ADDRESS_FAILURE_LIMIT {
            // Different (unknown) names: no single account reaches its own limit.
            let result = store
                .login(&format!("guess{attempt}"), "wrong password!", "192.0.2.7")
                .await;
            assert!(
                matches!(result, Err(StoreError::WrongCredentials)),
                "{}: attempt {attempt}",
                test.backend
            );
        }
        assert!(
            matches!(
                store.login("gulnara", PASSWORD, "192.0.2.7").await,
                Err(StoreError::Throttled { .. })
            ),
            "{}",
            test.backend
        );
        assert!(
            store.login("gulnara", PASSWORD, "192.0.2.8").await.is_ok(),
            "{}: another address",
            test.backend
        );
    }
}

#[tokio::test]
async fn resetting_a_password_ends_sessions_and_changes_the_password() {
    for test in stores().await {
        let store = &test.store;
        let volunteer = user(store, "asel", Role::Volunteer).await;
        let session = store.login("asel", PASSWORD, "10.0.0.4").await.unwrap();
        store
            .reset_password(&admin(), volunteer.user_id.unwrap(), "a new long password")
            .await
            .unwrap();
        assert_eq!(store.session(&session.token).await.unwrap(), None);
        assert!(matches!(
            store.login("asel", PASSWORD, "10.0.0.4").await,
            Err(StoreError::WrongCredentials)
        ));
        assert!(
            store
                .login("asel", "a new long password", "10.0.0.4")
                .await
                .is_ok()
        );
        assert!(matches!(
            store
                .reset_password(&admin(), UserId(999), "a new long password")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .reset_password(&admin(), volunteer.user_id.unwrap(), "short")
                .await,
            Err(StoreError::Invalid { .. })
        ));

        // A role change applies at once: sessions end.
        let session = store
            .login("asel", "a new long password", "10.0.0.4")
            .await
            .unwrap();
        store
            .set_user_role(&admin(), volunteer.user_id.unwrap(), Role::Coordinator)
            .await
            .unwrap();
        assert_eq!(store.session(&session.token).await.unwrap(), None);
        let session = store
            .login("asel", "a new long password", "10.0.0.4")
            .await
            .unwrap();
        assert_eq!(session.user.role, Role::Coordinator);
    }
}

#[tokio::test]
async fn api_tokens_are_scoped_revocable_and_stored_hashed() {
    let test = file_store().await;
    let store = &test.store;
    let coordinator = user(store, "timur", Role::Coordinator).await;
    let other = user(store, "other", Role::Volunteer).await;
    let read = store
        .create_api_token(&coordinator, "field app", &[ApiTokenScope::Read])
        .await
        .unwrap();
    let write = store
        .create_api_token(
            &coordinator,
            "import script",
            &[ApiTokenScope::Read, ApiTokenScope::Write],
        )
        .await
        .unwrap();
    assert!(read.token.starts_with("kzt_"));

    let read_user = store
        .api_token(&read.token)
        .await
        .unwrap()
        .expect("read token");
    assert_eq!(
        (
            read_user.username.as_str(),
            read_user.role,
            read_user.actor()
        ),
        ("timur", Role::Coordinator, coordinator)
    );
    let check = |scoped: &kuzet_store::TokenUser, action: Action, expected: bool| {
        assert_eq!(
            scoped.allows(action),
            expected,
            "{:?} {action:?}",
            scoped.scopes
        );
    };
    check(&read_user, Action::View, true);
    check(&read_user, Action::Export, true);
    check(&read_user, Action::Edit, false);
    check(&read_user, Action::Create, false);
    let write_user = store
        .api_token(&write.token)
        .await
        .unwrap()
        .expect("write token");
    check(&write_user, Action::Edit, true);

    assert!(matches!(
        store.create_api_token(&coordinator, "none", &[]).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.revoke_api_token(&other, read.id).await,
        Err(StoreError::Forbidden)
    ));
    let listed = store.list_api_tokens(&coordinator).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["field app", "import script"]
    );
    assert!(store.list_api_tokens(&other).await.unwrap().is_empty());
    store.revoke_api_token(&coordinator, read.id).await.unwrap();
    assert_eq!(store.api_token(&read.token).await.unwrap(), None);
    assert!(store.list_api_tokens(&coordinator).await.unwrap()[0].revoked);

    // Neither token nor session token appears in the database file.
    let session = store.login("timur", PASSWORD, "10.0.0.5").await.unwrap();
    let mut raw = test.raw().await;
    let stored: Vec<(String,)> = sqlx::query_as(
        "SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM sessions",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    assert_eq!(stored.len(), 3);
    for (hash,) in &stored {
        assert_ne!(hash, &write.token);
        assert_ne!(hash, &session.token);
    }
    let (password_hash,): (String,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE username = 'timur'")
            .fetch_one(&mut raw)
            .await
            .unwrap();
    assert!(password_hash.starts_with("$argon2id$"), "{password_hash}");

    // A disabled account's tokens stop working.
    store
        .disable_user(&admin(), coordinator.user_id.unwrap())
        .await
        .unwrap();
    assert_eq!(store.api_token(&write.token).await.unwrap(), None);
}

// TOTP second factor.

/// The RFC 6238 appendix B secret for SHA-1: the 20 ASCII bytes "12345678901234567890".
const RFC_SECRET: &[u8] = b"12345678901234567890";

/// The code of `secret` at Unix time `at` with `digits` digits.
fn check_totp(secret: &[u8], at: i64, digits: u32, expected: &str) {
    let step = kuzet_store::totp::step_at(at);
    let actual = kuzet_store::totp::code(secret, step as u64, digits);
    assert_eq!(actual, expected, "TOTP at T = {at} with {digits} digits");
}

#[test]
fn totp_codes_match_the_rfc_6238_test_vectors() {
    // RFC 6238 appendix B, SHA-1 column (8 digits); 6 digits are the last six of the same
    // truncated value.
    for (at, eight) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        check_totp(RFC_SECRET, at, 8, eight);
        check_totp(RFC_SECRET, at, 6, &eight[2..]);
    }
}

#[test]
fn totp_secrets_are_base32_without_padding() {
    use kuzet_store::totp::{base32_decode, base32_encode};
    // RFC 4648 section 10 vectors, without the padding.
    for (bytes, text) in [
        (&b""[..], ""),
        (b"f", "MY"),
        (b"fo", "MZXQ"),
        (b"foo", "MZXW6"),
        (b"foob", "MZXW6YQ"),
        (b"fooba", "MZXW6YTB"),
        (b"foobar", "MZXW6YTBOI"),
        (RFC_SECRET, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    ] {
        assert_eq!(base32_encode(bytes), text, "encode {bytes:?}");
        assert_eq!(base32_decode(text).as_deref(), Some(bytes), "decode {text}");
    }
    assert_eq!(
        base32_decode("mzxw 6ytb-oi==").as_deref(),
        Some(&b"foobar"[..]),
        "case, spaces, hyphens and padding are forgiven"
    );
    assert_eq!(base32_decode("MZXW1"), None, "1 is not a base32 letter");
    let enrolment = kuzet_store::new_totp_enrolment("Dana K").unwrap();
    assert_eq!(base32_decode(&enrolment.secret).unwrap().len(), 20);
    assert!(
        enrolment.uri.starts_with(&format!(
            "otpauth://totp/Kuzet:Dana%20K?secret={}&issuer=Kuzet",
            enrolment.secret
        )),
        "{}",
        enrolment.uri
    );
}

/// The current code of a base32 `secret` on the store's clock, `steps_ahead` steps from now.
fn code_now(test: &crate::support::TestStore, secret: &str, steps_ahead: i64) -> String {
    let bytes = kuzet_store::totp::base32_decode(secret).unwrap();
    let step = kuzet_store::totp::step_at(test.clock.now().unix_timestamp()) + steps_ahead;
    kuzet_store::totp::code(&bytes, step as u64, 6)
}

/// Enrols `name` with a fresh secret confirmed by the current code; returns the secret.
async fn enrol(test: &crate::support::TestStore, name: &str) -> String {
    let store = &test.store;
    let user = store.find_user(&admin(), name).await.unwrap().unwrap();
    let enrolment = kuzet_store::new_totp_enrolment(name).unwrap();
    let code = code_now(test, &enrolment.secret, 0);
    store
        .enable_totp(&admin(), UserId(user.id), &enrolment.secret, &code)
        .await
        .expect("a current code confirms the enrolment");
    enrolment.secret
}

async fn pending(store: &Store, name: &str, address: &str) -> String {
    match store.begin_login(name, PASSWORD, address).await.unwrap() {
        kuzet_store::LoginStep::CodeNeeded(pending) => pending.token,
        other => panic!("{name} should owe a code, got {other:?}"),
    }
}

#[tokio::test]
async fn enrolment_needs_a_current_code_and_is_audited_without_the_secret() {
    for test in stores().await {
        let store = &test.store;
        let dana = user(store, "dana", Role::Coordinator).await;
        let id = dana.user_id.unwrap();
        let enrolment = kuzet_store::new_totp_enrolment("dana").unwrap();
        let stale = code_now(&test, &enrolment.secret, -2);
        assert_eq!(
            outcome(
                store
                    .enable_totp(&admin(), id, &enrolment.secret, &stale)
                    .await
            ),
            "error: code: does not match the secret at this time (check the device's clock)",
            "{}",
            test.backend
        );
        assert_eq!(
            outcome(
                store
                    .enable_totp(&admin(), id, "not base32!", "123456")
                    .await
            ),
            "error: secret: is not a base32 TOTP secret of at least 128 bits"
        );
        let other = user(store, "other", Role::Coordinator).await;
        let code = code_now(&test, &enrolment.secret, 0);
        assert_eq!(
            outcome(
                store
                    .enable_totp(&other, id, &enrolment.secret, &code)
                    .await
            ),
            "error: forbidden",
            "a coordinator may not set another account's second factor"
        );
        assert!(
            !store
                .find_user(&admin(), "dana")
                .await
                .unwrap()
                .unwrap()
                .totp
        );
        // The user themselves may enrol.
        store
            .enable_totp(&dana, id, &enrolment.secret, &code)
            .await
            .unwrap();
        assert!(
            store
                .find_user(&admin(), "dana")
                .await
                .unwrap()
                .unwrap()
                .totp
        );
        store.disable_totp(&admin(), id).await.unwrap();
        assert!(
            !store
                .find_user(&admin(), "dana")
                .await
                .unwrap()
                .unwrap()
                .totp
        );

        let records = store
            .audit_records(
                &admin(),
                &kuzet_store::AuditFilter {
                    entity: Some("user".into()),
                    entity_id: Some(id.0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
        assert!(
            actions.contains(&"totp_enable") && actions.contains(&"totp_disable"),
            "{actions:?}"
        );
        for record in &records {
            let text = format!("{:?} {:?}", record.before, record.after);
            assert!(
                !text.contains(&enrolment.secret),
                "the secret leaked into {text}"
            );
        }
    }
}

#[tokio::test]
async fn an_account_with_totp_signs_in_with_password_then_code() {
    for test in stores().await {
        let store = &test.store;
        user(store, "erlan", Role::Volunteer).await;
        let secret = enrol(&test, "erlan").await;
        // The password alone is no session, and `login` refuses the two-step account.
        assert_eq!(
            outcome(store.login("erlan", PASSWORD, "10.2.0.1").await),
            "error: forbidden"
        );
        test.clock.advance(Duration::seconds(30));
        let token = pending(store, "erlan", "10.2.0.1").await;
        assert_eq!(
            store.session(&token).await.unwrap(),
            None,
            "a pending login is not a session"
        );
        assert_eq!(
            outcome(store.finish_login(&token, "000000x", "10.2.0.1").await),
            "error: unknown user or wrong password"
        );
        let wrong = if code_now(&test, &secret, 0) == "123456" {
            "654321"
        } else {
            "123456"
        };
        assert_eq!(
            outcome(store.finish_login(&token, wrong, "10.2.0.1").await),
            "error: unknown user or wrong password"
        );
        let code = code_now(&test, &secret, 0);
        assert_eq!(
            outcome(store.finish_login(&token, &code, "10.9.9.9").await),
            "error: not found",
            "a pending login is bound to its address"
        );
        let session = store.finish_login(&token, &code, "10.2.0.1").await.unwrap();
        assert_eq!(
            store
                .session(&session.token)
                .await
                .unwrap()
                .unwrap()
                .username,
            "erlan"
        );
        assert_eq!(
            outcome(store.finish_login(&token, &code, "10.2.0.1").await),
            "error: not found",
            "a pending login is used up"
        );
        // The same code in a new pending login is a replay; so is the step before it.
        let again = pending(store, "erlan", "10.2.0.1").await;
        assert_eq!(
            outcome(store.finish_login(&again, &code, "10.2.0.1").await),
            "error: unknown user or wrong password",
            "replayed code"
        );
        let earlier = code_now(&test, &secret, -1);
        assert_eq!(
            outcome(store.finish_login(&again, &earlier, "10.2.0.1").await),
            "error: unknown user or wrong password",
            "a code older than the last used one"
        );
        // The next step's code is still good (clock drift of one step).
        let next = code_now(&test, &secret, 1);
        assert!(store.finish_login(&again, &next, "10.2.0.1").await.is_ok());
    }
}

#[tokio::test]
async fn pending_logins_expire_and_wrong_codes_are_throttled() {
    for test in stores().await {
        let store = &test.store;
        user(store, "farida", Role::Analyst).await;
        let secret = enrol(&test, "farida").await;
        test.clock.advance(Duration::seconds(60));
        let token = pending(store, "farida", "10.3.0.1").await;
        test.clock
            .advance(Duration::seconds(kuzet_store::PENDING_LOGIN_SECS));
        let code = code_now(&test, &secret, 0);
        assert_eq!(
            outcome(store.finish_login(&token, &code, "10.3.0.1").await),
            "error: not found",
            "expired pending login"
        );

        let token = pending(store, "farida", "10.3.0.1").await;
        let wrong = if code == "111111" { "222222" } else { "111111" };
        for attempt in 0..LOGIN_FAILURE_LIMIT {
            assert_eq!(
                outcome(store.finish_login(&token, wrong, "10.3.0.1").await),
                "error: unknown user or wrong password",
                "attempt {attempt}"
            );
        }
        assert!(
            matches!(
                store.finish_login(&token, &code, "10.3.0.1").await,
                Err(StoreError::Throttled { .. })
            ),
            "the right code waits out the throttle too"
        );
        assert!(
            matches!(
                store.begin_login("farida", PASSWORD, "10.3.0.2").await,
                Err(StoreError::Throttled { .. })
            ),
            "wrong codes count against the account's password sign-in"
        );
        test.clock.advance(Duration::seconds(LOGIN_WINDOW_SECS + 1));
        let token = pending(store, "farida", "10.3.0.1").await;
        let code = code_now(&test, &secret, 0);
        assert!(store.finish_login(&token, &code, "10.3.0.1").await.is_ok());
    }
}

#[tokio::test]
async fn admins_need_totp_when_the_setting_requires_it() {
    for test in stores().await {
        let store = &test.store;
        user(store, "gaukhar", Role::Admin).await;
        user(store, "halyk", Role::Coordinator).await;
        assert!(!store.require_admin_totp().await.unwrap(), "off by default");
        assert!(store.login("gaukhar", PASSWORD, "10.4.0.1").await.is_ok());
        let coordinator = actor(Role::Coordinator, 2);
        assert_eq!(
            outcome(store.set_require_admin_totp(&coordinator, true).await),
            "error: forbidden"
        );
        store.set_require_admin_totp(&admin(), true).await.unwrap();
        assert!(store.require_admin_totp().await.unwrap());
        assert_eq!(
            store
                .begin_login("gaukhar", PASSWORD, "10.4.0.1")
                .await
                .unwrap(),
            kuzet_store::LoginStep::TotpEnrolmentRequired
        );
        assert!(
            matches!(
                store
                    .begin_login("gaukhar", "wrong password!", "10.4.0.1")
                    .await,
                Err(StoreError::WrongCredentials)
            ),
            "the requirement is told only after the right password"
        );
        assert!(
            matches!(
                store
                    .begin_login("halyk", PASSWORD, "10.4.0.1")
                    .await
                    .unwrap(),
                kuzet_store::LoginStep::Session(_)
            ),
            "other roles are not concerned"
        );
        let secret = enrol(&test, "gaukhar").await;
        test.clock.advance(Duration::seconds(30));
        let token = pending(store, "gaukhar", "10.4.0.1").await;
        let code = code_now(&test, &secret, 0);
        assert!(store.finish_login(&token, &code, "10.4.0.1").await.is_ok());
        store.set_require_admin_totp(&admin(), false).await.unwrap();
        assert!(!store.require_admin_totp().await.unwrap());
    }
}
