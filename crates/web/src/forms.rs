//! HTML forms: reading URL-encoded bodies (repeated keys included, for checkboxes), and the
//! field descriptions the one form template renders, each with its value kept and its
//! validation message beside it.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde::Serialize;

use crate::WebError;
use crate::viewer::{BODY_LIMIT_BYTES, query_param_pairs};

/// A submitted form: every `name=value` pair in order.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    pub fn parse(encoded: &str) -> FormData {
        FormData { pairs: query_param_pairs(encoded) }
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData { pairs }
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or("")
    }

    /// Every value of `name` (checkboxes send one pair per ticked box).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "true" | "1" | "yes")
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = WebError;

    async fn from_request(request: Request, _state: &S) -> Result<FormData, WebError> {
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT_BYTES).await.map_err(|_| WebError::TooLarge)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| WebError::BadRequest("the form is not UTF-8".into()))?;
        Ok(FormData::parse(text))
    }
}

/// Validation messages by field name.
pub type FieldErrors = BTreeMap<String, String>;

/// One choice of a select or a checkbox group.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice { value: value.into(), label: label.into() }
    }
}

/// One field as the form template draws it.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// `text`, `textarea`, `select`, `checkbox`, `checkboxes`, `date`, `number`.
    pub kind: &'static str,
    pub value: String,
    /// For `checkboxes`: the ticked values.
    pub values: Vec<String>,
    pub options: Vec<Choice>,
    pub required: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl FormField {
    pub fn new(name: &'static str, label: String, kind: &'static str, value: impl Into<String>) -> FormField {
        FormField {
            name,
            label,
            kind,
            value: value.into(),
            values: Vec::new(),
            options: Vec::new(),
            required: false,
            hint: None,
            error: None,
        }
    }

    pub fn required(mut self) -> FormField {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> FormField {
        self.hint = Some(hint.into());
        self
    }

    pub fn options(mut self, options: Vec<Choice>) -> FormField {
        self.options = options;
        self
    }

    pub fn values(mut self, values: Vec<String>) -> FormField {
        self.values = values;
        self
    }
}

/// Puts each error beside its field; errors for fields the form does not show are returned so
/// the page can list them at the top.
pub fn attach_errors(fields: &mut [FormField], errors: &FieldErrors, translate: impl Fn(&str) -> String) -> Vec<String> {
    let mut unplaced = Vec::new();
    for (name, message) in errors {
        let message = translate(message);
        match fields.iter_mut().find(|field| field.name == name) {
            Some(field) => field.error = Some(message),
            None => unplaced.push(format!("{name}: {message}")),
        }
    }
    unplaced
}
