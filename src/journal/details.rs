//! What a journal entry says beyond its leaf: who (by name and structure), which
//! paper, why, until when. The server writes it sealed to the citizen and commits to
//! it in the leaf; the citizen's client opens it and tells it in plain words. One
//! type for both sides, so that a field the writer renames is a compile error on the
//! reader, not a blank in a citizen's history.

use serde::{Deserialize, Serialize};

use crate::api::{Category, DocumentId, GrantId, RequestId, Role};

/// Why an access was refused (journaled for the citizen to read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    GrantExpired,
    GrantRevoked,
    GrantNotYetValid,
    MediatorDisabled,
    BadCredentials,
    /// Refused for another reason (no grant covers it).
    Denied,
    /// A value from a newer server.
    #[serde(other)]
    Other,
}

/// Which part of a document an access read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Its record (sealed metadata and envelope).
    Record,
    /// Its content (the age payload).
    Content,
    #[serde(other)]
    Other,
}

/// The details of one entry. Every field is optional: each action fills its own,
/// and a reader ignores fields it does not know (an older client, a newer server).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// The acting account's user name, when it is not the citizen herself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The mediator's name and structure, as enrolled by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    /// The role of a new account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// What the entry is about (a document, grant or request id), in the clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantId>,
    /// The mediator's user name (a grant, an enrolment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediator: Option<String>,
    /// The documents a grant covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DocumentId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// How many (documents listed, entries missing, documents erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants_ended: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Refusal>,
    /// The address a login, recovery or passphrase change came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// A journal change the citizen accepted: the old and new key and checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_checkpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Details {
    /// Where a login, recovery or passphrase change came from.
    pub fn from_ip(ip: &str) -> Details {
        Details {
            ip: Some(ip.to_owned()),
            ..Details::default()
        }
    }

    /// A mediator, by name and structure (`None` if unknown).
    pub fn mediator_profile(mut self, name: &str, structure: &str) -> Details {
        self.actor_name = Some(name.to_owned());
        self.structure = Some(structure.to_owned());
        self
    }

    /// How many documents the entry concerns: a grant's list, or a count.
    pub fn document_count(&self) -> u64 {
        self.documents
            .as_ref()
            .map(|d| d.len() as u64)
            .or(self.count)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_values_are_tolerated_and_empty_fields_not_written() {
        let d: Details = serde_json::from_str(
            r#"{"actor":"f.benali","reason":"from_the_future","part":"record","new_field":1}"#,
        )
        .unwrap();
        assert_eq!(d.actor.as_deref(), Some("f.benali"));
        assert_eq!(d.reason, Some(Refusal::Other));
        assert_eq!(d.part, Some(Part::Record));
        assert_eq!(serde_json::to_string(&Details::default()).unwrap(), "{}");
        let grant = Details {
            documents: Some(vec![DocumentId::generate(), DocumentId::generate()]),
            ..Details::default()
        };
        assert_eq!(grant.document_count(), 2);
    }
}
