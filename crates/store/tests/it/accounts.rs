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
