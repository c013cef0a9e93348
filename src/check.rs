//! Runs every check over a dataset.
