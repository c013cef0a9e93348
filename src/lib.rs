//! `precincts`: checks Kazakhstan's polling-precinct borders, voter lists and the central
//! register against each other, under the CEC rules on reconciliation of voters and borders.
//!
//! Data flows one way: **read → model → engine → findings → report / serve**.
#![forbid(unsafe_code)]

/// Normalisation of localities, street types and names, house numbers; the address index.
pub mod address;
/// The Appendix 3 house-list language: parse border entries, match addresses, write back.
pub mod borders;
/// Runs every check over a [`model::Dataset`] and returns findings and per-precinct figures.
pub mod check;
/// The command line: clap subcommands (`check`, `demo`, `reconcile`, `serve`).
pub mod cli;
/// The deterministic demo / national-scale data generator with planted problems.
pub mod demo;
/// Readers: one file per format; every geometry leaves `io` in WGS84 lon/lat.
pub mod io;
/// Domain types only, no I/O.
pub mod model;
/// Voter-list reconciliation with the AIS "Sailau" register: the nine categories.
pub mod reconcile;
/// Writers of report files (GeoJSON, CSV, JSON, XLSX), always atomically.
pub mod report;
/// The axum server and the embedded MapLibre page.
pub mod server;
/// R-tree assignment, containment in admin units, overlaps, gaps, validity.
pub mod spatial;

pub use model::{Finding, FindingCode, Kato, PrecinctNo, Severity};
