-- Merges of duplicate persons and the reviewers' "not the same person" decisions.
--
-- `merges` keeps, for every merge, what undoing it needs: `before_json` holds the rows of
-- both persons as they were (every column, as stored), the ids of the detentions and sources
-- that moved, and the "not the same person" pairs the merge carried over to the kept record.
-- A row is never deleted: an undone merge keeps its row with `undone_at` set, as a record.
CREATE TABLE merges (
    id            INTEGER PRIMARY KEY,
    kept_id       INTEGER NOT NULL,
    removed_id    INTEGER NOT NULL,
    -- The kept record's version right after the merge: an undo is refused once it changed.
    kept_version  INTEGER NOT NULL,
    -- The audit log's last seq when the merge committed: later records about the kept person
    -- mean it changed, and the undo is refused rather than losing those changes.
    audit_seq     INTEGER NOT NULL,
    before_json   TEXT NOT NULL,
    merged_by     INTEGER,
    merged_at     TEXT NOT NULL,
    undone_by     INTEGER,
    undone_at     TEXT
);
CREATE INDEX merges_kept ON merges(kept_id);

-- Pairs a reviewer decided are two different people, the smaller id first, so that the
-- duplicate finder stops proposing them. No foreign keys: a pair outlives a merge of one of
-- its persons, whose id an undo brings back.
CREATE TABLE not_duplicates (
    id         INTEGER PRIMARY KEY,
    person_a   INTEGER NOT NULL,
    person_b   INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    decided_by INTEGER,
    decided_at TEXT NOT NULL,
    UNIQUE (person_a, person_b),
    CHECK (person_a < person_b)
);
