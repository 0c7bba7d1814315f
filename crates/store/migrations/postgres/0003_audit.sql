-- The hash-chained audit log. `seq` is assigned by the store (1, 2, 3, ...) rather than by the
-- database, so that a deleted record leaves a visible gap. `hash` is the SHA-256 of the
-- record's canonical fields and `prev_hash`; `audit_head` remembers the last seq and hash so
-- that cutting records off the end is detected too.

CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_role    TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     BIGINT NOT NULL,
    -- The person the change concerns, for the person page's history.
    person_id     BIGINT,
    action        TEXT NOT NULL,
    before_json   TEXT,
    after_json    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_person ON audit_log(person_id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id);

CREATE TABLE audit_head (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    hash     TEXT NOT NULL
);
