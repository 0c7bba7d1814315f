//! Roles and the one permission rule, `can(actor, action, resource)`, that every route, export
//! and command asks before it shows or changes anything.

use crate::confidentiality::{Confidentiality, Field};
use crate::text::InvalidValue;

/// The id of a user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

/// What a user account may do, in broad strokes; `can` refines it per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages users and settings; may do everything.
    Admin,
    /// Edits everything and approves publication.
    Coordinator,
    /// Adds records, edits their own drafts, sees what their work needs.
    Volunteer,
    /// Reads everything except contact details and other restricted fields.
    Analyst,
    /// A visitor of the public site: the published list only.
    Public,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Coordinator, Role::Volunteer, Role::Analyst, Role::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Volunteer => "volunteer",
            Role::Analyst => "analyst",
            Role::Public => "public",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, InvalidValue> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| InvalidValue::new("role", format!("`{raw}` is not one of admin, coordinator, volunteer, analyst, public")))
    }
}

/// Who is acting: a signed-in user with their role, or an anonymous public visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub role: Role,
}

impl Actor {
    pub fn user(user_id: UserId, role: Role) -> Actor {
        Actor { user_id: Some(user_id), role }
    }

    pub fn public() -> Actor {
        Actor { user_id: None, role: Role::Public }
    }

    /// The system itself, for the demo loader and migrations: it acts with admin rights and no user.
    pub fn system() -> Actor {
        Actor { user_id: None, role: Role::Admin }
    }
}

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    View,
    Create,
    Edit,
    Delete,
    /// Approve a person's record for the public list.
    Publish,
    Import,
    Export,
    ViewAudit,
    ManageUsers,
    Backup,
}

/// What kind of thing is acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Event,
    Person,
    Detention,
    Decision,
    Custody,
    Source,
    User,
    AuditLog,
    Register,
    /// An election with its areas, stations and official results; published ones are public.
    Election,
    /// An observer's copy of a station's protocol, with its photos.
    Submission,
}

/// The thing acted on, with what the rule needs to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    /// The user who recorded it, when known.
    pub owner: Option<UserId>,
    /// A draft is not yet checked by a coordinator; its author may still edit it.
    pub is_draft: bool,
    /// Consented to or approved for the public list.
    pub is_published: bool,
    /// The most sensitive field involved.
    pub level: Confidentiality,
}

impl Resource {
    /// A resource of `kind` with no owner, not a draft, not published, of `Internal` level.
    pub fn of(kind: ResourceKind) -> Resource {
        Resource { kind, owner: None, is_draft: false, is_published: false, level: Confidentiality::Internal }
    }

    pub fn owned_by(self, owner: Option<UserId>) -> Resource {
        Resource { owner, ..self }
    }

    pub fn draft(self, is_draft: bool) -> Resource {
        Resource { is_draft, ..self }
    }

    pub fn published(self, is_published: bool) -> Resource {
        Resource { is_published, ..self }
    }

    pub fn at_level(self, level: Confidentiality) -> Resource {
        Resource { level, ..self }
    }

    /// The same resource, narrowed to one field: its level becomes the field's level.
    pub fn field(self, field: Field) -> Resource {
        self.at_level(field.level())
    }
}

/// The one permission rule. Every view, change, import, export and account command asks it.
pub fn can(actor: &Actor, action: Action, resource: &Resource) -> bool {
    let owns = actor.user_id.is_some() && actor.user_id == resource.owner;
    match actor.role {
        Role::Admin => true,
        Role::Coordinator => !matches!(action, Action::ManageUsers | Action::Backup),
        Role::Analyst => match action {
            Action::View | Action::Export => {
                resource.level != Confidentiality::Restricted && resource.kind != ResourceKind::User
            }
            Action::ViewAudit => true,
            _ => false,
        },
        Role::Volunteer => {
            let record = matches!(
                resource.kind,
                ResourceKind::Person
                    | ResourceKind::Detention
                    | ResourceKind::Decision
                    | ResourceKind::Custody
                    | ResourceKind::Source
                    // An observer sends protocol copies; they are never drafts, so once sent
                    // only a coordinator acts on them (resolving a conflict between copies).
                    | ResourceKind::Submission
            );
            match action {
                Action::View => match resource.kind {
                    ResourceKind::User | ResourceKind::AuditLog => false,
                    _ => resource.level != Confidentiality::Restricted || owns,
                },
                Action::Create => record,
                Action::Edit | Action::Delete => record && owns && resource.is_draft,
                _ => false,
            }
        }
        Role::Public => {
            action == Action::View
                && resource.is_published
                && resource.level == Confidentiality::Public
                && matches!(resource.kind, ResourceKind::Event | ResourceKind::Person | ResourceKind::Detention | ResourceKind::Decision | ResourceKind::Custody | ResourceKind::Election)
                && !resource.is_draft
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Confidentiality::*;

    const ME: UserId = UserId(7);
    const OTHER: UserId = UserId(8);

    /// One case: `role` tries `action` on a resource; `expected` is "yes" or "no".
    fn check(role: Role, action: Action, resource: Resource, expected: &str) {
        let actor = if role == Role::Public { Actor::public() } else { Actor::user(ME, role) };
        let actual = if can(&actor, action, &resource) { "yes" } else { "no" };
        assert_eq!(actual, expected, "{role:?} {action:?} {resource:?}");
    }

    fn person() -> Resource {
        Resource::of(ResourceKind::Person)
    }

    #[test]
    fn admin_and_coordinator() {
        check(Role::Admin, ManageUsers, Resource::of(ResourceKind::User), "yes");
        check(Role::Admin, Backup, Resource::of(ResourceKind::Register), "yes");
        check(Role::Coordinator, ManageUsers, Resource::of(ResourceKind::User), "no");
        check(Role::Coordinator, Backup, Resource::of(ResourceKind::Register), "no");
        check(Role::Coordinator, Edit, person().owned_by(Some(OTHER)), "yes");
        check(Role::Coordinator, Publish, person(), "yes");
        check(Role::Coordinator, View, person().at_level(Restricted), "yes");
        check(Role::Coordinator, Import, Resource::of(ResourceKind::Register), "yes");
    }

    #[test]
    fn volunteer_edits_only_own_drafts() {
        check(Role::Volunteer, Create, person(), "yes");
        check(Role::Volunteer, Create, Resource::of(ResourceKind::User), "no");
        check(Role::Volunteer, Create, Resource::of(ResourceKind::Event), "no");
        check(Role::Volunteer, Edit, person().owned_by(Some(ME)).draft(true), "yes");
        check(Role::Volunteer, Edit, person().owned_by(Some(ME)).draft(false), "no");
        check(Role::Volunteer, Edit, person().owned_by(Some(OTHER)).draft(true), "no");
        check(Role::Volunteer, Delete, person().owned_by(Some(ME)).draft(true), "yes");
        check(Role::Volunteer, Publish, person().owned_by(Some(ME)), "no");
        check(Role::Volunteer, View, person(), "yes");
        check(Role::Volunteer, View, person().at_level(Restricted), "no");
        check(Role::Volunteer, View, person().at_level(Restricted).owned_by(Some(ME)), "yes");
        check(Role::Volunteer, View, Resource::of(ResourceKind::AuditLog), "no");
        check(Role::Volunteer, Import, Resource::of(ResourceKind::Register), "no");
        check(Role::Volunteer, Export, Resource::of(ResourceKind::Register), "no");
    }

    #[test]
    fn analyst_reads_without_contact_data() {
        check(Role::Analyst, View, person(), "yes");
        check(Role::Analyst, View, person().field(Field::Contact), "no");
        check(Role::Analyst, View, person().field(Field::Injuries), "no");
        check(Role::Analyst, View, person().field(Field::Treatment), "yes");
        check(Role::Analyst, Export, Resource::of(ResourceKind::Register), "yes");
        check(Role::Analyst, Edit, person(), "no");
        check(Role::Analyst, Create, person(), "no");
        check(Role::Analyst, ViewAudit, Resource::of(ResourceKind::AuditLog), "yes");
        check(Role::Analyst, View, Resource::of(ResourceKind::User), "no");
    }

    #[test]
    fn public_sees_only_published_public_fields() {
        check(Role::Public, View, person().published(true).field(Field::PersonName), "yes");
        check(Role::Public, View, person().published(false).field(Field::PersonName), "no");
        check(Role::Public, View, person().published(true).field(Field::BirthDateFull), "no");
        check(Role::Public, View, person().published(true).field(Field::SourceReference), "no");
        check(Role::Public, View, person().published(true).draft(true).field(Field::PersonName), "no");
        check(Role::Public, View, Resource::of(ResourceKind::AuditLog).published(true).at_level(Public), "no");
        check(Role::Public, Create, person().published(true).at_level(Public), "no");
        check(Role::Public, Export, Resource::of(ResourceKind::Register), "no");
    }

    #[test]
    fn elections_and_submissions() {
        let election = Resource::of(ResourceKind::Election);
        let submission = Resource::of(ResourceKind::Submission);
        // Observers send protocols and see elections, but neither run nor resolve them.
        check(Role::Volunteer, Create, submission, "yes");
        check(Role::Volunteer, View, election, "yes");
        check(Role::Volunteer, View, submission, "yes");
        check(Role::Volunteer, Create, election, "no");
        check(Role::Volunteer, Edit, election, "no");
        check(Role::Volunteer, Import, election, "no");
        check(Role::Volunteer, Publish, election, "no");
        check(Role::Volunteer, Edit, submission.owned_by(Some(ME)), "no");
        check(Role::Volunteer, Edit, submission.owned_by(Some(OTHER)), "no");
        // Coordinators run elections, import official results and resolve conflicts.
        for role in [Role::Coordinator, Role::Admin] {
            check(role, Create, election, "yes");
            check(role, Edit, election, "yes");
            check(role, Import, election, "yes");
            check(role, Publish, election, "yes");
            check(role, Edit, submission, "yes");
        }
        check(Role::Analyst, View, election, "yes");
        check(Role::Analyst, View, submission, "yes");
        check(Role::Analyst, Create, submission, "no");
        check(Role::Analyst, Import, election, "no");
        // The public sees a published election's results and nothing else.
        check(Role::Public, View, election.published(true).at_level(Public), "yes");
        check(Role::Public, View, election.published(false).at_level(Public), "no");
        check(Role::Public, View, election.published(true), "no");
        check(Role::Public, View, submission.published(true).at_level(Public), "no");
        check(Role::Public, Create, submission.published(true).at_level(Public), "no");
    }

    #[test]
    fn anonymous_volunteer_owns_nothing() {
        let actor = Actor { user_id: None, role: Role::Volunteer };
        assert!(!can(&actor, Edit, &person().owned_by(None).draft(true)));
    }

    #[test]
    fn roles_parse() {
        assert_eq!(Role::parse(" Coordinator "), Ok(Role::Coordinator));
        assert_eq!(
            Role::parse("boss").unwrap_err().to_string(),
            "role: `boss` is not one of admin, coordinator, volunteer, analyst, public"
        );
    }
}
