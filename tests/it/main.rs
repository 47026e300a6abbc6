//! The one integration test binary: every test starts its own real coffred on
//! 127.0.0.1:0 (TLS, temporary data directory) and drives it with the real client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod backup;
mod browser;
mod cli;
mod concurrency;
mod connections;
mod consent;
mod disk_full;
mod documents;
mod domain;
mod durability;
mod fuzz;
mod harness;
mod hostile;
mod journal;
mod leaving;
mod limits;
mod listing;
mod logs;
mod malformed;
mod merkle_vectors;
mod pressure;
mod properties;
mod proxied;
mod proxy;
mod service;
mod tidy;
mod web_parity;
mod web_session;
