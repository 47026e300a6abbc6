//! Leaving: the export is journaled, and deleting an account destroys its keys
//! (crypto-shredding: the wrapped identity, the recovery envelope and every
//! envelope of its document keys), its documents, grants and requests.

use crate::journal::details::Details;

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
        ip: &str,
    ) -> Result<DeletionReport, VaultError> {
        who.require(Role::Citizen)?;
        self.check_passphrase(who, req.auth_key.0, ip, Action::AccountDeletion)
            .await?;
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
