//! The shell of a self-contained HTML report: escaping, the document frame and its styles.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Styles shared by every report; inline because a report is one file that must work offline.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}\
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.25rem 0}\
.flag{color:#a00;font-weight:600}.ok{color:#060}.note{color:#555;font-size:.95em}\
@media (max-width:40rem){table{display:block;overflow-x:auto;max-width:100%}}\
figure{margin:1rem 0}figcaption{color:#555;font-size:.9em}svg{max-width:100%;height:auto}";

/// Wraps an already-escaped body into a complete HTML document in language `lang`.
pub fn document(lang: &str, title: &str, body_html: &str) -> String {
    let mut out = String::with_capacity(body_html.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body_html}\n</body>\n</html>\n",
        lang = escape(lang),
        title = escape(title),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_markup_as_text() {
        assert_eq!(escape("<script>\"a\" & 'b'</script>"), "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
    }

    #[test]
    fn document_escapes_title() {
        let page = document("en", "A <b>", "<p>x</p>");
        assert!(page.contains("<title>A &lt;b&gt;</title>"));
        assert!(page.contains("<p>x</p>"));
    }
}
