-- Typing slips and places in the search box.
--
-- persons_trigram: an FTS5 trigram index over each person's search keys, written with a space
-- before and after every key (' ahmetov erlan '), so that a quoted query matches any piece of
-- three letters or more, and a piece starting with a space matches the start of a word. The
-- store looks a misspelt word up by its pieces (the half before and the half after a slip),
-- as PostgreSQL does with LIKE over its pg_trgm index on the same keys. The index reads the
-- keys through a view (external content), so it stores no second copy of them, and triggers
-- keep it in step with every write of persons (single writes, imports, merges and their
-- undo) without those writers knowing about it.
CREATE VIEW persons_trigram_source AS
    SELECT id, ' ' || search_keys || ' ' AS keys FROM persons;
CREATE VIRTUAL TABLE persons_trigram USING fts5(
    keys,
    tokenize = 'trigram',
    content = 'persons_trigram_source',
    content_rowid = 'id'
);
INSERT INTO persons_trigram (persons_trigram) VALUES ('rebuild');
CREATE TRIGGER persons_trigram_insert AFTER INSERT ON persons BEGIN
    INSERT INTO persons_trigram (rowid, keys) VALUES (new.id, ' ' || new.search_keys || ' ');
END;
CREATE TRIGGER persons_trigram_update AFTER UPDATE OF search_keys ON persons BEGIN
    INSERT INTO persons_trigram (persons_trigram, rowid, keys)
        VALUES ('delete', old.id, ' ' || old.search_keys || ' ');
    INSERT INTO persons_trigram (rowid, keys) VALUES (new.id, ' ' || new.search_keys || ' ');
END;
CREATE TRIGGER persons_trigram_delete AFTER DELETE ON persons BEGIN
    INSERT INTO persons_trigram (persons_trigram, rowid, keys)
        VALUES ('delete', old.id, ' ' || old.search_keys || ' ');
END;

-- Places typed in the search box are matched against the distinct cities and police stations,
-- read by skipping through these indexes (one seek per distinct value), and then filter the
-- persons through them.
CREATE INDEX persons_latest_police_station ON persons(latest_police_station);
