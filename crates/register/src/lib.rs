//! The register of the persecuted: events, persons, detentions, decisions, custody, sources,
//! the derived current status, confidentiality levels and the permission rule `can`.
//!
//! Parse, don't validate: every value with an invariant is a type with a constructor.
//! It must never do IO, async, or know about SQL, HTTP or serialisation formats.
