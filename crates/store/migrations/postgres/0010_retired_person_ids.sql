-- Person ids that must never be given to a new person: those of persons merged away or
-- deleted. The store gives a new person 1 + max(id) of live and retired persons, so
-- without this a new person could take the id of a merged-away person (and block the undo of that merge) or of a deleted one (and
-- inherit its audit history and "not the same person" decisions). An undone merge leaves its
-- id here; the row is harmless, as the id is in `persons` again.
CREATE TABLE retired_person_ids (
    id BIGINT PRIMARY KEY
);
INSERT INTO retired_person_ids (id) SELECT removed_id FROM merges ON CONFLICT DO NOTHING;
INSERT INTO retired_person_ids (id)
    SELECT entity_id FROM audit_log WHERE entity = 'person' AND action = 'delete'
    ON CONFLICT DO NOTHING;
