//! Whether the stores can take writes: what `/v1/ready` reports, and what the
//! daemon's storage watchdog acts on.
//!
//! A full disk makes writes fail; when space returns they work again, except in
//! the metadata store if it stopped for good on the error (sled 0.34 keeps the
//! first I/O error of its log writer and returns it to every later call). Then
//! only a restart helps, and the watchdog ends the daemon for systemd to start it
//! again ([`StoreState::MetadataStuck`]).

use std::sync::atomic::Ordering;

use super::Vault;
use crate::storage::{is_full, StoreError};

/// How long a diagnosis is reused (probes write and fsync; anyone may ask).
const DIAGNOSIS_REUSED_MS: i64 = 1_000;

/// What the stores can do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreState {
    /// Both stores took a durable write.
    Ready,
    /// No space left (or a file-system quota reached).
    Full,
    /// The metadata store's file system takes writes, the store does not: it
    /// will not recover without a restart.
    MetadataStuck,
    /// Writes fail for another reason.
    Failing,
}

impl Vault {
    /// Probes both stores (a durable scratch write each), or reuses a diagnosis
    /// made less than a second ago. A working store clears the failure flag.
    pub async fn store_state(&self) -> StoreState {
        let _one_at_a_time = self.probing.lock().await;
        let now = self.clock.now_ms();
        if let Some((at, state)) = *self.diagnosis.lock().unwrap_or_else(|p| p.into_inner()) {
            if now.saturating_sub(at) < DIAGNOSIS_REUSED_MS {
                return state;
            }
        }
        let state = self.probe().await;
        if state == StoreState::Ready {
            self.store_failed.store(false, Ordering::SeqCst);
        }
        *self.diagnosis.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, state));
        state
    }

    async fn probe(&self) -> StoreState {
        let blobs = match self.blobs.probe().await {
            Ok(()) => true,
            Err(e) if is_full(&e) => return StoreState::Full,
            Err(e) => {
                tracing::warn!(error = %e, "blob store probe failed");
                false
            }
        };
        let meta = std::sync::Arc::clone(&self.meta);
        match tokio::task::spawn_blocking(move || meta.probe()).await {
            Ok(Ok(())) if blobs => StoreState::Ready,
            Ok(Ok(())) => StoreState::Failing,
            Ok(Err(StoreError::Full(_))) => StoreState::Full,
            Ok(Err(StoreError::Stuck(e))) => {
                tracing::warn!(error = %e, "metadata store stopped on an earlier error");
                StoreState::MetadataStuck
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "metadata store probe failed");
                StoreState::Failing
            }
            Err(_) => StoreState::Failing,
        }
    }

    /// Whether a store call failed since the stores last proved they work.
    pub fn store_failed(&self) -> bool {
        self.store_failed.load(Ordering::SeqCst)
    }

    /// Notes a store failure, for the watchdog to look at.
    pub(super) fn note_store_error(&self, e: &StoreError) {
        if matches!(e, StoreError::Backend(_) | StoreError::Full(_)) {
            self.failed();
        }
    }

    /// Notes a blob store failure that means "no space".
    pub(super) fn note_io_error(&self, e: &std::io::Error) {
        if is_full(e) {
            self.failed();
        }
    }

    /// Raises the flag and forgets the last diagnosis (it is stale now).
    fn failed(&self) {
        self.store_failed.store(true, Ordering::SeqCst);
        *self.diagnosis.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
