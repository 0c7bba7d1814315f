//! Integration tests of the store: one binary, one module per area. Each test runs against
//! every backend `support::stores` yields: SQLite in memory and SQLite in a file (WAL, separate
//! read pool). PostgreSQL joins when its backend exists and `KUZET_TEST_POSTGRES_URL` is set.

mod accounts;
mod audit;
mod backup;
mod confidentiality;
mod demo;
mod import;
mod merge;
mod register;
mod support;
