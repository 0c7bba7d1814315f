-- Indexes for the list's sort orders on large registers (100,000 persons): names sort
-- case-insensitively (lower(name) where SQLite has COLLATE NOCASE), cities by name within
-- the city, hours held descending.
CREATE INDEX persons_name_nocase ON persons(lower(name));
CREATE INDEX persons_city_name ON persons(city, lower(name));
CREATE INDEX persons_latest_hours_held ON persons(latest_hours_held);
CREATE INDEX persons_latest_outcome ON persons(latest_outcome);
CREATE INDEX audit_log_person_seq ON audit_log(person_id, seq);
