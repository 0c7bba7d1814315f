-- The public list reads only published, checked persons: a partial index holds exactly those,
-- so that counting and paging the public list does not read every person. The condition must
-- stay the same text as the store's `PUBLISHED` condition for SQLite to use it.
CREATE INDEX persons_published ON persons(latest_detained_at)
    WHERE is_draft = 0 AND (consent = 'given' OR (consent = 'not_asked' AND publication_approved = 1));
