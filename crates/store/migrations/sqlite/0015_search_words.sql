-- Typing slips in the search box, found through the vocabulary instead of trigrams.
--
-- search_words: every distinct folded search key (`a-z` only, four letters or more) of the
-- register, with its first two letters, last two letters and length, and how many persons
-- have it. A word typed with one slip (a wrong, extra or missing letter, or two neighbours
-- swapped) keeps either its first two or its last two letters, so the store reads the few
-- words with the same head or tail and a length within one, keeps those one slip away (in
-- Rust), and looks them up as whole keys in persons_fts. The vocabulary is small (distinct
-- names, not persons), so this costs a few milliseconds where the trigram table's pieces
-- cost up to hundreds at 1,000,000 persons. Triggers keep it in step with every write of
-- persons (an import sets the insert trigger aside and adds its words in one statement); a
-- word leaves it with the last person who has it. The keys are split by reading them as a JSON array; they hold no
-- control characters (the register refuses them in names), so escaping `\` and `"` makes any
-- keys valid JSON.
CREATE VIEW person_search_words AS
    SELECT p.id AS person_id, w.value AS word
    FROM persons p,
         json_each(
             '["' || replace(replace(replace(p.search_keys, '\', '\\'), '"', '\"'), ' ', '","')
             || '"]'
         ) w
    WHERE p.search_keys <> ''
      AND w.value GLOB '[a-z][a-z][a-z][a-z]*'
      AND w.value NOT GLOB '*[^a-z]*';

CREATE TABLE search_words (
    word    TEXT PRIMARY KEY,
    head    TEXT NOT NULL,
    tail    TEXT NOT NULL,
    length  INTEGER NOT NULL,
    persons INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX search_words_head ON search_words(head, length);
CREATE INDEX search_words_tail ON search_words(tail, length);

INSERT INTO search_words (word, head, tail, length, persons)
    SELECT word, substr(word, 1, 2), substr(word, -2), length(word), COUNT(*)
    FROM (SELECT DISTINCT person_id, word FROM person_search_words)
    GROUP BY word;

CREATE TRIGGER search_words_insert AFTER INSERT ON persons BEGIN
    INSERT INTO search_words (word, head, tail, length, persons)
        SELECT DISTINCT word, substr(word, 1, 2), substr(word, -2), length(word), 1
        FROM person_search_words WHERE person_id = new.id
        ON CONFLICT (word) DO UPDATE SET persons = persons + 1;
END;
-- The old keys are read before the row changes (BEFORE), the new ones after (AFTER).
CREATE TRIGGER search_words_update_old BEFORE UPDATE OF search_keys ON persons
WHEN old.search_keys IS NOT new.search_keys BEGIN
    UPDATE search_words SET persons = persons - 1
        WHERE word IN (SELECT word FROM person_search_words WHERE person_id = old.id);
    DELETE FROM search_words
        WHERE persons <= 0
          AND word IN (SELECT word FROM person_search_words WHERE person_id = old.id);
END;
CREATE TRIGGER search_words_update_new AFTER UPDATE OF search_keys ON persons
WHEN old.search_keys IS NOT new.search_keys BEGIN
    INSERT INTO search_words (word, head, tail, length, persons)
        SELECT DISTINCT word, substr(word, 1, 2), substr(word, -2), length(word), 1
        FROM person_search_words WHERE person_id = new.id
        ON CONFLICT (word) DO UPDATE SET persons = persons + 1;
END;
CREATE TRIGGER search_words_delete BEFORE DELETE ON persons BEGIN
    UPDATE search_words SET persons = persons - 1
        WHERE word IN (SELECT word FROM person_search_words WHERE person_id = old.id);
    DELETE FROM search_words
        WHERE persons <= 0
          AND word IN (SELECT word FROM person_search_words WHERE person_id = old.id);
END;

-- The trigram table of migration 0012 served only the slip tier.
DROP TRIGGER persons_trigram_insert;
DROP TRIGGER persons_trigram_update;
DROP TRIGGER persons_trigram_delete;
DROP TABLE persons_trigram;
DROP VIEW persons_trigram_source;
