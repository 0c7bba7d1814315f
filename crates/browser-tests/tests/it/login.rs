//! Signing in and out: a wrong password keeps the typed name, each role sees its own menu, and a
//! page the role may not use says so.

use crate::{DESKTOP, PHONE, scenario, test_name};

/// The header's links to the register's pages.
fn menu(browser: &crate::Browser) -> Vec<String> {
    browser
        .find_all("header.site nav:not(.languages) a")
        .iter()
        .map(|link| {
            link.attribute("href")
                .expect("a link's href")
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn signing_in_shows_each_role_its_menu_and_a_wrong_password_keeps_the_name() {
    scenario(test_name!(), |s| {
        let browser = s.browser(PHONE);
        browser.visit("/");
        assert!(
            !menu(&browser).contains(&"/persons".to_owned()),
            "a visitor sees no register: {:?}",
            menu(&browser)
        );
        browser.click_through("header.site .account a[href=\"/login\"]");
        assert_eq!(browser.path(), "/login");

        browser.fill("#f-username", "coordinator");
        browser.fill("#f-password", "not the password at all");
        browser.click_through("form[action=\"/login\"] button[type=submit]");
        assert_eq!(browser.path(), "/login");
        assert_eq!(
            browser.attribute("p.notice.error", "role").as_deref(),
            Some("alert")
        );
        assert!(
            browser.text("p.notice.error").contains("wrong"),
            "{}",
            browser.text("p.notice.error")
        );
        assert_eq!(
            browser.value("#f-username"),
            "coordinator",
            "the typed name is kept"
        );
        assert_eq!(
            browser.value("#f-password"),
            "",
            "the password is never sent back"
        );
        assert!(
            !browser.has("form[action=\"/logout\"]"),
            "nobody is signed in"
        );

        browser.login("coordinator");
        let coordinator = menu(&browser);
        for page in [
            "/dashboard",
            "/persons",
            "/events",
            "/import",
            "/audit",
            "/public",
        ] {
            assert!(
                coordinator.contains(&page.to_owned()),
                "a coordinator's menu has {page}: {coordinator:?}"
            );
        }
        browser.logout();
        assert!(
            !menu(&browser).contains(&"/persons".to_owned()),
            "signed out, the register is gone: {:?}",
            menu(&browser)
        );

        browser.login("volunteer");
        let volunteer = menu(&browser);
        assert!(volunteer.contains(&"/persons".to_owned()), "{volunteer:?}");
        for page in ["/import", "/audit"] {
            assert!(
                !volunteer.contains(&page.to_owned()),
                "a volunteer's menu has no {page}: {volunteer:?}"
            );
        }
        browser.visit("/import");
        assert!(
            !browser.has("input[type=file]"),
            "a volunteer gets no import form"
        );
        assert!(
            browser.text("main h1").contains("403"),
            "{}",
            browser.main_text()
        );
    });
}

#[test]
fn an_admin_adds_an_account_whose_password_works_once_given_and_stops_when_disabled() {
    scenario(test_name!(), |s| {
        let admin = s.browser(DESKTOP);
        admin.login("admin");
        admin.visit("/admin/users");
        admin.fill("#f-username", "observer.aigul");
        admin.choose("#f-role", "volunteer");
        admin.click_through("form[action=\"/admin/users\"] button[type=submit]");
        let notice = admin.text("main section.notice[role=status]");
        assert!(notice.contains("observer.aigul"), "{notice}");
        let password = admin.text("main section.notice code");
        assert!(
            password.len() >= 10,
            "a generated password is shown once: {password:?}"
        );

        let observer = s.browser(PHONE);
        observer.login_with("observer.aigul", &password);
        assert!(
            observer.text("header.site .account").contains("volunteer"),
            "{}",
            observer.text("header.site .account")
        );
        observer.logout();

        // Disabled, the same password no longer opens the register.
        admin.visit("/admin/users");
        let row = admin
            .find_all("main table tbody tr")
            .into_iter()
            .find(|row| row.text().expect("a row").contains("observer.aigul"))
            .expect("the new account is listed");
        let disable = row
            .find("form[action$=\"/disable\"] button")
            .expect("a disable button");
        let action = row
            .find("form[action$=\"/disable\"]")
            .and_then(|form| form.attribute("action"))
            .expect("the form's action");
        assert!(action.is_some_and(|action| action.starts_with("/admin/users/")));
        admin.mark_page();
        disable.click().expect("the disable button is clickable");
        admin.wait_for_new_page();
        observer.try_login("observer.aigul", &password);
        assert_eq!(
            observer.path(),
            "/login",
            "a disabled account cannot sign in"
        );
        assert!(!observer.has("form[action=\"/logout\"]"));
    });
}
