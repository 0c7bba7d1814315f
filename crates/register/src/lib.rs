//! The register of the persecuted: events, persons, detentions, decisions, custody, sources,
//! the derived current status, confidentiality levels and the permission rule `can`.
//!
//! Parse, don't validate: every value with an invariant is a type with a constructor.
//! It must never do IO, async, or know about SQL, HTTP or serialisation formats.

pub mod access;
pub mod confidentiality;
pub mod custody;
pub mod decision;
pub mod demo;
pub mod detention;
pub mod event;
pub mod person;
pub mod source;
pub mod status;
mod text;

pub use access::{Action, Actor, Resource, ResourceKind, Role, UserId, can};
pub use confidentiality::{Confidentiality, Field};
pub use custody::{Custody, Transfer};
pub use decision::{AppealResult, Article, Code, Decision, Outcome};
pub use detention::{Detention, LEGAL_LIMIT_HOURS, Treatment, TreatmentSet};
pub use event::{City, ClaimedCount, Event, OfficialClaim};
pub use person::{BirthDate, Consent, Person, PersonName, PersonRole};
pub use source::{Source, SourceKind};
pub use status::{DetentionStatus, derive_status};
pub use text::{InvalidValue, parse_date, parse_date_time};
