//! What a consistent online backup needs from the domain: a snapshot of the
//! metadata taken while writes wait, and blobs that stay where they are until the
//! backup has read them.
//!
//! Order (invariant): deletions are held *before* the metadata is exported, so
//! every blob a record of the export points to is still there when the backup
//! reads it (a blob is durable before its record is written, and a record is
//! removed before its blob). Blobs published after the export travel too, as
//! orphans that the restored server's sweep collects.

use std::sync::{Arc, Mutex};

use super::{Vault, VaultError};

/// Blob deletions held back while backups run.
#[derive(Default)]
pub(super) struct Deletions {
    inner: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    backups: usize,
    pending: Vec<String>,
}

/// Holds blob deletions until dropped; then those asked for meanwhile are made.
/// Carries the receipt of the backup's journaled attempt: blobs are read only
/// with it, like every release of a payload.
pub struct BackupHold {
    vault: Arc<Vault>,
    receipt: Option<super::journal::Receipt>,
}

impl Drop for BackupHold {
    fn drop(&mut self) {
        let pending = {
            let mut held = self
                .vault
                .deletions
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            held.backups = held.backups.saturating_sub(1);
            if held.backups > 0 {
                return;
            }
            std::mem::take(&mut held.pending)
        };
        if pending.is_empty() {
            return;
        }
        let vault = Arc::clone(&self.vault);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for doc in pending {
                    if let Err(e) = vault.blobs.delete(&doc).await {
                        // The orphan sweep removes it later (no record points to it).
                        tracing::warn!(error = %e, "a deletion held during a backup failed");
                    }
                }
            });
        }
    }
}

impl Vault {
    /// Deletes a document's blobs now, or once the backups running have read them.
    pub(super) async fn delete_blob(&self, doc: &str) -> std::io::Result<()> {
        {
            let mut held = self
                .deletions
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if held.backups > 0 {
                if !held.pending.iter().any(|d| d == doc) {
                    held.pending.push(doc.to_owned());
                }
                return Ok(());
            }
        }
        self.blobs.delete(doc).await
    }

    /// Starts a backup: journals the attempt in the operator's chain, holds blob
    /// deletions, then writes the metadata as one consistent snapshot to `out`
    /// (writes wait meanwhile). Returns the hold (the blobs the caller then reads
    /// stay until it is dropped) and the number of records.
    pub async fn begin_backup(
        self: &Arc<Self>,
        mut out: std::fs::File,
    ) -> Result<(BackupHold, u64), VaultError> {
        use super::journal::{Entry, OPERATOR_SUBJECT};
        use crate::journal::leaf::{Action, ActorKind, Phase};
        let attempt = Entry::new(OPERATOR_SUBJECT, Action::Backup, Phase::Attempt)
            .by(ActorKind::Operator, None);
        let receipt = self.record(attempt).await?;
        self.deletions
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .backups += 1;
        let hold = BackupHold {
            vault: Arc::clone(self),
            receipt: Some(receipt),
        };
        let records = self
            .store(move |m| {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut out);
                let records = m.export(&mut w)?;
                std::io::Write::flush(&mut w)?;
                drop(w);
                out.sync_all()?;
                Ok(records)
            })
            .await?;
        Ok((hold, records))
    }

    /// Every published document's id (what a backup copies).
    pub async fn stored_documents(&self) -> Result<Vec<String>, VaultError> {
        Ok(self
            .blobs
            .documents()
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// A document's blob, for the backup that `hold` belongs to.
    pub async fn backup_blob(
        &self,
        hold: &BackupHold,
        doc: &str,
        part: crate::storage::BlobPart,
    ) -> Result<crate::storage::BlobReader, VaultError> {
        let receipt = hold
            .receipt
            .as_ref()
            .ok_or_else(|| VaultError::Internal("backup ended".into()))?;
        self.serve_payload(receipt, doc, part).await
    }

    /// Journals a start of the service (its version) in the operator's chain: the
    /// trace of restarts and upgrades a municipality owes.
    pub async fn record_start(&self) -> Result<(), VaultError> {
        use super::journal::{Entry, OPERATOR_SUBJECT};
        use crate::journal::leaf::{Action, ActorKind, Phase};
        let version = concat!("coffred ", env!("CARGO_PKG_VERSION"));
        let entry = Entry::new(OPERATOR_SUBJECT, Action::ServiceStarted, Phase::Done)
            .by(ActorKind::System, None)
            .on(version);
        self.record(entry).await?;
        Ok(())
    }

    /// Journals, in the operator's chain, each restore whose signed notice the
    /// journal does not record yet (`coffred restore` runs offline, without the
    /// journal's writer): the first start after a restore says so in the log itself.
    /// Returns how many.
    pub async fn record_restores(&self) -> Result<usize, VaultError> {
        use super::journal::{Entry, OPERATOR_SUBJECT};
        use crate::journal::leaf::{Action, ActorKind, Leaf, Phase};
        use crate::journal::notice::RestoreNotice;
        let subject = super::journal::subject_tag(&self.secret, OPERATOR_SUBJECT, None);
        let (notices, recorded) = self
            .store(move |m| {
                let mut recorded = 0usize;
                let size = m.journal_size()?;
                for index in m.journal_entries_of(&subject)? {
                    if index >= size {
                        break; // being placed, not in the journal yet
                    }
                    if let Some(record) = m.journal_entry(index)? {
                        if Leaf::decode(record.leaf.as_slice())
                            .is_some_and(|l| l.action == Action::Restore)
                        {
                            recorded += 1;
                        }
                    }
                }
                Ok((m.restore_notices()?, recorded))
            })
            .await?;
        let vkey = self.journal.verifier_key();
        let mut added = 0;
        for note in notices.iter().skip(recorded) {
            let Ok(n) = RestoreNotice::verify(note, &vkey) else {
                tracing::warn!("a restore notice does not verify with the journal's key");
                continue;
            };
            let backup = time::OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(n.backup_ms) * 1_000_000,
            )
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| n.backup_ms.to_string());
            let object = format!("backup of {backup}");
            let details = crate::journal::details::Details {
                count: Some(n.size),
                ..Default::default()
            };
            let entry = Entry::new(OPERATOR_SUBJECT, Action::Restore, Phase::Done)
                .by(ActorKind::Operator, None)
                .on(&object)
                .with(details);
            self.record(entry).await?;
            added += 1;
        }
        Ok(added)
    }

    /// When the last backup was sent whole (Unix ms), from the operator's chain in
    /// the journal (so a restart does not forget it); `None` before the first.
    pub async fn last_backup_ms(&self) -> Result<Option<i64>, VaultError> {
        use super::journal::OPERATOR_SUBJECT;
        use crate::journal::leaf::{Action, Leaf, Phase};
        let subject = super::journal::subject_tag(&self.secret, OPERATOR_SUBJECT, None);
        self.store(move |m| {
            let size = m.journal_size()?;
            for index in m.journal_entries_of(&subject)?.into_iter().rev() {
                if index >= size {
                    continue; // being placed, not in the journal yet
                }
                let Some(record) = m.journal_entry(index)? else {
                    continue;
                };
                if let Some(leaf) = Leaf::decode(record.leaf.as_slice()) {
                    if leaf.action == Action::Backup && leaf.phase == Phase::Done {
                        return Ok(Some(leaf.time_ms));
                    }
                }
            }
            Ok(None)
        })
        .await
    }

    /// The clock's time (Unix ms).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Journals a backup in the operator's chain, once it was sent whole.
    pub async fn record_backup(
        &self,
        hold: &BackupHold,
        summary: &crate::api::backup::BackupSummary,
    ) -> Result<(), VaultError> {
        use super::journal::{Entry, OPERATOR_SUBJECT};
        use crate::journal::details::Details;
        use crate::journal::leaf::{Action, ActorKind, Phase};
        let details = Details {
            count: Some(summary.documents),
            ..Details::default()
        };
        let mut entry = Entry::new(OPERATOR_SUBJECT, Action::Backup, Phase::Done)
            .by(ActorKind::Operator, None)
            .with(details);
        if let Some(receipt) = &hold.receipt {
            entry = entry.outcome(receipt);
        }
        self.record(entry).await?;
        Ok(())
    }

    /// Whether a document's record exists.
    pub async fn has_document(&self, doc: &str) -> Result<bool, VaultError> {
        let id = doc.to_owned();
        self.store(move |m| m.has_document(&id)).await
    }

    /// The signed notices of the restores this deployment went through.
    pub async fn restore_notices(&self) -> Result<Vec<String>, VaultError> {
        self.store(|m| m.restore_notices()).await
    }
}
