//! The access decision: one pure function of (principal, action, resource).
//!
//! Today a document is reachable by its owner only. Consent grants (mediators) extend
//! this function, and only this function, with the grants and the time.

use crate::api::Role;

/// Who is asking: an authenticated account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub role: Role,
}

/// What is asked of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ReadDocument,
    DeleteDocument,
}

/// The decision. A refusal looks like absence, so that ids of other vaults' documents
/// cannot be probed.
pub fn authorize(principal: &Principal, action: Action, owner: &str) -> bool {
    match action {
        Action::ReadDocument | Action::DeleteDocument => {
            principal.role == Role::Citizen && principal.user == owner
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner() {
        let alice = Principal {
            user: "alice".into(),
            role: Role::Citizen,
        };
        let bob = Principal {
            user: "bob".into(),
            role: Role::Citizen,
        };
        let mediator = Principal {
            user: "alice".into(),
            role: Role::Mediator,
        };
        for action in [Action::ReadDocument, Action::DeleteDocument] {
            assert!(authorize(&alice, action, "alice"));
            assert!(!authorize(&bob, action, "alice"));
            assert!(!authorize(&mediator, action, "alice"));
        }
    }
}
