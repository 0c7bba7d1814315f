-- The register: events and official claims, persons, detentions, decisions, custody,
-- transfers and the sources of every fact. Dates are ISO 8601 text (`2019-06-09`), moments
-- are local date-times as written (`2019-06-09T14:30:00`), so that PostgreSQL can follow with
-- the same values.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    date        TEXT NOT NULL,
    city        TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX events_date ON events(date);

CREATE TABLE official_claims (
    id              INTEGER PRIMARY KEY,
    -- NULL for a nation-wide claim that is about no single event.
    event_id        INTEGER REFERENCES events(id),
    said_by         TEXT NOT NULL,
    said_on         TEXT NOT NULL,
    count_qualifier TEXT NOT NULL,
    count_value     INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    source_url      TEXT NOT NULL DEFAULT '',
    created_by      INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX official_claims_event ON official_claims(event_id);

CREATE TABLE persons (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    -- JSON array of other spellings of the name.
    aliases              TEXT NOT NULL DEFAULT '[]',
    -- Folded names and aliases, space separated, for search and duplicate finding.
    search_keys          TEXT NOT NULL DEFAULT '',
    birth_date           TEXT,
    birth_year           INTEGER,
    city                 TEXT,
    -- Comma-separated role names (`journalist,minor`), with leading and trailing commas so that
    -- `LIKE '%,minor,%'` finds one role.
    roles                TEXT NOT NULL DEFAULT ',',
    contact              TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    consent              TEXT NOT NULL DEFAULT 'not_asked',
    publication_approved INTEGER NOT NULL DEFAULT 0,
    notes                TEXT NOT NULL DEFAULT '',
    is_draft             INTEGER NOT NULL DEFAULT 0,
    version              INTEGER NOT NULL DEFAULT 1,
    created_by           INTEGER,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    -- Derived from the latest detention and its decisions whenever a fact changes, so that the
    -- list can filter and sort without recomputing. `status_until` ends a `serving_arrest`.
    status               TEXT NOT NULL DEFAULT 'unknown',
    status_until         TEXT,
    status_place         TEXT,
    latest_outcome       TEXT,
    latest_outcome_text  TEXT,
    latest_detention_id  INTEGER,
    latest_detained_at   TEXT,
    latest_event_id      INTEGER,
    latest_police_station TEXT,
    latest_hours_held    REAL
);
CREATE INDEX persons_name ON persons(name);
CREATE INDEX persons_city ON persons(city);
CREATE INDEX persons_status ON persons(status);
CREATE INDEX persons_latest_detained_at ON persons(latest_detained_at);

CREATE VIRTUAL TABLE persons_fts USING fts5(search_keys, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE detentions (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    event_id       INTEGER REFERENCES events(id),
    detained_at    TEXT NOT NULL,
    released_at    TEXT,
    hours_held     REAL,
    over_legal_limit INTEGER NOT NULL,
    detained_by    TEXT NOT NULL DEFAULT '',
    police_station TEXT NOT NULL DEFAULT '',
    treatment_bits INTEGER NOT NULL DEFAULT 0,
    injuries       TEXT NOT NULL DEFAULT '',
    created_by     INTEGER,
    created_at     TEXT NOT NULL
);
CREATE INDEX detentions_person ON detentions(person_id);
CREATE INDEX detentions_event ON detentions(event_id);
CREATE INDEX detentions_detained_at ON detentions(detained_at);

CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    detention_id    INTEGER NOT NULL REFERENCES detentions(id) ON DELETE CASCADE,
    authority       TEXT NOT NULL DEFAULT '',
    decided_on      TEXT NOT NULL,
    hearing_minutes INTEGER,
    lawyer_present  INTEGER,
    article_code    TEXT,
    article_number  INTEGER,
    outcome_kind    TEXT NOT NULL,
    outcome_amount  INTEGER,
    appeal_result   TEXT,
    created_by      INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX decisions_detention ON decisions(detention_id);

CREATE TABLE custody (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detentions(id) ON DELETE CASCADE,
    place        TEXT NOT NULL,
    region       TEXT NOT NULL DEFAULT '',
    from_date    TEXT NOT NULL,
    until_date   TEXT,
    created_by   INTEGER,
    created_at   TEXT NOT NULL
);
CREATE INDEX custody_detention ON custody(detention_id);

CREATE TABLE transfers (
    id                 INTEGER PRIMARY KEY,
    detention_id       INTEGER NOT NULL REFERENCES detentions(id) ON DELETE CASCADE,
    from_place         TEXT NOT NULL,
    to_place           TEXT NOT NULL,
    departed_at        TEXT,
    distance_km        INTEGER,
    hours_in_transport REAL,
    relatives_told_on  TEXT,
    created_by         INTEGER,
    created_at         TEXT NOT NULL
);
CREATE INDEX transfers_detention ON transfers(detention_id);

-- Every source is attached to one fact: `fact_kind` names the table, `fact_id` the row.
-- `person_id` is the person the fact belongs to (NULL for events and claims) so that a
-- person page finds all its sources in one query.
CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    fact_kind  TEXT NOT NULL,
    fact_id    INTEGER NOT NULL,
    person_id  INTEGER REFERENCES persons(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    reference  TEXT NOT NULL,
    anonymous  INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX sources_fact ON sources(fact_kind, fact_id);
CREATE INDEX sources_person ON sources(person_id);

-- Settings of the register, e.g. `status_as_of`: the moment statuses are derived at (the
-- demo register is seen as of 12 June 2019); absent means now.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
