//! Reading the register: events, the person page with its timeline, the filtered list, the
//! public list and the dashboard. Every read applies confidentiality for the actor: a field
//! is filled only when `can(actor, View, resource.field(field))` allows it.

use kuzet_register::{
    Action, Actor, Confidentiality, Field, PersonRole, Resource, ResourceKind, Role, can,
};
use time::{Duration, PrimitiveDateTime};

mod search;

use crate::audit::AuditFilter;
use crate::db::{self, DbRow, Exec};
use crate::error::StoreError;
use crate::register::{
    CUSTODY_COLUMNS, DECISION_COLUMNS, DETENTION_COLUMNS, PersonAccess, TRANSFER_COLUMNS,
    claimed_count, consent, custody_from_row, decision_from_row, detention_from_row,
    detention_summary, person_access, publishable, roles_from_column, status_now,
    transfer_from_row,
};
use crate::{
    ClaimId, ClaimRow, Count, CustodyId, CustodyView, Dashboard, DecisionId, DecisionView,
    DetentionId, DetentionView, EventCount, EventId, EventPage, EventRow, FactRef, Page, PersonId,
    PersonPage, PersonQuery, PersonRow, PersonSort, PersonView, PublicPersonRow, SourceId,
    SourceView, StatusMoment, Store, TimelineEntry, TransferId, TransferView, encode,
    register::word_search_keys,
};

/// The status as of `today`: an arrest whose end has passed is served.
const EFFECTIVE_STATUS: &str = "(CASE WHEN p.status = 'serving_arrest' AND p.status_until <= ? THEN 'arrest_served' ELSE p.status END)";

/// Persons the public may see: published and checked.
const PUBLISHED: &str = "p.is_draft = 0 AND (p.consent = 'given' OR (p.consent = 'not_asked' AND p.publication_approved = 1))";

const MAX_PER_PAGE: u32 = 500;
const DEFAULT_PER_PAGE: u32 = 50;

enum Value {
    Int(i64),
    Text(String),
}

/// The words typed into the search box, each with its search keys (as written and folded),
/// for PostgreSQL's search; words without a letter or digit are left out, as in `fts_query`.
fn search_words(text: &str) -> Vec<Vec<String>> {
    text.split_whitespace()
        .map(|word| {
            word_search_keys(word)
                .into_iter()
                .filter(|key| key.chars().any(char::is_alphanumeric))
                .collect::<Vec<_>>()
        })
        .filter(|keys| !keys.is_empty())
        .collect()
}

/// An FTS5 query that matches every word of `text` as a prefix, as written or folded across
/// scripts, with the words quoted so that nothing the user types is taken as query syntax.
fn fts_query(text: &str) -> Option<String> {
    let mut groups = Vec::new();
    for word in text.split_whitespace() {
        let alternatives: Vec<String> = word_search_keys(word)
            .into_iter()
            .map(|key| key.replace('"', ""))
            .filter(|key| key.chars().any(char::is_alphanumeric))
            .map(|key| format!("\"{key}\"*"))
            .collect();
        if !alternatives.is_empty() {
            groups.push(format!("({})", alternatives.join(" OR ")));
        }
    }
    if groups.is_empty() {
        None
    } else {
        Some(groups.join(" AND "))
    }
}

fn event_row(row: &DbRow) -> Result<EventRow, StoreError> {
    Ok(EventRow {
        id: EventId(row.try_get("id")?),
        title: row.try_get("title")?,
        date: row.try_get("date")?,
        city: row.try_get("city")?,
        place: row.try_get("place")?,
        description: row.try_get("description")?,
        detentions: row.try_get("detentions")?,
    })
}

fn claim_row(row: &DbRow) -> Result<ClaimRow, StoreError> {
    let qualifier: String = row.try_get("count_qualifier")?;
    let value: i64 = row.try_get("count_value")?;
    let count = claimed_count(&qualifier, value)?;
    Ok(ClaimRow {
        id: ClaimId(row.try_get("id")?),
        event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
        said_by: row.try_get("said_by")?,
        said_on: row.try_get("said_on")?,
        qualifier,
        value: count.value(),
        shown: count.to_string(),
        subject: row.try_get("subject")?,
        source_url: row.try_get("source_url")?,
    })
}

fn counts(rows: &[impl crate::db::ReadRow]) -> Result<Vec<Count>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(Count {
                key: row.try_get("key")?,
                count: row.try_get("count")?,
            })
        })
        .collect()
}

const EVENT_SELECT: &str = "SELECT e.id, e.title, e.date, e.city, e.place, e.description,
        (SELECT COUNT(*) FROM detentions d WHERE d.event_id = e.id) AS detentions
     FROM events e";
const CLAIM_SELECT: &str = "SELECT id, event_id, said_by, said_on, count_qualifier, count_value, subject, source_url FROM official_claims";

/// Which fields of one person's record an actor may see.
struct Visibility<'a> {
    actor: &'a Actor,
    access: &'a PersonAccess,
}

impl Visibility<'_> {
    fn sees(&self, kind: ResourceKind, field: Field) -> bool {
        can(
            self.actor,
            Action::View,
            &self.access.resource(kind).field(field),
        )
    }

    fn show<T>(&self, kind: ResourceKind, field: Field, value: T) -> Option<T> {
        if self.sees(kind, field) {
            Some(value)
        } else {
            None
        }
    }
}

impl Store {
    /// Today's date for statuses, as stored text.
    async fn status_today(
        &self,
        connection: impl Into<Exec<'_>>,
    ) -> Result<(PrimitiveDateTime, String), StoreError> {
        let now = status_now(connection, self).await?;
        Ok((now, encode::date(now.date())))
    }

    /// All events, oldest first. Events are public information.
    pub async fn events(&self) -> Result<Vec<EventRow>, StoreError> {
        let rows = db::query(format!("{EVENT_SELECT} ORDER BY e.date, e.id"))
            .fetch_all(self.db_read())
            .await?;
        rows.iter().map(event_row).collect()
    }

    /// All events, oldest first, without counting their detentions (`detentions` is 0): for
    /// filter forms on every list request, where the counts would cost a pass over detentions.
    pub async fn event_choices(&self) -> Result<Vec<EventRow>, StoreError> {
        let rows = db::query(
            "SELECT e.id, e.title, e.date, e.city, e.place, e.description, CAST(0 AS BIGINT) AS detentions FROM events e ORDER BY e.date, e.id",
        )
        .fetch_all(self.db_read())
        .await?;
        rows.iter().map(event_row).collect()
    }

    pub async fn event(&self, id: EventId) -> Result<EventRow, StoreError> {
        let row = db::query(format!("{EVENT_SELECT} WHERE e.id = ?"))
            .bind(id.0)
            .fetch_optional(self.db_read())
            .await?
            .ok_or(StoreError::NotFound)?;
        event_row(&row)
    }

    /// Official claims about one event, or (`None`) all claims; oldest first.
    pub async fn official_claims(
        &self,
        event: Option<EventId>,
    ) -> Result<Vec<ClaimRow>, StoreError> {
        let rows = match event {
            Some(event) => {
                db::query(format!(
                    "{CLAIM_SELECT} WHERE event_id = ? ORDER BY said_on, id"
                ))
                .bind(event.0)
                .fetch_all(self.db_read())
                .await?
            }
            None => {
                db::query(format!("{CLAIM_SELECT} ORDER BY said_on, id"))
                    .fetch_all(self.db_read())
                    .await?
            }
        };
        rows.iter().map(claim_row).collect()
    }

    /// An event page: the event, its claims and counts of its detainees by outcome, status and
    /// police station. Needs view rights on the register (the public sees `event` only).
    pub async fn event_page(&self, actor: &Actor, id: EventId) -> Result<EventPage, StoreError> {
        if !can(actor, Action::View, &Resource::of(ResourceKind::Register)) {
            return Err(StoreError::Forbidden);
        }
        let event = self.event(id).await?;
        let claims = self.official_claims(Some(id)).await?;
        let mut connection = Exec::from(self.db_read());
        let (_, today) = self.status_today(connection.reborrow()).await?;
        let by_outcome = db::query(
            "SELECT COALESCE(p.latest_outcome, 'none') AS key, COUNT(*) AS count FROM persons p
             WHERE p.id IN (SELECT person_id FROM detentions WHERE event_id = ?) GROUP BY key ORDER BY count DESC, key",
        )
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        let by_status = db::query(format!(
            "SELECT {EFFECTIVE_STATUS} AS key, COUNT(*) AS count FROM persons p
             WHERE p.id IN (SELECT person_id FROM detentions WHERE event_id = ?) GROUP BY key ORDER BY count DESC, key"
        ))
        .bind(&today)
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        let by_police_station = db::query(
            "SELECT CASE WHEN police_station = '' THEN 'unknown' ELSE police_station END AS key, COUNT(*) AS count
             FROM detentions WHERE event_id = ? GROUP BY key ORDER BY count DESC, key",
        )
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        Ok(EventPage {
            event,
            claims,
            by_outcome: counts(&by_outcome)?,
            by_status: counts(&by_status)?,
            by_police_station: counts(&by_police_station)?,
        })
    }

    /// The person page, filtered for `actor`. The public gets `NotFound` for a person who is
    /// not published, so that the public site does not reveal who is in the register.
    pub async fn person(&self, actor: &Actor, id: PersonId) -> Result<PersonPage, StoreError> {
        self.person_page(actor, id, true).await
    }

    /// The person page without its audit history (`history` is empty): for exports, which
    /// read every person and need no history.
    pub async fn person_record(
        &self,
        actor: &Actor,
        id: PersonId,
    ) -> Result<PersonPage, StoreError> {
        self.person_page(actor, id, false).await
    }

    async fn person_page(
        &self,
        actor: &Actor,
        id: PersonId,
        with_history: bool,
    ) -> Result<PersonPage, StoreError> {
        let mut connection = Exec::from(self.db_read());
        let access = match person_access(connection.reborrow(), id).await {
            Ok(access) => access,
            Err(StoreError::NotFound) => return Err(StoreError::NotFound),
            Err(error) => return Err(error),
        };
        let visibility = Visibility {
            actor,
            access: &access,
        };
        if !visibility.sees(ResourceKind::Person, Field::PersonName) {
            return Err(if actor.role == Role::Public {
                StoreError::NotFound
            } else {
                StoreError::Forbidden
            });
        }
        let (now, today) = self.status_today(connection.reborrow()).await?;
        let person = self
            .person_view(connection.reborrow(), id, &visibility, &today)
            .await?;

        let detention_rows = db::query(format!(
            "SELECT {DETENTION_COLUMNS}, (SELECT title FROM events e WHERE e.id = detentions.event_id) AS event_title
             FROM detentions WHERE person_id = ? ORDER BY detained_at, id"
        ))
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        let mut detentions = Vec::new();
        for row in &detention_rows {
            let detention_id = DetentionId(row.try_get("id")?);
            let detention = detention_from_row(row)?;
            let summary =
                detention_summary(connection.reborrow(), detention_id, &detention, now).await?;
            let kind = ResourceKind::Detention;
            detentions.push(DetentionView {
                id: detention_id,
                person_id: id,
                event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
                event_title: row.try_get("event_title")?,
                detained_at: encode::date_time(detention.detained_at),
                released_at: detention.released_at().map(encode::date_time),
                hours_held: detention.hours_held(),
                over_legal_limit: detention.exceeds_legal_limit(now),
                detained_by: visibility.show(
                    kind,
                    Field::DetainedBy,
                    detention.detained_by.clone(),
                ),
                police_station: detention.police_station.clone(),
                treatment: visibility.show(
                    kind,
                    Field::Treatment,
                    detention
                        .treatment
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect(),
                ),
                injuries: visibility.show(kind, Field::Injuries, detention.injuries.clone()),
                status: summary.status.as_str().to_owned(),
            });
        }

        let decision_rows = db::query(format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE detention_id IN (SELECT id FROM detentions WHERE person_id = ?)
             ORDER BY decided_on, id"
        ))
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        let mut decisions = Vec::new();
        for row in &decision_rows {
            let decision = decision_from_row(row)?;
            let kind = ResourceKind::Decision;
            decisions.push(DecisionView {
                id: DecisionId(row.try_get("id")?),
                detention_id: DetentionId(row.try_get("detention_id")?),
                authority: decision.authority.clone(),
                decided_on: encode::date(decision.decided_on),
                hearing_minutes: decision
                    .hearing_minutes
                    .filter(|_| visibility.sees(kind, Field::HearingMinutes)),
                lawyer_present: decision
                    .lawyer_present
                    .filter(|_| visibility.sees(kind, Field::LawyerPresent)),
                article: decision.article.map(|article| article.to_string()),
                outcome_kind: decision.outcome.kind().to_owned(),
                outcome_amount: decision.outcome.amount(),
                appeal_result: decision.outcome.appeal_result().map(str::to_owned),
                outcome: decision.outcome.to_string(),
            });
        }

        let custody_rows = db::query(format!(
            "SELECT {CUSTODY_COLUMNS} FROM custody WHERE detention_id IN (SELECT id FROM detentions WHERE person_id = ?)
             ORDER BY from_date, id"
        ))
        .bind(id.0)
        .fetch_all(connection.reborrow())
        .await?;
        let mut custody = Vec::new();
        if visibility.sees(ResourceKind::Custody, Field::CustodyPlace) {
            for row in &custody_rows {
                let value = custody_from_row(row)?;
                custody.push(CustodyView {
                    id: CustodyId(row.try_get("id")?),
                    detention_id: DetentionId(row.try_get("detention_id")?),
                    place: value.place,
                    region: value.region,
                    from: encode::date(value.from),
                    until: value.until.map(encode::date),
                });
            }
        }

        let mut transfers = Vec::new();
        if visibility.sees(ResourceKind::Custody, Field::Transfer) {
            let transfer_rows = db::query(format!(
                "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE detention_id IN (SELECT id FROM detentions WHERE person_id = ?)
                 ORDER BY departed_at, id"
            ))
            .bind(id.0)
            .fetch_all(connection.reborrow())
            .await?;
            for row in &transfer_rows {
                let value = transfer_from_row(row)?;
                transfers.push(TransferView {
                    id: TransferId(row.try_get("id")?),
                    detention_id: DetentionId(row.try_get("detention_id")?),
                    days_until_relatives_told: value.days_until_relatives_told(),
                    from_place: value.from_place,
                    to_place: value.to_place,
                    departed_at: value.departed_at.map(encode::date_time),
                    distance_km: value.distance_km,
                    hours_in_transport: value.hours_in_transport,
                    relatives_told_on: value.relatives_told_on.map(encode::date),
                });
            }
        }

        let mut sources = Vec::new();
        if visibility.sees(ResourceKind::Source, Field::SourceReference) {
            let source_rows = db::query(
                "SELECT id, fact_kind, fact_id, kind, reference, anonymous FROM sources
                 WHERE person_id = ? OR (fact_kind = 'person' AND fact_id = ?) ORDER BY id",
            )
            .bind(id.0)
            .bind(id.0)
            .fetch_all(connection.reborrow())
            .await?;
            for row in &source_rows {
                let anonymous = row.try_get::<i64, _>("anonymous")? != 0;
                let field = if anonymous {
                    Field::AnonymousSource
                } else {
                    Field::SourceReference
                };
                let fact_kind: String = row.try_get("fact_kind")?;
                let fact =
                    FactRef::from_parts(&fact_kind, row.try_get("fact_id")?).ok_or_else(|| {
                        StoreError::corrupt(format!("source fact kind `{fact_kind}` is unknown"))
                    })?;
                sources.push(SourceView {
                    id: SourceId(row.try_get("id")?),
                    fact,
                    kind: row.try_get("kind")?,
                    reference: visibility.show(
                        ResourceKind::Source,
                        field,
                        row.try_get("reference")?,
                    ),
                    anonymous,
                });
            }
        }
        drop(connection);

        let timeline = timeline(&detentions, &decisions, &custody, &transfers, &sources);
        let history = if with_history
            && can(
                actor,
                Action::ViewAudit,
                &Resource::of(ResourceKind::AuditLog),
            ) {
            let filter = AuditFilter {
                person_id: Some(id.0),
                limit: Some(1_000),
                ..AuditFilter::default()
            };
            self.audit_records_unchecked(actor, &filter).await?
        } else {
            Vec::new()
        };
        Ok(PersonPage {
            person,
            detentions,
            decisions,
            custody,
            transfers,
            sources,
            timeline,
            history,
        })
    }

    async fn person_view(
        &self,
        connection: impl Into<Exec<'_>>,
        id: PersonId,
        visibility: &Visibility<'_>,
        today: &str,
    ) -> Result<PersonView, StoreError> {
        let mut connection = connection.into();
        let row = db::query(format!(
            "SELECT p.id, p.version, p.name, p.aliases, p.birth_date, p.birth_year, p.city, p.roles, p.contact, p.address,
                p.consent, p.publication_approved, p.notes, p.is_draft, p.created_by, {EFFECTIVE_STATUS} AS effective_status,
                p.status_until, p.status_place
             FROM persons p WHERE p.id = ?"
        ))
        .bind(today)
        .bind(id.0)
        .fetch_optional(connection.reborrow())
        .await?
        .ok_or(StoreError::NotFound)?;
        let kind = ResourceKind::Person;
        let consent_text: String = row.try_get("consent")?;
        consent(&consent_text)?;
        let approved = row.try_get::<i64, _>("publication_approved")? != 0;
        let aliases: String = row.try_get("aliases")?;
        let aliases: Vec<String> = serde_json::from_str(&aliases).map_err(|_| {
            StoreError::corrupt(format!("aliases of person {id} are not a JSON list"))
        })?;
        let roles: String = row.try_get("roles")?;
        let effective_status: String = row.try_get("effective_status")?;
        let status_until: Option<String> = row.try_get("status_until")?;
        let sees_status = visibility.sees(kind, Field::Status);
        let place_visible = visibility.sees(ResourceKind::Custody, Field::CustodyPlace);
        Ok(PersonView {
            id,
            version: row.try_get("version")?,
            name: row.try_get("name")?,
            aliases,
            birth_year: visibility
                .show(
                    kind,
                    Field::BirthYear,
                    row.try_get::<Option<i64>, _>("birth_year")?,
                )
                .flatten()
                .map(|y| y as i32),
            birth_date: visibility
                .show(
                    kind,
                    Field::BirthDateFull,
                    row.try_get::<Option<String>, _>("birth_date")?,
                )
                .flatten(),
            city: visibility
                .show(kind, Field::City, row.try_get::<Option<String>, _>("city")?)
                .flatten(),
            roles: visibility
                .show(kind, Field::PersonRoles, roles_from_column(&roles))
                .unwrap_or_default(),
            contact: visibility.show(kind, Field::Contact, row.try_get("contact")?),
            address: visibility.show(kind, Field::Address, row.try_get("address")?),
            consent: visibility.show(kind, Field::Consent, consent_text.clone()),
            publication_approved: approved,
            publishable: publishable(&consent_text, approved),
            notes: visibility.show(kind, Field::Notes, row.try_get("notes")?),
            is_draft: row.try_get::<i64, _>("is_draft")? != 0,
            created_by: if visibility.actor.role == Role::Public {
                None
            } else {
                row.try_get("created_by")?
            },
            status: if sees_status {
                effective_status.clone()
            } else {
                "unknown".to_owned()
            },
            status_until: if effective_status == "serving_arrest" {
                status_until
            } else {
                None
            },
            status_place: if place_visible {
                row.try_get("status_place")?
            } else {
                None
            },
        })
    }

    /// The register list with filters, sort and pagination. Needs view rights on persons
    /// (the public uses `public_persons`).
    pub async fn list_persons(
        &self,
        actor: &Actor,
        query: &PersonQuery,
    ) -> Result<Page<PersonRow>, StoreError> {
        if !can(
            actor,
            Action::View,
            &Resource::of(ResourceKind::Person).at_level(Confidentiality::Internal),
        ) {
            return Err(StoreError::Forbidden);
        }
        let mut connection = Exec::from(self.db_read());
        let (_, today) = self.status_today(connection.reborrow()).await?;
        let (page, per_page, offset) = paging(query);
        let ranked_text = query.text.as_deref().map(str::trim).filter(|text| {
            text.chars().any(char::is_alphanumeric) && query.sort == PersonSort::Relevance
        });
        let columns = format!(
            "SELECT p.id, p.version, p.name, p.birth_year, p.city, p.roles, p.latest_event_id, e.title AS event_title,
                p.latest_detained_at, p.latest_police_station, p.latest_hours_held, {EFFECTIVE_STATUS} AS effective_status,
                p.latest_outcome, p.latest_outcome_text, p.is_draft, p.consent, p.publication_approved
             FROM persons p LEFT JOIN events e ON e.id = p.latest_event_id"
        );
        let mut capped = false;
        let (rows, total) = if let Some(text) = ranked_text {
            // Ranked by similarity (see `search`): the ids in order, then the page's rows.
            let ranked = search::rank(
                connection.reborrow(),
                query,
                &today,
                text,
                self.is_postgres(),
            )
            .await?;
            capped = ranked.capped;
            let total = ranked.ids.len() as u64;
            let ids: Vec<i64> = ranked
                .ids
                .iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(per_page as usize)
                .copied()
                .collect();
            let rows = if ids.is_empty() {
                Vec::new()
            } else {
                let placeholders = vec!["?"; ids.len()].join(", ");
                let mut statement = db::query(format!("{columns} WHERE p.id IN ({placeholders})"))
                    .bind(today.clone());
                for id in &ids {
                    statement = statement.bind(*id);
                }
                let mut rows = statement.fetch_all(connection.reborrow()).await?;
                let mut keyed = Vec::with_capacity(rows.len());
                for row in rows.drain(..) {
                    let id: i64 = row.try_get("id")?;
                    keyed.push((ids.iter().position(|wanted| *wanted == id), row));
                }
                keyed.sort_by_key(|(position, _)| *position);
                keyed.into_iter().map(|(_, row)| row).collect()
            };
            (rows, total)
        } else {
            let (conditions, values) = conditions(query, &today, false, self.is_postgres());
            let total = self
                .count_persons_cached(connection.reborrow(), &conditions, &values)
                .await?;
            let sql = format!(
                "{columns} WHERE p.id IN ({}) ORDER BY {}",
                page_ids(&conditions, query.sort, self.is_postgres()),
                query.sort.order_by(self.is_postgres())
            );
            let statement = db::query(sql).bind(today.clone());
            let rows = bind_page(statement, &values, query.sort, &today, per_page, offset)
                .fetch_all(connection.reborrow())
                .await?;
            (rows, total)
        };
        let items = rows
            .iter()
            .map(|row| {
                let roles: String = row.try_get("roles")?;
                let consent_text: String = row.try_get("consent")?;
                Ok(PersonRow {
                    id: PersonId(row.try_get("id")?),
                    version: row.try_get("version")?,
                    name: row.try_get("name")?,
                    birth_year: row
                        .try_get::<Option<i64>, _>("birth_year")?
                        .map(|y| y as i32),
                    city: row.try_get("city")?,
                    roles: roles_from_column(&roles),
                    event_id: row
                        .try_get::<Option<i64>, _>("latest_event_id")?
                        .map(EventId),
                    event_title: row.try_get("event_title")?,
                    detained_at: row.try_get("latest_detained_at")?,
                    police_station: row.try_get("latest_police_station")?,
                    hours_held: row.try_get("latest_hours_held")?,
                    status: row.try_get("effective_status")?,
                    outcome: row.try_get("latest_outcome")?,
                    outcome_text: row.try_get("latest_outcome_text")?,
                    is_draft: row.try_get::<i64, _>("is_draft")? != 0,
                    publishable: publishable(
                        &consent_text,
                        row.try_get::<i64, _>("publication_approved")? != 0,
                    ),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page {
            items,
            total,
            capped,
            page,
            per_page,
            pages: pages(total, per_page),
        })
    }

    /// The public list: only persons who consented or whose publication was approved (and
    /// never those who refused), only public fields. Needs no actor.
    pub async fn public_persons(
        &self,
        query: &PersonQuery,
    ) -> Result<Page<PublicPersonRow>, StoreError> {
        let mut connection = Exec::from(self.db_read());
        let (_, today) = self.status_today(connection.reborrow()).await?;
        let (conditions, values) = conditions(query, &today, true, self.is_postgres());
        let (page, per_page, offset) = paging(query);
        let total = self
            .count_persons_cached(connection.reborrow(), &conditions, &values)
            .await?;
        let sql = format!(
            "SELECT p.id, p.name, p.birth_year, p.city, p.roles, e.title AS event_title, e.date AS event_date,
                e.city AS event_city, p.latest_detained_at, d.released_at, p.latest_hours_held, p.latest_police_station,
                p.latest_outcome, p.latest_outcome_text, {EFFECTIVE_STATUS} AS effective_status, p.status_place
             FROM persons p LEFT JOIN events e ON e.id = p.latest_event_id LEFT JOIN detentions d ON d.id = p.latest_detention_id
             WHERE p.id IN ({}) ORDER BY {}",
            page_ids(&conditions, query.sort, self.is_postgres()),
            query.sort.order_by(self.is_postgres())
        );
        let statement = db::query(sql).bind(today.clone());
        let rows = bind_page(statement, &values, query.sort, &today, per_page, offset)
            .fetch_all(connection.reborrow())
            .await?;
        let items = rows
            .iter()
            .map(|row| {
                let roles: String = row.try_get("roles")?;
                Ok(PublicPersonRow {
                    id: PersonId(row.try_get("id")?),
                    name: row.try_get("name")?,
                    birth_year: row
                        .try_get::<Option<i64>, _>("birth_year")?
                        .map(|y| y as i32),
                    city: row.try_get("city")?,
                    roles: roles_from_column(&roles),
                    event_title: row.try_get("event_title")?,
                    event_date: row.try_get("event_date")?,
                    event_city: row.try_get("event_city")?,
                    detained_at: row.try_get("latest_detained_at")?,
                    released_at: row.try_get("released_at")?,
                    hours_held: row.try_get("latest_hours_held")?,
                    police_station: row.try_get("latest_police_station")?,
                    outcome: row.try_get("latest_outcome")?,
                    outcome_text: row.try_get("latest_outcome_text")?,
                    status: row.try_get("effective_status")?,
                    custody_place: row.try_get("status_place")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page {
            items,
            total,
            capped: false,
            page,
            per_page,
            pages: pages(total, per_page),
        })
    }

    /// Counts by event, city, day, outcome, status and role beside the official claims.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, StoreError> {
        if !can(actor, Action::View, &Resource::of(ResourceKind::Register)) {
            return Err(StoreError::Forbidden);
        }
        let claims = self.official_claims(None).await?;
        let mut connection = Exec::from(self.db_read());
        let (_, today) = self.status_today(connection.reborrow()).await?;
        let totals = db::query(
            "SELECT (SELECT COUNT(*) FROM persons) AS persons, (SELECT COUNT(*) FROM detentions) AS detentions,
                (SELECT COUNT(*) FROM detentions WHERE over_legal_limit = 1) AS over_limit",
        )
        .fetch_one(connection.reborrow())
        .await?;
        // Each count is one pass over its table; cities and roles are summed here from the
        // per-event and per-combination counts rather than joined row by row.
        let events = db::query(
            "SELECT e.id, e.title, e.date, e.city, COALESCE(d.n, 0) AS detentions, COALESCE(a.n, 0) AS arrests
             FROM events e
             LEFT JOIN (SELECT event_id, COUNT(*) AS n FROM detentions GROUP BY event_id) d ON d.event_id = e.id
             LEFT JOIN (SELECT d.event_id, COUNT(DISTINCT d.id) AS n FROM decisions x JOIN detentions d ON d.id = x.detention_id
                        WHERE x.outcome_kind = 'arrest' GROUP BY d.event_id) a ON a.event_id = e.id
             ORDER BY e.date, e.id",
        )
        .fetch_all(connection.reborrow())
        .await?;
        let mut by_event = Vec::new();
        let mut cities: Vec<Count> = Vec::new();
        for row in &events {
            let event_id = EventId(row.try_get("id")?);
            let city: String = row.try_get("city")?;
            let detentions: i64 = row.try_get("detentions")?;
            match cities.iter_mut().find(|count| count.key == city) {
                Some(count) => count.count += detentions,
                None => cities.push(Count {
                    key: city.clone(),
                    count: detentions,
                }),
            }
            by_event.push(EventCount {
                event_id,
                title: row.try_get("title")?,
                date: row.try_get("date")?,
                city,
                detentions,
                arrests: row.try_get("arrests")?,
                claims: claims
                    .iter()
                    .filter(|claim| claim.event_id == Some(event_id))
                    .cloned()
                    .collect(),
            });
        }
        let without_event: i64 =
            db::query("SELECT COUNT(*) AS n FROM detentions WHERE event_id IS NULL")
                .fetch_one(connection.reborrow())
                .await?
                .try_get("n")?;
        cities.push(Count {
            key: "unknown".to_owned(),
            count: without_event,
        });
        cities.retain(|count| count.count > 0);
        cities.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        let by_day = db::query(
            "SELECT substr(detained_at, 1, 10) AS key, COUNT(*) AS count FROM detentions GROUP BY key ORDER BY key",
        )
        .fetch_all(connection.reborrow())
        .await?;
        let by_outcome = db::query(
            "SELECT COALESCE(latest_outcome, 'none') AS key, COUNT(*) AS count FROM persons GROUP BY key ORDER BY count DESC, key",
        )
        .fetch_all(connection.reborrow())
        .await?;
        let by_status = db::query(format!(
            "SELECT {EFFECTIVE_STATUS} AS key, COUNT(*) AS count FROM persons p GROUP BY key ORDER BY count DESC, key"
        ))
        .bind(&today)
        .fetch_all(connection.reborrow())
        .await?;
        let role_rows = db::query(
            "SELECT roles, COUNT(*) AS count FROM persons WHERE roles != ',' GROUP BY roles",
        )
        .fetch_all(connection.reborrow())
        .await?;
        let mut by_role: Vec<Count> = PersonRole::ALL
            .iter()
            .map(|role| Count {
                key: role.as_str().to_owned(),
                count: 0,
            })
            .collect();
        for row in &role_rows {
            let roles: String = row.try_get("roles")?;
            let count: i64 = row.try_get("count")?;
            for role in roles_from_column(&roles) {
                if let Some(total) = by_role.iter_mut().find(|total| total.key == role) {
                    total.count += count;
                }
            }
        }
        Ok(Dashboard {
            persons: totals.try_get("persons")?,
            detentions: totals.try_get("detentions")?,
            over_legal_limit: totals.try_get("over_limit")?,
            by_event,
            by_city: cities,
            by_day: counts(&by_day)?,
            by_outcome: counts(&by_outcome)?,
            by_status: counts(&by_status)?,
            by_role,
            official_claims: claims,
        })
    }
}

/// The WHERE clause for a person query (always starting with a condition) and its values in
/// order. Fixed SQL fragments only: every user value is bound.
fn conditions(
    query: &PersonQuery,
    today: &str,
    public_only: bool,
    postgres: bool,
) -> (String, Vec<Value>) {
    let mut parts = vec!["1 = 1".to_owned()];
    let mut values = Vec::new();
    if public_only {
        parts.push(PUBLISHED.to_owned());
    }
    if let Some(city) = query
        .city
        .as_deref()
        .map(str::trim)
        .filter(|city| !city.is_empty())
    {
        parts.push("p.city = ?".to_owned());
        values.push(Value::Text(city.to_owned()));
    }
    if query.event.is_some() || query.date_from.is_some() || query.date_to.is_some() {
        let mut detention = vec!["d.person_id = p.id".to_owned()];
        if let Some(event) = query.event {
            detention.push("d.event_id = ?".to_owned());
            values.push(Value::Int(event.0));
        }
        if let Some(from) = query.date_from {
            detention.push("d.detained_at >= ?".to_owned());
            values.push(Value::Text(encode::date(from)));
        }
        if let Some(to) = query.date_to {
            detention.push("d.detained_at < ?".to_owned());
            values.push(Value::Text(encode::date(
                to.saturating_add(Duration::days(1)),
            )));
        }
        parts.push(format!(
            "EXISTS (SELECT 1 FROM detentions d WHERE {})",
            detention.join(" AND ")
        ));
    }
    if let Some(status) = query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|status| !status.is_empty())
    {
        // Written so that the index on the stored status answers it: only `serving_arrest`
        // and `arrest_served` depend on the day.
        match status {
            "arrest_served" => {
                parts.push(
                    "(p.status = 'arrest_served' OR (p.status = 'serving_arrest' AND p.status_until <= ?))"
                        .to_owned(),
                );
                values.push(Value::Text(today.to_owned()));
            }
            "serving_arrest" => {
                parts.push(
                    "(p.status = 'serving_arrest' AND (p.status_until IS NULL OR p.status_until > ?))"
                        .to_owned(),
                );
                values.push(Value::Text(today.to_owned()));
            }
            other => {
                parts.push("p.status = ?".to_owned());
                values.push(Value::Text(other.to_owned()));
            }
        }
    }
    if let Some(outcome) = query
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|outcome| !outcome.is_empty())
    {
        if outcome == "none" {
            parts.push("p.latest_outcome IS NULL".to_owned());
        } else {
            parts.push("p.latest_outcome = ?".to_owned());
            values.push(Value::Text(outcome.to_owned()));
        }
    }
    if let Some(role) = query.role {
        parts.push("p.roles LIKE ?".to_owned());
        values.push(Value::Text(format!("%,{},%", role.as_str())));
    }
    if postgres {
        // Every word must start a word of the search keys, as written or folded, as FTS5's
        // prefix query does on SQLite. The first LIKE can use the trigram index; the second
        // keeps only matches at the start of a word.
        for alternatives in query.text.as_deref().map(search_words).unwrap_or_default() {
            let mut any = Vec::new();
            for key in alternatives {
                let escaped = key
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                any.push("(p.search_keys LIKE ? AND (' ' || p.search_keys) LIKE ?)".to_owned());
                values.push(Value::Text(format!("%{escaped}%")));
                values.push(Value::Text(format!("% {escaped}%")));
            }
            parts.push(format!("({})", any.join(" OR ")));
        }
    } else if let Some(text) = query.text.as_deref().and_then(fts_query) {
        parts.push("p.id IN (SELECT rowid FROM persons_fts WHERE persons_fts MATCH ?)".to_owned());
        values.push(Value::Text(text));
    }
    (parts.join(" AND "), values)
}

fn bind_values(mut statement: db::Query, values: &[Value]) -> db::Query {
    for value in values {
        statement = match value {
            Value::Int(number) => statement.bind(*number),
            Value::Text(text) => statement.bind(text.clone()),
        };
    }
    statement
}

/// The ids of one page, chosen from the indexes alone where the sort allows: the rows of the
/// page are read afterwards, so that skipping to a deep page does not read every row before
/// it. Binds: the condition values, then (for the status sort) the day, then limit and offset.
fn page_ids(conditions: &str, sort: PersonSort, postgres: bool) -> String {
    let order = match sort {
        PersonSort::StatusAsc => format!("{EFFECTIVE_STATUS} ASC, p.id ASC"),
        other => other.order_by(postgres).to_owned(),
    };
    format!("SELECT p.id FROM persons p WHERE {conditions} ORDER BY {order} LIMIT ? OFFSET ?")
}

fn bind_page(
    statement: db::Query,
    values: &[Value],
    sort: PersonSort,
    today: &str,
    per_page: u32,
    offset: i64,
) -> db::Query {
    let mut statement = bind_values(statement, values);
    if sort == PersonSort::StatusAsc {
        statement = statement.bind(today.to_owned());
    }
    statement.bind(i64::from(per_page)).bind(offset)
}

/// Totals of list queries (the pager's count), remembered until the register changes. Counting
/// 100,000 persons takes SQLite about 2 ms, many times the rest of a list page, and the total
/// of an unfiltered or lightly filtered list is asked for on every request while it changes
/// only when data does. Every change of stored data appends to the audit chain and moves its
/// head (`audit_head`: sequence number and hash), in this process or any other, so a total
/// is reused only while the head is the one it was counted at; the head is read before the
/// count, so a total is never filed under a later head than the data it counted.
#[derive(Default)]
pub(crate) struct ListCounts {
    totals: std::sync::Mutex<std::collections::HashMap<String, ((i64, String), u64)>>,
}

/// Distinct list queries whose totals are kept; past that the memory is cleared and refilled.
const MAX_REMEMBERED_COUNTS: usize = 512;

impl Store {
    async fn count_persons_cached(
        &self,
        mut connection: Exec<'_>,
        conditions: &str,
        values: &[Value],
    ) -> Result<u64, StoreError> {
        let head = match db::query("SELECT last_seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(connection.reborrow())
            .await?
        {
            Some(row) => (row.try_get("last_seq")?, row.try_get("hash")?),
            None => (0, String::new()),
        };
        let mut key = String::from(conditions);
        for value in values {
            match value {
                Value::Int(number) => key.push_str(&format!("\u{1}i{number}")),
                Value::Text(text) => {
                    key.push_str("\u{1}t");
                    key.push_str(text);
                }
            }
        }
        let lock = || {
            self.list_counts
                .totals
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some((counted_at, total)) = lock().get(&key)
            && *counted_at == head
        {
            return Ok(*total);
        }
        let total = count_persons(connection, conditions, values).await?;
        let mut totals = lock();
        if totals.len() >= MAX_REMEMBERED_COUNTS {
            totals.clear();
        }
        totals.insert(key, (head, total));
        Ok(total)
    }
}

async fn count_persons(
    connection: Exec<'_>,
    conditions: &str,
    values: &[Value],
) -> Result<u64, StoreError> {
    let statement = db::query(format!(
        "SELECT COUNT(*) AS total FROM persons p WHERE {conditions}"
    ));
    let row = bind_values(statement, values).fetch_one(connection).await?;
    Ok(row.try_get::<i64, _>("total")? as u64)
}

fn paging(query: &PersonQuery) -> (u32, u32, i64) {
    let per_page = match query.per_page {
        0 => DEFAULT_PER_PAGE,
        n => n.min(MAX_PER_PAGE),
    };
    let page = query.page.max(1);
    (page, per_page, i64::from(page - 1) * i64::from(per_page))
}

fn pages(total: u64, per_page: u32) -> u32 {
    total.div_ceil(u64::from(per_page)).max(1) as u32
}

/// Every fact of a person in time order, each with its sources.
fn timeline(
    detentions: &[DetentionView],
    decisions: &[DecisionView],
    custody: &[CustodyView],
    transfers: &[TransferView],
    sources: &[SourceView],
) -> Vec<TimelineEntry> {
    let sources_of = |fact: FactRef| {
        sources
            .iter()
            .filter(|source| source.fact == fact)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut entries = Vec::new();
    for detention in detentions {
        let fact = FactRef::Detention(detention.id);
        let mut summary = String::from("Detained");
        if let Some(by) = detention.detained_by.as_deref().filter(|by| !by.is_empty()) {
            summary.push_str(&format!(" by {by}"));
        }
        if let Some(event) = &detention.event_title {
            summary.push_str(&format!(" at {event}"));
        }
        if !detention.police_station.is_empty() {
            summary.push_str(&format!("; taken to {}", detention.police_station));
        }
        entries.push(TimelineEntry {
            at: detention.detained_at.clone(),
            kind: "detained".into(),
            summary,
            fact,
            sources: sources_of(fact),
        });
        if let Some(released) = &detention.released_at {
            let mut summary = String::from("Released from the police station");
            if let Some(hours) = detention.hours_held {
                summary.push_str(&format!(" after {hours} hours"));
                if detention.over_legal_limit {
                    summary.push_str(" (over the legal 3 hours)");
                }
            }
            entries.push(TimelineEntry {
                at: released.clone(),
                kind: "released".into(),
                summary,
                fact,
                sources: Vec::new(),
            });
        }
    }
    for decision in decisions {
        let fact = FactRef::Decision(decision.id);
        let mut summary = format!("{}: {}", decision.authority, decision.outcome);
        if let Some(article) = &decision.article {
            summary.push_str(&format!(" under {article}"));
        }
        if let Some(minutes) = decision.hearing_minutes {
            summary.push_str(&format!("; hearing of {minutes} min"));
        }
        match decision.lawyer_present {
            Some(true) => summary.push_str(", lawyer present"),
            Some(false) => summary.push_str(", no lawyer"),
            None => {}
        }
        entries.push(TimelineEntry {
            at: decision.decided_on.clone(),
            kind: "decision".into(),
            summary,
            fact,
            sources: sources_of(fact),
        });
    }
    for place in custody {
        let fact = FactRef::Custody(place.id);
        let mut summary = format!("Held at {}", place.place);
        if !place.region.is_empty() {
            summary.push_str(&format!(", {}", place.region));
        }
        if let Some(until) = &place.until {
            summary.push_str(&format!(" until {until}"));
        }
        entries.push(TimelineEntry {
            at: place.from.clone(),
            kind: "custody".into(),
            summary,
            fact,
            sources: sources_of(fact),
        });
    }
    for transfer in transfers {
        let fact = FactRef::Transfer(transfer.id);
        let mut summary = format!(
            "Transferred from {} to {}",
            transfer.from_place, transfer.to_place
        );
        if let Some(km) = transfer.distance_km {
            summary.push_str(&format!(", {km} km"));
        }
        if let Some(hours) = transfer.hours_in_transport {
            summary.push_str(&format!(", {hours} hours in transport"));
        }
        if let Some(departed) = &transfer.departed_at {
            entries.push(TimelineEntry {
                at: departed.clone(),
                kind: "transfer".into(),
                summary,
                fact,
                sources: sources_of(fact),
            });
        }
        if let Some(told) = &transfer.relatives_told_on {
            let summary = match transfer.days_until_relatives_told {
                Some(days) => {
                    format!("Relatives told where the person is, {days} days after the transfer")
                }
                None => "Relatives told where the person is".to_owned(),
            };
            entries.push(TimelineEntry {
                at: told.clone(),
                kind: "relatives_told".into(),
                summary,
                fact,
                sources: Vec::new(),
            });
        }
    }
    // A stable sort keeps facts of one moment in the order recorded.
    entries.sort_by(|a, b| a.at.cmp(&b.at));
    entries
}

impl Store {
    /// The moment statuses are derived at, `2019-06-12T12:00:00`: fixed by the `status_as_of`
    /// setting (the demo register is seen as of 12 June 2019) or now. Pages show it beside
    /// statuses so that a reader knows what "serving arrest" is relative to.
    pub async fn status_as_of(&self) -> Result<StatusMoment, StoreError> {
        let mut connection = Exec::from(self.db_read());
        let fixed = db::query("SELECT value FROM settings WHERE key = ?")
            .bind(crate::register::STATUS_AS_OF)
            .fetch_optional(connection.reborrow())
            .await?
            .is_some();
        let now = status_now(connection.reborrow(), self).await?;
        Ok(StatusMoment {
            as_of: encode::date_time(now),
            fixed,
        })
    }

    /// Fixes the moment statuses are derived at, or (`None`) returns to now. Admins only;
    /// every person's stored status is recomputed at the new moment.
    pub async fn set_status_as_of(
        &self,
        actor: &Actor,
        moment: Option<PrimitiveDateTime>,
    ) -> Result<(), StoreError> {
        if actor.role != Role::Admin {
            return Err(StoreError::Forbidden);
        }
        let mut change = crate::audit::Change::begin(self, *actor).await?;
        match moment {
            Some(moment) => {
                db::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(crate::register::STATUS_AS_OF)
                    .bind(encode::date_time(moment))
                    .execute(&mut change.tx)
                    .await?;
            }
            None => {
                db::query("DELETE FROM settings WHERE key = ?")
                    .bind(crate::register::STATUS_AS_OF)
                    .execute(&mut change.tx)
                    .await?;
            }
        }
        let after =
            serde_json::json!({ crate::register::STATUS_AS_OF: moment.map(encode::date_time) });
        change
            .audit("setting", 0, None, "set", None, Some(&after))
            .await?;
        let now = status_now(&mut change.tx, self).await?;
        let persons: Vec<i64> = db::query("SELECT id FROM persons ORDER BY id")
            .fetch_all(&mut change.tx)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        for person in persons {
            change.refresh_person(PersonId(person), now).await?;
        }
        change.commit().await
    }
}
