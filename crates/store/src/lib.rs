//! The store: the only crate that knows SQL. SQLite by default (one file, WAL, one writer),
//! PostgreSQL for larger deployments, behind one API. Every change of stored data appends a
//! hash-chained audit record in the same transaction.
