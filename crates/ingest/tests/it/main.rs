//! Integration tests of kuzet-ingest: one module per area.

mod register_import;
