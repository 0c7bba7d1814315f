-- Elections (issue 6): elections with their protocol definition and candidates, the area
-- hierarchy and stations, official results (every import kept), observers' protocol copies
-- with photos, and coordinators' choices between conflicting copies (appended, never
-- overwritten). Figures are JSON objects {line key or candidate: whole number}.

CREATE TABLE elections (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    held_on     TEXT,
    -- The protocol definition in kuzet_protocol's text format.
    definition  TEXT NOT NULL,
    -- JSON array of the candidates' names, in column order.
    candidates  TEXT NOT NULL,
    published   INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);

-- Areas below the country: a NULL parent is a region.
CREATE TABLE election_areas (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    parent_id   INTEGER REFERENCES election_areas(id),
    name        TEXT NOT NULL,
    code        TEXT
);
CREATE INDEX election_areas_election ON election_areas(election_id, parent_id);

CREATE TABLE election_stations (
    id                INTEGER PRIMARY KEY,
    election_id       INTEGER NOT NULL REFERENCES elections(id),
    area_id           INTEGER NOT NULL REFERENCES election_areas(id),
    code              TEXT NOT NULL,
    registered_voters INTEGER,
    UNIQUE (election_id, code)
);
CREATE INDEX election_stations_area ON election_stations(area_id);

CREATE TABLE official_imports (
    id            INTEGER PRIMARY KEY,
    election_id   INTEGER NOT NULL REFERENCES elections(id),
    imported_at   TEXT NOT NULL,
    source        TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    level         TEXT NOT NULL,
    row_count     INTEGER NOT NULL,
    actor_user_id INTEGER
);
CREATE INDEX official_imports_election ON official_imports(election_id);

-- One row per station (or area) per import; the current figures of a target are those of
-- the latest import that has it.
CREATE TABLE official_figures (
    import_id   INTEGER NOT NULL REFERENCES official_imports(id),
    election_id INTEGER NOT NULL REFERENCES elections(id),
    station_id  INTEGER REFERENCES election_stations(id),
    area_id     INTEGER REFERENCES election_areas(id),
    -- For area totals: how many stations they cover, when the commission says.
    stations    INTEGER,
    figures     TEXT NOT NULL
);
CREATE INDEX official_figures_import ON official_figures(import_id);
CREATE INDEX official_figures_station ON official_figures(station_id, import_id);
CREATE INDEX official_figures_area ON official_figures(area_id, import_id);
CREATE INDEX official_figures_election ON official_figures(election_id, import_id);

CREATE TABLE submissions (
    id              INTEGER PRIMARY KEY,
    election_id     INTEGER NOT NULL REFERENCES elections(id),
    station_id      INTEGER NOT NULL REFERENCES election_stations(id),
    submitted_by    INTEGER,
    idempotency_key TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    figures         TEXT NOT NULL,
    -- JSON array of the names of the control relations the figures break.
    violations      TEXT NOT NULL,
    note            TEXT,
    origin          TEXT NOT NULL
);
-- One submission per sender and key, whoever wins a race: the loser reads the winner back.
CREATE UNIQUE INDEX submissions_idempotency ON submissions(submitted_by, idempotency_key);
CREATE INDEX submissions_station ON submissions(station_id);
CREATE INDEX submissions_election ON submissions(election_id, id);

CREATE TABLE submission_photos (
    id              INTEGER PRIMARY KEY,
    submission_id   INTEGER NOT NULL REFERENCES submissions(id),
    received_at     TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    original_size   INTEGER NOT NULL,
    served_sha256   TEXT NOT NULL,
    served_size     INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    -- JSON array of the kinds of metadata removed from the served copy.
    stripped        TEXT NOT NULL,
    bytes           BLOB NOT NULL
);
CREATE INDEX submission_photos_submission ON submission_photos(submission_id);

CREATE TABLE station_verifications (
    id            INTEGER PRIMARY KEY,
    election_id   INTEGER NOT NULL REFERENCES elections(id),
    station_id    INTEGER NOT NULL REFERENCES election_stations(id),
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    reason        TEXT NOT NULL,
    actor_user_id INTEGER,
    at            TEXT NOT NULL
);
CREATE INDEX station_verifications_station ON station_verifications(station_id, id);
CREATE INDEX station_verifications_election ON station_verifications(election_id);
