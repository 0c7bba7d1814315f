//! Reading the `Cookie` header and writing `Set-Cookie` values with the attributes every
//! Kuzet cookie carries: `HttpOnly; SameSite=Strict; Path=/`, and `Secure` behind TLS.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie: an opaque random token whose state lives in the store.
pub const SESSION: &str = "kuzet_session";
/// The CSRF token of a visitor who is not signed in yet (the sign-in form).
pub const ANONYMOUS_CSRF: &str = "kuzet_csrf";
/// The chosen interface language.
pub const LANG: &str = "kuzet_lang";

/// The value of cookie `name`, if the request sent it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value. `max_age_secs` of `Some(0)` deletes the cookie; `None` makes it last
/// for the browser session.
pub fn set(name: &str, value: &str, secure: bool, max_age_secs: Option<u64>) -> HeaderValue {
    let mut cookie = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/");
    if let Some(age) = max_age_secs {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    // Names and values are our own ASCII tokens, so the header value is always valid.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A new random token of 32 bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Without an operating-system random source nothing about sessions can be safe; refuse to run.
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; kuzet_session=abc ; b=2"));
        assert_eq!(get(&headers, SESSION).as_deref(), Some("abc"));
        assert_eq!(get(&headers, "c"), None);
    }

    #[test]
    fn cookie_attributes() {
        assert_eq!(set(SESSION, "t", true, None), "kuzet_session=t; HttpOnly; SameSite=Strict; Path=/; Secure");
        assert_eq!(set(LANG, "ru", false, Some(0)), "kuzet_lang=ru; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_eq!(random_token().len(), 64);
    }
}
