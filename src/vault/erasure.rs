//! Leaving: the export is journaled, and deleting an account destroys its keys
//! (crypto-shredding: the wrapped identity, the recovery envelope and every
//! envelope of its document keys), its documents, grants and requests.

use crate::journal::details::Details;

use super::attempts::Peer;
use super::journal::Entry;
use super::{Principal, Vault, VaultError};
use crate::api::{ConfirmRequest, DeletionReport, Role};
use crate::journal::leaf::{Action, Phase};

impl Vault {
    /// Journals that the citizen exported her vault (the downloads it makes are
    /// journaled one by one, as any download).
    pub async fn note_export(&self, who: &Principal) -> Result<(), VaultError> {
        who.require(Role::Citizen)?;
        self.record(Entry::new(&who.user, Action::Export, Phase::Done))
            .await
            .map(|_| ())
    }

    /// Deletes the caller's account after checking her passphrase again.
    pub async fn delete_account(
        &self,
        who: &Principal,
        req: ConfirmRequest,
        ip: Peer,
    ) -> Result<DeletionReport, VaultError> {
        who.require(Role::Citizen)?;
        self.check_passphrase(who, req.auth_key.0, ip, Action::AccountDeletion)
            .await?;
        self.erase(who, true).await
    }

    /// The tag an account's erasure is written under in the ledger: keyed by the
    /// deployment secret, so the ledger names nobody.
    fn erasure_tag(&self, account: &crate::storage::AccountRecord) -> [u8; 32] {
        self.secret.tag(
            "erased",
            &format!("{}\0{}", account.user, account.created_ms),
        )
    }

    /// Erases, again, every account the ledger says was erased (a restore from a
    /// backup older than the erasure brought it back); returns how many.
    pub async fn reapply_erasures(&self, ledger: &std::path::Path) -> Result<usize, VaultError> {
        let text = match std::fs::read_to_string(ledger) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let tags: std::collections::HashSet<&str> = text.lines().map(str::trim).collect();
        let accounts = self.store(|m| m.accounts()).await?;
        let mut erased = 0;
        for account in accounts {
            if account.role != Role::Citizen
                || !tags.contains(crate::crypto::hex(&self.erasure_tag(&account)).as_str())
            {
                continue;
            }
            let Ok(user) = crate::api::UserName::parse(&account.user) else {
                return Err(VaultError::Internal(format!(
                    "an erased account's stored name does not parse: {} characters",
                    account.user.len()
                )));
            };
            let who = Principal {
                user,
                role: Role::Citizen,
                enabled: true,
            };
            self.erase(&who, false).await?;
            erased += 1;
        }
        Ok(erased)
    }

    /// Destroys an account's keys, documents, grants and journal details.
    /// `write_ledger`: whether to write the erasure in the ledger (not when the
    /// ledger is what asked for it).
    async fn erase(
        &self,
        who: &Principal,
        write_ledger: bool,
    ) -> Result<DeletionReport, VaultError> {
        let user = who.user.clone();
        let record = self.store(move |m| m.account(&user)).await?;
        if let (true, Some(ledger), Some(record)) = (write_ledger, &self.erasure_ledger, &record) {
            // Written (and fsynced) before anything is destroyed: an erasure the
            // ledger does not hold could come back with a restore.
            // On a line of its own even after a torn write (a crash, a full disk).
            let line = format!("\n{}\n", crate::crypto::hex(&self.erasure_tag(record)));
            append_durably(ledger, line.as_bytes())?;
        }
        let attempt = self
            .record(Entry::new(
                &who.user,
                Action::AccountDeletion,
                Phase::Attempt,
            ))
            .await?;
        let grants_ended = self.end_grants_of(who).await?;
        let user = who.user.clone();
        let documents = self.store(move |m| m.documents_of(&user)).await?;
        for doc in &documents {
            let id = doc.id.clone();
            self.store(move |m| m.delete_document(&id)).await?;
            self.delete_blob(&doc.id).await?;
        }
        self.listings.forget(&who.user);
        let report = DeletionReport {
            documents: documents.len() as u64,
            grants_ended,
        };
        // The outcome joins her chain while the account (and so the chain's tag)
        // still exists; then the keys go, and her entries' details with them.
        let done = Entry::new(&who.user, Action::AccountDeletion, Phase::Done)
            .with(Details {
                count: Some(report.documents),
                grants_ended: Some(grants_ended as u64),
                ..Details::default()
            })
            .outcome(&attempt);
        self.record_after(done).await;
        let user = who.user.clone();
        let account = self.store(move |m| m.account(&user)).await?;
        let subject = super::journal::subject_tag(&self.secret, &who.user, account.as_ref());
        let user = who.user.clone();
        self.store(move |m| m.delete_account(&user)).await?;
        self.store(move |m| m.journal_forget_details(&subject))
            .await?;
        // Her erased details must not stay in the journal's log either.
        self.settle_journal().await?;
        Ok(report)
    }

    /// Sets where erasures are written (see [`crate::config::Config::erasure_ledger`]).
    pub fn with_erasure_ledger(mut self, ledger: Option<std::path::PathBuf>) -> Vault {
        self.erasure_ledger = ledger;
        self
    }

    /// Ends every live grant the citizen gave; returns how many.
    async fn end_grants_of(&self, who: &Principal) -> Result<u64, VaultError> {
        let user = who.user.clone();
        let grants = self.store(move |m| m.grants_of(&user)).await?;
        let mut ended = 0;
        for g in grants.iter().filter(|g| g.grant.citizen == who.user) {
            if !g.envelopes.is_empty() {
                self.revoke(who, &g.grant.id).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }
}

/// Appends `bytes` to `path` (made 0600, its directory 0700, if absent) and fsyncs
/// the file and, when it is new, its directory.
fn append_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fresh = !path.exists();
    if let Some(dir) = path.parent() {
        crate::crypto::keyfile::private_dir(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    if fresh {
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
    }
    Ok(())
}
