//! Sources: every fact in the register says where it came from.

use crate::text::{InvalidValue, required_text};

/// Who or what told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Volunteer,
    /// A social-media post.
    Post,
    Media,
    Lawyer,
    Relative,
    /// An official statement or document.
    Official,
    /// The person themself.
    Person,
}

impl SourceKind {
    pub const ALL: [SourceKind; 7] = [
        SourceKind::Volunteer,
        SourceKind::Post,
        SourceKind::Media,
        SourceKind::Lawyer,
        SourceKind::Relative,
        SourceKind::Official,
        SourceKind::Person,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Volunteer => "volunteer",
            SourceKind::Post => "post",
            SourceKind::Media => "media",
            SourceKind::Lawyer => "lawyer",
            SourceKind::Relative => "relative",
            SourceKind::Official => "official",
            SourceKind::Person => "person",
        }
    }

    pub fn parse(raw: &str) -> Result<SourceKind, InvalidValue> {
        let key = raw.trim().to_lowercase();
        SourceKind::ALL.into_iter().find(|kind| kind.as_str() == key).ok_or_else(|| {
            InvalidValue::new("source", format!("`{raw}` is not one of volunteer, post, media, lawyer, relative, official, person"))
        })
    }
}

/// A source of one or more facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    /// A URL, or a description such as "lawyer of the family"; never empty.
    reference: String,
    /// The source must stay anonymous: its reference is a restricted field.
    pub anonymous: bool,
}

impl Source {
    pub fn new(kind: SourceKind, reference: &str, anonymous: bool) -> Result<Source, InvalidValue> {
        Ok(Source { kind, reference: required_text("source", reference, 500)?, anonymous })
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_needs_a_reference() {
        assert_eq!(Source::new(SourceKind::Post, " ", false).unwrap_err().to_string(), "source: is empty");
        let source = Source::new(SourceKind::parse("Lawyer").unwrap(), "lawyer of the family", true).unwrap();
        assert_eq!(source.reference(), "lawyer of the family");
        assert!(SourceKind::parse("rumour").is_err());
    }
}
