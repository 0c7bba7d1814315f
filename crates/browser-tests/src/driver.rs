//! The `chromedriver` process and the HTTP exchange with it.
//!
//! The driver is started on a free port of 127.0.0.1 and killed when `ChromeDriver` is dropped,
//! so a failed test never leaves a browser behind.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Session, WebDriverError};

/// How long the driver may take to start listening.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// How long one command may take; a page load is bounded separately by the session's timeouts.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How the browser is started.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// Command-line switches of Chromium.
    pub args: Vec<String>,
    /// The browser binary, when chromedriver should not look for it itself.
    pub binary: Option<PathBuf>,
    /// The `Accept-Language` the browser sends.
    pub accept_languages: String,
}

impl BrowserOptions {
    /// Headless Chromium that talks to nobody but the pages it is sent to: no background
    /// networking, component updates, sync or first-run screens. `--no-sandbox` because CI runs
    /// as root in a container.
    pub fn headless() -> BrowserOptions {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        BrowserOptions {
            args: args.map(str::to_owned).to_vec(),
            binary: None,
            accept_languages: "en-US,en".into(),
        }
    }

    fn capabilities(&self) -> Value {
        let mut chrome = json!({
            "args": self.args,
            "prefs": { "intl.accept_languages": self.accept_languages },
        });
        if let Some(binary) = &self.binary {
            chrome["binary"] = json!(binary);
        }
        json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": chrome,
        } } })
    }
}

/// A running `chromedriver`; sessions opened from it share its process.
pub struct ChromeDriver {
    child: Child,
    http: Http,
}

impl std::fmt::Debug for ChromeDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromeDriver")
            .field("pid", &self.child.id())
            .field("base", &self.http.base)
            .finish()
    }
}

impl ChromeDriver {
    /// Starts the driver at `path` on a free local port and waits until it reports ready.
    pub fn start(path: &Path) -> Result<ChromeDriver, WebDriverError> {
        let spawn_error = |source| WebDriverError::Spawn {
            path: path.to_owned(),
            source,
        };
        let port = free_port().map_err(spawn_error)?;
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(spawn_error)?;
        // From here on, dropping `driver` kills the process, whatever fails next.
        let driver = ChromeDriver {
            child,
            http: Http::new(format!("http://127.0.0.1:{port}")),
        };
        let started = Instant::now();
        loop {
            // Until the driver listens, connecting fails; that is the expected answer for a while.
            if let Ok(status) = driver.http.send("status", "GET", "/status", None)
                && status["ready"] == json!(true)
            {
                return Ok(driver);
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(WebDriverError::NotReady(READY_TIMEOUT));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens a browser.
    pub fn new_session(&self, options: &BrowserOptions) -> Result<Session, WebDriverError> {
        let answer = self.http.send(
            "new session",
            "POST",
            "/session",
            Some(options.capabilities()),
        )?;
        let id = answer["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError::Unexpected {
                command: "new session".into(),
                answer: answer.to_string(),
            })?;
        Ok(Session::new(self.http.clone(), id.to_owned()))
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The process may already have ended; either way it must not outlive the test.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago. The driver binds it itself, so there is a short race
/// with other processes; on a test machine that is acceptable.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// JSON over HTTP to the driver.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(base: String) -> Http {
        let config = ureq::Agent::config_builder()
            // WebDriver reports its errors as JSON bodies of 4xx/5xx answers; they are read below.
            .http_status_as_error(false)
            // The driver is on localhost: never go through a proxy from the environment.
            .proxy(None)
            .timeout_global(Some(COMMAND_TIMEOUT))
            .build();
        Http {
            agent: config.into(),
            base,
        }
    }

    /// Sends one command and returns its `value`, or the WebDriver error it answered.
    pub(crate) fn send(
        &self,
        command: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call()?,
            ("DELETE", _) => self.agent.delete(&url).call()?,
            (_, body) => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({})))?,
        };
        let status = response.status();
        let answer: Value = response
            .into_body()
            .into_with_config()
            .limit(64 * 1024 * 1024)
            .read_json()?;
        let value = answer.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        match (value["error"].as_str(), value["message"].as_str()) {
            (Some(error), message) => Err(WebDriverError::Command {
                command: command.to_owned(),
                error: error.to_owned(),
                message: message
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            }),
            _ => Err(WebDriverError::Unexpected {
                command: command.to_owned(),
                answer: format!("{status}: {answer}"),
            }),
        }
    }
}
