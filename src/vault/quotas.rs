//! Per-vault quotas: the operator gives a vault more (or less) room than the
//! deployment's default. Every change is journaled in the operator's chain and in
//! the citizen's own, so that she sees who changed her vault's room and when.

use super::journal::{Entry, OPERATOR_SUBJECT};
use super::{Vault, VaultError};
use crate::api::{Quota, Role};
use crate::journal::details::Details;
use crate::journal::leaf::{Action, ActorKind, Phase};
use crate::storage::{AccountRecord, VaultQuota};

impl Vault {
    /// A vault's quota: its own if the operator set one, else the deployment's.
    pub(super) fn quota_of(&self, account: &AccountRecord) -> Quota {
        let default = self.limits.quota();
        match account.quota {
            Some(own) => Quota {
                bytes: own.bytes,
                documents: own.documents,
                ..default
            },
            None => default,
        }
    }

    /// Sets a citizen's vault quota (each part left out keeps the deployment's;
    /// both left out go back to it); returns the quota now in force. A quota below
    /// what the vault holds refuses new papers and keeps every one it has.
    pub async fn set_quota(
        &self,
        user: &str,
        bytes: Option<u64>,
        documents: Option<u64>,
    ) -> Result<Quota, VaultError> {
        let name = crate::api::UserName::parse(user).map_err(|_| VaultError::AccountNotFound)?;
        let default = self.limits.quota();
        let own = match (bytes, documents) {
            (None, None) => None,
            (b, d) => Some(VaultQuota {
                bytes: b.unwrap_or(default.bytes),
                documents: d.unwrap_or(default.documents),
            }),
        };
        let key = name.to_string();
        let account = self.store(move |m| m.account(&key)).await?;
        let account = account.ok_or(VaultError::AccountNotFound)?;
        if account.role != Role::Citizen {
            return Err(VaultError::WrongRole {
                needed: Role::Citizen,
            });
        }
        let now = Quota {
            bytes: own.map_or(default.bytes, |q| q.bytes),
            documents: own.map_or(default.documents, |q| q.documents),
            ..default
        };
        let details = Details {
            size: Some(now.bytes),
            count: Some(now.documents),
            ..Details::default()
        };
        // Journaled before it is made: a change is never without its trace.
        let operator = Entry::new(OPERATOR_SUBJECT, Action::QuotaChanged, Phase::Done)
            .by(ActorKind::Operator, None)
            .on(name.as_str())
            .with(details.clone());
        self.record(operator).await?;
        let key = name.to_string();
        self.store_or(VaultError::AccountNotFound, move |m| {
            m.update_account(&key, &|a| a.quota = own)
        })
        .await?;
        let hers = Entry::new(name.as_str(), Action::QuotaChanged, Phase::Done)
            .by(ActorKind::Operator, None)
            .with(details);
        self.record(hers).await?;
        self.listings.forget(name.as_str());
        Ok(now)
    }
}
