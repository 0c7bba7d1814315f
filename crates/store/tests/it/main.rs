//! Integration tests of the store: one binary, one module per area. Each test runs against
//! every backend `support::stores` yields: SQLite in memory and SQLite in a file (WAL, separate
//! read pool), and PostgreSQL when `KUZET_TEST_POSTGRES_URL` is set. The PostgreSQL backend is
//! partial: tests of methods not yet ported take `support::sqlite_stores` instead.

mod accounts;
mod audit;
mod backup;
mod concurrency;
mod confidentiality;
mod demo;
mod elections;
mod import;
mod merge;
mod postgres;
mod register;
mod search;
mod support;
mod transfer;
