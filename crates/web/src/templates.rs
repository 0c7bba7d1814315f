//! The page templates, embedded in the binary and rendered with minijinja.
//!
//! Autoescape is on for every `.html` template, so any text from a user or the database is
//! escaped unless a template marks a value `|safe`; only SVG built by our own chart code is.
//! Printing an undefined value is an error (semi-strict: `if` may test for absence), so a
//! misspelt field fails the page tests instead of showing nothing.

use minijinja::{Environment, UndefinedBehavior};

use crate::WebError;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("persons.html", include_str!("../templates/persons.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("form.html", include_str!("../templates/form.html")),
    ("events.html", include_str!("../templates/events.html")),
    ("event.html", include_str!("../templates/event.html")),
    ("public.html", include_str!("../templates/public.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("tokens.html", include_str!("../templates/tokens.html")),
    ("totp.html", include_str!("../templates/totp.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("delete.html", include_str!("../templates/delete.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("duplicates.html", include_str!("../templates/duplicates.html")),
    ("case_study_missing.html", include_str!("../templates/case_study_missing.html")),
    ("elections.html", include_str!("../templates/elections.html")),
    ("election.html", include_str!("../templates/election.html")),
    ("election_area.html", include_str!("../templates/election_area.html")),
    ("election_official.html", include_str!("../templates/election_official.html")),
    ("election_public.html", include_str!("../templates/election_public.html")),
    ("election_new.html", include_str!("../templates/election_new.html")),
    ("station.html", include_str!("../templates/station.html")),
    ("conflicts.html", include_str!("../templates/conflicts.html")),
    ("submission_form.html", include_str!("../templates/submission_form.html")),
];

/// The embedded stylesheet, served at `/static/kuzet.css`.
pub const STYLESHEET: &str = include_str!("../static/kuzet.css");

#[derive(Debug)]
pub struct Templates {
    environment: Environment<'static>,
}

impl Templates {
    pub fn load() -> Templates {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        environment.set_trim_blocks(true);
        environment.set_lstrip_blocks(true);
        for (name, source) in TEMPLATES {
            // The templates are part of the binary; a syntax error is a bug the tests catch.
            environment.add_template(name, source).unwrap_or_else(|error| panic!("template {name}: {error}"));
        }
        environment.add_filter("fill", fill_filter);
        environment.add_filter("urlencode", |value: String| crate::viewer::percent_encode(&value));
        environment.add_filter("tv", value_label);
        Templates { environment }
    }

    pub fn render(&self, name: &str, context: &minijinja::Value) -> Result<String, WebError> {
        let template = self.environment.get_template(name).map_err(|error| WebError::Internal(format!("template {name}: {error}")))?;
        template.render(context).map_err(|error| WebError::Internal(format!("template {name}: {error:#}")))
    }
}

/// `{{ person.status | tv("status") }}`: the catalogue's words for a machine value (the key
/// `status_held`), or the value itself when the catalogue has none. A list is labelled item by
/// item and joined with commas.
fn value_label(state: &minijinja::State, value: minijinja::Value, prefix: String) -> String {
    let messages = state.lookup("t");
    let one = |item: &minijinja::Value| -> String {
        let text = item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string());
        messages
            .as_ref()
            .and_then(|messages| messages.get_attr(&format!("{prefix}_{text}")).ok())
            .and_then(|label| label.as_str().map(str::to_owned))
            .unwrap_or(text)
    };
    match value.try_iter() {
        Ok(items) if value.as_str().is_none() => items.map(|item| one(&item)).collect::<Vec<_>>().join(", "),
        _ => one(&value),
    }
}

/// `{{ t.page_of | fill(page=2, pages=9) }}`: fills `{name}` placeholders of a message.
fn fill_filter(template: String, kwargs: minijinja::value::Kwargs) -> Result<String, minijinja::Error> {
    let mut text = template;
    for key in kwargs.args() {
        let value: minijinja::Value = kwargs.get(key)?;
        text = text.replace(&format!("{{{key}}}"), &value.to_string());
    }
    Ok(text)
}
