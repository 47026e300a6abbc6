//! The access decision: one pure function of (caller, action, resource, grants, now).
//!
//! Every document endpoint asks [`authorize`]; nothing else decides. A refusal that
//! would reveal another vault's content looks like absence ([`Denial::NotFound`]); a
//! mediator whose grant ended is told why (expired, revoked, not yet valid).

use crate::api::Role;
use crate::storage::GrantRecord;

/// An authenticated account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: crate::api::UserName,
    pub role: Role,
    pub enabled: bool,
}

impl Principal {
    /// Refuses an action meant for another role.
    pub fn require(&self, role: Role) -> Result<(), super::VaultError> {
        if self.role == role {
            Ok(())
        } else {
            Err(super::VaultError::WrongRole { needed: role })
        }
    }
}

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    /// The deployment's operator (admin token): runs the service, sees no document.
    Operator,
    Account(Principal),
}

/// What is asked of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its record (sealed metadata and the caller's envelope) and its content.
    ReadDocument,
    DeleteDocument,
    /// Give a mediator access to it.
    ShareDocument,
}

impl Action {
    pub const ALL: [Action; 3] = [
        Action::ReadDocument,
        Action::DeleteDocument,
        Action::ShareDocument,
    ];
}

/// The document asked for.
#[derive(Clone, Copy, Debug)]
pub struct Document<'a> {
    pub id: &'a str,
    pub owner: &'a str,
}

/// Why access is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    Unauthenticated,
    Disabled,
    NotFound,
    GrantExpired { at_ms: i64 },
    GrantRevoked { at_ms: i64 },
    GrantNotYetValid { from_ms: i64 },
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// As the owner.
    Owner,
    /// Through the grant at this index of the `grants` given.
    Grant(usize),
    Deny(Denial),
}

/// Decides whether `caller` may do `action` to `doc`, given the grants that name the
/// caller (others are ignored) at instant `now_ms`.
pub fn authorize(
    caller: &Caller,
    action: Action,
    doc: Document<'_>,
    grants: &[GrantRecord],
    now_ms: i64,
) -> Decision {
    let who = match caller {
        Caller::Anonymous => return Decision::Deny(Denial::Unauthenticated),
        Caller::Operator => return Decision::Deny(Denial::NotFound),
        Caller::Account(p) if !p.enabled => return Decision::Deny(Denial::Disabled),
        Caller::Account(p) => p,
    };
    match who.role {
        Role::Citizen if who.user == doc.owner => Decision::Owner,
        Role::Citizen => Decision::Deny(Denial::NotFound),
        Role::Mediator if action == Action::ReadDocument => through_grant(who, doc, grants, now_ms),
        Role::Mediator => Decision::Deny(Denial::NotFound),
    }
}

fn through_grant(
    who: &Principal,
    doc: Document<'_>,
    grants: &[GrantRecord],
    now_ms: i64,
) -> Decision {
    let covering = grants.iter().enumerate().filter(|(_, r)| {
        r.grant.mediator == who.user
            && r.grant.citizen == doc.owner
            && r.grant.documents.iter().any(|d| d == doc.id)
    });
    let mut best = Denial::NotFound;
    for (i, r) in covering {
        let g = &r.grant;
        let denial = match r.revoked_ms {
            Some(at_ms) if at_ms <= now_ms => Denial::GrantRevoked { at_ms },
            _ if now_ms >= g.expires_ms => Denial::GrantExpired {
                at_ms: g.expires_ms,
            },
            _ if now_ms < g.not_before_ms => Denial::GrantNotYetValid {
                from_ms: g.not_before_ms,
            },
            _ => return Decision::Grant(i),
        };
        best = more_telling(best, denial);
    }
    Decision::Deny(best)
}

/// Of two refusals, the one that tells the mediator most: a grant about to start,
/// then the most recent end.
fn more_telling(a: Denial, b: Denial) -> Denial {
    let rank = |d: Denial| match d {
        Denial::GrantNotYetValid { from_ms } => (3, -from_ms),
        Denial::GrantRevoked { at_ms } | Denial::GrantExpired { at_ms } => (2, at_ms),
        _ => (0, 0),
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Bytes, Grant};

    const NOW: i64 = 1_000_000;
    const DOC: &str = "dddddddddddddddddddddddddddddddd";
    const OTHER_DOC: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Who {
        Owner,
        OtherCitizen,
        GrantedMediator,
        OtherMediator,
        DisabledMediator,
        Operator,
        Anonymous,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum GrantCase {
        Active,
        Expired,
        Revoked,
        NotCovering,
        NotYetValid,
    }

    fn caller(w: Who) -> Caller {
        let account = |user: &str, role, enabled| {
            Caller::Account(Principal {
                user: user.parse().unwrap(),
                role,
                enabled,
            })
        };
        match w {
            Who::Owner => account("alice", Role::Citizen, true),
            Who::OtherCitizen => account("bob", Role::Citizen, true),
            Who::GrantedMediator => account("med", Role::Mediator, true),
            Who::OtherMediator => account("med2", Role::Mediator, true),
            Who::DisabledMediator => account("med", Role::Mediator, false),
            Who::Operator => Caller::Operator,
            Who::Anonymous => Caller::Anonymous,
        }
    }

    fn grant(case: GrantCase) -> GrantRecord {
        let (not_before_ms, expires_ms, revoked_ms) = match case {
            GrantCase::Active | GrantCase::NotCovering => (NOW - 10, NOW + 10, None),
            GrantCase::Expired => (NOW - 10, NOW, None),
            GrantCase::Revoked => (NOW - 10, NOW + 10, Some(NOW - 5)),
            GrantCase::NotYetValid => (NOW + 5, NOW + 10, None),
        };
        let doc = if case == GrantCase::NotCovering {
            OTHER_DOC
        } else {
            DOC
        };
        GrantRecord {
            grant: Grant {
                origin: "test.example/journal/v1".into(),
                digests: vec![String::new()],
                id: crate::api::GrantId::parse(&"0".repeat(32)).unwrap(),
                citizen: "alice".into(),
                mediator: "med".into(),
                recipient: "age1".into(),
                documents: vec![crate::api::DocumentId::parse(doc).unwrap()],
                purpose: String::new(),
                not_before_ms,
                expires_ms,
                created_ms: NOW - 10,
                nonce: "0".repeat(32),
            },
            signature: Bytes::default(),
            envelopes: Vec::new(),
            revoked_ms,
        }
    }

    /// The expected decision, written out case by case (not derived from the code).
    fn expected(who: Who, action: Action, case: GrantCase) -> Decision {
        use Denial::*;
        match (who, action) {
            (Who::Anonymous, _) => Decision::Deny(Unauthenticated),
            (Who::Operator, _) => Decision::Deny(NotFound),
            (Who::DisabledMediator, _) => Decision::Deny(Disabled),
            (Who::Owner, _) => Decision::Owner,
            (Who::OtherCitizen, _) => Decision::Deny(NotFound),
            (Who::OtherMediator, _) => Decision::Deny(NotFound),
            (Who::GrantedMediator, Action::DeleteDocument | Action::ShareDocument) => {
                Decision::Deny(NotFound)
            }
            (Who::GrantedMediator, Action::ReadDocument) => match case {
                GrantCase::Active => Decision::Grant(0),
                GrantCase::Expired => Decision::Deny(GrantExpired { at_ms: NOW }),
                GrantCase::Revoked => Decision::Deny(GrantRevoked { at_ms: NOW - 5 }),
                GrantCase::NotCovering => Decision::Deny(NotFound),
                GrantCase::NotYetValid => Decision::Deny(GrantNotYetValid { from_ms: NOW + 5 }),
            },
        }
    }

    #[test]
    fn every_caller_action_and_grant_state() {
        let whos = [
            Who::Owner,
            Who::OtherCitizen,
            Who::GrantedMediator,
            Who::OtherMediator,
            Who::DisabledMediator,
            Who::Operator,
            Who::Anonymous,
        ];
        let cases = [
            GrantCase::Active,
            GrantCase::Expired,
            GrantCase::Revoked,
            GrantCase::NotCovering,
            GrantCase::NotYetValid,
        ];
        let doc = Document {
            id: DOC,
            owner: "alice",
        };
        let mut checked = 0;
        for who in whos {
            for action in Action::ALL {
                for case in cases {
                    let got = authorize(&caller(who), action, doc, &[grant(case)], NOW);
                    assert_eq!(
                        got,
                        expected(who, action, case),
                        "{who:?} {action:?} {case:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 3 * 5);
    }

    #[test]
    fn expiry_is_exact_to_the_millisecond() {
        let g = [grant(GrantCase::Active)];
        let doc = Document {
            id: DOC,
            owner: "alice",
        };
        let med = caller(Who::GrantedMediator);
        assert_eq!(
            authorize(&med, Action::ReadDocument, doc, &g, NOW + 9),
            Decision::Grant(0)
        );
        assert_eq!(
            authorize(&med, Action::ReadDocument, doc, &g, NOW + 10),
            Decision::Deny(Denial::GrantExpired { at_ms: NOW + 10 })
        );
    }

    #[test]
    fn an_active_grant_wins_over_ended_ones() {
        let grants = [
            grant(GrantCase::Revoked),
            grant(GrantCase::Expired),
            grant(GrantCase::Active),
        ];
        let doc = Document {
            id: DOC,
            owner: "alice",
        };
        let med = caller(Who::GrantedMediator);
        assert_eq!(
            authorize(&med, Action::ReadDocument, doc, &grants, NOW),
            Decision::Grant(2)
        );
        // A grant from another citizen does not open alice's document.
        let mut foreign = grant(GrantCase::Active);
        foreign.grant.citizen = "bob".into();
        assert_eq!(
            authorize(&med, Action::ReadDocument, doc, &[foreign], NOW),
            Decision::Deny(Denial::NotFound)
        );
    }
}
