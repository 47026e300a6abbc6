//! Consent on this device: the citizen verifies the mediator's safety code, opens her
//! own envelopes, seals each document key to the mediator, signs the grant with her
//! key, and can revoke it or print a receipt; the mediator lists and fetches what is
//! shared and asks for papers; the operator enrols and disables mediators.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::account::Client;
use super::{unique_prefix, ClientError, Session};
use crate::api::{
    AccessRequestCreated, AccessRequestDraft, AccessRequestView, AdminStatus, Category, DocumentId,
    DocumentMeta, EnrolmentCode, ErrorCode, Grant, GrantCreated, GrantEnvelope, GrantId,
    GrantRequest, GrantView, InvitationCode, MediatorCard, MediatorDraft, MediatorSummary,
    RequestId, SharedDocument,
};
use crate::crypto::document::DocumentKey;
use crate::crypto::safety::{binding_valid, matches as code_matches, safety_code};
use crate::crypto::{hex, random_bytes, sha256};

/// What the citizen decides when sharing.
#[derive(Clone, Debug)]
pub struct ShareDraft {
    pub documents: Vec<String>,
    pub mediator: String,
    /// The code read on the mediator's screen.
    pub safety_code: String,
    pub purpose: String,
    pub not_before_ms: i64,
    pub expires_ms: i64,
    pub request: Option<String>,
}

/// A shared document as the mediator's device sees it.
#[derive(Clone, Debug)]
pub struct SharedListed {
    pub shared: SharedDocument,
    /// `None` when it could not be opened, or when the citizen's signatures (of the
    /// document and of the grant) do not verify: nothing unsigned is shown.
    pub meta: Option<DocumentMeta>,
    /// The citizen's safety code, to compare with the one on her screen.
    pub citizen_safety_code: Option<String>,
}

/// A consent receipt: what was signed, with the titles as the citizen knows them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Receipt {
    pub grant: Grant,
    pub mediator_name: String,
    pub mediator_structure: String,
    pub titles: Vec<String>,
    pub state: crate::api::GrantState,
    pub revoked_ms: Option<i64>,
    /// SHA-256 of the canonical grant, hex.
    pub hash: String,
    /// The citizen's Ed25519 signature, base64.
    pub signature: String,
    /// Whether the signature verifies with this citizen's own key.
    pub signature_valid: bool,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Client {
    /// Turns an enrolment code into a mediator account (keys made here).
    pub fn enrol(
        &self,
        code: &str,
        user: &str,
        pass: &crate::crypto::SecretString,
        today: &str,
    ) -> Result<super::account::Enrolled, ClientError> {
        self.create_account(
            user,
            pass,
            today,
            super::account::Admission::Mediator { code },
        )
    }

    pub fn mediator(&self, session: &Session, user: &str) -> Result<MediatorCard, ClientError> {
        self.http
            .get_json(&format!("/v1/mediators/{user}"), session.token())
            .map_err(|e| match e.code() {
                ErrorCode::MediatorNotFound => {
                    ClientError::local(ErrorCode::MediatorNotFound, &[("value", user)])
                }
                _ => e,
            })
    }

    /// Shares documents: refuses before anything is written if the safety code is not
    /// the mediator's.
    /// Returns the grant and the mediator it was given to.
    pub fn share(
        &self,
        session: &Session,
        draft: ShareDraft,
    ) -> Result<(GrantCreated, MediatorCard), ClientError> {
        let card = self.mediator(session, &draft.mediator)?;
        if card.user != draft.mediator || !binding_valid(&card.keys) {
            return Err(ClientError::Protocol(
                "the server announced keys that do not vouch for each other".into(),
            ));
        }
        if !code_matches(&safety_code(&card.user, &card.keys), &draft.safety_code) {
            let who = format!("{} ({})", card.name, card.structure);
            return Err(ClientError::local(
                ErrorCode::SafetyCodeMismatch,
                &[("mediator", &who)],
            ));
        }
        let mut documents: Vec<DocumentId> = draft
            .documents
            .iter()
            .map(|d| self.resolve(session, d))
            .collect::<Result<_, _>>()?;
        documents.sort();
        documents.dedup();
        let mut envelopes = Vec::with_capacity(documents.len());
        let mut digests = Vec::with_capacity(documents.len());
        for id in &documents {
            let opened = self.open_document(session, id)?;
            envelopes.push(GrantEnvelope {
                document: id.clone(),
                envelope: opened.key.envelope_to(&card.keys.age_recipient)?.into(),
            });
            digests.push(format!("{}.{}", opened.payload_sha256, opened.meta_sha256));
        }
        let now = now_ms();
        let grant = Grant {
            origin: self.origin(session)?,
            digests,
            id: GrantId::generate(),
            citizen: session.user.clone(),
            mediator: card.user.clone(),
            recipient: card.keys.age_recipient.clone(),
            documents,
            purpose: draft.purpose,
            not_before_ms: draft.not_before_ms.min(now),
            expires_ms: draft.expires_ms,
            created_ms: now,
            nonce: hex(&random_bytes::<16>()),
        };
        let signature = session.identity().sign(&grant.canonical());
        let request = match &draft.request {
            Some(r) => Some(self.resolve_request(session, r)?),
            None => None,
        };
        let req = GrantRequest {
            grant,
            signature: signature.to_vec().into(),
            envelopes,
            request,
        };
        let created = self
            .http
            .send_json("POST", "/v1/grants", Some(session.token()), &req)?;
        Ok((created, card))
    }

    pub fn grants(&self, session: &Session) -> Result<Vec<GrantView>, ClientError> {
        self.http.get_json("/v1/grants", session.token())
    }

    /// A grant from its id or a unique prefix of it.
    pub fn resolve_grant(&self, session: &Session, id: &str) -> Result<GrantView, ClientError> {
        let grants = self.grants(session)?;
        let full = unique_prefix(
            grants.iter().map(|g| g.grant.id.clone()),
            id,
            ErrorCode::GrantNotFound,
        )?;
        grants
            .into_iter()
            .find(|g| g.grant.id == full)
            .ok_or_else(|| ClientError::local(ErrorCode::GrantNotFound, &[]))
    }

    /// A request id from its id or a unique prefix of it.
    pub fn resolve_request(&self, session: &Session, id: &str) -> Result<RequestId, ClientError> {
        let requests = self.requests(session)?;
        unique_prefix(
            requests.into_iter().map(|r| r.id),
            id,
            ErrorCode::RequestNotFound,
        )
    }

    pub fn revoke(&self, session: &Session, grant: &str) -> Result<(), ClientError> {
        self.http
            .post_empty(&format!("/v1/grants/{grant}/revoke"), session.token())
    }

    /// The receipt of a grant, with titles opened on this device and the signature
    /// checked against this citizen's key.
    pub fn receipt(&self, session: &Session, view: GrantView) -> Result<Receipt, ClientError> {
        let canonical = view.grant.canonical();
        let signature_valid = crate::crypto::server::verify_signature(
            session.keys.signing_key.as_slice(),
            &canonical,
            view.signature.as_slice(),
        );
        let titles = view
            .grant
            .documents
            .iter()
            .map(|id| match self.describe(session, id) {
                Ok((_, meta)) => meta.title,
                Err(_) => format!("({id})"),
            })
            .collect();
        Ok(Receipt {
            hash: hex(&sha256(&canonical)),
            signature: STANDARD.encode(view.signature.as_slice()),
            signature_valid,
            titles,
            state: view.state,
            revoked_ms: view.revoked_ms,
            mediator_name: view.mediator_name,
            mediator_structure: view.mediator_structure,
            grant: view.grant,
        })
    }

    /// A grant shown to this mediator, once checked: the citizen's keys vouch for
    /// each other, her signature of the grant verifies, and the grant names this
    /// deployment, this mediator and this mediator's own recipient. A server cannot
    /// make up, widen or extend a grant.
    pub(crate) fn verified_grant(
        &self,
        session: &Session,
        origin: &str,
        id: &str,
    ) -> Result<GrantView, ClientError> {
        let grants = self.grants(session)?;
        let view = grants
            .into_iter()
            .find(|g| g.grant.id == id)
            .ok_or_else(|| ClientError::local(ErrorCode::InvalidSignature, &[]))?;
        if !grant_holds(session, origin, &view) {
            return Err(ClientError::local(ErrorCode::InvalidSignature, &[]));
        }
        if !self.citizen_keys_hold(&view.grant.citizen, &view.citizen_keys)? {
            let name = view.grant.citizen.clone();
            return Err(ClientError::local(
                ErrorCode::CitizenKeysChanged,
                &[("citizen", &name)],
            ));
        }
        Ok(view)
    }

    /// After a `citizen_keys_changed` alert, and the citizen's safety code compared
    /// with her in person: remembers the keys her current grants are signed with,
    /// if `code` is their safety code. Returns the code.
    pub fn trust_citizen(
        &self,
        session: &Session,
        citizen: &str,
        code: &str,
    ) -> Result<String, ClientError> {
        let origin = self.origin(session)?;
        let view = self
            .grants(session)?
            .into_iter()
            .find(|g| g.grant.citizen == citizen && grant_holds(session, &origin, g))
            .ok_or_else(|| ClientError::local(ErrorCode::GrantNotFound, &[]))?;
        let expected = safety_code(citizen, &view.citizen_keys);
        if !code_matches(&expected, code) {
            return Err(ClientError::local(
                ErrorCode::CitizenCodeMismatch,
                &[("citizen", citizen)],
            ));
        }
        self.remember_citizen(citizen, &view.citizen_keys, true)?;
        Ok(expected)
    }

    /// Whether `keys` are the ones this mediator's device first saw for `citizen` at
    /// this server (and compared by safety code in person); the first time, they are
    /// remembered in `COFFRE_HOME/citizens.json`. A server that invents a citizen of
    /// the same name with keys of its own is caught here.
    fn citizen_keys_hold(
        &self,
        citizen: &str,
        keys: &crate::api::PublicKeys,
    ) -> Result<bool, ClientError> {
        self.remember_citizen(citizen, keys, false)
    }

    /// Compares `keys` with the ones remembered for `citizen` (remembering them if
    /// none are, or if `replace`).
    fn remember_citizen(
        &self,
        citizen: &str,
        keys: &crate::api::PublicKeys,
        replace: bool,
    ) -> Result<bool, ClientError> {
        let path = self.home.join("citizens.json");
        let mut known: std::collections::BTreeMap<String, String> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
            Err(e) => return Err(ClientError::file(&path, e)),
        };
        let name = format!("{}/{citizen}", super::journal::deployment(self.http.base()));
        let mut material = keys.age_recipient.as_bytes().to_vec();
        material.extend_from_slice(keys.signing_key.as_slice());
        let fingerprint = hex(&sha256(&material));
        match known.get(&name) {
            Some(seen) if !replace => Ok(*seen == fingerprint),
            _ => {
                known.insert(name, fingerprint);
                let json = serde_json::to_vec_pretty(&known)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?;
                crate::crypto::keyfile::write_private(&path, &json)
                    .map_err(|e| ClientError::file(&path, e))?;
                Ok(true)
            }
        }
    }

    /// What is shared with this mediator now, titles opened here, each checked
    /// against the citizen's signatures of the document and of its grant.
    pub fn shared(&self, session: &Session) -> Result<Vec<SharedListed>, ClientError> {
        let origin = self.origin(session)?;
        let docs: Vec<SharedDocument> = self.http.get_json("/v1/shared", session.token())?;
        let grants: Vec<GrantView> = self.grants(session)?;
        Ok(docs
            .into_iter()
            .map(|shared| {
                let view = grants
                    .iter()
                    .find(|g| g.grant.id == shared.grant)
                    .filter(|g| grant_holds(session, &origin, g) && covers(g, &shared, &origin))
                    .filter(|g| {
                        self.citizen_keys_hold(&g.grant.citizen, &g.citizen_keys)
                            .unwrap_or(false)
                    });
                let meta = view.and_then(|_| {
                    DocumentKey::from_envelope(session.identity(), shared.envelope.as_slice())
                        .and_then(|k| k.open_meta(shared.meta.as_slice()))
                        .ok()
                });
                let citizen_safety_code =
                    view.map(|g| safety_code(&g.grant.citizen, &g.citizen_keys));
                SharedListed {
                    shared,
                    meta,
                    citizen_safety_code,
                }
            })
            .collect())
    }

    pub fn request_access(
        &self,
        session: &Session,
        citizen: &str,
        category: Category,
        message: &str,
    ) -> Result<AccessRequestCreated, ClientError> {
        let draft = AccessRequestDraft {
            citizen: citizen.to_owned(),
            category,
            message: message.to_owned(),
        };
        self.http
            .send_json("POST", "/v1/requests", Some(session.token()), &draft)
    }

    pub fn requests(&self, session: &Session) -> Result<Vec<AccessRequestView>, ClientError> {
        self.http.get_json("/v1/requests", session.token())
    }

    pub fn decline(&self, session: &Session, request: &str) -> Result<(), ClientError> {
        self.http
            .post_empty(&format!("/v1/requests/{request}/decline"), session.token())
    }

    // ---- operator ----

    pub fn admin_add_mediator(
        &self,
        token: &str,
        draft: &MediatorDraft,
    ) -> Result<EnrolmentCode, ClientError> {
        self.http
            .send_json("POST", "/v1/admin/mediators", Some(token), draft)
    }

    /// A one-time invitation to open a vault, issued by the operator.
    pub fn admin_invite(&self, token: &str) -> Result<InvitationCode, ClientError> {
        self.http.send_json(
            "POST",
            "/v1/admin/invitations",
            Some(token),
            &serde_json::json!({}),
        )
    }

    /// A one-time invitation to open a vault, issued by the mediator in session.
    pub fn invite(&self, session: &Session) -> Result<InvitationCode, ClientError> {
        self.http.send_json(
            "POST",
            "/v1/invitations",
            Some(session.token()),
            &serde_json::json!({}),
        )
    }

    pub fn admin_mediators(&self, token: &str) -> Result<Vec<MediatorSummary>, ClientError> {
        self.http.get_json("/v1/admin/mediators", token)
    }

    pub fn admin_disable(&self, token: &str, user: &str) -> Result<(), ClientError> {
        self.http
            .post_empty(&format!("/v1/admin/mediators/{user}/disable"), token)
            .map_err(|e| match e.code() {
                ErrorCode::MediatorNotFound => {
                    ClientError::local(ErrorCode::MediatorNotFound, &[("value", user)])
                }
                _ => e,
            })
    }

    pub fn admin_journal_verify(
        &self,
        token: &str,
    ) -> Result<crate::api::AuditReport, ClientError> {
        self.http.send_json(
            "POST",
            "/v1/admin/journal/verify",
            Some(token),
            &serde_json::json!({}),
        )
    }

    /// Sets a citizen's vault quota; returns the quota in force.
    pub fn admin_set_quota(
        &self,
        token: &str,
        user: &str,
        req: &crate::api::SetQuotaRequest,
    ) -> Result<crate::api::Quota, ClientError> {
        self.http
            .send_json(
                "PUT",
                &format!("/v1/admin/accounts/{user}/quota"),
                Some(token),
                req,
            )
            .map_err(|e| match e.code() {
                ErrorCode::AccountNotFound => {
                    ClientError::local(ErrorCode::AccountNotFound, &[("value", user)])
                }
                _ => e,
            })
    }

    pub fn admin_status(&self, token: &str) -> Result<AdminStatus, ClientError> {
        self.http.get_json("/v1/admin/status", token)
    }
}

/// Whether a grant shown to a mediator is one the citizen signed, for her, here.
fn grant_holds(session: &Session, origin: &str, view: &GrantView) -> bool {
    let g = &view.grant;
    g.origin == origin
        && g.mediator == session.user
        && g.recipient == session.keys.age_recipient
        && g.well_formed()
        && binding_valid(&view.citizen_keys)
        && crate::crypto::server::verify_signature(
            view.citizen_keys.signing_key.as_slice(),
            &g.canonical(),
            view.signature.as_slice(),
        )
}

/// Whether `view`'s grant covers this very document, signed by its citizen.
fn covers(view: &GrantView, d: &SharedDocument, origin: &str) -> bool {
    let digest = format!("{}.{}", d.payload_sha256, hex(&sha256(d.meta.as_slice())));
    let listed = view
        .grant
        .documents
        .iter()
        .zip(&view.grant.digests)
        .any(|(id, g)| *id == d.id && *g == digest);
    let seal = super::documents::Seal::from_parts(
        origin,
        &d.id,
        &view.grant.citizen,
        d.size,
        &d.payload_sha256,
        d.meta.as_slice(),
        &d.envelope_sha256,
        d.signature.as_slice(),
    );
    listed
        && d.citizen == view.grant.citizen
        && seal.verifies(view.citizen_keys.signing_key.as_slice())
}
