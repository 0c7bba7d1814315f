-- Twin of postgres/0013, which adds indexes for the list's default order spelled with
-- PostgreSQL's NULLS LAST. SQLite needs none: descending, it puts NULLs last by itself, and
-- its index on latest_detained_at (0001) ends with the rowid, which is the id, so reading it
-- backwards already gives `latest_detained_at DESC, id DESC`. This migration keeps the two
-- backends' version numbers equal.
SELECT 1;
