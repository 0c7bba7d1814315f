//! One browser session and the elements found in it.
//!
//! A session is deleted (the browser closed) when it is dropped.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::WebDriverError;
use crate::driver::Http;

/// The key under which WebDriver names an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long navigation may take before the driver gives up.
const PAGE_LOAD_TIMEOUT_MS: u64 = 30_000;

/// An open browser.
pub struct Session {
    http: Http,
    id: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).finish()
    }
}

impl Session {
    pub(crate) fn new(http: Http, id: String) -> Session {
        let session = Session { http, id };
        // Elements are looked up once, explicitly: no implicit waiting hides a missing element.
        let timeouts = json!({ "implicit": 0, "pageLoad": PAGE_LOAD_TIMEOUT_MS, "script": 10_000 });
        if let Err(error) = session.command("set timeouts", "POST", "/timeouts", Some(timeouts)) {
            // The driver's defaults still work; the failure is worth seeing once.
            eprintln!("webdriver: could not set timeouts: {error}");
        }
        session
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn command(
        &self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        self.http
            .send(name, method, &format!("/session/{}{path}", self.id), body)
    }

    /// Loads `url` and waits until the page has loaded.
    pub fn navigate(&self, url: &str) -> Result<(), WebDriverError> {
        self.command(
            &format!("navigate to {url}"),
            "POST",
            "/url",
            Some(json!({ "url": url })),
        )
        .map(drop)
    }

    /// The address of the current page.
    pub fn url(&self) -> Result<String, WebDriverError> {
        string(self.command("get url", "GET", "/url", None)?, "get url")
    }

    pub fn title(&self) -> Result<String, WebDriverError> {
        string(
            self.command("get title", "GET", "/title", None)?,
            "get title",
        )
    }

    /// The current document, serialised.
    pub fn source(&self) -> Result<String, WebDriverError> {
        string(
            self.command("get page source", "GET", "/source", None)?,
            "get page source",
        )
    }

    /// The first element matching the CSS selector `css`.
    pub fn find(&self, css: &str) -> Result<Element, WebDriverError> {
        let name = format!("find {css}");
        let value = self.command(&name, "POST", "/element", Some(locator(css)))?;
        self.element(value, &name)
    }

    /// The first element matching `css`, or `None` when there is none.
    pub fn try_find(&self, css: &str) -> Result<Option<Element>, WebDriverError> {
        match self.find(css) {
            Ok(element) => Ok(Some(element)),
            Err(error) if error.code() == Some("no such element") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every element matching `css`, in document order.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, WebDriverError> {
        let name = format!("find all {css}");
        let value = self.command(&name, "POST", "/elements", Some(locator(css)))?;
        self.elements(value, &name)
    }

    /// Waits up to `timeout` for an element matching `css` to appear.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, WebDriverError> {
        let started = Instant::now();
        loop {
            if let Some(element) = self.try_find(css)? {
                return Ok(element);
            }
            if started.elapsed() > timeout {
                return Err(WebDriverError::Timeout {
                    waited: timeout,
                    what: format!("an element {css}"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    /// Elements may be passed with `Element::to_json`.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, WebDriverError> {
        self.command(
            "execute script",
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Sizes the browser window (the outer window; the page's viewport is what is left inside).
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), WebDriverError> {
        self.command(
            "set window rect",
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .map(drop)
    }

    /// Runs a Chrome DevTools Protocol command (a Chromium extension of WebDriver).
    pub fn devtools(&self, command: &str, params: Value) -> Result<Value, WebDriverError> {
        self.command(
            &format!("devtools {command}"),
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": command, "params": params })),
        )
    }

    /// A PNG of the visible part of the page.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, WebDriverError> {
        let encoded = string(
            self.command("take screenshot", "GET", "/screenshot", None)?,
            "take screenshot",
        )?;
        Ok(base64::engine::general_purpose::STANDARD.decode(encoded)?)
    }

    /// Closes the browser now, reporting a failure (dropping the session closes it silently).
    pub fn close(mut self) -> Result<(), WebDriverError> {
        let id = std::mem::take(&mut self.id);
        self.http
            .send("delete session", "DELETE", &format!("/session/{id}"), None)
            .map(drop)
    }

    fn element(&self, value: Value, command: &str) -> Result<Element, WebDriverError> {
        match value[ELEMENT_KEY].as_str() {
            Some(id) => Ok(Element {
                http: self.http.clone(),
                session: self.id.clone(),
                id: id.to_owned(),
            }),
            None => Err(WebDriverError::Unexpected {
                command: command.to_owned(),
                answer: value.to_string(),
            }),
        }
    }

    fn elements(&self, value: Value, command: &str) -> Result<Vec<Element>, WebDriverError> {
        let Value::Array(items) = value else {
            return Err(WebDriverError::Unexpected {
                command: command.to_owned(),
                answer: value.to_string(),
            });
        };
        items
            .into_iter()
            .map(|item| self.element(item, command))
            .collect()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.id.is_empty() {
            // Nothing can be done about a failure here; the driver's process ends soon anyway.
            let _ = self.http.send(
                "delete session",
                "DELETE",
                &format!("/session/{}", self.id),
                None,
            );
        }
    }
}

/// An element of the current page. It goes stale when the page changes.
#[derive(Clone)]
pub struct Element {
    http: Http,
    session: String,
    id: String,
}

impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element").field("id", &self.id).finish()
    }
}

impl Element {
    fn command(
        &self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        self.http.send(
            name,
            method,
            &format!("/session/{}/element/{}{path}", self.session, self.id),
            body,
        )
    }

    /// The reference to pass to `Session::execute`.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    /// Clicks the element's centre, as a user would; fails when another element covers it.
    pub fn click(&self) -> Result<(), WebDriverError> {
        self.command("click", "POST", "/click", Some(json!({})))
            .map(drop)
    }

    /// Types `text` into the element (for a file input: the path of the file to choose).
    pub fn send_keys(&self, text: &str) -> Result<(), WebDriverError> {
        self.command("send keys", "POST", "/value", Some(json!({ "text": text })))
            .map(drop)
    }

    /// Empties an input or textarea.
    pub fn clear(&self) -> Result<(), WebDriverError> {
        self.command("clear", "POST", "/clear", Some(json!({})))
            .map(drop)
    }

    /// The rendered text, as a user sees it.
    pub fn text(&self) -> Result<String, WebDriverError> {
        string(self.command("get text", "GET", "/text", None)?, "get text")
    }

    /// An attribute as written in the document, or `None` when it is absent.
    pub fn attribute(&self, name: &str) -> Result<Option<String>, WebDriverError> {
        Ok(self
            .command(
                &format!("get attribute {name}"),
                "GET",
                &format!("/attribute/{name}"),
                None,
            )?
            .as_str()
            .map(str::to_owned))
    }

    /// A DOM property, such as an input's current `value` or a checkbox's `checked`.
    pub fn property(&self, name: &str) -> Result<Value, WebDriverError> {
        self.command(
            &format!("get property {name}"),
            "GET",
            &format!("/property/{name}"),
            None,
        )
    }

    /// Whether an option or checkbox is selected.
    pub fn is_selected(&self) -> Result<bool, WebDriverError> {
        Ok(self
            .command("is selected", "GET", "/selected", None)?
            .as_bool()
            .unwrap_or(false))
    }

    /// The first element inside this one matching `css`.
    pub fn find(&self, css: &str) -> Result<Element, WebDriverError> {
        let name = format!("find {css} inside an element");
        let value = self.command(&name, "POST", "/element", Some(locator(css)))?;
        match value[ELEMENT_KEY].as_str() {
            Some(id) => Ok(Element {
                http: self.http.clone(),
                session: self.session.clone(),
                id: id.to_owned(),
            }),
            None => Err(WebDriverError::Unexpected {
                command: name,
                answer: value.to_string(),
            }),
        }
    }

    /// Every element inside this one matching `css`.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, WebDriverError> {
        let name = format!("find all {css} inside an element");
        let value = self.command(&name, "POST", "/elements", Some(locator(css)))?;
        let Value::Array(items) = value else {
            return Err(WebDriverError::Unexpected {
                command: name,
                answer: value.to_string(),
            });
        };
        items
            .into_iter()
            .map(|item| match item[ELEMENT_KEY].as_str() {
                Some(id) => Ok(Element {
                    http: self.http.clone(),
                    session: self.session.clone(),
                    id: id.to_owned(),
                }),
                None => Err(WebDriverError::Unexpected {
                    command: name.clone(),
                    answer: item.to_string(),
                }),
            })
            .collect()
    }
}

fn locator(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

fn string(value: Value, command: &str) -> Result<String, WebDriverError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(WebDriverError::Unexpected {
            command: command.to_owned(),
            answer: other.to_string(),
        }),
    }
}
