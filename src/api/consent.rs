//! Wire types of consent: mediators and their enrolment, grants (with their canonical
//! signed encoding), shared documents, access requests, and the operator's views.

use serde::{Deserialize, Serialize};

use super::{Bytes, Category, DocumentId, GrantId, PublicKeys, RegisterRequest, RequestId};

/// Longest grant: one year.
pub const MAX_GRANT_MS: i64 = 365 * 24 * 3600 * 1000;
/// Longest purpose text, in characters.
pub const MAX_PURPOSE_CHARS: usize = 200;
/// Most documents in one grant.
pub const MAX_GRANT_DOCUMENTS: usize = 100;

/// The operator's request to enrol a mediator.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediatorDraft {
    pub user: String,
    pub name: String,
    pub structure: String,
}

/// A one-time enrolment code, handed to the mediator out of band. Its `Debug`
/// leaves out the code.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolmentCode {
    pub code: String,
    pub expires_ms: i64,
}

/// An invitation to open a vault: handed to a citizen at the counter (printed or
/// spoken), used once, within its validity.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvitationCode {
    pub code: String,
    pub expires_ms: i64,
}

impl std::fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationCode")
            .field("code", &"[redacted]")
            .field("expires_ms", &self.expires_ms)
            .finish()
    }
}

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolmentCode")
            .field("code", &"[redacted]")
            .field("expires_ms", &self.expires_ms)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediatorState {
    /// Enrolment code issued, not used yet.
    Pending,
    Active,
    Disabled,
}

/// A mediator as the operator sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediatorSummary {
    pub user: String,
    pub name: String,
    pub structure: String,
    pub state: MediatorState,
    pub created_ms: i64,
}

/// A mediator turning an enrolment code into an account (keys made on the device).
/// Its `Debug` leaves out the code.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolRequest {
    pub code: String,
    pub account: RegisterRequest,
}

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("code", &"[redacted]")
            .field("account", &self.account)
            .finish()
    }
}

/// What a citizen's client learns of a mediator before sharing.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediatorCard {
    pub user: String,
    pub name: String,
    pub structure: String,
    pub keys: PublicKeys,
}

/// A consent grant: the record the citizen's key signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    /// The deployment's journal origin: a grant means nothing elsewhere.
    pub origin: String,
    pub id: GrantId,
    pub citizen: String,
    pub mediator: String,
    /// The mediator's age recipient as verified with the safety code.
    pub recipient: String,
    /// Document ids, sorted, without repeats.
    pub documents: Vec<DocumentId>,
    /// For each document, in the same order: `payload_sha256.meta_sha256` (hex), the
    /// very bytes the citizen consents to show.
    pub digests: Vec<String>,
    pub purpose: String,
    pub not_before_ms: i64,
    pub expires_ms: i64,
    pub created_ms: i64,
    pub nonce: String,
}

impl Grant {
    /// The exact bytes that are signed: one `name:value` line per field, in a fixed
    /// order; the purpose (free text) as hex of its UTF-8.
    pub fn canonical(&self) -> Vec<u8> {
        let purpose_hex: String = self
            .purpose
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "coffre-grant-v2\norigin:{}\nid:{}\ncitizen:{}\nmediator:{}\nrecipient:{}\ndocuments:{}\ndigests:{}\npurpose:{}\nnot_before:{}\nexpires:{}\ncreated:{}\nnonce:{}\n",
            self.origin,
            self.id,
            self.citizen,
            self.mediator,
            self.recipient,
            self.documents.join(","),
            self.digests.join(","),
            purpose_hex,
            self.not_before_ms,
            self.expires_ms,
            self.created_ms,
            self.nonce,
        )
        .into_bytes()
    }

    /// Whether every field has the shape the canonical encoding relies on.
    pub fn well_formed(&self) -> bool {
        let hex32 = |s: &str| {
            s.len() == 32
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        let line_safe = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        let sorted = self.documents.windows(2).all(|w| w[0] < w[1]);
        let digest = |d: &String| {
            d.len() == 129
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 64 {
                        b == b'.'
                    } else {
                        b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
                    }
                })
        };
        hex32(&self.id)
            && line_safe(&self.origin)
            && self.digests.len() == self.documents.len()
            && self.digests.iter().all(digest)
            && hex32(&self.nonce)
            && line_safe(&self.citizen)
            && line_safe(&self.mediator)
            && line_safe(&self.recipient)
            && !self.documents.is_empty()
            && self.documents.len() <= MAX_GRANT_DOCUMENTS
            && self.documents.iter().all(|d| hex32(d))
            && sorted
            && self.purpose.chars().count() <= MAX_PURPOSE_CHARS
            && super::plain_text(&self.purpose, false)
            && self.not_before_ms < self.expires_ms
            && self.expires_ms - self.not_before_ms <= MAX_GRANT_MS + 60_000
    }
}

/// One document's key, sealed to the mediator's recipient.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantEnvelope {
    pub document: DocumentId,
    pub envelope: Bytes,
}

/// A signed grant with its envelopes, as the citizen's client sends it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantRequest {
    pub grant: Grant,
    /// Ed25519 signature of [`Grant::canonical`] by the citizen's signing key.
    pub signature: Bytes,
    pub envelopes: Vec<GrantEnvelope>,
    /// The access request this grant answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantCreated {
    pub grant: GrantId,
    pub expires_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// Signed for a later start.
    Scheduled,
    Active,
    Expired,
    Revoked,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Scheduled => "scheduled",
            GrantState::Active => "active",
            GrantState::Expired => "expired",
            GrantState::Revoked => "revoked",
        }
    }
}

/// A grant as its citizen (or its mediator) sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantView {
    pub grant: Grant,
    pub signature: Bytes,
    pub state: GrantState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<i64>,
    pub mediator_name: String,
    pub mediator_structure: String,
    /// The citizen's public keys, so that the mediator's client can check the
    /// grant's signature (and show the citizen's safety code to compare).
    pub citizen_keys: PublicKeys,
}

/// A document shared with the calling mediator.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedDocument {
    pub id: DocumentId,
    pub size: u64,
    pub added_ms: i64,
    pub meta: Bytes,
    /// The document key sealed to the mediator.
    pub envelope: Bytes,
    pub grant: GrantId,
    pub citizen: String,
    pub expires_ms: i64,
    /// As signed by the citizen at upload (see [`super::DocumentSeal`]).
    pub payload_sha256: String,
    pub envelope_sha256: String,
    pub signature: Bytes,
}

/// A mediator asking a citizen for papers of a category.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRequestDraft {
    pub citizen: String,
    pub category: Category,
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Fulfilled,
    Declined,
}

/// An access request as its citizen sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRequestView {
    pub id: RequestId,
    /// The citizen asked (what the mediator who asked needs to see).
    pub citizen: String,
    pub mediator: String,
    pub mediator_name: String,
    pub mediator_structure: String,
    pub category: Category,
    pub message: String,
    pub created_ms: i64,
    pub state: RequestState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantId>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRequestCreated {
    pub request: RequestId,
}

/// The operator's overview: counts only, no personal data.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdminStatus {
    pub citizens: u64,
    pub mediators: u64,
    pub documents: u64,
    pub stored_bytes: u64,
    pub active_grants: u64,
    pub version: String,
    /// Who may open a vault: `open`, `invitation` or `closed`.
    #[serde(default)]
    pub registration: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            origin: "coffre.example/journal/v1".into(),
            id: GrantId::parse(&"0".repeat(32)).unwrap(),
            citizen: "mme.b".into(),
            mediator: "agent.ccas".into(),
            recipient: "age1xyz".into(),
            documents: vec![
                DocumentId::parse(&"a".repeat(32)).unwrap(),
                DocumentId::parse(&"b".repeat(32)).unwrap(),
            ],
            digests: vec![format!("{}.{}", "1".repeat(64), "2".repeat(64)); 2],
            purpose: "RSA : dossier « é »".into(),
            not_before_ms: 1,
            expires_ms: 2,
            created_ms: 1,
            nonce: "f".repeat(32),
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let code = EnrolmentCode {
            code: "K7QM-3XRT-9PHD".into(),
            expires_ms: 1,
        };
        assert!(!format!("{code:?}").contains("K7QM"));
    }

    #[test]
    fn canonical_is_stable_and_line_safe() {
        let g = grant();
        let text = String::from_utf8(g.canonical()).unwrap();
        assert!(text.starts_with("coffre-grant-v2\norigin:coffre.example/journal/v1\nid:000"));
        assert_eq!(text.lines().count(), 13);
        assert!(g.well_formed());
        let mut unsorted = g.clone();
        unsorted.documents.reverse();
        assert!(!unsorted.well_formed());
        let mut injected = g.clone();
        injected.mediator = "x\ncitizen:y".into();
        assert!(!injected.well_formed());
        for hidden in ["RSA\nligne 2", "RSA\u{202e}", "\u{1b}[2J"] {
            let mut purpose = g.clone();
            purpose.purpose = hidden.into();
            assert!(!purpose.well_formed(), "{hidden:?}");
        }
        let mut too_long = g;
        too_long.expires_ms = too_long.not_before_ms + MAX_GRANT_MS + 3_600_000;
        assert!(!too_long.well_formed());
    }
}
