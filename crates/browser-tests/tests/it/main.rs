//! End-to-end tests of the Kuzet web app in headless Chromium.
//!
//! Each test starts the real app in-process on 127.0.0.1 (a fresh SQLite file with the demo
//! register and one account per role), starts `chromedriver`, and drives a browser through the
//! pages as a person would: typing into forms and pressing their buttons. Every page a test
//! visits is also checked for requests that leave the app's origin and for fitting a phone's
//! width (`Browser::check_page`). When a test fails, a screenshot and the page's HTML of each of
//! its browsers are kept in `target/browser-failures/`.
//!
//! The tests need `KUZET_TEST_CHROMEDRIVER` (such as `/usr/bin/chromedriver` from Debian's
//! `chromium-driver`); without it each one says it is skipped and passes.

mod conflict;
mod duplicates;
mod events;
mod import;
mod login;
mod pages;
mod protocols;
mod public;
mod register;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use kuzet_browser_tests::{BrowserOptions, ChromeDriver, Element, Session};
use kuzet_register::{Actor, Role};
use kuzet_store::Store;
use kuzet_web::{AppState, WebConfig};
use serde_json::{Value, json};

/// The password of every test account.
pub const PASSWORD: &str = "correct horse battery";

/// The accounts of every test app; two coordinators so that two people can edit one record.
pub const ACCOUNTS: [(&str, Role); 5] = [
    ("admin", Role::Admin),
    ("coordinator", Role::Coordinator),
    ("coordinator2", Role::Coordinator),
    ("volunteer", Role::Volunteer),
    ("analyst", Role::Analyst),
];

/// A phone's viewport in CSS pixels (an iPhone X-sized screen).
pub const PHONE: Size = Size {
    width: 375,
    height: 812,
};
/// A laptop's window.
pub const DESKTOP: Size = Size {
    width: 1280,
    height: 900,
};

/// How long a page may take to replace the previous one after a click.
const NAVIGATION_WAIT: Duration = Duration::from_secs(15);

/// The seed of the demo register every app is loaded with.
const DEMO_SEED: u64 = 2019;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// The name of the enclosing test function, for the screenshot's file name.
#[macro_export]
macro_rules! test_name {
    () => {{
        fn here() {}
        let path = std::any::type_name_of_val(&here);
        let path = path.strip_suffix("::here").unwrap_or(path);
        path.rsplit("::").next().unwrap_or(path)
    }};
}

/// Runs one browser scenario: skips it when no chromedriver is configured, starts the app and
/// the driver, and on failure keeps a screenshot of every browser before failing the test.
///
/// A page that reaches outside its origin or does not fit a phone does not stop the scenario:
/// its screenshot is kept at once, the scenario goes on (so that a layout fault does not hide
/// a broken form), and the test fails at the end listing every such page.
pub fn scenario(name: &str, body: impl FnOnce(&Scenario)) {
    let Some(chromedriver) =
        std::env::var_os("KUZET_TEST_CHROMEDRIVER").filter(|path| !path.is_empty())
    else {
        println!("skipped: KUZET_TEST_CHROMEDRIVER not set");
        return;
    };
    forget_old_failures(name);
    let app = App::start();
    let driver =
        ChromeDriver::start(Path::new(&chromedriver)).unwrap_or_else(|error| panic!("{error}"));
    let scenario = Scenario {
        browsers: RefCell::new(Vec::new()),
        driver,
        app,
        name: name.to_owned(),
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&scenario)));
    let mut problems: Vec<String> = scenario
        .browsers
        .borrow()
        .iter()
        .flat_map(|browser| browser.problems.take())
        .collect();
    problems.dedup();
    if let Err(panic) = outcome {
        scenario.keep_failure_evidence(name);
        for problem in &problems {
            eprintln!("also: {problem}");
        }
        std::panic::resume_unwind(panic);
    }
    assert!(
        problems.is_empty(),
        "{} page checks failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// What a scenario works with. The browsers are closed before the driver stops.
pub struct Scenario {
    browsers: RefCell<Vec<Rc<Browser>>>,
    driver: ChromeDriver,
    pub app: App,
    name: String,
}

impl Scenario {
    /// Opens a new browser (its own cookies: another person) with a viewport of `size`.
    pub fn browser(&self, size: Size) -> Rc<Browser> {
        let session = self
            .driver
            .new_session(&BrowserOptions::headless())
            .unwrap_or_else(|error| panic!("opening a browser: {error}"));
        let number = self.browsers.borrow().len() + 1;
        let browser = Rc::new(Browser {
            session,
            origin: self.app.origin.clone(),
            size: std::cell::Cell::new(DESKTOP),
            evidence: format!("{}-{number}", self.name),
            problems: RefCell::new(Vec::new()),
        });
        browser.resize(size);
        self.browsers.borrow_mut().push(browser.clone());
        browser
    }

    /// Saves each browser's screenshot and HTML as `target/browser-failures/<test>[-n].png/.html`.
    fn keep_failure_evidence(&self, name: &str) {
        let folder = failures_folder();
        if let Err(error) = std::fs::create_dir_all(&folder) {
            eprintln!("could not create {}: {error}", folder.display());
            return;
        }
        for (index, browser) in self.browsers.borrow().iter().enumerate() {
            let stem = if index == 0 {
                name.to_owned()
            } else {
                format!("{name}-{}", index + 1)
            };
            let png = folder.join(format!("{stem}.png"));
            match browser.session.screenshot_png() {
                Ok(bytes) => match std::fs::write(&png, bytes) {
                    Ok(()) => eprintln!("screenshot of the failure: {}", png.display()),
                    Err(error) => eprintln!("could not write {}: {error}", png.display()),
                },
                Err(error) => eprintln!("no screenshot of browser {}: {error}", index + 1),
            }
            if let Ok(html) = browser.session.source() {
                let page = folder.join(format!("{stem}.html"));
                if let Err(error) = std::fs::write(&page, html) {
                    eprintln!("could not write {}: {error}", page.display());
                }
            }
        }
    }
}

/// Removes the screenshots an earlier run of test `name` left, so that the folder only ever
/// shows the last run's failures.
fn forget_old_failures(name: &str) {
    let Ok(entries) = std::fs::read_dir(failures_folder()) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let stem = file.rsplit_once('.').map_or(&*file, |(stem, _)| stem);
        if stem == name
            || stem
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('-'))
        {
            // A file that cannot be removed only means a stale screenshot stays beside the new ones.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `target/browser-failures`, in `CARGO_TARGET_DIR` when that is set.
fn failures_folder() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .nth(2)
                .unwrap_or(Path::new("."))
                .join("target")
        });
    target.join("browser-failures")
}

/// The app under test, served on a runtime of its own while the test thread drives a browser.
pub struct App {
    pub origin: String,
    pub store: Store,
    runtime: tokio::runtime::Runtime,
    _folder: tempfile::TempDir,
}

impl App {
    fn start() -> App {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let database = folder.path().join("kuzet.sqlite");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the async runtime starts");
        let (store, listener) = runtime.block_on(async {
            let store = Store::open(database.to_str().expect("a UTF-8 temporary path"))
                .await
                .expect("the database opens");
            store
                .load_demo(&kuzet_register::demo::generate(DEMO_SEED))
                .await
                .expect("the demo register loads");
            for (name, role) in ACCOUNTS {
                store
                    .add_user(&Actor::system(), name, PASSWORD, role)
                    .await
                    .expect("the account is created");
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a local port");
            (store, listener)
        });
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("the bound address")
        );
        let config = WebConfig {
            case_study_html: Some(kuzet_report::verify::kz_2019_case_study_html()),
            ..WebConfig::default()
        };
        let state = AppState::new(store.clone(), config);
        runtime.spawn(async move {
            if let Err(error) = kuzet_web::serve_on(listener, state).await {
                eprintln!("the app stopped serving: {error}");
            }
        });
        App {
            origin,
            store,
            runtime,
            _folder: folder,
        }
    }

    /// Runs store calls on the app's runtime: set-up and checks behind the browser's back.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.runtime.block_on(self.store.close());
    }
}

/// One person's browser on the app, with the checks every page gets.
pub struct Browser {
    session: Session,
    origin: String,
    size: std::cell::Cell<Size>,
    /// The stem of this browser's screenshot files: `<test>-<browser number>`.
    evidence: String,
    /// What `check_page` found wrong, reported when the scenario ends.
    problems: RefCell<Vec<String>>,
}

impl Browser {
    /// Opens `path` of the app and checks the page.
    pub fn visit(&self, path: &str) {
        let url = format!("{}{path}", self.origin);
        self.session
            .navigate(&url)
            .unwrap_or_else(|error| panic!("{error}"));
        self.check_page();
    }

    /// The current page's path and query, without the origin.
    pub fn path(&self) -> String {
        let url = self.session.url().unwrap_or_else(|error| panic!("{error}"));
        url.strip_prefix(&self.origin)
            .map(str::to_owned)
            .unwrap_or(url)
    }

    pub fn find(&self, css: &str) -> Element {
        self.session
            .find(css)
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    pub fn try_find(&self, css: &str) -> Option<Element> {
        self.session
            .try_find(css)
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.session
            .find_all(css)
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    /// Whether the page has an element matching `css`.
    pub fn has(&self, css: &str) -> bool {
        self.try_find(css).is_some()
    }

    /// The visible text of the first element matching `css`.
    pub fn text(&self, css: &str) -> String {
        self.find(css)
            .text()
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    /// The current value of a form control.
    pub fn value(&self, css: &str) -> String {
        match self
            .find(css)
            .property("value")
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
        {
            Value::String(value) => value,
            other => panic!("{css} has no text value but {other}"),
        }
    }

    pub fn attribute(&self, css: &str, name: &str) -> Option<String> {
        self.find(css)
            .attribute(name)
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    /// Replaces what a text field holds by typing `text`, as a person would.
    pub fn fill(&self, css: &str, text: &str) {
        let field = self.find(css);
        field
            .clear()
            .unwrap_or_else(|error| panic!("clearing {css}: {error}"));
        if !text.is_empty() {
            field
                .send_keys(text)
                .unwrap_or_else(|error| panic!("typing into {css}: {error}"));
        }
    }

    /// Chooses the option `value` of the select `css` by clicking it.
    pub fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .click()
            .unwrap_or_else(|error| panic!("opening {css}: {error}"));
        self.find(&format!("{css} option[value=\"{value}\"]"))
            .click()
            .unwrap_or_else(|error| panic!("choosing {value} in {css}: {error}"));
        assert_eq!(self.value(css), value, "{css} shows the chosen option");
    }

    /// Clicks an element that does not leave the page (a checkbox).
    pub fn click(&self, css: &str) {
        self.find(css)
            .click()
            .unwrap_or_else(|error| panic!("clicking {css} on {}: {error}", self.path()));
    }

    /// Clicks a button or link that loads another page, waits for that page, and checks it.
    pub fn click_through(&self, css: &str) {
        let element = self.find(css);
        self.mark_page();
        element
            .click()
            .unwrap_or_else(|error| panic!("clicking {css} on {}: {error}", self.path()));
        self.wait_for_new_page();
    }

    /// Marks the current document, so that `wait_for_new_page` can tell when it is replaced.
    pub fn mark_page(&self) {
        self.session
            .execute("window.__kuzetPreviousPage = true;", Vec::new())
            .unwrap_or_else(|error| panic!("{error}"));
    }

    /// Waits until the page marked by `mark_page` is replaced by a loaded one, and checks it.
    pub fn wait_for_new_page(&self) {
        let started = Instant::now();
        loop {
            // While the next page loads, the script may fail: that only means "not yet".
            let done = self
                .session
                .execute("return window.__kuzetPreviousPage === undefined && document.readyState === 'complete';", Vec::new())
                .map(|value| value == json!(true))
                .unwrap_or(false);
            if done {
                break;
            }
            assert!(
                started.elapsed() < NAVIGATION_WAIT,
                "no new page loaded within {NAVIGATION_WAIT:?} on {}",
                self.path()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        self.check_page();
    }

    /// Runs `script` in the page and returns its result.
    pub fn script(&self, script: &str) -> Value {
        self.session
            .execute(script, Vec::new())
            .unwrap_or_else(|error| panic!("on {}: {error}", self.path()))
    }

    /// The whole document as the browser holds it now.
    pub fn html(&self) -> String {
        self.session
            .source()
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// The text of the page's main part.
    pub fn main_text(&self) -> String {
        self.text("main")
    }

    /// Signs in through the login form and lands on the dashboard.
    pub fn login(&self, username: &str) {
        self.login_with(username, PASSWORD);
    }

    /// Signs in with `password` and lands on the dashboard.
    pub fn login_with(&self, username: &str, password: &str) {
        self.try_login(username, password);
        assert_eq!(
            self.path(),
            "/dashboard",
            "signing in as {username} leads to the dashboard"
        );
        assert!(
            self.text("header.site .account").contains(username),
            "the header names {username}"
        );
    }

    /// Fills and sends the login form, wherever it leads.
    pub fn try_login(&self, username: &str, password: &str) {
        self.visit("/login");
        self.fill("#f-username", username);
        self.fill("#f-password", password);
        self.click_through("form[action=\"/login\"] button[type=submit]");
    }

    /// Signs out with the header's button.
    pub fn logout(&self) {
        self.click_through("form[action=\"/logout\"] button[type=submit]");
        assert!(
            !self.has("form[action=\"/logout\"]"),
            "signed out on {}",
            self.path()
        );
    }

    /// Sizes the viewport: a phone is emulated as Chrome's device mode does (a mobile viewport
    /// that honours `<meta name=viewport>`), a desktop is a plain window.
    pub fn resize(&self, size: Size) {
        if size == PHONE {
            let metrics = json!({ "width": size.width, "height": size.height, "deviceScaleFactor": 1, "mobile": true });
            self.session
                .devtools("Emulation.setDeviceMetricsOverride", metrics)
                .unwrap_or_else(|error| panic!("{error}"));
        } else {
            self.session
                .devtools("Emulation.clearDeviceMetricsOverride", json!({}))
                .unwrap_or_else(|error| panic!("{error}"));
            self.session
                .set_window_size(size.width, size.height)
                .unwrap_or_else(|error| panic!("{error}"));
        }
        self.size.set(size);
    }

    /// The checks every visited page gets: nothing requested from another origin, and at a
    /// phone's width no sideways scrolling and every form control on screen. What fails is kept
    /// (with a screenshot taken at the phone's width) and reported when the scenario ends.
    pub fn check_page(&self) {
        let mut problems = Vec::new();
        problems.extend(self.check_origin().err());
        let size = self.size.get();
        if size != PHONE {
            self.resize(PHONE);
        }
        problems.extend(self.check_phone_width().err());
        // A page visited again with the same fault is reported (and photographed) once.
        problems.retain(|problem| {
            self.problems
                .borrow()
                .iter()
                .all(|known| !known.starts_with(problem.as_str()))
        });
        if !problems.is_empty() {
            let count = self.problems.borrow().len() + 1;
            let file = failures_folder().join(format!("{}-page-{count}.png", self.evidence));
            let saved = std::fs::create_dir_all(failures_folder())
                .map_err(|error| error.to_string())
                .and_then(|()| {
                    self.session
                        .screenshot_png()
                        .map_err(|error| error.to_string())
                })
                .and_then(|png| std::fs::write(&file, png).map_err(|error| error.to_string()));
            let note = match saved {
                Ok(()) => format!(" (screenshot {})", file.display()),
                Err(error) => format!(" (no screenshot: {error})"),
            };
            self.problems
                .borrow_mut()
                .extend(problems.into_iter().map(|problem| problem + &note));
        }
        if size != PHONE {
            self.resize(size);
        }
    }

    /// What `check_page` would find wrong with the page as it is now, without keeping it.
    pub fn page_faults(&self) -> Vec<String> {
        let size = self.size.get();
        if size != PHONE {
            self.resize(PHONE);
        }
        let faults = [self.check_origin().err(), self.check_phone_width().err()];
        if size != PHONE {
            self.resize(size);
        }
        faults.into_iter().flatten().collect()
    }

    fn check_origin(&self) -> Result<(), String> {
        let found = self
            .session
            .execute(ORIGIN_SCRIPT, vec![json!(self.origin)])
            .map_err(|error| error.to_string())?;
        let foreign: Vec<&str> = found["foreign"]
            .as_array()
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !foreign.is_empty() {
            return Err(format!(
                "{} reaches outside {}: {foreign:?}",
                self.path(),
                self.origin
            ));
        }
        if found["document"] != json!(true) {
            return Err(format!(
                "the page {} does not come from {}",
                self.path(),
                self.origin
            ));
        }
        Ok(())
    }

    /// Measures the page at a phone's width; the caller restores the size before failing.
    fn check_phone_width(&self) -> Result<(), String> {
        let path = self.path();
        let phone = u64::from(PHONE.width);
        // The emulation applies with the next frame; wait for the layout to narrow.
        let started = Instant::now();
        let measured = loop {
            let measured = self
                .session
                .execute(PHONE_SCRIPT, Vec::new())
                .map_err(|error| error.to_string())?;
            if measured["layout"].as_u64() == Some(phone)
                || started.elapsed() > Duration::from_secs(2)
            {
                break measured;
            }
            std::thread::sleep(Duration::from_millis(30));
        };
        let number = |key: &str| measured[key].as_u64().unwrap_or(u64::MAX);
        let layout = number("layout");
        if layout != phone {
            return Err(format!(
                "{path}: at a phone's width the page is laid out {layout} px wide (is `<meta name=viewport>` missing?)"
            ));
        }
        let (scroll_width, visual) = (number("scrollWidth"), number("visual"));
        if scroll_width > layout + 1 || visual > layout + 1 {
            return Err(format!(
                "{path}: at a phone's width ({layout} px) the page is {} px wide; it overflows at {}",
                scroll_width.max(visual),
                measured["culprits"]
            ));
        }
        match measured["offscreen"].as_array() {
            Some(controls) if controls.is_empty() => Ok(()),
            other => Err(format!(
                "{path}: form controls out of a phone's screen: {other:?}"
            )),
        }
    }
}

/// Lists every resource the page fetched and every reference that would fetch or send
/// something, that is not on the app's origin (`arguments[0]`).
const ORIGIN_SCRIPT: &str = r#"
const origin = arguments[0] + "/";
const foreign = [];
const check = (what, url) => { if (url && !url.startsWith(origin)) foreign.push(what + " " + url); };
for (const entry of performance.getEntriesByType("resource")) check("request", entry.name);
for (const element of document.querySelectorAll("script[src]")) check("script", element.src);
for (const element of document.querySelectorAll("link[href]")) check("link", element.href);
for (const element of document.querySelectorAll("img[src], iframe[src], video[src], audio[src], source[src], embed[src], track[src]")) check(element.tagName.toLowerCase(), element.src);
for (const element of document.querySelectorAll("object[data]")) check("object", element.data);
for (const form of document.forms) check("form", form.action);
return { foreign, document: location.href.startsWith(origin) };
"#;

/// The layout viewport's width (what `<meta name=viewport>` asks for), the visual viewport's
/// (wider when the browser had to zoom out to show the page), the page's, the elements where an
/// overflow starts (wider than the screen inside a parent that is not), and every visible form
/// control that is not wholly inside the screen's width. A control inside a box that scrolls
/// sideways (a wide table made scrollable) can be reached by swiping it, so it counts as on screen.
const PHONE_SCRIPT: &str = r##"
const layout = document.documentElement.clientWidth;
const visual = window.innerWidth;
const scrollWidth = document.documentElement.scrollWidth;
const limit = layout + 1;
const culprits = [];
if (scrollWidth > limit || visual > limit) {
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    const parent = element.parentElement.getBoundingClientRect();
    if (box.right + window.scrollX > limit && parent.right + window.scrollX <= limit && culprits.length < 5) {
      const classes = typeof element.className === "string" && element.className ? "." + element.className.trim().split(/\s+/).join(".") : "";
      culprits.push(element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") + classes + " (" + Math.round(box.width) + " px)");
    }
  }
}
const offscreen = [];
for (const control of document.querySelectorAll("form input:not([type=hidden]), form select, form textarea, form button")) {
  if (control.getClientRects().length === 0) continue;
  let scrolled = false;
  for (let box = control.parentElement; box && box !== document.documentElement; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowX;
    if (overflow === "auto" || overflow === "scroll") { scrolled = true; break; }
  }
  if (scrolled) continue;
  const box = control.getBoundingClientRect();
  const left = box.left + window.scrollX;
  if (left < -1 || left + box.width > limit || box.width < 1 || box.height < 1) {
    offscreen.push((control.name || control.textContent.trim()) + " at " + Math.round(left) + "+" + Math.round(box.width) + " px");
  }
}
return { layout, visual, scrollWidth, culprits, offscreen };
"##;

/// The button that saves the app's generic form.
pub const SAVE: &str = "form.form button[type=submit]";
