//! The web app and JSON API: the only crate that knows HTTP, HTML and JSON view types.
//! Handlers are thin: they parse input into domain types, call the store, render.
