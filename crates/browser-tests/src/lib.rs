//! A minimal W3C WebDriver client, enough to drive Chromium through `chromedriver` in Kuzet's
//! end-to-end tests (`tests/it`): start the driver, open a session, navigate, find elements by
//! CSS, type, click, read text and attributes, run a script, size the window, take a screenshot.
//!
//! It speaks plain HTTP with JSON bodies to a driver on 127.0.0.1; nothing here knows Kuzet.
//! The protocol is <https://www.w3.org/TR/webdriver2/>; only the commands the tests use exist.

mod driver;
mod session;

pub use driver::{BrowserOptions, ChromeDriver};
pub use session::{Element, Session};

use std::path::PathBuf;
use std::time::Duration;

/// Why a WebDriver command failed.
#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    #[error("starting chromedriver {path}: {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("chromedriver did not report ready within {0:?}")]
    NotReady(Duration),
    #[error("talking to chromedriver: {0}")]
    Http(#[from] ureq::Error),
    /// The driver answered with a WebDriver error (`no such element`, `element click
    /// intercepted`, `javascript error`, ...).
    #[error("{command}: {error}: {message}")]
    Command {
        command: String,
        error: String,
        message: String,
    },
    #[error("{command}: unexpected answer {answer}")]
    Unexpected { command: String, answer: String },
    #[error("the screenshot is not base64: {0}")]
    Screenshot(#[from] base64::DecodeError),
    #[error("waited {waited:?} for {what}")]
    Timeout { waited: Duration, what: String },
}

impl WebDriverError {
    /// The WebDriver error code (`no such element`, ...), when the driver sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            WebDriverError::Command { error, .. } => Some(error),
            _ => None,
        }
    }
}
