//! A restore notice: the journal's key signs, when a deployment is restored from a
//! backup, that its journal was rolled back to the backup's tree.
//!
//! ```text
//! coffre restore notice v1
//! example.org/journal/v1
//! backup 1764950400000
//! size 42
//! root qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=
//! restored 1765036800000
//!
//! — example.org/journal/v1 <base64(key id ‖ signature)>
//! ```
//!
//! The same signed-note format and key as checkpoints; the first line keeps a
//! notice from passing for a checkpoint (whose first line is the origin) and the
//! reverse. Times are Unix milliseconds. A client that had verified more than `size`
//! entries learns from it why the journal is shorter, and keeps it as evidence: a
//! server cannot deny a rollback it signed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::checkpoint::{self, NoteError};
use super::merkle::Hash;

const HEADER: &str = "coffre restore notice v1";

/// What a restore notice states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreNotice {
    pub origin: String,
    /// When the backup was taken (Unix ms).
    pub backup_ms: i64,
    /// The journal's size and root in the backup: where it was rolled back to.
    pub size: u64,
    pub root: Hash,
    /// When the restore was made (Unix ms).
    pub restored_ms: i64,
}

impl RestoreNotice {
    /// The note body that is signed.
    pub fn body(&self) -> String {
        format!(
            "{HEADER}\n{}\nbackup {}\nsize {}\nroot {}\nrestored {}\n",
            self.origin,
            self.backup_ms,
            self.size,
            STANDARD.encode(self.root),
            self.restored_ms
        )
    }

    /// Signs the notice with the journal's key.
    pub fn sign(&self, key: &crate::crypto::server::LogKey) -> String {
        let body = self.body();
        let id = checkpoint::key_id(&self.origin, &key.public_key());
        checkpoint::note(&body, &self.origin, id, &key.sign(body.as_bytes()))
    }

    /// Verifies a signed notice with the pinned verifier key.
    pub fn verify(note_text: &str, vkey: &str) -> Result<RestoreNotice, NoteError> {
        let (name, body) = checkpoint::verify_note(note_text, vkey)?;
        let notice = RestoreNotice::parse_body(&body)?;
        if notice.origin != name {
            return Err(NoteError::Format);
        }
        Ok(notice)
    }

    fn parse_body(body: &str) -> Result<RestoreNotice, NoteError> {
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(NoteError::Format);
        }
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(NoteError::Format)?;
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .ok_or(NoteError::Format)
        };
        let backup_ms = field("backup")?.parse().map_err(|_| NoteError::Format)?;
        let size = field("size")?.parse().map_err(|_| NoteError::Format)?;
        let root = STANDARD
            .decode(field("root")?)
            .ok()
            .and_then(|r| Hash::try_from(r.as_slice()).ok())
            .ok_or(NoteError::Format)?;
        let restored_ms = field("restored")?.parse().map_err(|_| NoteError::Format)?;
        if lines.next() != Some("") || lines.next().is_some() {
            return Err(NoteError::Format);
        }
        Ok(RestoreNotice {
            origin: origin.to_owned(),
            backup_ms,
            size,
            root,
            restored_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crypto::server::LogKey;

    fn notice() -> RestoreNotice {
        RestoreNotice {
            origin: "coffre.albi.fr/journal/v1".into(),
            backup_ms: 1_764_950_400_000,
            size: 42,
            root: [7u8; 32],
            restored_ms: 1_765_036_800_000,
        }
    }

    #[test]
    fn signed_verified_and_never_taken_for_a_checkpoint() {
        let key = LogKey::generate();
        let n = notice();
        let vkey = checkpoint::verifier_key(&n.origin, &key.public_key());
        let note = n.sign(&key);
        assert_eq!(RestoreNotice::verify(&note, &vkey).unwrap(), n);
        assert!(checkpoint::verify(&note, &vkey).is_err());
        // A checkpoint signed by the same key is no notice.
        let cp = checkpoint::Checkpoint {
            origin: n.origin.clone(),
            size: 42,
            root: [7u8; 32],
        };
        let body = cp.body();
        let id = checkpoint::key_id(&n.origin, &key.public_key());
        let cp_note = checkpoint::note(&body, &n.origin, id, &key.sign(body.as_bytes()));
        assert!(RestoreNotice::verify(&cp_note, &vkey).is_err());
        // Another key's notice, or a changed word, is refused.
        let other = LogKey::generate();
        assert_eq!(
            RestoreNotice::verify(&n.sign(&other), &vkey),
            Err(NoteError::Signature)
        );
        let forged = note.replace("size 42", "size 41");
        assert_eq!(
            RestoreNotice::verify(&forged, &vkey),
            Err(NoteError::Signature)
        );
    }
}
