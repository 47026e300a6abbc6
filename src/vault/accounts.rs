//! Accounts and sessions: registration, pre-login, login, logout, passphrase change
//! and recovery. The server sees the auth key (a derived secret, never the passphrase)
//! and keeps only an Argon2id hash of it.

use std::sync::Arc;

use crate::journal::details::{Details, Refusal};

use super::attempts::Peer;
use super::journal::Entry;
use super::{Principal, Vault, VaultError};
use crate::api::{
    AccountResponse, ChangePassphraseRequest, KdfParams, LoginRequest, PassphraseCredentials,
    PreloginResponse, RecoverRequest, RecoveryCredentials, RecoveryEnvelopeRequest,
    RecoveryEnvelopeResponse, RegisterRequest, Role, SessionResponse,
};
use crate::crypto::server::AGE_MAGIC;
use crate::crypto::server::{self as srv};
use crate::journal::leaf::{Action, ActorKind, Phase};
use crate::storage::{AccountRecord, MediatorProfile, SessionRecord, StoreError};

const KEY_BYTES: usize = 32;
const MAX_ENVELOPE_BYTES: usize = 16 * 1024;

use crate::api::UserName;

fn check_passphrase_credentials(c: &PassphraseCredentials) -> Result<(), VaultError> {
    if !c.kdf.acceptable() {
        return Err(VaultError::WeakKdfParams);
    }
    let sizes_ok = (16..=64).contains(&c.salt.len())
        && c.auth_key.len() == KEY_BYTES
        && c.wrapped_identity.nonce.len() == 24
        && (16..=MAX_ENVELOPE_BYTES).contains(&c.wrapped_identity.ciphertext.len());
    sizes_ok
        .then_some(())
        .ok_or_else(|| VaultError::BadRequest("malformed passphrase credentials".into()))
}

fn check_recovery_credentials(c: &RecoveryCredentials) -> Result<(), VaultError> {
    let ok = srv::valid_recipient(&c.recipient)
        && c.auth_key.len() == KEY_BYTES
        && c.envelope.len() <= MAX_ENVELOPE_BYTES
        && c.envelope.as_slice().starts_with(AGE_MAGIC);
    ok.then_some(())
        .ok_or_else(|| VaultError::BadRequest("malformed recovery credentials".into()))
}

impl Vault {
    /// Creates a citizen's account and opens a session.
    /// Creates a citizen's account, as the operator's policy allows: never when
    /// registration is closed, and at most so many per address and hour (each costs
    /// two Argon2id hashes and a record).
    pub async fn register(
        &self,
        req: RegisterRequest,
        ip: Peer,
    ) -> Result<SessionResponse, VaultError> {
        if self.limits.registration == super::Registration::Closed {
            return Err(VaultError::RegistrationClosed);
        }
        let now = self.clock.now_ms();
        let key = format!("register:{}", ip.budget_key());
        self.registrations
            .reserve(&key, now)
            .map_err(|retry_after_s| VaultError::TooManyAttempts { retry_after_s })?;
        // A wrong invitation code counts against the address (codes are not to be
        // guessed); a refused name costs it nothing.
        let invitation = self.admission(req.invitation.as_deref()).await?;
        let inviter = invitation.as_ref().map(|(_, r)| r.clone());
        let created = self.create_account(req, None, inviter).await;
        if created.is_err() {
            self.registrations.forgive(&key, now);
            self.give_back(invitation).await;
        }
        created
    }

    /// Creates an account (a mediator's when `mediator` is given) and opens a session.
    pub(super) async fn create_account(
        &self,
        req: RegisterRequest,
        mediator: Option<MediatorProfile>,
        inviter: Option<crate::storage::InvitationRecord>,
    ) -> Result<SessionResponse, VaultError> {
        UserName::parse(&req.user).map_err(|_| VaultError::InvalidUserName)?;
        check_passphrase_credentials(&req.passphrase)?;
        check_recovery_credentials(&req.recovery)?;
        if !srv::valid_recipient(&req.keys.age_recipient) || req.keys.signing_key.len() != 32 {
            return Err(VaultError::BadRequest("malformed public keys".into()));
        }
        if !crate::crypto::safety::binding_valid(&req.keys) {
            return Err(VaultError::BadRequest(
                "keys without a valid binding".into(),
            ));
        }
        let auth = req.passphrase.auth_key.0.clone();
        let recovery = req.recovery.auth_key.0.clone();
        let (auth_hash, recovery_hash) = self
            .hashing(move |h| (h.hash_secret(&auth), h.hash_secret(&recovery)))
            .await?;
        let internal = |_| VaultError::Internal("hashing failed".into());
        let account = AccountRecord {
            user: req.user.clone(),
            role: if mediator.is_some() {
                Role::Mediator
            } else {
                Role::Citizen
            },
            keys: req.keys,
            salt: req.passphrase.salt,
            kdf: req.passphrase.kdf,
            auth_hash: auth_hash.map_err(internal)?,
            wrapped_identity: req.passphrase.wrapped_identity,
            recovery_recipient: req.recovery.recipient,
            recovery_envelope: req.recovery.envelope,
            recovery_hash: recovery_hash.map_err(internal)?,
            created_ms: self.clock.now_ms(),
            usage: Default::default(),
            mediator,
            disabled: false,
            quota: None,
        };
        let stored = account.clone();
        let created = self
            .store(move |m| match m.insert_account(&stored) {
                Ok(()) => Ok(true),
                Err(StoreError::Conflict) => Ok(false),
                Err(e) => Err(e),
            })
            .await?;
        if !created {
            return Err(VaultError::UserExists);
        }
        let session = self.open_session(&account).await?;
        let details = match &account.mediator {
            Some(p) => Details {
                role: Some(Role::Mediator),
                ..Details::default()
            }
            .mediator_profile(&p.name, &p.structure),
            None => {
                let citizen = Details {
                    role: Some(Role::Citizen),
                    ..Details::default()
                };
                // Whose invitation she used, for her own history.
                match inviter.and_then(|i| i.profile.map(|p| (i.issuer, p))) {
                    Some((issuer, p)) => Details {
                        mediator: Some(issuer),
                        ..citizen
                    }
                    .mediator_profile(&p.name, &p.structure),
                    None => citizen,
                }
            }
        };
        self.record_after(Entry::new(&account.user, Action::Register, Phase::Done).with(details))
            .await;
        Ok(session)
    }

    /// Salt and parameters for a user; a stable fake for unknown names.
    pub async fn prelogin(&self, user: &str) -> Result<PreloginResponse, VaultError> {
        let name = user.to_owned();
        let account = self.store(move |m| m.account(&name)).await?;
        Ok(match account {
            Some(a) => PreloginResponse {
                salt: a.salt,
                kdf: a.kdf,
            },
            None => PreloginResponse {
                salt: self.secret.fake_salt(user).to_vec().into(),
                kdf: KdfParams::DEFAULT,
            },
        })
    }

    pub async fn login(&self, req: LoginRequest, ip: Peer) -> Result<SessionResponse, VaultError> {
        let account = self
            .check_secret((&req.user, Action::Login), ip, req.auth_key.0, |a| {
                a.auth_hash.clone()
            })
            .await?;
        if account.disabled {
            return Err(VaultError::AccountDisabled);
        }
        let session = self.open_session(&account).await?;
        let entry = Entry::new(&account.user, Action::Login, Phase::Done)
            .with(Details::from_ip(&ip.address()));
        self.record_after(entry).await;
        Ok(session)
    }

    /// Verifies a secret against an account's stored hash, under the attempt limits.
    async fn check_secret(
        &self,
        (user, action): (&str, Action),
        ip: Peer,
        secret: Vec<u8>,
        stored_hash: impl Fn(&AccountRecord) -> String,
    ) -> Result<AccountRecord, VaultError> {
        let now = self.clock.now_ms();
        let recovery = action == Action::Recovery;
        let (user_key, ip_key) = if recovery {
            (
                format!("recovery:{user}"),
                format!("recovery-ip:{}", ip.budget_key()),
            )
        } else {
            (format!("user:{user}"), format!("ip:{}", ip.budget_key()))
        };
        // Counted before the slow verification, so concurrent attempts cannot all
        // slip under the limit; forgiven below if the secret is right.
        let too_many = |retry_after_s| VaultError::TooManyAttempts { retry_after_s };
        self.ip_attempts.reserve(&ip_key, now).map_err(too_many)?;
        let per_account = if recovery {
            self.recovery_backoff.reserve(&user_key, now)
        } else {
            self.account_attempts.reserve(&user_key, now)
        };
        if let Err(wait) = per_account {
            self.ip_attempts.forgive(&ip_key, now);
            return Err(too_many(wait));
        }
        let name = user.to_owned();
        let account = self.store(move |m| m.account(&name)).await?;
        let hash = account.as_ref().map(&stored_hash);
        let ok = self
            .hashing(move |h| match hash {
                Some(stored) => h.verify_secret(&stored, &secret),
                None => {
                    h.verify_nothing(&secret);
                    false
                }
            })
            .await?;
        match account {
            Some(account) if ok => {
                self.ip_attempts.forgive(&ip_key, now);
                self.account_attempts.clear(&user_key);
                self.recovery_backoff.clear(&user_key);
                Ok(account)
            }
            Some(_) => {
                let denied = Entry::new(user, action, Phase::Denied)
                    .by(ActorKind::Anonymous, None)
                    .with(Details {
                        reason: Some(Refusal::BadCredentials),
                        ..Details::from_ip(&ip.address())
                    });
                self.record_after(denied).await;
                Err(VaultError::BadCredentials)
            }
            None => Err(VaultError::BadCredentials),
        }
    }

    async fn open_session(&self, account: &AccountRecord) -> Result<SessionResponse, VaultError> {
        let (token, digest) = srv::new_token();
        let now = self.clock.now_ms();
        let wrap_key = crate::api::Bytes(crate::crypto::random_bytes::<32>().to_vec());
        let record = SessionRecord {
            user: account.user.clone(),
            created_ms: now,
            expires_ms: now + self.limits.session_lifetime.as_millis() as i64,
            wrap_key: wrap_key.clone(),
        };
        let expires_ms = record.expires_ms;
        self.store(move |m| m.put_session(&digest, &record)).await?;
        Ok(SessionResponse {
            user: account.user.clone(),
            role: account.role,
            token,
            expires_ms,
            keys: account.keys.clone(),
            wrapped_identity: account.wrapped_identity.clone(),
            kdf: account.kdf,
            session_key: wrap_key,
        })
    }

    /// The key that seals the device's copy of the identity, while the session lasts.
    pub async fn session_key(&self, token: &str) -> Result<crate::api::Bytes, VaultError> {
        let digest = srv::token_digest(token);
        let session = self.store(move |m| m.session(&digest)).await?;
        match session {
            Some(s) if s.expires_ms > self.clock.now_ms() && s.wrap_key.len() == 32 => {
                Ok(s.wrap_key)
            }
            _ => Err(VaultError::Unauthenticated),
        }
    }

    /// The principal behind a bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, VaultError> {
        let digest = srv::token_digest(token);
        let now = self.clock.now_ms();
        // The session and its account in one read, on this task: every request
        // makes it.
        enum Found {
            Nothing,
            Expired,
            Account(Box<crate::storage::AccountRecord>),
        }
        let found = self.read_now(|m| {
            Ok(match m.session(&digest)? {
                None => Found::Nothing,
                Some(session) if session.expires_ms <= now => Found::Expired,
                Some(session) => match m.account(&session.user)? {
                    None => Found::Nothing,
                    Some(account) => Found::Account(Box::new(account)),
                },
            })
        })?;
        let account = match found {
            Found::Nothing => return Err(VaultError::Unauthenticated),
            Found::Expired => {
                self.store(move |m| m.delete_session(&digest)).await?;
                return Err(VaultError::SessionExpired);
            }
            Found::Account(account) => account,
        };
        if account.disabled {
            return Err(VaultError::AccountDisabled);
        }
        // Names were checked at registration; a stored one that is not a name is a
        // broken store, not a caller.
        let user = crate::api::UserName::parse(&account.user)
            .map_err(|_| VaultError::Internal("a stored user name is invalid".into()))?;
        Ok(Principal {
            user,
            role: account.role,
            enabled: true,
        })
    }

    pub async fn logout(&self, who: &Principal, token: &str) -> Result<(), VaultError> {
        let digest = srv::token_digest(token);
        self.store(move |m| m.delete_session(&digest)).await?;
        self.record_after(Entry::new(&who.user, Action::Logout, Phase::Done))
            .await;
        Ok(())
    }

    pub async fn account(&self, who: &Principal) -> Result<AccountResponse, VaultError> {
        let user = who.user.clone();
        let account = self.store(move |m| m.account(&user)).await?;
        let account = account.ok_or(VaultError::Unauthenticated)?;
        let quota = self.quota_of(&account);
        Ok(AccountResponse {
            user: account.user,
            role: account.role,
            keys: account.keys,
            quota,
            usage: account.usage,
        })
    }

    /// Replaces the passphrase credentials; ends every other session.
    pub async fn change_passphrase(
        &self,
        who: &Principal,
        req: ChangePassphraseRequest,
        ip: Peer,
    ) -> Result<SessionResponse, VaultError> {
        check_passphrase_credentials(&req.passphrase)?;
        self.check_secret(
            (&who.user, Action::PassphraseChange),
            ip,
            req.current_auth_key.0,
            |a| a.auth_hash.clone(),
        )
        .await?;
        let session = self
            .replace_credentials(&who.user, req.passphrase, None)
            .await?;
        let entry = Entry::new(&who.user, Action::PassphraseChange, Phase::Done)
            .with(Details::from_ip(&ip.address()));
        self.record_after(entry).await;
        Ok(session)
    }

    /// The recovery envelope, for a client that proves it holds the kit.
    pub async fn recovery_envelope(
        &self,
        req: RecoveryEnvelopeRequest,
        ip: Peer,
    ) -> Result<RecoveryEnvelopeResponse, VaultError> {
        let account = self
            .check_kit(&req.user, ip, req.recovery_auth_key.0)
            .await?;
        Ok(RecoveryEnvelopeResponse {
            envelope: account.recovery_envelope,
            keys: account.keys,
        })
    }

    /// Sets a new passphrase and a new kit from the old kit; ends every session.
    pub async fn recover(
        &self,
        req: RecoverRequest,
        ip: Peer,
    ) -> Result<SessionResponse, VaultError> {
        check_passphrase_credentials(&req.passphrase)?;
        check_recovery_credentials(&req.recovery)?;
        self.check_kit(&req.user, ip, req.recovery_auth_key.0)
            .await?;
        let user = req.user.clone();
        let session = self
            .replace_credentials(&req.user, req.passphrase, Some(req.recovery))
            .await?;
        let entry =
            Entry::new(&user, Action::Recovery, Phase::Done).with(Details::from_ip(&ip.address()));
        self.record_after(entry).await;
        Ok(session)
    }

    async fn replace_credentials(
        &self,
        user: &str,
        pass: PassphraseCredentials,
        recovery: Option<RecoveryCredentials>,
    ) -> Result<SessionResponse, VaultError> {
        let auth = pass.auth_key.0.clone();
        let recovery_auth = recovery.as_ref().map(|r| r.auth_key.0.clone());
        let (auth_hash, recovery_hash) = self
            .hashing(move |h| {
                let r = recovery_auth.map(|k| h.hash_secret(&k));
                (h.hash_secret(&auth), r)
            })
            .await?;
        let internal = |_| VaultError::Internal("hashing failed".into());
        let auth_hash = auth_hash.map_err(internal)?;
        let recovery_hash = recovery_hash.transpose().map_err(internal)?;
        let name = user.to_owned();
        let change = Arc::new(move |a: &mut AccountRecord| {
            a.salt = pass.salt.clone();
            a.kdf = pass.kdf;
            a.auth_hash = auth_hash.clone();
            a.wrapped_identity = pass.wrapped_identity.clone();
            if let (Some(r), Some(h)) = (&recovery, &recovery_hash) {
                a.recovery_recipient = r.recipient.clone();
                a.recovery_envelope = r.envelope.clone();
                a.recovery_hash = h.clone();
            }
        });
        // The account may have been deleted meanwhile: then there is no one to log in.
        let account = self
            .store_or(VaultError::Unauthenticated, move |m| {
                m.update_account(&name, change.as_ref())?;
                m.delete_sessions_of(&name)?;
                m.account(&name)?.ok_or(StoreError::NotFound)
            })
            .await?;
        self.open_session(&account).await
    }
}

impl Vault {
    /// Checks the caller's passphrase again (an auth key), under the attempt limits.
    pub(super) async fn check_passphrase(
        &self,
        who: &Principal,
        auth_key: Vec<u8>,
        ip: Peer,
        action: Action,
    ) -> Result<(), VaultError> {
        self.check_secret((&who.user, action), ip, auth_key, |a| a.auth_hash.clone())
            .await
            .map(|_| ())
    }

    /// Checks a recovery auth key, under the attempt limits.
    async fn check_kit(
        &self,
        user: &str,
        ip: Peer,
        key: Vec<u8>,
    ) -> Result<AccountRecord, VaultError> {
        self.check_secret((user, Action::Recovery), ip, key, |a| {
            a.recovery_hash.clone()
        })
        .await
        .map_err(kit_refused)
    }
}

fn kit_refused(e: VaultError) -> VaultError {
    match e {
        VaultError::BadCredentials => VaultError::BadRecoveryKit,
        other => other,
    }
}
