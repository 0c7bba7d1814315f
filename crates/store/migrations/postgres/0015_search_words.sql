-- Twin of sqlite/0015: the vocabulary of folded search keys (`a-z` only, four letters or
-- more) that the search's slip tier reads by head or tail and length, kept by a trigger in
-- step with every write of persons. SQLite also drops its trigram table there; PostgreSQL
-- keeps its pg_trgm index, which answers the LIKE of every tier.
CREATE TABLE search_words (
    word    TEXT PRIMARY KEY,
    head    TEXT NOT NULL,
    tail    TEXT NOT NULL,
    length  BIGINT NOT NULL,
    persons BIGINT NOT NULL
);
CREATE INDEX search_words_head ON search_words(head, length);
CREATE INDEX search_words_tail ON search_words(tail, length);

CREATE FUNCTION person_search_words(keys TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT word FROM unnest(string_to_array(keys, ' ')) AS word
    WHERE word ~ '^[a-z]{4,}$'
$$;

INSERT INTO search_words (word, head, tail, length, persons)
    SELECT word, left(word, 2), right(word, 2), length(word), COUNT(*)
    FROM persons, person_search_words(persons.search_keys) AS word
    GROUP BY word;

CREATE FUNCTION search_words_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE search_words SET persons = persons - 1
            WHERE word IN (SELECT person_search_words(OLD.search_keys));
        DELETE FROM search_words
            WHERE persons <= 0 AND word IN (SELECT person_search_words(OLD.search_keys));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_words (word, head, tail, length, persons)
            SELECT word, left(word, 2), right(word, 2), length(word), 1
            FROM person_search_words(NEW.search_keys) AS word
            ON CONFLICT (word) DO UPDATE SET persons = search_words.persons + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER search_words_insert_delete AFTER INSERT OR DELETE ON persons
    FOR EACH ROW EXECUTE FUNCTION search_words_keep();
CREATE TRIGGER search_words_update AFTER UPDATE OF search_keys ON persons
    FOR EACH ROW WHEN (OLD.search_keys IS DISTINCT FROM NEW.search_keys)
    EXECUTE FUNCTION search_words_keep();
