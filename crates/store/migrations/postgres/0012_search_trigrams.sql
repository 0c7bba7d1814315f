-- Typing slips and places in the search box. The twin of SQLite's migration 0012: there an
-- FTS5 trigram table is added; here the pg_trgm index on `persons.search_keys` (migration
-- 0001) already answers the same LIKE pieces, so only the index that lets the store read the
-- distinct police stations (one seek per distinct value) is new.
CREATE INDEX persons_latest_police_station ON persons(latest_police_station);
