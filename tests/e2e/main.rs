//! End-to-end tests of the built `barometer` binary: the commands a new user and an operator
//! run, against real processes. One test binary, modules by area.

mod support;
mod webdriver;

mod browser;

mod backup;
mod cli;
mod crash;
mod instances;
mod report;
mod serve;
