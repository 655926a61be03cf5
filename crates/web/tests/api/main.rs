//! The web app in-process (`actix_web::test`), on SQLite and, with BAROMETER_TEST_POSTGRES_URL,
//! on PostgreSQL. One binary with modules by area: one link step instead of one per file.

mod route_scan;
mod support;

mod access;
mod bad_input;
mod calendar;
mod chart_fixtures;
mod cycles;
mod errors;
mod health;
mod held;
mod import;
mod membership;
mod openapi;
mod pages;
mod responses;
mod results;
mod secretariat_pages;
mod security;
mod sql_crosscheck;
mod survey_pages;
