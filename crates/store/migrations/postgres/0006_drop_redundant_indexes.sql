-- Indexes that later ones cover: persons(name) by persons(lower(name)) for sorting and
-- equality is never asked; persons(city) by persons(city, name); audit_log(person_id) by
-- audit_log(person_id, seq). Each index costs every import a write per row.
DROP INDEX persons_name;
DROP INDEX persons_city;
DROP INDEX audit_log_person;
