//! Invitations: when the operator opens vaults by invitation, a citizen registers
//! with a one-time code that the operator or a mediator handed her at the counter.
//! Codes are stored under their SHA-256 only; issuing one is journaled in the
//! issuer's chain, and the citizen's own history says whose invitation she used.

use super::journal::{Entry, OPERATOR_SUBJECT};
use super::{Principal, Registration, Vault, VaultError};
use crate::api::{InvitationCode, Role};
use crate::crypto::server::{enrolment_digest, new_enrolment_code};
use crate::journal::details::Details;
use crate::journal::leaf::{Action, ActorKind, Phase};
use crate::storage::InvitationRecord;

/// How long an invitation stays valid: a week.
const INVITATION_MS: i64 = 7 * 24 * 3600 * 1000;
/// Invitations one mediator may have outstanding at once (the operator: more).
const PENDING_PER_MEDIATOR: usize = 50;
const PENDING_FOR_OPERATOR: usize = 1000;

/// Who hands out an invitation.
pub enum Issuer<'a> {
    Operator,
    Mediator(&'a Principal),
}

impl Vault {
    /// Issues a one-time invitation code (journaled in the issuer's chain; the code
    /// itself is never stored nor journaled).
    pub async fn issue_invitation(&self, issuer: Issuer<'_>) -> Result<InvitationCode, VaultError> {
        let (subject, kind, actor, cap, profile) = match issuer {
            Issuer::Operator => (
                OPERATOR_SUBJECT.to_owned(),
                ActorKind::Operator,
                None,
                PENDING_FOR_OPERATOR,
                None,
            ),
            Issuer::Mediator(who) => {
                who.require(Role::Mediator)?;
                let profile = self.profile_of(&who.user).await?;
                (
                    who.user.to_string(),
                    ActorKind::Mediator,
                    Some(who.user.to_string()),
                    PENDING_PER_MEDIATOR,
                    Some(profile),
                )
            }
        };
        let now = self.clock.now_ms();
        // Expired codes go; the issuer's outstanding ones are counted.
        let issuer_name = subject.clone();
        let pending = self
            .store(move |m| {
                let mut mine = Vec::new();
                for (digest, record) in m.invitations()? {
                    if record.expires_ms <= now {
                        m.take_invitation(&digest)?;
                    } else if record.issuer == issuer_name {
                        mine.push(record.expires_ms);
                    }
                }
                Ok(mine)
            })
            .await?;
        if pending.len() >= cap {
            let first_free = pending.iter().min().copied().unwrap_or(now);
            let retry_after_s = ((first_free - now).max(0) / 1000 + 1) as u64;
            return Err(VaultError::TooManyAttempts { retry_after_s });
        }
        let code = new_enrolment_code();
        let record = InvitationRecord {
            issuer: subject.clone(),
            profile,
            created_ms: now,
            expires_ms: now + INVITATION_MS,
        };
        let expires_ms = record.expires_ms;
        let digest = enrolment_digest(&code);
        self.store(move |m| m.put_invitation(&digest, &record))
            .await?;
        let entry = Entry::new(&subject, Action::InvitationIssued, Phase::Done)
            .by(kind, actor.as_deref())
            .with(Details {
                expires_ms: Some(expires_ms),
                ..Details::default()
            });
        self.record(entry).await?;
        Ok(InvitationCode { code, expires_ms })
    }

    /// What registration needs under the operator's policy: nothing (open), or a
    /// valid invitation, taken so that it works once.
    pub(super) async fn admission(
        &self,
        invitation: Option<&str>,
    ) -> Result<Option<([u8; 32], InvitationRecord)>, VaultError> {
        match (self.limits.registration, invitation) {
            (Registration::Closed, _) => Err(VaultError::RegistrationClosed),
            (Registration::Invitation, None) => Err(VaultError::InvitationRequired),
            (Registration::Open, None) => Ok(None),
            (_, Some(code)) => {
                let digest = enrolment_digest(code);
                let now = self.clock.now_ms();
                let taken = self.store(move |m| m.take_invitation(&digest)).await?;
                match taken {
                    Some(record) if record.expires_ms > now => Ok(Some((digest, record))),
                    _ => Err(VaultError::InvitationInvalid),
                }
            }
        }
    }

    /// Gives back an invitation whose registration failed (a name already taken).
    pub(super) async fn give_back(&self, taken: Option<([u8; 32], InvitationRecord)>) {
        if let Some((digest, record)) = taken {
            let restored = self
                .store(move |m| m.put_invitation(&digest, &record))
                .await;
            if let Err(e) = restored {
                tracing::warn!(error = %e, "an invitation could not be given back");
            }
        }
    }
}
