-- Person ids that must never be given to a new person: those of persons merged away or
-- deleted. SQLite gives a new row max(id) + 1, so without this a new person could take the
-- id of a merged-away person (and block the undo of that merge) or of a deleted one (and
-- inherit its audit history and "not the same person" decisions). An undone merge leaves its
-- id here; the row is harmless, as the id is in `persons` again.
CREATE TABLE retired_person_ids (
    id INTEGER PRIMARY KEY
);
INSERT OR IGNORE INTO retired_person_ids (id) SELECT removed_id FROM merges;
INSERT OR IGNORE INTO retired_person_ids (id)
    SELECT entity_id FROM audit_log WHERE entity = 'person' AND action = 'delete';
