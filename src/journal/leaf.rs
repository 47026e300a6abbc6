//! The journal leaf: a fixed binary encoding (not JSON) of one entry.
//!
//! ```text
//! label       23  "coffre/journal/leaf/v1\0"
//! time_ms      8  i64, big-endian
//! subject     32  HMAC-SHA256(server key, citizen id): pseudonymous
//! seq          8  u64, the subject's entry number, 0, 1, 2… without gaps
//! prev        32  leaf hash of the subject's previous entry (zeros for seq 0)
//! action       1
//! phase        1  attempt, done, denied, failed
//! actor_kind   1
//! actor       32  HMAC tag of the actor's id (zeros when none)
//! object      32  HMAC tag of the document or grant id (zeros when none)
//! request     16  random: makes leaf hashes unguessable, pairs attempt and outcome
//! commitment  32  SHA-256 of the sealed details' plaintext (salt ‖ JSON)
//! ```

/// Domain separation and version.
pub const LABEL: &[u8; 23] = b"coffre/journal/leaf/v1\0";
/// Encoded length of every leaf.
pub const LEAF_BYTES: usize = 23 + 8 + 32 + 8 + 32 + 3 + 32 + 32 + 16 + 32;

macro_rules! byte_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant = $value,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn from_byte(b: u8) -> Option<$name> {
                match b { $($value => Some($name::$variant),)* _ => None }
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }
    };
}

byte_enum! {
    /// What happened.
    Action {
        Register = 1 => "register",
        Login = 2 => "login",
        Logout = 3 => "logout",
        Upload = 4 => "upload",
        List = 5 => "list",
        Download = 6 => "download",
        Delete = 7 => "delete",
        Share = 8 => "share",
        Revoke = 9 => "revoke",
        Expire = 10 => "expire",
        MediatorList = 11 => "mediator_list",
        MediatorFetch = 12 => "mediator_fetch",
        AccessRequest = 13 => "access_request",
        Recovery = 14 => "recovery",
        PassphraseChange = 15 => "passphrase_change",
        Export = 16 => "export",
        AccountDeletion = 17 => "account_deletion",
        MediatorEnrolled = 18 => "mediator_enrolled",
        MediatorDisabled = 19 => "mediator_disabled",
        RequestDeclined = 20 => "request_declined",
        JournalChange = 21 => "journal_change",
        InvitationIssued = 22 => "invitation_issued",
        Backup = 23 => "backup",
        QuotaChanged = 24 => "quota_changed",
        ServiceStarted = 25 => "service_started",
        Restore = 26 => "restore",
    }
}

byte_enum! {
    /// Where in its life the operation was.
    Phase {
        Attempt = 0 => "attempt",
        Done = 1 => "done",
        Denied = 2 => "denied",
        Failed = 3 => "failed",
    }
}

byte_enum! {
    /// Who acted.
    ActorKind {
        Citizen = 0 => "citizen",
        Mediator = 1 => "mediator",
        Operator = 2 => "operator",
        Anonymous = 3 => "anonymous",
        System = 4 => "system",
    }
}

impl Action {
    /// Actions recorded as an attempt (durable before anything is released) followed
    /// by an outcome of the same request.
    pub fn is_fail_closed(self) -> bool {
        matches!(
            self,
            Action::Download | Action::MediatorFetch | Action::Delete
        )
    }
}

/// One decoded leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub time_ms: i64,
    pub subject: [u8; 32],
    pub seq: u64,
    pub prev: [u8; 32],
    pub action: Action,
    pub phase: Phase,
    pub actor_kind: ActorKind,
    pub actor: [u8; 32],
    pub object: [u8; 32],
    pub request: [u8; 16],
    pub commitment: [u8; 32],
}

impl Leaf {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEAF_BYTES);
        out.extend_from_slice(LABEL);
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        out.extend_from_slice(&self.subject);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.prev);
        out.extend_from_slice(&[self.action as u8, self.phase as u8, self.actor_kind as u8]);
        out.extend_from_slice(&self.actor);
        out.extend_from_slice(&self.object);
        out.extend_from_slice(&self.request);
        out.extend_from_slice(&self.commitment);
        out
    }

    /// Parses exactly one leaf; anything else is `None`.
    pub fn decode(bytes: &[u8]) -> Option<Leaf> {
        if bytes.len() != LEAF_BYTES || !bytes.starts_with(LABEL) {
            return None;
        }
        let mut r = Reader(&bytes[LABEL.len()..]);
        Some(Leaf {
            time_ms: i64::from_be_bytes(r.take()?),
            subject: r.take()?,
            seq: u64::from_be_bytes(r.take()?),
            prev: r.take()?,
            action: Action::from_byte(r.take::<1>()?[0])?,
            phase: Phase::from_byte(r.take::<1>()?[0])?,
            actor_kind: ActorKind::from_byte(r.take::<1>()?[0])?,
            actor: r.take()?,
            object: r.take()?,
            request: r.take()?,
            commitment: r.take()?,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_at_checked(N)?;
        self.0 = rest;
        head.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> Leaf {
        Leaf {
            time_ms: 1_795_000_000_000,
            subject: [1; 32],
            seq: 7,
            prev: [2; 32],
            action: Action::MediatorFetch,
            phase: Phase::Attempt,
            actor_kind: ActorKind::Mediator,
            actor: [3; 32],
            object: [4; 32],
            request: [5; 16],
            commitment: [6; 32],
        }
    }

    #[test]
    fn round_trip_and_strictness() {
        let bytes = leaf().encode();
        assert_eq!(bytes.len(), LEAF_BYTES);
        assert_eq!(Leaf::decode(&bytes), Some(leaf()));
        assert!(Leaf::decode(&bytes[..LEAF_BYTES - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Leaf::decode(&longer).is_none());
        let mut bad_action = bytes.clone();
        bad_action[23 + 8 + 32 + 8 + 32] = 200;
        assert!(Leaf::decode(&bad_action).is_none());
        let mut bad_label = bytes;
        bad_label[0] = b'C';
        assert!(Leaf::decode(&bad_label).is_none());
        for a in Action::ALL {
            assert_eq!(Action::from_byte(*a as u8), Some(*a));
        }
    }
}
