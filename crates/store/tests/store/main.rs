//! Storage tests, each run on SQLite and (with BAROMETER_TEST_POSTGRES_URL) on PostgreSQL.
//! One test binary with modules by area: one link step instead of one per file.

mod support;

mod audit;
mod auth;
mod backup;
mod calendar;
mod cycles;
mod demo;
mod membership;
mod migrations;
mod responses;
mod writer;
