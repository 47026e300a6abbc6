//! Consent: the operator enrols and disables mediators; a citizen grants a mediator
//! time-limited access to chosen documents with a signed grant; a mediator lists and
//! fetches what is shared and asks for missing papers. Every document access still
//! goes through `access::authorize`, at the instant of the request.

use std::collections::HashMap;

use crate::journal::details::{Details, Refusal};

use super::access::Principal;
use super::attempts::Peer;
use super::journal::{Entry, OPERATOR_SUBJECT};
use super::{Vault, VaultError};
use crate::api::{
    AccessRequestCreated, AccessRequestDraft, AccessRequestView, AdminStatus, DocumentId,
    EnrolRequest, EnrolmentCode, GrantCreated, GrantId, GrantRequest, GrantState, GrantView,
    MediatorCard, MediatorDraft, MediatorState, MediatorSummary, RequestId, RequestState, Role,
    SessionResponse, SharedDocument,
};
use crate::crypto::server::{
    enrolment_digest, new_enrolment_code, valid_recipient, verify_signature, AGE_MAGIC,
};
use crate::crypto::{hex, sha256};
use crate::journal::leaf::{Action, ActorKind, Phase};
use crate::storage::{
    AccountRecord, EnrolmentRecord, GrantRecord, MediatorProfile, RequestRecord, StoreError,
};

/// How long an enrolment code stays valid.
const ENROLMENT_MS: i64 = 72 * 3600 * 1000;
/// Requests waiting for one citizen's answer, from all mediators together.
const PENDING_REQUESTS_PER_CITIZEN: usize = 20;
/// Tolerated difference between the citizen's clock and the server's.
const CLOCK_SKEW_MS: i64 = 15 * 60 * 1000;
/// Largest envelope in a grant.
const MAX_ENVELOPE_BYTES: usize = 16 * 1024;
/// Longest name, structure or message, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// A name or a message stored in clear: not too long, and nothing in it that changes
/// how text is shown (escapes, bidi overrides, zero-width characters); a message
/// (`allow_empty`) may also hold line breaks.
fn text_ok(s: &str, allow_empty: bool) -> bool {
    (allow_empty || !s.trim().is_empty())
        && s.chars().count() <= MAX_TEXT_CHARS
        && crate::api::plain_text(s, allow_empty)
}

/// The state of a grant at an instant.
pub fn grant_state(record: &GrantRecord, now_ms: i64) -> GrantState {
    match record.revoked_ms {
        Some(_) => GrantState::Revoked,
        None if now_ms >= record.grant.expires_ms => GrantState::Expired,
        None if now_ms < record.grant.not_before_ms => GrantState::Scheduled,
        None => GrantState::Active,
    }
}

impl Vault {
    // ---- operator ----

    /// Issues a one-time enrolment code for a new mediator account.
    pub async fn add_mediator(&self, draft: MediatorDraft) -> Result<EnrolmentCode, VaultError> {
        crate::api::UserName::parse(&draft.user).map_err(|_| VaultError::InvalidUserName)?;
        if !text_ok(&draft.name, false) || !text_ok(&draft.structure, false) {
            return Err(VaultError::BadRequest(
                "name and structure are required".into(),
            ));
        }
        let user = draft.user.clone();
        let now = self.clock.now_ms();
        let taken = self
            .store(move |m| {
                // An expired code nobody used holds the name no longer.
                m.purge_expired_codes(now)?;
                let pending = m.enrolments()?.iter().any(|e| e.user == user);
                Ok(pending || m.account(&user)?.is_some())
            })
            .await?;
        if taken {
            return Err(VaultError::UserExists);
        }
        let code = new_enrolment_code();
        let now = self.clock.now_ms();
        let record = EnrolmentRecord {
            user: draft.user,
            profile: MediatorProfile {
                name: draft.name.trim().to_owned(),
                structure: draft.structure.trim().to_owned(),
            },
            created_ms: now,
            expires_ms: now + ENROLMENT_MS,
        };
        let digest = enrolment_digest(&code);
        let expires_ms = record.expires_ms;
        let details = Details {
            mediator: Some(record.user.clone()),
            expires_ms: Some(expires_ms),
            ..Details::default()
        }
        .mediator_profile(&record.profile.name, &record.profile.structure);
        let user = record.user.clone();
        self.store(move |m| m.put_enrolment(&digest, &record))
            .await?;
        // The operator's own chain records every code issued (never the code).
        let entry = Entry::new(OPERATOR_SUBJECT, Action::MediatorEnrolled, Phase::Done)
            .by(ActorKind::Operator, None)
            .on(&user)
            .with(details);
        self.record(entry).await?;
        Ok(EnrolmentCode { code, expires_ms })
    }

    /// Mediators, pending ones included.
    pub async fn mediators(&self) -> Result<Vec<MediatorSummary>, VaultError> {
        let now = self.clock.now_ms();
        let (accounts, pending) = self.store(|m| Ok((m.accounts()?, m.enrolments()?))).await?;
        let mut out: Vec<MediatorSummary> = accounts
            .into_iter()
            .filter_map(|a| {
                let p = a.mediator?;
                Some(MediatorSummary {
                    user: a.user,
                    name: p.name,
                    structure: p.structure,
                    state: if a.disabled {
                        MediatorState::Disabled
                    } else {
                        MediatorState::Active
                    },
                    created_ms: a.created_ms,
                })
            })
            .collect();
        out.extend(
            pending
                .into_iter()
                .filter(|e| e.expires_ms > now)
                .map(|e| MediatorSummary {
                    user: e.user,
                    name: e.profile.name,
                    structure: e.profile.structure,
                    state: MediatorState::Pending,
                    created_ms: e.created_ms,
                }),
        );
        out.sort_by(|a, b| a.user.cmp(&b.user));
        Ok(out)
    }

    /// Disables a mediator: sessions end, every grant to them ends and its envelopes
    /// are destroyed, at once.
    pub async fn disable_mediator(&self, user: &str) -> Result<(), VaultError> {
        let name = user.to_owned();
        let now = self.clock.now_ms();
        let ended = self
            .store_or(VaultError::MediatorNotFound, move |m| {
                let account = m.account(&name)?.filter(|a| a.role == Role::Mediator);
                if account.is_none() {
                    return Err(StoreError::NotFound);
                }
                m.update_account(&name, &|a| a.disabled = true)?;
                m.delete_sessions_of(&name)?;
                let mut ended = Vec::new();
                for g in m.grants_of(&name)? {
                    let live = g.revoked_ms.is_none() && g.grant.expires_ms > now;
                    if g.grant.mediator == name && !g.envelopes.is_empty() {
                        m.update_grant(&g.grant.id, &|r| {
                            r.envelopes.clear();
                            r.revoked_ms.get_or_insert(now);
                        })?;
                        if live {
                            ended.push((g.grant.citizen.clone(), g.grant.id.clone()));
                        }
                    }
                }
                Ok(ended)
            })
            .await?;
        let entry = Entry::new(OPERATOR_SUBJECT, Action::MediatorDisabled, Phase::Done)
            .by(ActorKind::Operator, None)
            .on(user)
            .with(Details {
                mediator: Some(user.to_owned()),
                grants_ended: Some(ended.len() as u64),
                ..Details::default()
            });
        self.record_after(entry).await;
        for (citizen, grant) in &ended {
            let entry = Entry::new(citizen, Action::Revoke, Phase::Done)
                .by(ActorKind::Operator, None)
                .on(grant)
                .with(Details {
                    grant: Some(grant.clone()),
                    mediator: Some(user.to_owned()),
                    reason: Some(Refusal::MediatorDisabled),
                    ..Details::default()
                });
            self.record_after(entry).await;
        }
        Ok(())
    }

    /// Counts for the operator; no names.
    pub async fn status(&self) -> Result<AdminStatus, VaultError> {
        let now = self.clock.now_ms();
        let (accounts, grants) = self
            .store(|m| Ok((m.accounts()?, m.grants_with_envelopes()?)))
            .await?;
        let mut status = AdminStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            registration: self.limits.registration.as_str().into(),
            ..AdminStatus::default()
        };
        for a in &accounts {
            match a.role {
                Role::Citizen => status.citizens += 1,
                Role::Mediator => status.mediators += 1,
            }
            status.documents += a.usage.documents;
            status.stored_bytes += a.usage.bytes;
        }
        status.active_grants = grants
            .iter()
            .filter(|g| grant_state(g, now) == GrantState::Active)
            .count() as u64;
        Ok(status)
    }

    // ---- mediators ----

    /// Turns an enrolment code into a mediator account with keys made on the device.
    pub async fn enrol(&self, req: EnrolRequest, ip: Peer) -> Result<SessionResponse, VaultError> {
        let now = self.clock.now_ms();
        let ip_key = format!("ip:{}", ip.budget_key());
        self.ip_attempts
            .check(&ip_key, now)
            .map_err(|retry_after_s| VaultError::TooManyAttempts { retry_after_s })?;
        let digest = enrolment_digest(&req.code);
        let entry = self.store(move |m| m.take_enrolment(&digest)).await?;
        let profile = match entry {
            Some(e) if e.expires_ms > now && e.user == req.account.user => e.profile,
            _ => {
                self.ip_attempts.fail(&ip_key, now);
                return Err(VaultError::EnrolmentCodeInvalid);
            }
        };
        self.create_account(req.account, Some(profile), None).await
    }

    /// What a citizen's client needs to verify a mediator and share with them.
    pub async fn mediator_card(
        &self,
        who: &Principal,
        user: &str,
    ) -> Result<MediatorCard, VaultError> {
        who.require(Role::Citizen)?;
        let account = self.active_mediator(user).await?;
        let profile = account.mediator.ok_or(VaultError::MediatorNotFound)?;
        Ok(MediatorCard {
            user: account.user,
            name: profile.name,
            structure: profile.structure,
            keys: account.keys,
        })
    }

    async fn active_mediator(&self, user: &str) -> Result<AccountRecord, VaultError> {
        let name = user.to_owned();
        let account = self.store(move |m| m.account(&name)).await?;
        match account {
            Some(a) if a.role == Role::Mediator && !a.disabled && a.mediator.is_some() => Ok(a),
            _ => Err(VaultError::MediatorNotFound),
        }
    }

    // ---- grants ----

    /// Stores a grant the citizen signed, with one envelope per document.
    pub async fn create_grant(
        &self,
        who: &Principal,
        req: GrantRequest,
    ) -> Result<GrantCreated, VaultError> {
        who.require(Role::Citizen)?;
        let g = &req.grant;
        if !g.well_formed() || g.citizen != who.user {
            return Err(VaultError::InvalidGrant("malformed grant"));
        }
        if g.origin != self.journal_keys().origin {
            return Err(VaultError::InvalidGrant("grant for another deployment"));
        }
        let now = self.clock.now_ms();
        if (g.created_ms - now).abs() > CLOCK_SKEW_MS
            || g.not_before_ms < g.created_ms - CLOCK_SKEW_MS
            || g.expires_ms <= now
        {
            return Err(VaultError::InvalidGrant("dates out of range"));
        }
        let mediator = self.active_mediator(&g.mediator).await?;
        if mediator.keys.age_recipient != g.recipient || !valid_recipient(&g.recipient) {
            return Err(VaultError::InvalidGrant("recipient is not the mediator's"));
        }
        let mut covered: Vec<&str> = req.envelopes.iter().map(|e| e.document.as_str()).collect();
        covered.sort_unstable();
        let envelopes_ok = req.envelopes.iter().all(|e| {
            e.envelope.len() <= MAX_ENVELOPE_BYTES && e.envelope.as_slice().starts_with(AGE_MAGIC)
        });
        if covered != g.documents.iter().map(|d| d.as_str()).collect::<Vec<_>>() || !envelopes_ok {
            return Err(VaultError::InvalidGrant(
                "one envelope per document is needed",
            ));
        }
        let citizen = who.user.clone();
        let owner = self.store(move |m| m.account(&citizen)).await?;
        let owner = owner.ok_or(VaultError::Unauthenticated)?;
        if !verify_signature(
            owner.keys.signing_key.as_slice(),
            &g.canonical(),
            req.signature.as_slice(),
        ) {
            return Err(VaultError::InvalidGrant("signature does not verify"));
        }
        for (id, digest) in g.documents.iter().zip(&g.digests) {
            let access = self.readable(who, id, super::Action::ShareDocument).await?;
            if *digest != document_digest(&access.row) {
                return Err(VaultError::InvalidGrant("digest is not the document's"));
            }
        }
        if let Some(request) = &req.request {
            self.check_request(who, request, &g.mediator).await?;
        }
        let created = GrantCreated {
            grant: g.id.clone(),
            expires_ms: g.expires_ms,
        };
        let profile = mediator.mediator.clone();
        let details = Details {
            grant: Some(g.id.clone()),
            mediator: Some(g.mediator.clone()),
            actor_name: profile.as_ref().map(|p| p.name.clone()),
            structure: profile.as_ref().map(|p| p.structure.clone()),
            documents: Some(g.documents.clone()),
            purpose: Some(g.purpose.clone()),
            expires_ms: Some(g.expires_ms),
            ..Details::default()
        };
        let request = req.request.clone();
        let record = GrantRecord {
            grant: req.grant,
            signature: req.signature,
            envelopes: req.envelopes,
            revoked_ms: None,
        };
        let grant_id = created.grant.clone();
        self.store_or(VaultError::RequestNotFound, move |m| {
            match m.insert_grant(&record) {
                Err(StoreError::Conflict) => return Ok(false),
                other => other?,
            }
            if let Some(r) = request {
                m.update_request(&r, &|q| {
                    q.state = RequestState::Fulfilled;
                    q.grant = Some(grant_id.clone());
                })?;
            }
            Ok(true)
        })
        .await?
        .then_some(())
        .ok_or(VaultError::InvalidGrant("grant id already used"))?;
        let entry = Entry::new(&who.user, Action::Share, Phase::Done)
            .on(&created.grant)
            .with(details);
        self.record_after(entry).await;
        Ok(created)
    }

    /// Grants given by a citizen, or received by a mediator, newest first.
    pub async fn grants(&self, who: &Principal) -> Result<Vec<GrantView>, VaultError> {
        let user = who.user.clone();
        let records = self.store(move |m| m.grants_of(&user)).await?;
        let now = self.clock.now_ms();
        let mut profiles: HashMap<String, MediatorProfile> = HashMap::new();
        let mut keys: HashMap<String, crate::api::PublicKeys> = HashMap::new();
        let mut out = Vec::new();
        for r in records {
            let mine = match who.role {
                Role::Citizen => r.grant.citizen == who.user,
                Role::Mediator => r.grant.mediator == who.user,
            };
            if !mine {
                continue;
            }
            let profile = match profiles.get(&r.grant.mediator) {
                Some(p) => p.clone(),
                None => {
                    let p = self.profile_of(&r.grant.mediator).await?;
                    profiles.insert(r.grant.mediator.clone(), p.clone());
                    p
                }
            };
            let citizen_keys = match keys.get(&r.grant.citizen) {
                Some(k) => k.clone(),
                None => {
                    let name = r.grant.citizen.clone();
                    let account = self.store(move |m| m.account(&name)).await?;
                    let k = account.map(|a| a.keys).ok_or(VaultError::GrantNotFound)?;
                    keys.insert(r.grant.citizen.clone(), k.clone());
                    k
                }
            };
            out.push(GrantView {
                citizen_keys,
                state: grant_state(&r, now),
                revoked_ms: r.revoked_ms,
                grant: r.grant,
                signature: r.signature,
                mediator_name: profile.name,
                mediator_structure: profile.structure,
            });
        }
        out.sort_by_key(|g| std::cmp::Reverse(g.grant.created_ms));
        Ok(out)
    }

    pub(super) async fn profile_of(&self, user: &str) -> Result<MediatorProfile, VaultError> {
        let name = user.to_owned();
        let account = self.store(move |m| m.account(&name)).await?;
        Ok(account
            .and_then(|a| a.mediator)
            .unwrap_or_else(|| MediatorProfile {
                name: user.to_owned(),
                structure: String::new(),
            }))
    }

    /// Ends a grant now: envelopes destroyed in the same write.
    pub async fn revoke(&self, who: &Principal, id: &GrantId) -> Result<(), VaultError> {
        who.require(Role::Citizen)?;
        let key = id.to_owned();
        let record = self.store(move |m| m.grant(&key)).await?;
        match record {
            Some(r) if r.grant.citizen == who.user => {}
            _ => return Err(VaultError::GrantNotFound),
        }
        let key = id.to_owned();
        let now = self.clock.now_ms();
        self.store_or(VaultError::GrantNotFound, move |m| {
            m.update_grant(&key, &|r| {
                r.envelopes.clear();
                r.revoked_ms.get_or_insert(now);
            })
        })
        .await?;
        let entry = Entry::new(&who.user, Action::Revoke, Phase::Done)
            .on(id)
            .with(Details {
                grant: Some(id.clone()),
                ..Details::default()
            });
        self.record_after(entry).await;
        Ok(())
    }

    /// Documents currently shared with a mediator.
    pub async fn shared(&self, who: &Principal) -> Result<Vec<SharedDocument>, VaultError> {
        who.require(Role::Mediator)?;
        let user = who.user.clone();
        let records = self.store(move |m| m.grants_of(&user)).await?;
        let now = self.clock.now_ms();
        // For each document, the active grant that lasts longest; then every record
        // in one trip to the store (one trip per document made a 100-document
        // answer cost 100 hops to the blocking pool).
        let mut chosen: HashMap<&DocumentId, (&crate::storage::GrantRecord, &crate::api::Bytes)> =
            HashMap::new();
        for r in records
            .iter()
            .filter(|r| r.grant.mediator == who.user && grant_state(r, now) == GrantState::Active)
        {
            for e in &r.envelopes {
                if chosen
                    .get(&e.document)
                    .is_some_and(|(g, _)| g.grant.expires_ms >= r.grant.expires_ms)
                {
                    continue;
                }
                chosen.insert(&e.document, (r, &e.envelope));
            }
        }
        let ids: Vec<DocumentId> = chosen.keys().map(|id| (*id).clone()).collect();
        let rows = self
            .store(move |m| {
                ids.iter()
                    .map(|id| m.document(id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        let mut best: HashMap<DocumentId, SharedDocument> = HashMap::new();
        for row in rows.into_iter().flatten() {
            let Some((r, envelope)) = chosen.get(&row.id) else {
                continue;
            };
            best.insert(
                row.id.clone(),
                SharedDocument {
                    envelope_sha256: hex(&sha256(row.owner_envelope.as_slice())),
                    payload_sha256: row.payload_sha256,
                    signature: row.signature,
                    id: row.id,
                    size: row.size,
                    added_ms: row.added_ms,
                    meta: row.meta,
                    envelope: (*envelope).clone(),
                    grant: r.grant.id.clone(),
                    citizen: r.grant.citizen.clone(),
                    expires_ms: r.grant.expires_ms,
                },
            );
        }
        self.destroy_ended_envelopes(&records).await?;
        let mut citizens: Vec<(&str, usize)> = Vec::new();
        for d in best.values() {
            match citizens.iter_mut().find(|(c, _)| *c == d.citizen) {
                Some((_, n)) => *n += 1,
                None => citizens.push((&d.citizen, 1)),
            }
        }
        if !citizens.is_empty() {
            let profile = self.profile_of(&who.user).await?;
            for (citizen, count) in citizens {
                if !self.may_journal(&format!("list/{}/{citizen}", who.user)) {
                    continue;
                }
                let entry = Entry::new(citizen, Action::MediatorList, Phase::Done)
                    .by(ActorKind::Mediator, Some(&who.user))
                    .with(
                        Details {
                            count: Some(count as u64),
                            ..Details::default()
                        }
                        .mediator_profile(&profile.name, &profile.structure),
                    );
                self.record_after(entry).await;
            }
        }
        let mut out: Vec<SharedDocument> = best.into_values().collect();
        out.sort_by(|a, b| (&a.citizen, a.added_ms).cmp(&(&b.citizen, b.added_ms)));
        Ok(out)
    }

    /// Destroys the envelopes of the grants among `grants` that have ended.
    pub(super) async fn destroy_ended_envelopes(
        &self,
        grants: &[GrantRecord],
    ) -> Result<(), VaultError> {
        let now = self.clock.now_ms();
        let ended: Vec<&GrantRecord> = grants
            .iter()
            .filter(|r| !r.envelopes.is_empty())
            .filter(|r| {
                matches!(
                    grant_state(r, now),
                    GrantState::Expired | GrantState::Revoked
                )
            })
            .collect();
        if ended.is_empty() {
            return Ok(());
        }
        let ids: Vec<GrantId> = ended.iter().map(|r| r.grant.id.clone()).collect();
        self.store(move |m| {
            for id in &ids {
                m.update_grant(id, &|r| r.envelopes.clear())?;
            }
            Ok(())
        })
        .await?;
        // A withdrawal was journaled when it happened; an expiry is journaled when
        // its envelopes are destroyed (once: a grant without envelopes is not met
        // again here).
        for r in ended
            .iter()
            .filter(|r| grant_state(r, now) == GrantState::Expired)
        {
            let profile = self.profile_of(&r.grant.mediator).await?;
            let entry = Entry::new(&r.grant.citizen, Action::Expire, Phase::Done)
                .by(ActorKind::System, None)
                .on(&r.grant.id)
                .with(
                    Details {
                        grant: Some(r.grant.id.clone()),
                        mediator: Some(r.grant.mediator.clone()),
                        expires_ms: Some(r.grant.expires_ms),
                        ..Details::default()
                    }
                    .mediator_profile(&profile.name, &profile.structure),
                );
            self.record_after(entry).await;
        }
        Ok(())
    }

    /// The expiry sweeper's pass: destroys the envelopes of every ended grant.
    /// Removes enrolment and invitation codes that expired unused.
    pub async fn purge_expired_codes(&self) -> Result<usize, VaultError> {
        let now = self.clock.now_ms();
        self.store(move |m| m.purge_expired_codes(now)).await
    }

    pub async fn sweep_grants(&self) -> Result<usize, VaultError> {
        let grants = self.store(|m| m.grants_with_envelopes()).await?;
        let now = self.clock.now_ms();
        let ended = grants
            .iter()
            .filter(|r| {
                grant_state(r, now) != GrantState::Active
                    && grant_state(r, now) != GrantState::Scheduled
            })
            .count();
        self.destroy_ended_envelopes(&grants).await?;
        Ok(ended)
    }

    /// A deleted document's envelopes leave the citizen's grants.
    pub(super) async fn forget_in_grants(&self, owner: &str, doc: &str) -> Result<(), VaultError> {
        let (owner, doc) = (owner.to_owned(), doc.to_owned());
        self.store(move |m| {
            for g in m.grants_of(&owner)? {
                if g.grant.citizen == owner && g.envelopes.iter().any(|e| e.document == doc) {
                    m.update_grant(&g.grant.id, &|r| r.envelopes.retain(|e| e.document != doc))?;
                }
            }
            Ok(())
        })
        .await
    }

    // ---- access requests ----

    /// A mediator asks a citizen for papers. The answer is the same whether or not
    /// the citizen exists, so that requests cannot probe user names.
    pub async fn request_access(
        &self,
        who: &Principal,
        draft: AccessRequestDraft,
    ) -> Result<AccessRequestCreated, VaultError> {
        who.require(Role::Mediator)?;
        if !text_ok(&draft.message, true) {
            return Err(VaultError::BadRequest("message too long".into()));
        }
        // Throttled per mediator, and per name whether or not it is a citizen's, so
        // that neither the limits nor the answers tell which names exist.
        let now = self.clock.now_ms();
        let too_many = |retry_after_s| VaultError::TooManyAttempts { retry_after_s };
        let per_name = format!("{}/{}", who.user, draft.citizen);
        self.requests_sent
            .reserve(&who.user, now)
            .map_err(too_many)?;
        if let Err(wait) = self.requests_to_name.reserve(&per_name, now) {
            self.requests_sent.forgive(&who.user, now);
            return Err(too_many(wait));
        }
        let id = RequestId::generate();
        let record = RequestRecord {
            id: id.clone(),
            mediator: who.user.to_string(),
            citizen: draft.citizen.clone(),
            category: draft.category,
            message: draft.message,
            created_ms: self.clock.now_ms(),
            state: RequestState::Pending,
            grant: None,
        };
        let citizen = record.citizen.clone();
        let category = record.category;
        let inserted = self
            .store(move |m| {
                let is_citizen = m
                    .account(&record.citizen)?
                    .is_some_and(|a| a.role == Role::Citizen);
                // A citizen's pending requests are capped, whoever sends them; past
                // the cap a request is dropped with the very answer an unknown name
                // gets, so that the cap does not tell whether a name exists either.
                let room = is_citizen
                    && m.requests_of(&record.citizen)?
                        .iter()
                        .filter(|r| r.citizen == record.citizen && r.state == RequestState::Pending)
                        .count()
                        < PENDING_REQUESTS_PER_CITIZEN;
                if room {
                    m.insert_request(&record)?;
                }
                Ok(room)
            })
            .await?;
        if inserted {
            let profile = self.profile_of(&who.user).await?;
            let entry = Entry::new(&citizen, Action::AccessRequest, Phase::Done)
                .by(ActorKind::Mediator, Some(&who.user))
                .on(&id)
                .with(
                    Details {
                        request: Some(id.clone()),
                        category: Some(category),
                        ..Details::default()
                    }
                    .mediator_profile(&profile.name, &profile.structure),
                );
            self.record_after(entry).await;
        } else {
            // The same durable write an existing name costs, so that the answer's
            // timing does not tell either.
            self.store(|m| m.flush()).await?;
        }
        Ok(AccessRequestCreated { request: id })
    }

    /// Requests addressed to a citizen (or sent by a mediator), newest first.
    pub async fn requests(&self, who: &Principal) -> Result<Vec<AccessRequestView>, VaultError> {
        let user = who.user.clone();
        let records = self.store(move |m| m.requests_of(&user)).await?;
        let mut out = Vec::new();
        for r in records {
            let mine = match who.role {
                Role::Citizen => r.citizen == who.user,
                Role::Mediator => r.mediator == who.user,
            };
            if !mine {
                continue;
            }
            let profile = self.profile_of(&r.mediator).await?;
            out.push(AccessRequestView {
                id: r.id,
                citizen: r.citizen,
                mediator: r.mediator,
                mediator_name: profile.name,
                mediator_structure: profile.structure,
                category: r.category,
                message: r.message,
                created_ms: r.created_ms,
                state: r.state,
                grant: r.grant,
            });
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.created_ms));
        Ok(out)
    }

    async fn check_request(
        &self,
        who: &Principal,
        id: &str,
        mediator: &str,
    ) -> Result<RequestRecord, VaultError> {
        let key = id.to_owned();
        let record = self.store(move |m| m.request(&key)).await?;
        match record {
            Some(r)
                if r.citizen == who.user
                    && r.mediator == mediator
                    && r.state == RequestState::Pending =>
            {
                Ok(r)
            }
            _ => Err(VaultError::RequestNotFound),
        }
    }

    /// The citizen declines a request.
    pub async fn decline(&self, who: &Principal, id: &RequestId) -> Result<(), VaultError> {
        who.require(Role::Citizen)?;
        let key = id.to_owned();
        let record = self.store(move |m| m.request(&key)).await?;
        match record {
            Some(r) if r.citizen == who.user => match r.state {
                RequestState::Pending => {}
                // Declining twice is what she meant the first time.
                RequestState::Declined => return Ok(()),
                RequestState::Fulfilled => return Err(VaultError::RequestAnswered),
            },
            _ => return Err(VaultError::RequestNotFound),
        }
        let key = id.to_owned();
        self.store_or(VaultError::RequestNotFound, move |m| {
            m.update_request(&key, &|q| q.state = RequestState::Declined)
        })
        .await?;
        let entry = Entry::new(&who.user, Action::RequestDeclined, Phase::Done)
            .on(id)
            .with(Details {
                request: Some(id.clone()),
                ..Details::default()
            });
        self.record_after(entry).await;
        Ok(())
    }
}

/// What a grant says of a document: `payload_sha256.meta_sha256`, hex.
pub(super) fn document_digest(row: &crate::storage::DocumentRow) -> String {
    format!(
        "{}.{}",
        row.payload_sha256,
        hex(&sha256(row.meta.as_slice()))
    )
}
