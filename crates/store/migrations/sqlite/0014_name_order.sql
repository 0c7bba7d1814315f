-- Twin of postgres/0014, which gives PostgreSQL an index for the list sorted by name with the
-- id as tie-breaker. SQLite needs none: its index on `name COLLATE NOCASE` (0004) ends with the
-- rowid, which is the id. This migration keeps the two backends' version numbers equal.
SELECT 1;
