//! coffre: a sovereign personal document vault.
//!
//! Citizens' papers are encrypted with age on their own device; the server
//! (`coffred`) stores ciphertext and refuses what is not allowed, and never reads a
//! document. The code map:
//!
//! - [`api`]: wire types shared by server and client, and the stable error codes.
//! - [`crypto`]: the only module that touches age, argon2 and key material.
//! - [`storage`]: [`storage::MetadataStore`] (sled) and [`storage::BlobStore`] (files).
//! - [`vault`]: the domain — accounts, sessions, documents, the access decision.
//! - [`server`]: TLS, router, the one error-to-HTTP mapping, graceful stop.
//! - [`client`]: the typed client used by the CLI and by the tests.
//! - [`cli`]: the `coffre` commands; `cli::output` is the only place that prints.
//! - [`messages`]: the French-first message catalogue.
//! - [`config`]: the daemon's configuration file.
//!
//! See `ARCHITECTURE.md` for the invariants.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod journal;
pub mod messages;
pub mod ops;
pub mod server;
pub mod storage;
pub mod vault;
